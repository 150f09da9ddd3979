package exchange

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/geo"
)

// KML 2.2 (OGC 07-147r2) out: one Document holding, per Table, a
// Document of its own (KML's folder that may carry a Schema) with the
// table's Schema — its columns and their types — then a Placemark per Row:
// a name, a description, a TimeStamp or TimeSpan when the row has times,
// every column as SchemaData/SimpleData, its geometry in longitude,
// latitude order.
//
// A Schema must come before the features of the Document that holds it;
// a stream cannot know its later tables when it writes the first, so each
// table gets its own Document rather than a Folder under one Schema list.
// GDAL's LIBKML driver then reads each table as a layer with typed
// columns, in a .kml and in a .kmz alike (with Folders and the Schemas in
// the outer Document it lost the columns of a .kmz).

const kmlNamespace = "http://www.opengis.net/kml/2.2"

// The columns a Placemark takes its name, description and times from, in
// order of preference. A table with none of them still gets a name: its id.
var (
	kmlNameColumns        = []string{"name", "title", "designation", "category_name", "kind_name", "checkpoint_name", "id"}
	kmlDescriptionColumns = []string{"description", "narrative", "note", "finding_summary"}
	kmlBeginColumns       = []string{"start", "valid_from", "time_from"}
	kmlEndColumns         = []string{"end", "valid_to", "time_to"}
	kmlWhenColumns        = []string{"at", "date", "laid_at", "recorded_on"}
)

// KMLWriter writes Tables as one KML document. It holds one row at a time.
type KMLWriter struct {
	w      *bufio.Writer
	title  string
	opened bool // the document has begun
	table  *Table
	plan   kmlPlan
	closed bool
}

// kmlPlan is where in a table's row a Placemark's parts come from: column
// indexes, -1 when none.
type kmlPlan struct {
	schemaID         string
	simpleData       []string // `<SimpleData name="column">` per column
	names            []int    // the first that is not null names the Placemark
	description      int
	begin, end, when int
}

// NewKMLWriter returns a Writer of one KML document titled title.
func NewKMLWriter(w io.Writer, title string) *KMLWriter {
	return &KMLWriter{w: bufio.NewWriterSize(w, 64<<10), title: title}
}

func (k *KMLWriter) start() {
	if k.opened {
		return
	}
	k.opened = true
	k.w.WriteString(xml.Header)
	k.w.WriteString(`<kml xmlns="` + kmlNamespace + `">` + "\n<Document>\n<name>")
	k.text(k.title)
	k.w.WriteString("</name>\n")
	// Neutral styles, one per kind of geometry: features keep the colours
	// of no side.
	k.w.WriteString(`<Style id="point"><IconStyle><color>ff3c3cd2</color><scale>0.8</scale>` +
		`<Icon><href>https://maps.google.com/mapfiles/kml/shapes/placemark_circle.png</href></Icon></IconStyle></Style>` + "\n")
	k.w.WriteString(`<Style id="line"><LineStyle><color>ff404040</color><width>2</width></LineStyle></Style>` + "\n")
	k.w.WriteString(`<Style id="area"><LineStyle><color>ff404040</color><width>1.5</width></LineStyle>` +
		`<PolyStyle><color>40808080</color></PolyStyle></Style>` + "\n")
}

// Begin starts a Folder for t, after its Schema.
func (k *KMLWriter) Begin(t Table) error {
	if k.closed {
		return fmt.Errorf("kml: Begin after Close")
	}
	if err := kmlCheckTable(t); err != nil {
		return err
	}
	k.start()
	if k.table != nil {
		k.w.WriteString("</Document>\n")
	}
	k.table = &t
	k.plan = kmlPlanOf(t)
	k.w.WriteString(`<Document id="` + xmlAttr(t.Name) + `">` + "\n<name>")
	k.text(t.Title)
	k.w.WriteString("</name>\n")
	k.w.WriteString(`<Schema name="` + xmlAttr(t.Name) + `" id="` + k.plan.schemaID + `">` + "\n")
	for _, c := range t.Columns {
		k.w.WriteString(`<SimpleField type="` + kmlFieldType(c.Type) + `" name="` + xmlAttr(c.Name) + `"/>` + "\n")
	}
	k.w.WriteString("</Schema>\n")
	return k.w.Flush()
}

