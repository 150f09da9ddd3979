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

	// The multi-part types, for layers and places brought in from GIS
	// files; not accepted by ParseGeometry yet.
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
// above. Exactly one of Point, Line and Polygon is set, the one matching
// Type. It marshals to and from GeoJSON; a Geometry decoded from JSON has
// been validated.
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
// its GeoJSON form.
func (g Geometry) Validate() error {
	if err := g.checkShape(); err != nil {
		return err
	}
	switch g.Type {
	case TypePoint:
		return validatePosition("coordinates", *g.Point)
	case TypeLineString:
		return ValidateLine(g.Line)
	default:
		return ValidatePolygon(g.Polygon)
	}
}

// checkShape reports a Type that is unknown or does not match the member
// that is set.
func (g Geometry) checkShape() error {
	var ok bool
	switch g.Type {
	case TypePoint:
		ok = g.Point != nil && g.Line == nil && g.Polygon == nil
	case TypeLineString:
		ok = g.Point == nil && g.Polygon == nil
	case TypePolygon:
		ok = g.Point == nil && g.Line == nil
	default:
		return errs.Invalid("type", "unsupported geometry type %q; expected Point, LineString or Polygon", g.Type)
	}
	if !ok {
		return errs.Invalid("type", "geometry of type %s must set only its %s", g.Type, g.Type)
	}
	return nil
}

// Bounds returns the smallest box holding g.
func (g Geometry) Bounds() BBox {
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
	positions := func(pts []Point) [][2]float64 {
		out := make([][2]float64, len(pts))
		for i, p := range pts {
			out[i] = [2]float64{p.Lon, p.Lat}
		}
		return out
	}
	out := geoJSON{Type: g.Type}
	switch g.Type {
	case TypePoint:
		out.Coordinates = [2]float64{g.Point.Lon, g.Point.Lat}
	case TypeLineString:
		out.Coordinates = positions(g.Line)
	case TypePolygon:
		out.Coordinates = [][][2]float64{positions(g.Polygon)}
	}
	return json.Marshal(out)
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
// Accepted: an object with exactly the members "type" (Point, LineString or
// Polygon, spelt so) and "coordinates", each once. Positions are exactly
// [longitude, latitude]: a third number (altitude) is rejected, as are a
// polygon's holes, the optional "bbox" member and any other member, other
// geometry types, numbers beyond float64 range, data after the object, and
// more than MaxVertices positions. Fields in errors are paths inside the
// object: "type", "coordinates[2][0]", "coordinates[1]" (a hole).
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
		ring, err := r.polygon("coordinates")
		if err != nil {
			return Geometry{}, err
		}
		g = PolygonGeometry(ring)
	default:
		return Geometry{}, errs.Invalid("type", "unsupported geometry type %q; expected Point, LineString or Polygon", typ)
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

// polygon reads an array holding exactly one ring.
func (r *coordReader) polygon(path string) (Polygon, error) {
	if err := r.openArray(path, "an array of linear rings"); err != nil {
		return nil, err
	}
	if !r.dec.More() {
		return nil, errs.Invalid(path, "a polygon needs one linear ring, got none")
	}
	ring, err := r.positions(path + "[0]")
	if err != nil {
		return nil, err
	}
	if r.dec.More() {
		return nil, errs.Invalid(path+"[1]", "polygon holes are not supported; give a single outer ring")
	}
	return ring, r.closeArray()
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
