// Package bench measures Truce as a whole system: it builds real data
// directories through the real store and domain projections and times the
// operations the issues set targets for. `truce bench` prints its results
// as JSON; BENCHMARKS.md keeps them.
package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// LogResult is what BenchLog measured.
type LogResult struct {
	Database             string  `json:"database"` // sqlite or postgres
	Changes              int64   `json:"changes"`
	Batch                int     `json:"batch"`
	BatchCall            string  `json:"batch_call"` // RecordAll, or Record a change
	Record               string  `json:"record"`
	AppendBatchPerSecond float64 `json:"append_batch_per_s"`
	AppendSinglePerSec   struct {
		Full   float64 `json:"synchronous_full"`
		Normal float64 `json:"synchronous_normal"` // PostgreSQL: synchronous_commit=off
	} `json:"append_single_per_s"`
	// Durable single-change writes from concurrent writers through one
	// store handle (one server); through two handles on the same database
	// (two servers, whose appends the log's lock serialises), each with
	// as many writers as the one; and the one's writers split over two.
	Concurrent         WritersResult `json:"concurrent_durable"`
	TwoServers         WritersResult `json:"two_servers_durable"`
	TwoServersSplit    WritersResult `json:"two_servers_split_durable"`
	VerifySeconds      float64       `json:"verify_s"`
	VerifyPerSecond    float64       `json:"verify_per_s"`
	VerifyLogPerSecond float64       `json:"verify_log_pass_per_s"` // the pass over the log, before the tables are compared
	ProofMicros        struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
		Max float64 `json:"max"`
	} `json:"inclusion_proof_us"`
	DatabaseBytes int64 `json:"database_bytes"`
}

// WritersResult is a run of concurrent single-change writes.
type WritersResult struct {
	Servers   int     `json:"servers"`
	Writers   int     `json:"writers"`
	Changes   int64   `json:"changes"`
	PerSecond float64 `json:"per_s"`
	Commits   int64   `json:"commits"`    // database transactions committed
	MeanBatch float64 `json:"mean_batch"` // writes per commit (group commit)
	LatencyMs struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
	} `json:"latency_ms"`
}

// LogConfig says what Log builds and measures.
type LogConfig struct {
	Dir string // working directory: the data directories (keys; SQLite's files)
	// Database is the URL of a PostgreSQL server's database whose user may
	// create databases; Log then keeps each log in a database of its own
	// there, dropped at the end. "": SQLite files in Dir.
	Database string
	Changes  int64  // the log's size
	Batch    int    // changes per transaction while building it
	Record   string // organisation or place
	Writers  int    // concurrent writers for the durable single-change figures
	Singles  int    // single-change writes for each one-writer figure; four times as many with Writers (0: 2,000)
	// OneByOne builds the log with a Tx.Record call a change instead of
	// one Tx.RecordAll a batch.
	OneByOne bool
}

// Progress reports how far a long benchmark has got.
type Progress func(stage string, done, total int64)

// placeBody returns a realistic record body: a place with names in three
// scripts, as the gazetteer holds them.
func placeBody(r *rand.Rand, i int64) geo.PlaceBody {
	return geo.PlaceBody{
		Kind: "settlement",
		Names: []geo.PlaceName{
			{Lang: "en", Name: fmt.Sprintf("Village %d", i)},
			{Lang: "ru", Name: fmt.Sprintf("Село %d", i)},
			{Lang: "hy", Name: fmt.Sprintf("Գյուղ %d", i)},
		},
		Location: geo.Point{Lat: 39 + r.Float64(), Lon: 46 + r.Float64()},
	}
}

// recordBody returns the entity, id prefix and body of the i-th change for
// a record kind: "organisation" is a light record (one projection row),
// "place" a heavier one (four rows, names folded and indexed for search).
func recordBody(kind string, r *rand.Rand, i int64) (string, string, any) {
	if kind == "place" {
		return "place", "plc", placeBody(r, i)
	}
	return "organisation", "org", agreement.OrganisationBody{Name: fmt.Sprintf("Media outlet %d", i), ShortName: fmt.Sprintf("M%d", i), Kind: "media", Country: "GE"}
}

