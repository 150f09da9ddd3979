package exchange

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// GeoJSONContentType is the media type of RFC 7946 GeoJSON.
const GeoJSONContentType = "application/geo+json"

// GeoJSONWriter writes one Table as an RFC 7946 FeatureCollection:
// longitude before latitude (WGS 84), one geometry type for the whole file,
// exterior rings counterclockwise and holes clockwise, properties flat and
// typed (a missing value is null). The collection also carries the
// table's name as "name", the foreign member GDAL reads as the layer name.
// Each feature is encoded by hand into one reused buffer: memory stays flat
// and no reflection runs per row.
type GeoJSONWriter struct {
	w     *bufio.Writer
	table *Table
	rows  int
	buf   []byte
	err   error
}

// NewGeoJSONWriter returns a Writer of one GeoJSON FeatureCollection on w.
func NewGeoJSONWriter(w io.Writer) *GeoJSONWriter {
	return &GeoJSONWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// Begin starts the collection; a GeoJSON file holds one table.
func (g *GeoJSONWriter) Begin(t Table) error {
	if g.table != nil {
		return errs.Invalid("format", "a GeoJSON file holds one table (%s); %s needs a file of its own", g.table.Name, t.Name)
	}
	g.table = &t
	b := g.buf[:0]
	b = append(b, `{"type":"FeatureCollection","name":`...)
	b = appendJSONString(b, t.Name)
	b = append(b, `,"features":[`...)
	g.buf = b
	return g.flush()
}

// Write adds one feature.
func (g *GeoJSONWriter) Write(r Row) error {
	if g.err != nil {
		return g.err
	}
	if g.table == nil {
		return fmt.Errorf("geojson: Write before Begin")
	}
	t := g.table
	if len(r.Values) != len(t.Columns) {
		return fmt.Errorf("geojson: %s: %d values for %d columns", t.Name, len(r.Values), len(t.Columns))
	}
	b := g.buf[:0]
	if g.rows > 0 {
		b = append(b, ',')
	}
	b = append(b, "\n"+`{"type":"Feature",`...)
	if len(t.Columns) > 0 && t.Columns[0].Name == "id" {
		if id, ok := r.Values[0].(string); ok {
			b = append(b, `"id":`...)
			b = appendJSONString(b, id)
			b = append(b, ',')
		}
	}
	b = append(b, `"geometry":`...)
	var err error
	if b, err = appendGeometry(b, r.Geom, t.Geometry); err != nil {
		return fmt.Errorf("geojson: %s row %d: %w", t.Name, g.rows+1, err)
	}
	b = append(b, `,"properties":{`...)
	for i, c := range t.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, c.Name)
		b = append(b, ':')
		if b, err = appendJSONValue(b, c, r.Values[i]); err != nil {
			return fmt.Errorf("geojson: %s row %d: %w", t.Name, g.rows+1, err)
		}
	}
	b = append(b, "}}"...)
	g.buf = b
	g.rows++
	return g.flush()
}

// Close ends the collection and flushes; it does not close the
// underlying writer.
func (g *GeoJSONWriter) Close() error {
	if g.err != nil {
		return g.err
	}
	if g.table == nil {
		g.buf = append(g.buf[:0], `{"type":"FeatureCollection","features":[`...)
	} else {
		g.buf = g.buf[:0]
	}
	g.buf = append(g.buf, "\n]}\n"...)
	if err := g.flush(); err != nil {
		return err
	}
	g.err = g.w.Flush()
	return g.err
}

func (g *GeoJSONWriter) flush() error {
	if _, err := g.w.Write(g.buf); err != nil {
		g.err = err
	}
	return g.err
}

