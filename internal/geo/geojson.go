package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/truce-monitoring/truce/internal/errs"
)

// GeometryType names a GeoJSON geometry type.
type GeometryType string

// The geometry types Truce accepts.
const (
	TypePoint      GeometryType = "Point"
	TypeLineString GeometryType = "LineString"
	TypePolygon    GeometryType = "Polygon"

	// The multi-part types, for layers brought in from GIS files.
	TypeMultiPoint      GeometryType = "MultiPoint"
	TypeMultiLineString GeometryType = "MultiLineString"
	TypeMultiPolygon    GeometryType = "MultiPolygon"
)

// Area is one polygon with holes: the part of a MultiPolygon, or a Polygon
// whose Geometry has Holes.
type Area struct {
	Outer Polygon
	Holes []Polygon
}

// Geometry is a GeoJSON geometry object (RFC 7946) of one of the types
// above. Only the members of its Type are set: Point; Line; Polygon and,
// when it has holes, Holes; Points; Lines; Areas. It marshals to and from
// GeoJSON; a Geometry decoded from JSON has been validated.
type Geometry struct {
	Type    GeometryType
	Point   *Point
	Line    Line
	Polygon Polygon   // the outer ring of a Polygon
	Holes   []Polygon // a Polygon's inner rings, if any
	Points  []Point   // a MultiPoint's points
	Lines   []Line    // a MultiLineString's lines
	Areas   []Area    // a MultiPolygon's polygons
}

// PointGeometry returns p as a Geometry.
func PointGeometry(p Point) Geometry { return Geometry{Type: TypePoint, Point: &p} }

// LineGeometry returns l as a Geometry.
func LineGeometry(l Line) Geometry { return Geometry{Type: TypeLineString, Line: l} }

// PolygonGeometry returns p as a Geometry.
func PolygonGeometry(p Polygon) Geometry { return Geometry{Type: TypePolygon, Polygon: p} }

// Validate reports whether g is a valid geometry; fields are paths inside
// its GeoJSON form. Each ring is checked as ValidatePolygon does, each
// line as ValidateLine does; a polygon's holes must lie inside its outer
// ring without overlapping one another, and a MultiPolygon's parts must
// not overlap.
func (g Geometry) Validate() error {
	if err := g.checkShape(); err != nil {
		return err
	}
	switch g.Type {
	case TypePoint:
		return validatePosition("coordinates", *g.Point)
	case TypeLineString:
		return ValidateLine(g.Line)
	case TypePolygon:
		if len(g.Holes) == 0 {
			return ValidatePolygon(g.Polygon)
		}
		return validateArea("coordinates", Area{Outer: g.Polygon, Holes: g.Holes})
	case TypeMultiPoint:
		return validateMultiPoint(g.Points)
	case TypeMultiLineString:
		return validateMultiLine(g.Lines)
	default:
		return validateMultiPolygon(g.Areas)
	}
}

// typesExpected lists the geometry types in the words of an error message.
const typesExpected = "expected Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon"

// checkShape reports a Type that is unknown or does not match the member
// that is set.
func (g Geometry) checkShape() error {
	single := g.Point == nil && g.Line == nil && g.Polygon == nil && g.Holes == nil
	var ok bool
	switch g.Type {
	case TypePoint:
		ok = g.Point != nil && g.Line == nil && g.Polygon == nil && g.Holes == nil
	case TypeLineString:
		ok = g.Point == nil && g.Polygon == nil && g.Holes == nil
	case TypePolygon:
		ok = g.Point == nil && g.Line == nil
	case TypeMultiPoint, TypeMultiLineString, TypeMultiPolygon:
		ok = single
	default:
		return errs.Invalid("type", "unsupported geometry type %q; %s", g.Type, typesExpected)
	}
	if ok {
		switch g.Type {
		case TypeMultiPoint:
			ok = g.Lines == nil && g.Areas == nil
		case TypeMultiLineString:
			ok = g.Points == nil && g.Areas == nil
		case TypeMultiPolygon:
			ok = g.Points == nil && g.Lines == nil
		default:
			ok = g.Points == nil && g.Lines == nil && g.Areas == nil
		}
	}
	if !ok {
		return errs.Invalid("type", "geometry of type %s must set only its %s", g.Type, g.Type)
	}
	return nil
}

// Bounds returns the smallest box holding g.
func (g Geometry) Bounds() BBox {
	switch g.Type {
	case TypeMultiPoint:
		return BoundsOf(g.Points...)
	case TypeMultiLineString:
		return multiLineBounds(g.Lines)
	case TypeMultiPolygon:
		return multiPolygonBounds(g.Areas)
	}
	switch {
	case g.Point != nil:
		return BoundsOf(*g.Point)
	case g.Line != nil:
		return g.Line.Bounds()
	}
	return g.Polygon.Bounds()
}

type geoJSON struct {
	Type        GeometryType `json:"type"`
	Coordinates any          `json:"coordinates"`
}

