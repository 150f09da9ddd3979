package server_test

import (
	"strings"
	"testing"
)

// A zone with a hole and a zone in two parts go in through the API, are
// found by locate (a point in the hole is not in the zone) and come out on
// the map as they went in; a MultiPoint site is refused by name.
func TestZonesWithHolesAndPartsEndToEnd(t *testing.T) {
	s := start(t).with("analyst")
	zone := func(name, geometry string) string {
		return `{"kind":"zone","subkind":"buffer","name":"` + name + `","valid_from":"2021-01-01T00:00:00Z","geometry":` + geometry + `}`
	}
	// Far from the demo's layers, so that only these zones hold the points.
	holed := `{"type":"Polygon","coordinates":[[[10,10],[13,10],[13,13],[10,13],[10,10]],[[11,11],[12,11],[12,12],[11,12],[11,11]]]}`
	parts := `{"type":"MultiPolygon","coordinates":[[[[20,10],[21,10],[21,11],[20,11],[20,10]]],[[[22,10],[23,10],[23,11],[22,11],[22,10]]]]}`
	for _, z := range []string{zone("Holed", holed), zone("Parts", parts)} {
		if res := s.do("POST", "/api/v1/layers", z); res.status != 201 {
			t.Fatalf("create: %d %s", res.status, res.body)
		}
	}
	for _, c := range []struct{ q, want, not string }{
		{"lat=10.5&lon=10.5", `"name":"Holed"`, ""},
		{"lat=11.5&lon=11.5", `"zones":[]`, "Holed"},
		{"lat=10.5&lon=22.5", `"name":"Parts"`, ""},
		{"lat=10.5&lon=21.5", `"zones":[]`, "Parts"},
	} {
		res := s.do("GET", "/api/v1/geo/locate?"+c.q+"&at=2021-06-12T10:00:00Z", "")
		if res.status != 200 || !strings.Contains(string(res.body), c.want) || (c.not != "" && strings.Contains(string(res.body), c.not)) {
			t.Errorf("locate %s: %d %s, want %s", c.q, res.status, res.body, c.want)
		}
	}
	res := s.do("GET", "/api/v1/map/features?bbox=5,5,25,15&zoom=6&layers=zones&to=2021-06-12T10:00:00Z", "")
	body := string(res.body)
	if res.status != 200 || !strings.Contains(body, `"type":"MultiPolygon"`) || !strings.Contains(body, `[[11,11],[12,11],[12,12],[11,12],[11,11]]`) {
		t.Errorf("map: %d %s", res.status, body)
	}
	site := `{"kind":"site","subkind":"observation_post","name":"OP","valid_from":"2021-01-01T00:00:00Z","geometry":{"type":"MultiPoint","coordinates":[[10,10],[11,11]]}}`
	if res := s.do("POST", "/api/v1/layers", site); res.status != 400 || !strings.Contains(string(res.body), "a site needs a Point, not a MultiPoint") {
		t.Errorf("multipoint site: %d %s", res.status, res.body)
	}
}
