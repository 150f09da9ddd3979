package exchange

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// KML in: Placemarks at any depth of Documents and Folders, one Feature
// each, in file order. A Placemark's properties are its ExtendedData
// (SchemaData/SimpleData and Data/value), typed by the columns the caller
// names or else by the Schema's SimpleField types; its name and
// description fill "name" and "description" when the ExtendedData does not
// hold them. Altitudes are read and dropped; times (TimeStamp, TimeSpan)
// and styles are left to the ExtendedData, which a Truce export repeats.
//
// The file is read as a stream: one Placemark at a time is held, and a
// Placemark may hold at most kmlMaxPlacemarkText bytes of text.

// kmlMaxPlacemarkText bounds the text of one Placemark (its coordinates
// mostly): geo.MaxVertices positions at about 40 bytes each, with room.
const kmlMaxPlacemarkText = 8 << 20

// kmlMaxDepth bounds the nesting of elements inside a Placemark.
const kmlMaxDepth = 64

// KMLReader reads the Placemarks of a KML document as Features.
type KMLReader struct {
	d        *xml.Decoder
	columns  map[string]ColumnType // nil: type by the Schema
	hasName  bool                  // the caller's columns hold "name"
	hasDesc  bool                  // … and "description"
	schemas  map[string]map[string]string
	rooted   bool // the root <kml> element was seen
	n        int  // Placemarks read
	closer   io.Closer
	finished bool
}

// NewKMLReader reads KML from r. columns, when not nil, are the kind's
// export columns: they type the properties by name (dates and times, which
// KML's Schema cannot type, included).
func NewKMLReader(r io.Reader, columns []Column) *KMLReader {
	d := xml.NewDecoder(r)
	d.Strict = true
	k := &KMLReader{d: d, schemas: make(map[string]map[string]string)}
	if columns != nil {
		k.columns = make(map[string]ColumnType, len(columns))
		for _, c := range columns {
			k.columns[c.Name] = c.Type
		}
		_, k.hasName = k.columns["name"]
		_, k.hasDesc = k.columns["description"]
	}
	return k
}

