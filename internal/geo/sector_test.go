package geo

import (
	"github.com/golang/geo/s2"
	"math"
	"testing"
)

func TestSector(t *testing.T) {
	observer := khankendi
	tests := []struct {
		name             string
		from, to         float64
		minM, maxM       float64
		steps            int
		wantLen          int
		inside, outside  []Point
		wantArea, within float64 // m², relative tolerance
	}{
		{
			name: "east-south-east, 3 to 8 km", from: 100, to: 130, minM: 3000, maxM: 8000, steps: 16, wantLen: 35,
			inside:   []Point{Destination(observer, 115, 5000), Destination(observer, 101, 7900), Destination(observer, 129, 3100)},
			outside:  []Point{observer, Destination(observer, 115, 2900), Destination(observer, 115, 8100), Destination(observer, 95, 5000), Destination(observer, 135, 5000)},
			wantArea: 30.0 / 360 * math.Pi * (8000*8000 - 3000*3000), within: 0.01,
		},
		{
			name: "across north, from the observer out to 5 km", from: 350, to: 10, minM: 0, maxM: 5000, steps: 8, wantLen: 11,
			inside:   []Point{Destination(observer, 0, 2500), Destination(observer, 355, 4000), Destination(observer, 5, 100)},
			outside:  []Point{Destination(observer, 20, 2500), Destination(observer, 180, 100), Destination(observer, 0, 5100)},
			wantArea: 20.0 / 360 * math.Pi * 5000 * 5000, within: 0.01,
		},
		{
			name: "full circle", from: 0, to: 360, minM: 0, maxM: 1000, steps: 64, wantLen: 65,
			inside:   []Point{observer, Destination(observer, 200, 990)},
			outside:  []Point{Destination(observer, 200, 1010)},
			wantArea: math.Pi * 1000 * 1000, within: 0.01,
		},
		{
			name: "more than a half circle", from: 0, to: 270, minM: 500, maxM: 1000, steps: 24, wantLen: 51,
			inside:   []Point{Destination(observer, 180, 750), Destination(observer, 90, 750)},
			outside:  []Point{observer, Destination(observer, 315, 750)},
			wantArea: 0.75 * math.Pi * (1000*1000 - 500*500), within: 0.01,
		},
		{
			name: "one step", from: 10, to: 20, minM: 0, maxM: 1000, steps: 1, wantLen: 4,
			inside:   []Point{Destination(observer, 15, 500)},
			wantArea: 0.5 * 1000 * 1000 * math.Sin(radians(10)), within: 0.001,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Sector(observer, tt.from, tt.to, tt.minM, tt.maxM, tt.steps)
			if err != nil {
				t.Fatal(err)
			}
			if len(p) != tt.wantLen {
				t.Errorf("ring has %d positions, want %d", len(p), tt.wantLen)
			}
			if err := ValidatePolygon(p); err != nil {
				t.Fatal(err)
			}
			if turningAngle(p.ring()) < 0 || turningAngle(Polygon(p).ringAsGiven()) < 0 {
				t.Error("ring is not counterclockwise")
			}
			for _, pt := range tt.inside {
				if !p.Contains(pt) {
					t.Errorf("sector does not contain %v", pt)
				}
			}
			for _, pt := range tt.outside {
				if p.Contains(pt) {
					t.Errorf("sector contains %v", pt)
				}
			}
			if a := p.Area(); math.Abs(a-tt.wantArea) > tt.within*tt.wantArea {
				t.Errorf("area = %.0f m², want %.0f m² ± %.1f%%", a, tt.wantArea, tt.within*100)
			}
		})
	}
}

// ringAsGiven returns p's corners in the order given, not reoriented.
func (p Polygon) ringAsGiven() []s2.Point {
	vs := make([]s2.Point, len(p)-1)
	for i := range vs {
		vs[i] = p[i].s2()
	}
	return vs
}

