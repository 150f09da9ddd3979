package server_test

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
)

// Regression tests for issue 13, findings 5 and 8: sign-in throttling that
// cannot be turned against users, client addresses behind a proxy, and
// CSRF in depth. Helpers are named sign* so as not to clash.

var signLoginToken = regexp.MustCompile(`<input type="hidden" name="login_csrf" value="([^"]+)">`)

// secLoginForm fetches the sign-in form and returns its pre-session cookie
// (as a Cookie header value) and the form's token.
func secLoginForm(t *testing.T, s *testServer) (cookie, token string) {
	t.Helper()
	res := secRaw(t, s, "GET", "/login", "", "")
	m := signLoginToken.FindSubmatch(res.body)
	if m == nil {
		t.Fatalf("the sign-in form has no token: %s", res.body)
	}
	for _, line := range res.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name == "truce_login" {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.MaxAge <= 0 || c.MaxAge > 3600 {
				t.Errorf("pre-session cookie %q: want HttpOnly, SameSite=Strict, short-lived", line)
			}
			return c.Name + "=" + c.Value, string(m[1])
		}
	}
	t.Fatalf("GET /login sets no pre-session cookie: %v", res.header.Values("Set-Cookie"))
	return "", ""
}

// secSignInForm sends the sign-in form as a browser would: with the
// cookie and token GET /login gave.
func secSignInForm(t *testing.T, s *testServer, form url.Values, headers ...string) response {
	t.Helper()
	cookie, token := secLoginForm(t, s)
	form.Set("login_csrf", token)
	return secForm(t, s, "/login", form, append([]string{"Cookie", cookie}, headers...)...)
}

