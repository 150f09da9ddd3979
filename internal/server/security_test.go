package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/errs"
)

// The tests in this file are the server's security contract, run against
// the real server with the demo loaded. Their helpers are named sec* so
// that they cannot clash with other test files of the package.

const (
	secCookieName = "truce_session"
	secCSRFHeader = "X-CSRF-Token"
)

// secRaw sends a request that carries no credentials but the headers given
// and does not follow redirects, so that a test sees a 303 and its
// Set-Cookie. Go's cookie jar would not send a Secure cookie over plain
// HTTP, so tests send the Cookie header themselves.
func secRaw(t *testing.T, s *testServer, method, path, contentType, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{
		Timeout:       time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// secForm posts an HTML form.
func secForm(t *testing.T, s *testServer, path string, form url.Values, headers ...string) response {
	t.Helper()
	return secRaw(t, s, "POST", path, "application/x-www-form-urlencoded", form.Encode(), headers...)
}

// secSetCookie returns the session cookie a response sets, or nil.
func secSetCookie(t *testing.T, res response) *http.Cookie {
	t.Helper()
	for _, line := range res.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if c.Name == secCookieName {
			return c
		}
	}
	return nil
}

// secPassword returns a demo account's password.
func secPassword(t *testing.T, s *testServer, username string) string {
	t.Helper()
	for _, a := range s.loaded.Accounts {
		if a.Username == username {
			return a.Password
		}
	}
	t.Fatalf("no demo account %q", username)
	return ""
}

// secUserID returns a demo account's user id.
func secUserID(t *testing.T, s *testServer, username string) string {
	t.Helper()
	for _, a := range s.loaded.Accounts {
		if a.Username == username {
			return a.ID
		}
	}
	t.Fatalf("no demo account %q", username)
	return ""
}

func secLoginJSON(username, password string) string {
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	return string(b)
}

// secSignIn signs in through the JSON API and returns the Cookie header
// value and the session's CSRF token.
func secSignIn(t *testing.T, s *testServer, username string) (cookie, csrf string) {
	t.Helper()
	res := s.with("").do("POST", "/api/v1/session", secLoginJSON(username, secPassword(t, s, username)))
	if res.status != http.StatusOK {
		t.Fatalf("sign in as %s: %d %s", username, res.status, res.body)
	}
	var info struct {
		CSRF string `json:"csrf"`
	}
	res.json(t, &info)
	c := secSetCookie(t, res)
	if c == nil || c.Value == "" || info.CSRF == "" {
		t.Fatalf("sign in as %s: no session cookie or CSRF token: %v %s", username, res.header, res.body)
	}
	return secCookieName + "=" + c.Value, info.CSRF
}

type secProblem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
}

// secWant checks a response's status and, for an error, its problem code.
func secWant(t *testing.T, what string, res response, status int, code string) {
	t.Helper()
	if res.status != status {
		t.Errorf("%s: status %d, want %d: %s", what, res.status, status, res.body)
		return
	}
	if code == "" {
		return
	}
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: content type %q, want application/problem+json", what, ct)
		return
	}
	var p secProblem
	res.json(t, &p)
	if p.Code != code || p.Status != status {
		t.Errorf("%s: problem %+v, want code %s status %d", what, p, code, status)
	}
}

// secAuthEvents counts the auth_events projection's rows by kind.
func secAuthEvents(t *testing.T, s *testServer) map[string]int {
	t.Helper()
	rows, err := s.app.DB.Query(context.Background(), `SELECT kind, COUNT(*) FROM auth_events GROUP BY kind`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			t.Fatal(err)
		}
		out[kind] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type secActor struct{ User, Org, Via string }

// secChangeActor returns who made the latest change of a record, as the
// change log holds it.
func secChangeActor(t *testing.T, s *testServer, entity, id string) secActor {
	t.Helper()
	var a secActor
	err := s.app.DB.QueryRow(context.Background(), `SELECT actor, org, via FROM changes WHERE entity = ? AND id = ? ORDER BY version DESC LIMIT 1`, entity, id).Scan(&a.User, &a.Org, &a.Via)
	if err != nil {
		t.Fatalf("change of %s %s: %v", entity, id, err)
	}
	a.Via = secViaKind(t, a.Via)
	return a
}

// secViaKind returns how a change came in (session, token, ...), and fails
// the test when a session's or token's via does not name it by its id
// ("session:ses_...", "token:tok_...").
func secViaKind(t *testing.T, via string) string {
	t.Helper()
	kind, id, named := strings.Cut(via, ":")
	switch kind {
	case "session", "token":
		if !named || !strings.HasPrefix(id, kind[:3]+"_") {
			t.Errorf("via %q names no %s", via, kind)
		}
	}
	return kind
}

// secListIDs lists every page of a collection and returns the ids.
func secListIDs(t *testing.T, s *testServer, path string) []string {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var ids []string
	cursor := ""
	for range 1000 {
		res := s.do("GET", path+sep+"limit=500&cursor="+url.QueryEscape(cursor), "")
		if res.status != http.StatusOK {
			t.Fatalf("list %s as %q: %d %s", path, s.as, res.status, res.body)
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Next string `json:"next"`
		}
		res.json(t, &page)
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.Next == "" {
			return ids
		}
		cursor = page.Next
	}
	t.Fatalf("list %s: too many pages", path)
	return nil
}

// secCreate creates a record as the current account and returns its id.
func secCreate(t *testing.T, s *testServer, path, body string, headers ...string) string {
	t.Helper()
	res := s.do("POST", path, body, headers...)
	if res.status != http.StatusCreated {
		t.Fatalf("create %s as %q: %d %s", path, s.as, res.status, res.body)
	}
	var rec struct {
		ID string `json:"id"`
	}
	res.json(t, &rec)
	return rec.ID
}

// secKnownBug fails the test when the server shows one of the bugs this
// suite found (all fixed since): it stays as a regression check.
func secKnownBug(t *testing.T, showsBug bool, format string, args ...any) {
	t.Helper()
	if showsBug {
		t.Fatalf("regression: "+format, args...)
	}
}

// secPlace is a valid place input with an extra JSON tail (a label).
func secPlace(name, label string) string {
	return `{"kind":"landmark","names":[{"lang":"en","name":"` + name + `"}],"location":{"lat":39.91,"lon":46.82}` + label + `}`
}

const secLayer = `{"kind":"site","subkind":"observation_post","name":"OP Need-to-know","valid_from":"2021-01-01T00:00:00Z","geometry":{"type":"Point","coordinates":[46.7,39.8]}`

// cspDirective returns the value of a directive of a Content-Security-Policy.
func cspDirective(csp, name string) (string, bool) {
	for _, d := range strings.Split(csp, ";") {
		d = strings.TrimSpace(d)
		if v, ok := strings.CutPrefix(d, name); ok && (v == "" || v[0] == ' ') {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// secCheckHeaders checks the headers every response must carry.
func secCheckHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	script, ok := cspDirective(csp, "script-src")
	if !ok {
		script, ok = cspDirective(csp, "default-src")
	}
	if !ok || strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'unsafe-eval'") || strings.Contains(script, "*") {
		t.Errorf("%s: Content-Security-Policy %q allows inline or foreign script", what, csp)
	}
	if fa, _ := cspDirective(csp, "frame-ancestors"); fa != "'none'" {
		t.Errorf("%s: Content-Security-Policy %q does not forbid framing", what, csp)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, got)
	}
	if got := h.Get("Referrer-Policy"); got == "" || got == "unsafe-url" || got == "no-referrer-when-downgrade" {
		t.Errorf("%s: Referrer-Policy %q", what, got)
	}
	if got := h.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("%s: X-Frame-Options %q", what, got)
	}
}

