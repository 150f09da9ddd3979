package incident

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

var fuzzNow = time.Date(2021, 6, 12, 12, 0, 0, 0, time.UTC)

// fuzzInput checks what every input decoder must do: never panic; refuse
// bad input as errs.Invalid naming a field; an accepted input re-marshals
// to JSON that decodes and validates to the same body, which stores,
// decodes and projects deterministically.
func fuzzInput[In any, Body any](t *testing.T, data []byte, decode func([]byte) (In, error), body func(In) (Body, error), proj store.Projection) {
	in, err := decode(data)
	if err != nil {
		if errs.CodeOf(err) != errs.CodeInvalid {
			t.Fatalf("decode error is not invalid: %v", err)
		}
		return
	}
	b, err := body(in)
	if err != nil {
		if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) == "" {
			t.Fatalf("refused without an invalid-field error: %v", err)
		}
		return
	}
	again, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("accepted input does not marshal: %v", err)
	}
	in2, err := decode(again)
	if err != nil {
		t.Fatalf("re-marshalled input does not decode: %v\n%s", err, again)
	}
	b2, err := body(in2)
	if err != nil {
		t.Fatalf("re-marshalled input is refused: %v\n%s", err, again)
	}
	raw, _ := json.Marshal(b)
	if raw2, _ := json.Marshal(b2); !bytes.Equal(raw, raw2) {
		t.Fatalf("body changed on the round trip:\n%s\n%s", raw, raw2)
	}
	var decoded Body
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatalf("body does not decode: %v\n%s", err, raw)
	}
	if raw3, _ := json.Marshal(decoded); !bytes.Equal(raw, raw3) {
		t.Fatalf("stored body does not re-encode the same:\n%s\n%s", raw, raw3)
	}
	r1, err := proj.Rows("x_0", raw)
	if err != nil {
		t.Fatalf("body does not project: %v\n%s", err, raw)
	}
	if r2, _ := proj.Rows("x_0", raw); !reflect.DeepEqual(r1, r2) {
		t.Fatal("projection is not deterministic")
	}
}

func FuzzAllegationInput(f *testing.F) {
	for _, s := range []string{
		`{"source_kind":"side","on_behalf_of":"org_a","alleged_perpetrator":"org_b","category":"heavy_weapons_fire","location":{"point":{"lat":40.1,"lon":46.88},"precision":"exact"},"time":{"start":"2021-06-10T03:10:00Z","end":"2021-06-10T03:40:00Z"},"casualties":{"killed":{"military":[{"side":"org_a","best":1}]},"injured":{"civilians":{"best":1,"low":0,"high":3}}},"narrative":"Mortar fire.\nԱկանատես","reliability":"B","credibility":3,"attachments":[{"sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","name":"p.jpg","media_type":"image/jpeg","size":10}],"classification":"restricted","restricted_to":["org_c"]}`,
		`{"source_kind":"media","lodged_by":"org_m","alleged_perpetrator":"unknown","category":"other","location":{"precision":"near_place","place_id":"plc_x"},"time":{"start":"2021-06-09","precision":"day"},"narrative":"x"}`,
		`{"source_kind":"public","alleged_perpetrator":"org_b","category":"other","location":{"precision":"district"},"time":{"start":"2021-06-13T00:00:00Z"},"narrative":"x"}`,
		`{"source_kind":"side","on_behalf_of":"org_a","alleged_perpetrator":"org_a","category":"other","location":{"point":{"lat":91,"lon":0},"precision":"exact"},"time":{"start":"2021-06-10T03:10:00+04:00","end":"2021-06-01T00:00:00Z"},"narrative":"\u202e"}`,
		`{"casualties":{"killed":{"civilians":{"best":3,"low":4,"high":2}}}} trailing`,
	} {
		f.Add([]byte(s))
	}
	body := func(in AllegationInput) (AllegationBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzInput(t, data, DecodeAllegationInput, body, proj)
	})
}

func FuzzObservationInput(f *testing.F) {
	for _, s := range []string{
		`{"observer":{"kind":"post","position":{"lat":40,"lon":46.7},"site_id":"lyr_x"},"kind":"undetermined_explosion","count":4,"bearing_from":80,"bearing_to":100,"distance_min_m":5000,"distance_max_m":10000,"perception":"heard","time":{"start":"2021-06-10T03:12:00Z"}}`,
		`{"observer":{"kind":"drone","position":{"lat":89.9,"lon":179.9}},"kind":"movement","count":1,"bearing_from":350,"distance_min_m":0,"distance_max_m":100000,"perception":"seen","time":{"start":"2021-06-10T03:12:00Z","end":"2021-06-10T03:13:00Z"},"note":"Tracked vehicles."}`,
		`{"observer":{"kind":"camera","position":{"lat":0,"lon":0}},"kind":"impact","count":1,"distance_min_m":0,"distance_max_m":0.001,"perception":"seen","time":{"start":"2021-06-10T03:12:00Z"}}`,
		`{"observer":{"kind":"patrol","position":{"lat":40,"lon":46}},"kind":"impact","count":1,"bearing_from":359.9999,"bearing_to":0,"distance_min_m":4500,"distance_max_m":1000,"perception":"heard","time":{"start":"2021-06-10T03:12:00Z"}}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in ObservationInput) (ObservationBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[1]
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzInput(t, data, DecodeObservationInput, body, proj)
	})
}
