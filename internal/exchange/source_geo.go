package exchange

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// layerKinds are the layer kinds in table order.
var layerKinds = []string{geo.KindLineOfContact, geo.KindZone, geo.KindCorridor, geo.KindSite}

// layerSources are the sources of the layer tables an export of kind
// holds: one table, or the four for "layers" (narrowed by ?kind=).
func (s *Service) layerSources(p access.Principal, kind string, v url.Values, orgs func() orgNames) ([]source, error) {
	var f geo.LayerFilter
	if at := v.Get("at"); at != "" {
		t, err := geo.ParseTime("at", at)
		if err != nil {
			return nil, err
		}
		f.At = &t
	}
	kinds := layerKinds
	if kind != KindLayers {
		for _, k := range layerKinds {
			if LayerTables[k] == kind {
				kinds = []string{k}
			}
		}
	} else if k := v.Get("kind"); k != "" {
		if _, ok := LayerTables[k]; !ok {
			return nil, errs.Invalid("kind", "must be line_of_contact, zone, corridor or site")
		}
		kinds = []string{k}
	}
	var out []source
	for _, k := range kinds {
		t, _ := TableNamed(LayerTables[k])
		lf := f
		lf.Kind = k
		out = append(out, source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
			o := orgs()
			r := newRow(t)
			return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[geo.Layer], error) {
				return s.Geo.ListLayers(ctx, p, lf, req)
			}, func(l geo.Layer) error {
				r.reset()
				r.set("id", l.ID)
				r.set("kind", text(l.Kind))
				r.set("subkind", text(l.Subkind))
				r.set("name", text(l.Name))
				if len(l.Names) > 0 {
					data, _ := json.Marshal(l.Names)
					r.set("names", string(data))
				}
				r.set("party", text(l.Party))
				r.set("party_name", o.name(l.Party))
				if l.Kind == geo.KindCorridor {
					r.set("width_m", l.WidthM)
				}
				r.set("left_party", text(l.LeftParty))
				r.set("right_party", text(l.RightParty))
				r.set("valid_from", when(l.ValidFrom))
				r.set("valid_to", whenPtr(l.ValidTo))
				r.set("note", text(l.Note))
				r.set("illustrative", l.Illustrative)
				r.setLabel(l.Label, o)
				g := asTableGeometry(l.Geometry, t.Geometry)
				return emit(r.done(&g))
			})
		}})
	}
	return out, nil
}

// asTableGeometry gives a single-part geometry the multi-part type its
// table holds (a zone drawn as a Polygon in a MultiPolygon table).
func asTableGeometry(g geo.Geometry, want geo.GeometryType) geo.Geometry {
	switch {
	case g.Type == want:
		return g
	case g.Type == geo.TypePolygon && want == geo.TypeMultiPolygon:
		return geo.Geometry{Type: geo.TypeMultiPolygon, Areas: []geo.Area{{Outer: g.Polygon, Holes: g.Holes}}}
	case g.Type == geo.TypeLineString && want == geo.TypeMultiLineString:
		return geo.Geometry{Type: geo.TypeMultiLineString, Lines: []geo.Line{g.Line}}
	case g.Type == geo.TypePoint && want == geo.TypeMultiPoint && g.Point != nil:
		return geo.Geometry{Type: geo.TypeMultiPoint, Points: []geo.Point{*g.Point}}
	}
	return g
}

// placeName is the name a spreadsheet shows: English without a party,
// then any English, then the first.
func placeName(names []geo.PlaceName) any {
	for _, party := range []bool{false, true} {
		for _, n := range names {
			if n.Lang == "en" && (party || n.Party == "") {
				return n.Name
			}
		}
	}
	if len(names) > 0 {
		return text(names[0].Name)
	}
	return nil
}

func (s *Service) placeSource(p access.Principal, v url.Values, orgs func() orgNames) (source, error) {
	f := geo.PlaceFilter{Query: v.Get("q"), Kind: v.Get("kind")}
	t, _ := TableNamed(TablePlaces)
	return source{table: t, rows: func(ctx context.Context, emit func(Row) error) error {
		o := orgs()
		r := newRow(t)
		return pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[geo.Place], error) {
			return s.Geo.ListPlaces(ctx, p, f, req)
		}, func(pl geo.Place) error {
			r.reset()
			r.set("id", pl.ID)
			r.set("kind", text(pl.Kind))
			r.set("name", placeName(pl.Names))
			r.set("names", jsonText(pl.Names))
			r.set("lat", pl.Location.Lat)
			r.set("lon", pl.Location.Lon)
			r.set("note", text(pl.Note))
			r.set("illustrative", pl.Illustrative)
			r.setLabel(pl.Label, o)
			return emit(r.done(point(pl.Location)))
		})
	}}, nil
}
