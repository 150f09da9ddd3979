package simulate

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/fusion"
)

func TestWindowChance(t *testing.T) {
	const h = 60.0
	start, end := 20*h, 22*h // a 2-hour window
	cases := []struct {
		name string
		t    float64
		want func(p float64) bool
	}{
		// A 2-hour draw starts at 20:00 for half of U; a 1-hour draw for
		// 50 minutes of 60, and is then extended to 22:00 because it ends
		// before the event.
		{"inside", 21*h + 10, func(p float64) bool { return math.Abs(p-0.97/5*(0.5+50.0/60)) < 1e-9 }},
		// Only a window shifted by 2 h (from 22:00) explains it.
		{"after, by a wrong window", 23*h + 30, func(p float64) bool { return p > 0 && p < 1e-3 }},
		{"a day away", 46 * h, func(p float64) bool { return p == 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if p := windowChance(start, end, c.t, 0.03); !c.want(p) {
				t.Errorf("windowChance = %g", p)
			}
		})
	}
}

func TestReportScoreInsertKeepsTheBest(t *testing.T) {
	var sc reportScore
	for i, l := range []float64{-3, 1, -7, 4, 0, 2} {
		sc.insert(candidateEvent{ev: int32(i), logL: l})
	}
	if sc.n != ceilingTop {
		t.Fatalf("n = %d", sc.n)
	}
	want := []int32{3, 5, 1, 4}
	for k, ev := range want {
		if sc.top[k].ev != ev {
			t.Fatalf("top = %+v, want events %v", sc.top, want)
		}
	}
}

func TestLogAdd(t *testing.T) {
	if got := logAdd(math.Log(2), math.Log(3)); math.Abs(got-math.Log(5)) > 1e-12 {
		t.Errorf("log(2)+log(3) = %g", got)
	}
	if got := logAdd(math.Inf(-1), 1); got != 1 {
		t.Errorf("with -Inf: %g", got)
	}
}

func TestAssignEventsOneReportPerSource(t *testing.T) {
	rep := func(src string, kind fusion.Kind) Generated {
		return Generated{Report: fusion.Report{Source: src, Kind: kind}}
	}
	gens := []Generated{rep("side_a", fusion.Allegation), rep("side_a", fusion.Allegation), rep("side_b", fusion.Allegation), rep("monitor-01", fusion.Observation)}
	score := func(logSum float64, cands ...candidateEvent) reportScore {
		s := reportScore{logSum: logSum}
		for _, c := range cands {
			s.insert(c)
		}
		return s
	}
	scores := []reportScore{
		score(0, candidateEvent{0, math.Log(0.9)}, candidateEvent{1, math.Log(0.1)}),
		score(0, candidateEvent{0, math.Log(0.6)}, candidateEvent{1, math.Log(0.4)}), // side_a again: event 0 is taken
		score(0, candidateEvent{0, math.Log(0.7)}),
		score(0, candidateEvent{0, math.Log(0.2)}, candidateEvent{1, math.Log(0.1)}), // too unsure at tau 0.5
	}
	got := assignEvents(gens, scores, 0.5)
	if got[0] != 0 || got[2] != 0 {
		t.Errorf("the surest reports should hold event 0: %v", got)
	}
	if got[1] == 0 || got[1] == 1 {
		t.Errorf("the second side_a report cannot join event 0 and is too unsure for event 1: %v", got)
	}
	if got[3] < len(gens) {
		t.Errorf("a report below tau stays alone: %v", got)
	}
	if got = assignEvents(gens, scores, 0); got[1] != 1 || got[3] != 0 {
		t.Errorf("at tau 0: %v", got)
	}
}

// The true event of almost every report must be one the model finds
// possible; a report it rules out points at a mismatch with the generator.
func TestCeilingModelAdmitsTheTruth(t *testing.T) {
	gens, w, err := generate(Config{Seed: 5, Events: 3000, Days: 60})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(w)
	byID := map[string]int{}
	for i, e := range w.events {
		byID[e.id] = i
	}
	real, ruledOut, top := 0, 0, 0
	for i := range gens {
		ei, ok := byID[gens[i].TrueEvent]
		if !ok {
			continue
		}
		real++
		r := &gens[i].Report
		q := m.query(r, r.Start.Sub(w.cfg.Start).Minutes(), r.End.Sub(w.cfg.Start).Minutes())
		if math.IsInf(m.logLikelihood(&q, &m.evs[ei]), -1) {
			ruledOut++
		}
		if sc := m.score(r); sc.n > 0 && int(sc.top[0].ev) == ei {
			top++
		}
	}
	if f := float64(ruledOut) / float64(real); f > 0.005 {
		t.Errorf("%.3f of reports rule out their own event", f)
	}
	if f := float64(top) / float64(real); f < 0.6 {
		t.Errorf("own event likeliest for only %.2f of reports", f)
	}
}

func TestCeilingFallsWithDensity(t *testing.T) {
	sparse, err := Ceiling(Config{Seed: 3, Events: 300, Days: 120})
	if err != nil {
		t.Fatal(err)
	}
	dense, err := Ceiling(Config{Seed: 3, Events: 6000, Days: 120})
	if err != nil {
		t.Fatal(err)
	}
	if sparse.PairF1 < 0.9 || sparse.Top1 < 0.95 {
		t.Errorf("sparse stream: %+v", sparse)
	}
	if dense.PairF1 >= sparse.PairF1 || dense.ReportsPerDay <= sparse.ReportsPerDay {
		t.Errorf("denser stream should be harder: sparse %.3f, dense %.3f", sparse.PairF1, dense.PairF1)
	}
	if _, err := Ceiling(Config{Events: -1}); err == nil {
		t.Error("negative events accepted")
	}
}

// Phantoms follow the false-allegation process: on the alleging side's
// ground, within the period.
func TestPhantoms(t *testing.T) {
	_, w, err := generate(Config{Seed: 1, Events: 500, Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	m := &model{w: w}
	ph, weight := m.phantoms()
	if len(ph) < 20_000 || weight <= 0 || weight > 1 {
		t.Fatalf("%d phantoms, weight %g", len(ph), weight)
	}
	end := w.cfg.Start.Add(time.Duration(w.cfg.Days) * 24 * time.Hour)
	for _, p := range ph[:1000] {
		side := other(p.perp)
		if sideSign(side)*p.off < 0.2 || p.at.Before(w.cfg.Start) || !p.at.Before(end) || !strings.HasPrefix(side, "side_") {
			t.Fatalf("phantom %+v", p)
		}
	}
}
