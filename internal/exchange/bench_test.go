package exchange_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/exchange"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

var (
	benchOnce sync.Once
	benchSvc  *exchange.Service
	benchN    = 100_000
	benchErr  error
)

// openBenchExport writes (once per process) benchN allegations over a
// year, straight through store transactions of 10,000 changes, on SQLite.
// TRUCE_BENCH_ALLEGATIONS sets the count; TRUCE_BENCH_EXPORT_DIR keeps
// the data in a directory of its own, reused by the next run with the
// same count (otherwise a new temporary directory, left behind):
//
//	TRUCE_BENCH_ALLEGATIONS=1000000 TRUCE_BENCH_EXPORT_DIR=/tmp/export1m go test ./internal/exchange/ -run '^$' -bench Export -benchtime 1x -timeout 1h
func openBenchExport(b *testing.B) *exchange.Service {
	benchOnce.Do(func() {
		if s := os.Getenv("TRUCE_BENCH_ALLEGATIONS"); s != "" {
			benchN, _ = strconv.Atoi(s)
		}
		dir := os.Getenv("TRUCE_BENCH_EXPORT_DIR")
		reuse := false
		if dir != "" {
			_, err := os.Stat(filepath.Join(dir, "seeded-"+strconv.Itoa(benchN)))
			reuse = err == nil
		} else {
			var err error
			if dir, err = os.MkdirTemp("", "truce-export-bench-"); err != nil {
				benchErr = err
				return
			}
		}
		ctx := context.Background()
		db, err := store.Open(ctx, dir, store.WithSynchronous("normal"))
		if err != nil {
			benchErr = err
			return
		}
		ag := agreement.New(db)
		inc := incident.New(db, nil)
		benchSvc = exchange.New(exchange.Deps{Agreements: ag, Incidents: inc})
		rng := rand.New(rand.NewPCG(1, 2))
		sides := []string{"org_a", "org_b"}
		start0 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
		for n := 0; n < benchN && benchErr == nil && !reuse; n += 10_000 {
			_, benchErr = db.Write(ctx, func(tx *store.Tx) error {
				for i := n; i < min(n+10_000, benchN); i++ {
					side := sides[i%2]
					start := start0.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
					body := incident.AllegationBody{SourceKind: incident.SourceSide, LodgedBy: side, OnBehalfOf: side, AllegedPerpetrator: sides[1-i%2],
						Category: incident.Categories[i%len(incident.Categories)].Code, Status: incident.StatusLodged,
						Location: incident.Location{Point: geo.Point{Lat: 39.5 + rng.Float64(), Lon: 46 + 1.5*rng.Float64()}, Precision: incident.PrecisionExact, RadiusM: 100},
						Time:     incident.TimeSpan{Start: start, Precision: incident.TimeExact},
						Casualties: incident.Casualties{Killed: incident.Toll{Civilians: incident.Estimate{Best: i % 3, Low: 0, High: i % 5},
							Military: []incident.SideEstimate{{Side: side, Estimate: incident.Estimate{Best: 1, Low: 1, High: 2}}}}},
						Narrative: "Fire reported near the line, \"heavy\", from the north-east; two houses hit.", Grading: incident.Grading{Reliability: "C", Credibility: 3}, LodgedAt: start,
						Label: access.Label{Classification: access.Mission, OwnerOrg: side}}
					if _, err := tx.Record(store.Change{Entity: incident.EntityAllegation, ID: fmt.Sprintf("alg_%08d", i), Version: 1, Actor: store.System, Body: body}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if benchErr == nil && !reuse && os.Getenv("TRUCE_BENCH_EXPORT_DIR") != "" {
			benchErr = os.WriteFile(filepath.Join(dir, "seeded-"+strconv.Itoa(benchN)), nil, 0o644)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSvc
}

// BenchmarkExport exports every allegation, as an analyst of the mission
// reads them, to CSV and GeoJSON, and reports rows per second and the
// heap allocations per row (flat: no allocation grows with the file).
func BenchmarkExport(b *testing.B) {
	svc := openBenchExport(b)
	analyst := access.Principal{UserID: "bench", Username: "bench", Org: "org_c", Roles: []access.Role{access.Analyst}, Via: "bench"}
	for _, format := range []string{exchange.FormatCSV, exchange.FormatGeoJSON, exchange.FormatGeoPackage} {
		b.Run(format, func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			rows := 0
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				n, err := svc.Export(context.Background(), analyst, exchange.ExportRequest{Kind: exchange.TableAllegations, Format: format}, io.Discard)
				if err != nil {
					b.Fatal(err)
				}
				if n != benchN {
					b.Fatalf("exported %d of %d", n, benchN)
				}
				rows += n
			}
			b.StopTimer()
			cpu := cpuTime() - cpu0
			runtime.ReadMemStats(&after)
			// CPU seconds of the process too: on a shared machine the wall
			// clock measures the neighbours as much as the export.
			b.ReportMetric(float64(rows)/cpu.Seconds(), "rows/cpu-s")
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows), "allocs/row")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(rows), "B/row")
			b.ReportMetric(float64(after.HeapInuse)/(1<<20), "heap-MiB")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
