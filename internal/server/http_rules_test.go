package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/api"
)

// The HTTP rules of issue 19, each tested over every route of the route
// tables (the API's and the server's own), on the real server: a method a
// path does not define is 405 with Allow; a body that is not of the
// route's media types is 415; a query parameter the route does not
// declare is 400 naming it; a record read answers an ETag and 304 to
// If-None-Match; an update without If-Match is 428 and a stale one 412.

var placeholder = regexp.MustCompile(`\{[^}]*\}`)

// concrete fills a route pattern's wildcards with a value that names no
// record.
func concrete(pattern string) string {
	return placeholder.ReplaceAllStringFunc(pattern, func(w string) string {
		if w == "{$}" {
			return ""
		}
		return "zz0"
	})
}

// raw sends a request as user ("" for none) with exactly the headers given
// (no Content-Type unless given).
func (s *testServer) raw(user, method, path, body string, headers ...string) response {
	s.t.Helper()
	// Records are placed again in the background after a layer changes;
	// let that finish so that versions read before a request still hold.
	s.app.Incidents.WaitIdle()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+s.tokens[user])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

type problemBody struct {
	Code   string `json:"code"`
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func problemOf(t *testing.T, res response) problemBody {
	t.Helper()
	var p problemBody
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q, want application/problem+json (%d %s)", ct, res.status, res.body)
		return p
	}
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Errorf("problem body %s: %v", res.body, err)
	}
	return p
}

