package geo

import (
	"math"
	"slices"

	"github.com/golang/geo/s2"
)

// BBox is a latitude/longitude box in degrees, for coarse filtering (a
// database range query before an exact test). As in RFC 7946, a box that
// crosses the antimeridian has MinLon > MaxLon: {MinLon: 170, MaxLon: -170}
// is 20° wide. A box reaching a pole covers every longitude. The empty box
// has MinLat > MaxLat.
type BBox struct {
	MinLat float64 `json:"min_lat"`
	MinLon float64 `json:"min_lon"`
	MaxLat float64 `json:"max_lat"`
	MaxLon float64 `json:"max_lon"`
}

// emptyBBox returns a box that contains nothing and intersects nothing.
func emptyBBox() BBox { return BBox{MinLat: 90, MinLon: 180, MaxLat: -90, MaxLon: -180} }

// IsEmpty reports whether b contains no point.
func (b BBox) IsEmpty() bool { return !(b.MinLat <= b.MaxLat) }

// BoundsOf returns the smallest box holding points. Its longitude range is
// the shortest one covering all of them, so points on both sides of the
// antimeridian give a box crossing it. It bounds the points only, not the
// great-circle segments between them, which bulge towards the pole; use
// Line.Bounds or Polygon.Bounds for those. No points give the empty box.
func BoundsOf(points ...Point) BBox {
	if len(points) == 0 {
		return emptyBBox()
	}
	b := BBox{MinLat: 90, MaxLat: -90}
	lons := make([]float64, 0, len(points))
	pole := false
	for _, p := range points {
		b.MinLat = math.Min(b.MinLat, p.Lat)
		b.MaxLat = math.Max(b.MaxLat, p.Lat)
		if math.Abs(p.Lat) == 90 {
			pole = true
		}
		lon := p.Lon
		if lon == -180 {
			lon = 180
		}
		lons = append(lons, lon)
	}
	if pole {
		b.MinLon, b.MaxLon = -180, 180
		return b
	}
	// The shortest covering range leaves out the widest gap between
	// neighbouring longitudes, going round the circle.
	slices.Sort(lons)
	gap := lons[0] + 360 - lons[len(lons)-1] // the gap across the antimeridian
	b.MinLon, b.MaxLon = lons[0], lons[len(lons)-1]
	for i := 1; i < len(lons); i++ {
		if g := lons[i] - lons[i-1]; g > gap {
			gap = g
			b.MinLon, b.MaxLon = lons[i], lons[i-1]
		}
	}
	if b.MinLon == 180 && b.MaxLon < 180 {
		b.MinLon = -180 // a range starting on the antimeridian need not wrap
	}
	return b
}

// Contains reports whether p lies in b, edges included.
func (b BBox) Contains(p Point) bool {
	if b.IsEmpty() || p.Lat < b.MinLat || p.Lat > b.MaxLat {
		return false
	}
	if math.Abs(p.Lat) == 90 {
		return true // a pole is one point, whatever its longitude
	}
	for _, r := range b.lonRanges() {
		for _, lon := range []float64{p.Lon, p.Lon - 360, p.Lon + 360} {
			if r[0] <= lon && lon <= r[1] {
				return true
			}
		}
	}
	return false
}

// Intersects reports whether b and o share at least one point, edges
// included.
func (b BBox) Intersects(o BBox) bool {
	if b.IsEmpty() || o.IsEmpty() || b.MaxLat < o.MinLat || o.MaxLat < b.MinLat {
		return false
	}
	if (b.MaxLat == 90 && o.MaxLat == 90) || (b.MinLat == -90 && o.MinLat == -90) {
		return true // both hold the same pole
	}
	for _, r := range b.lonRanges() {
		for _, s := range o.lonRanges() {
			for _, shift := range []float64{0, -360, 360} {
				if r[0] <= s[1]+shift && s[0]+shift <= r[1] {
					return true
				}
			}
		}
	}
	return false
}

// lonRanges splits b's longitude range into ranges that do not wrap.
func (b BBox) lonRanges() [][2]float64 {
	if b.MinLon <= b.MaxLon {
		return [][2]float64{{b.MinLon, b.MaxLon}}
	}
	return [][2]float64{{b.MinLon, 180}, {-180, b.MaxLon}}
}

// Expand returns b grown by metres on every side, so that it holds every
// point within that distance of b. A box that comes to reach a pole covers
// every longitude. Expanding the empty box, or by a distance that is not
// positive, returns b unchanged.
func (b BBox) Expand(metres float64) BBox {
	if b.IsEmpty() || !(metres > 0) {
		return b
	}
	d := metres / EarthRadius // radians
	dDeg := d * 180 / math.Pi
	out := BBox{MinLat: b.MinLat - dDeg, MaxLat: b.MaxLat + dDeg, MinLon: b.MinLon, MaxLon: b.MaxLon}
	if out.MinLat <= -90 || out.MaxLat >= 90 || d >= math.Pi/2 {
		out.MinLat = math.Max(out.MinLat, -90)
		out.MaxLat = math.Min(out.MaxLat, 90)
		out.MinLon, out.MaxLon = -180, 180
		return out
	}
	// A circle of angular radius d around a point at latitude φ spans
	// asin(sin d / cos φ) of longitude either side; the box's most poleward
	// latitude gives the widest span.
	poleward := math.Max(math.Abs(b.MinLat), math.Abs(b.MaxLat)) * math.Pi / 180
	sinSpan := math.Sin(d) / math.Cos(poleward)
	width := b.MaxLon - b.MinLon
	if width < 0 {
		width += 360
	}
	if sinSpan >= 1 {
		out.MinLon, out.MaxLon = -180, 180
		return out
	}
	span := math.Asin(sinSpan) * 180 / math.Pi
	if width+2*span >= 360 {
		out.MinLon, out.MaxLon = -180, 180
		return out
	}
	out.MinLon = wrapLon(b.MinLon - span)
	out.MaxLon = wrapLon(b.MaxLon + span)
	return out
}

// wrapLon brings lon, at most one turn out, back into [-180, 180].
func wrapLon(lon float64) float64 {
	switch {
	case lon < -180:
		return lon + 360
	case lon > 180:
		return lon - 360
	}
	return lon
}

// bboxFromRect converts an S2 rectangle, whose longitude interval may be
// inverted to cross the antimeridian just as a BBox's may. It grows the box
// by about 0.1 mm so that rounding in the conversion to degrees cannot
// leave out a point on the boundary.
func bboxFromRect(r s2.Rect) BBox {
	if r.IsEmpty() {
		return emptyBBox()
	}
	const margin = 1e-11 // radians
	r = s2.Rect{Lat: r.Lat.Expanded(margin), Lng: r.Lng.Expanded(margin)}
	b := BBox{
		MinLat: math.Max(r.Lat.Lo*180/math.Pi, -90),
		MaxLat: math.Min(r.Lat.Hi*180/math.Pi, 90),
		MinLon: r.Lng.Lo * 180 / math.Pi,
		MaxLon: r.Lng.Hi * 180 / math.Pi,
	}
	if r.Lng.IsFull() || b.MinLat == -90 || b.MaxLat == 90 {
		b.MinLon, b.MaxLon = -180, 180
	}
	if b.MinLon == 180 && b.MaxLon < 180 {
		b.MinLon = -180
	}
	return b
}
