package returns

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

func FuzzMovementInput(f *testing.F) {
	for _, s := range []string{
		`{"date":"2021-05-01T10:00:00Z","origin_text":"Goris","destination_place_id":"plc_x","people":[{"sex":"female","age":"18-59","count":10},{"sex":"male","age":"0-4","count":2}],"total":12,"kind":"organised","escort_org":"org_p","voluntariness_verified_by":"org_u"}`,
		`{"date":"2021-02-08T00:00:00Z","since":"2020-11-14T00:00:00Z","destination_place_id":"plc_x","total":52351,"kind":"mixed","source":"bulletin","classification":"public"}`,
		`{"date":"2021-05-01T10:00:00Z","destination_place_id":"plc_x","people":[{"sex":"female","age":"18-59","count":-1}],"total":-1,"kind":"spontaneous"}`,
		`{"date":"2031-05-01T10:00:00+04:00","destination_place_id":"plc_x","people":[{"sex":"x","age":"60+","count":9223372036854775807}],"total":1,"kind":"organised"}`,
		`{"total":3} {}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in MovementInput) (MovementBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzInput(t, data, DecodeMovementInput, body, proj)
	})
}

func FuzzVisitInput(f *testing.F) {
	for _, s := range []string{
		`{"movement_id":"ret_x","date":"2021-05-10T10:00:00Z","findings":[{"topic":"shelter","rating":"critical","note":"Roof gone."},{"topic":"documentation","rating":"no_concern"}],"follow_up_due":"2021-06-10T00:00:00Z"}`,
		`{"place_id":"plc_x","date":"2021-05-10T10:00:00Z","findings":[{"topic":"livelihoods","rating":"not_assessed"}],"follows_up":"rvi_y","team":"T","classification":"restricted","restricted_to":["org_a"]}`,
		`{"place_id":"plc_x","date":"2021-05-10T10:00:00Z","findings":[{"topic":"shelter","rating":"critical"},{"topic":"shelter","rating":"critical"}],"follow_up_due":"2021-05-01T00:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in VisitInput) (VisitBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[1]
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzInput(t, data, DecodeVisitInput, body, proj)
	})
}
