package ui

import (
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

func TestParseRing(t *testing.T) {
	square := geo.Polygon{{Lat: 39.8, Lon: 46.7}, {Lat: 39.8, Lon: 46.71}, {Lat: 39.81, Lon: 46.71}, {Lat: 39.8, Lon: 46.7}}
	good := []struct{ name, text string }{
		{"comma lines", "39.8, 46.7\n39.8, 46.71\n39.81, 46.71\n"},
		{"closed already", "39.8, 46.7\n39.8, 46.71\n39.81, 46.71\n39.8, 46.7"},
		{"semicolon and decimal comma", "39,8; 46,7\r\n39,8;46,71\r\n39,81 ; 46,71"},
		{"tabs, spaces, degrees, comments", "# corners\n39.8\t46.7\n\n39.8° 46.71°\n 39.81   46.71 "},
		{"GeoJSON polygon", `{"type":"Polygon","coordinates":[[[46.7,39.8],[46.71,39.8],[46.71,39.81],[46.7,39.8]]]}`},
		{"GeoJSON feature", `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[46.7,39.8],[46.71,39.8],[46.71,39.81],[46.7,39.8]]]}}`},
		{"GeoJSON collection", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[[[46.7,39.8],[46.71,39.8],[46.71,39.81],[46.7,39.8]]]}}]}`},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRing("perimeter", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(square) {
				t.Fatalf("got %v", got)
			}
			for i := range got {
				if got[i] != square[i] {
					t.Fatalf("point %d: got %v, want %v", i, got[i], square[i])
				}
			}
		})
	}
	if r, err := parseRing("perimeter", "  \n "); err != nil || r != nil {
		t.Errorf("blank: %v %v", r, err)
	}
	bad := []struct{ name, text, want string }{
		{"three numbers", "39.8, 46.7, 12\n", "line 1"},
		{"word", "39.8, 46.7\nnorth, east", "line 2"},
		{"broken JSON", `{"type":"Polygon",`, "not GeoJSON"},
		{"point", `{"type":"Point","coordinates":[46.7,39.8]}`, "give a Polygon"},
		{"two features", `{"type":"FeatureCollection","features":[{},{}]}`, "exactly one"},
		{"nested collection", `{"type":"FeatureCollection","features":[{"type":"FeatureCollection","features":[]}]}`, "not collections"},
		{"feature without geometry", `{"type":"Feature","geometry":null}`, "no geometry"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseRing("perimeter", tt.text)
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != "perimeter" || !strings.Contains(errs.MessageOf(err), tt.want) {
				t.Fatalf("got %v, want invalid perimeter with %q", err, tt.want)
			}
		})
	}
}

// FuzzParseRing: any text gives a ring or an error naming the field, never
// a panic; a ring read from lines is closed.
func FuzzParseRing(f *testing.F) {
	for _, s := range []string{"39.8, 46.7\n39.8, 46.71\n39.81, 46.71", "39,8; 46,7", "1 2\n3 4", "",
		`{"type":"Polygon","coordinates":[[[46.7,39.8],[46.71,39.8],[46.71,39.81],[46.7,39.8]]]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}]}`,
		"NaN, Inf\n1e308, -1e308", "#\n\r\n°°"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ring, err := parseRing("perimeter", text)
		if err != nil {
			if errs.FieldOf(err) != "perimeter" {
				t.Fatalf("error names %q: %v", errs.FieldOf(err), err)
			}
			return
		}
		if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
			t.Fatalf("ring not closed: %v", ring)
		}
	})
}
