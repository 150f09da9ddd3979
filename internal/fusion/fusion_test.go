package fusion

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/geo"
)

var t0 = time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)

func allegation(id, source, perp string, p geo.Point, radiusM float64, at time.Time, half time.Duration) Report {
	prec := PlaceExact
	if radiusM > 2000 {
		prec = PlaceNear
	}
	return Report{ID: id, Kind: Allegation, Source: source, Perpetrator: perp, Category: "shelling", PlacePrecision: prec,
		Lat: p.Lat, Lon: p.Lon, RadiusM: radiusM, Start: at.Add(-half), End: at.Add(half), TimePrecision: TimeExact}
}

func observation(id, monitor string, post geo.Point, from, to, minM, maxM float64, at time.Time) Report {
	o := Observer{Lat: post.Lat, Lon: post.Lon, BearingFromDeg: from, BearingToDeg: to, MinM: minM, MaxM: maxM, Mode: "heard"}
	c, r := SectorCircle(o)
	return Report{ID: id, Kind: Observation, Source: monitor, Perpetrator: "unknown", Category: "shelling", PlacePrecision: PlaceSector,
		Lat: c.Lat, Lon: c.Lon, RadiusM: r, Observer: &o, Start: at.Add(-5 * time.Minute), End: at.Add(5 * time.Minute), TimePrecision: TimeExact}
}

func score(t *testing.T, a, b Report) (pairTerms, float64) {
	t.Helper()
	pt := scoreWith(t, DefaultParams(), a, b)
	return pt, pt.base() + pt.relation
}

var village = geo.Point{Lat: 39.9, Lon: 46.8}

func TestMutualAccusationBeatsSameSide(t *testing.T) {
	a := allegation("a", "side_a", "side_b", village, 1000, t0, 15*time.Minute)
	b := allegation("b", "side_b", "side_a", geo.Destination(village, 90, 1500), 1000, t0.Add(5*time.Minute), 15*time.Minute)
	a2 := allegation("a2", "side_a", "side_b", geo.Destination(village, 90, 1500), 1000, t0.Add(5*time.Minute), 15*time.Minute)
	mutual, ms := score(t, a, b)
	same, _ := score(t, a, a2)
	if !mutual.ok || !mutual.mutual {
		t.Fatalf("mutual accusation not recognised: %+v", mutual)
	}
	if same.ok || !same.forbidden {
		t.Errorf("two allegations from one source may be grouped: %+v", same)
	}
	// Even from different sources with no mutual accusation, it scores lower.
	c := a2
	c.Source, c.Perpetrator = "side_c", "side_b"
	_, cs := score(t, a, c)
	if !(ms > cs) {
		t.Errorf("mutual %.2f should beat unrelated sources %.2f", ms, cs)
	}
}

