package incident

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// pagedAll reads every page of a list, three rows a page.
func pagedAll[T any](t *testing.T, list func(store.PageRequest) (store.Page[T], error)) []T {
	t.Helper()
	var out []T
	req := store.PageRequest{Limit: 3}
	for {
		pg := must[store.Page[T]](t)(list(req))
		out = append(out, pg.Items...)
		if pg.Next == "" {
			return out
		}
		req.Cursor = pg.Next
	}
}

// The stream an export reads returns what the paged list returns, row for
// row and in its order, for every principal and filter.
func TestStreamIsThePagedList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := f.lodgeMany(t, 11)
	// Restricted ones of each side, which the other side may not read.
	for _, side := range []struct {
		org string
		who access.Principal
	}{{f.sideA, f.liaisonA}, {f.sideB, f.liaisonB}} {
		in := f.allegationBy(side.org)
		in.Classification, in.RestrictedTo = "restricted", []string{f.centre}
		in.Time = TimeInput{Start: "2021-06-09T05:30:00Z"}
		ids = append(ids, must[Allegation](t)(f.s.LodgeAllegation(ctx, side.who, in)).ID)
	}
	far := f.allegationBy(f.sideA)
	far.Location.Point = &geo.Point{Lat: westSide.Lat, Lon: westSide.Lon}
	far.Time = TimeInput{Start: "2021-06-09T05:00:00Z"} // the same start as ids[5]: the id orders them
	ids = append(ids, must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, far)).ID)
	obs := must[Observation](t)(f.s.RecordObservation(ctx, f.monitor, validObservation()))
	inc := f.investigate(t, []string{ids[2], ids[3]}, []string{obs.ID})
	for range 4 {
		must[Observation](t)(f.s.RecordObservation(ctx, f.monitor, validObservation()))
	}

	from := time.Date(2021, 6, 9, 3, 0, 0, 0, time.UTC)
	filters := map[string]AllegationFilter{
		"all":          {},
		"category":     {Category: "small_arms_fire"},
		"side":         {OnBehalfOf: f.sideA},
		"window":       {Window: Window{From: from, To: from.Add(4 * time.Hour)}},
		"bbox":         {BBox: &geo.BBox{MinLat: 40.05, MinLon: 46.8, MaxLat: 40.2, MaxLon: 47}},
		"incident":     {IncidentID: inc.ID},
		"unlinked":     {Unlinked: true},
		"zone, window": {Zone: f.zone, Window: Window{From: from}},
	}
	for _, p := range []access.Principal{f.analyst, f.liaisonA, f.liaisonB, f.observer} {
		for name, fl := range filters {
			want := pagedAll(t, func(req store.PageRequest) (store.Page[Allegation], error) {
				return f.s.ListAllegations(ctx, p, fl, req)
			})
			var got []Allegation
			if err := f.s.StreamAllegations(ctx, p, fl, func(a *Allegation) error { got = append(got, *a); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 && name == "all" && p.Org != "" {
				t.Fatalf("%s sees no allegation: the test proves nothing", p.Username)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s: stream %v\nlist %v", p.Username, name, allegationIDs(got), allegationIDs(want))
			}
		}
		want := pagedAll(t, func(req store.PageRequest) (store.Page[Observation], error) {
			return f.s.ListObservations(ctx, p, ObservationFilter{}, req)
		})
		var got []Observation
		if err := f.s.StreamObservations(ctx, p, ObservationFilter{}, func(o *Observation) error { got = append(got, *o); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s, observations: stream %d rows, list %d", p.Username, len(got), len(want))
		}
	}
}