func (s *testServer) logSize() int64 {
	s.t.Helper()
	n, err := s.app.DB.LogSize(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// bodyOf is a well-formed body for a route with a request body, and its
// media type.
func bodyOf(rt api.Route) (body, contentType string) {
	if len(rt.Accepts) > 0 {
		return "x", rt.Accepts[0]
	}
	return "{}", "application/json"
}

func hasBody(rt api.Route) bool { return rt.Request != nil || len(rt.Accepts) > 0 }

func TestHTTPRules(t *testing.T) {
	s := start(t)
	fx := buildCanaryFixtures(t, s)
	s.app.Incidents.WaitIdle()
	rows := canaryRoutes(t, s, fx)
	routes := s.app.API.Routes()

	t.Run("405 with Allow on every path", func(t *testing.T) {
		methods := map[string][]string{} // path pattern -> methods
		for _, rt := range routes {
			methods[rt.Path] = append(methods[rt.Path], rt.Method)
		}
		for _, rt := range s.app.Server.PageRoutes() {
			methods[rt.Path] = append(methods[rt.Path], rt.Method)
		}
		n := 0
		for pattern, ms := range methods {
			wrong := ""
			for _, m := range []string{"DELETE", "PATCH", "PUT", "POST", "GET"} {
				if !slices.Contains(ms, m) {
					wrong = m
					break
				}
			}
			if wrong == "" {
				continue
			}
			n++
			path := concrete(pattern)
			res := s.raw("admin", wrong, path, "")
			allow := strings.Split(res.header.Get("Allow"), ", ")
			if res.status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s (pattern %s): %d, want 405", wrong, path, pattern, res.status)
				continue
			}
			for _, m := range ms {
				if !slices.Contains(allow, m) {
					t.Errorf("%s %s: Allow %q lacks %s", wrong, path, res.header.Get("Allow"), m)
				}
			}
			if slices.Contains(ms, "GET") && !slices.Contains(allow, "HEAD") {
				t.Errorf("%s %s: Allow %q lacks HEAD", wrong, path, res.header.Get("Allow"))
			}
			if slices.Contains(allow, wrong) {
				t.Errorf("%s %s: Allow %q holds the refused method", wrong, path, res.header.Get("Allow"))
			}
			if strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/log/") {
				if p := problemOf(t, res); p.Code != "method_not_allowed" {
					t.Errorf("%s %s: code %q", wrong, path, p.Code)
				}
			}
			if opt := s.raw("admin", "OPTIONS", path, ""); opt.status != http.StatusNoContent || !strings.Contains(opt.header.Get("Allow"), ms[0]) {
				t.Errorf("OPTIONS %s: %d Allow %q", path, opt.status, opt.header.Get("Allow"))
			}
		}
		// A path that exists under no method stays 404.
		if res := s.raw("admin", "DELETE", "/api/v1/no-such-collection", ""); res.status != http.StatusNotFound {
			t.Errorf("an unknown path: %d, want 404", res.status)
		}
		t.Logf("405 + Allow checked on %d paths", n)
	})

	t.Run("415 for a body of another type", func(t *testing.T) {
		before := s.logSize()
		n := 0
		for _, rt := range routes {
			if !hasBody(rt) {
				continue
			}
			n++
			path := concrete(rt.Path)
			for _, ct := range []string{"text/plain", "application/json; charset=utf-16", "application/json; charset=latin1", "", "application/merge-patch+json", "not a media type"} {
				if slices.Contains(rt.Accepts, ct) {
					continue
				}
				res := s.raw("admin", rt.Method, path, `{"a":1}`, "Content-Type", ct)
				if res.status != http.StatusUnsupportedMediaType {
					t.Errorf("%s %s with Content-Type %q: %d %s, want 415", rt.Method, rt.Path, ct, res.status, res.body)
					continue
				}
				if p := problemOf(t, res); p.Code != "unsupported_media_type" || p.Field != "Content-Type" {
					t.Errorf("%s %s with Content-Type %q: %+v", rt.Method, rt.Path, ct, p)
				}
			}
		}
		if after := s.logSize(); after != before {
			t.Errorf("the log grew from %d to %d on refused bodies", before, after)
		}
		// UTF-8 in any spelling is JSON's own charset: not refused for it
		// (the empty object may then be taken or refused as the route says).
		for _, rt := range routes {
			if rt.Request == nil || rt.Accepts != nil {
				continue
			}
			for _, ct := range []string{"application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"} {
				if res := s.raw("admin", rt.Method, concrete(rt.Path), `{}`, "Content-Type", ct); res.status == http.StatusUnsupportedMediaType {
					t.Errorf("%s %s with Content-Type %q: 415 %s", rt.Method, rt.Path, ct, res.body)
				}
			}
		}
		t.Logf("415 checked on %d routes with a body", n)
	})

	t.Run("400 for an unknown query parameter", func(t *testing.T) {
		before := s.logSize()
		n := 0
		for _, rt := range routes {
			n++
			path := concrete(rt.Path)
			// On the route's own valid request where the canary matrix
			// has one, else on its pattern.
			if reqs := rows[rt.Method+" "+rt.Path]; len(reqs) > 0 && reqs[0].method == rt.Method && reqs[0].json == "" {
				path = reqs[0].path
			}
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			var body, ct []string
			if hasBody(rt) {
				b, c := bodyOf(rt)
				body, ct = []string{b}, []string{"Content-Type", c}
			}
			res := s.raw("admin", rt.Method, path+sep+"zz_unknown=1", strings.Join(body, ""), ct...)
			if res.status != http.StatusBadRequest {
				t.Errorf("%s %s with zz_unknown: %d %s, want 400", rt.Method, path, res.status, res.body)
				continue
			}
			if p := problemOf(t, res); p.Field != "zz_unknown" || p.Code != "invalid" {
				t.Errorf("%s %s with zz_unknown: %+v", rt.Method, path, p)
			}
		}
		if after := s.logSize(); after != before {
			t.Errorf("the log grew from %d to %d on refused queries", before, after)
		}
		t.Logf("unknown parameter checked on %d routes", n)
	})

	t.Run("every documented parameter is taken", func(t *testing.T) {
		n := 0
		for _, rt := range routes {
			if rt.Method != "GET" {
				continue
			}
			path := concrete(rt.Path)
			if reqs := rows[rt.Method+" "+rt.Path]; len(reqs) > 0 {
				path, _, _ = strings.Cut(reqs[0].path, "?")
			}
			for _, q := range rt.Query {
				n++
				res := s.raw("admin", "GET", path+"?"+url.Values{q.Name: {"1"}}.Encode(), "")
				if res.status == http.StatusBadRequest && strings.Contains(string(res.body), "is not a parameter") {
					t.Errorf("GET %s?%s=1: refused as unknown: %s", path, q.Name, res.body)
				}
			}
		}
		t.Logf("%d documented parameters sent", n)
	})

	t.Run("304 for a current copy", func(t *testing.T) {
		n, records := 0, 0
		for _, rt := range routes {
			if rt.Method != "GET" {
				continue
			}
			reqs := rows["GET "+rt.Path]
			record := regexp.MustCompile(`^/api/v1/[a-z-]+/\{(id|sha256)\}$`).MatchString(rt.Path) && rt.Path != "/api/v1/reports/{id}"
			tagged := false
			for _, rq := range reqs {
				var res response
				var who string
				for _, role := range []string{"admin", "cochair", "monitor", "liaison-az", "liaison-am"} {
					if res = s.raw(role, "GET", rq.path, ""); res.status == http.StatusOK {
						who = role
						break
					}
				}
				etag := res.header.Get("ETag")
				if who == "" || etag == "" {
					continue
				}
				tagged = true
				n++
				for _, inm := range []string{etag, "W/" + etag, `"zz", ` + etag, "*"} {
					nm := s.raw(who, "GET", rq.path, "", "If-None-Match", inm)
					if nm.status != http.StatusNotModified || len(nm.body) != 0 || nm.header.Get("ETag") != etag {
						t.Errorf("GET %s If-None-Match %s: %d ETag %q body %d bytes, want 304 with the ETag and no body", rq.path, inm, nm.status, nm.header.Get("ETag"), len(nm.body))
					}
				}
				if other := s.raw(who, "GET", rq.path, "", "If-None-Match", `"zz-other"`); other.status != http.StatusOK || len(other.body) == 0 {
					t.Errorf("GET %s with another tag: %d, want 200 with the body", rq.path, other.status)
				}
			}
			if record {
				records++
				if !tagged {
					t.Errorf("GET %s: a record read answered no ETag", rt.Path)
				}
			}
		}
		t.Logf("304 checked on %d requests; %d record routes answer an ETag", n, records)
	})

	t.Run("If-Match: 428 without, 412 stale", func(t *testing.T) {
		for _, rt := range routes {
			if rt.Method == "PUT" && strings.HasSuffix(rt.Path, "}") && !rt.IfMatch {
				t.Errorf("%s %s replaces a record but is not marked IfMatch", rt.Method, rt.Path)
			}
		}
		before := s.logSize()
		n := 0
		for _, rt := range routes {
			if !rt.IfMatch {
				continue
			}
			n++
			end := strings.Index(rt.Path, "}") + 1
			recordRoute := "GET " + rt.Path[:end]
			reqs := rows[recordRoute]
			if len(reqs) == 0 {
				t.Errorf("%s %s: no readable record at %s in the canary matrix", rt.Method, rt.Path, recordRoute)
				continue
			}
			recordPath, _, _ := strings.Cut(reqs[0].path, "?")
			path := recordPath + rt.Path[end:]
			who, etag := "", ""
			for _, role := range []string{"admin", "cochair", "monitor", "liaison-az", "liaison-am", "humanitarian"} {
				if res := s.raw(role, "GET", recordPath, ""); res.status == http.StatusOK && res.header.Get("ETag") != "" {
					who, etag = role, res.header.Get("ETag")
					break
				}
			}
			if who == "" {
				t.Errorf("%s: no demo account reads %s with an ETag", rt.Path, recordPath)
				continue
			}
			body, ct := bodyOf(rt)
			res := s.raw(who, rt.Method, path, body, "Content-Type", ct)
			if p := problemOf(t, res); res.status != http.StatusPreconditionRequired || p.Code != "precondition_required" || p.Field != "If-Match" {
				t.Errorf("%s %s without If-Match: %d %s, want 428 naming If-Match", rt.Method, path, res.status, res.body)
			}
			for _, stale := range [][]string{{"If-Match", `"999999"`}, {"If-Match", "W/" + etag}, {"If-Match", `"999998", "999999"`}} {
				res := s.raw(who, rt.Method, path, body, "Content-Type", ct, stale[0], stale[1])
				if p := problemOf(t, res); res.status != http.StatusPreconditionFailed || p.Code != "precondition_failed" || p.Field != "If-Match" {
					t.Errorf("%s %s with %s: %s: %d %s, want 412 naming If-Match", rt.Method, path, stale[0], stale[1], res.status, res.body)
				}
			}
			if res := s.raw(who, rt.Method, path+"?version=999999", body, "Content-Type", ct); res.status != http.StatusPreconditionFailed {
				t.Errorf("%s %s?version=999999: %d %s, want 412", rt.Method, path, res.status, res.body)
			}
			// The current version passes the precondition: whatever the
			// handler then says of the empty body, it is not 412 nor 428.
			for _, cur := range []string{etag, "*", `"999999", ` + etag} {
				if res := s.raw(who, rt.Method, path, body, "Content-Type", ct, "If-Match", cur); res.status == http.StatusPreconditionFailed || res.status == http.StatusPreconditionRequired {
					t.Errorf("%s %s with the current If-Match %s: %d %s", rt.Method, path, cur, res.status, res.body)
				}
			}
		}
		if after := s.logSize(); after != before {
			t.Errorf("the log grew from %d to %d on refused updates", before, after)
		}
		t.Logf("If-Match checked on %d routes", n)
	})
}
