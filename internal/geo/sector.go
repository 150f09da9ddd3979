package geo

import (
	"math"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Destination returns the point reached by travelling distanceMetres along
// the great circle leaving from at bearingDeg, clockwise from true north.
// A negative distance travels the opposite way. From a pole, where bearing
// has no meaning, bearings are taken relative to the meridian of from.Lon.
// from should be valid and the numbers finite; otherwise the result is NaN.
func Destination(from Point, bearingDeg, distanceMetres float64) Point {
	φ1 := radians(from.Lat)
	λ1 := radians(from.Lon)
	θ := radians(bearingDeg)
	δ := distanceMetres / EarthRadius

	sinφ2 := math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(θ)
	φ2 := math.Asin(math.Max(-1, math.Min(1, sinφ2)))
	λ2 := λ1 + math.Atan2(math.Sin(θ)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*sinφ2)
	return Point{Lat: degrees(φ2), Lon: normalizeLon(degrees(λ2))}
}

// MaxSectorRadius is the largest outer radius Sector accepts, in metres.
const MaxSectorRadius = 1_000_000

// Sector returns a closed ring approximating the annular sector seen from
// from between bearingFromDeg and bearingToDeg (degrees clockwise from true
// north, the sector sweeping clockwise from the first to the second) and
// between minM and maxM metres away: the probable area of something seen
// on a bearing at an estimated range. Equal bearings (modulo 360) mean a
// full circle, which needs minM == 0 since a ring cannot have a hole.
// Each arc is drawn with steps segments (at least 3 for a full circle).
// With minM == 0 the sector's point is from itself.
//
// The ring runs counterclockwise, as RFC 7946 recommends, and is checked
// with ValidatePolygon. Errors name the parameter at fault:
// "bearing_from_deg", "bearing_to_deg", "min_m", "max_m", "steps", or
// "sector" when the inputs are each acceptable but the ring they give is
// not a valid polygon (a sector millimetres across, or too few steps for a
// wide sweep).
func Sector(from Point, bearingFromDeg, bearingToDeg, minM, maxM float64, steps int) (Polygon, error) {
	if err := from.Validate(); err != nil {
		return nil, errs.Prefix("from", err)
	}
	for _, b := range []struct {
		field string
		deg   float64
	}{{"bearing_from_deg", bearingFromDeg}, {"bearing_to_deg", bearingToDeg}} {
		if math.IsNaN(b.deg) || math.IsInf(b.deg, 0) {
			return nil, errs.Invalid(b.field, "bearing must be a finite number of degrees, got %v", b.deg)
		}
	}
	if math.IsNaN(minM) || math.IsInf(minM, 0) || minM < 0 {
		return nil, errs.Invalid("min_m", "minimum distance must be a finite number of metres, at least 0, got %s", formatMetres(minM))
	}
	if math.IsNaN(maxM) || math.IsInf(maxM, 0) || maxM <= minM {
		return nil, errs.Invalid("max_m", "maximum distance must be a finite number of metres greater than the minimum %s, got %s", formatMetres(minM), formatMetres(maxM))
	}
	if maxM > MaxSectorRadius {
		return nil, errs.Invalid("max_m", "maximum distance %s m is more than %d m", formatMetres(maxM), MaxSectorRadius)
	}
	sweep := math.Mod(bearingToDeg-bearingFromDeg, 360)
	if sweep < 0 {
		sweep += 360
	}
	full := sweep == 0
	if full {
		sweep = 360
		if minM > 0 {
			return nil, errs.Invalid("min_m", "a full-circle sector cannot have a minimum distance (%s m): a polygon cannot have a hole", formatMetres(minM))
		}
	}
	minSteps := 1
	if full {
		minSteps = 3
	}
	if steps < minSteps {
		return nil, errs.Invalid("steps", "need at least %d steps, got %d", minSteps, steps)
	}
	if steps > MaxVertices/2-2 {
		return nil, errs.Invalid("steps", "at most %d steps, got %d", MaxVertices/2-2, steps)
	}

	// Built clockwise (outer arc along increasing bearing, then back along
	// the inner arc or through from), then reversed.
	arc := func(radius float64) []Point {
		pts := make([]Point, 0, steps+1)
		for i := range steps + 1 {
			pts = append(pts, Destination(from, bearingFromDeg+sweep*float64(i)/float64(steps), radius))
		}
		return pts
	}
	ring := arc(maxM)
	switch {
	case full:
		ring[len(ring)-1] = ring[0] // close exactly
	case minM == 0:
		ring = append(ring, from, ring[0])
	default:
		inner := arc(minM)
		for i := len(inner) - 1; i >= 0; i-- {
			ring = append(ring, inner[i])
		}
		ring = append(ring, ring[0])
	}
	for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
		ring[i], ring[j] = ring[j], ring[i]
	}
	if err := ValidatePolygon(ring); err != nil {
		return nil, errs.Invalid("sector", "this sector cannot be drawn as a valid polygon with %d steps: %s", steps, errs.MessageOf(err))
	}
	return ring, nil
}

func radians(deg float64) float64 { return deg * math.Pi / 180 }

func degrees(rad float64) float64 { return rad * 180 / math.Pi }

// normalizeLon maps any longitude into [-180, 180].
func normalizeLon(lon float64) float64 {
	lon = math.Mod(lon+180, 360)
	if lon < 0 {
		lon += 360
	}
	return lon - 180
}
