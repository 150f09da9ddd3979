package exchange

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// sampleGeometries holds one geometry of every type, near Lachin, with a
// hole where the type can hold one.
func sampleGeometries() map[geo.GeometryType]geo.Geometry {
	ring := func(lon, lat, d float64) geo.Polygon {
		return geo.Polygon{{Lat: lat, Lon: lon}, {Lat: lat, Lon: lon + d}, {Lat: lat + d, Lon: lon + d}, {Lat: lat + d, Lon: lon}, {Lat: lat, Lon: lon}}
	}
	poly := geo.PolygonGeometry(ring(46.5, 39.6, 0.2))
	poly.Holes = []geo.Polygon{ring(46.55, 39.65, 0.05)}
	return map[geo.GeometryType]geo.Geometry{
		geo.TypePoint:      geo.PointGeometry(geo.Point{Lat: 39.64, Lon: 46.545}),
		geo.TypeLineString: geo.LineGeometry(geo.Line{{Lat: 39.6, Lon: 46.5}, {Lat: 39.7, Lon: 46.6}, {Lat: 39.75, Lon: 46.62}}),
		geo.TypePolygon:    poly,
		geo.TypeMultiPoint: {Type: geo.TypeMultiPoint, Points: []geo.Point{{Lat: 39.6, Lon: 46.5}, {Lat: -12.5, Lon: -170.25}}},
		geo.TypeMultiLineString: {Type: geo.TypeMultiLineString, Lines: []geo.Line{
			{{Lat: 39.6, Lon: 46.5}, {Lat: 39.7, Lon: 46.6}},
			{{Lat: 40, Lon: 47}, {Lat: 40.1, Lon: 47.1}, {Lat: 40.2, Lon: 47}},
		}},
		geo.TypeMultiPolygon: {Type: geo.TypeMultiPolygon, Areas: []geo.Area{
			{Outer: ring(46.5, 39.6, 0.2), Holes: []geo.Polygon{ring(46.55, 39.65, 0.05), ring(46.62, 39.72, 0.03)}},
			{Outer: ring(47, 40, 0.1)},
		}},
	}
}

// sampleColumns has a column of every type.
var sampleColumns = []Column{
	{Name: "id", Type: Text},
	{Name: "name", Type: Text},
	{Name: "count", Type: Integer},
	{Name: "distance_m", Type: Real},
	{Name: "verified", Type: Bool},
	{Name: "event_date", Type: Date},
	{Name: "reported_at", Type: DateTime},
}

// sampleTable returns a table of geometry type typ ("" for none) and n
// rows for it: every value set on even rows, NULLs (and no geometry) on
// every third from the second, text in three scripts.
func sampleTable(name string, typ geo.GeometryType, cols []Column, n int) (Table, []Row) {
	t := Table{Name: name, Title: "Sample " + name, Geometry: typ, Columns: cols}
	geoms := sampleGeometries()
	rows := make([]Row, n)
	for i := range rows {
		var r Row
		if typ != "" && i%3 != 1 {
			g := geoms[typ]
			r.Geom = &g
		}
		for _, c := range cols {
			r.Values = append(r.Values, sampleValue(c, i))
		}
		rows[i] = r
	}
	return t, rows
}

func sampleValue(c Column, i int) any {
	if i%3 == 1 && c.Name != "id" {
		return nil
	}
	day := time.Date(2021, 6, 1+i%28, 0, 0, 0, 0, time.UTC)
	switch c.Type {
	case Text:
		if c.Name == "id" {
			return fmt.Sprintf("rec-%06d", i)
		}
		return []string{"Lachin, \"corridor\"; km 12", "Лачин", "لاتشين\nسطر"}[i%3]
	case Integer:
		return int64(i*1000 - 7)
	case Real:
		return float64(i) + 0.125
	case Bool:
		return i%2 == 0
	case Date:
		return day
	case DateTime:
		return day.Add(13*time.Hour + 45*time.Minute + 30*time.Second + 250*time.Millisecond)
	}
	return nil
}

