package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mapview"
	"github.com/truce-monitoring/truce/internal/web"
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

// mapJSKeys are mapMessages with the words the popups use.
func mapJSKeys() []string {
	keys := append([]string{}, mapMessages...)
	keys = append(keys, "dash.map.popup.side", "dash.map.popup.when", "dash.map.popup.status", "dash.map.status.lodged", "dash.map.status.withdrawn")
	for _, c := range incident.Categories {
		keys = append(keys, "category."+c.Code)
	}
	for _, st := range incident.Statuses {
		keys = append(keys, "status."+st)
	}
	return keys
}

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
	DayMin, DayMax                                    string // the first and last days with a report: the time slider's ends
}

// statusKey is the message key of an allegation's or incident's status.
func statusKey(st string) string {
	if st == incident.StatusLodged || st == incident.StatusWithdrawn {
		return "dash.map.status." + st
	}
	return "status." + st
}

// mapDownload answers the records of one kind in the map's view, with
// its filters, as GeoJSON points or CSV (mapview.Service.Download).
func (s *Pages) mapDownload(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "map.title", "map")
	if !ok {
		return
	}
	q := r.URL.Query()
	clean := url.Values{}
	for _, k := range []string{"bbox", "zoom", "day", "from", "to", "side", "category", "status"} {
		if v := q.Get(k); v != "" {
			clean.Set(k, v)
		}
	}
	if clean.Get("bbox") == "" {
		clean.Set("bbox", defaultMapBBox)
	}
	if clean.Get("zoom") == "" {
		clean.Set("zoom", defaultMapZoom)
	}
	mq, err := mapview.ParseRequest(clean)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	kind, format := q.Get("kind"), q.Get("format")
	if format != mapview.FormatGeoJSON && format != mapview.FormatCSV {
		s.pageFail(w, r, pg, errs.Invalid("format", "must be geojson or csv"))
		return
	}
	rows, err := s.Map.Download(r.Context(), p, mq, kind)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	name := "truce-" + kind + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	if format == mapview.FormatCSV {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		err = mapview.WriteCSV(w, rows, func(field, code string) string {
			switch {
			case code == "":
				return ""
			case field == "category":
				return pg.T("category." + code)
			case field == "status":
				return pg.T(statusKey(code))
			case field == "side":
				return pg.Org(code)
			}
			return code
		})
	} else {
		w.Header().Set("Content-Type", "application/geo+json")
		err = mapview.WriteGeoJSON(w, rows)
	}
	if err != nil {
		s.Log.Warn("map download", "err", err)
	}
}

func (s *Pages) mapPages(page func(method, path string, h http.HandlerFunc)) {
	page("GET", "/map", s.mapView)
	page("GET", "/map/download", s.mapDownload)
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
	page.JSKeys = mapJSKeys()
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
		pg.Categories = append(pg.Categories, option{c.Code, page.T("category." + c.Code)})
	}
	for _, st := range append([]string{incident.StatusLodged, incident.StatusWithdrawn}, incident.Statuses...) {
		pg.Statuses = append(pg.Statuses, option{st, page.T(statusKey(st))})
	}
	if s.dash != nil {
		first, last, err := s.dash.ReportDays(r.Context(), p)
		if err != nil {
			httpx.WriteProblem(w, r, s.Log, err)
			return
		}
		if !first.IsZero() {
			pg.DayMin, pg.DayMax = first.Format(time.DateOnly), last.Format(time.DateOnly)
		}
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
			pg.Rows, pg.Aggregated = mapRows(page, view)
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
func mapRows(pg *web.Page, view mapview.View) ([]mapRow, []string) {
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
			if c := stringOf(f.Properties["category"]); c != "" && (kind == "allegation" || kind == "observation") {
				row.Label = pg.T("category." + c)
			}
			if n, ok := f.Properties["count"].(int); ok {
				row.Count = n
			}
			for _, k := range []string{"status", "category", "start"} {
				v := stringOf(f.Properties[k])
				switch {
				case v == "":
					continue
				case k == "status" && slices.Contains(incident.MapKinds, layer):
					v = pg.T(statusKey(v))
				case k == "status":
					continue
				case k == "category":
					v = pg.T("category." + v)
				}
				if v != row.Label {
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
