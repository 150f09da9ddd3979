package detainee

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var (
	fuzzNow = time.Date(2021, 12, 31, 12, 0, 0, 0, time.UTC)
	fuzzWho = access.Principal{UserID: "u_h", Org: "org_icrc", Roles: []access.Role{access.Humanitarian}, Via: "token"}
)

// decodeStrict decodes one JSON value as the API does: unknown members and
// trailing data are refused.
func decodeStrict[T any](data []byte) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, errs.Invalid("", "is not valid JSON: %s", err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return v, errs.Invalid("", "has data after the JSON value")
	}
	return v, nil
}

// refusedWell fails unless err is a client error that names its field
// (invalid or conflict); forbidden is allowed where the kind of event
// needs another role.
func refusedWell(t *testing.T, err error) {
	t.Helper()
	switch errs.CodeOf(err) {
	case errs.CodeInvalid, errs.CodeConflict:
		if errs.FieldOf(err) == "" {
			t.Fatalf("refused without naming the field: %v", err)
		}
	default:
		t.Fatalf("refused with %s: %v", errs.CodeOf(err), err)
	}
}

// roundTrip checks that an accepted input re-marshals to one that builds
// the same body, and that the body stores, decodes and projects as verify
// needs (storetest.CheckBody).
func roundTrip[In, Body any](t *testing.T, in In, build func(In) (Body, error), b Body, proj *store.Projection) {
	t.Helper()
	again, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("accepted input does not marshal: %v", err)
	}
	in2, err := decodeStrict[In](again)
	if err != nil {
		t.Fatalf("re-marshalled input does not decode: %v\n%s", err, again)
	}
	b2, err := build(in2)
	if err != nil {
		t.Fatalf("re-marshalled input is refused: %v\n%s", err, again)
	}
	raw, _ := json.Marshal(b)
	if raw2, _ := json.Marshal(b2); !bytes.Equal(raw, raw2) {
		t.Fatalf("body changed on the round trip:\n%s\n%s", raw, raw2)
	}
	if proj != nil {
		storetest.CheckBody(t, b, *proj)
	}
}

func FuzzPersonInput(f *testing.F) {
	for _, s := range []string{
		`{"identity":{"surname":"Fictitious","first_names":"Test","rank":"private","date_of_birth":"1999-01-02","place_of_birth":"X","service_number":"A-1","father_first_name":"F","mother_maiden_name":"M","person_to_inform":"R","person_to_inform_address":"Street 1\nTown","correspondence_address":"Street 2"},"category":"prisoner_of_war","held_by":"org_a","nationality":"org_b","captured_at":"2020-12-20T10:00:00Z","capture_place":{"lat":39.8,"lon":46.7},"agreement_id":"agr_x","events":[{"kind":"registered","at":"2020-12-21T00:00:00Z"},{"kind":"visited","by":"org_icrc","at":"2021-01-01T00:00:00Z"},{"kind":"consent_confirmed","at":"2021-01-02T00:00:00Z"},{"kind":"repatriated","at":"2021-01-03T00:00:00Z"}]}`,
		`{"identity":{"surname":"Ա","first_names":"Ə"},"category":"hostage","held_by":"org_a","nationality":"org_b","captured_at":"2020-12-20T10:00:00+04:00","events":[{"kind":"hospitalised","at":"2020-12-21T00:00:00Z"},{"kind":"deceased","death":{"date":"2020-12-22","cause":"wounds","grave":"G-1"}}]}`,
		`{"identity":{"surname":"X","first_names":"Y"},"category":"civilian_detainee","held_by":"org_a","nationality":"org_a","captured_at":"2030-01-01T00:00:00Z"}`,
		`{"identity":{"surname":"X","first_names":"Y"},"category":"civilian_detainee","held_by":"org_a","nationality":"org_b","captured_at":"2020-12-20T10:00:00Z","events":[{"kind":"released","at":"2021-01-01T00:00:00Z"},{"kind":"released","at":"2021-01-02T00:00:00Z"}]}`,
		`{"identity":{"surname":"X","first_names":"Y"},"category":"prisoner_of_war","held_by":"org_a","nationality":"org_b","captured_at":"2020-12-20T10:00:00Z","events":[{"kind":"escaped","at":"2021-01-01T00:00:00Z"},{"kind":"captured","to_side":"org_a","at":"2021-01-02T00:00:00Z"},{"kind":"transferred","to_side":"org_c","at":"2021-01-03T00:00:00Z"}]}`,
	} {
		f.Add([]byte(s))
	}
	proj := projections()[0]
	build := func(in PersonInput) (PersonBody, error) { b, _, err := in.body(fuzzNow, fuzzWho); return b, err }
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := decodeStrict[PersonInput](data)
		if err != nil {
			return
		}
		b, err := build(in)
		if err != nil {
			refusedWell(t, err)
			return
		}
		if b.Status == "" || len(b.Events) != len(in.Events)+1 || len(b.Periods) == 0 {
			t.Fatalf("accepted person without a derived state: %+v", b)
		}
		if m := b.masked(); m.Identity != nil || m.CapturePlace != nil {
			t.Fatal("masking kept identity")
		}
		roundTrip(t, in, build, b, &proj)
	})
}