// signHandler is the real handler of a real Truce (demo loaded, SQLite in
// a temporary directory), called in-process so that a test chooses each
// request's RemoteAddr; its request log is kept.
type signHandler struct {
	*testServer
	h   http.Handler
	log *bytes.Buffer
	mu  *sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func signStart(t *testing.T, trusted ...string) *signHandler {
	t.Helper()
	ctx := context.Background()
	var prefixes []netip.Prefix
	for _, p := range trusted {
		prefixes = append(prefixes, netip.MustParsePrefix(p))
	}
	buf, mu := &bytes.Buffer{}, &sync.Mutex{}
	log := slog.New(slog.NewTextHandler(lockedWriter{mu, buf}, nil))
	a, err := app.Open(ctx, app.Config{Dir: t.TempDir(), Database: pgtest.Database(t, ""), Synchronous: "normal", Version: "test", Log: log, TrustedProxies: prefixes,
		// Waits of a minute, so that a slow machine cannot let one pass
		// between two requests of a test.
		Limits: account.Limits{Delay: time.Minute, MaxDelay: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	loaded, err := demo.Load(ctx, a.Services.Demo())
	if err != nil {
		t.Fatal(err)
	}
	return &signHandler{testServer: &testServer{t: t, app: a, loaded: loaded}, h: a.Server.Handler(), log: buf, mu: mu}
}

// signIn sends the JSON sign-in from remote, with X-Forwarded-For when
// forwarded is not empty, and returns the status.
func (sh *signHandler) signIn(t *testing.T, remote, forwarded, username, password string) int {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(secLoginJSON(username, password)))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = remote
	if forwarded != "" {
		req.Header.Set("X-Forwarded-For", forwarded)
	}
	rec := httptest.NewRecorder()
	sh.h.ServeHTTP(rec, req)
	if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	return rec.Code
}

func (sh *signHandler) logged() string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.log.String()
}

// Finding 5: five wrong passwords for an account made even the right one
// fail for 15 minutes, from anywhere.
func TestWrongPasswordsCannotLockAnAccountOut(t *testing.T) {
	sh := signStart(t)
	right := secPassword(t, sh.testServer, "cochair")
	for i := range 5 {
		if got := sh.signIn(t, "203.0.113.66:4000", "", "cochair", fmt.Sprintf("wrong password %d", i)); got != 401 && got != 429 {
			t.Fatalf("wrong password %d: %d", i+1, got)
		}
	}
	if got := sh.signIn(t, "198.51.100.7:5000", "", "cochair", right); got != 200 {
		t.Fatalf("the right password from a fresh address: %d, want 200", got)
	}
	// The guessing address waits, whatever the password.
	if got := sh.signIn(t, "203.0.113.66:4001", "", "cochair", right); got != 429 {
		t.Errorf("the guessing address: %d, want 429", got)
	}
}

// Finding 5: twenty failures from one address locked every account from
// it — behind a reverse proxy, everyone. Here every request comes through
// the proxy: the failing client waits, the others sign in at once.
func TestFailuresFromOneAddressDoNotStopAnother(t *testing.T) {
	sh := signStart(t, "127.0.0.1/32")
	const proxy = "127.0.0.1:40000"
	waited := 0
	for i := range 20 {
		switch got := sh.signIn(t, proxy, "203.0.113.5", fmt.Sprintf("nobody-%02d", i), "wrong password!"); got {
		case 401:
		case 429:
			waited++
		default:
			t.Fatalf("failure %d: %d", i+1, got)
		}
	}
	if waited == 0 {
		t.Errorf("twenty failures in a row from one client and it never had to wait")
	}
	if got := sh.signIn(t, proxy, "198.51.100.8", "analyst", secPassword(t, sh.testServer, "analyst")); got != 200 {
		t.Fatalf("another client behind the proxy: %d, want 200", got)
	}
	if got := sh.signIn(t, "198.51.100.9:5000", "", "cochair", secPassword(t, sh.testServer, "cochair")); got != 200 {
		t.Fatalf("a client reaching the server directly: %d, want 200", got)
	}
	if got := sh.signIn(t, proxy, "203.0.113.5", "monitor", secPassword(t, sh.testServer, "monitor")); got != 429 {
		t.Errorf("the failing client: %d, want 429", got)
	}
}

// Without a trusted proxy, X-Forwarded-For is the client's to invent and
// is ignored: a new made-up address per try does not escape the throttle.
func TestForwardedForIsIgnoredWithoutATrustedProxy(t *testing.T) {
	sh := signStart(t)
	for i := range 10 {
		sh.signIn(t, "203.0.113.9:4000", fmt.Sprintf("192.0.2.%d", i+1), fmt.Sprintf("nobody-%02d", i), "wrong password!")
	}
	if got := sh.signIn(t, "203.0.113.9:4000", "192.0.2.200", "analyst", secPassword(t, sh.testServer, "analyst")); got != 429 {
		t.Errorf("a spoofed X-Forwarded-For escaped the throttle: %d, want 429", got)
	}
	if strings.Contains(sh.logged(), "192.0.2.200") {
		t.Errorf("the log believes a spoofed X-Forwarded-For")
	}
}

// With a trusted proxy, the client is the right-most address in
// X-Forwarded-For that is not itself a trusted proxy: clients behind the
// proxy are told apart, and what a client writes to the left is ignored.
func TestForwardedForIsHonouredFromATrustedProxy(t *testing.T) {
	sh := signStart(t, "10.0.0.0/8", "127.0.0.1/32")
	const proxy = "127.0.0.1:40000"
	for i := range 10 {
		sh.signIn(t, proxy, fmt.Sprintf("203.0.113.50, 10.1.2.3"), fmt.Sprintf("nobody-%02d", i), "wrong password!")
	}
	if got := sh.signIn(t, proxy, "198.51.100.20, 10.1.2.3", "analyst", secPassword(t, sh.testServer, "analyst")); got != 200 {
		t.Errorf("another client behind the proxy: %d, want 200", got)
	}
	if got := sh.signIn(t, proxy, "198.51.100.21, 203.0.113.50", "monitor", secPassword(t, sh.testServer, "monitor")); got != 429 {
		t.Errorf("the failing client, with a made-up address to its left: %d, want 429", got)
	}
	if !strings.Contains(sh.logged(), "remote=[::ffff:203.0.113.50]:0") && !strings.Contains(sh.logged(), "remote=203.0.113.50:0") {
		t.Errorf("the request log does not name the client behind the proxy:\n%.2000s", sh.logged())
	}
	// A peer outside the trusted ranges is the client, whatever it forwards.
	if got := sh.signIn(t, "198.51.100.99:1", "203.0.113.50", "monitor", secPassword(t, sh.testServer, "monitor")); got != 200 {
		t.Errorf("an untrusted peer forwarding the failing address: %d, want 200", got)
	}
}

// Finding 8: Origin "null" (a sandboxed frame, a data: URL) was accepted
// on state-changing requests made with the session cookie.
func TestOriginNullIsRefused(t *testing.T) {
	s := start(t)
	cookie, csrf := secSignIn(t, s, "monitor")
	res := secForm(t, s, "/logout", url.Values{"csrf": {csrf}}, "Cookie", cookie, "Origin", "null")
	secWant(t, "sign out with Origin: null", res, 403, "forbidden")
	res = secRaw(t, s, "POST", "/api/v1/tokens", "application/json", `{"name":"from a sandbox"}`, "Cookie", cookie, secCSRFHeader, csrf, "Origin", "null")
	secWant(t, "API write with Origin: null", res, 403, "forbidden")
	if got := secRaw(t, s, "GET", "/api/v1/me", "", "", "Cookie", cookie); got.status != 200 {
		t.Fatalf("the refused requests ended the session: %d", got.status)
	}
}

// Finding 8: a Referer from another site was accepted when Origin was
// absent. A same-origin Referer still passes.
func TestForeignRefererIsRefused(t *testing.T) {
	s := start(t)
	cookie, csrf := secSignIn(t, s, "monitor")
	host := strings.TrimPrefix(s.url, "http://")
	for _, ref := range []string{"https://evil.example/page", "http://" + host + ".evil.example/", "null", "about:blank"} {
		res := secForm(t, s, "/logout", url.Values{"csrf": {csrf}}, "Cookie", cookie, "Referer", ref)
		secWant(t, "sign out with Referer "+ref, res, 403, "forbidden")
	}
	if got := secRaw(t, s, "GET", "/api/v1/me", "", "", "Cookie", cookie); got.status != 200 {
		t.Fatalf("the refused requests ended the session: %d", got.status)
	}
	res := secForm(t, s, "/logout", url.Values{"csrf": {csrf}}, "Cookie", cookie, "Referer", s.url+"/incidents")
	if res.status != http.StatusSeeOther {
		t.Errorf("sign out with this site's Referer: %d %s", res.status, res.body)
	}
}

// Finding 8: the sign-in form had no CSRF token (login CSRF). A form
// without the pre-session token, or with another browser's, is refused
// before the password is looked at, and nothing is recorded.
func TestSignInFormNeedsItsPreSessionToken(t *testing.T) {
	s := start(t)
	right := url.Values{"username": {"analyst"}, "password": {secPassword(t, s, "analyst")}}
	events := secAuthEvents(t, s)
	cookie, token := secLoginForm(t, s)
	otherCookie, _ := secLoginForm(t, s)
	for _, tc := range []struct {
		name  string
		field string
		hdr   []string
	}{
		{"neither cookie nor token", "", nil},
		{"the cookie without the token", "", []string{"Cookie", cookie}},
		{"the token without its cookie", token, nil},
		{"the token with another cookie", token, []string{"Cookie", otherCookie}},
		{"a token made up", "x" + token[1:], []string{"Cookie", cookie}},
	} {
		form := url.Values{}
		for k, v := range right {
			form[k] = v
		}
		if tc.field != "" {
			form.Set("login_csrf", tc.field)
		}
		res := secForm(t, s, "/login", form, tc.hdr...)
		if res.status != http.StatusForbidden || secSetCookie(t, res) != nil {
			t.Errorf("%s: %d, session cookie %v; want 403 and none", tc.name, res.status, secSetCookie(t, res))
		}
		if !strings.Contains(string(res.body), "sign in again") || signLoginToken.Find(res.body) == nil {
			t.Errorf("%s: no clear message or no fresh form: %s", tc.name, res.body)
		}
	}
	if got := secAuthEvents(t, s); got["login"] != events["login"] || got["login_failed"] != events["login_failed"] {
		t.Errorf("refused forms were recorded as sign-ins: %v, before %v", got, events)
	}
	// With its token, from this site, the same form signs in.
	form := url.Values{"login_csrf": {token}}
	for k, v := range right {
		form[k] = v
	}
	if res := secForm(t, s, "/login", form, "Cookie", cookie, "Origin", s.url); res.status != http.StatusSeeOther || secSetCookie(t, res) == nil {
		t.Errorf("the form with its token: %d", res.status)
	}
	// And a foreign Origin or Referer is refused even with the token.
	res := secSignInForm(t, s, url.Values{"username": {"analyst"}, "password": {secPassword(t, s, "analyst")}}, "Referer", "https://evil.example/")
	secWant(t, "sign-in form from another site", res, 403, "forbidden")
}

// The JSON sign-in is not a form: a browser form on another site cannot
// reach it (it needs Content-Type application/json, which a cross-origin
// form cannot send, and no foreign Origin).
func TestJSONSignInRefusesWhatAFormCanSend(t *testing.T) {
	s := start(t)
	body := secLoginJSON("analyst", secPassword(t, s, "analyst"))
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		res := secRaw(t, s, "POST", "/api/v1/session", ct, body)
		if res.status != 400 && res.status != 415 || secSetCookie(t, res) != nil {
			t.Errorf("Content-Type %q: %d, want 400 and no session", ct, res.status)
		}
	}
	res := secRaw(t, s, "POST", "/api/v1/session", "application/json", body, "Origin", "https://evil.example")
	secWant(t, "JSON sign-in from another origin", res, 403, "forbidden")
	if res := secRaw(t, s, "POST", "/api/v1/session", "application/json", body); res.status != 200 {
		t.Errorf("JSON sign-in: %d %s", res.status, res.body)
	}
}

// Finding 8: GET /lang changed the language, and stored it for a signed-in
// user. A GET now changes nothing; the switcher is a form that POSTs.
func TestLanguageSwitchIsAPost(t *testing.T) {
	s := start(t)
	b := s.browser(t, "monitor")
	if p := b.get("/lang?to=ar&next=/incidents"); p.status != http.StatusSeeOther || p.location != "/incidents" {
		t.Errorf("GET /lang: %d %q, want a redirect back", p.status, p.location)
	}
	if p := b.get("/incidents"); !strings.Contains(p.body, `<html lang="en"`) {
		t.Fatalf("GET /lang changed the language:\n%.300s", p.body)
	}
	page := b.get("/incidents")
	if !strings.Contains(page.body, `action="/lang"`) || !strings.Contains(page.body, `name="to" value="ar"`) {
		t.Fatalf("no language form on the page:\n%s", page.body)
	}
	csrf := hidden(page.body).Get("csrf")
	if p := b.post("/lang", url.Values{"to": {"ar"}, "next": {"/incidents"}}); p.status != http.StatusForbidden {
		t.Errorf("POST /lang without the CSRF token: %d, want 403", p.status)
	}
	if p := b.get("/incidents"); !strings.Contains(p.body, `<html lang="en"`) {
		t.Fatalf("a refused POST changed the language")
	}
	if p := b.post("/lang", url.Values{"csrf": {csrf}, "to": {"ar"}, "next": {"/incidents"}}); p.status != http.StatusSeeOther || p.location != "/incidents" {
		t.Fatalf("POST /lang: %d %q", p.status, p.location)
	}
	if p := b.get("/incidents"); !strings.Contains(p.body, `<html lang="ar" dir="rtl"`) {
		t.Errorf("after POST /lang the page is not in Arabic:\n%.300s", p.body)
	}
	// A reader who is not signed in gets the cookie only, from this site.
	anon := secForm(t, s, "/lang", url.Values{"to": {"ru"}, "next": {"/login"}})
	if anon.status != http.StatusSeeOther || !strings.Contains(strings.Join(anon.header.Values("Set-Cookie"), ";"), "truce_lang=ru") {
		t.Errorf("anonymous POST /lang: %d %v", anon.status, anon.header.Values("Set-Cookie"))
	}
	foreign := secForm(t, s, "/lang", url.Values{"to": {"ru"}, "next": {"/login"}}, "Origin", "https://evil.example")
	if foreign.status != http.StatusForbidden || len(foreign.header.Values("Set-Cookie")) != 0 {
		t.Errorf("anonymous POST /lang from another site: %d %v", foreign.status, foreign.header.Values("Set-Cookie"))
	}
}

// Structure item 7: a password that contains the user name, or is one of
// the common ones (in any case), is refused with the field named, and the
// old password still works.
func TestWeakNewPasswordsAreRefused(t *testing.T) {
	s := start(t)
	cookie, csrf := secSignIn(t, s, "analyst")
	current := secPassword(t, s, "analyst")
	for _, tc := range []struct{ name, password string }{
		{"a common password", "qwerty123456"},
		{"a common password in capitals", "QWERTY123456"},
		{"the user name inside", "my-Analyst-password-2021"},
	} {
		body := fmt.Sprintf(`{"current":%q,"new":%q}`, current, tc.password)
		res := secRaw(t, s, "POST", "/api/v1/me/password", "application/json", body, "Cookie", cookie, secCSRFHeader, csrf)
		secWant(t, tc.name, res, 400, "invalid")
		var p secProblem
		res.json(t, &p)
		if p.Field != "new" {
			t.Errorf("%s: field %q, want new", tc.name, p.Field)
		}
	}
	if got := secRaw(t, s, "GET", "/api/v1/me", "", "", "Cookie", cookie); got.status != 200 {
		t.Fatalf("a refused change ended the session: %d", got.status)
	}
	secSignIn(t, s, "analyst") // the old password still signs in
}

// Structure item 7: self-service password change. A wrong current password
// is refused and changes nothing; the right one changes it, ends the
// user's other sessions, and keeps the browser that made the change signed
// in (with a new session). The page does the same through the same
// service method.
func TestChangeOwnPassword(t *testing.T) {
	s := start(t)
	old := secPassword(t, s, "monitor")
	other, _ := secSignIn(t, s, "monitor") // another browser
	cookie, csrf := secSignIn(t, s, "monitor")
	change := func(current, next string) response {
		body := fmt.Sprintf(`{"current":%q,"new":%q}`, current, next)
		return secRaw(t, s, "POST", "/api/v1/me/password", "application/json", body, "Cookie", cookie, secCSRFHeader, csrf)
	}
	const fresh = "a brand new passphrase for the watch"
	res := change(old+"x", fresh)
	secWant(t, "wrong current password", res, 400, "invalid")
	var p secProblem
	res.json(t, &p)
	if p.Field != "current" {
		t.Errorf("wrong current password: field %q, want current", p.Field)
	}
	if got := secRaw(t, s, "GET", "/api/v1/me", "", "", "Cookie", other); got.status != 200 {
		t.Fatalf("a refused change ended another session: %d", got.status)
	}
	if got := s.with("").do("POST", "/api/v1/session", secLoginJSON("monitor", fresh)); got.status != 401 {
		t.Fatalf("a refused change set the password: %d", got.status)
	}
	secWant(t, "without the CSRF token", secRaw(t, s, "POST", "/api/v1/me/password", "application/json",
		fmt.Sprintf(`{"current":%q,"new":%q}`, old, fresh), "Cookie", cookie), 403, "forbidden")

	res = change(old, fresh)
	secWant(t, "change", res, 200, "")
	var out struct {
		SessionsEnded bool   `json:"sessions_ended"`
		CSRF          string `json:"csrf"`
	}
	res.json(t, &out)
	c := secSetCookie(t, res)
	if !out.SessionsEnded || out.CSRF == "" || c == nil || c.Value == "" {
		t.Fatalf("change: %s %v", res.body, res.header.Values("Set-Cookie"))
	}
	secWant(t, "the other browser", secRaw(t, s, "GET", "/api/v1/me", "", "", "Cookie", other), 401, "unauthenticated")
	secWant(t, "this browser, new session", secRaw(t, s, "GET", "/api/v1/me", "", "", "Cookie", secCookieName+"="+c.Value), 200, "")
	secWant(t, "old password", s.with("").do("POST", "/api/v1/session", secLoginJSON("monitor", old)), 401, "unauthenticated")
	secWant(t, "new password", s.with("").do("POST", "/api/v1/session", secLoginJSON("monitor", fresh)), 200, "")

	// The page: a wrong current password shows the form again with the
	// message at the field; the right one changes it and says so.
	b := s.browser(t, "analyst")
	form := hidden(b.get("/settings/password").body)
	form.Set("current", "not my password at all")
	form.Set("new", "another new passphrase here")
	form.Set("confirm", "another new passphrase here")
	if pg := b.post("/settings/password", form); pg.status != 400 || !strings.Contains(pg.body, `id="current-error"`) {
		t.Errorf("page, wrong current password: %d %.300s", pg.status, pg.body)
	}
	form.Set("current", secPassword(t, s, "analyst"))
	if pg := b.post("/settings/password", form); pg.status != http.StatusSeeOther || pg.location != "/settings/password" {
		t.Fatalf("page, change: %d %q %.300s", pg.status, pg.location, pg.body)
	}
	if pg := b.get("/settings/password"); pg.status != 200 || !strings.Contains(pg.body, `class="notice"`) {
		t.Errorf("after the change the browser is not signed in: %d", pg.status)
	}
	secWant(t, "analyst's new password", s.with("").do("POST", "/api/v1/session", secLoginJSON("analyst", "another new passphrase here")), 200, "")
}

// secAfterWait sends a request again after the wait a 429 asks for: the
// tests share one address, which failures make wait (never lock out).
func secAfterWait(t *testing.T, send func() response) response {
	t.Helper()
	for range 5 {
		res := send()
		if res.status != http.StatusTooManyRequests {
			return res
		}
		secs, err := strconv.Atoi(res.header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 300 {
			t.Fatalf("429 with Retry-After %q", res.header.Get("Retry-After"))
		}
		time.Sleep(time.Duration(secs) * time.Second)
	}
	t.Fatal("still throttled after five waits")
	return response{}
}
