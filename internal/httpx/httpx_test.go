package httpx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

func TestCheckOrigin(t *testing.T) {
	cases := []struct {
		name    string
		headers []string
		ok      bool
	}{
		{"no browser headers", nil, true},
		{"same origin", []string{"Origin", "http://truce.example"}, true},
		{"same origin, https", []string{"Origin", "https://truce.example"}, true},
		{"null origin", []string{"Origin", "null"}, false},
		{"another site", []string{"Origin", "https://evil.example"}, false},
		{"same host name, other port", []string{"Origin", "http://truce.example:8081"}, false},
		{"two origins", []string{"Origin", "http://truce.example", "Origin", "http://truce.example"}, false},
		{"same-site referer without origin", []string{"Referer", "http://truce.example/incidents"}, true},
		{"foreign referer without origin", []string{"Referer", "https://evil.example/x"}, false},
		{"opaque referer", []string{"Referer", "data:text/html,hi"}, false},
		{"cross-site fetch metadata", []string{"Sec-Fetch-Site", "cross-site", "Origin", "http://truce.example"}, false},
		{"same-origin fetch metadata", []string{"Sec-Fetch-Site", "same-origin", "Origin", "http://truce.example"}, true},
		{"user-typed navigation", []string{"Sec-Fetch-Site", "none"}, true},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "http://truce.example/incidents", nil)
		for i := 0; i+1 < len(c.headers); i += 2 {
			r.Header.Add(c.headers[i], c.headers[i+1])
		}
		err := CheckOrigin(r)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && errs.CodeOf(err) != errs.CodeForbidden {
			t.Errorf("%s: code %s, want forbidden", c.name, errs.CodeOf(err))
		}
	}
}

func TestPrincipalInContext(t *testing.T) {
	if p := PrincipalFrom(context.Background()); p.Authenticated() || p.Via != "anonymous" {
		t.Errorf("no principal reads as %+v, want anonymous", p)
	}
	p := access.Principal{UserID: "usr_1", Org: "org_1", Roles: []access.Role{access.Monitor}, Via: "token"}
	if got := PrincipalFrom(WithPrincipal(context.Background(), p)); got.UserID != "usr_1" || !got.Has(access.Monitor) {
		t.Errorf("principal from context: %+v", got)
	}
}

func TestOneStatusPerCode(t *testing.T) {
	seen := map[int]errs.Code{}
	for _, c := range []errs.Code{errs.CodeInvalid, errs.CodeNotFound, errs.CodeConflict, errs.CodeForbidden, errs.CodeUnauthenticated, errs.CodeTooLarge, errs.CodeInternal} {
		st := StatusOf(c)
		if other, dup := seen[st]; dup {
			t.Errorf("%s and %s both map to %d", c, other, st)
		}
		seen[st] = c
	}
}

// A connection to PostgreSQL lost anywhere in a request (a read's Scan as
// much as a write) answers 503 with Retry-After, not 500; the request's own
// errors keep their status.
func TestLostConnectionIsUnavailable(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
	}{
		{fmt.Errorf("list places: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}), http.StatusServiceUnavailable},
		{fmt.Errorf("scan: %w", io.ErrUnexpectedEOF), http.StatusServiceUnavailable},
		{fmt.Errorf("list places: %w", &pgconn.PgError{Code: "42P01", Message: "relation does not exist"}), http.StatusInternalServerError},
		{errs.Invalid("title", "is required"), http.StatusBadRequest},
	} {
		rec := httptest.NewRecorder()
		WriteProblem(rec, httptest.NewRequest("GET", "/api/v1/places", nil), nil, c.err)
		if rec.Code != c.status {
			t.Errorf("%v: status %d, want %d", c.err, rec.Code, c.status)
		}
		if got := rec.Header().Get("Retry-After") != ""; got != (c.status == http.StatusServiceUnavailable) {
			t.Errorf("%v: Retry-After %q", c.err, rec.Header().Get("Retry-After"))
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%v: content type %q", c.err, ct)
		}
	}
}
