package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// LoadConfig says what Load builds and how hard it drives the server.
type LoadConfig struct {
	// Dir is the data directory: made with the demo and Allegations
	// allegations when new, reused (and topped up) when not, so that the
	// slow part is paid once.
	Dir         string
	Database    string // a PostgreSQL URL for the data; "": SQLite in Dir
	Allegations int    // at least this many allegations in the database
	Clients     int
	Duration    time.Duration
	Seed        uint64
	// WriteShare is the part of requests that are writes (0: 5 %).
	WriteShare float64
	// Think is each client's mean pause between an answer and its next
	// request, as a person reads a page before the next click: drawn from
	// an exponential distribution (an open stream of people arriving at
	// random); the first request comes after a pause of its own, so the
	// clients do not start in step. 0: none, every client sends its next
	// request at once (a closed loop, the hardest case).
	Think time.Duration
}

// RouteStats are the figures of one class of request.
type RouteStats struct {
	Class    string   `json:"class"`
	Requests int      `json:"requests"`
	Errors   int      `json:"errors"`
	P50Ms    float64  `json:"p50_ms"`
	P95Ms    float64  `json:"p95_ms"`
	P99Ms    float64  `json:"p99_ms"`
	MaxMs    float64  `json:"max_ms"`
	Samples  []string `json:"error_samples,omitempty"`
	PerSec   float64  `json:"per_s"`
	TargetMs float64  `json:"target_ms,omitempty"`
	Target   string   `json:"target,omitempty"` // p95 or p99
	Met      *bool    `json:"met,omitempty"`
}

// LoadResult is what Load measured.
type LoadResult struct {
	Database     string       `json:"database"`
	Allegations  int          `json:"allegations"`
	SeededNow    int          `json:"seeded_now"`
	SeedPerSec   float64      `json:"seed_per_s,omitempty"`
	Clients      int          `json:"clients"`
	ThinkMs      float64      `json:"think_mean_ms"`
	DurationS    float64      `json:"duration_s"`
	Requests     int          `json:"requests"`
	Errors       int          `json:"errors"`
	Routes       []RouteStats `json:"routes"`
	MissingPages []string     `json:"missing_pages,omitempty"` // list pages this build does not serve (404), left out of the mix
	// HeavyReads is how many heavy reads ran during the load
	// (store.DB.Heavy), HeavyWaited how many of them waited for a slot,
	// and HeavyWaitMs their mean wait.
	HeavyReads  int64   `json:"heavy_reads"`
	HeavyWaited int64   `json:"heavy_waited"`
	HeavyWaitMs float64 `json:"heavy_wait_mean_ms"`
	// LoadAverage is the machine's one-minute load average at the end
	// of the run (Linux; 0 elsewhere): the figures are only comparable
	// with others taken at a like load.
	LoadAverage float64 `json:"load_average"`
}

// The classes of request and their targets (issue 16): the dashboard and
// the map's features at p99 ≤ 300 ms, every page at p95 < 200 ms.
const (
	ClassDashboard   = "dashboard"
	ClassMapFeatures = "map_features"
	ClassList        = "list_pages"
	ClassRecord      = "record_pages"
	ClassMapPage     = "map_page"
	ClassWrite       = "write_allegation"
)

// region is where the generated allegations lie: around the demo's line
// of contact.
var region = geo.BBox{MinLat: 39.45, MinLon: 46.4, MaxLat: 40.35, MaxLon: 47.35}

// loadDays is the span of the generated allegations' days, ending with
// the demo scenario's last days.
const loadDays = 730

var loadEnd = time.Date(2021, 6, 26, 0, 0, 0, 0, time.UTC)

