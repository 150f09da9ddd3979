package geo

import (
	"math"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Line is a polyline of great-circle segments: a line of contact, a
// withdrawal line, a route. A valid Line has at least 2 points and no point
// repeating the one before it; it may cross itself.
type Line []Point

// ValidateLine reports whether l is a valid Line. Fields are GeoJSON paths
// of a LineString: "coordinates", "coordinates[3]", "coordinates[3][0]".
func ValidateLine(l Line) error { return validateLine("coordinates", l) }

// validateLine is ValidateLine for the line at path.
func validateLine(path string, l Line) error {
	if len(l) < 2 {
		return errs.Invalid(path, "a line needs at least 2 positions, got %d", len(l))
	}
	_, err := validateVertices(path, l)
	return err
}

// Length returns the length of l in metres.
func (l Line) Length() float64 {
	var total s1.Angle
	for i := 1; i < len(l); i++ {
		total += l[i-1].s2().Distance(l[i].s2())
	}
	return metres(total)
}

// Bounds returns the smallest box holding every point of l, including the
// poleward bulge of its great-circle segments.
func (l Line) Bounds() BBox {
	b := s2.NewRectBounder()
	for _, p := range l {
		b.AddPoint(p.s2())
	}
	return bboxFromRect(b.RectBound())
}

// Side says on which side of a line a point lies, looking along the line's
// direction of travel, from its first point towards its last.
type Side int

const (
	On    Side = iota // within OnLineTolerance of the line
	Left              // to the left of the direction of travel
	Right             // to the right of the direction of travel
)

func (s Side) String() string {
	switch s {
	case On:
		return "on"
	case Left:
		return "left"
	case Right:
		return "right"
	}
	return "unknown"
}

// OnLineTolerance is the distance in metres within which a point counts as
// On a line rather than Left or Right of it.
const OnLineTolerance = 1.0

// DistanceToLine returns the great-circle distance in metres from p to the
// closest point of l, which side of l p lies on, and that closest point.
//
// The side is taken at the closest segment, looking along the direction of
// travel: for a line of contact digitised from north to south, Left is east
// and Right is west. When the closest point is a vertex where the line
// turns, the side is decided by which of the two angles formed there holds p,
// so points in the outer angle of a bend are not misclassified. Beyond the
// ends of the line, the first or last segment extended decides. Points
// within OnLineTolerance (1 m) are On.
//
// l should be valid (see ValidateLine). A line of one point gives the
// distance to it and On; an empty line gives +Inf, On and the zero Point.
func DistanceToLine(p Point, l Line) (metres float64, side Side, nearest Point) {
	switch len(l) {
	case 0:
		return math.Inf(1), On, Point{}
	case 1:
		return Distance(p, l[0]), On, l[0]
	}
	x := p.s2()
	vs := make([]s2.Point, len(l))
	for i, q := range l {
		vs[i] = q.s2()
	}
	d, side, near := distanceToPolyline(x, vs)
	return d, side, pointFromS2(near)
}

func distanceToPolyline(x s2.Point, vs []s2.Point) (float64, Side, s2.Point) {
	best := s1.InfChordAngle()
	segment := 0
	for i := 1; i < len(vs); i++ {
		if d, closer := s2.UpdateMinDistance(x, vs[i-1], vs[i], best); closer {
			best, segment = d, i-1
		}
	}
	a, b := vs[segment], vs[segment+1]
	near := project(x, a, b)
	d := metres(x.Distance(near))
	if d <= OnLineTolerance {
		return d, On, near
	}

	// At an interior vertex, p is on the right when the previous vertex, p
	// and the next vertex are ordered counterclockwise around it, as
	// s2.Polyline.IsOnRight decides; elsewhere the segment decides.
	var left bool
	switch {
	case near == a && segment > 0:
		left = !s2.OrderedCCW(vs[segment-1], x, b, a)
	case near == b && segment+2 < len(vs):
		left = !s2.OrderedCCW(a, x, vs[segment+2], b)
	default:
		left = s2.RobustSign(a, b, x) == s2.CounterClockwise
	}
	if left {
		return d, Left, near
	}
	return d, Right, near
}

// project returns the point of segment ab closest to x. It is s2.Project
// made safe for x at a pole of the segment's great circle, where every
// point of the segment is equally far and s2.Project has no answer.
func project(x, a, b s2.Point) s2.Point {
	aXb := a.PointCross(b)
	onCircle := x.Sub(aXb.Mul(x.Dot(aXb.Vector) / aXb.Norm2()))
	if onCircle.Norm2() > 1e-30 &&
		s2.Sign(aXb, a, s2.Point{Vector: onCircle}) && s2.Sign(s2.Point{Vector: onCircle}, b, aXb) {
		return s2.Point{Vector: onCircle.Normalize()}
	}
	if x.Sub(a.Vector).Norm2() <= x.Sub(b.Vector).Norm2() {
		return a
	}
	return b
}

// ValidateWidth reports whether widthMetres is usable as a corridor or
// buffer width: finite, positive and less than half the Earth's
// circumference. The error's field is "width_m".
func ValidateWidth(widthMetres float64) error {
	if math.IsNaN(widthMetres) || math.IsInf(widthMetres, 0) {
		return errs.Invalid("width_m", "width must be a finite number of metres, got %v", widthMetres)
	}
	if widthMetres <= 0 {
		return errs.Invalid("width_m", "width must be more than 0 m, got %s", formatMetres(widthMetres))
	}
	if widthMetres >= math.Pi*EarthRadius {
		return errs.Invalid("width_m", "width of %s m is more than half the Earth's circumference", formatMetres(widthMetres))
	}
	return nil
}

// WithinCorridor reports whether pt lies in the corridor of total width
// widthMetres centred on centre: whether its distance to the centre line is
// at most half the width. An invalid width (see ValidateWidth) or an empty
// line gives false.
func WithinCorridor(pt Point, centre Line, widthMetres float64) bool {
	if ValidateWidth(widthMetres) != nil || len(centre) == 0 {
		return false
	}
	d, _, _ := DistanceToLine(pt, centre)
	return d <= widthMetres/2
}
