package store

import (
	"net/url"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// FuzzParseListQuery: any query string gives a list query within bounds
// or an invalid error naming page, size or sort; a query read back from
// its own values reads the same.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{"", "page=2", "page=0", "size=500&sort=-start", "sort=-", "page=1e3", "page=%2B7", "page=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseListQuery(v)
		if err != nil {
			if errs.CodeOf(err) != errs.CodeInvalid {
				t.Fatalf("%q: %v is not invalid", raw, err)
			}
			if f := errs.FieldOf(err); f != "page" && f != "size" && f != "sort" {
				t.Fatalf("%q: field %q", raw, f)
			}
			return
		}
		if q.Page < 0 || q.Page > MaxPage || q.Size < 0 || q.Size > MaxLimit || len(q.Sort) > 40 {
			t.Fatalf("%q: out of bounds %+v", raw, q)
		}
		again, err := ParseListQuery(q.Values())
		if err != nil || again.Page != max(q.Page, 0) && q.Page > 1 || again.Sort != q.Sort {
			t.Fatalf("%q: %+v read back as %+v (%v)", raw, q, again, err)
		}
	})
}
