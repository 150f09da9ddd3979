package incident

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
)

// TestReplaceAfterLayersChange: a new zone around an allegation's point is
// added to the allegation's geography by a new version, attributed to the
// system; records the change does not concern keep their version.
func TestReplaceAfterLayersChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := f.allegationBy(f.sideA)
	in.Location.Point = &geo.Point{Lat: westSide.Lat, Lon: westSide.Lon}
	a := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, in))
	other := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	for _, z := range a.Geography.Zones {
		if z.Name == "New buffer" {
			t.Fatal("zone present before it exists")
		}
	}
	if n, err := f.s.Replace(ctx); err != nil || n != 0 {
		t.Fatalf("replace with nothing changed: %d %v", n, err)
	}
	// A small buffer zone around the first allegation only.
	ring := `{"type":"Polygon","coordinates":[[[46.68,39.98],[46.72,39.98],[46.72,40.02],[46.68,40.02],[46.68,39.98]]]}`
	if _, err := f.geo.CreateLayer(ctx, access.System, geo.LayerInput{Kind: geo.KindZone, Subkind: "buffer", Name: "New buffer",
		Geometry: json.RawMessage(ring), ValidFrom: "2020-01-01T00:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	n, err := f.s.Replace(ctx)
	if err != nil || n != 1 {
		t.Fatalf("replace: %d records changed (%v), want 1", n, err)
	}
	got := must[Allegation](t)(f.s.GetAllegation(ctx, f.cochair, a.ID))
	found := false
	for _, z := range got.Geography.Zones {
		found = found || z.Name == "New buffer"
	}
	if !found || got.Version != a.Version+1 {
		t.Fatalf("after replace: version %d, zones %+v", got.Version, got.Geography.Zones)
	}
	hist, err := f.db.History(ctx, EntityAllegation, a.ID, false)
	if err != nil || hist[len(hist)-1].Actor != "system" {
		t.Fatalf("last change not by the system: %+v %v", hist, err)
	}
	if o := must[Allegation](t)(f.s.GetAllegation(ctx, f.cochair, other.ID)); o.Version != other.Version {
		t.Fatalf("an allegation the zone does not concern changed: version %d", o.Version)
	}
	if n, err := f.s.Replace(ctx); err != nil || n != 0 {
		t.Fatalf("second replace: %d %v", n, err)
	}
}

// The system's new version of a record keeps the record's place in the
// public log: in clear for a public allegation, committed for another.
func TestReplaceKeepsPublicLeavesPublic(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	lodge := func(classification string) Allegation {
		in := f.allegationBy(f.sideA)
		in.Location.Point = &geo.Point{Lat: westSide.Lat, Lon: westSide.Lon}
		in.Classification = classification
		return must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, in))
	}
	public, mission := lodge("public"), lodge("mission")
	ring := `{"type":"Polygon","coordinates":[[[46.68,39.98],[46.72,39.98],[46.72,40.02],[46.68,40.02],[46.68,39.98]]]}`
	if _, err := f.geo.CreateLayer(ctx, access.System, geo.LayerInput{Kind: geo.KindZone, Subkind: "buffer", Name: "New buffer",
		Geometry: json.RawMessage(ring), ValidFrom: "2020-01-01T00:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	if n, err := f.s.Replace(ctx); err != nil || n != 2 {
		t.Fatalf("replace: %d records changed (%v), want 2", n, err)
	}
	for _, c := range []struct {
		id        string
		committed bool
	}{{public.ID, false}, {mission.ID, true}} {
		hist, err := f.db.History(ctx, EntityAllegation, c.id, false)
		if err != nil || len(hist) != 2 {
			t.Fatalf("history of %s: %+v %v", c.id, hist, err)
		}
		for _, v := range hist {
			if (v.Opening != "") != c.committed {
				t.Errorf("%s version %d: committed %v, want %v", c.id, v.Version, v.Opening != "", c.committed)
			}
		}
	}
}