func TestSectorRejects(t *testing.T) {
	tests := []struct {
		name       string
		from       Point
		b0, b1     float64
		minM, maxM float64
		steps      int
		wantField  string
		wantMsg    string
	}{
		{"bad observer", Point{91, 0}, 0, 10, 0, 100, 4, "from.lat", "latitude 91"},
		{"NaN bearing", khankendi, math.NaN(), 10, 0, 100, 4, "bearing_from_deg", "bearing must be a finite number of degrees, got NaN"},
		{"infinite bearing", khankendi, 0, math.Inf(1), 0, 100, 4, "bearing_to_deg", "finite"},
		{"negative minimum", khankendi, 0, 10, -1, 100, 4, "min_m", "at least 0, got -1"},
		{"NaN minimum", khankendi, 0, 10, math.NaN(), 100, 4, "min_m", "got NaN"},
		{"maximum below minimum", khankendi, 0, 10, 500, 400, 4, "max_m", "greater than the minimum 500, got 400"},
		{"maximum equal to minimum", khankendi, 0, 10, 500, 500, 4, "max_m", "greater than the minimum"},
		{"maximum too far", khankendi, 0, 10, 0, 2_000_000, 4, "max_m", "maximum distance 2000000 m is more than 1000000 m"},
		{"full circle with a hole", khankendi, 30, 390, 100, 1000, 16, "min_m", "a full-circle sector cannot have a minimum distance"},
		{"no steps", khankendi, 0, 10, 0, 100, 0, "steps", "need at least 1 steps, got 0"},
		{"full circle in two steps", khankendi, 0, 0, 0, 100, 2, "steps", "need at least 3 steps"},
		{"too many steps", khankendi, 0, 10, 0, 100, MaxVertices, "steps", "at most 49998 steps"},
		{"too narrow to draw", khankendi, 0, 1e-9, 0, 100, 4, "sector", "this sector cannot be drawn as a valid polygon with 4 steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Sector(tt.from, tt.b0, tt.b1, tt.minM, tt.maxM, tt.steps)
			assertInvalid(t, err, tt.wantField, tt.wantMsg)
			if p != nil {
				t.Errorf("got ring %v with the error", p)
			}
		})
	}
}

func FuzzSector(f *testing.F) {
	f.Add(39.815, 46.752, 100.0, 130.0, 3000.0, 8000.0, 16)
	f.Add(89.99, 0.0, 0.0, 0.0, 0.0, 5000.0, 8)
	f.Add(0.0, 180.0, 350.0, 10.0, 10.0, 20.0, 3)
	f.Fuzz(func(t *testing.T, lat, lon, b0, b1, minM, maxM float64, steps int) {
		if steps > 2000 {
			t.Skip()
		}
		p, err := Sector(Point{lat, lon}, b0, b1, minM, maxM, steps)
		if err != nil {
			return
		}
		if err := ValidatePolygon(p); err != nil {
			t.Fatalf("Sector gave an invalid ring: %v", err)
		}
		sweep := math.Mod(b1-b0, 360)
		if sweep <= 0 {
			sweep += 360
		}
		// The arcs are drawn as chords, which cut inside the outer arc
		// by up to a factor cos(step/2); between that and the inner arc,
		// on the middle bearing, is certainly inside.
		outer := maxM * math.Cos(radians(sweep/float64(steps)/2))
		if outer-minM < 2 {
			return
		}
		mid := Destination(Point{lat, lon}, b0+sweep/2, (minM+outer)/2)
		if d, _, _ := DistanceToLine(mid, Line(p)); d > 0.01 && !p.Contains(mid) {
			t.Fatalf("sector %v does not contain its middle %v", p, mid)
		}
	})
}

func BenchmarkDistanceToLine(b *testing.B) {
	l := make(Line, 1000)
	for i := range l {
		// A wavering north–south line of contact about 100 km long.
		l[i] = Point{Lat: 40.3 - 0.0009*float64(i), Lon: 46.75 + 0.01*math.Sin(float64(i)/10)}
	}
	p := Point{Lat: 39.8, Lon: 46.8}
	for b.Loop() {
		DistanceToLine(p, l)
	}
}
