package mapview

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// MaxDownload is how many records of one kind a download holds at most;
// past it the reader is asked to narrow the view.
const MaxDownload = 50_000

// Download formats.
const (
	FormatGeoJSON = "geojson"
	FormatCSV     = "csv"
)

// DownloadRow is one record of a download: a point (one geometry type per
// file), with the words a reader needs besides the codes.
type DownloadRow struct {
	ID       string
	Kind     string // allegation, observation, incident
	Lat, Lon float64
	Category string
	Status   string
	Side     string
	Source   string
	Start    string
	Title    string
	URL      string
}

// Download lists the records of one kind (incidents, allegations or
// observations) in the view q that p may read, each one — never grid
// cells — with q's filters applied. More than MaxDownload is refused
// with an error naming bbox.
func (s *Service) Download(ctx context.Context, p access.Principal, q Request, kind string) ([]DownloadRow, error) {
	if !slices.Contains(incident.MapKinds, kind) {
		return nil, errs.Invalid("kind", "must be one of incidents, allegations, observations")
	}
	layers, err := s.Incidents.MapView(ctx, p, incident.MapQuery{BBox: q.BBox, Window: incident.Window{From: q.From, To: q.To},
		Kinds: []string{kind}, Side: q.Side, Category: q.Category, Status: q.Status, CellDeg: q.CellDegrees(), MaxPoints: MaxDownload})
	if err != nil {
		return nil, err
	}
	l := layers[kind]
	if l.Aggregated {
		return nil, errs.Invalid("bbox", "the view holds %d records, more than %d: zoom in or narrow the filters", l.Total, MaxDownload)
	}
	out := make([]DownloadRow, 0, len(l.Points))
	for _, m := range l.Points {
		out = append(out, DownloadRow{ID: m.ID, Kind: recordKind[kind], Lat: m.Lat, Lon: m.Lon, Category: m.Category, Status: m.Status,
			Side: m.Side, Source: m.Source, Start: m.Start, Title: m.Title, URL: recordPages[kind] + m.ID})
	}
	return out, nil
}

// WriteGeoJSON writes rows as a GeoJSON FeatureCollection of points.
func WriteGeoJSON(w io.Writer, rows []DownloadRow) error {
	fc := FeatureCollection{Type: "FeatureCollection", Features: make([]Feature, 0, len(rows))}
	for _, r := range rows {
		fc.Features = append(fc.Features, Feature{Type: "Feature", Geometry: geo.PointGeometry(geo.Point{Lat: r.Lat, Lon: r.Lon}),
			Properties: map[string]any{"id": r.ID, "kind": r.Kind, "category": r.Category, "status": r.Status, "side": r.Side,
				"source": r.Source, "start": r.Start, "title": r.Title, "url": r.URL}})
	}
	enc := json.NewEncoder(w)
	return enc.Encode(fc)
}

// WriteCSV writes rows as CSV with a header line; names are the words
// (side and category names) given by name, the codes kept beside them.
func WriteCSV(w io.Writer, rows []DownloadRow, name func(field, code string) string) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "kind", "lat", "lon", "start", "category", "category_name", "status", "status_name", "side", "side_name", "source", "title", "url"})
	for _, r := range rows {
		rec := []string{r.ID, r.Kind, strconv.FormatFloat(r.Lat, 'f', -1, 64), strconv.FormatFloat(r.Lon, 'f', -1, 64), r.Start,
			r.Category, name("category", r.Category), r.Status, name("status", r.Status), r.Side, name("side", r.Side), r.Source, csvSafe(r.Title), r.URL}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a text cell as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