// Next returns the next Placemark, or io.EOF after the last.
func (k *KMLReader) Next() (Feature, error) {
	if k.finished {
		return Feature{}, io.EOF
	}
	for {
		tok, err := k.d.Token()
		if err == io.EOF {
			k.finish()
			if !k.rooted {
				return Feature{}, errs.Invalid("file", "is empty: no <kml> document in it")
			}
			return Feature{}, io.EOF
		}
		if err != nil {
			k.finish()
			return Feature{}, k.xmlError(err)
		}
		if text, ok := tok.(xml.CharData); ok && !k.rooted && len(bytes.TrimSpace(text)) > 0 {
			k.finish()
			return Feature{}, errs.Invalid("file", "is not KML: it does not start with an XML element")
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !k.rooted {
			if start.Name.Local != "kml" {
				k.finish()
				return Feature{}, errs.Invalid("file", "is not KML: its first element is <%s>, not <kml>", start.Name.Local)
			}
			k.rooted = true
			continue
		}
		switch start.Name.Local {
		case "Schema":
			if err := k.readSchema(start); err != nil {
				k.finish()
				return Feature{}, err
			}
		case "Placemark":
			k.n++
			node, err := readKMLNode(k.d, start)
			if err != nil {
				k.finish()
				var e *errs.Error
				if errors.As(err, &e) {
					return Feature{}, kmlPrefix(k.where(), err)
				}
				return Feature{}, k.xmlError(err)
			}
			f, err := k.feature(node)
			if err != nil {
				// The next Placemark can still be read: the caller collects
				// every bad one.
				return Feature{Number: k.n}, err
			}
			return f, nil
		}
	}
}

func (k *KMLReader) finish() {
	k.finished = true
	if k.closer != nil {
		k.closer.Close()
		k.closer = nil
	}
}

func (k *KMLReader) where() string { return fmt.Sprintf("placemark %d", k.n) }

// xmlError turns a decoder's error into one naming where the file broke.
func (k *KMLReader) xmlError(err error) error {
	var syn *xml.SyntaxError
	if errors.As(err, &syn) {
		if strings.Contains(syn.Msg, "unexpected EOF") {
			return errs.Invalid(fmt.Sprintf("line %d", syn.Line), "the file ends in the middle of the document (truncated?)")
		}
		return errs.Invalid(fmt.Sprintf("line %d", syn.Line), "is not well-formed XML: %s", syn.Msg)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errs.Invalid("file", "the file ends in the middle of the document (truncated?)")
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	if strings.Contains(err.Error(), "CharsetReader") {
		return errs.Invalid("file", "is not in UTF-8 (%s); save it as UTF-8 and import it again", strings.TrimPrefix(err.Error(), "xml: "))
	}
	return errs.Invalid("file", "cannot be read as XML: %v", err)
}

// kmlPrefix puts at (a placemark) before the fields of err's errors:
// "placemark 3: Point.coordinates[0]".
func kmlPrefix(at string, err error) error {
	all := errs.All(err)
	if all == nil {
		return err
	}
	out := make([]*errs.Error, len(all))
	for i, e := range all {
		c := *e
		c.Field = at + ": " + e.Field
		out[i] = &c
	}
	if len(out) == 1 {
		return out[0]
	}
	return &errs.List{Errs: out}
}

// readSchema records a Schema's SimpleField types under its id.
func (k *KMLReader) readSchema(start xml.StartElement) error {
	node, err := readKMLNode(k.d, start)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			return err
		}
		return k.xmlError(err)
	}
	fields := make(map[string]string)
	for _, c := range node.children {
		if c.name == "SimpleField" {
			fields[c.attr("name")] = strings.ToLower(c.attr("type"))
		}
	}
	if id := node.attr("id"); id != "" {
		k.schemas["#"+id] = fields
	}
	if name := node.attr("name"); name != "" {
		k.schemas["#"+name] = fields
	}
	return nil
}

// kmlNode is one element of a Placemark.
type kmlNode struct {
	name     string
	attrs    []xml.Attr
	text     string
	children []*kmlNode
}

func (n *kmlNode) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *kmlNode) child(name string) *kmlNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// readKMLNode reads the element start opens, up to its end, as a tree,
// holding at most kmlMaxPlacemarkText bytes of text and kmlMaxDepth levels.
func readKMLNode(d *xml.Decoder, start xml.StartElement) (*kmlNode, error) {
	root := &kmlNode{name: start.Name.Local, attrs: start.Attr}
	stack := []*kmlNode{root}
	var size int
	var text strings.Builder
	for len(stack) > 0 {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= kmlMaxDepth {
				return nil, errs.Invalid(top.name, "nests more than %d elements deep", kmlMaxDepth)
			}
			c := &kmlNode{name: t.Name.Local, attrs: t.Attr}
			top.children = append(top.children, c)
			stack = append(stack, c)
			text.Reset()
		case xml.CharData:
			size += len(t)
			if size > kmlMaxPlacemarkText {
				return nil, errs.TooLarge(root.name, "holds more than %d MB of text", kmlMaxPlacemarkText>>20)
			}
			if len(top.children) == 0 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(top.children) == 0 {
				top.text = text.String()
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		}
	}
	return root, nil
}

