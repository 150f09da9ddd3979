package fusion

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/geo"
)

func scoreWith(t *testing.T, p Params, a, b Report) pairTerms {
	t.Helper()
	e := NewEngine(p)
	x, err := e.compile(&a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := e.compile(&b)
	if err != nil {
		t.Fatal(err)
	}
	return e.pair(&x, &y)
}

// Two exact times are readings with errors: the closer their middles, the
// likelier one event, which a uniform window cannot tell.
func TestExactTimesAreReadings(t *testing.T) {
	a := allegation("a", "side_a", "side_b", village, 1000, t0, 15*time.Minute)
	close := allegation("b", "side_b", "side_a", village, 1000, t0.Add(2*time.Minute), 15*time.Minute)
	far := allegation("c", "side_b", "side_a", village, 1000, t0.Add(20*time.Minute), 15*time.Minute)
	p := DefaultParams()
	c, f := scoreWith(t, p, a, close), scoreWith(t, p, a, far)
	if !c.ok || !f.ok || c.temporal-f.temporal < 1.5 {
		t.Errorf("2 min apart %.2f vs 20 min apart %.2f: want a clear gap", c.temporal, f.temporal)
	}
	p.ExactTimeSigma = 0
	cu, fu := scoreWith(t, p, a, close), scoreWith(t, p, a, far)
	if cu.temporal-fu.temporal >= c.temporal-f.temporal {
		t.Errorf("uniform windows %.2f should tell less than readings %.2f", cu.temporal-fu.temporal, c.temporal-f.temporal)
	}
	// A window against an exact time stays an overlap of windows.
	w := a
	w.TimePrecision, w.Start, w.End = TimeWindow, t0.Add(-time.Hour), t0.Add(time.Hour)
	if got := scoreWith(t, DefaultParams(), w, close); !got.ok || got.temporal > -math.Log(120) {
		t.Errorf("window against exact: %+v", got)
	}
}

// A media report that gives the very place of the claim it cites copied
// it; one that cites the party but places it elsewhere did not.
func TestMediaCopyOfItsClaim(t *testing.T) {
	claim := allegation("a", "side_b", "side_a", village, 10_000, t0, 15*time.Minute)
	claim.Place = "village-0001"
	copied := claim
	copied.ID, copied.Kind, copied.Source, copied.Cites = "m", Media, "media-b1", "side_b"
	moved := copied
	moved.Lat += 0.001
	p := DefaultParams()
	c, m := scoreWith(t, p, claim, copied), scoreWith(t, p, claim, moved)
	if !c.copied || c.relation != p.CitesBonus+p.CopyBonus {
		t.Errorf("copy: %+v", c)
	}
	if m.copied || m.relation != p.CitesBonus {
		t.Errorf("moved: %+v", m)
	}
	other := copied
	other.Cites = "side_a"
	if o := scoreWith(t, p, claim, other); o.copied || o.relation != 0 {
		t.Errorf("citing the other party: %+v", o)
	}
}

func TestChooseAmbiguityLogOdds(t *testing.T) {
	cs := []candidate{{group: 1, score: 1.0}, {group: 2, score: 0.2}}
	// Posterior of group 1: e/(1+e+e^0.2) ≈ 0.55.
	p := DefaultParams()
	p.AmbiguityLogOdds = 0
	if g := NewEngine(p).choose(cs); g != 1 {
		t.Errorf("at odds 0: %d", g)
	}
	p.AmbiguityLogOdds = 0.5 // needs a posterior above 0.62
	if g := NewEngine(p).choose(cs); g != -1 {
		t.Errorf("at odds 0.5: %d", g)
	}
	p.Ambiguity = false
	if g := NewEngine(p).choose(cs); g != 1 {
		t.Errorf("without the rule: %d", g)
	}
}

// The candidate search prunes with bounds; it must find every incident
// that scoring all of them would: exact times, copies by media, mutual
// accusations and sectors included, in a dense scene.
func TestCandidatesMissNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	e := NewEngine(DefaultParams())
	places := make([]geo.Point, 40) // shared places: villages named again and again
	for i := range places {
		places[i] = geo.Point{Lat: 39.5 + 0.2*r.Float64(), Lon: 46.5 + 0.2*r.Float64()}
	}
	sources := []string{"side_a", "side_b", "monitor-1", "monitor-2", "media-a1", "media-b1"}
	mk := func(i int) Report {
		at := t0.Add(time.Duration(r.Float64() * float64(6*time.Hour)))
		src := sources[r.IntN(len(sources))]
		switch src {
		case "monitor-1", "monitor-2":
			from := 360 * r.Float64()
			return observation("r"+itoa(i), src, places[r.IntN(len(places))], from, math.Mod(from+30, 360), 1000, 4000, at)
		}
		perp := "side_b"
		if src == "side_b" {
			perp = "side_a"
		}
		radius := []float64{1000, 10_000, 30_000}[r.IntN(3)]
		rep := allegation("r"+itoa(i), src, perp, places[r.IntN(len(places))], radius, at, 15*time.Minute)
		if r.IntN(3) == 0 {
			rep.TimePrecision, rep.Start, rep.End = TimeWindow, at.Truncate(time.Hour), at.Truncate(time.Hour).Add(2*time.Hour)
		}
		if src == "media-a1" || src == "media-b1" {
			rep.Kind, rep.Cites = Media, "side_"+src[7:8]
		}
		return rep
	}
	for i := range 1500 {
		if err := e.Add(mk(i), "inc-"+itoa(r.IntN(900))); err != nil {
			t.Fatal(err)
		}
	}
	found := 0
	for k := range 200 {
		rep := mk(100_000 + k)
		q, err := e.compile(&rep)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int32]bool{}
		for _, c := range e.candidates(&q, nil) {
			got[c.group] = true
			found++
		}
		offset := e.p.Prior - math.Log(e.localDensity(&q))
		for g := range int32(len(e.head)) {
			worth := false
			for m := e.head[g]; m >= 0; m = e.next[m] {
				if pt := e.pair(&q, &e.items[m]); pt.ok && pt.base()+pt.relation+offset > 0 {
					worth = true
				}
			}
			if !worth {
				continue
			}
			if _, ok := e.scoreGroup(&q, g, offset); ok && !got[g] {
				t.Fatalf("query %d (%s %s) missed incident %d", k, rep.Kind, rep.TimePrecision, g)
			}
		}
		if q.sector >= 0 {
			e.sectors = e.sectors[:len(e.sectors)-1]
		}
	}
	if found < 200 {
		t.Errorf("only %d candidates over 200 queries: the scene is too sparse to test the bounds", found)
	}
}
