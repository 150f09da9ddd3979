package geo

import (
	"fmt"
	"math"

	"github.com/golang/geo/s2"

	"github.com/truce-monitoring/truce/internal/errs"
)

// A polygon with holes and the multi-part geometries (MultiPoint,
// MultiLineString, MultiPolygon) come from GIS files: a zone drawn around
// a town it leaves out, a district in several pieces. Each ring is valid
// on its own as a Polygon's (see ValidatePolygon) and, like it, bounds the
// smaller of the two regions it divides the globe into, whichever way it
// runs (RFC 7946's winding order is not required).

// Contains reports whether pt lies inside a: inside its outer ring and in
// none of its holes. On a boundary the semi-open rule of Polygon.Contains
// applies ring by ring.
func (a Area) Contains(pt Point) bool {
	if !a.Outer.Contains(pt) {
		return false
	}
	for _, h := range a.Holes {
		if h.Contains(pt) {
			return false
		}
	}
	return true
}

// Area returns the area of a in square metres: its outer ring's less its
// holes'. a should be valid.
func (a Area) Area() float64 {
	total := a.Outer.Area()
	for _, h := range a.Holes {
		total -= h.Area()
	}
	return math.Max(total, 0)
}

// Contains reports whether pt lies inside g: inside a Polygon and out of
// its holes, or inside one part of a MultiPolygon. Points, lines and
// multi-points and multi-lines contain nothing.
func (g Geometry) Contains(pt Point) bool {
	switch g.Type {
	case TypePolygon:
		return Area{Outer: g.Polygon, Holes: g.Holes}.Contains(pt)
	case TypeMultiPolygon:
		for _, a := range g.Areas {
			if a.Contains(pt) {
				return true
			}
		}
	}
	return false
}

// Area returns the area g encloses in square metres: a Polygon's less its
// holes, the sum of a MultiPolygon's parts; 0 for the other types.
func (g Geometry) Area() float64 {
	switch g.Type {
	case TypePolygon:
		return Area{Outer: g.Polygon, Holes: g.Holes}.Area()
	case TypeMultiPolygon:
		total := 0.0
		for _, a := range g.Areas {
			total += a.Area()
		}
		return total
	}
	return 0
}

// AreasOf returns g's polygons with their holes: one for a Polygon, each
// part of a MultiPolygon, none otherwise.
func AreasOf(g Geometry) []Area {
	switch g.Type {
	case TypePolygon:
		return []Area{{Outer: g.Polygon, Holes: g.Holes}}
	case TypeMultiPolygon:
		return g.Areas
	}
	return nil
}

// LinesOf returns g's lines: one for a LineString, each part of a
// MultiLineString, none otherwise.
func LinesOf(g Geometry) []Line {
	switch g.Type {
	case TypeLineString:
		return []Line{g.Line}
	case TypeMultiLineString:
		return g.Lines
	}
	return nil
}

func validateMultiPoint(pts []Point) error {
	if len(pts) == 0 {
		return errs.Invalid("coordinates", "a MultiPoint needs at least one position, got none")
	}
	if len(pts) > MaxVertices {
		return errs.TooLarge("coordinates", "has %d positions; at most %d are allowed", len(pts), MaxVertices)
	}
	for i, p := range pts {
		if err := validatePosition(fmt.Sprintf("coordinates[%d]", i), p); err != nil {
			return err
		}
	}
	return nil
}

func validateMultiLine(lines []Line) error {
	if len(lines) == 0 {
		return errs.Invalid("coordinates", "a MultiLineString needs at least one line, got none")
	}
	if err := checkTotal(len(lines), func(i int) int { return len(lines[i]) }); err != nil {
		return err
	}
	for i, l := range lines {
		if err := validateLine(fmt.Sprintf("coordinates[%d]", i), l); err != nil {
			return err
		}
	}
	return nil
}

func validateMultiPolygon(areas []Area) error {
	if len(areas) == 0 {
		return errs.Invalid("coordinates", "a MultiPolygon needs at least one polygon, got none")
	}
	if err := checkTotal(len(areas), func(i int) int {
		n := len(areas[i].Outer)
		for _, h := range areas[i].Holes {
			n += len(h)
		}
		return n
	}); err != nil {
		return err
	}
	polys := make([]*s2.Polygon, len(areas))
	for i, a := range areas {
		path := fmt.Sprintf("coordinates[%d]", i)
		if err := validateArea(path, a); err != nil {
			return err
		}
		loops := []*s2.Loop{a.Outer.loop()}
		for _, h := range a.Holes {
			loops = append(loops, h.loop())
		}
		polys[i] = s2.PolygonFromLoops(loops)
	}
	// Parts may not overlap; a part may lie in another's hole (an island
	// in a lake). Only parts whose boxes meet are compared.
	for j := 1; j < len(polys); j++ {
		for i := 0; i < j; i++ {
			if polys[i].RectBound().Intersects(polys[j].RectBound()) && polys[i].Intersects(polys[j]) {
				return errs.Invalid(fmt.Sprintf("coordinates[%d]", j), "polygon %d overlaps polygon %d; the parts of a MultiPolygon may not overlap", j, i)
			}
		}
	}
	return nil
}

