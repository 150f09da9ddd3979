package fusion

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Metrics compare a grouping with the truth.
type Metrics struct {
	PairPrecision float64 `json:"pair_precision"`
	PairRecall    float64 `json:"pair_recall"`
	PairF1        float64 `json:"pair_f1"`
	// B-cubed scores average, over reports, how much of a report's group is
	// its event (precision) and how much of its event is its group (recall).
	BCubedPrecision float64 `json:"bcubed_precision"`
	BCubedRecall    float64 `json:"bcubed_recall"`
	BCubedF1        float64 `json:"bcubed_f1"`
	// SingletonBCubedF1 is the B-cubed F1 of putting every report alone;
	// its pairwise F1 is 0. A grouping is only useful well above it.
	SingletonBCubedF1 float64 `json:"singleton_bcubed_f1"`
}

// Evaluate compares assign (a group number per report) with truth (an
// event ID per report; reports about no real event need IDs of their own).
// It runs in O(n) with hash maps over the contingency table.
func Evaluate(assign []int, truth []string) (Metrics, error) {
	if len(assign) != len(truth) {
		return Metrics{}, errs.Invalid("truth", "%d assignments but %d truth labels", len(assign), len(truth))
	}
	n := len(assign)
	if n == 0 {
		return Metrics{}, nil
	}
	events := make(map[string]int32, n/2)
	truthID := make([]int32, n)
	for i, t := range truth {
		id, ok := events[t]
		if !ok {
			id = int32(len(events))
			events[t] = id
		}
		truthID[i] = id
	}
	truthSize := make([]int64, len(events))
	predSize := map[int]int64{}
	cells := make(map[[2]int64]int64, n)
	for i, g := range assign {
		truthSize[truthID[i]]++
		predSize[g]++
		cells[[2]int64{int64(g), int64(truthID[i])}]++
	}
	pairs := func(k int64) float64 { return float64(k) * float64(k-1) / 2 }
	var tp, predPairs, truePairs, bp, br float64
	for key, c := range cells {
		tp += pairs(c)
		bp += float64(c) * float64(c) / float64(predSize[int(key[0])])
		br += float64(c) * float64(c) / float64(truthSize[key[1]])
	}
	for _, s := range predSize {
		predPairs += pairs(s)
	}
	for _, s := range truthSize {
		truePairs += pairs(s)
	}
	var m Metrics
	m.PairPrecision = ratio(tp, predPairs)
	m.PairRecall = ratio(tp, truePairs)
	m.PairF1 = f1(m.PairPrecision, m.PairRecall)
	m.BCubedPrecision = bp / float64(n)
	m.BCubedRecall = br / float64(n)
	m.BCubedF1 = f1(m.BCubedPrecision, m.BCubedRecall)
	m.SingletonBCubedF1 = f1(1, float64(len(events))/float64(n))
	return m, nil
}

// ratio is a/b, and 1 when there is nothing to find (b == 0).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 1
	}
	return a / b
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// BenchResult is what `truce bench fusion` prints.
type BenchResult struct {
	Reports   int     `json:"reports"`
	Events    int     `json:"events"`    // distinct true events (false reports count alone)
	Incidents int     `json:"incidents"` // groups found
	Seconds   float64 `json:"seconds"`   // batch fusion only
	// PeakMemoryBytes is the process's peak resident set (VmHWM) where the
	// system reports it, else the Go runtime's memory obtained from the OS.
	PeakMemoryBytes uint64 `json:"peak_memory_bytes"`
	Metrics
}

// RunBench runs the batch fusion over reports with the default parameters
// and scores it against truth.
func RunBench(reports []Report, truth []string) (BenchResult, error) {
	start := time.Now()
	assign, err := Batch(reports, DefaultParams())
	if err != nil {
		return BenchResult{}, err
	}
	secs := time.Since(start).Seconds()
	m, err := Evaluate(assign, truth)
	if err != nil {
		return BenchResult{}, err
	}
	events := map[string]struct{}{}
	for _, t := range truth {
		events[t] = struct{}{}
	}
	groups := map[int]struct{}{}
	for _, g := range assign {
		groups[g] = struct{}{}
	}
	return BenchResult{Reports: len(reports), Events: len(events), Incidents: len(groups), Seconds: secs, PeakMemoryBytes: PeakMemory(), Metrics: m}, nil
}

// PeakMemory returns the process's peak resident set size in bytes from
// /proc/self/status, or the Go runtime's Sys figure where that is missing.
func PeakMemory() uint64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if f := bytes.Fields(sc.Bytes()); len(f) >= 2 && string(f[0]) == "VmHWM:" {
				if kb, err := strconv.ParseUint(string(f[1]), 10, 64); err == nil {
					return kb * 1024
				}
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Sys
}
