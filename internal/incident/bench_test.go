package incident

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

var (
	benchOnce sync.Once
	benchDB   *store.DB
	benchSvc  *Service
	benchN    = 100_000
	benchErr  error
)

// benchStart is the first day of the benchmark's year of allegations.
var benchStart = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

// openBenchAllegations writes (once per process) benchN allegations spread
// over a year and a 1° × 1.5° box, straight through store transactions of
// 10,000 changes. TRUCE_BENCH_ALLEGATIONS sets the count: run at a million
// with
//
//	TRUCE_BENCH_ALLEGATIONS=1000000 go test ./internal/incident/ -run '^$' -bench ListAllegationsBBox -benchtime 2000x -timeout 1h
func openBenchAllegations(b *testing.B) (*store.DB, *Service) {
	benchOnce.Do(func() {
		if s := os.Getenv("TRUCE_BENCH_ALLEGATIONS"); s != "" {
			benchN, _ = strconv.Atoi(s)
		}
		dir, err := os.MkdirTemp("", "truce-incident-bench-")
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		benchDB, benchErr = store.Open(ctx, dir, store.WithSynchronous("normal"))
		if benchErr != nil {
			return
		}
		benchSvc = New(benchDB, nil)
		rng := rand.New(rand.NewPCG(1, 2))
		sides := []string{"org_a", "org_b"}
		for n := 0; n < benchN && benchErr == nil; n += 10_000 {
			_, benchErr = benchDB.Write(ctx, func(tx *store.Tx) error {
				for i := n; i < min(n+10_000, benchN); i++ {
					side := sides[i%2]
					start := benchStart.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
					b := AllegationBody{SourceKind: SourceSide, LodgedBy: side, OnBehalfOf: side, AllegedPerpetrator: sides[1-i%2],
						Category: Categories[i%len(Categories)].Code, Status: StatusLodged,
						Location:  Location{Point: geo.Point{Lat: 39.5 + rng.Float64(), Lon: 46 + 1.5*rng.Float64()}, Precision: PrecisionExact, RadiusM: 100},
						Time:      TimeSpan{Start: start, Precision: TimeExact},
						Narrative: "Fire reported near the line.", Grading: Grading{"F", 6}, LodgedAt: start,
						Label: access.Label{Classification: access.Mission, OwnerOrg: side}}
					if _, err := tx.Record(store.Change{Entity: EntityAllegation, ID: fmt.Sprintf("alg_%08d", i), Version: 1, Actor: store.System, Body: b}); err != nil {
						return err
					}
				}
				return nil
			})
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB, benchSvc
}

// BenchmarkListAllegationsBBox lists the first page of allegations in a
// 0.1° box (about 11 × 8.5 km) over a week, as a map view does, and
// reports the 95th percentile of the query.
func BenchmarkListAllegationsBBox(b *testing.B) {
	_, s := openBenchAllegations(b)
	ctx := context.Background()
	p := access.Principal{UserID: "usr_mon", Org: "org_centre", OrgKind: "monitoring_centre", Roles: []access.Role{access.Monitor}, Via: "token"}
	rng := rand.New(rand.NewPCG(3, 4))
	var took []time.Duration
	found := 0
	b.ResetTimer()
	for b.Loop() {
		lat, lon := 39.5+0.9*rng.Float64(), 46+1.4*rng.Float64()
		from := benchStart.AddDate(0, 0, rng.IntN(358))
		f := AllegationFilter{Window: Window{From: from, To: from.AddDate(0, 0, 7)}, BBox: &geo.BBox{MinLat: lat, MinLon: lon, MaxLat: lat + 0.1, MaxLon: lon + 0.1}}
		t0 := time.Now()
		pg, err := s.ListAllegations(ctx, p, f, store.PageRequest{})
		took = append(took, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		found += len(pg.Items)
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds()), "p95-µs")
	b.ReportMetric(float64(found)/float64(len(took)), "items/op")
	b.ReportMetric(float64(benchN), "stored")
}

// TestBBoxListUsesDayIndex guards the plan the benchmark depends on: a
// bounding-box list ranges over the (day, lat, lon, ...) index, not over
// start time, and reads bodies only for the page.
func TestBBoxListUsesDayIndexSQLitePlanner(t *testing.T) {
	pgtest.SkipOnPostgres(t)
	f := newFixture(t)
	from := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	w := Window{From: from, To: from.AddDate(0, 0, 7)}
	cond, args := access.Filter(f.monitor, "r", "allegation_readers")
	conds, args := w.whereIndexed("r.start_at", "r.day", false, []string{cond}, args)
	conds, args, _ = bboxWhere(&geo.BBox{MinLat: 40, MinLon: 46, MaxLat: 40.1, MaxLon: 46.1}, "r.lat", "r.lon", conds, args)
	rows, err := f.db.Query(context.Background(), "EXPLAIN QUERY PLAN "+pageSQL(f.db.Dialect(), "allegations", EntityAllegation, "", conds), append(args, 51)...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if !slices.ContainsFunc(plan, func(s string) bool { return strings.Contains(s, "allegations_day_lat_lon") }) {
		t.Fatalf("plan does not use allegations_day_lat_lon:\n%s", strings.Join(plan, "\n"))
	}
}
