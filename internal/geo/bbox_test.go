package geo

import (
	"math"
	"testing"
)

func TestBoundsOf(t *testing.T) {
	tests := []struct {
		name   string
		points []Point
		want   BBox
	}{
		{"one point", []Point{khankendi}, BBox{39.815, 46.752, 39.815, 46.752}},
		{"two points", []Point{khankendi, shusha}, BBox{39.758, 46.75, 39.815, 46.752}},
		{"across the antimeridian", []Point{{10, 170}, {-10, -170}, {0, 179}}, BBox{-10, 170, 10, -170}},
		{"wide but not across the antimeridian", []Point{{0, -100}, {0, 100}, {0, 0}}, BBox{0, -100, 0, 100}},
		{"on the antimeridian, written both ways", []Point{{0, 180}, {1, -179}}, BBox{0, -180, 1, -179}},
		{"with a pole", []Point{{89, 10}, {90, 0}}, BBox{89, -180, 90, 180}},
		{"none", nil, BBox{90, 180, -90, -180}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BoundsOf(tt.points...)
			if got != tt.want {
				t.Errorf("BoundsOf = %+v, want %+v", got, tt.want)
			}
			for _, p := range tt.points {
				if !got.Contains(p) {
					t.Errorf("box %+v does not contain its point %v", got, p)
				}
			}
		})
	}
}

func TestBBoxContains(t *testing.T) {
	karabakh := BBox{MinLat: 39.5, MinLon: 46.5, MaxLat: 40.0, MaxLon: 47.0}
	pacific := BBox{MinLat: -10, MinLon: 170, MaxLat: 10, MaxLon: -170}
	arctic := BBox{MinLat: 80, MinLon: 0, MaxLat: 90, MaxLon: 10}
	tests := []struct {
		name string
		b    BBox
		p    Point
		want bool
	}{
		{"inside", karabakh, khankendi, true},
		{"on the edge", karabakh, Point{39.5, 46.7}, true},
		{"on the corner", karabakh, Point{40, 47}, true},
		{"north of it", karabakh, Point{40.1, 46.7}, false},
		{"east of it", karabakh, Point{39.7, 47.1}, false},
		{"across the antimeridian, west side", pacific, Point{0, 175}, true},
		{"across the antimeridian, east side", pacific, Point{0, -175}, true},
		{"on the antimeridian as 180", pacific, Point{0, 180}, true},
		{"on the antimeridian as -180", pacific, Point{0, -180}, true},
		{"outside the wrapped range", pacific, Point{0, 0}, false},
		{"the pole at any longitude", arctic, Point{90, -120}, true},
		{"below the pole, outside the longitudes", arctic, Point{85, -120}, false},
		{"empty box", BoundsOf(), Point{0, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Contains(tt.p); got != tt.want {
				t.Errorf("%+v.Contains(%v) = %v, want %v", tt.b, tt.p, got, tt.want)
			}
		})
	}
}

func TestBBoxIntersects(t *testing.T) {
	karabakh := BBox{MinLat: 39.5, MinLon: 46.5, MaxLat: 40.0, MaxLon: 47.0}
	pacific := BBox{MinLat: -10, MinLon: 170, MaxLat: 10, MaxLon: -170}
	tests := []struct {
		name string
		a, b BBox
		want bool
	}{
		{"itself", karabakh, karabakh, true},
		{"overlapping", karabakh, BBox{39.9, 46.9, 41, 48}, true},
		{"sharing an edge", karabakh, BBox{40, 46.5, 41, 47}, true},
		{"one inside the other", karabakh, BBox{39.6, 46.6, 39.7, 46.7}, true},
		{"apart in latitude", karabakh, BBox{41, 46.5, 42, 47}, false},
		{"apart in longitude", karabakh, BBox{39.5, 48, 40, 49}, false},
		{"both across the antimeridian", pacific, BBox{-1, 179, 1, -179}, true},
		{"one across, one east of it", pacific, BBox{-1, -175, 1, -160}, true},
		{"one across, one far away", pacific, BBox{-1, 0, 1, 10}, false},
		{"touching at the antimeridian", BBox{0, 170, 1, 180}, BBox{0, -180, 1, -170}, true},
		{"meeting at the pole", BBox{80, 0, 90, 10}, BBox{85, 100, 90, 110}, true},
		{"empty", karabakh, BoundsOf(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Intersects(tt.b); got != tt.want {
				t.Errorf("Intersects = %v, want %v", got, tt.want)
			}
			if got := tt.b.Intersects(tt.a); got != tt.want {
				t.Errorf("Intersects, swapped = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBBoxExpand(t *testing.T) {
	// One kilometre is 0.008993° of latitude, and 0.011740° of longitude at
	// 40° N.
	tests := []struct {
		name   string
		b      BBox
		metres float64
		want   BBox
	}{
		{"1 km round a point at 40° N", BoundsOf(Point{40, 46}), 1000, BBox{39.991007, 45.988260, 40.008993, 46.011740}},
		{"across the antimeridian", BoundsOf(Point{0, 179.995}), 1000, BBox{-0.008993, 179.986007, 0.008993, -179.996007}},
		{"reaching the pole", BoundsOf(Point{89.995, 10}), 1000, BBox{89.986007, -180, 90, 180}},
		{"all the way round", BBox{0, -179, 1, 179}, 200_000, BBox{-1.798641, -180, 2.798641, 180}},
		{"zero", BoundsOf(khankendi), 0, BoundsOf(khankendi)},
		{"negative", BoundsOf(khankendi), -5, BoundsOf(khankendi)},
		{"NaN", BoundsOf(khankendi), math.NaN(), BoundsOf(khankendi)},
		{"empty box", BoundsOf(), 1000, BoundsOf()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Expand(tt.metres); !bboxNear(got, tt.want, 1e-6) {
				t.Errorf("Expand = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestBBoxExpandHoldsTheCircle(t *testing.T) {
	for _, centre := range []Point{khankendi, {0, 0}, {-60, 179.9}, {75, -10}} {
		b := BoundsOf(centre).Expand(5000)
		for bearing := 0.0; bearing < 360; bearing += 5 {
			if p := Destination(centre, bearing, 4999.99); !b.Contains(p) {
				t.Errorf("box %+v round %v misses %v at bearing %v", b, centre, p, bearing)
			}
		}
	}
}

func FuzzBBoxExpand(f *testing.F) {
	f.Add(39.815, 46.752, 39.758, 46.75, 5000.0, 45.0)
	f.Add(0.0, 179.99, 1.0, -179.99, 2000.0, 90.0)
	f.Add(89.9, 0.0, 89.9, 10.0, 20000.0, 0.0)
	f.Fuzz(func(t *testing.T, lat0, lon0, lat1, lon1, metres, bearing float64) {
		a, b := Point{lat0, lon0}, Point{lat1, lon1}
		if a.Validate() != nil || b.Validate() != nil || !(metres > 0 && metres < 1e6) || math.IsNaN(bearing) || math.IsInf(bearing, 0) {
			return
		}
		box := BoundsOf(a, b)
		if !box.Contains(a) || !box.Contains(b) {
			t.Fatalf("%+v does not contain its points", box)
		}
		grown := box.Expand(metres)
		for _, p := range []Point{a, b, Destination(a, bearing, metres*0.999), Destination(b, bearing, metres*0.999)} {
			if !grown.Contains(p) {
				t.Fatalf("%+v expanded by %v m is %+v, which misses %v", box, metres, grown, p)
			}
		}
		if !grown.Intersects(box) || !box.Intersects(grown) {
			t.Fatalf("%+v and its expansion %+v do not intersect", box, grown)
		}
	})
}
