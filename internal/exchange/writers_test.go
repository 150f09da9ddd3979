package exchange

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

var testTable = Table{Name: "things", Title: "Things", Geometry: geo.TypeMultiPolygon, Columns: []Column{
	{Name: "id", Type: Text, HXL: "#meta+id", Doc: "id"},
	{Name: "note", Type: Text, HXL: "#description", Doc: "note"},
	{Name: "n", Type: Integer, Doc: "n"},
	{Name: "x", Type: Real, HXL: "#x", Doc: "x"},
	{Name: "ok", Type: Bool, Doc: "ok"},
	{Name: "day", Type: Date, HXL: "#date", Doc: "day"},
	{Name: "at", Type: DateTime, Doc: "at"},
}}

// A square with a square hole, both given clockwise and the hole open.
var square = geo.Polygon{{Lat: 0, Lon: 0}, {Lat: 1, Lon: 0}, {Lat: 1, Lon: 1}, {Lat: 0, Lon: 1}, {Lat: 0, Lon: 0}}
var hole = geo.Polygon{{Lat: 0.2, Lon: 0.2}, {Lat: 0.2, Lon: 0.8}, {Lat: 0.8, Lon: 0.8}, {Lat: 0.8, Lon: 0.2}}

var testAt = time.Date(2021, 6, 10, 6, 30, 0, 0, time.FixedZone("AZT", 4*3600))

func testRow() Row {
	return Row{Geom: &geo.Geometry{Type: geo.TypeMultiPolygon, Areas: []geo.Area{{Outer: square, Holes: []geo.Polygon{hole}}}},
		Values: []any{"t1", "a \"quoted\", multi\nline\ttext \x01 bad\xff end \u2028", int64(-3), 0.1, true, time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC), testAt}}
}

func TestGeoJSONWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewGeoJSONWriter(&buf)
	if err := w.Begin(testTable); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(testRow()); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Row{Values: make([]any, len(testTable.Columns))}); err != nil {
		t.Fatal(err)
	}
	if err := w.Begin(testTable); errs.FieldOf(err) != "format" {
		t.Errorf("a second table: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			ID       string
			Geometry *struct {
				Type        string
				Coordinates [][][][2]float64
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &fc); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if len(fc.Features) != 2 || fc.Features[0].ID != "t1" || fc.Features[1].Geometry != nil {
		t.Fatalf("%s", buf.Bytes())
	}
	rings := fc.Features[0].Geometry.Coordinates[0]
	ringArea := func(r [][2]float64) float64 {
		var a float64
		for i := 0; i+1 < len(r); i++ {
			a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
		}
		return a
	}
	if len(rings) != 2 || ringArea(rings[0]) <= 0 || ringArea(rings[1]) >= 0 {
		t.Errorf("rings not by the right-hand rule: %v", rings)
	}
	if h := rings[1]; h[0] != h[len(h)-1] || len(h) != 5 {
		t.Errorf("the open hole was not closed: %v", h)
	}
	p := fc.Features[0].Properties
	want := map[string]any{"id": "t1", "note": "a \"quoted\", multi\nline\ttext \x01 bad\ufffd end \u2028", "n": -3.0, "x": 0.1, "ok": true,
		"day": "2021-06-10", "at": "2021-06-10T02:30:00Z"}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %#v, want %#v", k, p[k], v)
		}
	}
	for k, v := range fc.Features[1].Properties {
		if v != nil {
			t.Errorf("empty row: %s = %v", k, v)
		}
	}
}

func TestWritersRefuseWrongValues(t *testing.T) {
	for _, format := range []string{FormatGeoJSON, FormatCSV} {
		for name, row := range map[string]Row{
			"an int in an integer column": {Values: []any{"t", nil, 3, nil, nil, nil, nil}},
			"a string in a date column":   {Values: []any{"t", nil, nil, nil, nil, "2021-06-10", nil}},
			"too few values":              {Values: []any{"t"}},
			"a point in a polygon table":  {Geom: &geo.Geometry{Type: geo.TypePoint, Point: &geo.Point{}}, Values: make([]any, 7)},
		} {
			w, _ := NewWriter(format, &bytes.Buffer{})
			w.Begin(testTable)
			if err := w.Write(row); err == nil {
				t.Errorf("%s: %s accepted", format, name)
			}
		}
	}
	var buf bytes.Buffer
	w := NewGeoJSONWriter(&buf)
	w.Begin(testTable)
	r := testRow()
	r.Values[3] = math.NaN()
	err := w.Write(r)
	w.Close()
	if err != nil || !strings.Contains(buf.String(), `"x":null`) {
		t.Errorf("NaN: %v", err)
	}
}

func TestCSVWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	if err := w.Begin(testTable); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(testRow()); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Row{Values: make([]any, len(testTable.Columns))}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("id,note,")) || !bytes.Contains(buf.Bytes(), []byte("\r\n")) {
		t.Fatalf("%q", buf.Bytes())
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	if got := strings.Join(recs[1], ","); got != "#meta+id,#description,,#x,,#date,,#geo+wkt" {
		t.Errorf("HXL row %q", got)
	}
	want := []string{"t1", "a \"quoted\", multi\nline\ttext \x01 bad\xff end \u2028", "-3", "0.1", "true", "2021-06-10", "2021-06-10T02:30:00Z",
		"MULTIPOLYGON (((0 0, 0 1, 1 1, 1 0, 0 0), (0.2 0.2, 0.8 0.2, 0.8 0.8, 0.2 0.8, 0.2 0.2)))"}
	for i := range want {
		if recs[2][i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, recs[2][i], want[i])
		}
	}
	for i, f := range recs[3] {
		if f != "" {
			t.Errorf("empty row field %d = %q", i, f)
		}
	}
}

// FuzzExportRequest: whatever the kind, format and filters, planning an
// export either succeeds or refuses with an invalid error naming a field;
// it never panics and reads nothing.
func FuzzExportRequest(f *testing.F) {
	f.Add("allegations", "csv", "category=other&from=2021-06-01")
	f.Add("layers", "geojson", "kind=zone&at=2021-01-01T00:00:00Z")
	f.Add("crossings", "csv", "from=2021-06-10&to=2021-06-01&flagged=1")
	f.Add("persons_held", "gpkg", "held_by=x&held_by=y")
	f.Add("observations", "geojson", "bbox=1,2,3,4")
	s := New(Deps{})
	f.Fuzz(func(t *testing.T, kind, format, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		analyst := access.Principal{UserID: "u", Org: "o", Roles: []access.Role{access.Analyst}}
		tables, err := s.Plan(analyst, ExportRequest{Kind: kind, Format: format, Filter: v})
		if err != nil {
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) == "" {
				t.Fatalf("%q %q %q: %v is not an invalid error naming a field", kind, format, query, err)
			}
			return
		}
		if len(tables) == 0 || (Formats[format].OneTable && len(tables) != 1) {
			t.Fatalf("%q %q: %d tables", kind, format, len(tables))
		}
	})
}
