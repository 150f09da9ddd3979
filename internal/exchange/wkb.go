package exchange

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// This file encodes geometries as GeoPackage stores them (OGC 12-128r18,
// §2.1.3): a "GP" header with the spatial reference system's id and the
// geometry's envelope, then the geometry in ISO Well-Known Binary (OGC
// 06-103r4). Positions are x = longitude, y = latitude, as GeoPackage and
// GDAL store EPSG:4326.

// The ISO WKB geometry type codes of the 2D types; 1000, 2000 and 3000 are
// added for Z, M and ZM coordinates.
const (
	wkbPoint              = 1
	wkbLineString         = 2
	wkbPolygon            = 3
	wkbMultiPoint         = 4
	wkbMultiLineString    = 5
	wkbMultiPolygon       = 6
	wkbGeometryCollection = 7
)

// wkbCodes maps Truce's geometry types to WKB codes.
var wkbCodes = map[geo.GeometryType]uint32{
	geo.TypePoint:           wkbPoint,
	geo.TypeLineString:      wkbLineString,
	geo.TypePolygon:         wkbPolygon,
	geo.TypeMultiPoint:      wkbMultiPoint,
	geo.TypeMultiLineString: wkbMultiLineString,
	geo.TypeMultiPolygon:    wkbMultiPolygon,
}

// The GeoPackage binary header: magic, version 0, flags, srs_id.
const (
	gpMagic0, gpMagic1 = 'G', 'P'
	gpHeaderLen        = 8
	gpFlagLittleEndian = 0x01
	gpFlagEmpty        = 0x10
	gpFlagExtended     = 0x20
	gpEnvelopeShift    = 1
	gpEnvelopeMask     = 0x07 << gpEnvelopeShift
)

// gpEnvelopeDoubles is the number of float64s in each envelope kind
// (flags bits 1-3): none, XY, XYZ, XYM, XYZM.
var gpEnvelopeDoubles = [...]int{0, 4, 6, 6, 8}

// AppendGPKGGeometry appends g to dst as a GeoPackage binary geometry in
// the spatial reference system srsID, little-endian, with an XY envelope
// (none for a point, as GDAL writes them). It checks that g's Type matches
// the members set and that every coordinate is finite, not that g is valid.
func AppendGPKGGeometry(dst []byte, g geo.Geometry, srsID int32) ([]byte, error) {
	code, ok := wkbCodes[g.Type]
	if !ok {
		return dst, errs.Invalid("type", "unsupported geometry type %q", g.Type)
	}
	flags := byte(gpFlagLittleEndian)
	if code != wkbPoint {
		flags |= 1 << gpEnvelopeShift
	}
	dst = append(dst, gpMagic0, gpMagic1, 0, flags)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(srsID))
	if code != wkbPoint {
		b, err := geometryBounds(g)
		if err != nil {
			return dst, err
		}
		for _, v := range [4]float64{b.MinLon, b.MaxLon, b.MinLat, b.MaxLat} {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
		}
	}
	return AppendWKB(dst, g)
}

// AppendWKB appends g to dst in little-endian ISO WKB.
func AppendWKB(dst []byte, g geo.Geometry) ([]byte, error) {
	code, ok := wkbCodes[g.Type]
	if !ok {
		return dst, errs.Invalid("type", "unsupported geometry type %q", g.Type)
	}
	header := func(dst []byte, code uint32) []byte {
		return binary.LittleEndian.AppendUint32(append(dst, 1), code)
	}
	point := func(dst []byte, p geo.Point) []byte {
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p.Lon))
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(p.Lat))
	}
	points := func(dst []byte, pts []geo.Point) []byte {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(pts)))
		for _, p := range pts {
			dst = point(dst, p)
		}
		return dst
	}
	polygon := func(dst []byte, outer geo.Polygon, holes []geo.Polygon) []byte {
		dst = header(dst, wkbPolygon)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(1+len(holes)))
		dst = points(dst, outer)
		for _, h := range holes {
			dst = points(dst, h)
		}
		return dst
	}
	if err := checkFinite(g); err != nil {
		return dst, err
	}
	switch code {
	case wkbPoint:
		if g.Point == nil {
			return dst, errs.Invalid("coordinates", "a Point geometry has no point")
		}
		dst = point(header(dst, code), *g.Point)
	case wkbLineString:
		dst = points(header(dst, code), g.Line)
	case wkbPolygon:
		dst = polygon(dst, g.Polygon, g.Holes)
	case wkbMultiPoint:
		dst = binary.LittleEndian.AppendUint32(header(dst, code), uint32(len(g.Points)))
		for _, p := range g.Points {
			dst = point(header(dst, wkbPoint), p)
		}
	case wkbMultiLineString:
		dst = binary.LittleEndian.AppendUint32(header(dst, code), uint32(len(g.Lines)))
		for _, l := range g.Lines {
			dst = points(header(dst, wkbLineString), l)
		}
	case wkbMultiPolygon:
		dst = binary.LittleEndian.AppendUint32(header(dst, code), uint32(len(g.Areas)))
		for _, a := range g.Areas {
			dst = polygon(dst, a.Outer, a.Holes)
		}
	}
	return dst, nil
}

