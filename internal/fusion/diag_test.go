package fusion_test

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/simulate"
)

func TestDiag(t *testing.T) {
	env := os.Getenv("TRUCE_DIAG_EVENTS")
	if env == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(env)
	gens, _ := simulate.Generate(simulate.Config{Seed: 1, Events: n})
	p := fusion.DefaultParams()
	by := map[string][]int{}
	for i, g := range gens {
		by[g.TrueEvent] = append(by[g.TrueEvent], i)
	}
	var scores []float64
	bad := 0
	kinds := map[string]int{}
	for _, ids := range by {
		for i := range ids {
			for j := i + 1; j < len(ids); j++ {
				a, b := gens[ids[i]].Report, gens[ids[j]].Report
				base, rel, ok := fusion.PairScore(p, a, b)
				if !ok {
					bad++
					k := string(a.Kind) + "/" + a.PlacePrecision + "/" + a.TimePrecision + "-" + string(b.Kind) + "/" + b.PlacePrecision + "/" + b.TimePrecision
					kinds[k]++
					if bad < 6 {
						fmt.Printf("BAD %+v\n    %+v\n", a, b)
					}
					continue
				}
				scores = append(scores, base+rel+p.Prior)
			}
		}
	}
	sort.Float64s(scores)
	q := func(f float64) float64 { return scores[int(f*float64(len(scores)-1))] }
	fmt.Printf("pairs %d infeasible %d; quantiles 5%% %.1f 10%% %.1f 25%% %.1f 50%% %.1f 75%% %.1f\n", len(scores), bad, q(.05), q(.1), q(.25), q(.5), q(.75))
	fmt.Println(kinds)
	// Negative pairs: random neighbours in time order.
	var neg []float64
	for i := 0; i+1 < len(gens); i++ {
		for j := i + 1; j < min(len(gens), i+30); j++ {
			if gens[i].TrueEvent == gens[j].TrueEvent {
				continue
			}
			base, rel, ok := fusion.PairScore(p, gens[i].Report, gens[j].Report)
			if ok {
				neg = append(neg, base+rel+p.Prior)
			}
		}
	}
	sort.Float64s(neg)
	qn := func(f float64) float64 { return neg[int(f*float64(len(neg)-1))] }
	fmt.Printf("neg feasible %d; quantiles 50%% %.1f 90%% %.1f 99%% %.1f\n", len(neg), qn(.5), qn(.9), qn(.99))
}

func TestDiagMerges(t *testing.T) {
	env := os.Getenv("TRUCE_DIAG_EVENTS")
	if env == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(env)
	gens, _ := simulate.Generate(simulate.Config{Seed: 1, Events: n})
	reports := make([]fusion.Report, len(gens))
	for i := range gens {
		reports[i] = gens[i].Report
	}
	p := fusion.DefaultParams()
	assign, _ := fusion.Batch(reports, p)
	groups := map[int][]int{}
	for i, g := range assign {
		groups[g] = append(groups[g], i)
	}
	// Wrong pairs by kind; missed pairs by kind.
	wrong, missed := map[string]int{}, map[string]int{}
	key := func(r fusion.Report) string {
		return string(r.Kind)[:3] + "/" + r.PlacePrecision[:2] + "/" + r.TimePrecision[:2]
	}
	for _, ids := range groups {
		for i := range ids {
			for j := i + 1; j < len(ids); j++ {
				if gens[ids[i]].TrueEvent != gens[ids[j]].TrueEvent {
					a, b := key(reports[ids[i]]), key(reports[ids[j]])
					if a > b {
						a, b = b, a
					}
					wrong[a+" "+b]++
				}
			}
		}
	}
	by := map[string][]int{}
	for i, g := range gens {
		by[g.TrueEvent] = append(by[g.TrueEvent], i)
	}
	for _, ids := range by {
		for i := range ids {
			for j := i + 1; j < len(ids); j++ {
				if assign[ids[i]] != assign[ids[j]] {
					a, b := key(reports[ids[i]]), key(reports[ids[j]])
					if a > b {
						a, b = b, a
					}
					missed[a+" "+b]++
				}
			}
		}
	}
	top := func(m map[string]int) {
		type kv struct {
			k string
			v int
		}
		var l []kv
		for k, v := range m {
			l = append(l, kv{k, v})
		}
		sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v })
		for _, x := range l[:min(12, len(l))] {
			fmt.Printf("  %6d %s\n", x.v, x.k)
		}
	}
	fmt.Println("wrong:")
	top(wrong)
	fmt.Println("missed:")
	top(missed)
}

func TestDiagExamples(t *testing.T) {
	env := os.Getenv("TRUCE_DIAG_EVENTS")
	if env == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(env)
	gens, _ := simulate.Generate(simulate.Config{Seed: 1, Events: n})
	reports := make([]fusion.Report, len(gens))
	for i := range gens {
		reports[i] = gens[i].Report
	}
	assign, _ := fusion.Batch(reports, fusion.DefaultParams())
	groups := map[int][]int{}
	for i, g := range assign {
		groups[g] = append(groups[g], i)
	}
	shown := 0
	for _, ids := range groups {
		mixed := false
		for _, i := range ids {
			if gens[i].TrueEvent != gens[ids[0]].TrueEvent {
				mixed = true
			}
		}
		if !mixed || shown > 4 {
			continue
		}
		shown++
		fmt.Println("GROUP")
		for _, i := range ids {
			r := reports[i]
			fmt.Printf("  %-8s %-11s %-12s %-16s %-8s %9.5f %9.5f r=%6.0f %s..%s %v\n", gens[i].TrueEvent, r.Kind, r.Source, r.Category, r.PlacePrecision, r.Lat, r.Lon, r.RadiusM, r.Start.Format("01-02T15:04"), r.End.Format("15:04"), r.Observer)
		}
		for _, i := range ids {
			for _, j := range ids {
				if i < j {
					b, rel, ok := fusion.PairScore(fusion.DefaultParams(), reports[i], reports[j])
					fmt.Printf("    pair %s-%s base %.1f rel %.1f ok %v\n", gens[i].TrueEvent, gens[j].TrueEvent, b, rel, ok)
				}
			}
		}
	}
}
