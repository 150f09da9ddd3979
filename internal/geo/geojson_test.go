package geo

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestParseGeometry(t *testing.T) {
	square := `[[[46,39],[47,39],[47,40],[46,40],[46,39]]]`
	tests := []struct {
		name string
		in   string
		want Geometry
	}{
		{"point", `{"type":"Point","coordinates":[46.752,39.815]}`, PointGeometry(khankendi)},
		{"members in either order, with whitespace", " {\n \"coordinates\" : [46.752, 39.815],\t\"type\": \"Point\" } \n", PointGeometry(khankendi)},
		{"integers and exponents", `{"type":"Point","coordinates":[4675.2e-2,39815E-3]}`, PointGeometry(khankendi)},
		{"line", `{"type":"LineString","coordinates":[[46.752,39.815],[46.75,39.758]]}`, LineGeometry(Line{khankendi, shusha})},
		{"polygon", `{"type":"Polygon","coordinates":` + square + `}`, PolygonGeometry(ring([2]float64{46, 39}, [2]float64{47, 39}, [2]float64{47, 40}, [2]float64{46, 40}))},
		{"clockwise polygon", `{"type":"Polygon","coordinates":[[[46,39],[46,40],[47,40],[47,39],[46,39]]]}`, PolygonGeometry(ring([2]float64{46, 39}, [2]float64{46, 40}, [2]float64{47, 40}, [2]float64{47, 39}))},
		{"escaped member name", `{"typ\u0065":"Point","coordinates":[0,0]}`, PointGeometry(Point{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGeometry([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseGeometryRejects(t *testing.T) {
	manyPositions := `{"type":"LineString","coordinates":[` + strings.Repeat(`[0,0],`, MaxVertices) + `[1,1]]}`
	tests := []struct {
		name      string
		in        string
		code      errs.Code
		wantField string
		wantMsg   string
	}{
		{"empty input", ``, errs.CodeInvalid, "", "geometry is not complete JSON"},
		{"null", `null`, errs.CodeInvalid, "", "geometry must be a JSON object, got null"},
		{"array", `[46,39]`, errs.CodeInvalid, "", "geometry must be a JSON object, got an array"},
		{"string", `"Point"`, errs.CodeInvalid, "", "got a string"},
		{"truncated", `{"type":"Point","coordinates":[46`, errs.CodeInvalid, "", "geometry is not complete JSON"},
		{"malformed", `{"type":"Point",,}`, errs.CodeInvalid, "", "geometry is not valid JSON: invalid character ','"},
		{"trailing data", `{"type":"Point","coordinates":[0,0]} x`, errs.CodeInvalid, "", "geometry is not valid JSON"},
		{"two objects", `{"type":"Point","coordinates":[0,0]}{}`, errs.CodeInvalid, "", "unexpected data after the geometry object"},
		{"missing type", `{"coordinates":[0,0]}`, errs.CodeInvalid, "type", "is required"},
		{"missing coordinates", `{"type":"Point"}`, errs.CodeInvalid, "coordinates", "is required"},
		{"type not a string", `{"type":1,"coordinates":[0,0]}`, errs.CodeInvalid, "type", "must be a string"},
		{"type null", `{"type":null,"coordinates":[0,0]}`, errs.CodeInvalid, "type", "must be a string"},
		{"type in lower case", `{"type":"point","coordinates":[0,0]}`, errs.CodeInvalid, "type", `unsupported geometry type "point"; expected Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon`},
		{"empty multipolygon", `{"type":"MultiPolygon","coordinates":[]}`, errs.CodeInvalid, "coordinates", "a MultiPolygon needs at least one polygon, got none"},
		{"geometry collection", `{"type":"GeometryCollection","coordinates":[]}`, errs.CodeInvalid, "type", `unsupported geometry type "GeometryCollection"`},
		{"feature", `{"type":"Feature","coordinates":[0,0]}`, errs.CodeInvalid, "type", `unsupported geometry type "Feature"`},
		{"bbox member", `{"type":"Point","coordinates":[0,0],"bbox":[0,0,0,0]}`, errs.CodeInvalid, "bbox", `unknown member "bbox"`},
		{"member in wrong case", `{"Type":"Point","coordinates":[0,0]}`, errs.CodeInvalid, "Type", `unknown member "Type"`},
		{"duplicate type", `{"type":"Point","type":"LineString","coordinates":[0,0]}`, errs.CodeInvalid, "type", `member "type" appears more than once`},
		{"duplicate coordinates", `{"type":"Point","coordinates":[0,0],"coordinates":[1,1]}`, errs.CodeInvalid, "coordinates", "appears more than once"},
		{"point coordinates null", `{"type":"Point","coordinates":null}`, errs.CodeInvalid, "coordinates", "must be a position [longitude, latitude], got null"},
		{"point coordinates object", `{"type":"Point","coordinates":{"lat":0,"lon":0}}`, errs.CodeInvalid, "coordinates", "got an object"},
		{"point empty", `{"type":"Point","coordinates":[]}`, errs.CodeInvalid, "coordinates", "a position needs 2 numbers [longitude, latitude], got 0"},
		{"point one number", `{"type":"Point","coordinates":[46]}`, errs.CodeInvalid, "coordinates", "got 1"},
		{"point with altitude", `{"type":"Point","coordinates":[46,39,800]}`, errs.CodeInvalid, "coordinates[2]", "altitude is not supported"},
		{"number as string", `{"type":"Point","coordinates":["46",39]}`, errs.CodeInvalid, "coordinates[0]", "must be a number, got a string"},
		{"latitude null", `{"type":"Point","coordinates":[46,null]}`, errs.CodeInvalid, "coordinates[1]", "must be a number, got null"},
		{"huge number", `{"type":"Point","coordinates":[1e400,39]}`, errs.CodeInvalid, "coordinates[0]", "number 1e400 is out of range"},
		{"latitude out of range", `{"type":"Point","coordinates":[46,91]}`, errs.CodeInvalid, "coordinates[1]", "latitude 91 is outside [-90, 90]"},
		{"longitude out of range", `{"type":"Point","coordinates":[-180.5,39]}`, errs.CodeInvalid, "coordinates[0]", "longitude -180.5 is outside"},
		{"swapped order is caught when out of range", `{"type":"Point","coordinates":[39,146]}`, errs.CodeInvalid, "coordinates[1]", "latitude 146"},
		{"line empty", `{"type":"LineString","coordinates":[]}`, errs.CodeInvalid, "coordinates", "a line needs at least 2 positions, got 0"},
		{"line one position", `{"type":"LineString","coordinates":[[0,0]]}`, errs.CodeInvalid, "coordinates", "got 1"},
		{"line of numbers", `{"type":"LineString","coordinates":[0,0]}`, errs.CodeInvalid, "coordinates[0]", "must be a position [longitude, latitude], got a number"},
		{"line repeated point", `{"type":"LineString","coordinates":[[0,0],[1,1],[1,1]]}`, errs.CodeInvalid, "coordinates[2]", "repeats the previous one"},
		{"line bad number", `{"type":"LineString","coordinates":[[0,0],[1,"x"]]}`, errs.CodeInvalid, "coordinates[1][1]", "must be a number"},
		{"line bad latitude", `{"type":"LineString","coordinates":[[0,0],[1,-95]]}`, errs.CodeInvalid, "coordinates[1][1]", "latitude -95"},
		{"line with altitude", `{"type":"LineString","coordinates":[[0,0],[1,1,0]]}`, errs.CodeInvalid, "coordinates[1][2]", "altitude"},
		{"line too long", manyPositions, errs.CodeTooLarge, "coordinates", "has more than 100000 positions"},
		{"polygon no rings", `{"type":"Polygon","coordinates":[]}`, errs.CodeInvalid, "coordinates", "a polygon needs one linear ring, got none"},
		{"polygon ring of numbers", `{"type":"Polygon","coordinates":[[0,0],[1,0],[1,1],[0,0]]}`, errs.CodeInvalid, "coordinates[0][0]", "must be a position [longitude, latitude], got a number"},
		{"polygon with a hole outside", `{"type":"Polygon","coordinates":[[[0,0],[3,0],[3,3],[0,3],[0,0]],[[5,1],[5,2],[6,2],[5,1]]]}`, errs.CodeInvalid, "coordinates[1]", "hole 1 lies outside the polygon's outer ring"},
		{"polygon empty ring", `{"type":"Polygon","coordinates":[[]]}`, errs.CodeInvalid, "coordinates[0]", "at least 4 positions"},
		{"polygon not closed", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, errs.CodeInvalid, "coordinates[0][3]", "polygon ring is not closed: first position [0, 0] differs from last [0, 1]"},
		{"polygon bad latitude", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,100],[0,0]]]}`, errs.CodeInvalid, "coordinates[0][2][1]", "latitude 100"},
		{"polygon bow tie", `{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`, errs.CodeInvalid, "coordinates[0]", "ring intersects itself between segments 0 and 2"},
		{"polygon null ring", `{"type":"Polygon","coordinates":[null]}`, errs.CodeInvalid, "coordinates[0]", "must be an array of positions, got null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseGeometry([]byte(tt.in))
			assertError(t, err, tt.code, tt.wantField, tt.wantMsg)
			if !reflect.DeepEqual(g, Geometry{}) {
				t.Errorf("got geometry %+v with the error, want the zero Geometry", g)
			}
		})
	}
}

func TestGeometryMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		g    Geometry
		want string
	}{
		{"point", PointGeometry(khankendi), `{"type":"Point","coordinates":[46.752,39.815]}`},
		{"line", LineGeometry(Line{khankendi, shusha}), `{"type":"LineString","coordinates":[[46.752,39.815],[46.75,39.758]]}`},
		{"polygon", PolygonGeometry(ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{1, 1})), `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`},
		{"tiny and negative numbers", PointGeometry(Point{Lat: -1e-10, Lon: -0.5}), `{"type":"Point","coordinates":[-0.5,-1e-10]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.g)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			back, err := ParseGeometry(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.g) {
				t.Errorf("round trip gave %+v, want %+v", back, tt.g)
			}
		})
	}
}

func TestGeometryMarshalJSONRejects(t *testing.T) {
	tests := []struct {
		name    string
		g       Geometry
		wantMsg string
	}{
		{"zero geometry", Geometry{}, `unsupported geometry type ""`},
		{"point without its point", Geometry{Type: TypePoint}, "geometry of type Point must set only its Point"},
		{"line with a point too", Geometry{Type: TypeLineString, Point: &khankendi, Line: Line{khankendi, shusha}}, "must set only its LineString"},
		{"polygon with a line", Geometry{Type: TypePolygon, Line: Line{khankendi, shusha}}, "must set only its Polygon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.g.MarshalJSON()
			assertInvalid(t, err, "type", tt.wantMsg)
		})
	}
}

func TestGeometryInDocument(t *testing.T) {
	type incident struct {
		Where  Geometry  `json:"where"`
		Area   *Geometry `json:"area,omitempty"`
		Detail string    `json:"detail"`
	}
	var got incident
	in := `{"where":{"type":"Point","coordinates":[46.752,39.815]},"detail":"x"}`
	if err := json.Unmarshal([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	if got.Where.Point == nil || *got.Where.Point != khankendi || got.Area != nil {
		t.Errorf("got %+v", got)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("marshalled %s, want %s", out, in)
	}

	var empty incident
	if err := json.Unmarshal([]byte(`{"where":null,"area":null}`), &empty); err != nil {
		t.Fatal(err)
	}
	if empty.Area != nil || empty.Where.Validate() == nil {
		t.Errorf("null geometries gave %+v; want a nil pointer and an invalid zero Geometry", empty)
	}

	err = json.Unmarshal([]byte(`{"where":{"type":"Point","coordinates":[46.752,139.815]}}`), &got)
	if errs.FieldOf(err) != "coordinates[1]" {
		t.Errorf("error %v: want field coordinates[1], to be prefixed by the caller", err)
	}
	if prefixed := errs.Prefix("where", err); errs.FieldOf(prefixed) != "where.coordinates[1]" {
		t.Errorf("prefixed field = %q", errs.FieldOf(prefixed))
	}
}

func TestGeometryBounds(t *testing.T) {
	tests := []struct {
		name string
		g    Geometry
		want BBox
	}{
		{"point", PointGeometry(khankendi), BBox{39.815, 46.752, 39.815, 46.752}},
		{"line", LineGeometry(Line{khankendi, shusha}), BBox{39.758, 46.75, 39.815, 46.752}},
		{"polygon", PolygonGeometry(ring([2]float64{0, 0}, [2]float64{1, 0}, [2]float64{1, 1})), BBox{0, 0, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Bounds(); !bboxNear(got, tt.want, 1e-6) {
				t.Errorf("Bounds = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseGeometry(f *testing.F) {
	for _, s := range []string{
		`{"type":"Point","coordinates":[46.752,39.815]}`,
		`{"type":"LineString","coordinates":[[46.752,39.815],[46.75,39.758]]}`,
		`{"type":"Polygon","coordinates":[[[46,39],[47,39],[47,40],[46,40],[46,39]]]}`,
		`{"type":"Polygon","coordinates":[[[179,0],[-179,0],[-179,1],[179,1],[179,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,80],[90,80],[180,80],[-90,80],[0,80]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[3,0],[3,3],[0,3],[0,0]],[[1,1],[1,2],[2,2],[1,1]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[3,0],[3,3],[0,3],[0,0]],[[1,1],[1,2],[2,2],[1,1]]],[[[4,0],[5,0],[5,1],[4,0]]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[3,0],[3,3],[0,3],[0,0]]],[[[1,1],[4,1],[4,4],[1,1]]]]}`,
		`{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}`,
		`{"type":"MultiPoint","coordinates":[[0,0],[1,1]]}`,
		`{"type":"Point","coordinates":[1e400,0]}`,
		`{"coordinates":[-0,-90],"type":"Point"}`,
		`{"type":"LineString","coordinates":[[0,90],[45,90]]}`,
		`null`, `{}`, `[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGeometry(data)
		if err != nil {
			if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeTooLarge {
				t.Fatalf("error %v has code %q", err, c)
			}
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("accepted %s but Validate says %v", data, err)
		}
		out, err := json.Marshal(g)
		if err != nil {
			t.Fatalf("accepted %s but cannot marshal it: %v", data, err)
		}
		back, err := ParseGeometry(out)
		if err != nil {
			t.Fatalf("accepted %s, marshalled it as %s, which is rejected: %v", data, out, err)
		}
		if !reflect.DeepEqual(back, g) {
			t.Fatalf("round trip of %s through %s gave %+v, want %+v", data, out, back, g)
		}
		if g.Type == TypePolygon || g.Type == TypeMultiPolygon {
			if a := g.Area(); !(a >= 0) || a > 4*3.1416*EarthRadius*EarthRadius {
				t.Fatalf("polygon %s has area %v m²", data, a)
			}
		}
	})
}
