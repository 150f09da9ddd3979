package transit

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
// to JSON that decodes and validates to the same body, which projects
// deterministically.
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

func FuzzCrossingInput(f *testing.F) {
	for _, s := range []string{
		`{"at":"2021-06-01T10:00:00Z","checkpoint_id":"lyr_c","direction":"towards_end","people":12,"vehicles":2,"cargo_tonnes":3.5,"cargo_type":"flour","escort_org":"org_p","humanitarian":true}`,
		`{"at":"2021-06-01T10:00:00Z","checkpoint_id":"lyr_c","direction":"inbound","people":-1,"vehicles":0}`,
		`{"at":"2021-06-01T10:00:00Z","checkpoint_id":"lyr_c","direction":"towards_start","people":0,"vehicles":0,"cargo_tonnes":1e308}`,
		`{"at":"2029-06-01T10:00:00Z","checkpoint_id":"lyr c","direction":"towards_start","people":1}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in CrossingInput) (CrossingBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzInput(t, data, DecodeCrossingInput, body, proj)
	})
}

func FuzzRestrictionInput(f *testing.F) {
	for _, s := range []string{
		`{"kind":"closure","checkpoint_id":"lyr_c","reason":"Landslide.","by_org":"org_p","start":"2021-06-01T06:00:00Z","end":"2021-06-01T18:00:00Z"}`,
		`{"kind":"reopening","corridor_id":"lyr_k","start":"2021-06-01T06:00:00Z"}`,
		`{"kind":"partial","corridor_id":"lyr_k","checkpoint_id":"lyr_c","reason":"r","start":"2021-06-02T00:00:00Z","end":"2021-06-01T00:00:00Z"}`,
		`{"kind":"reopening","checkpoint_id":"lyr_c","start":"2021-06-01T06:00:00Z","end":"2021-06-01T07:00:00Z","by_text":"\u202e"}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in RestrictionInput) (RestrictionBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[1]
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzInput(t, data, DecodeRestrictionInput, body, proj)
	})
}
