package geo

import (
	"math"
	"testing"
)

func TestBearing(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b Point
		want float64
	}{
		{"north", Point{Lat: 0, Lon: 0}, Point{Lat: 1, Lon: 0}, 0},
		{"east", Point{Lat: 0, Lon: 0}, Point{Lat: 0, Lon: 1}, 90},
		{"south", Point{Lat: 1, Lon: 0}, Point{Lat: 0, Lon: 0}, 180},
		{"west", Point{Lat: 0, Lon: 1}, Point{Lat: 0, Lon: 0}, 270},
	} {
		if got := Bearing(c.a, c.b); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// The Lachin corridor of the demo, 5 km wide: every vertex of the outline
// lies at least half the width from the centre line (at a bend a little
// more), and the outline is a valid polygon whose area is about the
// line's length times the width.
func TestCorridorOutline(t *testing.T) {
	centre := Line{{Lat: 39.805, Lon: 46.745}, {Lat: 39.790, Lon: 46.680}, {Lat: 39.700, Lon: 46.600},
		{Lat: 39.640, Lon: 46.547}, {Lat: 39.580, Lon: 46.450}, {Lat: 39.490, Lon: 46.330}}
	const width = 5000
	ring := CorridorOutline(centre, width)
	if len(ring) != 2*len(centre)+1 {
		t.Fatalf("ring of %d points, want %d", len(ring), 2*len(centre)+1)
	}
	for i, p := range ring {
		d, _, _ := DistanceToLine(p, centre)
		if d < width/2-1 || d > width {
			t.Errorf("vertex %d is %.0f m from the centre line", i, d)
		}
	}
	if err := ValidatePolygon(ring); err != nil {
		t.Fatalf("outline is not a valid polygon: %v", err)
	}
	want := centre.Length() * width
	if a := ring.Area(); math.Abs(a-want)/want > 0.1 {
		t.Errorf("area %.0f m², want about %.0f", a, want)
	}
	if CorridorOutline(centre[:1], width) != nil || CorridorOutline(centre, 0) != nil {
		t.Error("a one-point line or a zero width must give no outline")
	}
}