// feature interprets a Placemark, reporting every bad field at once.
func (k *KMLReader) feature(pm *kmlNode) (Feature, error) {
	f := Feature{Number: k.n, Props: make(map[string]any)}
	var c errs.Collector
	at := k.where()
	if ed := pm.child("ExtendedData"); ed != nil {
		for _, sd := range ed.children {
			switch sd.name {
			case "SchemaData":
				fields := k.schemas[sd.attr("schemaUrl")]
				for _, v := range sd.children {
					if v.name == "SimpleData" {
						c.Add(k.prop(f.Props, at, v.attr("name"), v.text, fields))
					}
				}
			case "Data":
				value := ""
				if v := sd.child("value"); v != nil {
					value = v.text
				}
				c.Add(k.prop(f.Props, at, sd.attr("name"), value, nil))
			}
		}
	}
	// A Truce export repeats every column in SchemaData; a file from
	// elsewhere (Google Earth) may have only a name and a description.
	typed := false
	if ed := pm.child("ExtendedData"); ed != nil {
		typed = ed.child("SchemaData") != nil
	}
	for _, fill := range []struct {
		element string
		ok      bool
	}{{"name", k.columns == nil || k.hasName}, {"description", k.columns == nil || k.hasDesc}} {
		if _, set := f.Props[fill.element]; set || !fill.ok || typed {
			continue
		}
		if n := pm.child(fill.element); n != nil && strings.TrimSpace(n.text) != "" {
			f.Props[fill.element] = strings.TrimSpace(n.text)
		}
	}
	for _, g := range pm.children {
		if !kmlGeometryElement(g.name) {
			continue
		}
		if f.Geom != nil {
			c.Add(errs.Invalid(at+": "+g.name, "a Placemark holds one geometry; this one has a second (use a MultiGeometry)"))
			break
		}
		geom, err := kmlGeometry(g)
		if err != nil {
			c.Add(kmlPrefix(at, err))
			break
		}
		f.Geom = &geom
	}
	if err := c.Err(); err != nil {
		return Feature{Number: k.n}, err
	}
	return f, nil
}

func kmlGeometryElement(name string) bool {
	switch name {
	case "Point", "LineString", "LinearRing", "Polygon", "MultiGeometry", "Model", "Track", "MultiTrack":
		return true
	}
	return false
}

// prop sets props[name] from text, typed by the caller's column or the
// Schema's field.
func (k *KMLReader) prop(props map[string]any, at, name, text string, fields map[string]string) error {
	field := at + ": ExtendedData." + name
	if name == "" {
		return errs.Invalid(at+": ExtendedData", "a value without a name")
	}
	if _, dup := props[name]; dup {
		return errs.Because(errs.Invalid(field, "is given twice"), errs.ReasonDuplicate)
	}
	if strings.TrimSpace(text) == "" {
		props[name] = nil
		return nil
	}
	ty, ok := k.columns[name]
	if !ok {
		ty = Text
		switch fields[name] {
		case "int", "uint", "short", "ushort":
			ty = Integer
		case "float", "double":
			ty = Real
		case "bool":
			ty = Bool
		}
	}
	if ty != Text {
		text = strings.TrimSpace(text)
	}
	v, err := kmlValue(ty, text)
	if err != nil {
		return errs.Invalid(field, "%s", err.Error())
	}
	props[name] = v
	return nil
}

// kmlValue reads s, the text of a cell, as a value of type t: the inverse
// of what the writers print. The error says what was expected.
func kmlValue(t ColumnType, s string) (any, error) {
	switch t {
	case Integer:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", s)
		}
		return n, nil
	case Real:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case Bool:
		switch strings.ToLower(s) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not true or false", s)
	case Date:
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date written YYYY-MM-DD%s", s, localDateHint(s))
		}
		return d, nil
	case DateTime:
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			if d, err := time.Parse(time.DateOnly, s); err == nil {
				return d, nil
			}
			return nil, fmt.Errorf("%q is not a time written like 2021-06-10T14:30:00Z%s", s, localDateHint(s))
		}
		return d.UTC(), nil
	}
	return s, nil
}

// localDateHint explains a date in a local format (12/06/2021, 12.06.2021):
// the day and the month cannot be told apart, so it is refused, not guessed.
func localDateHint(s string) string {
	if len(s) >= 8 && len(s) <= 10 && strings.ContainsAny(s, "/.") && strings.Trim(s, "0123456789/.") == "" {
		return " (a local date like 12/06/2021 is ambiguous between day and month: write it 2021-06-12 in ISO 8601)"
	}
	return ""
}

