package exchange

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// readAll reads every feature, collecting the errors; it stops at an error
// returned twice running (the reader cannot go on).
func readAll(t testing.TB, r FeatureReader) ([]Feature, []error) {
	t.Helper()
	var fs []Feature
	var bad []error
	for i := 0; i < 1_000_000; i++ {
		f, err := r.Next()
		if err == io.EOF {
			return fs, bad
		}
		if err != nil {
			if len(bad) > 0 && bad[len(bad)-1].Error() == err.Error() {
				return fs, bad
			}
			bad = append(bad, err)
			continue
		}
		fs = append(fs, f)
	}
	t.Fatal("the reader never ends")
	return nil, nil
}

func TestGeoJSONReader(t *testing.T) {
	pt := func(lon, lat float64) *geo.Geometry { g := geo.PointGeometry(geo.Point{Lat: lat, Lon: lon}); return &g }
	tests := []struct {
		name string
		in   string
		want []Feature
	}{
		{"collection, typed properties",
			`{"type":"FeatureCollection","name":"x","features":[{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[46,39]},
			"properties":{"s":"text","i":42,"big":12345678901234,"f":1.5,"e":1e3,"b":true,"n":null,"list":[1, "a"],"map":{"en":"x"}}}]}`,
			[]Feature{{Number: 1, Geom: pt(46, 39), Props: map[string]any{"s": "text", "i": int64(42), "big": int64(12345678901234), "f": 1.5, "e": 1000.0,
				"b": true, "n": nil, "list": `[1,"a"]`, "map": `{"en":"x"}`}}}},
		{"features before type, with a WGS 84 crs", `{"features":[{"geometry":null,"properties":null,"type":"Feature"},{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}],
			"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"type":"FeatureCollection"}`,
			[]Feature{{Number: 1, Props: map[string]any{}}, {Number: 2, Geom: pt(1, 2), Props: map[string]any{}}}},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, nil},
		{"single feature", `{"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Point","coordinates":[46,39]}}`,
			[]Feature{{Number: 1, Geom: pt(46, 39), Props: map[string]any{"name": "A"}}}},
		{"bare geometry", ` {"coordinates":[46,39],"type":"Point"} `, []Feature{{Number: 1, Geom: pt(46, 39), Props: map[string]any{}}}},
		{"a BOM-less file in UTF-8", `{"type":"Feature","properties":{"name":"Şuşa Շուշի"},"geometry":null}`, []Feature{{Number: 1, Props: map[string]any{"name": "Şuşa Շուշի"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, bad := readAll(t, NewGeoJSONReader(strings.NewReader(tt.in)))
			if len(bad) > 0 {
				t.Fatal(bad)
			}
			if !reflect.DeepEqual(fs, tt.want) {
				t.Errorf("got %+v, want %+v", fs, tt.want)
			}
		})
	}
}

func TestGeoJSONReaderRejects(t *testing.T) {
	good := `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[46,39]}}`
	tests := []struct {
		name, in, field, msg string
		read                 int // features read before or after the error
	}{
		{"empty file", ``, "", "the file is empty", 0},
		{"not an object", `[1,2]`, "", "the file is not GeoJSON: expected an object", 0},
		{"truncated", `{"type":"FeatureCollection","features":[` + good + `,{"type":"Feature","prop`, "feature 2", "truncated", 1},
		{"truncated after the features", `{"type":"FeatureCollection","features":[` + good + `]`, "", "truncated", 1},
		{"invalid UTF-8", "{\"type\":\"FeatureCollection\",\"features\":[" + good + ",{\"type\":\"Feature\",\"properties\":{\"name\":\"\xff\"},\"geometry\":null}]}", "feature 2", "not valid UTF-8", 1},
		{"foreign crs", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[` + good + `]}`, "crs", `names "urn:ogc:def:crs:EPSG::3857"`, 0},
		{"foreign crs at the end", `{"type":"FeatureCollection","features":[` + good + `],"crs":{"type":"name","properties":{"name":"EPSG:32638"}}}`, "crs", "reproject", 1},
		{"bad vertex, then on", `{"type":"FeatureCollection","features":[` + good + `,{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}},` + good + `]}`,
			"feature 2: geometry.coordinates[0][3]", "polygon ring is not closed", 2},
		{"out of range", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[200,0]}}]}`, "feature 1: geometry.coordinates[0]", "longitude 200 is outside", 0},
		{"not a feature", `{"type":"FeatureCollection","features":[{"type":"Point","coordinates":[0,0]}]}`, "feature 1: type", `must be "Feature", got "Point"`, 0},
		{"no geometry member", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{}}]}`, "feature 1: geometry", "is required", 0},
		{"duplicate property", `{"type":"Feature","properties":{"a":1,"a":2},"geometry":null}`, "feature 1: properties.a", "appears more than once", 0},
		{"features in a Feature", `{"type":"Feature","features":[]}`, "type", "must be a FeatureCollection", 0},
		{"collection without features", `{"type":"FeatureCollection"}`, "features", "needs a features member", 0},
		{"no type", `{"name":"x"}`, "type", "is required: a GeoJSON file holds", 0},
		{"trailing data", good + ` {}`, "", "unexpected data after", 0},
		{"geometry collection", `{"type":"GeometryCollection","geometries":[]}`, "feature 1: geometry.type", "a GeometryCollection is not supported", 0},
		{"geometry collection in a feature", `{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[]}}`, "feature 1: geometry.type", "a GeometryCollection is not supported", 0},
		{"huge number", `{"type":"Feature","properties":{"x":1e999},"geometry":null}`, "feature 1: properties.x", "out of range", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, bad := readAll(t, NewGeoJSONReader(strings.NewReader(tt.in)))
			if len(bad) == 0 {
				t.Fatalf("no error; read %+v", fs)
			}
			err := bad[0]
			if errs.FieldOf(err) != tt.field || !strings.Contains(errs.MessageOf(err), tt.msg) {
				t.Errorf("error %q (field %q), want field %q and %q", err, errs.FieldOf(err), tt.field, tt.msg)
			}
			if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeTooLarge {
				t.Errorf("code %q", c)
			}
			if len(fs) != tt.read {
				t.Errorf("read %d features, want %d", len(fs), tt.read)
			}
		})
	}
}

// collection generates a FeatureCollection of n features without ever
// holding it: the reader must stream it.
type collection struct {
	n, i int
	buf  bytes.Buffer
}

func (c *collection) Read(p []byte) (int, error) {
	for c.buf.Len() < len(p) && c.i <= c.n {
		switch {
		case c.i == 0:
			c.buf.WriteString(`{"type":"FeatureCollection","features":[`)
		default:
			if c.i > 1 {
				c.buf.WriteByte(',')
			}
			fmt.Fprintf(&c.buf, `{"type":"Feature","properties":{"external_id":"x%d","name":"Place %d"},"geometry":{"type":"Point","coordinates":[46.%d,39.5]}}`, c.i, c.i, c.i%1000)
		}
		c.i++
		if c.i > c.n {
			c.buf.WriteString(`]}`)
		}
	}
	if c.buf.Len() == 0 {
		return 0, io.EOF
	}
	return c.buf.Read(p)
}

func TestGeoJSONReaderStreams(t *testing.T) {
	const n = 20_000
	r := NewGeoJSONReader(&collection{n: n})
	for i := 1; ; i++ {
		f, err := r.Next()
		if err == io.EOF {
			if i != n+1 {
				t.Fatalf("read %d features, want %d", i-1, n)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Number != i || f.Props["external_id"] != fmt.Sprintf("x%d", i) {
			t.Fatalf("feature %d is %+v", i, f)
		}
	}
}

func BenchmarkGeoJSONReader(b *testing.B) {
	for b.Loop() {
		r := NewGeoJSONReader(&collection{n: 10_000})
		for {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
	}
	b.ReportMetric(float64(10_000*b.N)/b.Elapsed().Seconds(), "features/s")
}

func TestUTF8ReaderSplitSequences(t *testing.T) {
	// A multi-byte character split at every possible read boundary passes;
	// a lone continuation byte or a truncated sequence at the end fails.
	text := []byte(`{"type":"Feature","properties":{"name":"Շուշի"},"geometry":null}`)
	for size := 1; size < 12; size++ {
		fs, bad := readAll(t, NewGeoJSONReader(&chunked{data: text, size: size}))
		if len(bad) > 0 || len(fs) != 1 || fs[0].Props["name"] != "Շուշի" {
			t.Fatalf("chunks of %d: %v %v", size, fs, bad)
		}
	}
	for _, in := range [][]byte{append(text[:len(text):len(text)], 0xd5), []byte("{\"type\":\"Point\",\"coordinates\":[0,0]}\x80")} {
		_, bad := readAll(t, NewGeoJSONReader(bytes.NewReader(in)))
		if len(bad) == 0 || !strings.Contains(bad[0].Error(), "not valid UTF-8") {
			t.Errorf("%q: %v", in, bad)
		}
	}
}

// chunked gives its data size bytes at a time.
type chunked struct {
	data []byte
	size int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.size)], c.data)
	c.data = c.data[n:]
	return n, nil
}

func FuzzGeoJSONReader(f *testing.F) {
	for _, s := range []string{
		zonesFile,
		`{"type":"Feature","properties":{"a":[1,{"b":null}]},"geometry":{"type":"MultiLineString","coordinates":[[[0,0],[1,1]]]}}`,
		`{"type":"MultiPoint","coordinates":[[0,0],[1,1]]}`,
		`{"features":[],"type":"FeatureCollection","crs":null}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"x":1e999}}]}`,
		"{\"type\":\"Feature\",\"properties\":{\"n\":\"\xd5\"},\"geometry\":null}",
		`[`, ``, `{}`, `{"type":"FeatureCollection","features":[{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewGeoJSONReader(bytes.NewReader(data))
		last := 0
		var prev error
		for range 10_000 {
			feat, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeTooLarge {
					t.Fatalf("error %v has code %q", err, c)
				}
				if prev != nil && prev.Error() == err.Error() {
					return
				}
				prev = err
				continue
			}
			if feat.Number <= last {
				t.Fatalf("feature number %d after %d", feat.Number, last)
			}
			last = feat.Number
			if feat.Geom != nil {
				if err := feat.Geom.Validate(); err != nil {
					t.Fatalf("feature %d has an invalid geometry: %v", feat.Number, err)
				}
			}
			for k, v := range feat.Props {
				switch v.(type) {
				case nil, string, int64, float64, bool:
				default:
					t.Fatalf("property %s is a %T", k, v)
				}
			}
		}
		t.Fatal("the reader never ends")
	})
}
