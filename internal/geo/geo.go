// Package geo is Truce's geometry on WGS 84 coordinates: points, lines of
// contact, areas of responsibility, corridors and observation sectors.
// Distances and widths are in metres and areas in square metres, never in
// degrees.
//
// # Model and accuracy
//
// The Earth is modelled as a sphere of the IUGG mean radius, 6,371,008.8 m,
// using the S2 library (github.com/golang/geo/s2): lines and ring edges are
// great-circle arcs (geodesics on that sphere), not straight lines in
// longitude/latitude as RFC 7946 describes, so segments crossing the
// antimeridian behave naturally. Compared with geodesics on the WGS 84
// ellipsoid, distances and lengths are off by at most 0.56% anywhere (the
// worst case is north–south near the equator; tests check this against
// Vincenty's formula), and by at most 0.25% at the latitude of the South
// Caucasus, where a north–south distance comes out about 0.15% long and an
// east–west one about 0.25% short: up to 6 m on a 2.5 km corridor
// half-width. Areas are off by a similar fraction. That is within the error
// of a handheld GPS fix plus a line digitised from a map; where it is not,
// replace the model here, in this one package.
//
// The predicates (which side of a line, whether a ring crosses itself,
// whether a polygon contains a point) use S2's exact arithmetic, so they
// agree with one another even for points exactly on an edge.
//
// # Resolution
//
// Points closer than [Resolution] (1 mm) are the same point: a line or ring
// may not repeat a point, and a ring may not come that close to itself.
//
// # Errors
//
// Validation errors are errs.Invalid (errs.TooLarge for too many vertices)
// whose field is the path inside a GeoJSON geometry object: "coordinates",
// "coordinates[3]", "coordinates[3][1]" (a latitude), "coordinates[0][3]"
// (a vertex of a polygon's ring), "coordinates[1]" (a polygon's first
// hole), "coordinates[2][0][5]" (a vertex of a MultiPolygon's third part).
// A latitude beyond ±90 whose position reads well the other way round is
// reported with a word on GeoJSON's [longitude, latitude] order. Callers embedding a geometry in a larger
// document add their own prefix with errs.Prefix.
package geo

import (
	"fmt"
	"math"
	"strconv"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/truce-monitoring/truce/internal/errs"
)

// EarthRadius is the IUGG mean radius of the Earth in metres, the radius of
// the sphere this package computes on.
const EarthRadius = 6_371_008.8

// Resolution is the distance in metres below which two points count as one.
const Resolution = 0.001

// MaxVertices is the most points a line or polygon ring may have.
const MaxVertices = 100_000

// Point is a WGS 84 position in decimal degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Validate reports whether p is a position on Earth: both coordinates
// finite, latitude in [-90, 90], longitude in [-180, 180]. The error's field
// is "lat" or "lon".
func (p Point) Validate() error {
	if math.IsNaN(p.Lat) || math.IsInf(p.Lat, 0) {
		return errs.Because(errs.Invalid("lat", "latitude must be a finite number, got %v", p.Lat), errs.ReasonNotANumber)
	}
	if p.Lat < -90 || p.Lat > 90 {
		return errs.Because(errs.Invalid("lat", "latitude %v is outside [-90, 90]", p.Lat), errs.ReasonOutOfRange, "min", -90, "max", 90)
	}
	if math.IsNaN(p.Lon) || math.IsInf(p.Lon, 0) {
		return errs.Because(errs.Invalid("lon", "longitude must be a finite number, got %v", p.Lon), errs.ReasonNotANumber)
	}
	if p.Lon < -180 || p.Lon > 180 {
		return errs.Because(errs.Invalid("lon", "longitude %v is outside [-180, 180]", p.Lon), errs.ReasonOutOfRange, "min", -180, "max", 180)
	}
	return nil
}

// String formats p as GeoJSON orders a position: [lon, lat].
func (p Point) String() string {
	return fmt.Sprintf("[%v, %v]", p.Lon, p.Lat)
}

// Distance returns the great-circle distance between a and b in metres.
func Distance(a, b Point) float64 {
	return metres(a.latLng().Distance(b.latLng()))
}

func (p Point) latLng() s2.LatLng { return s2.LatLngFromDegrees(p.Lat, p.Lon) }

func (p Point) s2() s2.Point { return s2.PointFromLatLng(p.latLng()) }

func pointFromS2(x s2.Point) Point {
	ll := s2.LatLngFromPoint(x)
	return Point{Lat: ll.Lat.Degrees(), Lon: ll.Lng.Degrees()}
}

// formatMetres formats a distance without an exponent: "2000000", not "2e+06".
func formatMetres(m float64) string { return strconv.FormatFloat(m, 'f', -1, 64) }

func metres(a s1.Angle) float64 { return a.Radians() * EarthRadius }

func angle(metres float64) s1.Angle { return s1.Angle(metres / EarthRadius) }

// validatePosition validates p as the GeoJSON position at path, so that a
// bad latitude is reported at path+"[1]" and a bad longitude at path+"[0]".
func validatePosition(path string, p Point) error {
	err := p.Validate()
	if err == nil {
		return nil
	}
	index, hint := "[0]", ""
	if errs.FieldOf(err) == "lat" {
		index = "[1]"
		if math.Abs(p.Lat) <= 180 && math.Abs(p.Lon) <= 90 {
			hint = fmt.Sprintf("; the position looks like [latitude, longitude]: GeoJSON gives longitude first, [%v, %v]", p.Lat, p.Lon)
		}
	}
	return errs.Invalid(path+index, "%s%s", errs.MessageOf(err), hint)
}

// validateVertices checks the points of a line or ring: each a valid
// position, none repeating the one before, no segment spanning half the
// globe. path is the GeoJSON path of the point array.
func validateVertices(path string, pts []Point) ([]s2.Point, error) {
	if len(pts) > MaxVertices {
		return nil, errs.TooLarge(path, "has %d positions; at most %d are allowed", len(pts), MaxVertices)
	}
	xs := make([]s2.Point, len(pts))
	for i, p := range pts {
		at := func() string { return fmt.Sprintf("%s[%d]", path, i) }
		if p.Validate() != nil {
			return nil, validatePosition(at(), p)
		}
		xs[i] = p.s2()
		if i == 0 {
			continue
		}
		d := metres(xs[i-1].Distance(xs[i]))
		if d < Resolution {
			return nil, errs.Invalid(at(), "position %v repeats the previous one %v (they are less than %v m apart)", p, pts[i-1], Resolution)
		}
		if d > maxSegment {
			return nil, errs.Invalid(at(), "segment from %v to %v spans %.0f km, nearly half the globe, so its path is undefined; add intermediate points", pts[i-1], p, d/1000)
		}
	}
	return xs, nil
}

// maxSegment is the longest segment allowed: between nearly antipodal
// points the great circle is undefined, or numerically so.
const maxSegment = 179.0 / 180 * math.Pi * EarthRadius