// kmlGeometry reads a geometry element; fields are element paths.
func kmlGeometry(n *kmlNode) (geo.Geometry, error) {
	switch n.name {
	case "Point":
		pts, err := kmlCoordinates(n, "Point.coordinates")
		if err != nil {
			return geo.Geometry{}, err
		}
		if len(pts) != 1 {
			return geo.Geometry{}, errs.Invalid("Point.coordinates", "a Point has one position, got %d", len(pts))
		}
		return geo.PointGeometry(pts[0]), nil
	case "LineString":
		pts, err := kmlCoordinates(n, "LineString.coordinates")
		if err != nil {
			return geo.Geometry{}, err
		}
		if len(pts) < 2 {
			return geo.Geometry{}, errs.Invalid("LineString.coordinates", "a LineString needs at least 2 positions, got %d", len(pts))
		}
		return geo.LineGeometry(pts), nil
	case "LinearRing":
		ring, err := kmlRing(n, "LinearRing")
		if err != nil {
			return geo.Geometry{}, err
		}
		return geo.PolygonGeometry(ring), nil
	case "Polygon":
		outer, holes, err := kmlPolygon(n)
		if err != nil {
			return geo.Geometry{}, err
		}
		g := geo.PolygonGeometry(outer)
		g.Holes = holes
		return g, nil
	case "MultiGeometry":
		var parts []geo.Geometry
		if err := kmlFlatten(n, &parts, "MultiGeometry", 0); err != nil {
			return geo.Geometry{}, err
		}
		return kmlMulti(parts)
	}
	return geo.Geometry{}, errs.Invalid(n.name, "<%s> is a geometry Truce cannot import; use Point, LineString, Polygon or MultiGeometry", n.name)
}

func kmlPolygon(n *kmlNode) (geo.Polygon, []geo.Polygon, error) {
	var outer geo.Polygon
	var holes []geo.Polygon
	for _, b := range n.children {
		switch b.name {
		case "outerBoundaryIs":
			if outer != nil {
				return nil, nil, errs.Invalid("Polygon.outerBoundaryIs", "a Polygon has one outer boundary")
			}
			ring, err := kmlBoundary(b, "Polygon.outerBoundaryIs")
			if err != nil {
				return nil, nil, err
			}
			outer = ring
		case "innerBoundaryIs":
			// KML 2.2 puts one LinearRing in each innerBoundaryIs; older
			// files put several in one. Both are read.
			for i, r := range b.children {
				if r.name != "LinearRing" {
					continue
				}
				ring, err := kmlRing(r, fmt.Sprintf("Polygon.innerBoundaryIs[%d].LinearRing[%d]", len(holes), i))
				if err != nil {
					return nil, nil, err
				}
				holes = append(holes, ring)
			}
		}
	}
	if outer == nil {
		return nil, nil, errs.Invalid("Polygon.outerBoundaryIs", "is required")
	}
	return outer, holes, nil
}

func kmlBoundary(b *kmlNode, path string) (geo.Polygon, error) {
	r := b.child("LinearRing")
	if r == nil {
		return nil, errs.Invalid(path+".LinearRing", "is required")
	}
	return kmlRing(r, path+".LinearRing")
}

func kmlRing(r *kmlNode, path string) (geo.Polygon, error) {
	pts, err := kmlCoordinates(r, path+".coordinates")
	if err != nil {
		return nil, err
	}
	if len(pts) < 4 {
		return nil, errs.Invalid(path+".coordinates", "a ring needs at least 4 positions (3 corners, then the first repeated to close it), got %d", len(pts))
	}
	if pts[0] != pts[len(pts)-1] {
		return nil, errs.Invalid(path+".coordinates", "the ring is not closed: it must end at its first position %v, not %v", pts[0], pts[len(pts)-1])
	}
	return pts, nil
}

