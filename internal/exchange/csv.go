package exchange

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// CSVContentType is the media type of the CSV exports.
const CSVContentType = "text/csv; charset=utf-8"

// CSVWriter writes one Table as RFC 4180 CSV in UTF-8 without a byte
// order mark: the header row of column names, then the HXL hashtag row
// (empty where no tag fits), then one line per row. Dates are ISO 8601
// (YYYY-MM-DD; times RFC 3339 in UTC); a missing value is an empty field.
// A table whose geometry is not a point (lines, polygons) gets a last
// column, wkt, with the geometry as WKT, which QGIS and GDAL read; point
// tables already carry lat and lon.
type CSVWriter struct {
	w     *bufio.Writer
	table *Table
	wkt   bool
	rows  int
	buf   []byte
	err   error
}

// NewCSVWriter returns a Writer of one CSV table on w.
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// WKTColumn is the column a CSV export adds for a geometry that is not a
// point.
var WKTColumn = Column{Name: "wkt", Type: Text, HXL: "#geo+wkt", Doc: "the geometry as WKT (WGS 84, longitude latitude); CSV only, for tables whose geometry is not a point"}

// Begin writes the header and HXL rows; a CSV file holds one table.
func (c *CSVWriter) Begin(t Table) error {
	if c.table != nil {
		return errs.Invalid("format", "a CSV file holds one table (%s); %s needs a file of its own", c.table.Name, t.Name)
	}
	c.table = &t
	c.wkt = t.Geometry != "" && t.Geometry != geo.TypePoint
	cols := t.Columns
	if c.wkt {
		cols = append(append([]Column(nil), cols...), WKTColumn)
	}
	b := c.buf[:0]
	for i, col := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVField(b, col.Name)
	}
	b = append(b, '\r', '\n')
	for i, col := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVField(b, col.HXL)
	}
	b = append(b, '\r', '\n')
	c.buf = b
	return c.flush()
}

// Write adds one line.
func (c *CSVWriter) Write(r Row) error {
	if c.err != nil {
		return c.err
	}
	if c.table == nil {
		return fmt.Errorf("csv: Write before Begin")
	}
	t := c.table
	if len(r.Values) != len(t.Columns) {
		return fmt.Errorf("csv: %s: %d values for %d columns", t.Name, len(r.Values), len(t.Columns))
	}
	b := c.buf[:0]
	var err error
	for i, col := range t.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendCSVValue(b, col, r.Values[i]); err != nil {
			return fmt.Errorf("csv: %s row %d: %w", t.Name, c.rows+1, err)
		}
	}
	if c.wkt {
		b = append(b, ',')
		if r.Geom != nil {
			if r.Geom.Type != t.Geometry {
				return fmt.Errorf("csv: %s row %d: a %s geometry in a table of %s", t.Name, c.rows+1, r.Geom.Type, t.Geometry)
			}
			b = appendCSVField(b, string(appendWKT(nil, r.Geom)))
		}
	}
	b = append(b, '\r', '\n')
	c.buf = b
	c.rows++
	return c.flush()
}

// Close flushes; it does not close the underlying writer.
func (c *CSVWriter) Close() error {
	if c.err != nil {
		return c.err
	}
	c.err = c.w.Flush()
	return c.err
}

func (c *CSVWriter) flush() error {
	if _, err := c.w.Write(c.buf); err != nil {
		c.err = err
	}
	return c.err
}

// appendCSVValue writes v, of column col's type, as a CSV field.
func appendCSVValue(b []byte, col Column, v any) ([]byte, error) {
	if v == nil {
		return b, nil
	}
	switch col.Type {
	case Text:
		if s, ok := v.(string); ok {
			return appendCSVField(b, guardCell(s)), nil
		}
	case Integer:
		if n, ok := v.(int64); ok {
			return strconv.AppendInt(b, n, 10), nil
		}
	case Real:
		if f, ok := v.(float64); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return b, nil
			}
			return strconv.AppendFloat(b, f, 'f', -1, 64), nil
		}
	case Bool:
		if x, ok := v.(bool); ok {
			return strconv.AppendBool(b, x), nil
		}
	case Date:
		if t, ok := v.(time.Time); ok {
			return t.UTC().AppendFormat(b, time.DateOnly), nil
		}
	case DateTime:
		if t, ok := v.(time.Time); ok {
			return t.UTC().AppendFormat(b, time.RFC3339), nil
		}
	}
	return b, fmt.Errorf("column %s: a %T value in a %s column", col.Name, v, col.Type)
}

// appendCSVField writes s, quoted (RFC 4180) when it holds a comma, a
// quote, a line break or leading or trailing space.
func appendCSVField(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	if !strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[len(s)-1] != ' ' {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// appendWKT writes g as WKT.
func appendWKT(b []byte, g *geo.Geometry) []byte {
	coords := func(b []byte, pts []geo.Point) []byte {
		b = append(b, '(')
		for i, p := range pts {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = strconv.AppendFloat(b, p.Lon, 'f', -1, 64)
			b = append(b, ' ')
			b = strconv.AppendFloat(b, p.Lat, 'f', -1, 64)
		}
		return append(b, ')')
	}
	area := func(b []byte, outer geo.Polygon, holes []geo.Polygon) []byte {
		b = append(b, '(')
		b = coords(b, closeRing(outer))
		for _, h := range holes {
			b = append(b, ',', ' ')
			b = coords(b, closeRing(h))
		}
		return append(b, ')')
	}
	switch g.Type {
	case geo.TypePoint:
		if g.Point != nil {
			b = append(b, "POINT "...)
			return coords(b, []geo.Point{*g.Point})
		}
	case geo.TypeLineString:
		return coords(append(b, "LINESTRING "...), g.Line)
	case geo.TypePolygon:
		return area(append(b, "POLYGON "...), g.Polygon, g.Holes)
	case geo.TypeMultiPoint:
		b = append(b, "MULTIPOINT ("...)
		for i, p := range g.Points {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = coords(b, []geo.Point{p})
		}
		return append(b, ')')
	case geo.TypeMultiLineString:
		b = append(b, "MULTILINESTRING ("...)
		for i, l := range g.Lines {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = coords(b, l)
		}
		return append(b, ')')
	case geo.TypeMultiPolygon:
		b = append(b, "MULTIPOLYGON ("...)
		for i, a := range g.Areas {
			if i > 0 {
				b = append(b, ',', ' ')
			}
			b = area(b, a.Outer, a.Holes)
		}
		return append(b, ')')
	}
	return append(b, "GEOMETRYCOLLECTION EMPTY"...)
}

func closeRing(r geo.Polygon) geo.Polygon {
	if n := len(r); n > 0 && r[0] != r[n-1] {
		return append(append(geo.Polygon(nil), r...), r[0])
	}
	return r
}
