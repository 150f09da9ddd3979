package geo

import (
	"math"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestValidateLine(t *testing.T) {
	tooMany := make(Line, MaxVertices+1)
	for i := range tooMany {
		tooMany[i] = Point{Lat: 40, Lon: -180 + float64(i)*0.001}
	}
	tests := []struct {
		name      string
		l         Line
		wantField string
		wantMsg   string
	}{
		{"two points", Line{shusha, khankendi}, "", ""},
		{"crossing itself is allowed", Line{{0, 0}, {1, 1}, {1, 0}, {0, 1}}, "", ""},
		{"across the antimeridian", Line{{0, 179}, {0, -179}}, "", ""},
		{"returning to its start", Line{{0, 0}, {1, 0}, {0, 0}}, "", ""},
		{"points 2 mm apart", Line{{0, 0}, {0, 0.00000002}}, "", ""},
		{"nil", nil, "coordinates", "a line needs at least 2 positions, got 0"},
		{"one point", Line{shusha}, "coordinates", "got 1"},
		{"NaN latitude", Line{shusha, {math.NaN(), 46}}, "coordinates[1][1]", "latitude must be a finite number"},
		{"infinite longitude", Line{{40, math.Inf(1)}, shusha}, "coordinates[0][0]", "longitude must be a finite number"},
		{"latitude out of range", Line{shusha, khankendi, {-90.5, 46}}, "coordinates[2][1]", "latitude -90.5 is outside [-90, 90]"},
		{"longitude out of range", Line{shusha, {40, 181}}, "coordinates[1][0]", "longitude 181 is outside"},
		{"repeated point", Line{shusha, khankendi, khankendi}, "coordinates[2]", "repeats the previous one"},
		{"points 0.5 mm apart", Line{{0, 0}, {0, 0.000000005}}, "coordinates[1]", "less than 0.001 m apart"},
		{"same place at the pole", Line{{90, 0}, {90, 45}}, "coordinates[1]", "repeats the previous one"},
		{"same place on the antimeridian", Line{{10, 180}, {10, -180}}, "coordinates[1]", "repeats the previous one"},
		{"antipodal points", Line{{10, 20}, {-10, -160}}, "coordinates[1]", "nearly half the globe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertInvalid(t, ValidateLine(tt.l), tt.wantField, tt.wantMsg)
		})
	}
	t.Run("too many points", func(t *testing.T) {
		assertError(t, ValidateLine(tooMany), errs.CodeTooLarge, "coordinates", "has 100001 positions; at most 100000 are allowed")
	})
}

func TestLineLength(t *testing.T) {
	tests := []struct {
		name string
		l    Line
		want float64
	}{
		{"empty", nil, 0},
		{"one point", Line{shusha}, 0},
		{"one degree on the equator", Line{{0, 0}, {0, 1}}, 111_195.08},
		{"there and back", Line{{0, 0}, {0, 1}, {0, 0}}, 2 * 111_195.08},
		{"Khankendi to Shusha", Line{khankendi, shusha}, Distance(khankendi, shusha)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.Length(); math.Abs(got-tt.want) > 0.01 {
				t.Errorf("Length = %.3f m, want %.3f m", got, tt.want)
			}
		})
	}
}

// contactLine is a line of contact digitised from north to south along the
// meridian 46.75° E.
var contactLine = Line{{40.0, 46.75}, {39.75, 46.75}, {39.5, 46.75}}

func TestDistanceToLine(t *testing.T) {
	east := Destination(Point{39.8, 46.75}, 90, 2000)
	// An L: north along 46° E, then east along a great circle.
	bend := Line{{40, 46}, {41, 46}, {41, 47}}
	tests := []struct {
		name        string
		p           Point
		l           Line
		wantMetres  float64
		wantSide    Side
		wantNearest Point
	}{
		{"east of a line drawn north to south is left", east, contactLine, 2000, Left, Point{39.8, 46.75}},
		{"west of it is right", Destination(Point{39.6, 46.75}, 270, 3000), contactLine, 3000, Right, Point{39.6, 46.75}},
		{"on a vertex", Point{39.75, 46.75}, contactLine, 0, On, Point{39.75, 46.75}},
		{"on a segment", Point{39.6, 46.75}, contactLine, 0, On, Point{39.6, 46.75}},
		{"half a metre away is on", Destination(Point{39.6, 46.75}, 90, 0.5), contactLine, 0.5, On, Point{39.6, 46.75}},
		{"two metres away is not", Destination(Point{39.6, 46.75}, 90, 2), contactLine, 2, Left, Point{39.6, 46.75}},
		{"beyond the start, east", Destination(Point{40, 46.75}, 45, 1000), contactLine, 1000, Left, Point{40, 46.75}},
		{"beyond the end, west", Destination(Point{39.5, 46.75}, 225, 1000), contactLine, 1000, Right, Point{39.5, 46.75}},
		{"reversed line swaps sides", east, Line{{39.5, 46.75}, {39.75, 46.75}, {40.0, 46.75}}, 2000, Right, Point{39.8, 46.75}},
		{"outside a bend is left", Destination(Point{41, 46}, 315, 5000), bend, 5000, Left, Point{41, 46}},
		{"inside a bend is right", Destination(Point{41, 46}, 135, 5000), bend, 3535.53, Right, Point{0, 0}},
		{"one-point line", east, Line{{39.8, 46.75}}, 2000, On, Point{39.8, 46.75}},
		{"across the antimeridian", Point{0.01, 180}, Line{{0, 179.9}, {0, -179.9}}, 1111.95, Left, Point{0, 180}},
		{"at the pole of the segment's great circle", Point{90, 0}, Line{{0, 0}, {0, 10}}, math.Pi / 2 * EarthRadius, Left, Point{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, side, nearest := DistanceToLine(tt.p, tt.l)
			if math.Abs(d-tt.wantMetres) > 0.01+1e-6*tt.wantMetres {
				t.Errorf("distance = %.3f m, want %.3f m", d, tt.wantMetres)
			}
			if side != tt.wantSide {
				t.Errorf("side = %v, want %v", side, tt.wantSide)
			}
			if tt.wantNearest != (Point{}) {
				if m := Distance(nearest, tt.wantNearest); m > 0.01 {
					t.Errorf("nearest = %v, want %v (%.3f m away)", nearest, tt.wantNearest, m)
				}
			}
			if m := Distance(tt.p, nearest); math.Abs(m-d) > 1e-6 {
				t.Errorf("distance to nearest = %v m, but distance reported = %v m", m, d)
			}
		})
	}
	t.Run("empty line", func(t *testing.T) {
		d, side, _ := DistanceToLine(east, nil)
		if !math.IsInf(d, 1) || side != On {
			t.Errorf("got %v, %v; want +Inf, on", d, side)
		}
	})
}

