package exchange

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/geo"
)

// These tests open every export format with GDAL, as QGIS does: ogrinfo
// must read each file without a warning and report the geometry type and
// the feature count written, and the formats GIS users convert must go to
// a Shapefile and back with ogr2ogr and still hold the same features.
//
// They need Debian's gdal-bin; without it they skip, loudly, unless
// TRUCE_REQUIRE_GDAL=1 (as .ci/run sets) makes the absence a failure.

// gdalFormat is one export format under GDAL's eye.
type gdalFormat struct {
	name string // a Format* constant
	ext  string // the file name extension GDAL knows the format by
	// multi says one file holds several tables (GeoPackage); otherwise
	// each table is written to a file of its own.
	multi bool
	// geometry says ogrinfo reports the tables' geometry (CSV's
	// coordinates are plain columns to GDAL: it reports "None").
	geometry bool
	// shapefile says the format is converted to a Shapefile and back.
	shapefile bool
	// newWriter makes a writer of the format.
	newWriter func(w io.Writer) Writer
}

// gdalFormats lists the formats this build writes. Add a format with one
// line here.
var gdalFormats = []gdalFormat{
	{name: FormatGeoPackage, ext: ".gpkg", multi: true, geometry: true, shapefile: true,
		newWriter: func(w io.Writer) Writer { return NewGPKGWriter(w, GPKGOptions{}) }},
	{name: FormatGeoJSON, ext: ".geojson", geometry: true, shapefile: true,
		newWriter: func(w io.Writer) Writer { return NewGeoJSONWriter(w) }},
	// KML is checked by its own tests (kml_test.go): GDAL names its
	// layers after the documents and reports every geometry as Unknown.
	{name: FormatCSV, ext: ".csv",
		newWriter: func(w io.Writer) Writer { return NewCSVWriter(w) }},
}

// gdalTables returns the tables written in every format, with their rows:
// one per geometry type Truce writes and one without geometry. Add the
// export's own tables (with rows from sampleTable) here too.
func gdalTables() ([]Table, [][]Row) {
	var tables []Table
	var rows [][]Row
	for _, typ := range []geo.GeometryType{geo.TypePoint, geo.TypeLineString, geo.TypePolygon, geo.TypeMultiPoint, geo.TypeMultiLineString, geo.TypeMultiPolygon, ""} {
		name := "sample_" + strings.ToLower(string(typ))
		if typ == "" {
			name = "sample_attributes"
		}
		t, r := sampleTable(name, typ, sampleColumns, 5)
		tables, rows = append(tables, t), append(rows, r)
	}
	return tables, rows
}

// ogrGeometryNames is how ogrinfo names each geometry type.
var ogrGeometryNames = map[geo.GeometryType]string{
	geo.TypePoint:           "Point",
	geo.TypeLineString:      "Line String",
	geo.TypePolygon:         "Polygon",
	geo.TypeMultiPoint:      "Multi Point",
	geo.TypeMultiLineString: "Multi Line String",
	geo.TypeMultiPolygon:    "Multi Polygon",
	"":                      "None",
}

// gdalTool returns the path of a GDAL command, or skips (loudly) or fails
// (under TRUCE_REQUIRE_GDAL=1) when it is missing.
func gdalTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("TRUCE_REQUIRE_GDAL") == "1" {
		t.Fatalf("%s is required (TRUCE_REQUIRE_GDAL=1): apt-get install gdal-bin", name)
	}
	fmt.Fprintf(os.Stderr, "GDAL CHECKS SKIPPED: %s not found; install Debian's gdal-bin\n", name)
	t.Skipf("%s not found: GDAL checks skipped (apt-get install gdal-bin)", name)
	return ""
}

// runTool runs a command and returns its standard output and error
// together, failing the test when it fails.
func runTool(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeFormat writes tables with a format's writer to path.
func writeFormat(t testing.TB, f gdalFormat, path string, tables []Table, rows [][]Row) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := f.newWriter(out)
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
}

// ogrLayer is what ogrinfo -al -so says of a layer.
type ogrLayer struct {
	geometry string
	count    int
}

var (
	ogrLayerName  = regexp.MustCompile(`(?m)^Layer name: (.+)$`)
	ogrGeometry   = regexp.MustCompile(`(?m)^Geometry: (.+)$`)
	ogrCount      = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)
	ogrComplaints = regexp.MustCompile(`(?mi)^.*\b(warning|error)\b.*$`)
)

