package fusion

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"math"
	"os"
	"runtime"
	"slices"
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
	// Grouped is the share of reports the batch put with others.
	Grouped float64 `json:"grouped"`
	// Labels is how many labelled pairs Fit was given; FitSeconds its time.
	Labels     int     `json:"labels,omitempty"`
	FitSeconds float64 `json:"fit_seconds,omitempty"`
	// RecallAt1 and RecallAt3: the share of reports with a true incident
	// whose incident the review queue proposes first, or among the first
	// three (ProposalRecall, over ProposalsAsked reports).
	RecallAt1      float64  `json:"recall_at_1"`
	RecallAt3      float64  `json:"recall_at_3"`
	ProposalsAsked int      `json:"proposals_asked"`
	ProposalP99Ms  float64  `json:"proposal_p99_ms"`
	Model          *Model   `json:"model,omitempty"`
	ModelWords     []string `json:"model_words,omitempty"`
}

// BenchOptions say how `truce bench fusion` runs.
type BenchOptions struct {
	// Start is the model to begin from (DefaultModel when nil).
	Start *Model
	// Fit estimates the model from the stream before grouping.
	Fit bool
	// Labelled is the share of reports whose truth is revealed to Fit as
	// reviews (implies Fit).
	Labelled float64
	// Proposals bounds how many reports the recall figures ask about
	// (0: none asked).
	Proposals int
}

// RunBench runs the batch fusion over reports with the default parameters
// and scores it against truth.
func RunBench(reports []Report, truth []string) (BenchResult, error) {
	return RunBenchWith(context.Background(), reports, truth, BenchOptions{})
}

// RunBenchWith runs the benchmark with options: fit a model (from the
// stream, and from labels revealing the truth of a share of the reports),
// group, score, and measure the proposals.
func RunBenchWith(ctx context.Context, reports []Report, truth []string, o BenchOptions) (BenchResult, error) {
	if len(truth) != len(reports) {
		return BenchResult{}, errs.Invalid("truth", "%d reports but %d truth labels", len(reports), len(truth))
	}
	if o.Labelled < 0 || o.Labelled > 1 || math.IsNaN(o.Labelled) {
		return BenchResult{}, errs.Invalid("labelled", "must be a share in [0, 1], got %v", o.Labelled)
	}
	m := DefaultModel()
	if o.Start != nil {
		if err := o.Start.Check(); err != nil {
			return BenchResult{}, errs.Prefix("model", err)
		}
		m = *o.Start
	}
	var res BenchResult
	if o.Fit || o.Labelled > 0 {
		var labels []Label
		if o.Labelled > 0 {
			var err error
			if labels, err = revealLabels(reports, truth, m.Params(), o.Labelled); err != nil {
				return BenchResult{}, err
			}
		}
		t0 := time.Now()
		fitted, err := Fit(ctx, reports, labels, m)
		if err != nil {
			return BenchResult{}, err
		}
		res.FitSeconds, res.Labels, m = time.Since(t0).Seconds(), len(labels), fitted
	}
	start := time.Now()
	assign, err := Batch(reports, m.Params())
	if err != nil {
		return BenchResult{}, err
	}
	secs := time.Since(start).Seconds()
	mt, err := Evaluate(assign, truth)
	if err != nil {
		return BenchResult{}, err
	}
	events := map[string]struct{}{}
	for _, t := range truth {
		events[t] = struct{}{}
	}
	groups := map[int]int{}
	for _, g := range assign {
		groups[g]++
	}
	grouped := 0
	for _, g := range assign {
		if groups[g] > 1 {
			grouped++
		}
	}
	res.Reports, res.Events, res.Incidents, res.Seconds, res.Metrics = len(reports), len(events), len(groups), secs, mt
	res.Grouped = ratio(float64(grouped), float64(len(reports)))
	res.PeakMemoryBytes = PeakMemory()
	if o.Proposals > 0 {
		r1, r3, asked, p99, err := ProposalRecall(reports, truth, m.Params(), o.Proposals)
		if err != nil {
			return BenchResult{}, err
		}
		res.RecallAt1, res.RecallAt3, res.ProposalsAsked, res.ProposalP99Ms = r1, r3, asked, float64(p99.Microseconds())/1000
	}
	if o.Fit || o.Labelled > 0 || o.Start != nil {
		res.Model, res.ModelWords = &m, m.Describe("en")
	}
	return res, nil
}

