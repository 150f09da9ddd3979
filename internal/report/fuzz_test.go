package report

import (
	"net/url"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"kind":"daily","date":"2021-06-12","edition":"public","format":"pdf"}`,
		`{"kind":"summary","from":"2021-06-01","to":"2021-06-30","edition":"mission"}`,
		`{"kind":"implementation","agreement":"agr_1","date":"2021-06-12","edition":"public"}`,
		`{"kind":"daily","date":"2021-06-12","edition":"public","lang":"ar"}`, `{"kind":"daily","date":"2021-06-12","edition":"public","lang":"xx"}`,
		`{"kind":"daily"}`, `[]`, `{"kind":"daily","x":1}`, `{"kind":"summary","from":"2021-06-30","to":"2021-06-01","edition":"public"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRequest(data)
		if err != nil {
			if errs.CodeOf(err) != errs.CodeInvalid {
				t.Fatalf("%q: %v is not invalid input", data, err)
			}
			return
		}
		// An accepted request has a well-formed id that reads back to it.
		back, err := ParseID(r.ID())
		if err != nil {
			t.Fatalf("%q: id %q does not parse: %v", data, r.ID(), err)
		}
		// The language is not part of the id: one report, in every
		// language.
		back.Format, back.Lang = r.Format, r.Lang
		if _, ok := SupportedLang(r.Lang); !ok {
			t.Fatalf("%q: accepted language %q", data, r.Lang)
		}
		if back != r {
			t.Fatalf("%q: id %q reads back as %+v, not %+v", data, r.ID(), back, r)
		}
	})
}

func FuzzRequestFromQuery(f *testing.F) {
	for _, s := range []string{"kind=daily&date=2021-06-12&edition=public", "kind=summary&from=2021-06-01&to=2021-06-02&edition=mission&format=csv&table=summary",
		"kind=daily&kind=summary", "edition=x", "%zz", "kind=daily&date=2021-06-12&edition=public&lang=ru", "lang=ru&lang=ar"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if _, err := RequestFromQuery(q); err != nil && errs.CodeOf(err) != errs.CodeInvalid {
			t.Fatalf("%q: %v is not invalid input", raw, err)
		}
	})
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"daily-2021-06-12-public", "implementation-agr_x-2021-06-12-mission", "summary-2021-06-01-2021-06-30-public", "daily-2021-02-30-public"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		r, err := ParseID(id)
		if err != nil {
			if errs.CodeOf(err) != errs.CodeNotFound {
				t.Fatalf("%q: %v", id, err)
			}
			return
		}
		if r.ID() != id {
			t.Fatalf("%q reads back as %q", id, r.ID())
		}
	})
}