// ogrinfo runs ogrinfo -al -so on path, fails on any warning or error it
// prints, and returns its layers by name.
func ogrinfo(t testing.TB, path string) map[string]ogrLayer {
	t.Helper()
	out := runTool(t, gdalTool(t, "ogrinfo"), "-al", "-so", path)
	if bad := ogrComplaints.FindAllString(out, -1); len(bad) > 0 {
		t.Errorf("ogrinfo %s complains:\n%s", filepath.Base(path), strings.Join(bad, "\n"))
	}
	layers := map[string]ogrLayer{}
	for _, block := range strings.Split(out, "\nLayer name: ")[1:] {
		block = "Layer name: " + block
		name := ogrLayerName.FindStringSubmatch(block)[1]
		var l ogrLayer
		if m := ogrGeometry.FindStringSubmatch(block); m != nil {
			l.geometry = m[1]
		}
		if m := ogrCount.FindStringSubmatch(block); m != nil {
			l.count, _ = strconv.Atoi(m[1])
		}
		layers[name] = l
	}
	return layers
}

// TestGDALReadsEveryExport writes every table in every format and opens
// each file with ogrinfo.
func TestGDALReadsEveryExport(t *testing.T) {
	gdalTool(t, "ogrinfo")
	tables, rows := gdalTables()
	for _, f := range gdalFormats {
		t.Run(f.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{} // table -> file
			if f.multi {
				path := filepath.Join(dir, "all"+f.ext)
				writeFormat(t, f, path, tables, rows)
				for _, tb := range tables {
					files[tb.Name] = path
				}
			} else {
				for i, tb := range tables {
					path := filepath.Join(dir, tb.Name+f.ext)
					writeFormat(t, f, path, tables[i:i+1], rows[i:i+1])
					files[tb.Name] = path
				}
			}
			seen := map[string]map[string]ogrLayer{}
			for i, tb := range tables {
				path := files[tb.Name]
				if seen[path] == nil {
					seen[path] = ogrinfo(t, path)
				}
				layers := seen[path]
				l, ok := layers[tb.Name]
				if !ok && !f.multi && len(layers) == 1 {
					for _, only := range layers {
						l, ok = only, true
					}
				}
				if !ok {
					t.Errorf("%s: ogrinfo lists no layer %s (it has %v)", filepath.Base(path), tb.Name, layers)
					continue
				}
				want, count := ogrGeometryNames[tb.Geometry], len(rows[i])
				switch {
				case f.name == FormatCSV:
					// GDAL reads the HXL hashtag row as one more row, and a
					// wkt column (tables whose geometry is not a point) as
					// geometry of any type.
					count++
					want = "None"
					if tb.Geometry != "" && tb.Geometry != geo.TypePoint {
						want = "Unknown (any)"
					}
				case !f.geometry:
					want = "None"
				case tb.Geometry == "" && f.name == FormatGeoJSON:
					want = "Unknown (any)" // every geometry null: GDAL cannot tell
				}
				if l.geometry != want {
					t.Errorf("%s: ogrinfo says geometry %q, want %q", tb.Name, l.geometry, want)
				}
				if l.count != count {
					t.Errorf("%s: ogrinfo counts %d features, want %d", tb.Name, l.count, count)
				}
			}
		})
	}
}

// TestGDALShapefileRoundTrip converts each table with geometry to a
// Shapefile and back to a GeoPackage with ogr2ogr, and reads that with
// our reader: the same geometries (up to what a Shapefile cannot tell
// apart: ring direction, a one-part multi-geometry) and the same values
// of the columns a Shapefile keeps whole.
func TestGDALShapefileRoundTrip(t *testing.T) {
	ogr2ogr := gdalTool(t, "ogr2ogr")
	tables, rows := gdalTables()
	for _, f := range gdalFormats {
		if !f.shapefile {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			dir := t.TempDir()
			for i, tb := range tables {
				if tb.Geometry == "" {
					continue
				}
				src := filepath.Join(dir, tb.Name+f.ext)
				writeFormat(t, f, src, tables[i:i+1], rows[i:i+1])
				shp := filepath.Join(dir, tb.Name+".shp")
				runTool(t, ogr2ogr, "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", shp, src)
				back := filepath.Join(dir, tb.Name+".back.gpkg")
				runTool(t, ogr2ogr, "-f", "GPKG", "-nln", tb.Name, back, shp)
				got := readGPKGTable(t, back, tb.Name)
				if len(got) != len(rows[i]) {
					t.Errorf("%s: %d features came back, %d went", tb.Name, len(got), len(rows[i]))
					continue
				}
				for j, feat := range got {
					if g, w := canonGeometry(feat.Geom), canonGeometry(rows[i][j].Geom); g != w {
						t.Errorf("%s feature %d: geometry came back as\n%s\nwent as\n%s", tb.Name, j+1, g, w)
					}
					for k, c := range tb.Columns {
						if len(c.Name) > 10 || c.Type == Bool || c.Type == DateTime {
							continue // a Shapefile cuts long names; it has no boolean or date-time field
						}
						if g, w := canonValue(feat.Props[c.Name]), canonValue(rows[i][j].Values[k]); g != w {
							t.Errorf("%s feature %d %s: came back as %s, went as %s", tb.Name, j+1, c.Name, g, w)
						}
					}
				}
			}
		})
	}
}