// appendGeometry writes g, which must be of the table's type, or null.
func appendGeometry(b []byte, g *geo.Geometry, want geo.GeometryType) ([]byte, error) {
	if g == nil {
		return append(b, "null"...), nil
	}
	if want == "" || g.Type != want {
		return b, fmt.Errorf("a %s geometry in a table of %s", g.Type, orNone(want))
	}
	b = append(b, `{"type":"`...)
	b = append(b, g.Type...)
	b = append(b, `","coordinates":`...)
	switch g.Type {
	case geo.TypePoint:
		if g.Point == nil {
			return b, fmt.Errorf("a Point without coordinates")
		}
		b = appendPosition(b, *g.Point)
	case geo.TypeLineString:
		b = appendLine(b, g.Line)
	case geo.TypePolygon:
		b = appendArea(b, g.Polygon, g.Holes)
	case geo.TypeMultiPoint:
		b = appendLine(b, g.Points)
	case geo.TypeMultiLineString:
		b = append(b, '[')
		for i, l := range g.Lines {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendLine(b, l)
		}
		b = append(b, ']')
	case geo.TypeMultiPolygon:
		b = append(b, '[')
		for i, a := range g.Areas {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendArea(b, a.Outer, a.Holes)
		}
		b = append(b, ']')
	default:
		return b, fmt.Errorf("unknown geometry type %q", g.Type)
	}
	return append(b, '}'), nil
}

func orNone(t geo.GeometryType) string {
	if t == "" {
		return "no geometry"
	}
	return string(t)
}

func appendPosition(b []byte, p geo.Point) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, p.Lon, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p.Lat, 'f', -1, 64)
	return append(b, ']')
}

func appendLine(b []byte, l []geo.Point) []byte {
	b = append(b, '[')
	for i, p := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPosition(b, p)
	}
	return append(b, ']')
}

// appendArea writes a polygon's rings by the right-hand rule of RFC 7946
// §3.1.6, closing any ring left open.
func appendArea(b []byte, outer geo.Polygon, holes []geo.Polygon) []byte {
	b = append(b, '[')
	b = appendRing(b, outer, true)
	for _, h := range holes {
		b = append(b, ',')
		b = appendRing(b, h, false)
	}
	return append(b, ']')
}

func appendRing(b []byte, ring geo.Polygon, ccw bool) []byte {
	n := len(ring)
	closed := n > 0 && ring[0] == ring[n-1]
	reverse := (signedArea(ring) > 0) != ccw
	b = append(b, '[')
	for k := 0; k < n; k++ {
		i := k
		if reverse {
			i = n - 1 - k
		}
		if k > 0 {
			b = append(b, ',')
		}
		b = appendPosition(b, ring[i])
	}
	if n > 0 && !closed {
		b = append(b, ',')
		if reverse {
			b = appendPosition(b, ring[n-1])
		} else {
			b = appendPosition(b, ring[0])
		}
	}
	return append(b, ']')
}

// signedArea is twice the ring's area in the lon-lat plane, positive when
// it winds counterclockwise.
func signedArea(ring []geo.Point) float64 {
	var a float64
	for i := range ring {
		p, q := ring[i], ring[(i+1)%len(ring)]
		a += p.Lon*q.Lat - q.Lon*p.Lat
	}
	return a
}

// appendJSONValue writes v, of column c's type, as JSON.
func appendJSONValue(b []byte, c Column, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch c.Type {
	case Text:
		if s, ok := v.(string); ok {
			return appendJSONString(b, s), nil
		}
	case Integer:
		if n, ok := v.(int64); ok {
			return strconv.AppendInt(b, n, 10), nil
		}
	case Real:
		if f, ok := v.(float64); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return append(b, "null"...), nil
			}
			return strconv.AppendFloat(b, f, 'f', -1, 64), nil
		}
	case Bool:
		if x, ok := v.(bool); ok {
			return strconv.AppendBool(b, x), nil
		}
	case Date:
		if t, ok := v.(time.Time); ok {
			b = append(b, '"')
			b = t.UTC().AppendFormat(b, time.DateOnly)
			return append(b, '"'), nil
		}
	case DateTime:
		if t, ok := v.(time.Time); ok {
			b = append(b, '"')
			b = t.UTC().AppendFormat(b, time.RFC3339)
			return append(b, '"'), nil
		}
	}
	return b, fmt.Errorf("column %s: a %T value in a %s column", c.Name, v, c.Type)
}

// String names a column type, for messages.
func (t ColumnType) String() string {
	switch t {
	case Text:
		return "text"
	case Integer:
		return "integer"
	case Real:
		return "real"
	case Bool:
		return "boolean"
	case Date:
		return "date"
	case DateTime:
		return "date-time"
	}
	return "unknown"
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