// kmlCheckTable refuses a table a reader could not read back: no name, a
// column without a name or named twice.
func kmlCheckTable(t Table) error {
	if t.Name == "" {
		return fmt.Errorf("exchange: a table without a name")
	}
	seen := make(map[string]bool, len(t.Columns))
	for _, c := range t.Columns {
		if c.Name == "" || seen[c.Name] {
			return fmt.Errorf("exchange: table %s: column %q is empty or repeated", t.Name, c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}

func kmlPlanOf(t Table) kmlPlan {
	p := kmlPlan{schemaID: "s_" + t.Name, description: -1, begin: -1, end: -1, when: -1}
	find := func(names []string, types ...ColumnType) int {
		for _, n := range names {
			for i, c := range t.Columns {
				if c.Name != n {
					continue
				}
				if len(types) == 0 {
					return i
				}
				for _, ty := range types {
					if c.Type == ty {
						return i
					}
				}
			}
		}
		return -1
	}
	for _, c := range t.Columns {
		p.simpleData = append(p.simpleData, `<SimpleData name="`+xmlAttr(c.Name)+`">`)
	}
	for _, n := range kmlNameColumns {
		if i := find([]string{n}); i >= 0 {
			p.names = append(p.names, i)
		}
	}
	p.description = find(kmlDescriptionColumns, Text)
	p.begin = find(kmlBeginColumns, Date, DateTime)
	p.end = find(kmlEndColumns, Date, DateTime)
	p.when = find(kmlWhenColumns, Date, DateTime)
	return p
}

// kmlFieldType is the SimpleField type of a column. KML has no date type:
// dates and times are strings, and a reader gives them back their type
// from the table's columns.
func kmlFieldType(t ColumnType) string {
	switch t {
	case Integer:
		return "int"
	case Real:
		return "double"
	case Bool:
		return "bool"
	}
	return "string"
}

// Write adds r as a Placemark.
func (k *KMLWriter) Write(r Row) error {
	if k.table == nil {
		return fmt.Errorf("kml: Write before Begin")
	}
	t := k.table
	if len(r.Values) != len(t.Columns) {
		return fmt.Errorf("kml: table %s: a row of %d values for %d columns", t.Name, len(r.Values), len(t.Columns))
	}
	k.w.WriteString("<Placemark>")
	for _, i := range k.plan.names {
		if s := kmlCell(t, r.Values, i); s != "" {
			k.w.WriteString("<name>")
			k.text(s)
			k.w.WriteString("</name>")
			break
		}
	}
	if s := kmlCell(t, r.Values, k.plan.description); s != "" {
		k.w.WriteString("<description>")
		k.text(s)
		k.w.WriteString("</description>")
	}
	begin, end := kmlCell(t, r.Values, k.plan.begin), kmlCell(t, r.Values, k.plan.end)
	switch {
	case begin != "" || end != "":
		k.w.WriteString("<TimeSpan>")
		if begin != "" {
			k.w.WriteString("<begin>" + begin + "</begin>")
		}
		if end != "" {
			k.w.WriteString("<end>" + end + "</end>")
		}
		k.w.WriteString("</TimeSpan>")
	default:
		if when := kmlCell(t, r.Values, k.plan.when); when != "" {
			k.w.WriteString("<TimeStamp><when>" + when + "</when></TimeStamp>")
		}
	}
	if r.Geom != nil {
		k.w.WriteString("<styleUrl>#" + kmlStyleOf(r.Geom.Type) + "</styleUrl>")
	}
	k.w.WriteString(`<ExtendedData><SchemaData schemaUrl="#` + k.plan.schemaID + `">`)
	for i, c := range t.Columns {
		v := r.Values[i]
		if v == nil {
			continue
		}
		s, err := kmlFormat(c, v)
		if err != nil {
			return fmt.Errorf("kml: table %s: %w", t.Name, err)
		}
		k.w.WriteString(k.plan.simpleData[i])
		k.text(s)
		k.w.WriteString("</SimpleData>")
	}
	k.w.WriteString("</SchemaData></ExtendedData>")
	if r.Geom != nil {
		if err := k.geometry(*r.Geom); err != nil {
			return fmt.Errorf("kml: table %s: %w", t.Name, err)
		}
	}
	k.w.WriteString("</Placemark>\n")
	if k.w.Buffered() > 32<<10 {
		return k.w.Flush()
	}
	return nil
}

func kmlStyleOf(t geo.GeometryType) string {
	switch t {
	case geo.TypePoint, geo.TypeMultiPoint:
		return "point"
	case geo.TypeLineString, geo.TypeMultiLineString:
		return "line"
	}
	return "area"
}

// Close ends the document and flushes it.
func (k *KMLWriter) Close() error {
	if k.closed {
		return nil
	}
	k.start()
	k.closed = true
	if k.table != nil {
		k.w.WriteString("</Document>\n")
	}
	k.w.WriteString("</Document>\n</kml>\n")
	return k.w.Flush()
}

// text writes s as XML character data: the five markup characters and
// carriage returns escaped, invalid UTF-8 and the characters XML 1.0
// cannot hold replaced by U+FFFD, the rest as it is.
func (k *KMLWriter) text(s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		size := 1
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"':
				esc = "&#34;"
			case c == '\'':
				esc = "&#39;"
			case c == '\r':
				esc = "&#xD;"
			case c < 0x20 && c != '\n' && c != '\t':
				esc = "\uFFFD"
			}
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			k.w.WriteString(s[last:i])
			k.w.WriteString(esc)
			last = i + size
		}
		i += size
	}
	k.w.WriteString(s[last:])
}