// canonValue prints a value so that what a Shapefile keeps compares
// equal: a NULL number may come back as NULL, a text as "".
func canonValue(v any) string {
	switch x := v.(type) {
	case nil, string:
		if x == nil || x == "" {
			return "null"
		}
		return strconv.Quote(x.(string))
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', 12, 64)
	case time.Time:
		return x.Format(time.DateOnly)
	}
	return fmt.Sprintf("%T %v", v, v)
}

// canonGeometry prints a geometry as a list of parts, each a list of
// rings or lines, so that geometries a Shapefile cannot tell apart print
// alike: a ring's start and direction are normalised, a multi-geometry of
// one part prints as that part.
func canonGeometry(g *geo.Geometry) string {
	if g == nil {
		return "null"
	}
	pts := func(ps []geo.Point) string {
		var b strings.Builder
		for _, p := range ps {
			fmt.Fprintf(&b, "(%.9f %.9f)", p.Lon, p.Lat)
		}
		return b.String()
	}
	ring := func(r geo.Polygon) string {
		open := slices.Clone(r[:len(r)-1])
		best := ""
		for _, dir := range []bool{false, true} {
			if dir {
				slices.Reverse(open)
			}
			for i := range open {
				rot := append(slices.Clone(open[i:]), open[:i]...)
				if s := pts(rot); best == "" || s < best {
					best = s
				}
			}
		}
		return best
	}
	area := func(outer geo.Polygon, holes []geo.Polygon) string {
		var hs []string
		for _, h := range holes {
			hs = append(hs, ring(h))
		}
		slices.Sort(hs)
		return "polygon[" + ring(outer) + " holes " + strings.Join(hs, " ") + "]"
	}
	var parts []string
	switch g.Type {
	case geo.TypePoint:
		parts = append(parts, "point"+pts([]geo.Point{*g.Point}))
	case geo.TypeMultiPoint:
		for _, p := range g.Points {
			parts = append(parts, "point"+pts([]geo.Point{p}))
		}
	case geo.TypeLineString:
		parts = append(parts, "line"+pts(g.Line))
	case geo.TypeMultiLineString:
		for _, l := range g.Lines {
			parts = append(parts, "line"+pts(l))
		}
	case geo.TypePolygon:
		parts = append(parts, area(g.Polygon, g.Holes))
	case geo.TypeMultiPolygon:
		for _, a := range g.Areas {
			parts = append(parts, area(a.Outer, a.Holes))
		}
	}
	if g.Type == geo.TypeMultiPoint {
		return "multipoint " + strings.Join(parts, "\n")
	}
	return strings.Join(parts, "\n")
}

// gpkgValidators are where Debian's python3-gdal (a dependency of
// gdal-bin) puts GDAL's GeoPackage conformance checker.
var gpkgValidators = []string{
	"/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py",
	"/usr/share/doc/python3-gdal/examples/validate_gpkg.py",
}

// TestGDALValidatesGeoPackage runs GDAL's validate_gpkg.py, which checks a
// file against the GeoPackage specification's requirements one by one,
// on a GeoPackage holding every sample table.
func TestGDALValidatesGeoPackage(t *testing.T) {
	gdalTool(t, "ogrinfo")
	i := slices.IndexFunc(gpkgValidators, func(p string) bool { _, err := os.Stat(p); return err == nil })
	if i < 0 {
		if os.Getenv("TRUCE_REQUIRE_GDAL") == "1" {
			t.Fatal("validate_gpkg.py is required (TRUCE_REQUIRE_GDAL=1): apt-get install python3-gdal")
		}
		t.Skip("validate_gpkg.py not found (python3-gdal): GeoPackage conformance not checked")
	}
	// Debian's own python3, which has the osgeo module, not one on PATH.
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	tables, rows := gdalTables()
	path := filepath.Join(t.TempDir(), "all.gpkg")
	writeFormat(t, gdalFormats[0], path, tables, rows)
	if out := runTool(t, python, gpkgValidators[i], path); strings.TrimSpace(out) != "" {
		t.Errorf("validate_gpkg.py says:\n%s", out)
	}
}