func TestFarOutsideBothRegionsNeverJoins(t *testing.T) {
	a := allegation("a", "side_a", "side_b", village, 10_000, t0, 15*time.Minute)
	for _, km := range []float64{25, 60} {
		b := allegation("b", "side_b", "side_a", geo.Destination(village, 45, km*1000), 10_000, t0, 15*time.Minute)
		if pt, _ := score(t, a, b); pt.ok {
			t.Errorf("%v km apart with 10 km precisions: regions said to meet", km)
		}
	}
	// Same place, disjoint time windows.
	b := allegation("b", "side_b", "side_a", village, 10_000, t0.Add(3*time.Hour), 15*time.Minute)
	if pt, _ := score(t, a, b); pt.ok {
		t.Error("disjoint time windows said to meet")
	}
	e := NewEngine(DefaultParams())
	if err := e.Add(a, "inc-1"); err != nil {
		t.Fatal(err)
	}
	far := allegation("far", "side_b", "side_a", geo.Destination(village, 45, 60_000), 10_000, t0, 15*time.Minute)
	ps, err := e.Propose(far, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 0 {
		t.Errorf("far report proposed for %+v", ps)
	}
}

func TestObservationSector(t *testing.T) {
	post := village
	obs := observation("o", "monitor-1", post, 80, 100, 1000, 3000, t0)
	inside := allegation("in", "side_a", "side_b", geo.Destination(post, 90, 2000), 1000, t0, 15*time.Minute)
	behind := allegation("behind", "side_a", "side_b", geo.Destination(post, 270, 2000), 1000, t0, 15*time.Minute)
	in, is := score(t, obs, inside)
	out, _ := score(t, obs, behind)
	if !in.ok || in.gapKm != 0 {
		t.Fatalf("point inside the sector: %+v", in)
	}
	if out.ok {
		t.Errorf("point behind the observer joins the sector: %+v", out)
	}
	// Closer to the observer than the sector's inner arc: outside by the difference.
	near := allegation("near", "side_a", "side_b", geo.Destination(post, 90, 500), 1000, t0, 15*time.Minute)
	nt, ns := score(t, obs, near)
	if math.Abs(nt.gapKm-0.5) > 0.01 || !(ns < is) {
		t.Errorf("0.5 km short of the sector: gap %.3f score %.2f (inside %.2f)", nt.gapKm, ns, is)
	}
	// The sector's score is symmetric in argument order.
	_, is2 := score(t, inside, obs)
	if math.Abs(is-is2) > 1e-9 {
		t.Errorf("score depends on order: %v vs %v", is, is2)
	}
}

func TestNeighbouringCategoryIsWeakEvidenceAgainst(t *testing.T) {
	a := allegation("a", "side_a", "side_b", village, 1000, t0, 15*time.Minute)
	b := allegation("b", "side_b", "side_a", village, 1000, t0, 15*time.Minute)
	_, same := score(t, a, b)
	b.Category = "small_arms"
	_, neighbour := score(t, a, b)
	b.Category = "fortification"
	_, other := score(t, a, b)
	if !(same > neighbour && neighbour > other) {
		t.Errorf("want same %.2f > neighbour %.2f > other %.2f", same, neighbour, other)
	}
	if same-neighbour > 3 {
		t.Errorf("neighbouring categories cost %.2f, should be weak", same-neighbour)
	}
}

func TestNoChains(t *testing.T) {
	// a, b, c in a row 8 km apart, each 10 km precise: a-b and b-c agree,
	// a-c (16 km) barely; with exact reports 8 km apart nothing chains.
	var rs []Report
	for i, src := range []string{"side_a", "side_b", "monitor", "media"} {
		r := allegation(string(rune('a'+i)), src, "x", geo.Destination(village, 90, float64(i)*1500), 1000, t0, 15*time.Minute)
		rs = append(rs, r)
	}
	assign, err := Batch(rs, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if assign[0] == assign[3] {
		t.Errorf("reports 4.5 km apart with 1 km precision grouped through a chain: %v", assign)
	}
}

func TestEngineProposeAndAdd(t *testing.T) {
	e := NewEngine(DefaultParams())
	a := allegation("a", "side_a", "side_b", village, 1000, t0, 15*time.Minute)
	if err := e.Add(a, "inc-1"); err != nil {
		t.Fatal(err)
	}
	if err := e.Add(a, "inc-1"); err == nil {
		t.Error("adding a report twice: no error")
	}
	other := allegation("x", "side_a", "side_b", geo.Destination(village, 0, 30_000), 1000, t0, 15*time.Minute)
	if err := e.Add(other, "inc-2"); err != nil {
		t.Fatal(err)
	}
	b := allegation("b", "side_b", "side_a", geo.Destination(village, 90, 1000), 1000, t0.Add(3*time.Minute), 15*time.Minute)
	ps, err := e.Propose(b, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Incident != "inc-1" || ps[0].Score <= 0 {
		t.Fatalf("proposals %+v, want inc-1 with a positive score", ps)
	}
	joined := false
	for _, r := range ps[0].Reasons {
		if len(r) > 8 && r[:8] == "mutual a" {
			joined = true
		}
	}
	if !joined {
		t.Errorf("reasons do not mention the mutual accusation: %q", ps[0].Reasons)
	}
	if _, err := e.Propose(Report{ID: "bad"}, 3); err == nil {
		t.Error("invalid report: no error")
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name           string
		assign         []int
		truth          []string
		p, r, f1, b3f1 float64
		single         float64
	}{
		{"perfect", []int{0, 0, 1}, []string{"x", "x", "y"}, 1, 1, 1, 1, 2 * (2.0 / 3) / (1 + 2.0/3)},
		{"all singletons", []int{0, 1, 2}, []string{"x", "x", "y"}, 1, 0, 0, 2 * (2.0 / 3) / (1 + 2.0/3), 2 * (2.0 / 3) / (1 + 2.0/3)},
		// One group of 4 holding x,x,y,y: 6 predicted pairs, 2 right.
		{"all together", []int{0, 0, 0, 0}, []string{"x", "x", "y", "y"}, 2.0 / 6, 1, 0.5, 2 * 0.5 / 1.5, 2 * 0.5 / 1.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Evaluate(tt.assign, tt.truth)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"pair precision", m.PairPrecision, tt.p}, {"pair recall", m.PairRecall, tt.r}, {"pair F1", m.PairF1, tt.f1}, {"B-cubed F1", m.BCubedF1, tt.b3f1}, {"singleton B-cubed F1", m.SingletonBCubedF1, tt.single}} {
				if math.Abs(c.got-c.want) > 1e-9 {
					t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
				}
			}
		})
	}
	if _, err := Evaluate([]int{0}, nil); err == nil {
		t.Error("length mismatch: no error")
	}
}