var secErrorParagraph = regexp.MustCompile(`<p class="error" role="alert">([^<]*)</p>`)

var secCSRFField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// secInlineScript finds a script element with content or an event handler
// attribute: what a CSP without 'unsafe-inline' would block.
var secInlineScript = regexp.MustCompile(`(?i)<script(\s[^>]*)?>\s*[^<\s]|\son[a-z]+\s*=`)

// TestSessionThroughAPI signs in with JSON and uses the session cookie: it
// works for reading, writes need the CSRF header and the same origin, and
// after sign-out the cookie is worth nothing.
func TestSessionThroughAPI(t *testing.T) {
	s := start(t)
	anon := s.with("")
	cookie, csrf := secSignIn(t, s, "monitor")
	cookieOnly := []string{"Cookie", cookie}

	res := anon.do("GET", "/api/v1/me", "", cookieOnly...)
	secWant(t, "me with the cookie", res, 200, "")
	var me struct {
		Principal struct {
			UserID   string `json:"user_id"`
			Username string `json:"username"`
			Org      string `json:"org"`
			Via      string `json:"via"`
		} `json:"principal"`
	}
	res.json(t, &me)
	if me.Principal.Username != "monitor" || secViaKind(t, me.Principal.Via) != "session" || me.Principal.UserID != secUserID(t, s, "monitor") || me.Principal.Org != s.loaded.Orgs["JMC"] {
		t.Errorf("me: %+v", me.Principal)
	}

	place := secPlace("Session test post", "")
	refused := []struct {
		name    string
		headers []string
		code    string
	}{
		{"no CSRF header", cookieOnly, "forbidden"},
		{"wrong CSRF token", []string{"Cookie", cookie, secCSRFHeader, strings.Repeat("A", len(csrf))}, "forbidden"},
		{"CSRF token of another session", nil, "forbidden"}, // filled in below
		{"foreign Origin", []string{"Cookie", cookie, secCSRFHeader, csrf, "Origin", "https://evil.example"}, "forbidden"},
		{"foreign Origin on the same host name, other port", []string{"Cookie", cookie, secCSRFHeader, csrf, "Origin", "http://127.0.0.1:1"}, "forbidden"},
	}
	_, otherCSRF := secSignIn(t, s, "analyst")
	refused[2].headers = []string{"Cookie", cookie, secCSRFHeader, otherCSRF}
	for _, tc := range refused {
		before := s.peopleChanges()
		res := anon.do("POST", "/api/v1/places", place, tc.headers...)
		secWant(t, "write with "+tc.name, res, 403, tc.code)
		if after := s.peopleChanges(); after != before {
			t.Errorf("write with %s: log grew from %d to %d", tc.name, before, after)
		}
	}

	before := s.peopleChanges()
	id := secCreate(t, anon, "/api/v1/places", place, "Cookie", cookie, secCSRFHeader, csrf)
	if s.peopleChanges() != before+1 {
		t.Errorf("write with the CSRF header: log grew by %d, want 1", s.peopleChanges()-before)
	}
	secCreate(t, anon, "/api/v1/places", secPlace("Same origin post", ""), "Cookie", cookie, secCSRFHeader, csrf, "Origin", s.url)
	if a := secChangeActor(t, s, "place", id); a != (secActor{secUserID(t, s, "monitor"), s.loaded.Orgs["JMC"], "session"}) {
		t.Errorf("change made through the session recorded as %+v", a)
	}

	// Signing out is a state change too: it needs the CSRF header.
	secWant(t, "sign out without CSRF", anon.do("DELETE", "/api/v1/session", "", cookieOnly...), 403, "forbidden")
	secWant(t, "still signed in", anon.do("GET", "/api/v1/me", "", cookieOnly...), 200, "")
	res = anon.do("DELETE", "/api/v1/session", "", "Cookie", cookie, secCSRFHeader, csrf)
	secWant(t, "sign out", res, 204, "")
	if c := secSetCookie(t, res); c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("sign out does not clear the cookie: %v", res.header.Values("Set-Cookie"))
	}
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/me", ""},
		{"GET", "/api/v1/places", ""},
		{"POST", "/api/v1/places", place},
	} {
		res := anon.do(tc.method, tc.path, tc.body, "Cookie", cookie, secCSRFHeader, csrf)
		secWant(t, "ended session: "+tc.method+" "+tc.path, res, 401, "unauthenticated")
		if res.header.Get("WWW-Authenticate") == "" {
			t.Errorf("ended session: %s %s: no WWW-Authenticate", tc.method, tc.path)
		}
	}
}

