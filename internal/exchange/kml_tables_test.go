package exchange

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/geo"
)

// sampleRow is a row of t with a value of its type in every column and a
// geometry of the table's type.
func sampleRow(t Table, n int) Row {
	r := Row{Values: make([]any, len(t.Columns))}
	for i, c := range t.Columns {
		switch c.Type {
		case Text:
			r.Values[i] = fmt.Sprintf("%s %d ‹%s› & «ü»", c.Name, n, t.Name)
		case Integer:
			r.Values[i] = int64(n*100 + i)
		case Real:
			r.Values[i] = float64(n) + float64(i)/8
		case Bool:
			r.Values[i] = (n+i)%2 == 0
		case Date:
			r.Values[i] = time.Date(2021, 6, 1+n, 0, 0, 0, 0, time.UTC)
		case DateTime:
			r.Values[i] = time.Date(2021, 6, 1+n, 9, 30, i, 0, time.UTC)
		}
	}
	x, y := 46+float64(n)/10, 39.5+float64(n)/10
	sq := geo.Polygon{{Lon: x, Lat: y}, {Lon: x + 0.05, Lat: y}, {Lon: x + 0.05, Lat: y + 0.05}, {Lon: x, Lat: y + 0.05}, {Lon: x, Lat: y}}
	var g geo.Geometry
	switch t.Geometry {
	case geo.TypePoint:
		g = geo.PointGeometry(geo.Point{Lon: x, Lat: y})
	case geo.TypeLineString:
		g = geo.LineGeometry(geo.Line{{Lon: x, Lat: y}, {Lon: x + 0.1, Lat: y + 0.05}})
	case geo.TypePolygon:
		g = geo.PolygonGeometry(sq)
	case geo.TypeMultiPolygon:
		g = geo.Geometry{Type: geo.TypeMultiPolygon, Areas: []geo.Area{{Outer: sq}}}
	default:
		return r
	}
	r.Geom = &g
	return r
}

// TestKMLRoundTripsEveryTable writes each export table to KML and reads
// it back with the table's columns: the same properties and geometry.
func TestKMLRoundTripsEveryTable(t *testing.T) {
	for _, tb := range Tables() {
		t.Run(tb.Name, func(t *testing.T) {
			rows := []Row{sampleRow(tb, 1), sampleRow(tb, 2)}
			doc := writeKML(t, []Table{tb}, [][]Row{rows})
			got := readAllOK(t, NewKMLReader(bytes.NewReader(doc), tb.Columns))
			want := wantFeatures(tb, rows, 1)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("differs:\n got %+v\nwant %+v", got[0], want[0])
			}
		})
	}
}

// TestKMLOfEveryTableOpensInGDAL: one KML file with every table, each a
// layer for GDAL with its rows and columns, no warning.
func TestKMLOfEveryTableOpensInGDAL(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("TRUCE_REQUIRE_GDAL") == "1" {
			t.Fatal("ogrinfo is required (TRUCE_REQUIRE_GDAL=1) but not found")
		}
		t.Skip("SKIP: ogrinfo (GDAL) not installed; KML exports are not checked by GDAL")
	}
	tables := Tables()
	rows := make([][]Row, len(tables))
	for i, tb := range tables {
		rows[i] = []Row{sampleRow(tb, 1), sampleRow(tb, 2), sampleRow(tb, 3)}
	}
	path := filepath.Join(t.TempDir(), "all.kml")
	if err := os.WriteFile(path, writeKML(t, tables, rows), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ogrinfo, "--config", "GDAL_SKIP", "KML", "-al", "-so", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ogrinfo: %v\n%s", err, stderr.Bytes())
	}
	for _, tb := range tables {
		section := string(out)
		at := strings.Index(section, "Layer name: "+tb.Title+"\n")
		if at < 0 {
			t.Errorf("no layer %q", tb.Title)
			continue
		}
		section = section[at:]
		if next := strings.Index(section[1:], "Layer name: "); next >= 0 {
			section = section[:next+1]
		}
		if !strings.Contains(section, "Feature Count: 3") {
			t.Errorf("%s: not 3 features", tb.Name)
		}
		for _, c := range tb.Columns {
			if c.Name == "name" || c.Name == "description" {
				continue // LIBKML merges these with the Placemark's own
			}
			if !strings.Contains(section, "\n"+c.Name+": ") {
				t.Errorf("%s: no column %s", tb.Name, c.Name)
			}
		}
	}
}

// TestACLEDReaderSpeaksTheTables: every property the ACLED reader gives
// is a column of the kind it reads, and the ACLED and UCDP writers take
// the three event tables as they are.
func TestACLEDReaderSpeaksTheTables(t *testing.T) {
	var file bytes.Buffer
	for _, name := range []string{TableIncidents, TableAllegations, TableObservations} {
		tb, _ := TableNamed(name)
		file.Reset()
		for _, w := range []Writer{NewACLEDWriter(&file, ACLEDOptions{}), NewUCDPWriter(&bytes.Buffer{}, UCDPOptions{})} {
			if err := w.Begin(tb); err != nil {
				t.Fatal(err)
			}
			row := sampleRow(tb, 1)
			for i, c := range tb.Columns {
				switch c.Name {
				case "category":
					row.Values[i] = "heavy_weapons_fire"
				case "lat":
					row.Values[i] = 39.6
				case "lon":
					row.Values[i] = 46.1
				case "time_precision":
					row.Values[i] = "day"
				case "acled_event_type", "acled_sub_event_type":
					row.Values[i] = nil // taken from the category
				}
			}
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if name == TableIncidents {
			continue
		}
		r, err := NewACLEDReader(bytes.NewReader(file.Bytes()), name, ACLEDReadOptions{LodgedBy: "org"})
		if err != nil {
			t.Fatal(err)
		}
		fs := readAllOK(t, r)
		if len(fs) != 1 {
			t.Fatalf("%s: %d features", name, len(fs))
		}
		columns := map[string]bool{}
		for _, c := range tb.Columns {
			columns[c.Name] = true
		}
		for k := range fs[0].Props {
			if !columns[k] {
				t.Errorf("%s: the ACLED reader gives %q, which is no column of the table", name, k)
			}
		}
	}
}
