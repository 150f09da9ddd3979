package exchange

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// kmlTestTable has a column of every type and the columns the writer
// takes a Placemark's name, description and times from.
func kmlTestTable(name string, g geo.GeometryType) Table {
	return Table{Name: name, Title: "Test <" + name + "> & co", Geometry: g, Columns: []Column{
		{Name: "id", Type: Text},
		{Name: "external_id", Type: Text},
		{Name: "name", Type: Text},
		{Name: "narrative", Type: Text},
		{Name: "count", Type: Integer},
		{Name: "width_m", Type: Real},
		{Name: "verified", Type: Bool},
		{Name: "day", Type: Date},
		{Name: "time_from", Type: DateTime},
		{Name: "time_to", Type: DateTime},
	}}
}

func kmlTestRows() []Row {
	t0 := time.Date(2021, 6, 10, 14, 30, 0, 0, time.UTC)
	sq := func(x, y, d float64) geo.Polygon {
		return geo.Polygon{{Lon: x, Lat: y}, {Lon: x + d, Lat: y}, {Lon: x + d, Lat: y + d}, {Lon: x, Lat: y + d}, {Lon: x, Lat: y}}
	}
	pt := geo.PointGeometry(geo.Point{Lat: 39.81, Lon: 46.75})
	line := geo.LineGeometry(geo.Line{{Lat: 39.8, Lon: 46.7}, {Lat: 39.9, Lon: 46.8}, {Lat: 40.0, Lon: 46.85}})
	holed := geo.PolygonGeometry(sq(46, 39, 1))
	holed.Holes = []geo.Polygon{sq(46.2, 39.2, 0.2), sq(46.6, 39.6, 0.1)}
	multi := geo.Geometry{Type: geo.TypeMultiPolygon, Areas: []geo.Area{{Outer: sq(45, 40, 0.5)}, {Outer: sq(47, 40, 0.5), Holes: []geo.Polygon{sq(47.1, 40.1, 0.1)}}}}
	mpts := geo.Geometry{Type: geo.TypeMultiPoint, Points: []geo.Point{{Lat: 40, Lon: 46}, {Lat: 40.1, Lon: 46.1}}}
	mlines := geo.Geometry{Type: geo.TypeMultiLineString, Lines: []geo.Line{{{Lat: 40, Lon: 46}, {Lat: 40.1, Lon: 46.1}}, {{Lat: 41, Lon: 46}, {Lat: 41.1, Lon: 46.1}}}}
	return []Row{
		{Geom: &pt, Values: []any{"a1", "ext-1", "Shelling near Şuşa / Шуши — \"quoted\" <b>&</b>", "Line one\nline two, with ünïcode and العربية", int64(3), 12.5, true,
			time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC), t0, t0.Add(90 * time.Minute)}},
		{Geom: &line, Values: []any{"a2", nil, "Second", nil, int64(-7), 0.000001, false, nil, t0, nil}},
		{Geom: &holed, Values: []any{"a3", "ext-3", "Holed", "", int64(0), 1e21, nil, nil, nil, nil}},
		{Geom: &multi, Values: []any{"a4", "ext-4", "Multi", nil, nil, nil, nil, nil, nil, nil}},
		{Geom: &mpts, Values: []any{"a5", "ext-5", "Points", nil, nil, nil, nil, nil, nil, nil}},
		{Geom: &mlines, Values: []any{"a6", "ext-6", nil, nil, nil, nil, nil, nil, nil, nil}},
		{Geom: nil, Values: []any{"a7", "ext-7", "Nowhere", nil, nil, nil, nil, nil, nil, nil}},
	}
}