// kmlFlatten gathers the simple geometries of a MultiGeometry, nested ones
// included.
func kmlFlatten(n *kmlNode, out *[]geo.Geometry, path string, depth int) error {
	for i, c := range n.children {
		if !kmlGeometryElement(c.name) {
			continue
		}
		at := fmt.Sprintf("%s[%d]", path, i)
		if c.name == "MultiGeometry" {
			if err := kmlFlatten(c, out, at, depth+1); err != nil {
				return err
			}
			continue
		}
		g, err := kmlGeometry(c)
		if err != nil {
			return errs.Prefix(at, err)
		}
		*out = append(*out, g)
	}
	return nil
}

// kmlMulti makes one geometry of a MultiGeometry's parts, all alike: a
// MultiPoint, MultiLineString or MultiPolygon, even of one part (a zone
// is a MultiPolygon of one area as often as not).
func kmlMulti(parts []geo.Geometry) (geo.Geometry, error) {
	if len(parts) == 0 {
		return geo.Geometry{}, errs.Invalid("MultiGeometry", "holds no geometry")
	}
	first := parts[0].Type
	for _, p := range parts[1:] {
		if p.Type != first {
			return geo.Geometry{}, errs.Invalid("MultiGeometry", "mixes %s and %s; Truce keeps one type of geometry per record", first, p.Type)
		}
	}
	var g geo.Geometry
	switch first {
	case geo.TypePoint:
		g.Type = geo.TypeMultiPoint
		for _, p := range parts {
			g.Points = append(g.Points, *p.Point)
		}
	case geo.TypeLineString:
		g.Type = geo.TypeMultiLineString
		for _, p := range parts {
			g.Lines = append(g.Lines, p.Line)
		}
	default:
		g.Type = geo.TypeMultiPolygon
		for _, p := range parts {
			g.Areas = append(g.Areas, geo.Area{Outer: p.Polygon, Holes: p.Holes})
		}
	}
	return g, nil
}

// kmlCoordinates reads a <coordinates> child: tuples lon,lat[,alt]
// separated by white space. A latitude out of range whose longitude would
// fit is reported as a probable swap.
func kmlCoordinates(n *kmlNode, path string) ([]geo.Point, error) {
	c := n.child("coordinates")
	if c == nil {
		return nil, errs.Invalid(path, "is required")
	}
	var pts []geo.Point
	for i, tuple := range strings.Fields(c.text) {
		if len(pts) >= geo.MaxVertices {
			return nil, errs.TooLarge(path, "has more than %d positions", geo.MaxVertices)
		}
		at := fmt.Sprintf("%s[%d]", path, i)
		parts := strings.Split(tuple, ",")
		if len(parts) != 2 && len(parts) != 3 {
			return nil, errs.Invalid(at, "%q is not a position: KML writes longitude,latitude[,altitude]", kmlShort(tuple))
		}
		var nums [2]float64
		for j := range 2 {
			f, err := strconv.ParseFloat(parts[j], 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, errs.Invalid(at, "%q is not a number", kmlShort(parts[j]))
			}
			nums[j] = f
		}
		if len(parts) == 3 {
			if _, err := strconv.ParseFloat(parts[2], 64); err != nil {
				return nil, errs.Invalid(at, "altitude %q is not a number", kmlShort(parts[2]))
			}
		}
		p := geo.Point{Lon: nums[0], Lat: nums[1]}
		if err := p.Validate(); err != nil {
			swapped := geo.Point{Lon: nums[1], Lat: nums[0]}
			if math.Abs(p.Lat) > 90 && swapped.Validate() == nil {
				return nil, errs.Invalid(at, "latitude %v is outside [-90, 90]: are longitude and latitude swapped? KML writes longitude first", p.Lat)
			}
			return nil, errs.Invalid(at, "%s", errs.MessageOf(err))
		}
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return nil, errs.Invalid(path, "holds no position")
	}
	return pts, nil
}

func kmlShort(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}