func TestIndexFindsEverythingInReach(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	e := NewEngine(DefaultParams())
	var items []item
	radii := []float64{300, 1000, 10_000, 30_000, 100_000}
	halves := []time.Duration{5 * time.Minute, 15 * time.Minute, 2 * time.Hour, 12 * time.Hour, 3 * 24 * time.Hour}
	mk := func(i int) Report {
		p := geo.Point{Lat: 39 + r.Float64(), Lon: 46 + 1.5*r.Float64()}
		at := t0.Add(time.Duration(r.Float64() * float64(10*24*time.Hour)))
		h := halves[r.IntN(len(halves))]
		rep := allegation("r"+itoa(i), "s"+itoa(i), "x", p, radii[r.IntN(len(radii))], at, h)
		rep.PlacePrecision = PlaceDistrict
		return rep
	}
	for i := range 2000 {
		rep := mk(i)
		it, err := e.compile(&rep)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
		e.place(it, rep.ID, -1)
	}
	for q := range 300 {
		rep := mk(10_000 + q)
		qi, _ := e.compile(&rep)
		reach := qi.radius + e.p.MutualSlackM/1000 + 1
		found := map[int32]bool{}
		e.idx.query(&qi, reach, math.Inf(1), 0, func(id int32) { found[id] = true })
		for i := range items {
			it := &items[i]
			inSpace := chordKm(&qi, it) <= qi.radius+it.radius+e.p.MutualSlackM/1000+1
			inTime := math.Min(qi.e, it.e) > math.Max(qi.s, it.s)
			if inSpace && inTime && !found[int32(i)] {
				t.Fatalf("query %d missed item %d (%.1f km apart, radii %.1f and %.1f)", q, i, chordKm(&qi, it), qi.radius, it.radius)
			}
		}
	}
}

func TestChordMatchesGeoDistance(t *testing.T) {
	e := NewEngine(DefaultParams())
	a := allegation("a", "s", "x", village, 1000, t0, time.Minute)
	for _, km := range []float64{0.1, 3, 40, 300} {
		b := a
		p := geo.Destination(village, 33, km*1000)
		b.Lat, b.Lon = p.Lat, p.Lon
		x, _ := e.compile(&a)
		y, _ := e.compile(&b)
		if got, want := chordKm(&x, &y), geo.Distance(village, p)/1000; math.Abs(got-want) > 1e-6*want+1e-9 {
			t.Errorf("chord %v km, geo.Distance %v km", got, want)
		}
	}
}

func TestBatchIsDeterministic(t *testing.T) {
	var rs []Report
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 500 {
		p := geo.Destination(village, 360*r.Float64(), 20_000*r.Float64())
		rs = append(rs, allegation("r"+itoa(i), []string{"side_a", "side_b", "m"}[i%3], "x", p, 1000, t0.Add(time.Duration(r.IntN(600))*time.Minute), 15*time.Minute))
	}
	a1, _ := Batch(rs, DefaultParams())
	a2, _ := Batch(rs, DefaultParams())
	if !slices.Equal(a1, a2) {
		t.Error("two runs differ")
	}
}

func TestSlabsCoverEveryReportOnceAtQuietTimes(t *testing.T) {
	e := NewEngine(DefaultParams())
	r := rand.New(rand.NewPCG(5, 6))
	var items []item
	for i := range 5000 {
		// Busy evenings, quiet mornings: cuts should fall in the mornings.
		day := r.IntN(20)
		at := t0.Add(time.Duration(day)*24*time.Hour + time.Duration(18*60+r.IntN(6*60))*time.Minute)
		rep := allegation("r"+itoa(i), "s", "x", village, 1000, at, 15*time.Minute)
		it, err := e.compile(&rep)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	slabs := cutSlabs(items, 1000)
	if len(slabs) < 4 {
		t.Fatalf("%d slabs, want about 5", len(slabs))
	}
	seen := make([]bool, len(items))
	for _, slab := range slabs {
		if !slices.IsSorted(slab) {
			t.Error("a slab is not in stream order")
		}
		for _, i := range slab {
			if seen[i] {
				t.Fatalf("report %d in two slabs", i)
			}
			seen[i] = true
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("report %d in no slab", i)
		}
	}
	for k := 1; k < len(slabs); k++ {
		lastEnd, firstStart := math.Inf(-1), math.Inf(1)
		for _, i := range slabs[k-1] {
			lastEnd = max(lastEnd, items[i].e)
		}
		for _, i := range slabs[k] {
			firstStart = min(firstStart, items[i].s)
		}
		if lastEnd > firstStart {
			t.Errorf("cut %d splits overlapping windows", k)
		}
	}
}

func TestRefineKeepsOneReportPerSource(t *testing.T) {
	var rs []Report
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 600 {
		p := geo.Destination(village, 360*r.Float64(), 5_000*r.Float64())
		rs = append(rs, allegation("r"+itoa(i), []string{"side_a", "side_b", "m1", "m2"}[i%4], "x", p, 1000, t0.Add(time.Duration(r.IntN(300))*time.Minute), 15*time.Minute))
	}
	p := DefaultParams()
	p.Refine = 2
	assign, err := Batch(rs, p)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]bool{}
	for i, g := range assign {
		k := [2]string{itoa(g), rs[i].Source}
		if seen[k] {
			t.Fatalf("group %d holds two reports from %s", g, rs[i].Source)
		}
		seen[k] = true
	}
}
