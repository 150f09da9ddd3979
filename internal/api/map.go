package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mapview"
)

func (s *Server) mapRoutes() {
	s.add(Route{Method: "GET", Path: "/api/v1/map/features", Tag: "map",
		Summary: "What the reader may see in a map view: geography in force and records, aggregated into grid cells with counts when one kind has more than " + strconv.Itoa(incident.MaxMapPoints) + " in view",
		Query: []Param{
			{Name: "bbox", Required: true, Description: "west,south,east,north in degrees"},
			{Name: "zoom", Type: "number", Required: true, Description: "the map's zoom, 0 to 24; sets the grid cell size (about 32 pixels)"},
			{Name: "day", Description: "a date: records of that UTC day (instead of from/to)"},
			{Name: "from", Description: "date or RFC 3339 time: records starting at or after"},
			{Name: "to", Description: "date (inclusive) or RFC 3339 time (exclusive); geography is shown as it was then"},
			{Name: "side", Description: "organisation id: allegations lodged on its behalf, incidents attributed to it"},
			{Name: "category", Description: "taxonomy code"},
			{Name: "status", Description: "allegation status (lodged, withdrawn) or investigation status"},
			{Name: "layers", Description: "comma-separated subset of " + strings.Join(mapview.Layers, ", ") + "; default all"},
		},
		Response: mapview.View{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			q, err := mapview.ParseRequest(r.URL.Query())
			if err != nil {
				s.fail(w, r, err)
				return
			}
			view, err := s.Map.Features(r.Context(), httpx.PrincipalFrom(r.Context()), q)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			w.Header().Set("Cache-Control", "private, no-store")
			httpx.WriteJSON(w, http.StatusOK, view)
		}})
}
