package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// Map layers, in drawing order (bottom first). Geography comes from
// package geo, records from package incident; hazard areas from a source
// another package registers with AddMapSource.
const (
	MapLineOfContact = "line_of_contact"
	MapZones         = "zones"
	MapCorridors     = "corridors"
	MapSites         = "sites"
	MapHazardAreas   = "hazard_areas"
)

// MapLayers lists every layer /api/v1/map/features can return.
var MapLayers = []string{MapZones, MapHazardAreas, MapCorridors, MapLineOfContact, MapSites,
	incident.MapIncidents, incident.MapAllegations, incident.MapObservations}

// MapRequest is a parsed /api/v1/map/features query.
type MapRequest struct {
	BBox     geo.BBox
	Zoom     float64
	From, To time.Time // zero when open
	Layers   []string
	Side     string
	Category string
	Status   string
}

// LayerTime is the moment whose geography the view shows: the end of the
// window (its last second), or now.
func (q MapRequest) LayerTime(now time.Time) time.Time {
	if !q.To.IsZero() {
		return q.To.Add(-time.Second)
	}
	return now
}

// Wants reports whether the request asks for layer.
func (q MapRequest) Wants(layer string) bool { return slices.Contains(q.Layers, layer) }

// CellDegrees is the edge of an aggregation cell at the request's zoom:
// about 32 screen pixels (a 256-pixel tile spans 360/2^zoom degrees).
func (q MapRequest) CellDegrees() float64 { return 360 / math.Exp2(q.Zoom) / 8 }

// MaxMapZoom is the deepest zoom the map asks for.
const MaxMapZoom = 24

// ParseMapRequest reads the query of /api/v1/map/features. Errors name
// the parameter at fault.
func ParseMapRequest(v url.Values) (MapRequest, error) {
	var q MapRequest
	b := v.Get("bbox")
	if b == "" {
		return q, errs.Invalid("bbox", "is required: west,south,east,north in degrees")
	}
	parts := strings.Split(b, ",")
	if len(parts) != 4 {
		return q, errs.Invalid("bbox", "must be four numbers west,south,east,north")
	}
	var n [4]float64
	for i, s := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return q, errs.Invalid("bbox", "must be four numbers west,south,east,north")
		}
		n[i] = x
	}
	// A view wider than the world wraps: clamp longitudes rather than refuse,
	// since a map zoomed out shows more than 360 degrees.
	west, south, east, north := n[0], n[1], n[2], n[3]
	if east-west >= 360 {
		west, east = -180, 180
	}
	west, east = wrapLon(west), wrapLon(east)
	if south < -90 || north > 90 || south > north {
		return q, errs.Invalid("bbox", "south and north must be latitudes from -90 to 90, south not above north")
	}
	q.BBox = geo.BBox{MinLat: south, MinLon: west, MaxLat: north, MaxLon: east}
	z := v.Get("zoom")
	if z == "" {
		return q, errs.Invalid("zoom", "is required: the map's zoom level, 0 to %d", MaxMapZoom)
	}
	zoom, err := strconv.ParseFloat(z, 64)
	if err != nil || !(zoom >= 0 && zoom <= MaxMapZoom) {
		return q, errs.Invalid("zoom", "must be a number from 0 to %d", MaxMapZoom)
	}
	q.Zoom = zoom
	if day := v.Get("day"); day != "" {
		if v.Get("from") != "" || v.Get("to") != "" {
			return q, errs.Invalid("day", "give either day or from/to, not both")
		}
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return q, errs.Invalid("day", "must be a date such as 2021-06-10")
		}
		q.From, q.To = d, d.AddDate(0, 0, 1)
	} else {
		if q.From, err = mapTime("from", v.Get("from"), false); err != nil {
			return q, err
		}
		if q.To, err = mapTime("to", v.Get("to"), true); err != nil {
			return q, err
		}
		if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
			return q, errs.Invalid("to", "must be after from")
		}
	}
	if l := v.Get("layers"); l != "" {
		for _, name := range strings.Split(l, ",") {
			if !slices.Contains(MapLayers, name) {
				return q, errs.Invalid("layers", "each must be one of %s", strings.Join(MapLayers, ", "))
			}
			if !slices.Contains(q.Layers, name) {
				q.Layers = append(q.Layers, name)
			}
		}
	} else {
		q.Layers = slices.Clone(MapLayers)
	}
	q.Side, q.Category, q.Status = v.Get("side"), v.Get("category"), v.Get("status")
	for _, f := range []struct{ name, v string }{{"side", q.Side}, {"category", q.Category}, {"status", q.Status}} {
		if len(f.v) > 64 {
			return q, errs.Invalid(f.name, "is too long")
		}
	}
	return q, nil
}