// Load builds (or reuses) a data directory with the demo and
// c.Allegations allegations, serves it on loopback and drives it with
// c.Clients concurrent clients for c.Duration, each looping over a mix of
// the dashboard, the map's features, list and record pages and writes.
func Load(ctx context.Context, c LoadConfig, progress Progress) (LoadResult, error) {
	res := LoadResult{Database: "sqlite", Clients: c.Clients, ThinkMs: float64(c.Think) / float64(time.Millisecond)}
	if c.Database != "" {
		res.Database = "postgres"
	}
	if c.WriteShare == 0 {
		c.WriteShare = 0.05
	}
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	fresh := true
	if _, err := os.Stat(filepath.Join(c.Dir, "truce.db")); err == nil {
		fresh = false
	}
	a, err := app.Open(ctx, app.Config{Dir: c.Dir, Database: c.Database, Synchronous: "normal", WriterCacheMiB: seedCacheMiB, Version: "bench"})
	if err != nil {
		return res, err
	}
	defer a.Close()
	isDemo, err := app.IsDemo(ctx, a.DB)
	if err != nil {
		return res, err
	}
	if fresh || !isDemo {
		progress("demo", 0, 1)
		if _, err := demo.Load(ctx, a.Services.Demo()); err != nil {
			return res, fmt.Errorf("demo: %w", err)
		}
		if err := a.MarkDemo(ctx); err != nil {
			return res, err
		}
	}
	// A token per demo account: the clients call as them.
	operator := account.Operator(store.System)
	tokens := map[string]string{}
	principals := map[string]access.Principal{}
	for _, name := range []string{"cochair", "monitor", "analyst", "liaison-az", "liaison-am", "observer"} {
		u, err := a.Accounts.UserByName(ctx, operator, name)
		if err != nil {
			return res, fmt.Errorf("demo account %s: %w", name, err)
		}
		_, secret, err := a.Accounts.CreateToken(ctx, operator, u.ID, "bench load", 2*time.Hour)
		if err != nil {
			return res, err
		}
		tokens[name] = secret
		if principals[name], err = a.Accounts.AuthenticateToken(ctx, secret); err != nil {
			return res, err
		}
	}
	n, err := countAllegations(ctx, a)
	if err != nil {
		return res, err
	}
	if n < c.Allegations {
		t0 := time.Now()
		if err := seedAllegations(ctx, a, principals, c.Allegations-n, c.Seed, progress); err != nil {
			return res, err
		}
		res.SeededNow = c.Allegations - n
		res.SeedPerSec = float64(res.SeededNow) / time.Since(t0).Seconds()
		n = c.Allegations
	}
	res.Allegations = n
	a.DB.Checkpoint(ctx)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Server.Run(sctx, ln) }()
	defer func() { stop(); <-served }()
	base := "http://" + ln.Addr().String()

	d := newDriver(base, tokens, c)
	if err := d.prepare(ctx); err != nil {
		return res, err
	}
	res.MissingPages = d.missing
	progress("load", 0, int64(c.Duration.Seconds()))
	ran0, waited0, waitedFor0 := a.DB.HeavyStats()
	t0 := time.Now()
	deadline := t0.Add(c.Duration)
	var wg sync.WaitGroup
	for i := range c.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.client(ctx, i, deadline)
		}()
	}
	tick := time.NewTicker(time.Second)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
loop:
	for {
		select {
		case <-done:
			break loop
		case <-tick.C:
			progress("load", int64(time.Since(t0).Seconds()), int64(c.Duration.Seconds()))
		}
	}
	tick.Stop()
	res.DurationS = time.Since(t0).Seconds()
	res.Routes = d.stats(res.DurationS)
	ran, waited, waitedFor := a.DB.HeavyStats()
	res.HeavyReads, res.HeavyWaited = ran-ran0, waited-waited0
	if res.HeavyWaited > 0 {
		res.HeavyWaitMs = float64((waitedFor - waitedFor0).Microseconds()) / 1000 / float64(res.HeavyWaited)
	}
	res.LoadAverage = loadAverage()
	for _, r := range res.Routes {
		res.Requests += r.Requests
		res.Errors += r.Errors
	}
	return res, nil
}

