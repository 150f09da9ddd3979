package server_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/server"
)

// canaryReader is one row of the canary matrix: an account (or nobody),
// and the server it asks.
type canaryReader struct {
	name      string
	token     string // bearer token; "" for anonymous
	principal access.Principal
	handler   http.Handler
}

// canaryPattern finds canaries, and the fragments of one a response cut
// short (a list that shows the first words of a narrative).
var canaryPattern = regexp.MustCompile(`CANARY_[A-Za-z0-9_]+`)

// TestCanaryMatrix proves need-to-know (DESIGN.md, section 5): canary
// values sit in every personal and restricted field of records of every
// kind (canary_fixtures_test.go); every route of the route tables — the
// API's (api.Server.Routes) and the server's own (server.PageRoutes:
// pages, static files, health, metrics) — is read by every role and by
// nobody, with and without the public view; no response to a reader not
// entitled to a canary may contain it, in its body (JSON, HTML, CSV, the
// text of a PDF) or its headers. Entitlement is computed from each
// fixture's label as written, never asked of the server. Every canary
// must reach at least one entitled reader, so that the test cannot pass by
// serving nothing.
//
// scripts/canary-teeth.sh shows the test fails when any one service's read
// filter is removed.
func TestCanaryMatrix(t *testing.T) {
	began := time.Now()
	s := start(t)
	fx := buildCanaryFixtures(t, s)
	s.app.Incidents.WaitIdle()
	rows := canaryRoutes(t, s, fx)

	// Every route has a row: the API's and the server's own, as registered.
	public, err := server.New(s.app.DB, s.app.API, s.app.Accounts, server.Config{PublicView: true, Demo: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, rt := range s.app.API.Routes() {
		routes = append(routes, rt.Method+" "+rt.Path)
	}
	for _, rt := range s.app.Server.PageRoutes() {
		routes = append(routes, rt.Method+" "+rt.Path)
	}
	if len(s.app.Server.PageRoutes()) < 10 {
		t.Fatalf("the server lists %d routes of its own: PageRoutes must list every page it registers", len(s.app.Server.PageRoutes()))
	}
	var reads []string
	for _, r := range routes {
		reqs, found := rows[r]
		switch {
		case !found:
			t.Errorf("route %s has no row in the canary matrix (canary_routes_test.go): add the requests that read it, or nil for a write", r)
		case reqs == nil && strings.HasPrefix(r, "GET "):
			t.Errorf("route %s is a read but its row in the canary matrix has no request", r)
		case reqs != nil:
			reads = append(reads, r)
		}
	}
	sort.Strings(reads)

	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("TRUCE_REQUIRE_PDFTOOLS") == "1" {
			t.Fatal("pdftotext (poppler-utils) is required (TRUCE_REQUIRE_PDFTOOLS=1)")
		}
		t.Log("CANARY MATRIX: pdftotext not found: PDF responses are searched as bytes only, not as extracted text; install poppler-utils")
		pdftotext = ""
	}

	readers := []canaryReader{}
	for _, role := range roles {
		if role == "" {
			continue
		}
		acc := s.account(role)
		readers = append(readers, canaryReader{name: role, token: s.tokens[role], handler: s.app.Server.Handler(), principal: access.Principal{
			UserID: acc.ID, Username: acc.Username, Org: s.loaded.Orgs[acc.Org], Roles: []access.Role{acc.Role}, Via: "token"}})
	}
	readers = append(readers,
		canaryReader{name: "anonymous", principal: access.Anonymous, handler: s.app.Server.Handler()},
		canaryReader{name: "anonymous (public view)", principal: access.Anonymous, handler: public.Handler()})

	leaks := map[string][]string{} // "field" -> "route as reader"
	requests, pdfs := 0, 0
	for _, rd := range readers {
		for _, route := range reads {
			for _, rq := range rows[route] {
				res := canaryServe(t, rd, rq)
				requests++
				text := res.text
				if res.pdf {
					pdfs++
					text += "\n" + pdfText(t, pdftotext, res.body)
				}
				for _, c := range canariesIn(fx, text) {
					if c.may(rd.principal) {
						c.seen = true
						continue
					}
					where := fmt.Sprintf("%s %s as %s (%s)", rq.method, rq.path, rd.name, route)
					leaks[c.field] = append(leaks[c.field], where)
				}
			}
		}
	}
	fields := make([]string, 0, len(leaks))
	for f := range leaks {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		where := leaks[f]
		t.Errorf("LEAK canary %s reached %d responses to readers not entitled:\n\t%s", f, len(where), strings.Join(where, "\n\t"))
	}
	for _, c := range fx.canaries {
		if !c.seen {
			t.Errorf("canary %s (%s %s) reached no entitled reader on any route: the matrix cannot see it leak", c.field, c.entity, c.id)
		}
	}
	t.Logf("canary matrix: %d canaries in %d records; %d routes read (%d route rows in all) by %d readers; %d requests, %d PDFs; %s",
		len(fx.canaries), len(fx.ids), len(reads), len(routes), len(readers), requests, pdfs, time.Since(began).Round(time.Second))
}

type canaryResponse struct {
	status int
	text   string // headers and body
	body   []byte
	pdf    bool
}

// canaryServe sends one request of the matrix to the real handler.
func canaryServe(t *testing.T, rd canaryReader, rq canaryRequest) canaryResponse {
	t.Helper()
	var body io.Reader
	ct := ""
	switch {
	case rq.form != nil:
		body, ct = strings.NewReader(rq.form.Encode()), "application/x-www-form-urlencoded"
	case rq.json != "":
		body, ct = strings.NewReader(rq.json), "application/json"
	}
	req := httptest.NewRequest(rq.method, rq.path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if rd.token != "" {
		req.Header.Set("Authorization", "Bearer "+rd.token)
	}
	rec := httptest.NewRecorder()
	rd.handler.ServeHTTP(rec, req)
	var text strings.Builder
	for k, vs := range rec.Header() {
		fmt.Fprintf(&text, "%s: %s\n", k, strings.Join(vs, ", "))
	}
	b := rec.Body.Bytes()
	text.Write(b)
	return canaryResponse{status: rec.Code, text: text.String(), body: b,
		pdf: strings.HasPrefix(rec.Header().Get("Content-Type"), "application/pdf") || bytes.HasPrefix(b, []byte("%PDF"))}
}

// pdfText extracts a PDF's text with poppler's pdftotext ("" without it).
func pdfText(t *testing.T, pdftotext string, pdf []byte) string {
	t.Helper()
	if pdftotext == "" {
		return ""
	}
	cmd := exec.Command(pdftotext, "-q", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("pdftotext: %v", err)
	}
	return string(out)
}

// canariesIn returns the canaries text holds, whole or cut short (a
// fragment counts for every canary it could be the start of; a canary
// split by a line break is found by its first part).
func canariesIn(fx *canaryFixtures, text string) []*canary {
	var out []*canary
	for _, tok := range canaryPattern.FindAllString(text, -1) {
		if c, ok := fx.byValue[tok]; ok {
			out = append(out, c)
			continue
		}
		if len(tok) < len("CANARY_")+3 {
			continue
		}
		for v, c := range fx.byValue {
			if strings.HasPrefix(v, tok) || strings.HasPrefix(tok, v) {
				out = append(out, c)
			}
		}
	}
	for _, c := range fx.dates {
		if strings.Contains(text, c.value) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *canary) int { return strings.Compare(a.field, b.field) })
	return slices.Compact(out)
}
