package api

import (
	"net/http"
	"strconv"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
)

func (s *Server) geoRoutes() {
	g := s.Geo
	addResource(s, resource[geo.LayerInput, geo.Layer]{
		path: "/api/v1/layers", tag: "geography", noun: "layer", kind: "layer",
		create: g.CreateLayer, update: g.UpdateLayer, get: g.GetLayer,
		list: func(r *http.Request, p store.PageRequest) (store.Page[geo.Layer], error) {
			f := geo.LayerFilter{Kind: r.URL.Query().Get("kind")}
			if at := r.URL.Query().Get("at"); at != "" {
				t, err := geo.ParseTime("at", at)
				if err != nil {
					return store.Page[geo.Layer]{}, err
				}
				f.At = &t
			}
			return g.ListLayers(r.Context(), httpx.PrincipalFrom(r.Context()), f, p)
		},
		filters: []Param{{Name: "kind", Description: "line_of_contact, zone, corridor, site"}, {Name: "at", Description: "only layers in force at this RFC 3339 time"}},
		version: func(l geo.Layer) int64 { return l.Version },
	})
	addResource(s, resource[geo.PlaceInput, geo.Place]{
		path: "/api/v1/places", tag: "geography", noun: "place", kind: "place",
		create: g.CreatePlace, update: g.UpdatePlace, get: g.GetPlace,
		list: func(r *http.Request, p store.PageRequest) (store.Page[geo.Place], error) {
			return g.ListPlaces(r.Context(), httpx.PrincipalFrom(r.Context()), geo.PlaceFilter{Query: r.URL.Query().Get("q"), Kind: r.URL.Query().Get("kind")}, p)
		},
		filters: []Param{{Name: "q", Description: "any of the place's names, in any script, ignoring case and diacritics"}, {Name: "kind"}},
		version: func(p geo.Place) int64 { return p.Version },
	})
	s.add(Route{Method: "GET", Path: "/api/v1/geo/locate", Summary: "Where a point is: zones, corridor, distance and side of the line of contact, nearest site and place", Tag: "geography",
		Query: []Param{
			{Name: "lat", Type: "number", Required: true}, {Name: "lon", Type: "number", Required: true},
			{Name: "at", Description: "RFC 3339 time; default now"},
		},
		Response: geo.Location{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			var p geo.Point
			for _, f := range []struct {
				name string
				dst  *float64
			}{{"lat", &p.Lat}, {"lon", &p.Lon}} {
				v := q.Get(f.name)
				if v == "" {
					s.fail(w, r, errs.Invalid(f.name, "is required"))
					return
				}
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					s.fail(w, r, errs.Invalid(f.name, "must be a number in decimal degrees"))
					return
				}
				*f.dst = x
			}
			at := s.Now()
			if v := q.Get("at"); v != "" {
				t, err := geo.ParseTime("at", v)
				if err != nil {
					s.fail(w, r, err)
					return
				}
				at = t
			}
			loc, err := g.LocateFor(r.Context(), httpx.PrincipalFrom(r.Context()), p, at)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, loc)
		}})
}
