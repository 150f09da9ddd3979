package geo

import (
	"math"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// square returns a closed ring round a square of side metres whose
// south-west corner is sw, running counterclockwise.
func square(sw Point, side float64) Polygon {
	se := Destination(sw, 90, side)
	ne := Destination(se, 0, side)
	nw := Destination(sw, 0, side)
	return Polygon{sw, se, ne, nw, sw}
}

func reversed(p Polygon) Polygon {
	r := slices.Clone(p)
	slices.Reverse(r)
	return r
}

// ring builds a closed ring from [lon, lat] pairs, as GeoJSON writes them.
func ring(lonlat ...[2]float64) Polygon {
	p := make(Polygon, 0, len(lonlat)+1)
	for _, c := range lonlat {
		p = append(p, Point{Lat: c[1], Lon: c[0]})
	}
	return append(p, p[0])
}

func TestValidatePolygon(t *testing.T) {
	unit := ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{1, 1}, [2]float64{0, 1})
	circle := make(Polygon, 0, MaxVertices+2)
	for i := range MaxVertices + 1 {
		circle = append(circle, Destination(khankendi, 360*float64(i)/float64(MaxVertices+1), 10_000))
	}
	circle = append(circle, circle[0])

	tests := []struct {
		name      string
		p         Polygon
		wantField string
		wantMsg   string
	}{
		{"counterclockwise square", unit, "", ""},
		{"clockwise square", reversed(unit), "", ""},
		{"triangle", ring([2]float64{46, 39}, [2]float64{47, 39}, [2]float64{46.5, 40}), "", ""},
		{"1 km square", square(shusha, 1000), "", ""},
		{"concave", ring([2]float64{0, 0}, [2]float64{2, 0}, [2]float64{2, 2}, [2]float64{1, 0.5}, [2]float64{0, 2}), "", ""},
		{"across the antimeridian", ring([2]float64{179, 0}, [2]float64{-179, 0}, [2]float64{-179, 1}, [2]float64{179, 1}), "", ""},
		{"round the north pole", ring([2]float64{0, 80}, [2]float64{90, 80}, [2]float64{180, 80}, [2]float64{-90, 80}), "", ""},
		{"nil", nil, "coordinates[0]", "a polygon ring needs at least 4 positions (3 corners, then the first repeated to close it), got 0"},
		{"three positions", Polygon{{0, 0}, {0, 1}, {0, 0}}, "coordinates[0]", "got 3"},
		{"not closed", Polygon{{0, 0}, {0, 1}, {1, 1}, {1, 0}}, "coordinates[0][3]", "polygon ring is not closed: first position [0, 0] differs from last [0, 1]"},
		{"closed only within a millimetre", Polygon{{0, 0}, {0, 1}, {1, 1}, {1e-12, 0}}, "coordinates[0][3]", "not closed"},
		{"NaN latitude", Polygon{{0, 0}, {0, 1}, {math.NaN(), 1}, {0, 0}}, "coordinates[0][2][1]", "latitude must be a finite number"},
		{"longitude out of range", Polygon{{0, 0}, {0, 1}, {1, 200}, {0, 0}}, "coordinates[0][2][0]", "longitude 200 is outside"},
		{"repeated corner", Polygon{{0, 0}, {0, 1}, {0, 1}, {1, 1}, {0, 0}}, "coordinates[0][2]", "repeats the previous one"},
		{"closing point repeated", Polygon{{0, 0}, {0, 1}, {1, 1}, {0, 0}, {0, 0}}, "coordinates[0][4]", "repeats the previous one"},
		{"bow tie", ring([2]float64{0, 0}, [2]float64{1, 1}, [2]float64{1, 0}, [2]float64{0, 1}), "coordinates[0]", "ring intersects itself between segments 0 and 2 (positions 0–1 and 2–3)"},
		{"the first crossing walking the ring", ring(
			[2]float64{0, 0}, [2]float64{4, 0}, [2]float64{4, 4}, [2]float64{2, 4},
			[2]float64{2, 1}, [2]float64{5, 2}, [2]float64{0, 3}),
			"coordinates[0]", "ring intersects itself between segments 1 and 4 (positions 1–2 and 4–5)"},
		{"figure eight touching at a corner", ring(
			[2]float64{0, 0}, [2]float64{1, 1}, [2]float64{2, 0}, [2]float64{2, 2}, [2]float64{1, 1}, [2]float64{0, 2}),
			"coordinates[0][4]", "ring touches itself: position 4 is the same point as position 1"},
		{"corner on another side", ring(
			[2]float64{0, 0}, [2]float64{2, 0}, [2]float64{2, 2}, [2]float64{1, 0}, [2]float64{0, 2}),
			"coordinates[0][3]", "ring touches itself: position 3 lies on segment 0 (positions 0–1)"},
		{"corner a half millimetre from another side", ring(
			[2]float64{0, 0}, [2]float64{0.02, 0}, [2]float64{0.02, 0.02}, [2]float64{0.01, 0.000000004}, [2]float64{0, 0.02}),
			"coordinates[0][3]", "ring touches itself"},
		{"spike doubling back", ring(
			[2]float64{0, 0}, [2]float64{2, 0}, [2]float64{1, 0}, [2]float64{1, 1}),
			"coordinates[0][1]", "ring doubles back on itself at position 1: segments 0 and 1 overlap"},
		{"spike through the closing corner", ring(
			[2]float64{2, 0}, [2]float64{1, 0}, [2]float64{1, 1}, [2]float64{0, 1}, [2]float64{0, 0}),
			"coordinates[0][0]", "ring doubles back on itself at position 0: segments 4 and 0 overlap"},
		{"collinear corners", ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{2, 0}),
			"coordinates[0][0]", "ring doubles back"},
		{"the equator", ring([2]float64{0, 0}, [2]float64{90, 0}, [2]float64{180, 0}, [2]float64{-90, 0}),
			"coordinates[0]", "polygon ring divides the globe into two halves of nearly equal area"},
		{"antipodal corners", Polygon{{0, 0}, {0, 180}, {10, 90}, {0, 0}}, "coordinates[0][1]", "nearly half the globe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertInvalid(t, ValidatePolygon(tt.p), tt.wantField, tt.wantMsg)
		})
	}
	t.Run("too many points", func(t *testing.T) {
		assertError(t, ValidatePolygon(circle), errs.CodeTooLarge, "coordinates[0]", "has 100002 positions; at most 100000 are allowed")
	})
	t.Run("most points allowed", func(t *testing.T) {
		max := slices.Clone(circle[:MaxVertices-1])
		max = append(max, max[0])
		if err := ValidatePolygon(max); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPolygonContains(t *testing.T) {
	unit := ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{1, 1}, [2]float64{0, 1})
	antimeridian := ring([2]float64{179, 0}, [2]float64{-179, 0}, [2]float64{-179, 1}, [2]float64{179, 1})
	arctic := ring([2]float64{0, 80}, [2]float64{90, 80}, [2]float64{180, 80}, [2]float64{-90, 80})
	tests := []struct {
		name string
		p    Polygon
		pt   Point
		want bool
	}{
		{"centre of a square", unit, Point{0.5, 0.5}, true},
		{"outside a square", unit, Point{1.5, 0.5}, false},
		{"just inside an edge", unit, Point{0.5, 0.000001}, true},
		{"just outside an edge", unit, Point{0.5, -0.000001}, false},
		{"far away", unit, Point{-40, 100}, false},
		{"antipode of the centre", unit, Point{-0.5, -179.5}, false},
		{"across the antimeridian, east side", antimeridian, Point{0.5, 179.5}, true},
		{"across the antimeridian, west side", antimeridian, Point{0.5, -179.5}, true},
		{"across the antimeridian, on it", antimeridian, Point{0.5, 180}, true},
		{"not the long way round", antimeridian, Point{0.5, 0}, false},
		{"the pole inside an arctic ring", arctic, Point{90, 0}, true},
		{"inside an arctic ring", arctic, Point{85, 123}, true},
		{"outside an arctic ring", arctic, Point{70, 123}, false},
		{"the other pole", arctic, Point{-90, 0}, false},
		{"too few points", Polygon{{0, 0}, {1, 1}}, Point{0, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Contains(tt.pt); got != tt.want {
				t.Errorf("Contains = %v, want %v", got, tt.want)
			}
			if len(tt.p) >= 4 {
				if got := reversed(tt.p).Contains(tt.pt); got != tt.want {
					t.Errorf("Contains on the reversed ring = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestPolygonContainsBoundary(t *testing.T) {
	// Two squares sharing a side: every point of that side lies in exactly
	// one of them.
	west := ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{1, 1}, [2]float64{0, 1})
	east := ring([2]float64{1, 0}, [2]float64{2, 0}, [2]float64{2, 1}, [2]float64{1, 1})
	for _, lat := range []float64{0.1, 0.25, 0.5, 0.9} {
		pt := Point{Lat: lat, Lon: 1}
		if west.Contains(pt) == east.Contains(pt) {
			t.Errorf("%v: west %v, east %v; want exactly one", pt, west.Contains(pt), east.Contains(pt))
		}
	}
}

func TestPolygonArea(t *testing.T) {
	// A 0.01° × 0.01° cell, whose area on the WGS 84 ellipsoid is known in
	// closed form.
	cell := func(lat float64) Polygon {
		return ring([2]float64{46, lat}, [2]float64{46.01, lat}, [2]float64{46.01, lat + 0.01}, [2]float64{46, lat + 0.01})
	}
	tests := []struct {
		name      string
		p         Polygon
		want      float64 // m²
		tolerance float64 // relative
	}{
		{"1 km square near Shusha", square(shusha, 1000), 1e6, 0.01},
		{"1 km square on the equator", square(Point{0, 0}, 1000), 1e6, 0.01},
		{"0.01° cell at 39.75° N against the ellipsoid", cell(39.75), ellipsoidCellArea(39.75, 39.76, 0.01), 0.005},
		{"0.01° cell at the equator against the ellipsoid", cell(0), ellipsoidCellArea(0, 0.01, 0.01), 0.006},
		{"0.01° cell at 60° N against the ellipsoid", cell(60), ellipsoidCellArea(60, 60.01, 0.01), 0.006},
		{"octant of the sphere", ring([2]float64{0, 0}, [2]float64{90, 0}, [2]float64{0, 90}), math.Pi / 2 * EarthRadius * EarthRadius, 1e-9},
		{"too few points", Polygon{{0, 0}, {1, 1}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range []Polygon{tt.p, reversed(tt.p)} {
				got := p.Area()
				if math.Abs(got-tt.want) > tt.tolerance*tt.want {
					t.Errorf("Area = %.1f m², want %.1f m² ± %.2f%%", got, tt.want, tt.tolerance*100)
				}
			}
		})
	}
}

// ellipsoidCellArea returns the area in m² of the WGS 84 quadrangle between
// latitudes lat1 < lat2 and spanning dLon degrees.
func ellipsoidCellArea(lat1, lat2, dLon float64) float64 {
	const (
		major = 6_378_137.0
		f     = 1 / 298.257223563
	)
	minor := major * (1 - f)
	e := math.Sqrt(f * (2 - f))
	q := func(lat float64) float64 {
		s := math.Sin(radians(lat))
		return s/(2*(1-e*e*s*s)) + math.Log((1+e*s)/(1-e*s))/(4*e)
	}
	return radians(dLon) * minor * minor * (q(lat2) - q(lat1))
}

func TestPolygonBounds(t *testing.T) {
	tests := []struct {
		name string
		p    Polygon
		want BBox
	}{
		{"square", ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{1, 1}, [2]float64{0, 1}), BBox{MinLat: 0, MinLon: 0, MaxLat: 1.0001, MaxLon: 1}},
		{"across the antimeridian", ring([2]float64{179, 0}, [2]float64{-179, 0}, [2]float64{-179, 1}, [2]float64{179, 1}), BBox{MinLat: 0, MinLon: 179, MaxLat: 1.0001, MaxLon: -179}},
		{"round the pole", ring([2]float64{0, 80}, [2]float64{90, 80}, [2]float64{180, 80}, [2]float64{-90, 80}), BBox{MinLat: 80, MinLon: -180, MaxLat: 90, MaxLon: 180}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Bounds()
			if !bboxNear(got, tt.want, 1e-3) {
				t.Errorf("Bounds = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func bboxNear(a, b BBox, tolerance float64) bool {
	return math.Abs(a.MinLat-b.MinLat) <= tolerance && math.Abs(a.MaxLat-b.MaxLat) <= tolerance &&
		math.Abs(a.MinLon-b.MinLon) <= tolerance && math.Abs(a.MaxLon-b.MaxLon) <= tolerance
}

// circleRing returns a closed ring of n points 10 km round Khankendi.
func circleRing(n int) Polygon {
	p := make(Polygon, 0, n+1)
	for i := range n {
		p = append(p, Destination(khankendi, 360*float64(i)/float64(n), 10_000))
	}
	return append(p, p[0])
}

func BenchmarkPolygonContains(b *testing.B) {
	p := circleRing(1000)
	inside := Destination(khankendi, 30, 5_000)
	for b.Loop() {
		if !p.Contains(inside) {
			b.Fatal("not inside")
		}
	}
}

func BenchmarkValidatePolygon(b *testing.B) {
	for _, n := range []int{1000, MaxVertices - 1} {
		p := circleRing(n)
		b.Run(fmtInt(n), func(b *testing.B) {
			for b.Loop() {
				if err := ValidatePolygon(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func fmtInt(n int) string {
	s := ""
	for n >= 10 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return string(rune('0'+n)) + s
}

// FuzzPolygon checks that a valid ring's meaning does not depend on where
// it starts or which way it runs.
func FuzzPolygon(f *testing.F) {
	f.Add(39.0, 46.0, 39.0, 47.0, 40.0, 47.0, 40.0, 46.0, 39.5, 46.5)
	f.Add(0.0, 179.0, 0.0, -179.0, 1.0, -179.0, 1.0, 179.0, 0.5, 180.0)
	f.Add(80.0, 0.0, 80.0, 90.0, 80.0, 180.0, 80.0, -90.0, 90.0, 0.0)
	f.Add(0.0, 0.0, 0.0, 90.0, 0.0, 180.0, 0.0, -90.0, 45.0, 0.0)
	f.Add(0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.5, 0.5)
	f.Fuzz(func(t *testing.T, lat0, lon0, lat1, lon1, lat2, lon2, lat3, lon3, plat, plon float64) {
		p := Polygon{{lat0, lon0}, {lat1, lon1}, {lat2, lon2}, {lat3, lon3}, {lat0, lon0}}
		pt := Point{plat, plon}
		if ValidatePolygon(p) != nil || pt.Validate() != nil {
			return
		}
		area := p.Area()
		if !(area > 0) || area > 2*math.Pi*EarthRadius*EarthRadius*(1+1e-9) {
			t.Fatalf("area %v m² of %v", area, p)
		}
		contains := p.Contains(pt)
		rotated := Polygon{p[2], p[3], p[0], p[1], p[2]}
		for _, q := range []Polygon{reversed(p), rotated, reversed(rotated)} {
			if err := ValidatePolygon(q); err != nil {
				t.Fatalf("%v is valid but %v is not: %v", p, q, err)
			}
			if got := q.Contains(pt); got != contains {
				t.Fatalf("%v contains %v: %v, but %v: %v", p, pt, contains, q, got)
			}
			if a := q.Area(); math.Abs(a-area) > 1e-6*area+1e-6 {
				t.Fatalf("area %v m² of %v, but %v m² of %v", area, p, a, q)
			}
		}
		if contains && !p.Bounds().Contains(pt) {
			t.Fatalf("%v contains %v but its bounds %+v do not", p, pt, p.Bounds())
		}
	})
}
