package exchange_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/exchange"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/pgtest"
)

// TestMain runs the tests on SQLite, then on PostgreSQL (pgtest.Main).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// today is the fixture's clock: after every demo record.
var today = time.Date(2022, 1, 1, 8, 0, 0, 0, time.UTC)

type fixture struct {
	app    *app.App
	loaded *demo.Loaded
}

// open loads the demo, every kind of record, into a new store.
func open(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{Dir: t.TempDir(), Database: pgtest.Database(t, ""), Synchronous: "normal", Version: "test",
		Now: func() time.Time { return today }, Rand: rand.NewChaCha8([32]byte{7})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	loaded, err := demo.Load(ctx, a.Services.Demo())
	if err != nil {
		t.Fatal(err)
	}
	a.Incidents.WaitIdle()
	return &fixture{app: a, loaded: loaded}
}

// as is a principal of role in the demo organisation org (JMC, ICRC, OSCE…).
func (f *fixture) as(role access.Role, org string) access.Principal {
	return access.Principal{UserID: "test-" + string(role), Username: string(role), Org: f.loaded.Orgs[org],
		Roles: []access.Role{role}, Via: "session"}
}

func (f *fixture) export(t testing.TB, p access.Principal, kind, format string, filter url.Values) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := f.app.Exchange.Export(context.Background(), p, exchange.ExportRequest{Kind: kind, Format: format, Filter: filter}, &buf); err != nil {
		t.Fatalf("export %s %s %v: %v", kind, format, filter, err)
	}
	return buf.Bytes()
}

// geoJSON is a FeatureCollection as RFC 7946 shapes it.
type geoJSON struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Features []struct {
		Type     string `json:"type"`
		ID       any    `json:"id"`
		Geometry *struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

// readGeoJSON reads an export back and checks it against its table:
// a FeatureCollection, every feature of the table's geometry type (or
// null), longitude then latitude in range, properties exactly the
// table's columns and each of its column's JSON type.
func readGeoJSON(t *testing.T, data []byte, table exchange.Table) geoJSON {
	t.Helper()
	var fc geoJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&fc); err != nil {
		t.Fatalf("%s: not JSON: %v\n%.500s", table.Name, err, data)
	}
	if fc.Type != "FeatureCollection" || fc.Name != table.Name {
		t.Fatalf("%s: type %q name %q", table.Name, fc.Type, fc.Name)
	}
	for i, ft := range fc.Features {
		if ft.Type != "Feature" {
			t.Fatalf("%s feature %d: type %q", table.Name, i, ft.Type)
		}
		if ft.Geometry != nil {
			if ft.Geometry.Type != string(table.Geometry) {
				t.Errorf("%s feature %d: geometry %s in a table of %q", table.Name, i, ft.Geometry.Type, table.Geometry)
			}
			g, err := geo.ParseGeometry(append(append([]byte(`{"type":"`+ft.Geometry.Type+`","coordinates":`), ft.Geometry.Coordinates...), '}'))
			if err != nil && ft.Geometry.Type != string(geo.TypeMultiPolygon) {
				t.Errorf("%s feature %d: geometry does not parse: %v", table.Name, i, err)
			}
			if g.Point != nil && (g.Point.Lon < -180 || g.Point.Lon > 180 || g.Point.Lat < -90 || g.Point.Lat > 90) {
				t.Errorf("%s feature %d: point %+v out of range", table.Name, i, g.Point)
			}
		}
		if len(ft.Properties) != len(table.Columns) {
			t.Errorf("%s feature %d: %d properties for %d columns", table.Name, i, len(ft.Properties), len(table.Columns))
		}
		for _, c := range table.Columns {
			v, ok := ft.Properties[c.Name]
			if !ok {
				t.Errorf("%s feature %d: no property %s", table.Name, i, c.Name)
				continue
			}
			if v == nil {
				continue
			}
			good := false
			switch c.Type {
			case exchange.Text:
				_, good = v.(string)
			case exchange.Integer:
				n, isNum := v.(json.Number)
				_, err := n.Int64()
				good = isNum && err == nil
			case exchange.Real:
				_, good = v.(json.Number)
			case exchange.Bool:
				_, good = v.(bool)
			case exchange.Date:
				s, _ := v.(string)
				_, err := time.Parse(time.DateOnly, s)
				good = err == nil
			case exchange.DateTime:
				s, _ := v.(string)
				_, err := time.Parse(time.RFC3339, s)
				good = err == nil && strings.HasSuffix(s, "Z")
			}
			if !good {
				t.Errorf("%s feature %d: %s = %#v is not a %s", table.Name, i, c.Name, v, c.Type)
			}
		}
	}
	return fc
}