// xmlAttr escapes a name for an attribute value.
func xmlAttr(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(strings.ToValidUTF8(s, "\uFFFD")))
	return b.String()
}

func (k *KMLWriter) geometry(g geo.Geometry) error {
	switch g.Type {
	case geo.TypePoint:
		if g.Point == nil {
			return fmt.Errorf("a Point geometry without its point")
		}
		k.point(*g.Point)
	case geo.TypeLineString:
		k.line(g.Line)
	case geo.TypePolygon:
		k.polygon(g.Polygon, g.Holes)
	case geo.TypeMultiPoint:
		k.w.WriteString("<MultiGeometry>")
		for _, p := range g.Points {
			k.point(p)
		}
		k.w.WriteString("</MultiGeometry>")
	case geo.TypeMultiLineString:
		k.w.WriteString("<MultiGeometry>")
		for _, l := range g.Lines {
			k.line(l)
		}
		k.w.WriteString("</MultiGeometry>")
	case geo.TypeMultiPolygon:
		k.w.WriteString("<MultiGeometry>")
		for _, a := range g.Areas {
			k.polygon(a.Outer, a.Holes)
		}
		k.w.WriteString("</MultiGeometry>")
	default:
		return fmt.Errorf("geometry type %q is not one KML can hold", g.Type)
	}
	return nil
}

func (k *KMLWriter) point(p geo.Point) {
	k.w.WriteString("<Point><coordinates>")
	k.coord(p)
	k.w.WriteString("</coordinates></Point>")
}

func (k *KMLWriter) line(l geo.Line) {
	k.w.WriteString("<LineString><tessellate>1</tessellate><coordinates>")
	k.coords(l)
	k.w.WriteString("</coordinates></LineString>")
}

func (k *KMLWriter) polygon(outer geo.Polygon, holes []geo.Polygon) {
	k.w.WriteString("<Polygon><tessellate>1</tessellate><outerBoundaryIs><LinearRing><coordinates>")
	k.coords(outer)
	k.w.WriteString("</coordinates></LinearRing></outerBoundaryIs>")
	for _, h := range holes {
		k.w.WriteString("<innerBoundaryIs><LinearRing><coordinates>")
		k.coords(h)
		k.w.WriteString("</coordinates></LinearRing></innerBoundaryIs>")
	}
	k.w.WriteString("</Polygon>")
}

func (k *KMLWriter) coords(pts []geo.Point) {
	for i, p := range pts {
		if i > 0 {
			k.w.WriteByte(' ')
		}
		k.coord(p)
	}
}

func (k *KMLWriter) coord(p geo.Point) {
	var buf [64]byte
	b := strconv.AppendFloat(buf[:0], p.Lon, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p.Lat, 'f', -1, 64)
	k.w.Write(b)
}

// kmlCell is the text of column i of row values as kmlFormat gives it,
// "" when i is -1, the value nil or of the wrong type.
func kmlCell(t *Table, values []any, i int) string {
	if i < 0 || values[i] == nil {
		return ""
	}
	s, err := kmlFormat(t.Columns[i], values[i])
	if err != nil {
		return ""
	}
	return s
}

// kmlFormat writes v, the value of column c, as text: what KML's
// SimpleData and CSV cells hold. Dates are YYYY-MM-DD, times RFC 3339 in
// UTC, reals without an exponent where one is not needed.
func kmlFormat(c Column, v any) (string, error) {
	bad := func() (string, error) {
		return "", fmt.Errorf("column %s: a %T where its type wants another", c.Name, v)
	}
	switch c.Type {
	case Text:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		return s, nil
	case Integer:
		n, ok := v.(int64)
		if !ok {
			return bad()
		}
		return strconv.FormatInt(n, 10), nil
	case Real:
		f, ok := v.(float64)
		if !ok {
			return bad()
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "", fmt.Errorf("column %s: %v is not a number a file can hold", c.Name, f)
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		// KML's bool is XML Schema's, which allows 1 and 0 as well; GDAL
		// reads only those into its integer field.
		if b {
			return "1", nil
		}
		return "0", nil
	case Date:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		return t.UTC().Format(time.DateOnly), nil
	case DateTime:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	}
	return bad()
}