func writeKML(t testing.TB, tables []Table, rows [][]Row) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewKMLWriter(&buf, "Truce test export")
	for i, tb := range tables {
		if err := w.Begin(tb); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows[i] {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAllOK(t testing.TB, r FeatureReader) []Feature {
	t.Helper()
	var out []Feature
	for {
		f, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("feature %d: %v", len(out)+1, err)
		}
		out = append(out, f)
	}
}

// wantFeatures is what a reader must give back for rows of table t.
func wantFeatures(t Table, rows []Row, first int) []Feature {
	var out []Feature
	for i, r := range rows {
		f := Feature{Number: first + i, Geom: r.Geom, Props: map[string]any{}}
		for j, c := range t.Columns {
			v := r.Values[j]
			if s, ok := v.(string); ok && s == "" {
				v = nil // an empty text reads back as no value
			}
			if v != nil || c.Name != "" {
				f.Props[c.Name] = v
			}
			if v == nil {
				delete(f.Props, c.Name)
			}
		}
		out = append(out, f)
	}
	return out
}

func dropNil(fs []Feature) {
	for _, f := range fs {
		for k, v := range f.Props {
			if v == nil {
				delete(f.Props, k)
			}
		}
	}
}

func TestKMLRoundTrip(t *testing.T) {
	tb := kmlTestTable("things", "")
	rows := kmlTestRows()
	doc := writeKML(t, []Table{tb, kmlTestTable("others", geo.TypePoint)}, [][]Row{rows, rows[:1]})
	want := append(wantFeatures(tb, rows, 1), wantFeatures(tb, rows[:1], len(rows)+1)...)

	got := readAllOK(t, NewKMLReader(bytes.NewReader(doc), tb.Columns))
	dropNil(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v\n%s", got, want, doc)
	}

	// Without the columns, the Schema types the numbers and booleans;
	// dates stay text.
	untyped := readAllOK(t, NewKMLReader(bytes.NewReader(doc), nil))
	if v := untyped[0].Props["count"]; v != int64(3) {
		t.Errorf("count by the Schema: %#v", v)
	}
	if v := untyped[0].Props["time_from"]; v != "2021-06-10T14:30:00Z" {
		t.Errorf("time_from by the Schema: %#v", v)
	}

	// KMZ: the same document zipped.
	kmz := zipOf(t, map[string][]byte{"images/x.png": []byte("png"), "doc.kml": doc})
	r, err := NewKMZReader(bytes.NewReader(kmz), int64(len(kmz)), tb.Columns)
	if err != nil {
		t.Fatal(err)
	}
	got = readAllOK(t, r)
	dropNil(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("KMZ round trip differs")
	}
}

func TestKMLWriterParts(t *testing.T) {
	tb := kmlTestTable("things", "")
	doc := string(writeKML(t, []Table{tb}, [][]Row{kmlTestRows()[:1]}))
	for _, want := range []string{
		`<kml xmlns="http://www.opengis.net/kml/2.2">`,
		`<SimpleField type="int" name="count"/>`,
		`<TimeSpan><begin>2021-06-10T14:30:00Z</begin><end>2021-06-10T16:00:00Z</end></TimeSpan>`,
		`<coordinates>46.75,39.81</coordinates>`,
		`&#34;quoted&#34; &lt;b&gt;&amp;&lt;/b&gt;`,
		`<name>Test &lt;things&gt; &amp; co</name>`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("no %s in\n%s", want, doc)
		}
	}
	// Invalid UTF-8 never reaches the file.
	bad := kmlTestRows()[1]
	bad.Values = append([]any(nil), bad.Values...)
	bad.Values[2] = "bad \xff byte and a \x01 control"
	out := writeKML(t, []Table{tb}, [][]Row{{bad}})
	if !bytes.Contains(out, []byte("bad \uFFFD byte")) || bytes.Contains(out, []byte{0x01}) {
		t.Errorf("invalid text written:\n%s", out)
	}
	f := readAllOK(t, NewKMLReader(bytes.NewReader(out), tb.Columns))
	if f[0].Props["name"] != "bad \uFFFD byte and a \uFFFD control" {
		t.Errorf("%q", f[0].Props["name"])
	}
}

func zipOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	names := []string{}
	for n := range files {
		names = append(names, n)
	}
	// doc.kml last, to show it is found wherever it is.
	for _, n := range names {
		if n == "doc.kml" {
			continue
		}
		w, _ := z.Create(n)
		w.Write(files[n])
	}
	if d, ok := files["doc.kml"]; ok {
		w, _ := z.Create("doc.kml")
		w.Write(d)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const kmlHead = `<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>`

func kmlOf(placemarks ...string) string {
	return kmlHead + "<Folder>" + strings.Join(placemarks, "") + "</Folder></Document></kml>"
}

func TestKMLReadsForeignFiles(t *testing.T) {
	// A file from Google Earth: no Schema, Data/value, nested folders,
	// altitudes, older KML 2.1 namespace, several rings in one
	// innerBoundaryIs.
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://earth.google.com/kml/2.1"><Document><Folder><name>A</name><Folder>
<Placemark><name> Post 7 </name><description>On the hill</description>
<ExtendedData><Data name="kind"><value>site</value></Data></ExtendedData>
<Point><coordinates>46.1,39.5,120</coordinates></Point></Placemark>
</Folder></Folder>
<Placemark><name>Zone</name><MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>
 46,39,0 47,39,0 47,40,0 46,40,0 46,39,0
</coordinates></LinearRing></outerBoundaryIs><innerBoundaryIs>
<LinearRing><coordinates>46.1,39.1 46.2,39.1 46.2,39.2 46.1,39.1</coordinates></LinearRing>
<LinearRing><coordinates>46.5,39.5 46.6,39.5 46.6,39.6 46.5,39.5</coordinates></LinearRing>
</innerBoundaryIs></Polygon></MultiGeometry></Placemark>
</Document></kml>`
	fs := readAllOK(t, NewKMLReader(strings.NewReader(doc), nil))
	if len(fs) != 2 {
		t.Fatalf("%d features", len(fs))
	}
	if fs[0].Props["name"] != "Post 7" || fs[0].Props["description"] != "On the hill" || fs[0].Props["kind"] != "site" {
		t.Errorf("props %v", fs[0].Props)
	}
	if *fs[0].Geom.Point != (geo.Point{Lon: 46.1, Lat: 39.5}) {
		t.Errorf("point %v", fs[0].Geom.Point)
	}
	if g := fs[1].Geom; g.Type != geo.TypeMultiPolygon || len(g.Areas) != 1 || len(g.Areas[0].Holes) != 2 || fs[1].Number != 2 {
		t.Errorf("zone %+v", g)
	}
}

func TestKMLBadInput(t *testing.T) {
	pm := func(inner string) string { return "<Placemark>" + inner + "</Placemark>" }
	point := "<Point><coordinates>46,40</coordinates></Point>"
	full := kmlOf(pm(point), pm(point))
	cases := []struct {
		name, doc string
		field     string // of the first error
		message   string // part of it
	}{
		{"empty", "", "file", "is empty"},
		{"not XML", "hello, world", "file", "not KML"},
		{"JSON", `{"type":"FeatureCollection"}`, "file", "not KML"},
		{"other XML", `<?xml version="1.0"?><gpx><wpt/></gpx>`, "file", "not KML"},
		{"truncated", full[:len(full)-40], "", "truncated"},
		{"invalid UTF-8", kmlOf(pm("<name>a\xffb</name>" + point)), "line 1", "UTF-8"},
		{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?><kml/>`, "file", "not in UTF-8"},
		{"swapped", kmlOf(pm("<Point><coordinates>40,146</coordinates></Point>")), "placemark 1: Point.coordinates[0]", "swapped"},
		{"out of range", kmlOf(pm("<Point><coordinates>190,100</coordinates></Point>")), "placemark 1: Point.coordinates[0]", "outside"},
		{"not a number", kmlOf(pm("<Point><coordinates>46,forty</coordinates></Point>")), "placemark 1: Point.coordinates[0]", "not a number"},
		{"two positions for a point", kmlOf(pm("<Point><coordinates>46,40 47,41</coordinates></Point>")), "placemark 1: Point.coordinates", "one position"},
		{"unclosed ring", kmlOf(pm("<Polygon><outerBoundaryIs><LinearRing><coordinates>46,40 47,40 47,41 46,41</coordinates></LinearRing></outerBoundaryIs></Polygon>")),
			"placemark 1: Polygon.outerBoundaryIs.LinearRing.coordinates", "not closed"},
		{"no outer ring", kmlOf(pm("<Polygon></Polygon>")), "placemark 1: Polygon.outerBoundaryIs", "required"},
		{"mixed multi", kmlOf(pm(point), pm("<MultiGeometry>"+point+"<LineString><coordinates>46,40 47,41</coordinates></LineString></MultiGeometry>")),
			"placemark 2: MultiGeometry", "mixes Point and LineString"},
		{"model", kmlOf(pm("<Model><Location/></Model>")), "placemark 1: Model", "cannot import"},
		{"two geometries", kmlOf(pm(point + point)), "placemark 1: Point", "one geometry"},
		{"bad typed value", kmlOf(pm(`<ExtendedData><Data name="count"><value>three</value></Data></ExtendedData>` + point)),
			"placemark 1: ExtendedData.count", "not a whole number"},
		{"local date", kmlOf(pm(`<ExtendedData><Data name="day"><value>12/06/2021</value></Data></ExtendedData>` + point)),
			"placemark 1: ExtendedData.day", "ambiguous between day and month"},
		{"duplicate value", kmlOf(pm(`<ExtendedData><Data name="name"><value>a</value></Data><Data name="name"><value>b</value></Data></ExtendedData>`)),
			"placemark 1: ExtendedData.name", "twice"},
	}
	cols := kmlTestTable("t", "").Columns
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewKMLReader(strings.NewReader(c.doc), cols)
			var err error
			for err == nil {
				_, err = r.Next()
			}
			if err == io.EOF {
				t.Fatal("no error")
			}
			if errs.CodeOf(err) != errs.CodeInvalid && errs.CodeOf(err) != errs.CodeTooLarge {
				t.Errorf("code %s: %v", errs.CodeOf(err), err)
			}
			if (c.field != "" && errs.FieldOf(err) != c.field) || !strings.Contains(err.Error(), c.message) {
				t.Errorf("got %q (field %q), want field %q and %q", err, errs.FieldOf(err), c.field, c.message)
			}
		})
	}
}

