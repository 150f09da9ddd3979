package httpx

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestETagMatch(t *testing.T) {
	cases := []struct {
		header, etag string
		weak, want   bool
	}{
		{`"3"`, `"3"`, false, true},
		{`"3"`, `"4"`, false, false},
		{`*`, `"4"`, false, true},
		{`*`, ``, true, false}, // no representation: * matches nothing
		{`"1", "2",  "3"`, `"3"`, false, true},
		{`"1","2"`, `"3"`, true, false},
		{`W/"3"`, `"3"`, true, true},   // weak comparison ignores W/
		{`W/"3"`, `"3"`, false, false}, // strong comparison does not
		{`"3"`, `W/"3"`, true, true},
		{`"3"`, `W/"3"`, false, false},
		{`"a,b", "3"`, `"3"`, false, true}, // a comma inside an opaque tag
		{`"a,b"`, `"b"`, false, false},
		{`3`, `"3"`, false, false}, // unquoted: not an entity tag
		{`junk, "3"`, `"3"`, false, true},
		{``, `"3"`, true, false},
		{`"unterminated`, `"3"`, true, false},
	}
	for _, c := range cases {
		if got := ETagMatch(c.header, c.etag, c.weak); got != c.want {
			t.Errorf("ETagMatch(%q, %q, weak=%v) = %v, want %v", c.header, c.etag, c.weak, got, c.want)
		}
	}
}

func FuzzETagMatch(f *testing.F) {
	for _, s := range []string{`"3"`, `W/"3", "4"`, `*`, `"a,b",`, `W/`, `W/"`, `,,,`, `"`} {
		f.Add(s, `"3"`)
	}
	f.Fuzz(func(t *testing.T, header, etag string) {
		for _, tag := range splitETags(header) {
			if tag == "" {
				t.Fatalf("an empty tag from %q", header)
			}
		}
		strong := ETagMatch(header, etag, false)
		weak := ETagMatch(header, etag, true)
		if strong && !weak {
			t.Fatalf("%q matches %q strongly but not weakly", header, etag)
		}
		// A quoted tag always matches itself.
		if !strings.ContainsAny(etag, "\"") && etag != "" && !ETagMatch(`"`+etag+`"`, `"`+etag+`"`, false) {
			t.Fatalf("%q does not match itself", etag)
		}
	})
}

func TestNotModified(t *testing.T) {
	handler := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"7"`)
		WriteJSON(w, http.StatusOK, map[string]int{"version": 7})
	}
	for _, c := range []struct {
		method, inm string
		want        int
	}{
		{"GET", `"7"`, http.StatusNotModified},
		{"GET", `W/"7"`, http.StatusNotModified},
		{"GET", `"6", "7"`, http.StatusNotModified},
		{"GET", `*`, http.StatusNotModified},
		{"HEAD", `"7"`, http.StatusNotModified},
		{"GET", `"6"`, http.StatusOK},
		{"GET", ``, http.StatusOK},
		{"POST", `"7"`, http.StatusOK}, // not a read: If-None-Match is not ours to answer here
	} {
		r := httptest.NewRequest(c.method, "/x", nil)
		if c.inm != "" {
			r.Header.Set("If-None-Match", c.inm)
		}
		rec := httptest.NewRecorder()
		handler(NotModified(rec, r), r)
		if rec.Code != c.want {
			t.Errorf("%s If-None-Match %q: %d, want %d", c.method, c.inm, rec.Code, c.want)
		}
		if c.want == http.StatusNotModified {
			if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" || rec.Header().Get("ETag") != `"7"` {
				t.Errorf("304 with body %q, headers %v", rec.Body, rec.Header())
			}
		}
	}
	// An error passes through, whatever the header says.
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("If-None-Match", "*")
	rec := httptest.NewRecorder()
	WriteProblem(NotModified(rec, r), r, nil, errs.NotFound("no"))
	if rec.Code != http.StatusNotFound {
		t.Errorf("a 404 under If-None-Match: *: %d", rec.Code)
	}
}

// TestVersionConflictIsPreconditionFailed: a domain's conflict about the
// version is 412 when the client sent the version (If-Match); any other
// conflict, or one without a precondition, stays 409.
func TestVersionConflictIsPreconditionFailed(t *testing.T) {
	stale := errs.Conflict("version", "x is at version 3; this change was made against version 2")
	other := errs.Conflict("status", "an incident at closed cannot move to open")
	for _, c := range []struct {
		name      string
		err       error
		withPre   bool
		status    int
		code, fld string
	}{
		{"stale version with If-Match", stale, true, 412, "precondition_failed", "If-Match"},
		{"version conflict without a precondition", stale, false, 409, "conflict", "version"},
		{"another conflict with If-Match", other, true, 409, "conflict", "status"},
	} {
		r := httptest.NewRequest("PUT", "/api/v1/x/1", nil)
		if c.withPre {
			r = r.WithContext(WithPrecondition(context.Background()))
		}
		rec := httptest.NewRecorder()
		WriteProblem(rec, r, nil, c.err)
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if rec.Code != c.status || p.Code != c.code || p.Field != c.fld {
			t.Errorf("%s: %d %s %s, want %d %s %s", c.name, rec.Code, p.Code, p.Field, c.status, c.code, c.fld)
		}
	}
	for code, status := range map[errs.Code]int{CodeMethodNotAllowed: 405, CodeUnsupportedMediaType: 415, CodePreconditionFailed: 412, CodePreconditionRequired: 428} {
		if StatusOf(code) != status {
			t.Errorf("StatusOf(%s) = %d, want %d", code, StatusOf(code), status)
		}
	}
}
