package geo

import (
	"math"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Places used across the tests.
var (
	khankendi = Point{Lat: 39.815, Lon: 46.752}
	shusha    = Point{Lat: 39.758, Lon: 46.750}
	paris     = Point{Lat: 48.8566, Lon: 2.3522}
	london    = Point{Lat: 51.5074, Lon: -0.1278}
)

func TestPointValidate(t *testing.T) {
	tests := []struct {
		name      string
		p         Point
		wantField string
		wantMsg   string
	}{
		{"origin", Point{0, 0}, "", ""},
		{"khankendi", khankendi, "", ""},
		{"north pole", Point{90, 0}, "", ""},
		{"south-west corner", Point{-90, -180}, "", ""},
		{"antimeridian", Point{0, 180}, "", ""},
		{"lat NaN", Point{math.NaN(), 0}, "lat", "latitude must be a finite number, got NaN"},
		{"lat +Inf", Point{math.Inf(1), 0}, "lat", "finite"},
		{"lat -Inf", Point{math.Inf(-1), 0}, "lat", "finite"},
		{"lat above 90", Point{90.0000001, 0}, "lat", "latitude 90.0000001 is outside [-90, 90]"},
		{"lat below -90", Point{-91, 0}, "lat", "outside [-90, 90]"},
		{"lon NaN", Point{0, math.NaN()}, "lon", "longitude must be a finite number"},
		{"lon -Inf", Point{0, math.Inf(-1)}, "lon", "finite"},
		{"lon above 180", Point{0, 180.5}, "lon", "longitude 180.5 is outside [-180, 180]"},
		{"lon below -180", Point{0, -360}, "lon", "outside [-180, 180]"},
		{"both bad reports lat", Point{100, 200}, "lat", "latitude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertInvalid(t, tt.p.Validate(), tt.wantField, tt.wantMsg)
		})
	}
}

// assertInvalid checks that err is nil when wantField and wantMsg are both
// empty, and otherwise an errs.Invalid at wantField whose message contains
// wantMsg.
func assertInvalid(t *testing.T, err error, wantField, wantMsg string) {
	t.Helper()
	assertError(t, err, errs.CodeInvalid, wantField, wantMsg)
}

func assertError(t *testing.T, err error, code errs.Code, wantField, wantMsg string) {
	t.Helper()
	if wantField == "" && wantMsg == "" {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want %s at %q containing %q", code, wantField, wantMsg)
	}
	if got := errs.CodeOf(err); got != code {
		t.Errorf("code = %q, want %q (error %v)", got, code, err)
	}
	if got := errs.FieldOf(err); got != wantField {
		t.Errorf("field = %q, want %q (error %v)", got, wantField, err)
	}
	if got := errs.MessageOf(err); !strings.Contains(got, wantMsg) {
		t.Errorf("message = %q, want it to contain %q", got, wantMsg)
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		name      string
		a, b      Point
		want      float64 // metres, published or exact on the sphere
		tolerance float64 // relative
	}{
		{"Khankendi to Shusha", khankendi, shusha, 6_340, 0.01},
		{"Paris to London", paris, london, 343_500, 0.005},
		{"one degree of longitude on the equator", Point{0, 0}, Point{0, 1}, 111_195, 0.0001},
		{"equator to pole (WGS 84 meridian quadrant 10,001,966 m)", Point{0, 10}, Point{90, 10}, 10_001_966, 0.005},
		{"across the antimeridian", Point{0, 179.5}, Point{0, -179.5}, 111_195, 0.0001},
		{"antipodes", Point{10, 20}, Point{-10, -160}, math.Pi * EarthRadius, 1e-9},
		{"same point", khankendi, khankendi, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Distance(tt.a, tt.b)
			if math.Abs(got-tt.want) > tt.tolerance*tt.want {
				t.Errorf("Distance = %.1f m, want %.1f m ± %.2f%%", got, tt.want, tt.tolerance*100)
			}
			if back := Distance(tt.b, tt.a); back != got {
				t.Errorf("Distance is not symmetric: %v and %v", got, back)
			}
		})
	}
}