func TestKMLReaderGoesOnAfterABadPlacemark(t *testing.T) {
	doc := kmlOf(
		"<Placemark><Point><coordinates>46,40</coordinates></Point></Placemark>",
		"<Placemark><Point><coordinates>x</coordinates></Point></Placemark>",
		"<Placemark><Point><coordinates>46,41</coordinates></Point></Placemark>")
	r := NewKMLReader(strings.NewReader(doc), nil)
	var numbers []int
	var bad []string
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			bad = append(bad, errs.FieldOf(err))
			continue
		}
		numbers = append(numbers, f.Number)
	}
	if !reflect.DeepEqual(numbers, []int{1, 3}) || !reflect.DeepEqual(bad, []string{"placemark 2: Point.coordinates[0]"}) {
		t.Fatalf("good %v, bad %v", numbers, bad)
	}
}

func TestKMZBadInput(t *testing.T) {
	bomb := func() []byte {
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		w, _ := z.Create("doc.kml")
		w.Write([]byte(kmlHead))
		zeros := make([]byte, 1<<20)
		for range 300 { // 300 MB of spaces-like zeros compress to ~300 KB
			w.Write(zeros)
		}
		z.Close()
		return buf.Bytes()
	}()
	cases := []struct {
		name    string
		data    []byte
		code    errs.Code
		message string
	}{
		{"not a zip", []byte("PK\x03\x04 but not really a zip"), errs.CodeInvalid, "is not a KMZ"},
		{"no kml", zipOf(t, map[string][]byte{"a.txt": []byte("x")}), errs.CodeInvalid, "no .kml document"},
		{"bomb", bomb, errs.CodeTooLarge, "zip bomb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewKMZReader(bytes.NewReader(c.data), int64(len(c.data)), nil)
			if err == nil || errs.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.message) {
				t.Fatalf("got %v", err)
			}
		})
	}
	// The first .kml when there is no doc.kml.
	other := zipOf(t, map[string][]byte{"files/layer.KML": []byte(kmlOf("<Placemark><Point><coordinates>46,40</coordinates></Point></Placemark>"))})
	r, err := NewKMZReader(bytes.NewReader(other), int64(len(other)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if fs := readAllOK(t, r); len(fs) != 1 {
		t.Fatalf("%d features", len(fs))
	}
}

// TestKMZGuardCatchesALyingHeader: an archive whose header declares a
// small document that inflates to more is stopped.
func TestKMZGuardCatchesALyingHeader(t *testing.T) {
	g := &kmzGuard{r: strings.NewReader("0123456789"), left: 4, compressed: 4, where: "file doc.kml"}
	_, err := io.ReadAll(g)
	if errs.CodeOf(err) != errs.CodeTooLarge {
		t.Fatalf("%v", err)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Field != "file doc.kml" {
		t.Fatalf("%v", err)
	}
}

// TestKMLOpensInGDAL writes every geometry type, one table per folder,
// and asks ogrinfo to read it: no warning, the features counted right.
func TestKMLOpensInGDAL(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("TRUCE_REQUIRE_GDAL") == "1" {
			t.Fatal("ogrinfo is required (TRUCE_REQUIRE_GDAL=1) but not found")
		}
		t.Skip("SKIP: ogrinfo (GDAL) not installed; the KML file is not checked by GDAL")
	}
	rows := kmlTestRows()
	points := kmlTestTable("points", geo.TypePoint)
	areas := kmlTestTable("areas", geo.TypePolygon)
	doc := writeKML(t, []Table{points, areas}, [][]Row{{rows[0], rows[6]}, {rows[2]}})
	dir := t.TempDir()
	path := filepath.Join(dir, "export.kml")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	kmz := filepath.Join(dir, "export.kmz")
	if err := os.WriteFile(kmz, zipOf(t, map[string][]byte{"doc.kml": doc}), 0o600); err != nil {
		t.Fatal(err)
	}
	// GDAL has two KML drivers; each is checked by skipping the other.
	for _, driver := range []string{"KML", "LIBKML"} {
		skip := map[string]string{"KML": "LIBKML", "LIBKML": "KML"}[driver]
		for _, file := range []string{path, kmz} {
			if driver == "KML" && file == kmz {
				continue // the plain KML driver does not open KMZ
			}
			cmd := exec.Command(ogrinfo, "--config", "GDAL_SKIP", skip, "-al", "-so", file)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("ogrinfo %s %s: %v\n%s\n%s", driver, filepath.Base(file), err, stderr.Bytes(), out)
			}
			wants := []string{"Layer name: Test <points> & co", "Layer name: Test <areas> & co",
				"Extent: (46.000000, 39.000000) - (47.000000, 40.000000)"}
			if driver == "LIBKML" {
				// LIBKML reads the Schema: the columns keep their types.
				wants = append(wants, "Feature Count: 2", "count: Integer", "width_m: Real", "time_from: String")
			}
			for _, want := range wants {
				if !strings.Contains(string(out), want) {
					t.Errorf("ogrinfo %s %s: no %q in\n%s", driver, filepath.Base(file), want, out)
				}
			}
		}
	}
}
