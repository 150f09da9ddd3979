package webtest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// TestMapLoad100k measures the map with 100,000 stored allegations (a
// year of them over the region of the demo), in headless Chromium: the
// time from navigation start until the page's map has drawn the view with
// its data (the mark truce-map-idle, in the page's own clock), the wall
// time until the test sees it (which adds the polling of a busy page), and
// the latency of /api/v1/map/features. It runs only
// with TRUCE_MAP_BENCH=1:
//
//	TRUCE_MAP_BENCH=1 go test ./internal/webtest/ -run TestMapLoad100k -v -timeout 30m
//
// TRUCE_MAP_BENCH_N sets another count.
func TestMapLoad100k(t *testing.T) {
	if os.Getenv("TRUCE_MAP_BENCH") != "1" {
		t.Skip("a measurement: set TRUCE_MAP_BENCH=1 to run it")
	}
	n := 100_000
	if v := os.Getenv("TRUCE_MAP_BENCH_N"); v != "" {
		fmt.Sscan(v, &n)
	}
	s := startMapServer(t)
	began := time.Now()
	fillAllegations(t, s.app.DB, n, s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"])
	t.Logf("%d allegations written in %s", n, time.Since(began).Round(time.Millisecond))

	// The API, as the page asks it: the opening view (aggregated), a
	// closer view, one day.
	var password string
	for _, a := range s.loaded.Accounts {
		if a.Username == "analyst" {
			password = a.Password
		}
	}
	sess, _, err := s.app.Accounts.Login(context.Background(), "analyst", password, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ name, query string }{
		{"opening view, zoom 8 (aggregated)", "bbox=45.6,38.9,47.9,40.7&zoom=8"},
		{"zoom 11 (about 2,000 in view)", "bbox=46.6,39.8,46.75,39.9&zoom=11"},
		{"zoom 13 (points)", "bbox=46.70,39.85,46.74,39.87&zoom=13"},
		{"opening view, one day", "bbox=45.6,38.9,47.9,40.7&zoom=8&day=2021-06-10"},
		{"opening view, one side, one month", "bbox=45.6,38.9,47.9,40.7&zoom=8&from=2021-06-01&to=2021-06-30&side=" + s.loaded.Orgs["AM"]},
	} {
		var took []time.Duration
		var size int
		for range 100 {
			req, _ := http.NewRequest("GET", s.url+"/api/v1/map/features?"+q.query, nil)
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: sess.ID})
			start := time.Now()
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			took = append(took, time.Since(start))
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d %s", q.query, res.StatusCode, b)
			}
			size = len(b)
		}
		slices.Sort(took)
		t.Logf("API %s: p50 %s, p95 %s, %d bytes", q.name, took[len(took)/2].Round(100*time.Microsecond), took[len(took)*95/100].Round(100*time.Microsecond), size)
	}

	ctx, watch := newBrowser(t, strings.TrimPrefix(s.url, "http://"))
	s.signIn(t, ctx, "analyst")
	var walls, completes, drawn []time.Duration
	for i := range 6 {
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/map")); err != nil {
			t.Fatal(err)
		}
		if err := waitJS(ctx, mapReady, 60*time.Second); err != nil {
			t.Fatal(err)
		}
		wall := time.Since(start)
		if err := waitJS(ctx, mapComplete, 60*time.Second); err != nil {
			t.Fatal(err)
		}
		complete := time.Since(start)
		marks, _ := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, Math.round(m.startTime)]))`))
		cells, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`window.truceMap.querySourceFeatures('allegations').length`))
		t.Logf("run %d: %s until drawn with its data (%d allegation features in view), %s with the basemap's detail; milestones in ms: %v",
			i+1, wall.Round(time.Millisecond), cells, complete.Round(time.Millisecond), marks)
		if i > 0 { // the first run fills the browser's cache
			walls = append(walls, wall)
			completes = append(completes, complete)
			drawn = append(drawn, time.Duration(marks["truce-map-idle"]*float64(time.Millisecond)))
		}
	}
	slices.Sort(walls)
	slices.Sort(completes)
	slices.Sort(drawn)
	t.Logf("in the page's own clock, navigation start to the view drawn with its data: median %s (min %s, max %s)",
		drawn[len(drawn)/2].Round(time.Millisecond), drawn[0].Round(time.Millisecond), drawn[len(drawn)-1].Round(time.Millisecond))
	t.Logf("with the basemap's 1:50m detail: median %s", completes[len(completes)/2].Round(time.Millisecond))
	t.Logf("map view at %d allegations: median %s over %d warm runs (min %s, max %s)", n, walls[len(walls)/2].Round(time.Millisecond), len(walls), walls[0].Round(time.Millisecond), walls[len(walls)-1].Round(time.Millisecond))
	watch.check(t)
}

// fillAllegations writes n mission allegations over a year and the
// region, half by each side, straight through store transactions of
// 10,000 changes (as internal/incident/bench_test.go does).
func fillAllegations(t testing.TB, db *store.DB, n int, sideA, sideB string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	sides := []string{sideA, sideB}
	for from := 0; from < n; from += 10_000 {
		_, err := db.Write(context.Background(), func(tx *store.Tx) error {
			for i := from; i < min(from+10_000, n); i++ {
				side := sides[i%2]
				at := start.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
				b := incident.AllegationBody{SourceKind: incident.SourceSide, LodgedBy: side, OnBehalfOf: side, AllegedPerpetrator: sides[1-i%2],
					Category: incident.Categories[i%len(incident.Categories)].Code, Status: incident.StatusLodged,
					Location: incident.Location{Point: geo.Point{Lat: 39.4 + 0.9*rng.Float64(), Lon: 46.2 + 1.0*rng.Float64()},
						Precision: incident.PrecisionExact, RadiusM: 100},
					Time:      incident.TimeSpan{Start: at, Precision: incident.TimeExact},
					Narrative: "Fire reported near the line.", Grading: incident.Grading{Reliability: "F", Credibility: 6}, LodgedAt: at,
					Label: access.Label{Classification: access.Mission, OwnerOrg: side}}
				if _, err := tx.Record(store.Change{Entity: incident.EntityAllegation, ID: fmt.Sprintf("alg_bench%08d", i), Version: 1, Actor: store.System, Body: b}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