// readCSV reads a CSV export back: the header, the HXL row, the rows.
func readCSV(t *testing.T, data []byte, table exchange.Table) [][]string {
	t.Helper()
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Fatalf("%s: CSV starts with a BOM", table.Name)
	}
	r := csv.NewReader(bytes.NewReader(data))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: CSV does not parse: %v", table.Name, err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s: %d lines, want a header and an HXL row", table.Name, len(recs))
	}
	var names, tags []string
	for _, c := range table.Columns {
		names = append(names, c.Name)
		tags = append(tags, c.HXL)
	}
	if table.Geometry != "" && table.Geometry != geo.TypePoint {
		names = append(names, exchange.WKTColumn.Name)
		tags = append(tags, exchange.WKTColumn.HXL)
	}
	if !slices.Equal(recs[0], names) {
		t.Errorf("%s: header %v, want %v", table.Name, recs[0], names)
	}
	if !slices.Equal(recs[1], tags) {
		t.Errorf("%s: HXL row %v, want %v", table.Name, recs[1], tags)
	}
	return recs[2:]
}

// Every kind exports to GeoJSON and CSV as a reader entitled to all of it
// sees it; both files read back and hold the same records.
func TestExportEveryKind(t *testing.T) {
	f := open(t)
	analyst := f.as(access.Analyst, "JMC")
	for _, table := range exchange.Tables() {
		t.Run(table.Name, func(t *testing.T) {
			fc := readGeoJSON(t, f.export(t, analyst, table.Name, exchange.FormatGeoJSON, nil), table)
			rows := readCSV(t, f.export(t, analyst, table.Name, exchange.FormatCSV, nil), table)
			if len(fc.Features) == 0 {
				t.Errorf("%s: no feature; the demo has some of every kind", table.Name)
			}
			if len(rows) != len(fc.Features) {
				t.Errorf("%s: %d CSV rows, %d features", table.Name, len(rows), len(fc.Features))
			}
			for i, ft := range fc.Features {
				if i < len(rows) && rows[i][0] != ft.Properties["id"] {
					t.Errorf("%s row %d: CSV id %s, GeoJSON id %v", table.Name, i, rows[i][0], ft.Properties["id"])
				}
				if ft.ID != ft.Properties["id"] {
					t.Errorf("%s feature %d: id %v, properties.id %v", table.Name, i, ft.ID, ft.Properties["id"])
				}
			}
		})
	}
}

