// Package storetest holds checks that the domain packages' tests share.
package storetest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// CheckInput is what every fuzz target of an input decoder asserts: never
// panic; refuse bad input as errs.Invalid naming a field; an accepted
// input re-marshals to JSON that decodes and validates to the same body,
// which stores, decodes and projects deterministically (proj may be the
// zero Projection for an input that is not stored as a body of its own).
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
	if proj.Entity != "" {
		CheckBody(t, b, proj)
	}
}

// CheckStrictInput is CheckInput for an input type without a decoder of
// its own, read as the API reads a body: strict JSON, unknown members
// refused. Data that does not decode is skipped.
func CheckStrictInput[In any, Body any](t *testing.T, data []byte, body func(In) (Body, error), proj store.Projection) {
	t.Helper()
	var in In
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if dec.Decode(&in) != nil {
		return
	}
	strict := func(data []byte) (In, error) {
		var in In
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return in, errs.Invalid("body", "%v", err)
		}
		return in, nil
	}
	CheckInput(t, data, strict, body, proj)
}

// CheckBody is what verify needs of every stored body: its JSON decodes
// with store.DecodeBody to the value encoding/json gives, re-encodes the
// same, and projects deterministically to the rows the write path stored
// from the value itself.
func CheckBody[Body any](t *testing.T, b Body, proj store.Projection) {
	t.Helper()
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatalf("body does not marshal: %v", err)
	}
	var decoded, fast Body
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatalf("body does not decode: %v\n%s", err, raw)
	}
	if err := store.DecodeBody(raw, &fast); err != nil {
		t.Fatalf("body does not decode with store.DecodeBody: %v\n%s", err, raw)
	}
	if !reflect.DeepEqual(decoded, fast) {
		t.Fatalf("store.DecodeBody and encoding/json disagree on\n%s\n%#v\n%#v", raw, decoded, fast)
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
	if proj.RowsOf != nil {
		written, ok, err := proj.RowsOf("x_0", b)
		if !ok || err != nil {
			t.Fatalf("the write path does not project the body: ok %v, %v", ok, err)
		}
		if w, v := proj.CanonicalRows(written), proj.CanonicalRows(r1); !slices.Equal(w, v) {
			t.Fatalf("the write path stores rows verify would not rebuild:\nwritten %q\nrebuilt %q", w, v)
		}
	}
}

// Projection returns the projection of entity among a package's.
func Projection(ps []store.Projection, entity string) store.Projection {
	for _, p := range ps {
		if p.Entity == entity {
			return p
		}
	}
	panic("no projection of " + entity)
}