// writeGPKG writes tables to a new GeoPackage file and returns its path.
func writeGPKG(t testing.TB, tables []Table, rows [][]Row) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.gpkg")
	w, err := CreateGPKG(path, GPKGOptions{Now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
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
	return path
}

// readGPKGTable reads every feature of a table.
func readGPKGTable(t testing.TB, path, table string) []Feature {
	t.Helper()
	r, err := OpenGPKG(path, GPKGReadOptions{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []Feature
	for {
		f, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
}

// rowProps is what a reader should give back for a row: the values by
// column name.
func rowProps(t Table, r Row) map[string]any {
	m := map[string]any{}
	for i, c := range t.Columns {
		m[c.Name] = r.Values[i]
	}
	return m
}

func TestGPKGRoundTripEveryGeometryType(t *testing.T) {
	var tables []Table
	var rows [][]Row
	types := []geo.GeometryType{geo.TypePoint, geo.TypeLineString, geo.TypePolygon, geo.TypeMultiPoint, geo.TypeMultiLineString, geo.TypeMultiPolygon, ""}
	for _, typ := range types {
		name := "t_" + strings.ToLower(string(typ))
		if typ == "" {
			name = "t_none"
		}
		tb, rs := sampleTable(name, typ, sampleColumns, 7)
		tables, rows = append(tables, tb), append(rows, rs)
	}
	path := writeGPKG(t, tables, rows)
	for i, tb := range tables {
		t.Run(tb.Name, func(t *testing.T) {
			got := readGPKGTable(t, path, tb.Name)
			if len(got) != len(rows[i]) {
				t.Fatalf("read %d features, wrote %d", len(got), len(rows[i]))
			}
			for j, f := range got {
				if f.Number != j+1 {
					t.Errorf("feature %d numbered %d", j+1, f.Number)
				}
				if !reflect.DeepEqual(f.Geom, rows[i][j].Geom) {
					t.Errorf("feature %d geometry\n got %+v\nwant %+v", j+1, f.Geom, rows[i][j].Geom)
				}
				if want := rowProps(tb, rows[i][j]); !reflect.DeepEqual(f.Props, want) {
					t.Errorf("feature %d props\n got %#v\nwant %#v", j+1, f.Props, want)
				}
			}
		})
	}
}

func TestGPKGMetadata(t *testing.T) {
	pt, prow := sampleTable("posts", geo.TypePoint, sampleColumns, 3)
	at, arow := sampleTable("notes", "", sampleColumns[:2], 2)
	path := writeGPKG(t, []Table{pt, at}, [][]Row{prow, arow})
	db := newRawDB(t, path)
	one := func(q string, args ...any) string {
		t.Helper()
		var s string
		if err := db.QueryRow(q, args...).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}
	checks := []struct{ query, want string }{
		{"PRAGMA application_id", fmt.Sprint(gpkgApplicationID)},
		{"PRAGMA user_version", "10300"},
		{"SELECT group_concat(srs_id) FROM (SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id)", "-1,0,4326"},
		{"SELECT data_type || ' ' || srs_id || ' ' || last_change FROM gpkg_contents WHERE table_name = 'posts'", "features 4326 2026-12-07T12:00:00.000Z"},
		{"SELECT data_type || ' ' || ifnull(srs_id, 'null') || ' ' || ifnull(min_x, 'null') FROM gpkg_contents WHERE table_name = 'notes'", "attributes null null"},
		{"SELECT min_x || ' ' || min_y || ' ' || max_x || ' ' || max_y FROM gpkg_contents WHERE table_name = 'posts'", "46.545 39.64 46.545 39.64"},
		{"SELECT geometry_type_name || ' ' || column_name || ' ' || z || m FROM gpkg_geometry_columns WHERE table_name = 'posts'", "POINT geom 00"},
		{"SELECT extension_name || ' ' || scope FROM gpkg_extensions WHERE table_name = 'posts'", "gpkg_rtree_index write-only"},
		{"SELECT count(*) FROM rtree_posts_geom", "2"},
		{"SELECT rtreecheck('rtree_posts_geom')", "ok"},
		{"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'posts'", "6"},
		{"SELECT group_concat(type, ' ') FROM pragma_table_info('posts')", "INTEGER POINT TEXT TEXT INTEGER REAL BOOLEAN DATE DATETIME"},
		{"SELECT count(*) FROM sqlite_master WHERE name LIKE 'rtree_notes%'", "0"},
		{"SELECT CAST(reported_at AS TEXT) || ' ' || CAST(event_date AS TEXT) FROM posts WHERE fid = 1", "2021-06-01T13:45:30.250Z 2021-06-01"},
		{"PRAGMA integrity_check", "ok"},
	}
	for _, c := range checks {
		if got := one(c.query); got != c.want {
			t.Errorf("%s = %q, want %q", c.query, got, c.want)
		}
	}
}

func TestGPKGWriterToIOWriterAndEmpty(t *testing.T) {
	var buf bytes.Buffer
	tb, rows := sampleTable("lines", geo.TypeLineString, sampleColumns, 4)
	w := NewGPKGWriter(&buf, GPKGOptions{TempDir: t.TempDir()})
	if err := w.Begin(tb); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := ReadGPKG(bytes.NewReader(buf.Bytes()), GPKGReadOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 4 || r.Table() != "lines" {
		t.Errorf("read %d rows of %q, want 4 of lines", n, r.Table())
	}
	// A file with no table at all is still a GeoPackage, which the reader
	// says holds nothing.
	buf.Reset()
	if err := NewGPKGWriter(&buf, GPKGOptions{}).Close(); err != nil {
		t.Fatal(err)
	}
	_, err = ReadGPKG(&buf, GPKGReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "no features or attributes table") {
		t.Errorf("empty GeoPackage: %v", err)
	}
}

func TestGPKGWriterRefusesBadTablesAndRows(t *testing.T) {
	cases := []struct {
		name  string
		table Table
		want  string
	}{
		{"reserved name", Table{Name: "gpkg_x"}, "reserved"},
		{"not snake case", Table{Name: "Bad Name"}, "snake_case"},
		{"column fid", Table{Name: "x", Geometry: geo.TypePoint, Columns: []Column{{Name: "fid", Type: Integer}}}, "reserved (fid, geom)"},
		{"duplicate column", Table{Name: "x", Columns: []Column{{Name: "a"}, {Name: "a"}}}, "used twice"},
		{"unknown geometry", Table{Name: "x", Geometry: "GeometryCollection"}, "cannot be written"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := NewGPKGWriter(io.Discard, GPKGOptions{TempDir: t.TempDir()})
			err := w.Begin(c.table)
			if err == nil || !strings.Contains(err.Error(), c.want) || errs.CodeOf(err) != errs.CodeInvalid {
				t.Errorf("Begin: %v, want an invalid error saying %q", err, c.want)
			}
			w.Close()
		})
	}
	tb := Table{Name: "posts", Geometry: geo.TypePoint, Columns: []Column{{Name: "n", Type: Integer}}}
	line := geo.LineGeometry(geo.Line{{Lat: 1, Lon: 1}, {Lat: 2, Lon: 2}})
	nan := geo.PointGeometry(geo.Point{Lat: math.NaN(), Lon: 1})
	rows := []struct {
		name string
		row  Row
		want string
	}{
		{"wrong geometry type", Row{Geom: &line, Values: []any{int64(1)}}, "row 1: geometry: is a LineString in a table of Point"},
		{"wrong value type", Row{Values: []any{"one"}}, "row 1: n: value of Go type string does not fit a INTEGER column"},
		{"too few values", Row{}, "has 0 values for 1 columns"},
		{"NaN coordinate", Row{Geom: &nan, Values: []any{nil}}, "not a pair of finite numbers"},
	}
	w := NewGPKGWriter(io.Discard, GPKGOptions{TempDir: t.TempDir()})
	if err := w.Begin(tb); err != nil {
		t.Fatal(err)
	}
	for _, c := range rows {
		if err := w.Write(c.row); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Bad rows are refused one by one; the writer carries on.
	if err := w.Write(Row{Values: []any{int64(2)}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeGPKGGeometryBadInput(t *testing.T) {
	good, err := AppendGPKGGeometry(nil, sampleGeometries()[geo.TypePolygon], 4326)
	if err != nil {
		t.Fatal(err)
	}
	lying := bytes.Clone(good)
	binary.LittleEndian.PutUint64(lying[8+8:], math.Float64bits(46.6)) // max x smaller than the polygon's
	hugeCount := bytes.Clone(good)
	binary.LittleEndian.PutUint32(hugeCount[8+32+5:], 1<<30) // rings
	gc := append([]byte{'G', 'P', 0, 1, 0xE6, 0x10, 0, 0, 1}, binary.LittleEndian.AppendUint32(nil, 7)...)
	gc = binary.LittleEndian.AppendUint32(gc, 0)
	multiOfLines := mustGPB(t, geo.Geometry{Type: geo.TypeMultiPoint, Points: []geo.Point{{Lat: 1, Lon: 1}}})
	multiOfLines[8+32+9+1] = 2 // the part's type: LineString in a MultiPoint
	cases := []struct {
		name string
		blob []byte
		want string
	}{
		{"empty", nil, "no \"GP\" header"},
		{"not GP", []byte("XX\x00\x01\x00\x00\x00\x00"), "no \"GP\" header"},
		{"version 1", []byte("GP\x01\x01\x00\x00\x00\x00"), "version 1"},
		{"extended", []byte("GP\x00\x21\x00\x00\x00\x00"), "extended"},
		{"envelope kind 5", []byte("GP\x00\x0B\x00\x00\x00\x00"), "envelope kind 5"},
		{"truncated envelope", good[:20], "truncated in its envelope"},
		{"truncated body", good[:len(good)-3], "more than its 77 remaining bytes"},
		{"truncated position", mustGPB(t, sampleGeometries()[geo.TypePoint])[:25], "truncated in a position"},
		{"trailing bytes", append(bytes.Clone(good), 0), "1 bytes after"},
		{"lying envelope", lying, "reaches outside the envelope"},
		{"huge count", hugeCount, "more than its"},
		{"collection", gc, "GeometryCollection"},
		{"bad byte order", append([]byte("GP\x00\x01\x00\x00\x00\x00"), 7, 1, 0, 0, 0), "byte order mark 7"},
		{"unknown type", append([]byte("GP\x00\x01\x00\x00\x00\x00"), 1, 99, 0, 0, 0), "type 99"},
		{"part of the wrong type", multiOfLines, "part 0 of a MultiPoint is a LineString"},
		{"infinite", append(append([]byte("GP\x00\x01\x00\x00\x00\x00"), 1, 1, 0, 0, 0), binary.LittleEndian.AppendUint64(make([]byte, 8), math.Float64bits(math.Inf(1)))...), "finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := DecodeGPKGGeometry(c.blob)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
			if errs.CodeOf(err) != errs.CodeInvalid {
				t.Errorf("code %s, want invalid", errs.CodeOf(err))
			}
		})
	}
}

func mustGPB(t *testing.T, g geo.Geometry) []byte {
	t.Helper()
	b, err := AppendGPKGGeometry(nil, g, 4326)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeGPKGGeometryForms(t *testing.T) {
	// Big-endian, Z coordinates, an XYZ envelope: what other writers may
	// produce. The Z is dropped.
	be := []byte{'G', 'P', 0, 2 << 1} // big-endian header, XYZ envelope
	be = binary.BigEndian.AppendUint32(be, 4326)
	for _, v := range []float64{46, 47, 39, 40, 0, 100} {
		be = binary.BigEndian.AppendUint64(be, math.Float64bits(v))
	}
	be = append(be, 0)
	be = binary.BigEndian.AppendUint32(be, 1002) // LineString Z
	be = binary.BigEndian.AppendUint32(be, 2)
	for _, v := range []float64{46, 39, 0, 47, 40, 100} {
		be = binary.BigEndian.AppendUint64(be, math.Float64bits(v))
	}
	g, srs, err := DecodeGPKGGeometry(be)
	if err != nil {
		t.Fatal(err)
	}
	want := geo.LineGeometry(geo.Line{{Lat: 39, Lon: 46}, {Lat: 40, Lon: 47}})
	if srs != 4326 || !reflect.DeepEqual(*g, want) {
		t.Errorf("got %+v in %d, want %+v in 4326", g, srs, want)
	}
	// The empty point GDAL writes: the empty flag and NaN coordinates.
	empty := []byte{'G', 'P', 0, gpFlagEmpty | gpFlagLittleEndian, 0xE6, 0x10, 0, 0, 1, 1, 0, 0, 0}
	empty = binary.LittleEndian.AppendUint64(empty, math.Float64bits(math.NaN()))
	empty = binary.LittleEndian.AppendUint64(empty, math.Float64bits(math.NaN()))
	if g, _, err := DecodeGPKGGeometry(empty); err != nil || g != nil {
		t.Errorf("empty point: %v, %v; want nil, nil", g, err)
	}
}

// newRawDB opens a SQLite file, read-write, for a test to look inside or
// spoil.
func newRawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestGPKGReaderBadFiles(t *testing.T) {
	dir := t.TempDir()
	tb, rows := sampleTable("posts", geo.TypePoint, sampleColumns, 3)
	good := writeGPKG(t, []Table{tb}, [][]Row{rows})
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A copy of the good file, changed with SQL.
	spoilt := func(name string, stmts ...string) string {
		p := file(name, goodBytes)
		db := newRawDB(t, p)
		// The spatial index's triggers call functions plain SQLite lacks.
		for _, trig := range []string{"insert", "update1", "update2", "update3", "update4", "delete"} {
			stmts = append([]string{"DROP TRIGGER rtree_posts_geom_" + trig}, stmts...)
		}
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		db.Close()
		return p
	}
	plainSQLite := filepath.Join(dir, "plain.sqlite")
	db := newRawDB(t, plainSQLite)
	db.Exec("CREATE TABLE t (a)")
	db.Close()
	noGPKGTables := spoilt("nogpkg.gpkg", "DROP TABLE gpkg_geometry_columns", "DROP TABLE gpkg_contents")
	huge := spoilt("huge.gpkg", "UPDATE posts SET geom = zeroblob(70000000) WHERE fid = 2")
	lying := spoilt("lying.gpkg", "UPDATE posts SET geom = X'47500003E610000000000000000000000000000000000000000000000000000000000000000000000101000000000000000000F03F000000000000F03F' WHERE fid = 1")
	otherSRS := spoilt("srs.gpkg",
		"INSERT INTO gpkg_spatial_ref_sys VALUES ('UTM 38N', 32638, 'EPSG', 32638, 'x', '')",
		"UPDATE gpkg_geometry_columns SET srs_id = 32638")
	view := spoilt("view.gpkg",
		"INSERT INTO gpkg_contents (table_name, data_type) VALUES ('v', 'attributes')",
		"CREATE VIEW v AS SELECT * FROM posts")
	badValues := spoilt("values.gpkg",
		"UPDATE posts SET verified = 7, event_date = '01/06/2021', name = CAST(X'FF' AS TEXT) WHERE fid = 1")
	wrongSRS := spoilt("blobsrs.gpkg", "UPDATE posts SET geom = X'47500001000000000101000000000000000000F03F000000000000F03F' WHERE fid = 3")
	trigger := spoilt("trigger.gpkg",
		"CREATE TABLE log (x)",
		"CREATE TRIGGER sneaky AFTER UPDATE ON posts BEGIN INSERT INTO log VALUES (1); END")
	cases := []struct {
		name  string
		path  string
		table string
		max   int64
		want  string
		code  errs.Code
	}{
		{"not SQLite", file("text.gpkg", []byte(strings.Repeat("not a database ", 10))), "", 0, "not an SQLite database file", errs.CodeInvalid},
		{"shorter than a header", file("short.gpkg", []byte("SQLite")), "", 0, "not an SQLite database file", errs.CodeInvalid},
		{"SQLite but not GeoPackage", plainSQLite, "", 0, "application_id", errs.CodeInvalid},
		{"no GeoPackage tables", noGPKGTables, "", 0, "lacks the gpkg_contents", errs.CodeInvalid},
		{"truncated", file("trunc.gpkg", goodBytes[:len(goodBytes)/2]), "", 0, "truncated", errs.CodeInvalid},
		{"too large", good, "", 1000, "more than the 1000 accepted", errs.CodeTooLarge},
		{"unknown table", good, "nope", 0, `no table "nope" (it has: posts)`, errs.CodeInvalid},
		{"a view", view, "v", 0, "is a view", errs.CodeInvalid},
		{"other reference system", otherSRS, "", 0, "EPSG:32638", errs.CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := OpenGPKG(c.path, GPKGReadOptions{Table: c.table, MaxBytes: c.max})
			if err == nil {
				r.Close()
				t.Fatalf("opened; want an error saying %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) || errs.CodeOf(err) != c.code {
				t.Errorf("got %v (%s), want %s saying %q", err, errs.CodeOf(err), c.code, c.want)
			}
		})
	}
	rowCases := []struct {
		name string
		path string
		want []string // every error of the bad feature
	}{
		{"huge blob", huge, []string{"feature 2: geom: geometry of 70000000 bytes exceeds"}},
		{"blob in another reference system", wrongSRS, []string{"feature 3: geom: the geometry is in spatial reference system 0, its column in 4326"}},
		{"lying envelope", lying, []string{"feature 1: geom: the geometry (x 1..1, y 1..1) reaches outside the envelope"}},
		{"bad values", badValues, []string{"feature 1: name: is not valid UTF-8", "feature 1: verified: a BOOLEAN must be 0 or 1", "feature 1: event_date: date \"01/06/2021\" is not YYYY-MM-DD"}},
	}
	for _, c := range rowCases {
		t.Run(c.name, func(t *testing.T) {
			r, err := OpenGPKG(c.path, GPKGReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var found error
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil && found == nil {
					found = err
				}
			}
			if found == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(found.Error(), w) {
					t.Errorf("got %v, want it to say %q", found, w)
				}
			}
		})
	}
	// Reading never runs the file's triggers (nor writes anything).
	before, _ := os.ReadFile(trigger)
	got := readGPKGTable(t, trigger, "")
	after, _ := os.ReadFile(trigger)
	if len(got) != 3 || !bytes.Equal(before, after) {
		t.Errorf("read %d features; file changed: %v", len(got), !bytes.Equal(before, after))
	}
}

func TestGPKGReaderOfGDALFile(t *testing.T) {
	ogr2ogr := gdalTool(t, "ogr2ogr")
	dir := t.TempDir()
	src := filepath.Join(dir, "in.geojson")
	const geojson = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"Zone A","code":7,"area_km2":12.5,"open":true,"since":"2021-06-12","at":"2021-06-12T10:30:00Z"},
 "geometry":{"type":"MultiPolygon","coordinates":[[[[46.5,39.6],[46.7,39.6],[46.7,39.8],[46.5,39.8],[46.5,39.6]],[[46.55,39.65],[46.55,39.7],[46.6,39.7],[46.6,39.65],[46.55,39.65]]],[[[47,40],[47.1,40],[47.1,40.1],[47,40]]]]}},
{"type":"Feature","properties":{"name":"Зона Б","code":null,"area_km2":3,"open":false,"since":null,"at":null},"geometry":null}
]}`
	if err := os.WriteFile(src, []byte(geojson), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "gdal.gpkg")
	runTool(t, ogr2ogr, "-f", "GPKG", "-nln", "zones", out, src)
	got := readGPKGTable(t, out, "")
	if len(got) != 2 {
		t.Fatalf("read %d features, want 2", len(got))
	}
	g := got[0].Geom
	if g == nil || g.Type != geo.TypeMultiPolygon || len(g.Areas) != 2 || len(g.Areas[0].Holes) != 1 || g.Areas[0].Holes[0][1] != (geo.Point{Lat: 39.7, Lon: 46.55}) {
		t.Errorf("geometry %+v", g)
	}
	if got[1].Geom != nil {
		t.Errorf("null geometry read as %+v", got[1].Geom)
	}
	want0 := map[string]any{"name": "Zone A", "code": int64(7), "area_km2": 12.5, "open": true,
		"since": time.Date(2021, 6, 12, 0, 0, 0, 0, time.UTC), "at": time.Date(2021, 6, 12, 10, 30, 0, 0, time.UTC)}
	if !reflect.DeepEqual(got[0].Props, want0) {
		t.Errorf("props\n got %#v\nwant %#v", got[0].Props, want0)
	}
	if got[1].Props["name"] != "Зона Б" || got[1].Props["code"] != nil || got[1].Props["open"] != false {
		t.Errorf("props %#v", got[1].Props)
	}
}

// TestGPKGSpatialIndex writes enough points for a tree of three levels
// and checks it with SQLite's rtreecheck and with box queries.
func TestGPKGSpatialIndex(t *testing.T) {
	tb := Table{Name: "grid", Geometry: geo.TypePoint, Columns: []Column{{Name: "n", Type: Integer}}}
	const side = 80 // 6,400 points, every 0.01° from (46, 39)
	var rows []Row
	for i := range side * side {
		g := geo.PointGeometry(geo.Point{Lat: 39 + float64(i/side)/100, Lon: 46 + float64(i%side)/100})
		var geom *geo.Geometry
		if i%10 != 9 {
			geom = &g // every tenth point has no geometry, so no entry
		}
		rows = append(rows, Row{Geom: geom, Values: []any{int64(i)}})
	}
	path := writeGPKG(t, []Table{tb}, [][]Row{rows})
	db := newRawDB(t, path)
	var check string
	var depth, entries int
	if err := db.QueryRow("SELECT rtreecheck('rtree_grid_geom'), rtreedepth(data), (SELECT count(*) FROM rtree_grid_geom) FROM rtree_grid_geom_node WHERE nodeno = 1").Scan(&check, &depth, &entries); err != nil {
		t.Fatal(err)
	}
	if check != "ok" || depth < 2 || entries != side*side*9/10 {
		t.Errorf("rtreecheck %q, depth %d, %d entries; want ok, at least 2, %d", check, depth, entries, side*side*9/10)
	}
	// A box query through the index finds exactly the points in the box.
	var viaIndex, direct int
	if err := db.QueryRow(`SELECT count(*) FROM rtree_grid_geom WHERE minx >= 46.205 AND maxx <= 46.405 AND miny >= 39.105 AND maxy <= 39.305`).Scan(&viaIndex); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		lon, lat := 46+float64(i%side)/100, 39+float64(i/side)/100
		if r.Geom != nil && lon >= 46.205 && lon <= 46.405 && lat >= 39.105 && lat <= 39.305 {
			direct++
		}
	}
	if viaIndex != direct || direct == 0 {
		t.Errorf("the index finds %d points in the box, there are %d", viaIndex, direct)
	}
}

func TestGPKGOddFileName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b?c#d%20e&f")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x?mode=memory.gpkg")
	tb, rows := sampleTable("posts", geo.TypePoint, sampleColumns, 2)
	w, err := CreateGPKG(path, GPKGOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Begin(tb)
	for _, r := range rows {
		w.Write(r)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readGPKGTable(t, path, "posts"); len(got) != 2 {
		t.Errorf("read %d features back, want 2", len(got))
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("files in the directory: %v, want the GeoPackage alone", left)
	}
}

func TestCreateGPKGRefusesExistingFileAndSecondUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.gpkg")
	if err := os.WriteFile(path, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateGPKG(path, GPKGOptions{}); err == nil {
		t.Error("CreateGPKG overwrote an existing file")
	}
	if b, _ := os.ReadFile(path); string(b) != "keep me" {
		t.Errorf("existing file changed to %q", b)
	}
	tmp := t.TempDir()
	w := NewGPKGWriter(io.Discard, GPKGOptions{TempDir: tmp})
	if err := w.Write(Row{}); err == nil {
		t.Error("Write before Begin accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the temporary file is left behind: %v", left)
	}
	if err := w.Close(); err == nil {
		t.Error("second Close accepted")
	}
	if err := w.Begin(Table{Name: "late"}); err == nil {
		t.Error("Begin after Close accepted")
	}
}
