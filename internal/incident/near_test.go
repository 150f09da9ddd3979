package incident

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

func TestListsNearPlace(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	village, err := f.geo.CreatePlace(ctx, access.System, geo.PlaceInput{Kind: "settlement", Location: &geo.Point{Lat: inZone.Lat, Lon: inZone.Lon},
		Names: []geo.PlaceName{{Lang: "en", Name: "Village"}}})
	if err != nil {
		t.Fatal(err)
	}
	lodgeAt := func(pt geo.Point) string {
		in := f.allegationBy(f.sideA)
		in.Location.Point = &pt
		return must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, in)).ID
	}
	at := lodgeAt(inZone)
	north3km := lodgeAt(geo.Point{Lat: inZone.Lat + 0.027, Lon: inZone.Lon}) // about 3.0 km north
	east3km := lodgeAt(geo.Point{Lat: inZone.Lat, Lon: inZone.Lon + 0.035})  // about 3.0 km east at 40° N
	far := lodgeAt(westSide)
	if d := geo.Distance(inZone, geo.Point{Lat: inZone.Lat, Lon: inZone.Lon + 0.035}); d < 2900 || d > 3100 {
		t.Fatalf("the eastern point is %.0f m away", d)
	}
	inc := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Near", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 500}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}, Allegations: []string{at}}))
	must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Far", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: westSide, RadiusM: 500}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}, Allegations: []string{far}}))

	allegations := func(n Near) []string {
		t.Helper()
		got := must[store.Numbered[Allegation]](t)(f.s.NumberedAllegations(ctx, f.analyst, AllegationFilter{Near: n}, store.ListQuery{}))
		ids := allegationIDs(got.Items)
		slices.Sort(ids)
		if got.Total != len(ids) {
			t.Fatalf("total %d for %d rows", got.Total, len(ids))
		}
		// The cursor list the API pages through agrees.
		page := must[store.Page[Allegation]](t)(f.s.ListAllegations(ctx, f.analyst, AllegationFilter{Near: n}, store.PageRequest{Limit: 100}))
		cursor := allegationIDs(page.Items)
		slices.Sort(cursor)
		if !slices.Equal(ids, cursor) {
			t.Fatalf("numbered %v, cursor %v", ids, cursor)
		}
		return ids
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

	t.Run("within the default 5 km", func(t *testing.T) {
		if got, want := allegations(Near{Place: village.ID}), sorted(at, north3km, east3km); !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("within 2 km", func(t *testing.T) {
		if got := allegations(Near{Place: village.ID, Within: 2000}); !slices.Equal(got, []string{at}) {
			t.Fatalf("got %v, want only %s", got, at)
		}
	})
	t.Run("within 100 km takes the far one too", func(t *testing.T) {
		if got := allegations(Near{Place: village.ID, Within: 100000}); len(got) != 4 {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("incidents and observations", func(t *testing.T) {
		got := must[store.Numbered[Incident]](t)(f.s.NumberedIncidents(ctx, f.observer, IncidentFilter{Near: Near{Place: village.ID}}, store.ListQuery{}))
		if got.Total != 1 || got.Items[0].ID != inc.ID {
			t.Fatalf("incidents near: %+v", got.Items)
		}
		obs := must[store.Numbered[Observation]](t)(f.s.NumberedObservations(ctx, f.observer, ObservationFilter{Near: Near{Place: village.ID}}, store.ListQuery{}))
		if obs.Total != 0 {
			t.Fatalf("observations near: %d", obs.Total)
		}
	})
	t.Run("bad filters name their field", func(t *testing.T) {
		for name, c := range map[string]struct {
			n     Near
			field string
		}{
			"radius too small":   {Near{Place: village.ID, Within: 10}, "within"},
			"radius too large":   {Near{Place: village.ID, Within: 1e6}, "within"},
			"not an id":          {Near{Place: "Shusha"}, "place"},
			"no such place":      {Near{Place: "plc_0000000000000000"}, "place"},
			"a radius, no place": {Near{Within: 5000}, "place"},
		} {
			_, err := f.s.NumberedAllegations(ctx, f.analyst, AllegationFilter{Near: c.n}, store.ListQuery{})
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != c.field {
				t.Errorf("%s: %v (field %q), want invalid %s", name, err, errs.FieldOf(err), c.field)
			}
		}
	})
	t.Run("read from the address", func(t *testing.T) {
		v := url.Values{"place": {village.ID}, "within": {"2500"}}
		fl, err := ParseIncidentFilter(v)
		if err != nil || fl.Place != village.ID || fl.Within != 2500 {
			t.Fatalf("%+v, %v", fl.Near, err)
		}
		if _, err := ParseObservationFilter(url.Values{"within": {"far"}}); errs.FieldOf(err) != "within" {
			t.Fatalf("within=far: %v", err)
		}
	})
}