// TestSessionThroughBrowserForm signs in and out as a browser does.
func TestSessionThroughBrowserForm(t *testing.T) {
	s := start(t)
	res := secRaw(t, s, "GET", "/login", "", "")
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /login: %d %q", res.status, res.header.Get("Content-Type"))
	}
	secCheckHeaders(t, "GET /login", res.header)
	if secInlineScript.Match(res.body) {
		t.Errorf("the sign-in page has inline script: %s", secInlineScript.Find(res.body))
	}

	// Open redirects after sign-in are refused; a local path is kept.
	for _, tc := range []struct{ next, want string }{
		{"/places?x=1", "/places?x=1"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example/", "/"}, // browsers read a backslash as a slash
		{"javascript:alert(1)", "/"},
	} {
		t.Run("next="+tc.next, func(t *testing.T) {
			res := secSignInForm(t, s, url.Values{"username": {"analyst"}, "password": {secPassword(t, s, "analyst")}, "next": {tc.next}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("sign in: %d %s", res.status, res.body)
			}
			loc := res.header.Get("Location")
			secKnownBug(t, tc.next == "/\\evil.example/" && loc == tc.next,
				"safeNext (internal/server/pages.go) keeps %q: Location %q, which browsers follow to evil.example", tc.next, loc)
			if loc != tc.want {
				t.Errorf("Location %q, want %q", loc, tc.want)
			}
		})
	}

	res = secSignInForm(t, s, url.Values{"username": {"monitor"}, "password": {secPassword(t, s, "monitor")}, "next": {"/"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
		t.Fatalf("sign in: %d Location %q %s", res.status, res.header.Get("Location"), res.body)
	}
	secCheckHeaders(t, "POST /login", res.header)
	c := secSetCookie(t, res)
	if c == nil {
		t.Fatalf("sign in sets no session cookie: %v", res.header.Values("Set-Cookie"))
	}
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 || c.Value == "" {
		t.Errorf("session cookie %q: want HttpOnly, Secure, SameSite=Lax, Path=/ and a positive Max-Age", res.header.Get("Set-Cookie"))
	}
	cookie := secCookieName + "=" + c.Value

	home := secRaw(t, s, "GET", "/", "", "", "Cookie", cookie)
	if home.status != 200 || !strings.Contains(string(home.body), "monitor") {
		t.Fatalf("home with the cookie: %d %s", home.status, home.body)
	}
	secCheckHeaders(t, "GET /", home.header)
	m := secCSRFField.FindSubmatch(home.body)
	if m == nil {
		t.Fatalf("home page has no CSRF field: %s", home.body)
	}
	csrf := string(m[1])

	for _, tc := range []struct {
		name string
		form url.Values
		hdr  []string
	}{
		{"no csrf field", url.Values{}, nil},
		{"wrong csrf field", url.Values{"csrf": {otherFirst(csrf)}}, nil},
		{"foreign Origin", url.Values{"csrf": {csrf}}, []string{"Origin", "https://evil.example"}},
	} {
		res := secForm(t, s, "/logout", tc.form, append([]string{"Cookie", cookie}, tc.hdr...)...)
		secWant(t, "sign out with "+tc.name, res, 403, "forbidden")
		if got := secRaw(t, s, "GET", "/api/v1/me", "", "", "Cookie", cookie); got.status != 200 {
			t.Fatalf("after refused sign out (%s) the session ended: %d", tc.name, got.status)
		}
	}

	res = secForm(t, s, "/logout", url.Values{"csrf": {csrf}}, "Cookie", cookie)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
		t.Fatalf("sign out: %d Location %q %s", res.status, res.header.Get("Location"), res.body)
	}
	if c := secSetCookie(t, res); c == nil || c.MaxAge >= 0 {
		t.Errorf("sign out does not clear the cookie: %v", res.header.Values("Set-Cookie"))
	}
	ended := secRaw(t, s, "GET", "/api/v1/me", "", "", "Cookie", cookie)
	secKnownBug(t, ended.status == 200,
		"POST /logout clears the cookie but the session stays valid: Authenticate (internal/account/session.go) returns a Session without ID, so logout (internal/server/pages.go) calls Logout with \"\"")
	secWant(t, "API with the ended session", ended, 401, "unauthenticated")
	if res := secRaw(t, s, "GET", "/", "", "", "Cookie", cookie); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Errorf("home with the ended session: %d Location %q", res.status, res.header.Get("Location"))
	}
}

// TestSignInRefusalsAreAllAlike: whatever is wrong with a sign-in, the
// answer is the same 401 with the same words, so that nobody learns
// whether an account exists.
func TestSignInRefusalsAreAllAlike(t *testing.T) {
	s := start(t)
	anon := s.with("")
	long := strings.Repeat("a", 10_000)
	right := secPassword(t, s, "analyst")

	t.Run("JSON", func(t *testing.T) {
		cases := []struct{ name, username, password string }{
			{"empty name", "", right},
			{"10,000-byte name", long, right},
			{"no such account", "nobody-here", right},
			{"wrong password", "analyst", right + "x"},
			{"password too long to be anyone's", "analyst", strings.Repeat("p", 5000)},
			{"name with a NUL", "analyst\x00", right},
		}
		var first []byte
		for _, tc := range cases {
			res := secAfterWait(t, func() response { return anon.do("POST", "/api/v1/session", secLoginJSON(tc.username, tc.password)) })
			secWant(t, tc.name, res, 401, "unauthenticated")
			if secSetCookie(t, res) != nil {
				t.Errorf("%s: refused sign-in sets a cookie", tc.name)
			}
			if first == nil {
				first = res.body
			} else if string(res.body) != string(first) {
				t.Errorf("%s: answer differs from the others:\n%s\n%s", tc.name, res.body, first)
			}
		}
	})

	t.Run("form", func(t *testing.T) {
		cases := []struct{ name, body string }{
			{"empty name", "username=&password=" + url.QueryEscape(right)},
			{"10,000-byte name", "username=" + long + "&password=" + url.QueryEscape(right)},
			{"name that is not UTF-8", "username=%ff%fe%fd&password=" + url.QueryEscape(right)},
			{"no such account", "username=nobody-here&password=" + url.QueryEscape(right)},
			{"wrong password", "username=analyst&password=" + url.QueryEscape(right+"x")},
		}
		var first string
		cookie, token := secLoginForm(t, s)
		for _, tc := range cases {
			res := secAfterWait(t, func() response {
				return secRaw(t, s, "POST", "/login", "application/x-www-form-urlencoded", tc.body+"&login_csrf="+token, "Cookie", cookie)
			})
			if res.status != 401 {
				t.Errorf("%s: status %d, want 401", tc.name, res.status)
			}
			if secSetCookie(t, res) != nil {
				t.Errorf("%s: refused sign-in sets a cookie", tc.name)
			}
			m := secErrorParagraph.FindSubmatch(res.body)
			if m == nil {
				t.Errorf("%s: no error message in %s", tc.name, res.body)
				continue
			}
			if first == "" {
				first = string(m[1])
			} else if string(m[1]) != first {
				t.Errorf("%s: message %q differs from %q", tc.name, m[1], first)
			}
			if strings.Contains(string(res.body), long) {
				t.Errorf("%s: the page repeats a 10,000-byte name", tc.name)
			}
		}
	})

	// The refusals left the account usable: none of them locked it (all
	// came from one address, which waits a moment after ten failures).
	if res := secAfterWait(t, func() response { return s.with("").do("POST", "/api/v1/session", secLoginJSON("analyst", right)) }); res.status != 200 {
		t.Errorf("sign in after the refusals: %d %s", res.status, res.body)
	}
}

// TestRepeatedFailedSignInsAreThrottled: after three wrong passwords for
// an account from one address, further tries of that account from that
// address wait, even with the right password, with 429 and Retry-After;
// unknown names are throttled the same way. Other accounts, and the same
// account from other addresses, are not held back (see signin_test.go).
func TestRepeatedFailedSignInsAreThrottled(t *testing.T) {
	s := start(t)
	anon := s.with("")
	events := secAuthEvents(t, s)
	for _, name := range []string{"observer", "no-such-user"} {
		for i := range 3 {
			res := anon.do("POST", "/api/v1/session", secLoginJSON(name, fmt.Sprintf("wrong password %d", i)))
			secWant(t, fmt.Sprintf("%s: wrong password %d", name, i+1), res, 401, "unauthenticated")
		}
		password := "whatever it is"
		if name == "observer" {
			password = secPassword(t, s, name)
		}
		res := anon.do("POST", "/api/v1/session", secLoginJSON(name, password))
		secWant(t, name+": fourth attempt at once", res, 429, "too_many_requests")
		if secs, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || secs <= 0 || secs > 5*60 {
			t.Errorf("%s: Retry-After %q, want whole seconds in (0, 300]", name, res.header.Get("Retry-After"))
		}
		if secSetCookie(t, res) != nil {
			t.Errorf("%s: a throttled sign-in sets a cookie", name)
		}
		if name != "observer" {
			continue
		}
		// The form refuses the throttled account the same way (at once:
		// the first wait is a second).
		res = secSignInForm(t, s, url.Values{"username": {"observer"}, "password": {secPassword(t, s, "observer")}})
		if res.status != 429 {
			t.Errorf("form sign-in of the throttled account: %d, want 429", res.status)
		}
		t.Run("form answer has Retry-After", func(t *testing.T) {
			if res.header.Get("Retry-After") == "" {
				t.Errorf("no Retry-After")
			}
		})
	}
	// Four failures each: three wrong passwords and the first refusal of
	// the wait (later refusals of the same wait are not recorded again).
	if got := secAuthEvents(t, s)["login_failed"] - events["login_failed"]; got != 8 {
		t.Errorf("%d login_failed events, want 8", got)
	}

	// Another account from the same address is not held back.
	secSignIn(t, s, "analyst")
}

// TestBearerTokens: every kind of bad token is refused with 401 and
// WWW-Authenticate; tokens are created, listed and revoked only by their
// owner (or an admin).
func TestBearerTokens(t *testing.T) {
	s := start(t)
	anon := s.with("")
	good := s.tokens["liaison-az"]
	az, azID, amID := s.loaded.Orgs["AZ"], secUserID(t, s, "liaison-az"), secUserID(t, s, "liaison-am")

	me := func(token string) response { return anon.do("GET", "/api/v1/me", "", "Authorization", "Bearer "+token) }
	secWant(t, "the good token", me(good), 200, "")

	// A liaison creates a token for itself; it works.
	res := s.with("liaison-az").do("POST", "/api/v1/tokens", `{"name":"laptop"}`)
	secWant(t, "liaison creates its own token", res, 201, "")
	var own struct{ ID, User, Secret string }
	res.json(t, &own)
	if own.User != azID || !strings.HasPrefix(own.Secret, "truce_"+own.ID+"_") {
		t.Fatalf("new token %+v", own)
	}
	secWant(t, "the new token", me(own.Secret), 200, "")

	// Nobody but an admin acts on another user's tokens.
	secWant(t, "liaison asks for another user's token", s.with("liaison-az").do("POST", "/api/v1/tokens", `{"user":"`+amID+`","name":"theirs"}`), 403, "forbidden")
	secWant(t, "liaison lists another user's tokens", s.with("liaison-az").do("GET", "/api/v1/tokens?user="+amID, ""), 403, "forbidden")
	secWant(t, "liaison revokes another user's token", s.with("liaison-am").do("DELETE", "/api/v1/tokens/"+own.ID, ""), 404, "not_found")
	secWant(t, "the token after the refused revocation", me(own.Secret), 200, "")

	// Revoked by its owner.
	secWant(t, "owner revokes", s.with("liaison-az").do("DELETE", "/api/v1/tokens/"+own.ID, ""), 200, "")
	secWant(t, "revoke again", s.with("liaison-az").do("DELETE", "/api/v1/tokens/"+own.ID, ""), 409, "conflict")
	revoked := own.Secret

	// Expired.
	res = s.with("liaison-az").do("POST", "/api/v1/tokens", `{"name":"short","expires_in":"1ms"}`)
	secWant(t, "create a short-lived token", res, 201, "")
	var short struct {
		Secret    string    `json:"secret"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	res.json(t, &short)
	time.Sleep(time.Until(short.ExpiresAt) + 10*time.Millisecond)
	expired := short.Secret

	// Of a user since disabled by an admin. A liaison account is created
	// by the operator (an admin's would wait for a co-chair), and its token
	// is the user's own: nobody makes one for another user.
	ctx := context.Background()
	created, _, err := s.app.Accounts.CreateUser(ctx, operator, account.UserInput{Username: "temp-liaison", DisplayName: "Temporary liaison", Org: az, Roles: []access.Role{access.Liaison}}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	u := struct{ ID string }{created.ID}
	secWant(t, "admin creates a token for another user", s.do("POST", "/api/v1/tokens", `{"user":"`+u.ID+`","name":"theirs"}`), 403, "forbidden")
	_, secret, err := s.app.Accounts.CreateToken(ctx, operator, u.ID, "theirs", 0)
	if err != nil {
		t.Fatal(err)
	}
	theirs := struct{ Secret string }{secret}
	secWant(t, "the other user's token", me(theirs.Secret), 200, "")
	etag := s.do("GET", "/api/v1/users/"+u.ID, "").header.Get("ETag")
	res = s.do("PUT", "/api/v1/users/"+u.ID, `{"display_name":"Temporary liaison","org":"`+az+`","roles":["liaison"],"disabled":true}`, "If-Match", etag)
	secWant(t, "admin disables the user", res, 200, "")
	disabled := theirs.Secret

	n := len(good)
	changed := []byte(good)
	mid := n - 20 // a character in the middle of the secret
	changed[mid] = map[bool]byte{true: 'B', false: 'A'}[changed[mid] == 'A']
	changedID := []byte(good)
	changedID[len("truce_tok_")+3] = map[bool]byte{true: 'b', false: 'a'}[changedID[len("truce_tok_")+3] == 'a']
	cases := []struct{ name, header string }{
		{"truncated", "Bearer " + good[:n-1]},
		{"cut in half", "Bearer " + good[:n/2]},
		{"one character of the secret changed", "Bearer " + string(changed)},
		{"one character of the id changed", "Bearer " + string(changedID)},
		{"wrong prefix", "Bearer trace_" + good[len("truce_"):]},
		{"another user's id with this secret", "Bearer " + s.tokens["liaison-am"][:len(good)-44] + good[len(good)-44:]},
		{"empty", "Bearer "},
		{"not a bearer scheme", "Basic " + good},
		{"no scheme", good},
		{"expired", "Bearer " + expired},
		{"revoked", "Bearer " + revoked},
		{"of a disabled user", "Bearer " + disabled},
	}
	for _, tc := range cases {
		before := s.peopleChanges()
		for _, r := range []struct{ method, path, body string }{{"GET", "/api/v1/me", ""}, {"POST", "/api/v1/places", secPlace("Token test", "")}} {
			res := anon.do(r.method, r.path, r.body, "Authorization", tc.header)
			secWant(t, tc.name+": "+r.method+" "+r.path, res, 401, "unauthenticated")
			if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q", tc.name, res.header.Get("WWW-Authenticate"))
			}
		}
		if s.peopleChanges() != before {
			t.Errorf("%s: log grew", tc.name)
		}
	}
	if _, _, err := s.app.Accounts.CreateToken(ctx, operator, u.ID, "again", 0); errs.CodeOf(err) != errs.CodeInvalid {
		t.Errorf("a disabled user given a token: %v", err)
	}
	secWant(t, "the good token still works", me(good), 200, "")
}

// TestNeedToKnow: a restricted place is seen by its owner and the
// organisations named, and by nobody else, who cannot even tell it exists;
// mission material is for every account and nobody anonymous.
func TestNeedToKnow(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	res := s.do("POST", "/api/v1/places", secPlace("Zebra Hill depot", `,"classification":"restricted","restricted_to":["`+az+`"]`))
	secWant(t, "admin creates a restricted place", res, 201, "")
	var place struct {
		ID             string   `json:"id"`
		Classification string   `json:"classification"`
		OwnerOrg       string   `json:"owner_org"`
		RestrictedTo   []string `json:"restricted_to"`
	}
	res.json(t, &place)
	if place.Classification != "restricted" || place.OwnerOrg != s.loaded.Orgs["JMC"] || !slices.Equal(place.RestrictedTo, []string{az}) {
		t.Fatalf("restricted place %+v", place)
	}
	missing := "plc_00000000000000000000"

	for _, user := range []string{"admin", "cochair", "monitor", "analyst", "liaison-az"} {
		as := s.with(user)
		secWant(t, user+" reads the restricted place", as.do("GET", "/api/v1/places/"+place.ID, ""), 200, "")
		secWant(t, user+" reads its history", as.do("GET", "/api/v1/history/place/"+place.ID, ""), 200, "")
		if ids := secListIDs(t, as, "/api/v1/places"); !slices.Contains(ids, place.ID) {
			t.Errorf("%s does not see the restricted place in the list", user)
		}
		if ids := secListIDs(t, as, "/api/v1/places?q=zebra"); !slices.Equal(ids, []string{place.ID}) {
			t.Errorf("%s searching for it finds %v", user, ids)
		}
	}
	for _, user := range []string{"liaison-am", "observer", "humanitarian"} {
		t.Run(user, func(t *testing.T) {
			as := s.with(user)
			hidden := as.do("GET", "/api/v1/places/"+place.ID, "")
			secWant(t, "read", hidden, 404, "not_found")
			hiddenHist := as.do("GET", "/api/v1/history/place/"+place.ID, "")
			secWant(t, "history", hiddenHist, 404, "not_found")
			if ids := secListIDs(t, as, "/api/v1/places"); slices.Contains(ids, place.ID) || len(ids) == 0 {
				t.Errorf("list of %d places shows the restricted place: %v", len(ids), slices.Contains(ids, place.ID))
			}
			if ids := secListIDs(t, as, "/api/v1/places?q=zebra"); len(ids) != 0 {
				t.Errorf("search finds %v", ids)
			}
			if strings.Contains(string(as.do("GET", "/api/v1/geo/locate?lat=39.91&lon=46.82&at=2021-06-12T10:00:00Z", "").body), place.ID) {
				t.Errorf("locate names the restricted place")
			}
			// A hidden record and a missing one must answer alike.
			var a, b secProblem
			hidden.json(t, &a)
			as.do("GET", "/api/v1/places/"+missing, "").json(t, &b)
			var ha, hb secProblem
			hiddenHist.json(t, &ha)
			as.do("GET", "/api/v1/history/place/"+missing, "").json(t, &hb)
			// The answers differ only by the id asked for.
			a.Detail, b.Detail = strings.ReplaceAll(a.Detail, place.ID, "ID"), strings.ReplaceAll(b.Detail, missing, "ID")
			ha.Detail, hb.Detail = strings.ReplaceAll(ha.Detail, place.ID, "ID"), strings.ReplaceAll(hb.Detail, missing, "ID")
			secKnownBug(t, a != b || ha != hb,
				"a hidden place and a missing one answer differently: read %q vs %q; history %q vs %q",
				a.Detail, b.Detail, ha.Detail, hb.Detail)
		})
	}

	// Restricted to the other side: liaison-az is now the outsider.
	res = s.do("POST", "/api/v1/layers", secLayer+`,"classification":"restricted","restricted_to":["`+am+`"]}`)
	secWant(t, "admin creates a restricted layer", res, 201, "")
	var amLayer struct{ ID string }
	res.json(t, &amLayer)
	secWant(t, "liaison-am reads the layer restricted to AM", s.with("liaison-am").do("GET", "/api/v1/layers/"+amLayer.ID, ""), 200, "")
	secWant(t, "liaison-az reads the layer restricted to AM", s.with("liaison-az").do("GET", "/api/v1/layers/"+amLayer.ID, ""), 404, "not_found")
	if ids := secListIDs(t, s.with("liaison-az"), "/api/v1/layers"); slices.Contains(ids, amLayer.ID) {
		t.Errorf("liaison-az lists the layer restricted to AM")
	}

	// A mission layer: every account, nobody anonymous.
	res = s.do("POST", "/api/v1/layers", secLayer+`}`)
	secWant(t, "admin creates a layer", res, 201, "")
	var layer struct{ ID, Classification string }
	res.json(t, &layer)
	if layer.Classification != "mission" {
		t.Errorf("a layer without a label is %q, want mission", layer.Classification)
	}
	for _, a := range s.loaded.Accounts {
		as := s.with(a.Username)
		secWant(t, a.Username+" reads the mission layer", as.do("GET", "/api/v1/layers/"+layer.ID, ""), 200, "")
		if ids := secListIDs(t, as, "/api/v1/layers"); !slices.Contains(ids, layer.ID) {
			t.Errorf("%s does not list the mission layer", a.Username)
		}
	}

	anon := s.with("")
	for _, path := range []string{
		"/api/v1/places", "/api/v1/places?q=zebra", "/api/v1/places/" + place.ID, "/api/v1/places/" + missing,
		"/api/v1/layers", "/api/v1/layers/" + layer.ID, "/api/v1/history/place/" + place.ID,
		"/api/v1/geo/locate?lat=39.9&lon=46.8", "/api/v1/me", "/api/v1/users", "/api/v1/tokens",
	} {
		res := anon.do("GET", path, "")
		secWant(t, "anonymous GET "+path, res, 401, "unauthenticated")
		if strings.Contains(string(res.body), "Zebra") {
			t.Errorf("anonymous GET %s shows the restricted place", path)
		}
	}
	if err := s.app.DB.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Whether /api/v1/openapi.json is public is TestPolicyMatrix's to say.
	for _, path := range []string{"/healthz", "/log/checkpoint", "/log/key"} {
		secWant(t, "anonymous GET "+path, anon.do("GET", path, ""), 200, "")
	}
}

// TestAccountHistoryIsNotForEveryone: the history route must not show
// accounts, tokens or sign-ins to those who may not manage accounts.
func TestAccountHistoryIsNotForEveryone(t *testing.T) {
	s := start(t)
	adminID := secUserID(t, s, "admin")
	secWant(t, "liaison reads the admin's account", s.with("liaison-am").do("GET", "/api/v1/users/"+adminID, ""), 403, "forbidden")
	secWant(t, "admin reads the admin's account history", s.do("GET", "/api/v1/history/user/"+adminID, ""), 200, "")
	secSignIn(t, s, "liaison-az")
	var event string
	if err := s.app.DB.QueryRow(context.Background(), `SELECT id FROM auth_events WHERE kind = 'login' LIMIT 1`).Scan(&event); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path string }{
		{"a user", "/api/v1/history/user/" + adminID},
		{"a sign-in", "/api/v1/history/auth_event/" + event},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := s.with("liaison-am").do("GET", tc.path, "")
			secKnownBug(t, res.status == 200,
				"GET %s answers 200 to liaison-am with the bodies (api.resourceFor in internal/api/log.go treats unregistered entities as mission material): %.200s",
				tc.path, res.body)
			if res.status != 403 && res.status != 404 {
				t.Errorf("liaison-am GET %s: %d, want 403 or 404", tc.path, res.status)
			}
		})
	}
}

// TestRolesOnWrites: who may create what.
func TestRolesOnWrites(t *testing.T) {
	s := start(t)
	ag, az := s.loaded.Agreement, s.loaded.Orgs["AZ"]
	org := `{"name":"Roles test organisation","kind":"media"}`
	agreement := `{"title":"A test agreement","signed_at":"2021-01-01T00:00:00Z","in_force_at":"2021-01-02T00:00:00Z","signatories":["` + az + `"],"parties":["` + az + `"]}`
	provision := `{"agreement_id":"` + ag + `","number":"99","summary":"A test provision.","obligated":["` + az + `"]}`
	cases := []struct {
		user, path, body string
		status           int
	}{
		{"observer", "/api/v1/places", secPlace("Observer place", ""), 403},
		{"observer", "/api/v1/layers", secLayer + "}", 403},
		{"observer", "/api/v1/organisations", org, 403},
		{"liaison-az", "/api/v1/organisations", org, 403},
		{"liaison-az", "/api/v1/places", secPlace("Liaison place", ""), 403},
		{"liaison-az", "/api/v1/agreements", agreement, 403},
		{"liaison-am", "/api/v1/users", `{"username":"sneaky","display_name":"S","org":"` + az + `","roles":["admin"],"password":"a long enough password"}`, 403},
		{"humanitarian", "/api/v1/layers", secLayer + "}", 403},
		{"monitor", "/api/v1/agreements", agreement, 403},
		{"monitor", "/api/v1/organisations", org, 403},
		{"monitor", "/api/v1/places", secPlace("Monitor place", ""), 201},
		{"analyst", "/api/v1/layers", secLayer + "}", 201},
		{"analyst", "/api/v1/provisions", provision, 201},
		{"cochair", "/api/v1/agreements", agreement, 201},
		{"admin", "/api/v1/organisations", org, 201},
	}
	for _, tc := range cases {
		before := s.peopleChanges()
		res := s.with(tc.user).do("POST", tc.path, tc.body)
		code := ""
		if tc.status == 403 {
			code = "forbidden"
		}
		secWant(t, tc.user+" POST "+tc.path, res, tc.status, code)
		grew := s.peopleChanges() - before
		if want := map[bool]int64{true: 1, false: 0}[tc.status == 201]; grew != want {
			t.Errorf("%s POST %s: log grew by %d, want %d", tc.user, tc.path, grew, want)
		}
	}
}

// TestAuthIsLogged: every sign-in, sign-out, failed sign-in, token
// creation and revocation enters the log, and every change names the
// user, organisation and channel it came through.
func TestAuthIsLogged(t *testing.T) {
	s := start(t)
	anon := s.with("")
	monitor, jmc := secUserID(t, s, "monitor"), s.loaded.Orgs["JMC"]
	before := secAuthEvents(t, s)

	secWant(t, "failed sign-in", anon.do("POST", "/api/v1/session", secLoginJSON("monitor", "not the password")), 401, "unauthenticated")
	secWant(t, "failed sign-in of nobody", anon.do("POST", "/api/v1/session", secLoginJSON("nobody-here", "not the password")), 401, "unauthenticated")
	cookie, csrf := secSignIn(t, s, "monitor")
	session := []string{"Cookie", cookie, secCSRFHeader, csrf}

	res := anon.do("POST", "/api/v1/tokens", `{"name":"made in a session"}`, session...)
	secWant(t, "token through the session", res, 201, "")
	var tok struct{ ID, Secret string }
	res.json(t, &tok)
	secWant(t, "revoke through the session", anon.do("DELETE", "/api/v1/tokens/"+tok.ID, "", session...), 200, "")
	res = s.with("analyst").do("POST", "/api/v1/tokens", `{"name":"made with a token"}`)
	secWant(t, "token through a token", res, 201, "")
	var tok2 struct{ ID string }
	res.json(t, &tok2)

	bySession := secCreate(t, anon, "/api/v1/places", secPlace("Made in a session", ""), session...)
	byToken := secCreate(t, s.with("analyst"), "/api/v1/places", secPlace("Made with a token", ""))
	secWant(t, "sign out", anon.do("DELETE", "/api/v1/session", "", session...), 204, "")

	after := secAuthEvents(t, s)
	want := map[string]int{"login": 1, "login_failed": 2, "logout": 1, "token_created": 2, "token_revoked": 1}
	for _, kind := range []string{"login", "login_failed", "logout", "token_created", "token_revoked"} {
		if got := after[kind] - before[kind]; got != want[kind] {
			t.Errorf("%s events: %d more, want %d", kind, got, want[kind])
		}
	}
	for kind := range after {
		if _, ok := want[kind]; !ok && after[kind] != before[kind] {
			t.Errorf("unexpected %s events", kind)
		}
	}

	analyst := secUserID(t, s, "analyst")
	for _, tc := range []struct {
		name, entity, id string
		want             secActor
	}{
		{"place made in a session", "place", bySession, secActor{monitor, jmc, "session"}},
		{"place made with a token", "place", byToken, secActor{analyst, jmc, "token"}},
		{"token made in a session, revoked", "token", tok.ID, secActor{monitor, jmc, "session"}},
		{"token made with a token", "token", tok2.ID, secActor{analyst, jmc, "token"}},
	} {
		if got := secChangeActor(t, s, tc.entity, tc.id); got != tc.want {
			t.Errorf("%s: change by %+v, want %+v", tc.name, got, tc.want)
		}
	}
	// The sign-in, the sign-out and the failures are attributed too.
	rows, err := s.app.DB.Query(context.Background(), `SELECT e.kind, c.actor, c.org, c.via FROM auth_events e
		JOIN changes c ON c.entity = 'auth_event' AND c.id = e.id ORDER BY c.seq DESC LIMIT 7`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string][]secActor{}
	for rows.Next() {
		var kind string
		var a secActor
		if err := rows.Scan(&kind, &a.User, &a.Org, &a.Via); err != nil {
			t.Fatal(err)
		}
		if a.User != "anonymous" {
			a.Via = secViaKind(t, a.Via)
		}
		got[kind] = append(got[kind], a)
	}
	for kind, want := range map[string]secActor{
		"login":  {monitor, jmc, "session"},
		"logout": {monitor, jmc, "session"},
	} {
		if len(got[kind]) != 1 || got[kind][0] != want {
			t.Errorf("%s recorded as %+v, want %+v", kind, got[kind], want)
		}
	}
	for _, a := range got["login_failed"] {
		if a.User != "anonymous" || a.Org != "" {
			t.Errorf("failed sign-in recorded as %+v, want anonymous", a)
		}
	}
}

// TestSecurityHeadersEverywhere: HTML, JSON, problems, redirects, static
// files and unknown paths all carry the security headers.
func TestSecurityHeadersEverywhere(t *testing.T) {
	s := start(t)
	login := secRaw(t, s, "GET", "/login", "", "")
	asset := regexp.MustCompile(`href="(/static/[^"]+)"`).FindSubmatch(login.body)
	if asset == nil {
		t.Fatalf("no stylesheet in %s", login.body)
	}
	token := "Bearer " + s.tokens["monitor"]
	cases := []struct {
		name, method, path, contentType, body string
		headers                               []string
		status                                int
	}{
		{"sign-in page", "GET", "/login", "", "", nil, 200},
		{"home redirects", "GET", "/", "", "", nil, 303},
		{"form sign-in without its token", "POST", "/login", "application/x-www-form-urlencoded", "username=x&password=y", nil, 403},
		{"stylesheet", "GET", string(asset[1]), "", "", nil, 200},
		{"JSON list", "GET", "/api/v1/places", "", "", []string{"Authorization", token}, 200},
		{"JSON record", "GET", "/api/v1/organisations/" + s.loaded.Orgs["AZ"], "", "", []string{"Authorization", token}, 200},
		{"JSON 401", "GET", "/api/v1/places", "", "", nil, 401},
		{"JSON 403", "POST", "/api/v1/agreements", "application/json", "{}", []string{"Authorization", token}, 403},
		{"JSON 404", "GET", "/api/v1/places/plc_nothing", "", "", []string{"Authorization", token}, 404},
		{"unknown API path", "GET", "/api/v1/nothing", "", "", nil, 404},
		{"unknown page", "GET", "/nothing", "", "", nil, 404},
		{"wrong method", "PATCH", "/api/v1/places", "", "", []string{"Authorization", token}, 0}, // 404 or 405
		{"health", "GET", "/healthz", "", "", nil, 200},
		{"log key", "GET", "/log/key", "", "", nil, 200},
		{"openapi", "GET", "/api/v1/openapi.json", "", "", []string{"Authorization", token}, 200},
	}
	for _, tc := range cases {
		res := secRaw(t, s, tc.method, tc.path, tc.contentType, tc.body, tc.headers...)
		if res.status != tc.status && !(tc.status == 0 && (res.status == 404 || res.status == 405)) {
			t.Errorf("%s: %s %s = %d, want %d", tc.name, tc.method, tc.path, res.status, tc.status)
		}
		secCheckHeaders(t, tc.name, res.header)
	}
}

// otherFirst returns s with its first character changed, so that it
// differs from s whatever s begins with.
func otherFirst(s string) string {
	if s[0] == 'x' {
		return "y" + s[1:]
	}
	return "x" + s[1:]
}