// MarshalJSON encodes g as a GeoJSON geometry object, positions as
// [longitude, latitude]. It checks that Type matches the member set, not
// that the coordinates are valid.
func (g Geometry) MarshalJSON() ([]byte, error) {
	if err := g.checkShape(); err != nil {
		return nil, err
	}
	out := geoJSON{Type: g.Type}
	switch g.Type {
	case TypePoint:
		out.Coordinates = [2]float64{g.Point.Lon, g.Point.Lat}
	case TypeLineString:
		out.Coordinates = positions(g.Line)
	case TypePolygon:
		out.Coordinates = rings(g.Polygon, g.Holes)
	case TypeMultiPoint:
		out.Coordinates = positions(g.Points)
	case TypeMultiLineString:
		lines := make([][][2]float64, len(g.Lines))
		for i, l := range g.Lines {
			lines[i] = positions(l)
		}
		out.Coordinates = lines
	case TypeMultiPolygon:
		areas := make([][][][2]float64, len(g.Areas))
		for i, a := range g.Areas {
			areas[i] = rings(a.Outer, a.Holes)
		}
		out.Coordinates = areas
	}
	return json.Marshal(out)
}

// positions returns pts as GeoJSON positions, [longitude, latitude].
func positions(pts []Point) [][2]float64 {
	out := make([][2]float64, len(pts))
	for i, p := range pts {
		out[i] = [2]float64{p.Lon, p.Lat}
	}
	return out
}

// rings returns a polygon's outer ring and holes as GeoJSON coordinates.
func rings(outer Polygon, holes []Polygon) [][][2]float64 {
	out := make([][][2]float64, 0, 1+len(holes))
	out = append(out, positions(outer))
	for _, h := range holes {
		out = append(out, positions(h))
	}
	return out
}

// UnmarshalJSON decodes and validates a GeoJSON geometry object as
// ParseGeometry does. Following encoding/json's convention, JSON null
// leaves g unchanged: a required geometry field left null stays the zero
// Geometry, which Validate rejects.
func (g *Geometry) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	parsed, err := ParseGeometry(data)
	if err != nil {
		return err
	}
	*g = parsed
	return nil
}

// ParseGeometry decodes a GeoJSON geometry object strictly and validates it.
//
// Accepted: an object with exactly the members "type" (Point, LineString,
// Polygon, MultiPoint, MultiLineString or MultiPolygon, spelt so) and
// "coordinates", each once; a Polygon may have holes. Positions are exactly
// [longitude, latitude]: a third number (altitude) is rejected, as are the
// optional "bbox" member and any other member, GeometryCollection, numbers
// beyond float64 range, data after the object, and more than MaxVertices
// positions in all. Fields in errors are paths inside the object: "type",
// "coordinates[2][0]", "coordinates[1]" (a hole), "coordinates[1][0][3]"
// (a vertex of a MultiPolygon's second part).
func ParseGeometry(data []byte) (Geometry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return Geometry{}, syntaxError(err)
	}
	if tok != json.Delim('{') {
		return Geometry{}, errs.Invalid("", "geometry must be a JSON object, got %s", describeToken(tok))
	}
	var typeRaw, coordsRaw json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Geometry{}, syntaxError(err)
		}
		key, _ := tok.(string) // object keys are always strings
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return Geometry{}, syntaxError(err)
		}
		var slot *json.RawMessage
		switch key {
		case "type":
			slot = &typeRaw
		case "coordinates":
			slot = &coordsRaw
		default:
			return Geometry{}, errs.Invalid(key, "unknown member %q; a geometry has only \"type\" and \"coordinates\"", key)
		}
		if *slot != nil {
			return Geometry{}, errs.Invalid(key, "member %q appears more than once", key)
		}
		*slot = value
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return Geometry{}, syntaxError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return Geometry{}, syntaxError(err)
		}
		return Geometry{}, errs.Invalid("", "unexpected data after the geometry object")
	}

	if typeRaw == nil {
		return Geometry{}, errs.Invalid("type", "is required")
	}
	var typ string
	if typeRaw[0] != '"' || json.Unmarshal(typeRaw, &typ) != nil {
		return Geometry{}, errs.Invalid("type", "must be a string")
	}
	if coordsRaw == nil {
		return Geometry{}, errs.Invalid("coordinates", "is required")
	}
	r := coordReader{dec: json.NewDecoder(bytes.NewReader(coordsRaw))}
	r.dec.UseNumber()
	var g Geometry
	switch GeometryType(typ) {
	case TypePoint:
		p, err := r.position("coordinates")
		if err != nil {
			return Geometry{}, err
		}
		g = PointGeometry(p)
	case TypeLineString:
		l, err := r.positions("coordinates")
		if err != nil {
			return Geometry{}, err
		}
		g = LineGeometry(l)
	case TypePolygon:
		a, err := r.polygon("coordinates")
		if err != nil {
			return Geometry{}, err
		}
		g = Geometry{Type: TypePolygon, Polygon: a.Outer, Holes: a.Holes}
	case TypeMultiPoint:
		pts, err := r.positions("coordinates")
		if err != nil {
			return Geometry{}, err
		}
		g = Geometry{Type: TypeMultiPoint, Points: pts}
	case TypeMultiLineString:
		lines := []Line{}
		err := r.array("coordinates", "an array of lines", func(path string) error {
			l, err := r.positions(path)
			lines = append(lines, l)
			return err
		})
		if err != nil {
			return Geometry{}, err
		}
		g = Geometry{Type: TypeMultiLineString, Lines: lines}
	case TypeMultiPolygon:
		areas := []Area{}
		err := r.array("coordinates", "an array of polygons", func(path string) error {
			a, err := r.polygon(path)
			areas = append(areas, a)
			return err
		})
		if err != nil {
			return Geometry{}, err
		}
		g = Geometry{Type: TypeMultiPolygon, Areas: areas}
	default:
		return Geometry{}, errs.Invalid("type", "unsupported geometry type %q; %s", typ, typesExpected)
	}
	if err := g.Validate(); err != nil {
		return Geometry{}, err
	}
	return g, nil
}

