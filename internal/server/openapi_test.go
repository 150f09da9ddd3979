package server_test

import (
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/api"
)

// The document is readable without a token, and it is the one `truce
// openapi` prints (api.Document): the same operations as the running
// server's, so linting the printed one lints the served one.
func TestOpenAPIIsPublicAndIsTheDocument(t *testing.T) {
	s := start(t).with("")
	res := s.do("GET", "/api/v1/openapi.json", "")
	if res.status != 200 {
		t.Fatalf("anonymous: %d %s", res.status, res.body)
	}
	var served struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	res.json(t, &served)
	offline := api.Document("test")["paths"].(map[string]map[string]any)
	ops := func(paths map[string]map[string]any) map[string]bool {
		out := map[string]bool{}
		for p, m := range paths {
			for method := range m {
				out[strings.ToUpper(method)+" "+p] = true
			}
		}
		return out
	}
	a, b := ops(served.Paths), ops(offline)
	for op := range a {
		if !b[op] {
			t.Errorf("%s is served but not in api.Document", op)
		}
	}
	for op := range b {
		if !a[op] {
			t.Errorf("%s is in api.Document but not served", op)
		}
	}
}

// What the document says of ETag is what the server does: each GET it
// documents with an ETag answers one (called as the canary matrix calls
// it), and each GET that answers one is documented so.
func TestOpenAPIETagsAreTheServers(t *testing.T) {
	s := start(t)
	rows := canaryRoutes(t, s, buildCanaryFixtures(t, s))
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Headers map[string]any
			}
		}
	}
	s.do("GET", "/api/v1/openapi.json", "").json(t, &doc)
	checked := 0
	for _, rt := range s.app.API.Routes() {
		if rt.Method != "GET" {
			continue
		}
		documented := doc.Paths[strings.ReplaceAll(rt.Path, "...}", "}")]["get"].Responses["200"].Headers["ETag"] != nil
		for _, req := range rows[rt.Method+" "+rt.Path] {
			res := s.do(req.method, req.path, "")
			if res.status != 200 {
				continue
			}
			checked++
			if sent := res.header.Get("ETag") != ""; sent != documented {
				t.Errorf("%s %s: ETag sent %v, documented %v", rt.Method, req.path, sent, documented)
			}
			break
		}
	}
	if checked < 30 {
		t.Errorf("only %d GET routes checked", checked)
	}
}