// TestSphereAgainstEllipsoid checks the accuracy the package documentation
// claims, against Vincenty's inverse formula on the WGS 84 ellipsoid.
func TestSphereAgainstEllipsoid(t *testing.T) {
	worst := func(pairs [][2]Point) float64 {
		var w float64
		for _, p := range pairs {
			ellipsoid := vincenty(t, p[0], p[1])
			w = math.Max(w, math.Abs(Distance(p[0], p[1])-ellipsoid)/ellipsoid)
		}
		return w
	}
	var global, caucasus [][2]Point
	for lat := -80.0; lat <= 80; lat += 10 {
		for bearing := 0.0; bearing < 360; bearing += 15 {
			from := Point{Lat: lat, Lon: 10}
			global = append(global, [2]Point{from, Destination(from, bearing, 1_000_000)})
		}
	}
	for bearing := 0.0; bearing < 360; bearing += 15 {
		caucasus = append(caucasus, [2]Point{khankendi, Destination(khankendi, bearing, 20_000)})
	}
	if w := worst(global); w > 0.006 {
		t.Errorf("worst relative error worldwide = %.3f%%, documented as at most about 0.5%%", w*100)
	}
	if w := worst(caucasus); w > 0.003 {
		t.Errorf("worst relative error around Khankendi = %.3f%%, documented as 0.1–0.3%%", w*100)
	}
}

// vincenty returns the WGS 84 ellipsoidal distance between a and b in metres.
func vincenty(t *testing.T, a, b Point) float64 {
	t.Helper()
	const (
		major = 6_378_137.0
		f     = 1 / 298.257223563
		minor = major * (1 - f)
	)
	L := radians(b.Lon - a.Lon)
	U1 := math.Atan((1 - f) * math.Tan(radians(a.Lat)))
	U2 := math.Atan((1 - f) * math.Tan(radians(b.Lat)))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	λ := L
	for range 200 {
		sinλ, cosλ := math.Sincos(λ)
		sinσ := math.Hypot(cosU2*sinλ, cosU1*sinU2-sinU1*cosU2*cosλ)
		if sinσ == 0 {
			return 0
		}
		cosσ := sinU1*sinU2 + cosU1*cosU2*cosλ
		σ := math.Atan2(sinσ, cosσ)
		sinα := cosU1 * cosU2 * sinλ / sinσ
		cos2α := 1 - sinα*sinα
		cos2σm := 0.0
		if cos2α != 0 {
			cos2σm = cosσ - 2*sinU1*sinU2/cos2α
		}
		C := f / 16 * cos2α * (4 + f*(4-3*cos2α))
		prev := λ
		λ = L + (1-C)*f*sinα*(σ+C*sinσ*(cos2σm+C*cosσ*(-1+2*cos2σm*cos2σm)))
		if math.Abs(λ-prev) < 1e-12 {
			u2 := cos2α * (major*major - minor*minor) / (minor * minor)
			A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
			B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
			Δσ := B * sinσ * (cos2σm + B/4*(cosσ*(-1+2*cos2σm*cos2σm)-B/6*cos2σm*(-3+4*sinσ*sinσ)*(-3+4*cos2σm*cos2σm)))
			return minor * A * (σ - Δσ)
		}
	}
	t.Fatalf("Vincenty did not converge for %v to %v", a, b)
	return 0
}

func TestDestination(t *testing.T) {
	tests := []struct {
		name    string
		from    Point
		bearing float64
		metres  float64
		want    Point
	}{
		{"north along a meridian", Point{0, 0}, 0, 111_195.08, Point{1, 0}},
		{"east along the equator", Point{0, 0}, 90, 111_195.08, Point{0, 1}},
		{"south", khankendi, 180, 6_338.1, Point{39.758, 46.752}},
		{"west across the antimeridian", Point{0, -179.5}, 270, 111_195.08, Point{0, 179.5}},
		{"negative distance goes back", Point{0, 0}, 90, -111_195.08, Point{0, -1}},
		{"bearing beyond 360", Point{0, 0}, 450, 111_195.08, Point{0, 1}},
		{"zero distance", khankendi, 123, 0, khankendi},
		{"over the pole", Point{89, 0}, 0, 2 * 111_195.08, Point{89, 180}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Destination(tt.from, tt.bearing, tt.metres)
			if d := Distance(got, tt.want); d > 1 {
				t.Errorf("Destination = %v, want %v (%.2f m away)", got, tt.want, d)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Destination gave an invalid point: %v", err)
			}
		})
	}
}