// coordReader reads the coordinates member token by token, so that the
// first wrong token is reported with its path and an oversized array is
// refused before it is held in memory.
type coordReader struct {
	dec   *json.Decoder
	count int // positions read so far
}

func (r *coordReader) openArray(path, what string) error {
	tok, err := r.dec.Token()
	if err != nil {
		return syntaxError(err)
	}
	if tok != json.Delim('[') {
		return errs.Invalid(path, "must be %s, got %s", what, describeToken(tok))
	}
	return nil
}

// closeArray consumes the "]" that ends an array whose elements are all read.
func (r *coordReader) closeArray() error {
	if _, err := r.dec.Token(); err != nil {
		return syntaxError(err)
	}
	return nil
}

// position reads [lon, lat].
func (r *coordReader) position(path string) (Point, error) {
	r.count++
	if r.count > MaxVertices {
		return Point{}, errs.TooLarge("coordinates", "has more than %d positions", MaxVertices)
	}
	if err := r.openArray(path, "a position [longitude, latitude]"); err != nil {
		return Point{}, err
	}
	var lonlat [2]float64
	for i := range 2 {
		if !r.dec.More() {
			return Point{}, errs.Invalid(path, "a position needs 2 numbers [longitude, latitude], got %d", i)
		}
		at := fmt.Sprintf("%s[%d]", path, i)
		tok, err := r.dec.Token()
		if err != nil {
			return Point{}, syntaxError(err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return Point{}, errs.Invalid(at, "must be a number, got %s", describeToken(tok))
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			return Point{}, errs.Invalid(at, "number %s is out of range", num)
		}
		lonlat[i] = f
	}
	if r.dec.More() {
		return Point{}, errs.Invalid(path+"[2]", "a position has exactly 2 numbers [longitude, latitude]; altitude is not supported")
	}
	if err := r.closeArray(); err != nil {
		return Point{}, err
	}
	return Point{Lon: lonlat[0], Lat: lonlat[1]}, nil
}

// positions reads an array of positions.
func (r *coordReader) positions(path string) ([]Point, error) {
	if err := r.openArray(path, "an array of positions"); err != nil {
		return nil, err
	}
	pts := []Point{}
	for i := 0; r.dec.More(); i++ {
		p, err := r.position(fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		pts = append(pts, p)
	}
	return pts, r.closeArray()
}

// array reads an array whose elements elem reads, given each one's path.
func (r *coordReader) array(path, what string, elem func(path string) error) error {
	if err := r.openArray(path, what); err != nil {
		return err
	}
	for i := 0; r.dec.More(); i++ {
		if err := elem(fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return r.closeArray()
}

// polygon reads an array of rings: the outer ring, then any holes.
func (r *coordReader) polygon(path string) (Area, error) {
	if err := r.openArray(path, "an array of linear rings"); err != nil {
		return Area{}, err
	}
	if !r.dec.More() {
		return Area{}, errs.Invalid(path, "a polygon needs one linear ring, got none")
	}
	outer, err := r.positions(path + "[0]")
	if err != nil {
		return Area{}, err
	}
	a := Area{Outer: outer}
	for i := 1; r.dec.More(); i++ {
		hole, err := r.positions(fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return Area{}, err
		}
		a.Holes = append(a.Holes, hole)
	}
	return a, r.closeArray()
}

func syntaxError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errs.Invalid("", "geometry is not complete JSON")
	}
	return errs.Invalid("", "geometry is not valid JSON: %v", err)
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "an object"
		}
		if t == '[' {
			return "an array"
		}
		return fmt.Sprintf("%q", t.String())
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}
