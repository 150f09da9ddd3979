// Package storetest holds checks that the domain packages' tests share.
package storetest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// CheckInput is what every fuzz target of an input decoder asserts: never
// panic; refuse bad input as errs.Invalid naming a field; an accepted
// input re-marshals to JSON that decodes and validates to the same body,
// which stores, decodes and projects deterministically.
func CheckInput[In any, Body any](t *testing.T, data []byte, decode func([]byte) (In, error), body func(In) (Body, error), proj store.Projection) {
	t.Helper()
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