// checkTotal refuses more than MaxVertices positions in n parts whose
// sizes size gives.
func checkTotal(n int, size func(i int) int) error {
	total := 0
	for i := range n {
		total += size(i)
	}
	if total > MaxVertices {
		return errs.TooLarge("coordinates", "has %d positions; at most %d are allowed", total, MaxVertices)
	}
	return nil
}

// validateArea checks a polygon with holes whose rings are at path[0],
// path[1]…: each ring valid, each hole inside the outer ring, no two
// holes overlapping.
func validateArea(path string, a Area) error {
	if err := validateRing(path+"[0]", a.Outer); err != nil {
		return err
	}
	if len(a.Holes) == 0 {
		return nil
	}
	outer := a.Outer.loop()
	holes := make([]*s2.Loop, len(a.Holes))
	for i, h := range a.Holes {
		at := fmt.Sprintf("%s[%d]", path, i+1)
		if err := validateRing(at, h); err != nil {
			return err
		}
		holes[i] = h.loop()
		if !outer.Contains(holes[i]) {
			if outer.Intersects(holes[i]) {
				return errs.Invalid(at, "hole %d crosses the polygon's outer ring; a hole must lie inside it", i+1)
			}
			return errs.Invalid(at, "hole %d lies outside the polygon's outer ring; a hole must lie inside it", i+1)
		}
		for j := range i {
			if holes[j].Intersects(holes[i]) {
				return errs.Invalid(at, "hole %d overlaps hole %d; the holes of a polygon may not overlap", i+1, j+1)
			}
		}
	}
	return nil
}

func multiLineBounds(lines []Line) BBox {
	var r s2.Rect = s2.EmptyRect()
	for _, l := range lines {
		b := s2.NewRectBounder()
		for _, p := range l {
			b.AddPoint(p.s2())
		}
		r = r.Union(b.RectBound())
	}
	return bboxFromRect(r)
}

func multiPolygonBounds(areas []Area) BBox {
	var r s2.Rect = s2.EmptyRect()
	for _, a := range areas {
		if l := a.Outer.loop(); l != nil {
			r = r.Union(l.RectBound())
		}
	}
	return bboxFromRect(r)
}

// Swapped returns g with every position's latitude and longitude
// exchanged, and whether that gives valid positions (every coordinate
// within ±90). It is for saying so when a file has them the wrong way
// round; the result is not validated otherwise.
func Swapped(g Geometry) (Geometry, bool) {
	ok := true
	swap := func(p Point) Point {
		if math.Abs(p.Lon) > 90 || math.Abs(p.Lat) > 180 {
			ok = false
		}
		return Point{Lat: p.Lon, Lon: p.Lat}
	}
	swapAll := func(pts []Point) []Point {
		if pts == nil {
			return nil
		}
		out := make([]Point, len(pts))
		for i, p := range pts {
			out[i] = swap(p)
		}
		return out
	}
	out := Geometry{Type: g.Type}
	if g.Point != nil {
		p := swap(*g.Point)
		out.Point = &p
	}
	out.Line = swapAll(g.Line)
	out.Polygon = swapAll(g.Polygon)
	for _, h := range g.Holes {
		out.Holes = append(out.Holes, swapAll(h))
	}
	out.Points = swapAll(g.Points)
	for _, l := range g.Lines {
		out.Lines = append(out.Lines, swapAll(l))
	}
	for _, a := range g.Areas {
		s := Area{Outer: swapAll(a.Outer)}
		for _, h := range a.Holes {
			s.Holes = append(s.Holes, swapAll(h))
		}
		out.Areas = append(out.Areas, s)
	}
	return out, ok
}

// LooksSwapped reports whether g, valid but outside area, would lie in it
// with latitude and longitude exchanged: the common mistake of writing
// positions as [latitude, longitude]. An empty area says nothing.
func LooksSwapped(g Geometry, area BBox) bool {
	if area.IsEmpty() {
		return false
	}
	b := g.Bounds()
	if b.IsEmpty() || area.Intersects(b) {
		return false
	}
	s, ok := Swapped(g)
	if !ok {
		return false
	}
	sb := s.Bounds()
	return !sb.IsEmpty() && area.Intersects(sb)
}