func TestWithinCorridor(t *testing.T) {
	centre := contactLine
	on := Point{39.7, 46.75}
	tests := []struct {
		name  string
		p     Point
		width float64
		want  bool
	}{
		{"2 km east of the centre of a 5 km corridor", Destination(on, 90, 2000), 5000, true},
		{"2 km west", Destination(on, 270, 2000), 5000, true},
		{"3 km east", Destination(on, 90, 3000), 5000, false},
		{"3 km west", Destination(on, 270, 3000), 5000, false},
		{"exactly on the edge", Destination(on, 90, 2500), 5000.001, true},
		{"on the centre line", on, 5000, true},
		{"beyond the end of the line", Point{39.4, 46.75}, 5000, false},
		{"zero width", on, 0, false},
		{"negative width", on, -5000, false},
		{"NaN width", on, math.NaN(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WithinCorridor(tt.p, centre, tt.width); got != tt.want {
				t.Errorf("WithinCorridor = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateWidth(t *testing.T) {
	tests := []struct {
		name    string
		width   float64
		wantMsg string
	}{
		{"5 km", 5000, ""},
		{"1 mm", 0.001, ""},
		{"zero", 0, "width must be more than 0 m, got 0"},
		{"negative", -1, "more than 0 m"},
		{"NaN", math.NaN(), "width must be a finite number of metres, got NaN"},
		{"infinite", math.Inf(1), "finite"},
		{"half the Earth", math.Pi * EarthRadius, "more than half the Earth's circumference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			field := "width_m"
			if tt.wantMsg == "" {
				field = ""
			}
			assertInvalid(t, ValidateWidth(tt.width), field, tt.wantMsg)
		})
	}
}

func TestSideString(t *testing.T) {
	for side, want := range map[Side]string{On: "on", Left: "left", Right: "right", Side(9): "unknown"} {
		if got := side.String(); got != want {
			t.Errorf("Side(%d).String() = %q, want %q", side, got, want)
		}
	}
}

func FuzzDistanceToLine(f *testing.F) {
	f.Add(39.8, 46.8, 40.0, 46.75, 39.75, 46.75, 39.5, 46.75)
	f.Add(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0)
	f.Add(90.0, 0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 20.0)
	f.Add(0.01, 180.0, 0.0, 179.9, 0.0, -179.9, 1.0, -179.9)
	f.Add(-45.0, 30.0, 45.0, -150.0, -45.0, 30.0, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, plat, plon, alat, alon, blat, blon, clat, clon float64) {
		p := Point{plat, plon}
		l := Line{{alat, alon}, {blat, blon}, {clat, clon}}
		if p.Validate() != nil || ValidateLine(l) != nil {
			t.Skip()
		}
		d, side, nearest := DistanceToLine(p, l)
		if math.IsNaN(d) || math.IsInf(d, 0) || d < 0 || d > math.Pi*EarthRadius+1e-6 {
			t.Fatalf("distance %v is not in [0, πR]", d)
		}
		if err := nearest.Validate(); err != nil {
			t.Fatalf("nearest point %v is invalid: %v", nearest, err)
		}
		if m := Distance(p, nearest); math.Abs(m-d) > 1e-6*math.Max(1, d) {
			t.Fatalf("distance to nearest %v = %v m, reported %v m", nearest, m, d)
		}
		for i, v := range l {
			if dv := Distance(p, v); d > dv+1e-6*math.Max(1, dv) {
				t.Fatalf("distance %v m is more than the distance %v m to vertex %d", d, dv, i)
			}
		}
		if !l.Bounds().Contains(nearest) {
			t.Fatalf("nearest point %v lies outside the line's bounds %+v", nearest, l.Bounds())
		}
		if (side == On) != (d <= OnLineTolerance) {
			t.Fatalf("side %v at distance %v m", side, d)
		}
		rd, rside, _ := DistanceToLine(p, Line{l[2], l[1], l[0]})
		if math.Abs(rd-d) > 1e-6*math.Max(1, d) {
			t.Fatalf("distance %v m, but %v m to the reversed line", d, rd)
		}
		// Reversing a line swaps left and right, unless two segments are
		// (almost) equally near and may disagree.
		d0, _, _ := DistanceToLine(p, l[:2])
		d1, _, _ := DistanceToLine(p, l[1:])
		if side != On && math.Abs(d0-d1) > 1e-3 && rside == side {
			t.Fatalf("side %v on the line and %v on the reversed line", side, rside)
		}
	})
}
