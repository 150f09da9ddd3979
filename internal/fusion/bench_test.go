package fusion_test

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/simulate"
)

func stream(b *testing.B, events int) ([]fusion.Report, []string) {
	b.Helper()
	gens, err := simulate.Generate(simulate.Config{Seed: 3, Events: events})
	if err != nil {
		b.Fatal(err)
	}
	reports := make([]fusion.Report, len(gens))
	truth := make([]string, len(gens))
	for i, g := range gens {
		reports[i], truth[i] = g.Report, g.TrueEvent
	}
	return reports, truth
}

// BenchmarkBatch fuses a 100k-report stream (60,000 events over a year).
func BenchmarkBatch(b *testing.B) {
	reports, truth := stream(b, 60_000)
	b.ResetTimer()
	var assign []int
	for b.Loop() {
		var err error
		if assign, err = fusion.Batch(reports, fusion.DefaultParams()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	m, _ := fusion.Evaluate(assign, truth)
	b.ReportMetric(float64(len(reports)), "reports")
	b.ReportMetric(m.PairF1, "pairF1")
	b.ReportMetric(m.BCubedF1, "b3F1")
}

// BenchmarkPropose proposes incidents for held-out reports against an
// engine holding the rest of a stream (set TRUCE_PROPOSE_EVENTS for a
// bigger store; 600,000 events give about 1,000,000 reports).
// BenchmarkPropose times one proposal at the store's size, with proposals
// down to the default ProposeFloor and, for comparison, down to 0 only.
func BenchmarkPropose(b *testing.B) {
	reports, _ := stream(b, proposeEvents())
	assign, err := fusion.Batch(reports, fusion.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	held := map[int]bool{}
	for len(held) < 1000 {
		held[r.IntN(len(reports))] = true
	}
	var queries []fusion.Report
	for i := range held {
		queries = append(queries, reports[i])
	}
	slices.SortFunc(queries, func(x, y fusion.Report) int { return x.Start.Compare(y.Start) })
	for _, floor := range []float64{fusion.DefaultParams().ProposeFloor, 0} {
		b.Run("floor="+strconv.FormatFloat(floor, 'g', -1, 64), func(b *testing.B) {
			p := fusion.DefaultParams()
			p.ProposeFloor = floor
			e := fusion.NewEngine(p)
			for i, rep := range reports {
				if !held[i] {
					if err := e.Add(rep, "g"+itoa(assign[i])); err != nil {
						b.Fatal(err)
					}
				}
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			i := 0
			for b.Loop() {
				t := time.Now()
				if _, err := e.Propose(queries[i%len(queries)], 5); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
				i++
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(e.Len()), "store")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func proposeEvents() int {
	if n, err := strconv.Atoi(os.Getenv("TRUCE_PROPOSE_EVENTS")); err == nil {
		return n
	}
	return 60_000
}