// Log builds a log of c.Changes changes (c.Batch to a transaction), then
// measures inclusion proofs and a full verify at that size, and
// single-change transactions: one writer, durable and not, and c.Writers
// durable writers through one and through two store handles.
func Log(ctx context.Context, c LogConfig, progress Progress) (res LogResult, err error) {
	if c.Record != "organisation" && c.Record != "place" {
		return res, fmt.Errorf("record kind %q: want organisation or place", c.Record)
	}
	if c.Changes < 1 || c.Batch < 1 || c.Writers < 1 {
		return res, fmt.Errorf("changes, batch and writers must be positive")
	}
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	res = LogResult{Database: "sqlite", Changes: c.Changes, Batch: c.Batch, Record: c.Record, BatchCall: "RecordAll"}
	if c.OneByOne {
		res.BatchCall = "Record"
	}
	dbs := &databases{admin: c.Database}
	defer func() {
		if e := dbs.drop(); err == nil {
			err = e
		}
	}()
	if c.Database != "" {
		res.Database = "postgres"
	}
	r := rand.New(rand.NewPCG(1, 2))
	actor := store.Actor{User: "bench", Org: "org_bench", Via: "cli"}
	main := filepath.Join(c.Dir, "log")
	mainDB, err := dbs.create(ctx)
	if err != nil {
		return res, err
	}
	a, err := app.Open(ctx, app.Config{Dir: main, Database: mainDB, Synchronous: "full"})
	if err != nil {
		return res, err
	}
	n := c.Changes
	start := time.Now()
	for done := int64(0); done < n; {
		k := min(int64(c.Batch), n-done)
		cs := make([]store.Change, 0, k)
		for i := done; i < done+k; i++ {
			entity, prefix, body := recordBody(c.Record, r, i)
			cs = append(cs, store.Change{Entity: entity, ID: fmt.Sprintf("%s_%012d", prefix, i), Version: 1, Actor: actor, Body: body})
		}
		_, err := a.DB.Write(ctx, func(tx *store.Tx) error {
			if !c.OneByOne {
				_, err := tx.RecordAll(cs)
				return err
			}
			for _, ch := range cs {
				if _, err := tx.Record(ch); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			a.Close()
			return res, err
		}
		done += k
		progress("append", done, n)
	}
	res.AppendBatchPerSecond = float64(n) / time.Since(start).Seconds()
	if err := a.DB.Checkpoint(ctx); err != nil {
		a.Close()
		return res, err
	}

	// Inclusion proofs at this size, for random leaves.
	size := a.DB.Size()
	var lat []float64
	for range 2000 {
		seq := r.Int64N(size)
		t0 := time.Now()
		if _, _, err := a.DB.InclusionProof(ctx, seq, size); err != nil {
			a.Close()
			return res, err
		}
		lat = append(lat, float64(time.Since(t0).Microseconds()))
	}
	sort.Float64s(lat)
	res.ProofMicros.P50, res.ProofMicros.P99, res.ProofMicros.Max = lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	if err := a.Close(); err != nil {
		return res, err
	}
	if mainDB == "" {
		if fi, err := os.Stat(filepath.Join(main, store.DBFile)); err == nil {
			res.DatabaseBytes = fi.Size()
		}
	} else if res.DatabaseBytes, err = dbs.size(ctx, mainDB); err != nil {
		return res, err
	}

	audit, err := app.OpenForAudit(ctx, main, mainDB)
	if err != nil {
		return res, err
	}
	rep, err := audit.Verify(ctx, func(stage string, done, total int64) { progress("verify "+stage, done, total) })
	audit.Close()
	if err != nil {
		return res, err
	}
	if !rep.OK() {
		return res, fmt.Errorf("verify found %d problems in a fresh log: %v", len(rep.Problems), rep.Problems[0])
	}
	res.VerifySeconds = rep.Elapsed.Seconds()
	res.VerifyPerSecond = float64(rep.Changes) / rep.Elapsed.Seconds()
	res.VerifyLogPerSecond = float64(rep.Changes) / rep.LogElapsed.Seconds()

	// Single-change transactions from one writer, each committed on its
	// own (nothing to share a commit with).
	singles := int64(c.Singles)
	if singles == 0 {
		singles = 2000
	}
	for _, mode := range []string{"full", "normal"} {
		w, err := writers(ctx, c, dbs, "single-"+mode, mode, 1, 1, singles)
		if err != nil {
			return res, err
		}
		if mode == "full" {
			res.AppendSinglePerSec.Full = w.PerSecond
		} else {
			res.AppendSinglePerSec.Normal = w.PerSecond
		}
		progress("single "+mode, singles, singles)
	}
	// Durable single-change writes from c.Writers writers at once.
	total := 4 * singles
	if res.Concurrent, err = writers(ctx, c, dbs, "concurrent", "full", 1, c.Writers, total); err != nil {
		return res, err
	}
	progress("concurrent", total, total)
	if res.TwoServers, err = writers(ctx, c, dbs, "two-servers", "full", 2, 2*c.Writers, total); err != nil {
		return res, err
	}
	progress("two servers", total, total)
	if c.Writers > 1 {
		if res.TwoServersSplit, err = writers(ctx, c, dbs, "two-servers-split", "full", 2, c.Writers, total); err != nil {
			return res, err
		}
		progress("two servers, writers split", total, total)
	}
	return res, nil
}

// writers runs n single-change writes from k writers at once, spread
// evenly over the given number of store handles (servers) on one new
// database, and checks the log it made.
func writers(ctx context.Context, c LogConfig, dbs *databases, name, mode string, servers, k int, n int64) (WritersResult, error) {
	res := WritersResult{Servers: servers, Writers: k, Changes: n}
	dir := filepath.Join(c.Dir, name)
	url, err := dbs.create(ctx)
	if err != nil {
		return res, err
	}
	if url != "" && mode == "normal" {
		// PostgreSQL's counterpart of SQLite's synchronous=normal: a
		// commit returns before its WAL record is flushed.
		url = withParam(url, "synchronous_commit", "off")
	}
	var apps []*app.App
	defer func() {
		for _, a := range apps {
			a.Close()
		}
	}()
	for range servers {
		a, err := app.Open(ctx, app.Config{Dir: dir, Database: url, Synchronous: mode})
		if err != nil {
			return res, err
		}
		apps = append(apps, a)
	}
	actor := store.Actor{User: "bench", Org: "org_bench", Via: "cli"}
	lat := make([][]float64, k)
	errc := make(chan error, k)
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := apps[w%servers]
			r := rand.New(rand.NewPCG(uint64(w), 3))
			for {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				entity, prefix, body := recordBody(c.Record, r, i)
				t := time.Now()
				_, err := a.DB.Write(ctx, func(tx *store.Tx) error {
					_, err := tx.Record(store.Change{Entity: entity, ID: fmt.Sprintf("%s_%012d", prefix, i), Version: 1, Actor: actor, Body: body})
					return err
				})
				if err != nil {
					errc <- err
					return
				}
				lat[w] = append(lat[w], float64(time.Since(t).Microseconds())/1000)
			}
		}()
	}
	wg.Wait()
	res.PerSecond = float64(n) / time.Since(t0).Seconds()
	select {
	case err := <-errc:
		return res, err
	default:
	}
	var all []float64
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Float64s(all)
	res.LatencyMs.P50, res.LatencyMs.P99 = all[len(all)/2], all[len(all)*99/100]
	writes := int64(0)
	for _, a := range apps {
		cm, w := a.DB.WriteStats()
		res.Commits, writes = res.Commits+cm, writes+w
	}
	if res.Commits > 0 {
		res.MeanBatch = float64(writes) / float64(res.Commits)
	}
	// Every acknowledged change is in a log that verifies.
	if err := apps[0].DB.Checkpoint(ctx); err != nil {
		return res, err
	}
	rep, err := apps[0].DB.Verify(ctx, nil)
	if err != nil {
		return res, err
	}
	if !rep.OK() || rep.Changes != n {
		return res, fmt.Errorf("%s: verify found %d changes (want %d) and %d problems", name, rep.Changes, n, len(rep.Problems))
	}
	return res, nil
}