func countAllegations(ctx context.Context, a *app.App) (int, error) {
	var n int
	err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM allegations`).Scan(&n)
	return n, err
}

var loadCategories = func() []string {
	var out []string
	for _, c := range incident.Categories {
		out = append(out, c.Code)
	}
	return out
}()

// seedCacheMiB is the writer's page cache while the load runs: seeding a
// million allegations dirties index pages across gigabytes of tables.
const seedCacheMiB = 1024

// seedAllegations lodges n allegations through the domain service
// (incident.Service.LodgeAllegations, batches of seedBatch in one
// transaction), in the two liaisons' names, from a few goroutines.
func seedAllegations(ctx context.Context, a *app.App, ps map[string]access.Principal, n int, seed uint64, progress Progress) error {
	sides := []access.Principal{ps["liaison-az"], ps["liaison-am"]}
	const workers, seedBatch = 8, incident.MaxBatch
	var next, done atomic.Int64
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)+1))
			for ctx.Err() == nil {
				last := next.Add(seedBatch)
				first := last - seedBatch
				if first >= int64(n) {
					return
				}
				last = min(last, int64(n))
				p := sides[r.IntN(2)]
				other := sides[0].Org
				if p.Org == other {
					other = sides[1].Org
				}
				ins := make([]incident.AllegationInput, 0, last-first)
				for i := first; i < last; i++ {
					day := loadEnd.AddDate(0, 0, -1-r.IntN(loadDays))
					start := day.Add(time.Duration(r.IntN(86400)) * time.Second)
					ins = append(ins, incident.AllegationInput{SourceKind: incident.SourceSide, AllegedPerpetrator: other,
						Category: loadCategories[r.IntN(len(loadCategories))],
						Location: incident.LocationInput{Point: &geo.Point{Lat: region.MinLat + r.Float64()*(region.MaxLat-region.MinLat),
							Lon: region.MinLon + r.Float64()*(region.MaxLon-region.MinLon)}, Precision: incident.PrecisionExact},
						Time:      incident.TimeInput{Start: start.Format(time.RFC3339)},
						Narrative: fmt.Sprintf("Generated allegation %d for the load benchmark: fire reported near the line of contact.", i),
					})
				}
				if _, err := a.Incidents.LodgeAllegations(ctx, p, ins); err != nil {
					errc <- fmt.Errorf("seed allegations %d-%d: %w", first, last, err)
					return
				}
				progress("allegations", done.Add(last-first), int64(n))
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// driver runs the clients and keeps their timings.
type driver struct {
	base    string
	tokens  map[string]string
	c       LoadConfig
	http    *http.Client
	missing []string

	allegations, incidents []string // record pages to open
	lists                  []string

	mu      sync.Mutex
	times   map[string][]time.Duration
	errs    map[string]int
	samples map[string][]string
}

func newDriver(base string, tokens map[string]string, c LoadConfig) *driver {
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 90 * time.Second}
	return &driver{base: base, tokens: tokens, c: c, http: &http.Client{Transport: tr, Timeout: 60 * time.Second},
		times: map[string][]time.Duration{}, errs: map[string]int{}, samples: map[string][]string{}}
}

// prepare finds records to open and the list pages this build serves.
func (d *driver) prepare(ctx context.Context) error {
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	for _, q := range []struct {
		path string
		into *[]string
	}{{"/api/v1/allegations?limit=200", &d.allegations}, {"/api/v1/incidents?limit=200", &d.incidents}} {
		body, status, err := d.do(ctx, "monitor", "GET", q.path, nil)
		if err != nil || status != http.StatusOK {
			return fmt.Errorf("%s: %d %v %.200s", q.path, status, err, body)
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("%s: %w", q.path, err)
		}
		for _, it := range page.Items {
			*q.into = append(*q.into, it.ID)
		}
	}
	for _, p := range []string{"/incidents", "/review", "/allegations?side=&from=2021-06-01&to=2021-06-25", "/observations", "/detainees", "/crossings", "/agreements"} {
		_, status, err := d.do(ctx, "monitor", "GET", p, nil)
		if err != nil {
			return err
		}
		if status == http.StatusNotFound {
			d.missing = append(d.missing, p)
			continue
		}
		d.lists = append(d.lists, p)
	}
	return nil
}

func (d *driver) do(ctx context.Context, user, method, path string, body []byte) ([]byte, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, rd)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+d.tokens[user])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := d.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return b, res.StatusCode, err
}

var readers = []string{"cochair", "monitor", "analyst", "liaison-az", "liaison-am", "observer"}

// client loops until the deadline over the mix.
func (d *driver) client(ctx context.Context, i int, deadline time.Time) {
	r := rand.New(rand.NewPCG(d.c.Seed+99, uint64(i)))
	user := readers[i%len(readers)]
	think := func() bool {
		if d.c.Think <= 0 {
			return true
		}
		pause := time.Duration(r.ExpFloat64() * float64(d.c.Think))
		if left := time.Until(deadline); pause > left {
			pause = left
		}
		t := time.NewTimer(pause)
		defer t.Stop()
		select {
		case <-t.C:
			return time.Now().Before(deadline)
		case <-ctx.Done():
			return false
		}
	}
	for think() && time.Now().Before(deadline) && ctx.Err() == nil {
		x := r.Float64()
		var class, method, path string
		var body []byte
		want := http.StatusOK
		day := loadEnd.AddDate(0, 0, -1-r.IntN(loadDays))
		switch {
		case x < d.c.WriteShare:
			class, method, path, want = ClassWrite, "POST", "/api/v1/allegations", http.StatusCreated
			u := "liaison-az"
			if r.IntN(2) == 0 {
				u = "liaison-am"
			}
			user = u
			body = d.allegationJSON(r, day)
		case x < 0.25:
			class, method = ClassDashboard, "GET"
			switch r.IntN(3) {
			case 0:
				path = "/"
			case 1:
				path = "/?day=" + day.Format(time.DateOnly)
			default:
				path = "/?" + url.Values{"from": {day.AddDate(0, 0, -6).Format(time.DateOnly)}, "to": {day.Format(time.DateOnly)}}.Encode()
			}
		case x < 0.55:
			class, method = ClassMapFeatures, "GET"
			path = "/api/v1/map/features?" + mapQuery(r, day)
		case x < 0.70:
			class, method = ClassList, "GET"
			path = d.lists[r.IntN(len(d.lists))]
		case x < 0.95:
			class, method = ClassRecord, "GET"
			if r.IntN(3) == 0 && len(d.incidents) > 0 {
				path = "/incidents/" + d.incidents[r.IntN(len(d.incidents))]
			} else {
				path = "/allegations/" + d.allegations[r.IntN(len(d.allegations))]
			}
		default:
			class, method, path = ClassMapPage, "GET", "/map?"+mapQuery(r, day)
		}
		if class != ClassWrite {
			user = readers[i%len(readers)]
		}
		t0 := time.Now()
		b, status, err := d.do(ctx, user, method, path, body)
		el := time.Since(t0)
		if ctx.Err() != nil {
			return
		}
		d.mu.Lock()
		d.times[class] = append(d.times[class], el)
		if err != nil || status != want {
			d.errs[class]++
			if len(d.samples[class]) < 5 {
				msg := fmt.Sprintf("%s %s: %d %v %.160s", method, path, status, err, strings.TrimSpace(string(b)))
				d.samples[class] = append(d.samples[class], msg)
			}
		}
		d.mu.Unlock()
	}
}

// mapQuery is a map view: a box of a few kilometres to the whole region,
// with a window of a day to a month.
func mapQuery(r *rand.Rand, day time.Time) string {
	zoom := 8 + r.IntN(5)
	span := 360 / float64(int(1)<<zoom) * 4
	lat := region.MinLat + r.Float64()*(region.MaxLat-region.MinLat)
	lon := region.MinLon + r.Float64()*(region.MaxLon-region.MinLon)
	window := []int{1, 7, 30}[r.IntN(3)]
	v := url.Values{"bbox": {fmt.Sprintf("%.4f,%.4f,%.4f,%.4f", lon-span/2, lat-span/3, lon+span/2, lat+span/3)},
		"zoom": {fmt.Sprint(zoom)}, "from": {day.AddDate(0, 0, 1-window).Format(time.DateOnly)}, "to": {day.Format(time.DateOnly)}}
	return v.Encode()
}

func (d *driver) allegationJSON(r *rand.Rand, day time.Time) []byte {
	start := day.Add(time.Duration(r.IntN(86400)) * time.Second)
	in := map[string]any{"source_kind": "side", "alleged_perpetrator": "unknown", "category": loadCategories[r.IntN(len(loadCategories))],
		"location": map[string]any{"point": map[string]float64{"lat": region.MinLat + r.Float64()*(region.MaxLat-region.MinLat),
			"lon": region.MinLon + r.Float64()*(region.MaxLon-region.MinLon)}, "precision": "exact"},
		"time": map[string]string{"start": start.Format(time.RFC3339)}, "narrative": "Load benchmark: shots heard near the line of contact."}
	b, _ := json.Marshal(in)
	return b
}

// targets are issue 16's: the dashboard and the map's features at p99,
// every page at p95.
var targets = map[string]struct {
	ms float64
	at string
}{
	ClassDashboard: {300, "p99"}, ClassMapFeatures: {300, "p99"},
	ClassList: {200, "p95"}, ClassRecord: {200, "p95"}, ClassMapPage: {200, "p95"},
}

func (d *driver) stats(secs float64) []RouteStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []RouteStats
	for class, ts := range d.times {
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		q := func(p float64) float64 {
			if len(ts) == 0 {
				return 0
			}
			i := int(p * float64(len(ts)-1))
			return float64(ts[i].Microseconds()) / 1000
		}
		rs := RouteStats{Class: class, Requests: len(ts), Errors: d.errs[class], P50Ms: q(0.5), P95Ms: q(0.95), P99Ms: q(0.99), MaxMs: q(1),
			Samples: d.samples[class], PerSec: float64(len(ts)) / secs}
		if t, ok := targets[class]; ok {
			rs.TargetMs, rs.Target = t.ms, t.at
			v := rs.P95Ms
			if t.at == "p99" {
				v = rs.P99Ms
			}
			met := v <= t.ms && rs.Errors == 0
			rs.Met = &met
		}
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Class < out[j].Class })
	return out
}

// loadAverage reads the one-minute load average (Linux), 0 when it cannot.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	fmt.Sscan(string(b), &l)
	return l
}