// revealLabels is what reviewing a share of the reports yields: for each
// reviewed report (every 1/share-th by a fixed hash of its position), a
// "same" label with every report of its true event, and a "different"
// label with every report the batch (under p) put with it wrongly.
func revealLabels(reports []Report, truth []string, p Params, share float64) ([]Label, error) {
	assign, err := Batch(reports, p)
	if err != nil {
		return nil, err
	}
	byEvent := map[string][]int{}
	byGroup := map[int][]int{}
	for i := range reports {
		byEvent[truth[i]] = append(byEvent[truth[i]], i)
		byGroup[assign[i]] = append(byGroup[assign[i]], i)
	}
	var out []Label
	for i := range reports {
		if float64(uint32(i)*2654435761%1_000_000) >= share*1_000_000 {
			continue
		}
		for _, j := range byEvent[truth[i]] {
			if j != i {
				out = append(out, Label{A: reports[i].ID, B: reports[j].ID, Same: true})
			}
		}
		for _, j := range byGroup[assign[i]] {
			if j != i && truth[j] != truth[i] {
				out = append(out, Label{A: reports[i].ID, B: reports[j].ID, Same: false})
			}
		}
	}
	return out, nil
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

// ProposalRecall measures the review queue's proposals: with every report
// stored in its true incident, each sampled report that has a true incident
// (another report of its event) is taken out and proposed for, and recall
// at k is the share whose true incident is among the first k proposals.
// sample bounds how many reports are asked (spread evenly over the
// stream); p99 is the 99th percentile of one proposal's time.
func ProposalRecall(reports []Report, truth []string, p Params, sample int) (r1, r3 float64, asked int, p99 time.Duration, err error) {
	if len(truth) != len(reports) {
		return 0, 0, 0, 0, errs.Invalid("truth", "%d reports but %d truth labels", len(reports), len(truth))
	}
	e := NewEngine(p)
	count := map[string]int{}
	for i := range reports {
		if err := e.Add(reports[i], "t:"+truth[i]); err != nil {
			return 0, 0, 0, 0, errs.Prefix("reports["+itoa(i)+"]", err)
		}
		count[truth[i]]++
	}
	var eligible []int32
	for i := range reports {
		if count[truth[i]] > 1 {
			eligible = append(eligible, int32(i))
		}
	}
	if len(eligible) == 0 {
		return 1, 1, 0, 0, nil
	}
	step := max(1, len(eligible)/max(sample, 1))
	var hit1, hit3 int
	var times []time.Duration
	var cs []candidate
	for k := 0; k < len(eligible); k += step {
		n := e.byID[reports[eligible[k]].ID]
		g0 := e.group[n]
		t0 := time.Now()
		e.unlink(n)
		e.self, e.floor = n, min(e.p.ProposeFloor, 0)
		cs = e.candidates(&e.items[n], cs)
		e.self, e.floor = -1, 0
		e.link(n, g0)
		top := topK(cs, 3)
		times = append(times, time.Since(t0))
		asked++
		for j, c := range top {
			if c.group == g0 {
				if j == 0 {
					hit1++
				}
				hit3++
			}
		}
	}
	slices.Sort(times)
	p99 = times[min(len(times)-1, len(times)*99/100)]
	return float64(hit1) / float64(asked), float64(hit3) / float64(asked), asked, p99, nil
}

// topK returns the k best candidates, best first (ties by group number).
func topK(cs []candidate, k int) []candidate {
	slices.SortFunc(cs, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.group, b.group)
	})
	return cs[:min(k, len(cs))]
}
