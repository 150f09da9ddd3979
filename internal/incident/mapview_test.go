package incident

import (
	"context"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

var mapBox = geo.BBox{MinLat: 39, MinLon: 46, MaxLat: 41, MaxLon: 48}

// Each side lodges allegations; side A restricts three to itself and the
// monitoring centre. The
// other side's liaison never sees them, neither as points nor counted in
// a cell; the mission sees everything; the filters narrow as the query says.
func TestMapView(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	lodge := func(side string, restricted bool) Allegation {
		in := f.allegationBy(side)
		p := f.liaisonA
		if side == f.sideB {
			p = f.liaisonB
		}
		if restricted {
			in.Classification, in.RestrictedTo = "restricted", []string{f.centre}
		}
		return must[Allegation](t)(f.s.LodgeAllegation(ctx, p, in))
	}
	for range 3 {
		lodge(f.sideA, true)
	}
	lodge(f.sideA, false)
	lodge(f.sideB, false)
	obs := must[Observation](t)(f.s.RecordObservation(ctx, f.monitor, ObservationInput{
		Observer: Observer{Kind: "post", Position: westSide}, Kind: "bursts_small_arms", Count: 3,
		BearingFrom: fp(40), BearingTo: fp(80), DistanceMinM: 1000, DistanceMaxM: 8000, Perception: "heard",
		Time: TimeInput{Start: "2021-06-10T03:00:00Z"}}))

	view := func(p access.Principal, q MapQuery) map[string]MapLayer {
		t.Helper()
		if q.BBox == (geo.BBox{}) {
			q.BBox = mapBox
		}
		if q.CellDeg == 0 {
			q.CellDeg = 0.5
		}
		return must[map[string]MapLayer](t)(f.s.MapView(ctx, p, q))
	}
	count := func(l MapLayer) int {
		n := 0
		for _, c := range l.Cells {
			n += c.Count
		}
		return n + len(l.Points)
	}
	for _, c := range []struct {
		name      string
		who       access.Principal
		maxPoints int
		want      int
	}{
		{"the mission sees all five as points", f.analyst, 0, 5},
		{"the mission counts all five in cells", f.analyst, 1, 5},
		{"side A's liaison sees its own restricted ones", f.liaisonA, 0, 5},
		{"side B's liaison sees the two it may read", f.liaisonB, 0, 2},
		{"side B's liaison counts only the two it may read", f.liaisonB, 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := view(c.who, MapQuery{Kinds: []string{MapAllegations}, MaxPoints: c.maxPoints})[MapAllegations]
			if got := count(l); got != c.want || l.Total != c.want {
				t.Errorf("got %d (total %d), want %d", got, l.Total, c.want)
			}
			if aggregated := c.maxPoints == 1; l.Aggregated != aggregated {
				t.Errorf("aggregated = %v, want %v", l.Aggregated, aggregated)
			}
			for _, cell := range l.Cells {
				if cell.Lat < cell.Bounds.MinLat || cell.Lat > cell.Bounds.MaxLat || cell.Lon < cell.Bounds.MinLon || cell.Lon > cell.Bounds.MaxLon {
					t.Errorf("cell centre %v,%v outside its bounds %+v", cell.Lat, cell.Lon, cell.Bounds)
				}
			}
		})
	}

	all := view(f.analyst, MapQuery{})
	if o := all[MapObservations]; len(o.Points) != 1 || o.Points[0].ID != obs.ID || len(o.Points[0].Area) < 4 {
		t.Errorf("observation with its sector: %+v", o)
	}
	for _, c := range []struct {
		name string
		q    MapQuery
		want map[string]int
	}{
		{"side", MapQuery{Side: f.sideB}, map[string]int{MapAllegations: 1, MapObservations: 0}},
		{"category", MapQuery{Category: "heavy_weapons_fire"}, map[string]int{MapAllegations: 5, MapObservations: 0}},
		{"category of the observation", MapQuery{Category: "small_arms_fire"}, map[string]int{MapAllegations: 0, MapObservations: 1}},
		{"status", MapQuery{Status: StatusWithdrawn}, map[string]int{MapAllegations: 0, MapObservations: 0}},
		{"window", MapQuery{Window: Window{From: now.AddDate(-10, 0, 0), To: now.AddDate(-9, 0, 0)}}, map[string]int{MapAllegations: 0}},
		{"box elsewhere", MapQuery{BBox: geo.BBox{MinLat: 0, MinLon: 0, MaxLat: 1, MaxLon: 1}}, map[string]int{MapAllegations: 0, MapObservations: 0}},
	} {
		got := view(f.analyst, c.q)
		for kind, n := range c.want {
			if count(got[kind]) != n {
				t.Errorf("%s: %d %s, want %d", c.name, count(got[kind]), kind, n)
			}
		}
	}
}

func TestMapQueryRejects(t *testing.T) {
	ok := MapQuery{BBox: mapBox, CellDeg: 0.5}
	for _, c := range []struct {
		name  string
		edit  func(q *MapQuery)
		field string
	}{
		{"south above north", func(q *MapQuery) { q.BBox.MinLat, q.BBox.MaxLat = 41, 39 }, "bbox"},
		{"latitude out of range", func(q *MapQuery) { q.BBox.MaxLat = 91 }, "bbox"},
		{"unknown kind", func(q *MapQuery) { q.Kinds = []string{"detainees"} }, "layers"},
		{"side not an id", func(q *MapQuery) { q.Side = "a b" }, "side"},
		{"unknown category", func(q *MapQuery) { q.Category = "bombing" }, "category"},
		{"unknown status", func(q *MapQuery) { q.Status = "open" }, "status"},
		{"no cell size", func(q *MapQuery) { q.CellDeg = 0 }, "zoom"},
		{"window backwards", func(q *MapQuery) { q.Window = Window{From: now, To: now.AddDate(0, 0, -1)} }, "to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := ok
			c.edit(&q)
			wantErr(t, q.Check(), errs.CodeInvalid, c.field)
		})
	}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
}