// mapTime reads an RFC 3339 time or a date; a date as the end of a window
// means the end of that day, so that from=to=a date is that day.
func mapTime(field, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := geo.ParseTime(field, s)
	if err != nil {
		return t, errs.Invalid(field, "must be a date such as 2021-06-10 or an RFC 3339 time such as 2021-06-10T06:00:00Z")
	}
	return t, nil
}

func wrapLon(lon float64) float64 {
	if lon >= -180 && lon <= 180 {
		return lon
	}
	return math.Mod(math.Mod(lon+180, 360)+360, 360) - 180
}

// Feature is a GeoJSON feature. Every feature of the map carries in its
// properties kind, id, url (the record's HTML page) and label.
type Feature struct {
	Type       string         `json:"type"`
	Geometry   geo.Geometry   `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// FeatureCollection is a GeoJSON feature collection.
type FeatureCollection struct {
	Type     string    `json:"type"`
	Features []Feature `json:"features"`
}

func newCollection() *FeatureCollection {
	return &FeatureCollection{Type: "FeatureCollection", Features: []Feature{}}
}

func (c *FeatureCollection) add(g geo.Geometry, props map[string]any) {
	c.Features = append(c.Features, Feature{Type: "Feature", Geometry: g, Properties: props})
}

// MapView is the answer of /api/v1/map/features: one feature collection
// per layer asked for, which of them are aggregated into grid cells, how
// many records each holds, and the sides' names for the legend.
type MapView struct {
	Layers     map[string]*FeatureCollection `json:"layers"`
	Aggregated map[string]bool               `json:"aggregated"`
	Totals     map[string]int                `json:"totals"`
	Sides      map[string]string             `json:"sides"`
	CellDeg    float64                       `json:"cell_deg"`
	At         time.Time                     `json:"at" doc:"the time whose geography is shown"`
}

// MapSource adds the features of one layer of a view that p may see. A
// registry registers one with AddMapSource; until then its layer is empty.
type MapSource func(ctx context.Context, p access.Principal, q MapRequest) ([]Feature, error)

// AddMapSource sets the source of a map layer (e.g. hazard_areas).
func (s *Server) AddMapSource(layer string, src MapSource) {
	if s.mapSources == nil {
		s.mapSources = map[string]MapSource{}
	}
	s.mapSources[layer] = src
}

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
			{Name: "layers", Description: "comma-separated subset of " + strings.Join(MapLayers, ", ") + "; default all"},
		},
		Response: MapView{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			q, err := ParseMapRequest(r.URL.Query())
			if err != nil {
				s.fail(w, r, err)
				return
			}
			view, err := s.MapFeatures(r.Context(), httpx.PrincipalFrom(r.Context()), q)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			w.Header().Set("Cache-Control", "private, no-store")
			httpx.WriteJSON(w, http.StatusOK, view)
		}})
}

// MapFeatures returns what p may see of the view q; the map page renders
// its list equivalent from it.
func (s *Server) MapFeatures(ctx context.Context, p access.Principal, q MapRequest) (MapView, error) {
	at := q.LayerTime(s.Now()).UTC()
	view := MapView{Layers: map[string]*FeatureCollection{}, Aggregated: map[string]bool{}, Totals: map[string]int{},
		Sides: map[string]string{}, CellDeg: q.CellDegrees(), At: at}
	for _, l := range q.Layers {
		view.Layers[l] = newCollection()
	}
	if q.Wants(MapLineOfContact) || q.Wants(MapZones) || q.Wants(MapCorridors) || q.Wants(MapSites) {
		if err := s.mapGeography(ctx, p, at, q, view.Layers); err != nil {
			return view, err
		}
	}
	var kinds []string
	for _, k := range incident.MapKinds {
		if q.Wants(k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) > 0 {
		records, err := s.Incidents.MapView(ctx, p, incident.MapQuery{BBox: q.BBox, Window: incident.Window{From: q.From, To: q.To},
			Kinds: kinds, Side: q.Side, Category: q.Category, Status: q.Status, CellDeg: q.CellDegrees()})
		if err != nil {
			return view, err
		}
		for kind, l := range records {
			view.Aggregated[kind], view.Totals[kind] = l.Aggregated, l.Total
			recordFeatures(kind, l, view.Layers[kind])
		}
	}
	for layer, src := range s.mapSources {
		if !q.Wants(layer) {
			continue
		}
		fs, err := src(ctx, p, q)
		if err != nil {
			return view, err
		}
		view.Layers[layer].Features = append(view.Layers[layer].Features, fs...)
	}
	parties, err := s.Agreements.Parties(ctx, p)
	if err != nil {
		return view, err
	}
	for _, o := range parties {
		view.Sides[o.ID] = cmpOr(o.ShortName, o.Name)
	}
	return view, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// mapGeography adds the layers in force at at that p may read. They are
// few, so they are sent whole, not cut to the view.
func (s *Server) mapGeography(ctx context.Context, p access.Principal, at time.Time, q MapRequest, out map[string]*FeatureCollection) error {
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		layers, err := s.Geo.ListLayers(ctx, p, geo.LayerFilter{At: &at}, page)
		if err != nil {
			return err
		}
		for _, l := range layers.Items {
			props := map[string]any{"kind": l.Kind, "id": l.ID, "url": "/history/layer/" + l.ID, "label": l.Name,
				"subkind": l.Subkind, "party": l.Party, "illustrative": l.Illustrative}
			switch l.Kind {
			case geo.KindLineOfContact:
				if q.Wants(MapLineOfContact) {
					out[MapLineOfContact].add(l.Geometry, props)
				}
			case geo.KindZone:
				if q.Wants(MapZones) {
					out[MapZones].add(l.Geometry, props)
				}
			case geo.KindCorridor:
				if !q.Wants(MapCorridors) {
					continue
				}
				// Drawn with its width: the outline computed geodesically
				// here, so that the map need not know metres per pixel.
				props["width_m"] = l.WidthM
				if ring := geo.CorridorOutline(l.Geometry.Line, l.WidthM); ring != nil {
					out[MapCorridors].add(geo.PolygonGeometry(ring), props)
				}
				centre := map[string]any{}
				for k, v := range props {
					centre[k] = v
				}
				centre["kind"] = "corridor_centre"
				out[MapCorridors].add(l.Geometry, centre)
			case geo.KindSite:
				if q.Wants(MapSites) {
					// status: open, partial or closed for checkpoints, as
					// the transit registry's restrictions p may read say.
					props["status"] = ""
					if l.Subkind == "checkpoint" {
						st, err := s.checkpointStatus(ctx, p, at, l.ID)
						if err != nil {
							return err
						}
						props["status"] = st
					}
					out[MapSites].add(l.Geometry, props)
				}
			}
		}
		if layers.Next == "" {
			return nil
		}
		page.Cursor = layers.Next
	}
}

var recordPages = map[string]string{incident.MapAllegations: "/allegations/", incident.MapObservations: "/observations/", incident.MapIncidents: "/incidents/"}

var recordKind = map[string]string{incident.MapAllegations: "allegation", incident.MapObservations: "observation", incident.MapIncidents: "incident"}

// recordFeatures turns one kind's points or cells into features.
func recordFeatures(kind string, l incident.MapLayer, out *FeatureCollection) {
	for _, m := range l.Points {
		label := strings.ReplaceAll(m.Category, "_", " ") + " · " + strings.TrimSuffix(m.Start, "Z")
		if m.Title != "" && kind == incident.MapIncidents {
			label = m.Title
		}
		props := map[string]any{"kind": recordKind[kind], "id": m.ID, "url": recordPages[kind] + m.ID, "label": label,
			"category": m.Category, "status": m.Status, "side": m.Side, "source": m.Source, "start": m.Start}
		out.add(geo.PointGeometry(geo.Point{Lat: m.Lat, Lon: m.Lon}), props)
		if len(m.Area) > 0 {
			sector := map[string]any{"kind": "sector", "id": m.ID, "url": props["url"], "label": label, "category": m.Category}
			out.add(geo.PolygonGeometry(m.Area), sector)
		}
	}
	for _, c := range l.Cells {
		b := c.Bounds
		id := fmt.Sprintf("cell:%s:%.6f,%.6f", recordKind[kind], b.MinLon, b.MinLat)
		out.add(geo.PointGeometry(geo.Point{Lat: c.Lat, Lon: c.Lon}), map[string]any{
			"kind": "cell", "record_kind": recordKind[kind], "id": id, "count": c.Count,
			"label": fmt.Sprintf("%d %ss", c.Count, recordKind[kind]),
			"url":   fmt.Sprintf("/map?bbox=%g,%g,%g,%g", b.MinLon, b.MinLat, b.MaxLon, b.MaxLat),
			"bbox":  []float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat}})
	}
}