func FuzzEventInput(f *testing.F) {
	for _, s := range []string{
		`{"kind":"registered","at":"2021-01-01T00:00:00Z"}`,
		`{"kind":"visited","by":"org_icrc","at":"2021-01-01T00:00:00Z","place":{"lat":40,"lon":46}}`,
		`{"kind":"transferred","to_side":"org_c","at":"2021-01-01T00:00:00Z","place_id":"plc_x"}`,
		`{"kind":"deceased","death":{"date":"2021-01-01","place":"P","cause":"C","burial_place":"B","grave":"G"}}`,
		`{"kind":"deceased","at":"2021-01-01T00:00:00Z"}`,
		`{"kind":"repatriated","at":"2020-01-01T00:00:00Z"}`,
		`{"kind":"released","at":"2021-01-01T00:00:00Z","to_side":"org_b"}`,
	} {
		f.Add([]byte(s))
	}
	base, _, err := PersonInput{Identity: Identity{Surname: "X", FirstNames: "Y"}, Category: "prisoner_of_war", HeldBy: "org_a", Nationality: "org_b",
		CapturedAt: "2020-12-20T10:00:00Z"}.body(fuzzNow, fuzzWho)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := decodeStrict[EventInput](data)
		if err != nil {
			return
		}
		e, err := in.event("", fuzzNow, fuzzWho)
		if err != nil {
			refusedWell(t, err)
			return
		}
		b := base
		b.Events = append([]Event(nil), base.Events...)
		b.Periods = append([]Period(nil), base.Periods...)
		if err := b.apply(e, ""); err != nil {
			refusedWell(t, err)
			return
		}
		if b.Status == "" || len(b.Events) != 2 {
			t.Fatalf("applied event left %+v", b)
		}
		roundTrip(t, in, func(in EventInput) (Event, error) { return in.event("", fuzzNow, fuzzWho) }, e, nil)
	})
}

func FuzzExchangeInput(f *testing.F) {
	for _, s := range []string{
		`{"at":"2021-06-12T12:00:00Z","place_name":"Azerbaijan–Georgia border","mediators":["org_ge","org_us"],"moves":[{"from_side":"org_a","to_side":"org_b","persons":["det_1","det_2"]},{"from_side":"org_b","to_side":"org_a","persons":["det_3"]}],"links":[{"kind":"handover","id":"hnd_1"}],"all_for_all":true,"note":"Maps of 97,000 mines."}`,
		`{"at":"2021-06-12T12:00:00Z","moves":[{"from_side":"org_a","to_side":"org_b","persons":["det_1","det_1"]}]}`,
		`{"at":"2021-06-12T12:00:00Z","moves":[{"from_side":"org_a","to_side":"org_a","persons":["det_1"]}]}`,
		`{"at":"2031-06-12T12:00:00Z","moves":[]}`,
		`{"at":"2021-06-12T12:00:00Z","place":{"lat":41.3,"lon":45.0},"moves":[{"from_side":"org_a","to_side":"org_b","persons":["det_1"]}],"links":[{"kind":"Handover!","id":"x"}]}`,
	} {
		f.Add([]byte(s))
	}
	proj := projections()[1]
	build := func(in ExchangeInput) (ExchangeBody, error) { return in.body(fuzzNow) }
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := decodeStrict[ExchangeInput](data)
		if err != nil {
			return
		}
		b, err := build(in)
		if err != nil {
			refusedWell(t, err)
			return
		}
		n := 0
		for _, m := range b.Moves {
			n += m.Count
		}
		if n != b.Total || n == 0 {
			t.Fatalf("total %d, moves add up to %d", b.Total, n)
		}
		roundTrip(t, in, build, b, &proj)
	})
}

func FuzzRemainsInput(f *testing.F) {
	for _, s := range []string{
		`{"count":500,"recovered_at":"2020-12-05T00:00:00Z","recovered_by":"org_icrc","identification":{"method":"dna","identified":35,"at":"2020-12-05T00:00:00Z"},"handover":{"at":"2020-12-10T00:00:00Z","from_side":"org_a","to_side":"org_b","exchange_id":"xch_1"}}`,
		`{"recovered_at":"2020-12-05T00:00:00Z","recovered_place":{"lat":40,"lon":46},"identification":{"method":"visual","identified":2}}`,
		`{"count":-1,"recovered_at":"2020-12-05T00:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	proj := projections()[2]
	build := func(in RemainsInput) (RemainsBody, error) { return in.body(fuzzNow) }
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := decodeStrict[RemainsInput](data)
		if err != nil {
			return
		}
		b, err := build(in)
		if err != nil {
			refusedWell(t, err)
			return
		}
		if b.Identification != nil && b.Identification.Identified > b.Count {
			t.Fatalf("more identified than the record holds: %+v", b)
		}
		roundTrip(t, in, build, b, &proj)
	})
}
