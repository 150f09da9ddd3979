// Package mapview builds what a reader may see in a map view — geography
// in force, the incident package's records, the registries' layers — for
// the API's /api/v1/map/features and the map page alike. Every layer is
// read through its domain service with the reader's principal.
package mapview

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
)

// Map layers, in drawing order (bottom first). Geography comes from
// package geo, records from package incident, hazard areas and minefield
// perimeters from package mines.
const (
	LineOfContact = "line_of_contact"
	Zones         = "zones"
	Corridors     = "corridors"
	Sites         = "sites"
	HazardAreas   = "hazard_areas"
)

// Layers lists every layer /api/v1/map/features can return.
var Layers = []string{Zones, HazardAreas, Corridors, LineOfContact, Sites,
	incident.MapIncidents, incident.MapAllegations, incident.MapObservations}

// Request is a parsed /api/v1/map/features query.
type Request struct {
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
func (q Request) LayerTime(now time.Time) time.Time {
	if !q.To.IsZero() {
		return q.To.Add(-time.Second)
	}
	return now
}

// Wants reports whether the request asks for layer.
func (q Request) Wants(layer string) bool { return slices.Contains(q.Layers, layer) }

// CellDegrees is the edge of an aggregation cell at the request's zoom:
// about 32 screen pixels (a 256-pixel tile spans 360/2^zoom degrees).
func (q Request) CellDegrees() float64 { return 360 / math.Exp2(q.Zoom) / 8 }

// MaxZoom is the deepest zoom the map asks for.
const MaxZoom = 24

// ParseRequest reads the query of /api/v1/map/features. Errors name
// the parameter at fault.
func ParseRequest(v url.Values) (Request, error) {
	var q Request
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
		return q, errs.Invalid("zoom", "is required: the map's zoom level, 0 to %d", MaxZoom)
	}
	zoom, err := strconv.ParseFloat(z, 64)
	if err != nil || !(zoom >= 0 && zoom <= MaxZoom) {
		return q, errs.Invalid("zoom", "must be a number from 0 to %d", MaxZoom)
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
			if !slices.Contains(Layers, name) {
				return q, errs.Invalid("layers", "each must be one of %s", strings.Join(Layers, ", "))
			}
			if !slices.Contains(q.Layers, name) {
				q.Layers = append(q.Layers, name)
			}
		}
	} else {
		q.Layers = slices.Clone(Layers)
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

// View is the answer of /api/v1/map/features: one feature collection
// per layer asked for, which of them are aggregated into grid cells, how
// many records each holds, and the sides' names for the legend.
type View struct {
	Layers     map[string]*FeatureCollection `json:"layers"`
	Aggregated map[string]bool               `json:"aggregated"`
	Totals     map[string]int                `json:"totals"`
	Sides      map[string]string             `json:"sides"`
	CellDeg    float64                       `json:"cell_deg"`
	At         time.Time                     `json:"at" doc:"the time whose geography is shown"`
}

// Source adds the features of one layer of a view that p may see.
type Source func(ctx context.Context, p access.Principal, q Request) ([]Feature, error)

// Service builds map views from the domain services, for the API's
// /api/v1/map/features and the map page alike.
type Service struct {
	Geo        *geo.Service
	Incidents  *incident.Service
	Agreements *agreement.Service
	Mines      *mines.Service
	Transit    *transit.Service
	Now        func() time.Time
	sources    map[string]Source
}

// New returns the map service; registries with a layer on the map add it
// here (the mine action registry's hazard areas and minefields).
func New(g *geo.Service, inc *incident.Service, ag *agreement.Service, mn *mines.Service, tr *transit.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{Geo: g, Incidents: inc, Agreements: ag, Mines: mn, Transit: tr, Now: now, sources: map[string]Source{}}
	if mn != nil {
		s.sources[HazardAreas] = s.hazardAreaFeatures
	}
	return s
}

// Features returns what p may see of the view q; the map page renders
// its list equivalent from it.
func (s *Service) Features(ctx context.Context, p access.Principal, q Request) (View, error) {
	at := q.LayerTime(s.Now()).UTC()
	view := View{Layers: map[string]*FeatureCollection{}, Aggregated: map[string]bool{}, Totals: map[string]int{},
		Sides: map[string]string{}, CellDeg: q.CellDegrees(), At: at}
	for _, l := range q.Layers {
		view.Layers[l] = newCollection()
	}
	if q.Wants(LineOfContact) || q.Wants(Zones) || q.Wants(Corridors) || q.Wants(Sites) {
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
	for layer, src := range s.sources {
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
func (s *Service) mapGeography(ctx context.Context, p access.Principal, at time.Time, q Request, out map[string]*FeatureCollection) error {
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
				if q.Wants(LineOfContact) {
					out[LineOfContact].add(l.Geometry, props)
				}
			case geo.KindZone:
				if q.Wants(Zones) {
					out[Zones].add(l.Geometry, props)
				}
			case geo.KindCorridor:
				if !q.Wants(Corridors) {
					continue
				}
				// Drawn with its width: the outline computed geodesically
				// here, so that the map need not know metres per pixel.
				props["width_m"] = l.WidthM
				if ring := geo.CorridorOutline(l.Geometry.Line, l.WidthM); ring != nil {
					out[Corridors].add(geo.PolygonGeometry(ring), props)
				}
				centre := map[string]any{}
				for k, v := range props {
					centre[k] = v
				}
				centre["kind"] = "corridor_centre"
				out[Corridors].add(l.Geometry, centre)
			case geo.KindSite:
				if q.Wants(Sites) {
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
					out[Sites].add(l.Geometry, props)
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
