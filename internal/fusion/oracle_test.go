package fusion_test

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/simulate"
)

// TestOracle prints how much of the truth any model could recover from a
// stream. Run with TRUCE_ORACLE_IN=/tmp/s.jsonl go test -run TestOracle -v.
func TestOracle(t *testing.T) {
	in := os.Getenv("TRUCE_ORACLE_IN")
	if in == "" {
		t.Skip("set TRUCE_ORACLE_IN to a stream file")
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, reports, truth, err := simulate.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	st := fusion.Oracle(reports, truth, 20_000)
	f1 := func(r float64) float64 { return 2 * r / (1 + r) }
	t.Logf("%d reports: true pairs sampled %d; feasible %.3f (F1 ≤ %.3f); identifiable %.3f (F1 ≈ %.3f); rivals per report %.0f",
		len(reports), st.Pairs, st.Feasible, f1(st.Feasible), st.Identifiable, f1(st.Identifiable), st.Rivals)
}

// TestBatchFile runs the batch over a stream file, for profiling:
// TRUCE_BATCH_IN=/tmp/s.jsonl go test -run TestBatchFile -cpuprofile cpu.out.
func TestBatchFile(t *testing.T) {
	in := os.Getenv("TRUCE_BATCH_IN")
	if in == "" {
		t.Skip("set TRUCE_BATCH_IN to a stream file")
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, reports, truth, err := simulate.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	p := fusion.DefaultParams()
	if v := os.Getenv("TRUCE_PRIOR"); v != "" {
		p.Prior, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("TRUCE_AMBIGUITY"); v != "" {
		p.Ambiguity = v == "1"
	}
	if v := os.Getenv("TRUCE_MSLACK"); v != "" {
		p.MutualSlackM, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("TRUCE_BLUR"); v != "" {
		p.SectorBlurM, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("TRUCE_CAT"); v != "" {
		fmt.Sscanf(v, "%g,%g,%g", &p.SameCategory, &p.NeighbourCategory, &p.OtherCategory)
	}
	if v := os.Getenv("TRUCE_ODDS"); v != "" {
		p.AmbiguityLogOdds, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("TRUCE_TSIG"); v != "" {
		p.ExactTimeSigma, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("TRUCE_MUTUAL"); v != "" {
		p.MutualBonus, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("TRUCE_CITES"); v != "" {
		p.CitesBonus, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("TRUCE_COPY"); v != "" {
		p.CopyBonus, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("TRUCE_OBS"); v != "" {
		p.ObservationBonus, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("TRUCE_REFINE"); v != "" {
		p.Refine, _ = strconv.Atoi(v)
	}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	assign, err := fusion.Batch(reports, p)
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	m, err := fusion.Evaluate(assign, truth)
	if err != nil {
		t.Fatal(err)
	}
	res := fusion.BenchResult{Reports: len(reports), Seconds: wall.Seconds(), PeakMemoryBytes: fusion.PeakMemory(), Metrics: m}
	t.Logf("prior %v ambiguity %v refine %d: cpu %.2f s", p.Prior, p.Ambiguity, p.Refine, cpu.Seconds())
	t.Logf("%d reports %.2f s: pair P %.3f R %.3f F1 %.3f; B3 F1 %.3f (singletons %.3f); peak %d MiB",
		res.Reports, res.Seconds, res.PairPrecision, res.PairRecall, res.PairF1, res.BCubedF1, res.SingletonBCubedF1, res.PeakMemoryBytes>>20)
}
