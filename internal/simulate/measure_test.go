package simulate

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/fusion"
)

// TestMeasure generates a stream and runs the fusion benchmark on it. It
// runs only when TRUCE_MEASURE_EVENTS is set, e.g.
//
//	TRUCE_MEASURE_EVENTS=560000 go test -run TestMeasure -v ./internal/simulate
func TestMeasure(t *testing.T) {
	env := os.Getenv("TRUCE_MEASURE_EVENTS")
	if env == "" {
		t.Skip("set TRUCE_MEASURE_EVENTS to run")
	}
	events, err := strconv.Atoi(env)
	if err != nil {
		t.Fatal(err)
	}
	seed := int64(2)
	if s := os.Getenv("TRUCE_MEASURE_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	gens, err := Generate(Config{Seed: seed, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	reports := make([]fusion.Report, len(gens))
	truth := make([]string, len(gens))
	for i, g := range gens {
		reports[i], truth[i] = g.Report, g.TrueEvent
	}
	gens = nil
	if sweep := os.Getenv("TRUCE_SWEEP_PRIOR"); sweep != "" {
		for _, f := range strings.Fields(sweep) {
			p := fusion.DefaultParams()
			p.Prior, _ = strconv.ParseFloat(f, 64)
			if m := os.Getenv("TRUCE_SWEEP_MINPAIR"); m != "" {
				p.MinPair, _ = strconv.ParseFloat(m, 64)
			}
			assign, err := fusion.Batch(reports, p)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := fusion.Evaluate(assign, truth)
			t.Logf("prior %v minpair %v: pair P %.3f R %.3f F1 %.3f  B3 F1 %.3f (singletons %.3f)", p.Prior, p.MinPair, m.PairPrecision, m.PairRecall, m.PairF1, m.BCubedF1, m.SingletonBCubedF1)
		}
		return
	}
	res, err := fusion.RunBench(reports, truth)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	t.Logf("%s", b)
}