// An export holds what the kind's list holds for the same filters, and
// a bad filter is refused naming the field, before anything is written.
func TestExportFilters(t *testing.T) {
	f := open(t)
	analyst := f.as(access.Analyst, "JMC")
	table, _ := exchange.TableNamed(exchange.TableAllegations)
	all := readGeoJSON(t, f.export(t, analyst, exchange.TableAllegations, exchange.FormatGeoJSON, nil), table)
	category := all.Features[0].Properties["category"].(string)
	some := readGeoJSON(t, f.export(t, analyst, exchange.TableAllegations, exchange.FormatGeoJSON, url.Values{"category": {category}}), table)
	if len(some.Features) == 0 || len(some.Features) >= len(all.Features) {
		t.Errorf("category=%s: %d of %d allegations", category, len(some.Features), len(all.Features))
	}
	for _, ft := range some.Features {
		if ft.Properties["category"] != category {
			t.Errorf("category=%s exported %v", category, ft.Properties["category"])
		}
	}
	sideA := f.loaded.Orgs["AZ"]
	bySide := readGeoJSON(t, f.export(t, analyst, exchange.TableAllegations, exchange.FormatGeoJSON, url.Values{"on_behalf_of": {sideA}}), table)
	for _, ft := range bySide.Features {
		if ft.Properties["on_behalf_of"] != sideA {
			t.Errorf("on_behalf_of=%s exported %v", sideA, ft.Properties["on_behalf_of"])
		}
	}
	zones, _ := exchange.TableNamed(exchange.TableZones)
	readGeoJSON(t, f.export(t, analyst, exchange.KindLayers, exchange.FormatGeoJSON, url.Values{"kind": {"zone"}}), zones)

	for _, c := range []struct {
		name, kind, format string
		filter             url.Values
		field              string
	}{
		{"unknown category", exchange.TableAllegations, exchange.FormatCSV, url.Values{"category": {"shelling"}}, "category"},
		{"bad from", exchange.TableAllegations, exchange.FormatCSV, url.Values{"from": {"10/06/2021"}}, "from"},
		{"to before from", exchange.TableCrossings, exchange.FormatCSV, url.Values{"from": {"2021-06-10T00:00:00Z"}, "to": {"2021-06-01T00:00:00Z"}}, "to"},
		{"bad bbox", exchange.TableObservations, exchange.FormatCSV, url.Values{"bbox": {"1,2,3"}}, "bbox"},
		{"a filter the list does not have", exchange.TableAllegations, exchange.FormatCSV, url.Values{"categroy": {"other"}}, "categroy"},
		{"unknown kind", "weather", exchange.FormatCSV, nil, "kind"},
		{"unknown format", exchange.TableAllegations, "xlsx", nil, "format"},
		{"four layer tables in one GeoJSON file", exchange.KindLayers, exchange.FormatGeoJSON, nil, "kind"},
		{"bad layer kind", exchange.KindLayers, exchange.FormatCSV, url.Values{"kind": {"road"}}, "kind"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := f.app.Exchange.Export(context.Background(), analyst, exchange.ExportRequest{Kind: c.kind, Format: c.format, Filter: c.filter}, &buf)
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != c.field {
				t.Fatalf("got %v (code %s field %q), want invalid %s", err, errs.CodeOf(err), errs.FieldOf(err), c.field)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before refusing", buf.Len())
			}
		})
	}
}

// Persons held: a reader the detainee service masks gets every personal
// column null and no geometry, and no identity appears anywhere in the
// file; a humanitarian officer gets the identities.
func TestExportPersonsHeldNeedToKnow(t *testing.T) {
	f := open(t)
	table, _ := exchange.TableNamed(exchange.TablePersonsHeld)
	full := readGeoJSON(t, f.export(t, f.as(access.Humanitarian, "ICRC"), exchange.TablePersonsHeld, exchange.FormatGeoJSON, nil), table)
	var identities []string
	for _, ft := range full.Features {
		for _, c := range []string{"surname", "first_names", "service_number", "father_first_name"} {
			if s, ok := ft.Properties[c].(string); ok && len(s) > 3 {
				identities = append(identities, s)
			}
		}
	}
	if len(identities) == 0 {
		t.Fatal("the humanitarian officer's export holds no identity")
	}
	observer := f.as(access.Observer, "OSCE")
	for _, format := range []string{exchange.FormatGeoJSON, exchange.FormatCSV} {
		data := f.export(t, observer, exchange.TablePersonsHeld, format, nil)
		for _, id := range identities {
			if bytes.Contains(data, []byte(id)) {
				t.Errorf("%s: the observer's export holds %q", format, id)
			}
		}
		if format != exchange.FormatGeoJSON {
			continue
		}
		fc := readGeoJSON(t, data, table)
		if len(fc.Features) != len(full.Features) {
			t.Errorf("observer sees %d persons, humanitarian %d", len(fc.Features), len(full.Features))
		}
		for i, ft := range fc.Features {
			if ft.Properties["masked"] != true {
				t.Errorf("feature %d: masked = %v", i, ft.Properties["masked"])
			}
			if ft.Geometry != nil {
				t.Errorf("feature %d: a masked person has a geometry", i)
			}
			for _, c := range table.Columns {
				if exchange.Personal(table.Name, c.Name) && ft.Properties[c.Name] != nil {
					t.Errorf("feature %d: personal %s = %v", i, c.Name, ft.Properties[c.Name])
				}
			}
		}
	}
}
