package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mapview"
)

// defaultMapView is the box the map opens on without a bbox: the region of
// the built-in scenario (west, south, east, north) at zoom 8.
const (
	defaultMapBBox = "45.6,38.9,47.9,40.7"
	defaultMapZoom = "8"
)

// mapMessages are the keys map.js and mapwidgets.js read from the page's
// i18n block.
var mapMessages = []string{"map.open", "map.zoomin", "map.loading", "map.error", "map.aggregated", "map.list.empty",
	"map.list.cell", "map.pick.hint", "map.sector.hint", "map.illustrative",
	"map.layer.line_of_contact", "map.layer.zones", "map.layer.corridors", "map.layer.sites", "map.layer.hazard_areas",
	"map.layer.incidents", "map.layer.allegations", "map.layer.observations"}

// option is one choice of a select.
type option struct{ Value, Label string }

// mapRow is one line of the map's list equivalent.
type mapRow struct {
	Layer, Kind, Label, URL, Detail string
	Count                           int
}

// mapData is what map.html receives as the page's Data.
type mapData struct {
	Day, From, To, Side, Category, Status, BBox, Zoom string
	Sides, Categories, Statuses                       []option
	Layers                                            []string
	Rows                                              []mapRow
	Aggregated                                        []string
	FieldError, FieldName                             string
	Basemap, List                                     bool
}

func (s *Pages) mapPages(page func(method, path string, h http.HandlerFunc)) {
	page("GET", "/map", s.mapView)
	if s.Config.Basemap != "" {
		page("GET", "/basemap.pmtiles", s.basemap)
	}
}

// mapView renders /map: the filters as a form (they work as query
// parameters without JavaScript), the map, and the list of what is in
// view (filled by map.js, or rendered here with list=1, so that it works
// without JavaScript too).
func (s *Pages) mapView(w http.ResponseWriter, r *http.Request) {
	p, sess, err := s.Auth.Principal(w, r)
	if err != nil || !p.Authenticated() {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	q := r.URL.Query()
	page := s.newPage(r, p, sess, "map.title", "map")
	page.JSKeys = mapMessages
	pg := &mapData{Basemap: s.Config.Basemap != "", Layers: mapview.Layers}
	page.Data = pg
	pg.Day, pg.From, pg.To = q.Get("day"), q.Get("from"), q.Get("to")
	pg.Side, pg.Category, pg.Status = q.Get("side"), q.Get("category"), q.Get("status")
	pg.BBox, pg.Zoom = q.Get("bbox"), q.Get("zoom")
	if pg.BBox == "" {
		pg.BBox = defaultMapBBox
	}
	if pg.Zoom == "" {
		pg.Zoom = defaultMapZoom
	}
	for _, c := range incident.Categories {
		pg.Categories = append(pg.Categories, option{c.Code, c.Code})
	}
	for _, st := range append([]string{incident.StatusLodged, incident.StatusWithdrawn}, incident.Statuses...) {
		pg.Statuses = append(pg.Statuses, option{st, st})
	}
	parties, err := s.Agreements.Parties(r.Context(), p)
	if err != nil {
		httpx.WriteProblem(w, r, s.Log, err)
		return
	}
	for _, o := range parties {
		name := o.ShortName
		if name == "" {
			name = o.Name
		}
		pg.Sides = append(pg.Sides, option{o.ID, name})
	}
	status := http.StatusOK
	// The form's empty fields are absent filters, not errors.
	clean := url.Values{"bbox": {pg.BBox}, "zoom": {pg.Zoom}}
	for k, v := range map[string]string{"day": pg.Day, "from": pg.From, "to": pg.To, "side": pg.Side, "category": pg.Category, "status": pg.Status, "layers": q.Get("layers")} {
		if v != "" {
			clean.Set(k, v)
		}
	}
	mq, err := mapview.ParseRequest(clean)
	// The list is rendered here only when asked for (list=1, a button of
	// the form): with JavaScript, map.js fills it from the map's own
	// request, and the page does not query the view twice.
	pg.List = q.Get("list") == "1"
	if err == nil && pg.List {
		var view mapview.View
		if view, err = s.Map.Features(r.Context(), p, mq); err == nil {
			pg.Rows, pg.Aggregated = mapRows(view)
		}
	}
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.CodeInvalid {
			httpx.WriteProblem(w, r, s.Log, err)
			return
		}
		pg.FieldName, pg.FieldError = e.Field, errs.MessageOf(err)
		status = http.StatusBadRequest
	}
	s.render.Render(w, status, "map", page)
}

// mapRows lists the records of a view, for the list equivalent.
func mapRows(view mapview.View) ([]mapRow, []string) {
	var rows []mapRow
	var aggregated []string
	for _, layer := range mapview.Layers {
		fc := view.Layers[layer]
		if fc == nil {
			continue
		}
		if view.Aggregated[layer] {
			aggregated = append(aggregated, layer)
		}
		for _, f := range fc.Features {
			kind := stringOf(f.Properties["kind"])
			if kind == "sector" || kind == "corridor_centre" {
				continue
			}
			row := mapRow{Layer: layer, Kind: kind, Label: stringOf(f.Properties["label"]), URL: stringOf(f.Properties["url"])}
			if n, ok := f.Properties["count"].(int); ok {
				row.Count = n
			}
			for _, k := range []string{"status", "category", "subkind", "start"} {
				if v := stringOf(f.Properties[k]); v != "" && v != row.Label {
					if row.Detail != "" {
						row.Detail += " · "
					}
					row.Detail += v
				}
			}
			rows = append(rows, row)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Layer < rows[j].Layer })
	return rows, aggregated
}

func stringOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	default:
		return fmt.Sprint(x)
	}
}

// basemap serves the operator's PMTiles file; http.ServeContent answers
// the Range requests the pmtiles protocol makes.
func (s *Pages) basemap(w http.ResponseWriter, r *http.Request) {
	p, _, err := s.Auth.Principal(w, r)
	if err != nil {
		httpx.WriteProblem(w, r, s.Log, err)
		return
	}
	if !p.Authenticated() && !s.Config.PublicView {
		httpx.WriteProblem(w, r, s.Log, errs.Unauthenticated("sign in to read the basemap"))
		return
	}
	f, err := os.Open(s.Config.Basemap)
	if err != nil {
		httpx.WriteProblem(w, r, s.Log, fmt.Errorf("basemap: %w", err))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		httpx.WriteProblem(w, r, s.Log, fmt.Errorf("basemap: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/vnd.pmtiles")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "basemap.pmtiles", st.ModTime(), f)
}