// eachPoint calls f with every position of g, outer rings before holes.
func eachPoint(g geo.Geometry, f func(geo.Point)) {
	each := func(pts []geo.Point) {
		for _, p := range pts {
			f(p)
		}
	}
	if g.Point != nil {
		f(*g.Point)
	}
	each(g.Line)
	each(g.Polygon)
	for _, h := range g.Holes {
		each(h)
	}
	each(g.Points)
	for _, l := range g.Lines {
		each(l)
	}
	for _, a := range g.Areas {
		each(a.Outer)
		for _, h := range a.Holes {
			each(h)
		}
	}
}

func checkFinite(g geo.Geometry) error {
	var bad *geo.Point
	eachPoint(g, func(p geo.Point) {
		if bad == nil && (!finite(p.Lat) || !finite(p.Lon)) {
			bad = &p
		}
	})
	if bad != nil {
		return errs.Invalid("coordinates", "position %v is not a pair of finite numbers", *bad)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// geometryBounds returns the smallest longitude-latitude box holding every
// position of g (no wrapping across the antimeridian, as GeoPackage
// envelopes are plain x/y boxes), or an error when g has no position.
func geometryBounds(g geo.Geometry) (geo.BBox, error) {
	b := geo.BBox{MinLat: math.Inf(1), MinLon: math.Inf(1), MaxLat: math.Inf(-1), MaxLon: math.Inf(-1)}
	n := 0
	eachPoint(g, func(p geo.Point) {
		n++
		b.MinLat, b.MaxLat = min(b.MinLat, p.Lat), max(b.MaxLat, p.Lat)
		b.MinLon, b.MaxLon = min(b.MinLon, p.Lon), max(b.MaxLon, p.Lon)
	})
	if n == 0 {
		return geo.BBox{}, errs.Invalid("coordinates", "a %s geometry has no position", g.Type)
	}
	return b, nil
}

// DecodeGPKGGeometry decodes a GeoPackage binary geometry. It returns nil
// for an empty geometry, and the header's srs_id. Z and M values are read
// and dropped. It refuses a blob that is not a GeoPackage geometry, an
// extended (non-standard) geometry, a geometry collection, a multi-part
// geometry whose parts are not of its type, non-finite coordinates, counts
// larger than the blob can hold, bytes after the geometry, and a geometry
// reaching outside its header's envelope. Errors have no field: the caller
// names the column.
func DecodeGPKGGeometry(b []byte) (*geo.Geometry, int32, error) {
	if len(b) < gpHeaderLen || b[0] != gpMagic0 || b[1] != gpMagic1 {
		return nil, 0, errs.Invalid("", "not a GeoPackage geometry (no \"GP\" header)")
	}
	if b[2] != 0 {
		return nil, 0, errs.Invalid("", "GeoPackage geometry version %d; only version 0 (GeoPackage 1.x) is known", b[2])
	}
	flags := b[3]
	if flags&0xC0 != 0 {
		return nil, 0, errs.Invalid("", "GeoPackage geometry flags %#02x use reserved bits", flags)
	}
	if flags&gpFlagExtended != 0 {
		return nil, 0, errs.Invalid("", "an extended GeoPackage geometry (a non-standard type) cannot be read")
	}
	var order binary.ByteOrder = binary.BigEndian
	if flags&gpFlagLittleEndian != 0 {
		order = binary.LittleEndian
	}
	srsID := int32(order.Uint32(b[4:8]))
	kind := int(flags&gpEnvelopeMask) >> gpEnvelopeShift
	if kind >= len(gpEnvelopeDoubles) {
		return nil, srsID, errs.Invalid("", "GeoPackage geometry envelope kind %d is not defined", kind)
	}
	envEnd := gpHeaderLen + 8*gpEnvelopeDoubles[kind]
	if len(b) < envEnd {
		return nil, srsID, errs.Invalid("", "GeoPackage geometry is truncated in its envelope")
	}
	var env [4]float64 // minx, maxx, miny, maxy
	if kind > 0 {
		for i := range env {
			env[i] = math.Float64frombits(order.Uint64(b[gpHeaderLen+8*i:]))
		}
	}
	d := wkbDecoder{buf: b[envEnd:]}
	g, empty, err := d.geometry(0)
	if err != nil {
		return nil, srsID, err
	}
	if len(d.buf) != 0 {
		return nil, srsID, errs.Invalid("", "%d bytes after the end of the geometry", len(d.buf))
	}
	if empty || flags&gpFlagEmpty != 0 {
		if !empty {
			return nil, srsID, errs.Invalid("", "the header says the geometry is empty, but it has positions")
		}
		return nil, srsID, nil
	}
	if kind > 0 {
		bb, _ := geometryBounds(g)
		if !(env[0] <= bb.MinLon && bb.MaxLon <= env[1] && env[2] <= bb.MinLat && bb.MaxLat <= env[3]) {
			return nil, srsID, errs.Invalid("", "the geometry (x %g..%g, y %g..%g) reaches outside the envelope in its header (x %g..%g, y %g..%g)",
				bb.MinLon, bb.MaxLon, bb.MinLat, bb.MaxLat, env[0], env[1], env[2], env[3])
		}
	}
	return &g, srsID, nil
}

// DecodeWKB decodes one ISO WKB geometry that fills b, as
// DecodeGPKGGeometry decodes the geometry after its header. An empty
// geometry is an error here.
func DecodeWKB(b []byte) (geo.Geometry, error) {
	d := wkbDecoder{buf: b}
	g, empty, err := d.geometry(0)
	if err != nil {
		return geo.Geometry{}, err
	}
	if len(d.buf) != 0 {
		return geo.Geometry{}, errs.Invalid("", "%d bytes after the end of the geometry", len(d.buf))
	}
	if empty {
		return geo.Geometry{}, errs.Invalid("", "the geometry is empty")
	}
	return g, nil
}

type wkbDecoder struct {
	buf   []byte
	order binary.ByteOrder
	dims  int // coordinates per position of the geometry being read: 2, 3 or 4
}

func (d *wkbDecoder) truncated(what string) error {
	return errs.Invalid("", "WKB geometry is truncated in %s", what)
}

// header reads a byte order mark and a type code, returning the 2D type.
func (d *wkbDecoder) header() (uint32, error) {
	if len(d.buf) < 5 {
		return 0, d.truncated("a geometry header")
	}
	switch d.buf[0] {
	case 0:
		d.order = binary.BigEndian
	case 1:
		d.order = binary.LittleEndian
	default:
		return 0, errs.Invalid("", "WKB byte order mark %d is neither 0 nor 1", d.buf[0])
	}
	code := d.order.Uint32(d.buf[1:5])
	d.buf = d.buf[5:]
	if code > 3007 || code%1000 == 0 || code%1000 > wkbGeometryCollection {
		return 0, errs.Invalid("", "WKB geometry type %d is not an ISO WKB type this reader knows", code)
	}
	d.dims = 2 + map[uint32]int{0: 0, 1: 1, 2: 1, 3: 2}[code/1000]
	return code % 1000, nil
}

func (d *wkbDecoder) count(what string, itemBytes int) (int, error) {
	if len(d.buf) < 4 {
		return 0, d.truncated("the number of " + what)
	}
	n := d.order.Uint32(d.buf)
	d.buf = d.buf[4:]
	if uint64(n)*uint64(itemBytes) > uint64(len(d.buf)) {
		return 0, errs.Invalid("", "WKB geometry says it has %d %s, more than its %d remaining bytes can hold", n, what, len(d.buf))
	}
	return int(n), nil
}

// point reads one position; nan reports the NaN pair WKB uses for an
// empty point.
func (d *wkbDecoder) point() (p geo.Point, nan bool, err error) {
	size := 8 * d.dims
	if len(d.buf) < size {
		return p, false, d.truncated("a position")
	}
	x := math.Float64frombits(d.order.Uint64(d.buf))
	y := math.Float64frombits(d.order.Uint64(d.buf[8:]))
	d.buf = d.buf[size:]
	if math.IsNaN(x) && math.IsNaN(y) {
		return p, true, nil
	}
	if !finite(x) || !finite(y) {
		return p, false, errs.Invalid("", "position (%g, %g) is not a pair of finite numbers", x, y)
	}
	return geo.Point{Lon: x, Lat: y}, false, nil
}

func (d *wkbDecoder) points(what string) ([]geo.Point, error) {
	n, err := d.count(what, 8*d.dims)
	if err != nil {
		return nil, err
	}
	pts := make([]geo.Point, n)
	for i := range pts {
		p, nan, err := d.point()
		if err != nil {
			return nil, err
		}
		if nan {
			return nil, errs.Invalid("", "position %d of a %s is empty (NaN)", i, what)
		}
		pts[i] = p
	}
	return pts, nil
}

func (d *wkbDecoder) rings() ([]geo.Polygon, error) {
	n, err := d.count("rings", 4)
	if err != nil {
		return nil, err
	}
	rings := make([]geo.Polygon, n)
	for i := range rings {
		pts, err := d.points("ring positions")
		if err != nil {
			return nil, err
		}
		rings[i] = pts
	}
	return rings, nil
}

// geometry reads one geometry; depth is 1 inside a multi-part geometry,
// whose parts must be single.
func (d *wkbDecoder) geometry(depth int) (g geo.Geometry, empty bool, err error) {
	code, err := d.header()
	if err != nil {
		return g, false, err
	}
	switch code {
	case wkbPoint:
		p, nan, err := d.point()
		if err != nil || nan {
			return g, nan, err
		}
		return geo.PointGeometry(p), false, nil
	case wkbLineString:
		pts, err := d.points("line positions")
		if err != nil {
			return g, false, err
		}
		return geo.LineGeometry(pts), len(pts) == 0, nil
	case wkbPolygon:
		rings, err := d.rings()
		if err != nil || len(rings) == 0 {
			return g, len(rings) == 0, err
		}
		g = geo.PolygonGeometry(rings[0])
		if len(rings) > 1 {
			g.Holes = rings[1:]
		}
		return g, false, nil
	case wkbGeometryCollection:
		return g, false, errs.Invalid("", "a GeometryCollection cannot be imported; split it into one geometry type per layer")
	}
	if depth > 0 {
		return g, false, errs.Invalid("", "a multi-part geometry's part is itself multi-part")
	}
	partCode := code - 3 // MultiPoint (4) holds Points (1), and so on
	n, err := d.count("parts", 5)
	if err != nil {
		return g, false, err
	}
	g.Type = map[uint32]geo.GeometryType{wkbMultiPoint: geo.TypeMultiPoint, wkbMultiLineString: geo.TypeMultiLineString, wkbMultiPolygon: geo.TypeMultiPolygon}[code]
	for i := range n {
		c, _, _ := d.peekCode()
		part, partEmpty, err := d.geometry(1)
		if err != nil {
			return g, false, err
		}
		if c%1000 != partCode {
			return g, false, errs.Invalid("", "part %d of a %s is a %s", i, g.Type, wkbTypeName(c%1000))
		}
		if partEmpty {
			return g, false, errs.Invalid("", "part %d of a %s is empty", i, g.Type)
		}
		switch code {
		case wkbMultiPoint:
			g.Points = append(g.Points, *part.Point)
		case wkbMultiLineString:
			g.Lines = append(g.Lines, part.Line)
		case wkbMultiPolygon:
			g.Areas = append(g.Areas, geo.Area{Outer: part.Polygon, Holes: part.Holes})
		}
	}
	return g, n == 0, nil
}

// peekCode returns the type code of the next geometry without consuming it.
func (d *wkbDecoder) peekCode() (uint32, bool, error) {
	if len(d.buf) < 5 {
		return 0, false, d.truncated("a geometry header")
	}
	if d.buf[0] == 0 {
		return binary.BigEndian.Uint32(d.buf[1:5]), true, nil
	}
	return binary.LittleEndian.Uint32(d.buf[1:5]), true, nil
}

func wkbTypeName(code uint32) string {
	names := [...]string{"unknown geometry", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection"}
	if int(code) < len(names) {
		return names[code]
	}
	return fmt.Sprintf("geometry of WKB type %d", code)
}
