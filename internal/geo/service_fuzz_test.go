package geo

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// decodeStrict decodes data as the API does: unknown members refused.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// checkRefusal fails unless err is a client error naming a field.
func checkRefusal(t *testing.T, data []byte, err error) {
	t.Helper()
	if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeTooLarge {
		t.Fatalf("%s: error %v has code %q", data, err, c)
	}
	if errs.FieldOf(err) == "" {
		t.Fatalf("%s: error %v names no field", data, err)
	}
}

// checkStored checks what the service would store for an accepted input:
// the body marshals, projects to the same rows every time, and survives
// unmarshal and marshal byte for byte.
func checkStored[B any](t *testing.T, data []byte, body B, rows func(id string, body []byte) (map[string][][]any, error)) {
	t.Helper()
	stored, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("accepted %s but cannot marshal the body: %v", data, err)
	}
	first, err := rows("x_1", stored)
	if err != nil {
		t.Fatalf("accepted %s but cannot project %s: %v", data, stored, err)
	}
	second, err := rows("x_1", stored)
	if err != nil || !reflect.DeepEqual(first, second) {
		t.Fatalf("projecting %s twice gave %v then %v (%v)", stored, first, second, err)
	}
	var back B
	if err := json.Unmarshal(stored, &back); err != nil {
		t.Fatalf("stored body %s does not unmarshal: %v", stored, err)
	}
	again, err := json.Marshal(back)
	if err != nil {
		t.Fatalf("stored body %s does not marshal after unmarshalling: %v", stored, err)
	}
	if !bytes.Equal(stored, again) {
		t.Fatalf("stored body is not stable:\n%s\n%s", stored, again)
	}
}

func FuzzLayerInput(f *testing.F) {
	for _, in := range []LayerInput{validLine(), validCorridor(), validZone(), validSite("OP 1", lineMiddle)} {
		data, err := json.Marshal(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"kind":"site","subkind":"checkpoint","name":"CP","geometry":{"type":"Point","coordinates":[46.55,39.6]},"valid_from":"2020-11-10T00:00:00+04:00","valid_to":"2021-11-10T00:00:00.5-01:00"}`,
		`{"kind":"corridor","name":"C","geometry":{"type":"LineString","coordinates":[[179.9,0],[-179.9,0]]},"width_m":1e-3,"valid_from":"2020-11-10T00:00:00Z"}`,
		`{"kind":"zone","subkind":"buffer","name":"Z","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},"valid_from":"2020-11-10T00:00:00Z"}`,
		`{"kind":"zone","subkind":"other","name":"Pole","geometry":{"type":"Polygon","coordinates":[[[0,80],[90,80],[180,80],[-90,80],[0,80]]]},"valid_from":"2020-11-10T00:00:00Z"}`,
		`{"kind":"line_of_contact","name":"L","geometry":{"type":"LineString","coordinates":[[46.8,40.2],[46.8,40]]},"left_party":"az","valid_from":"0001-01-01T00:00:00+01:00"}`,
		`{"kind":"site","subkind":"base","name":"\u202e","geometry":{"type":"Point","coordinates":[0,0]},"valid_from":"2020-11-10T00:00:00Z"}`,
		`{"kind":"site","subkind":"base","name":"B","names":{"en-GB":"B","x":"y"},"geometry":{"type":"Point","coordinates":[0,0]},"valid_from":"2020-11-10T00:00:00Z"}`,
		`{"kind":"site","subkind":"base","name":"B","geometry":null,"valid_from":"2020-11-10T00:00:00Z","extra":1}`,
		`{"kind":"line_of_contact","name":"L","geometry":{"type":"LineString","coordinates":[[46.8,40.2],[46.8,40]]},"valid_from":"2020-11-10T00:00:00Z","valid_to":"2020-11-10T00:00:00Z"}`,
		`{"kind":"zone","subkind":"buffer","name":"Z","geometry":{"type":"Polygon","coordinates":[[[0,0],[3,0],[3,3],[0,3],[0,0]],[[1,1],[1,2],[2,2],[1,1]]]},"valid_from":"2020-11-10T00:00:00Z","external_id":"z-1"}`,
		`{"kind":"zone","subkind":"buffer","name":"Z","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,0],[3,0],[3,1],[2,0]]]]},"valid_from":"2020-11-10T00:00:00Z"}`,
		`{"kind":"line_of_contact","name":"L","geometry":{"type":"MultiLineString","coordinates":[[[46.8,40.2],[46.8,40]],[[46.9,40.2],[46.9,40]]]},"valid_from":"2020-11-10T00:00:00Z"}`,
		`{"kind":"site","subkind":"base","name":"B","geometry":{"type":"MultiPoint","coordinates":[[0,0]]},"valid_from":"2020-11-10T00:00:00Z"}`,
		`{}`, `null`, `[]`, `{"kind":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in LayerInput
		if decodeStrict(data, &in) != nil {
			return
		}
		b, err := in.body("")
		if err != nil {
			checkRefusal(t, data, err)
			if _, again := in.body(""); errs.FieldOf(again) != errs.FieldOf(err) || errs.MessageOf(again) != errs.MessageOf(err) {
				t.Fatalf("%s: refused with %v, then with %v", data, err, again)
			}
			return
		}
		if b.ValidTo != nil && !b.ValidTo.After(b.ValidFrom) {
			t.Fatalf("%s: accepted a period from %v to %v", data, b.ValidFrom, *b.ValidTo)
		}
		checkStored(t, data, b, layerRows)
	})
}

func FuzzPlaceInput(f *testing.F) {
	for _, in := range []PlaceInput{validPlace(), {Kind: "border_crossing", Names: []PlaceName{{Lang: "en", Name: "Kornidzor"}}, Location: &Point{-90, 180}, Note: "a\nb", Illustrative: true}} {
		data, err := json.Marshal(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"kind":"settlement","names":[{"lang":"az","name":"İsmayıllı"},{"lang":"az","party":"az","name":"ISMAYILLI"}],"location":{"lat":40.78,"lon":48.15}}`,
		`{"kind":"settlement","names":[{"lang":"en","name":"A"},{"lang":"en","name":"B"}],"location":{"lat":0,"lon":0}}`,
		`{"kind":"settlement","names":[{"lang":"en","name":"A"}],"location":{"lat":91,"lon":0}}`,
		`{"kind":"settlement","names":[{"lang":"en","name":"A\u0301"}],"location":{"lat":-0,"lon":-0}}`,
		`{"kind":"settlement","names":[{"lang":"en","name":"A"}],"location":null}`,
		`{"kind":"settlement","names":[],"location":{"lat":0,"lon":0}}`,
		`{"kind":"settlement","names":[{"lang":"en","name":"A","extra":1}],"location":{"lat":0,"lon":0}}`,
		`{}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in PlaceInput
		if decodeStrict(data, &in) != nil {
			return
		}
		b, err := in.body("")
		if err != nil {
			checkRefusal(t, data, err)
			return
		}
		if len(b.Names) == 0 || b.Location.Validate() != nil {
			t.Fatalf("%s: accepted %+v", data, b)
		}
		checkStored(t, data, b, placeRows)
	})
}
