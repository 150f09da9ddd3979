package exchange_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/exchange"
)

// These tests are issue 17's "done when" on the demo's data: every export
// kind in every format it allows, written by Service.Export as a reader
// entitled to all of it, opens in GDAL without a complaint and with as
// many features as were written; GeoJSON and GeoPackage exports go to a
// Shapefile and back with ogr2ogr.

// exportFormatsOf returns the formats kind can be exported to.
func exportFormatsOf(kind string) []string {
	formats := []string{exchange.FormatGeoJSON, exchange.FormatGeoPackage, exchange.FormatKML, exchange.FormatCSV}
	if kind == exchange.KindLayers {
		// Four tables: GeoJSON and CSV hold one (the layer tables are
		// exported one by one as kinds of their own).
		return []string{exchange.FormatGeoPackage, exchange.FormatKML}
	}
	switch kind {
	case exchange.TableIncidents, exchange.TableAllegations, exchange.TableObservations:
		formats = append(formats, exchange.FormatACLED, exchange.FormatUCDP)
	}
	return formats
}

// demoReader is who exports kind: an analyst of the JMC, or for persons
// held a humanitarian officer, who sees the personal columns.
func (f *fixture) demoReader(kind string) access.Principal {
	if kind == exchange.TablePersonsHeld {
		return f.as(access.Humanitarian, "ICRC")
	}
	return f.as(access.Analyst, "JMC")
}

// exportFile exports kind in format to a file in dir and returns its path
// and the number of rows written.
func (f *fixture) exportFile(t *testing.T, dir string, p access.Principal, kind, format string, filter url.Values) (string, int) {
	t.Helper()
	path := filepath.Join(dir, exchange.FileName(kind, format))
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.app.Exchange.Export(context.Background(), p, exchange.ExportRequest{Kind: kind, Format: format, Filter: filter}, out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("export %s %s: %v", kind, format, err)
	}
	return path, n
}

// ogrSum is the number of features ogrinfo counts in all a file's layers.
func ogrSum(layers map[string]exchange.OGRLayer) int {
	n := 0
	for _, l := range layers {
		n += l.Count
	}
	return n
}

func TestGDALOpensEveryDemoExport(t *testing.T) {
	exchange.GDALTool(t, "ogrinfo")
	f := open(t)
	dir := t.TempDir()
	for _, kind := range exchange.Kinds() {
		for _, format := range exportFormatsOf(kind) {
			t.Run(kind+"/"+format, func(t *testing.T) {
				path, n := f.exportFile(t, dir, f.demoReader(kind), kind, format, nil)
				if n == 0 {
					t.Errorf("%s: nothing exported; the demo has some of every kind", kind)
				}
				layers := exchange.OGRInfo(t, path)
				want := n
				if format == exchange.FormatCSV {
					want++ // GDAL reads the HXL hashtag row as a record
				}
				if got := ogrSum(layers); got != want {
					t.Errorf("ogrinfo counts %d features in %v, want %d (%d written)", got, layers, want, n)
				}
				if format == exchange.FormatGeoPackage {
					tables, _ := exchange.TablesOf(kind)
					for _, tb := range tables {
						if _, ok := layers[tb.Name]; !ok {
							t.Errorf("no layer %s in %v", tb.Name, layers)
						}
					}
				}
			})
		}
	}
}

// ogrComplaint is a line of ogr2ogr's output saying something failed.
var ogrComplaint = regexp.MustCompile(`(?mi)^.*\b(error|failed)\b.*$`)

func TestGDALShapefileRoundTripOfDemoExports(t *testing.T) {
	ogr2ogr := exchange.GDALTool(t, "ogr2ogr")
	f := open(t)
	for _, kind := range exchange.Kinds() {
		for _, format := range []string{exchange.FormatGeoJSON, exchange.FormatGeoPackage} {
			if !slices.Contains(exportFormatsOf(kind), format) {
				continue
			}
			t.Run(kind+"/"+format, func(t *testing.T) {
				dir := t.TempDir()
				path, n := f.exportFile(t, dir, f.demoReader(kind), kind, format, nil)
				shp := filepath.Join(dir, "shp")
				out := exchange.RunTool(t, ogr2ogr, "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", shp, path)
				if bad := ogrComplaint.FindAllString(out, -1); len(bad) > 0 {
					t.Errorf("ogr2ogr to a Shapefile:\n%s", strings.Join(bad, "\n"))
				}
				if w := strings.TrimSpace(out); w != "" {
					t.Logf("ogr2ogr to a Shapefile says:\n%s", w)
				}
				back := filepath.Join(dir, "back.gpkg")
				out = exchange.RunTool(t, ogr2ogr, "-f", "GPKG", back, shp)
				if bad := ogrComplaint.FindAllString(out, -1); len(bad) > 0 {
					t.Errorf("ogr2ogr back to a GeoPackage:\n%s", strings.Join(bad, "\n"))
				}
				if got := ogrSum(exchange.OGRInfo(t, back)); got != n {
					t.Errorf("%d features came back from the Shapefile, %d went", got, n)
				}
			})
		}
	}
}
