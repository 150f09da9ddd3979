package geo

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// A 3°×3° square with a 1°×1° hole in its middle, and a second square
// beside it: the shapes of these tests, as GeoJSON.
const (
	outer3   = `[[46,39],[49,39],[49,42],[46,42],[46,39]]`
	hole1    = `[[47,40],[48,40],[48,41],[47,41],[47,40]]`
	beside   = `[[50,39],[51,39],[51,40],[50,40],[50,39]]`
	island   = `[[47.25,40.25],[47.75,40.25],[47.75,40.75],[47.25,40.75],[47.25,40.25]]`
	withHole = `{"type":"Polygon","coordinates":[` + outer3 + `,` + hole1 + `]}`
)

func TestParseMultiGeometries(t *testing.T) {
	sq := ring([2]float64{46, 39}, [2]float64{49, 39}, [2]float64{49, 42}, [2]float64{46, 42})
	h := ring([2]float64{47, 40}, [2]float64{48, 40}, [2]float64{48, 41}, [2]float64{47, 41})
	bes := ring([2]float64{50, 39}, [2]float64{51, 39}, [2]float64{51, 40}, [2]float64{50, 40})
	isl := ring([2]float64{47.25, 40.25}, [2]float64{47.75, 40.25}, [2]float64{47.75, 40.75}, [2]float64{47.25, 40.75})
	tests := []struct {
		name string
		in   string
		want Geometry
	}{
		{"polygon with a hole", withHole, Geometry{Type: TypePolygon, Polygon: sq, Holes: []Polygon{h}}},
		{"multipoint", `{"type":"MultiPoint","coordinates":[[46.752,39.815],[46.75,39.758]]}`, Geometry{Type: TypeMultiPoint, Points: []Point{khankendi, shusha}}},
		{"multilinestring", `{"type":"MultiLineString","coordinates":[[[46.752,39.815],[46.75,39.758]],[[46,39],[47,39]]]}`,
			Geometry{Type: TypeMultiLineString, Lines: []Line{{khankendi, shusha}, {{Lat: 39, Lon: 46}, {Lat: 39, Lon: 47}}}}},
		{"multipolygon", `{"type":"MultiPolygon","coordinates":[[` + outer3 + `,` + hole1 + `],[` + beside + `]]}`,
			Geometry{Type: TypeMultiPolygon, Areas: []Area{{Outer: sq, Holes: []Polygon{h}}, {Outer: bes}}}},
		{"island in a hole", `{"type":"MultiPolygon","coordinates":[[` + outer3 + `,` + hole1 + `],[` + island + `]]}`,
			Geometry{Type: TypeMultiPolygon, Areas: []Area{{Outer: sq, Holes: []Polygon{h}}, {Outer: isl}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGeometry([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			out, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if compact := strings.Join(strings.Fields(tt.in), ""); string(out) != compact {
				t.Errorf("marshalled as %s, want %s", out, compact)
			}
		})
	}
}

func TestParseMultiGeometriesRejects(t *testing.T) {
	overlapping := `[[48,41],[50,41],[50,43],[48,43],[48,41]]`
	tests := []struct {
		name, in, field, msg string
	}{
		{"hole crossing the outer ring", `{"type":"Polygon","coordinates":[` + outer3 + `,[[48,40],[50,40],[50,41],[48,41],[48,40]]]}`, "coordinates[1]", "hole 1 crosses the polygon's outer ring"},
		{"overlapping holes", `{"type":"Polygon","coordinates":[` + outer3 + `,` + hole1 + `,[[47.5,40.5],[48.5,40.5],[48.5,41.5],[47.5,41.5],[47.5,40.5]]]}`, "coordinates[2]", "hole 2 overlaps hole 1"},
		{"hole not closed", `{"type":"Polygon","coordinates":[` + outer3 + `,[[47,40],[48,40],[48,41],[47,41]]]}`, "coordinates[1][3]", "polygon ring is not closed"},
		{"self-intersecting hole", `{"type":"Polygon","coordinates":[` + outer3 + `,[[47,40],[48,41],[48,40],[47,41],[47,40]]]}`, "coordinates[1]", "ring intersects itself"},
		{"overlapping parts", `{"type":"MultiPolygon","coordinates":[[` + outer3 + `],[` + overlapping + `]]}`, "coordinates[1]", "polygon 1 overlaps polygon 0"},
		{"bad vertex in the second part", `{"type":"MultiPolygon","coordinates":[[` + outer3 + `],[[[50,39],[51,39],[51,95],[50,39]]]]}`, "coordinates[1][0][2][1]", "latitude 95 is outside [-90, 90]"},
		{"unclosed ring in a part", `{"type":"MultiPolygon","coordinates":[[` + outer3 + `],[[[50,39],[51,39],[51,40],[50,40]]]]}`, "coordinates[1][0][3]", "not closed"},
		{"empty part", `{"type":"MultiPolygon","coordinates":[[]]}`, "coordinates[0]", "a polygon needs one linear ring"},
		{"short line in a multiline", `{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2]]]}`, "coordinates[1]", "a line needs at least 2 positions, got 1"},
		{"empty multiline", `{"type":"MultiLineString","coordinates":[]}`, "coordinates", "at least one line"},
		{"empty multipoint", `{"type":"MultiPoint","coordinates":[]}`, "coordinates", "at least one position"},
		{"bad multipoint", `{"type":"MultiPoint","coordinates":[[0,0],[181,0]]}`, "coordinates[1][0]", "longitude 181 is outside"},
		{"multipoint of numbers", `{"type":"MultiPoint","coordinates":[0,0]}`, "coordinates[0]", "must be a position"},
		{"swapped position", `{"type":"Point","coordinates":[39.8,146.7]}`, "coordinates[1]", "looks like [latitude, longitude]: GeoJSON gives longitude first, [146.7, 39.8]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseGeometry([]byte(tt.in))
			assertError(t, err, errs.CodeInvalid, tt.field, tt.msg)
			if !reflect.DeepEqual(g, Geometry{}) {
				t.Errorf("got geometry %+v with the error", g)
			}
		})
	}
}

func TestGeometryContainsRespectsHoles(t *testing.T) {
	g, err := ParseGeometry([]byte(withHole))
	if err != nil {
		t.Fatal(err)
	}
	in, inHole, out := Point{Lat: 39.5, Lon: 46.5}, Point{Lat: 40.5, Lon: 47.5}, Point{Lat: 38, Lon: 46.5}
	if !g.Contains(in) || g.Contains(inHole) || g.Contains(out) {
		t.Errorf("contains in/hole/out = %v/%v/%v, want true/false/false", g.Contains(in), g.Contains(inHole), g.Contains(out))
	}
	multi, err := ParseGeometry([]byte(`{"type":"MultiPolygon","coordinates":[[` + outer3 + `,` + hole1 + `],[` + beside + `],[` + island + `]]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    Point
		want bool
	}{{in, true}, {inHole, true /* on the island */}, {Point{Lat: 40.9, Lon: 47.9}, false /* in the hole, off the island */}, {Point{Lat: 39.5, Lon: 50.5}, true}, {out, false}} {
		if got := multi.Contains(c.p); got != c.want {
			t.Errorf("multipolygon contains %v = %v, want %v", c.p, got, c.want)
		}
	}
	// Areas: the hole is taken off, the parts added.
	outerOnly := PolygonGeometry(g.Polygon).Area()
	hole := g.Holes[0].Area()
	if got := g.Area(); math.Abs(got-(outerOnly-hole)) > 1 {
		t.Errorf("area with hole = %v, want %v", got, outerOnly-hole)
	}
	want := outerOnly - hole + multi.Areas[1].Outer.Area() + multi.Areas[2].Outer.Area()
	if got := multi.Area(); math.Abs(got-want) > 1 {
		t.Errorf("multipolygon area = %v, want %v", got, want)
	}
	b := multi.Bounds()
	if b.MinLon > 46 || b.MaxLon < 51 || b.MinLat > 39 || b.MaxLat < 42 {
		t.Errorf("bounds %+v do not hold both parts", b)
	}
}

func TestLooksSwapped(t *testing.T) {
	caucasus := BBox{MinLat: 38, MinLon: 44, MaxLat: 42, MaxLon: 49}
	right := PolygonGeometry(ring([2]float64{46, 39}, [2]float64{47, 39}, [2]float64{47, 40}))
	wrong, ok := Swapped(right)
	if !ok {
		t.Fatal("swap refused")
	}
	if err := wrong.Validate(); err != nil {
		t.Fatal(err)
	}
	if LooksSwapped(right, caucasus) {
		t.Error("the right way round looks swapped")
	}
	if !LooksSwapped(wrong, caucasus) {
		t.Error("the swapped polygon is not detected")
	}
	if LooksSwapped(wrong, BBox{MinLat: 1, MaxLat: 0}) {
		t.Error("an empty area detected a swap")
	}
}

func TestCheckShapeMulti(t *testing.T) {
	p := Point{}
	for _, g := range []Geometry{
		{Type: TypeMultiPoint, Points: []Point{p}, Point: &p},
		{Type: TypePoint, Point: &p, Points: []Point{p}},
		{Type: TypeMultiPolygon, Areas: []Area{{}}, Lines: []Line{{}}},
		{Type: TypeLineString, Line: Line{p, p}, Holes: []Polygon{{}}},
	} {
		if _, err := json.Marshal(g); err == nil {
			t.Errorf("marshalled %+v", g)
		}
	}
}
