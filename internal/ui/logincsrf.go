package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

// The sign-in form's CSRF protection (login CSRF: another site signing a
// browser in to an account of the attacker's, whose records the victim
// would then write). There is no session yet, so the token is bound to a
// pre-session cookie: the cookie holds a random nonce and when it was
// issued; the form's hidden field holds an HMAC of the cookie under a key
// the server made at start. A form sent without the cookie (SameSite=Strict
// keeps it off requests from other sites), without the field, or with a
// field for another cookie is refused before any sign-in is tried.
const (
	loginCookie       = "truce_login"
	loginCSRFField    = "login_csrf"
	loginCSRFLifetime = time.Hour
)

var errLoginCSRF = errs.Forbidden("this sign-in form has expired or was not sent from this site; sign in again with the form below")

// loginKeyLabel names the key the sign-in forms' tokens are made with,
// derived from the log's signing key (store.DB.DeriveKey): every server of
// one log makes the same, so that a form served by one may be posted to
// another, and a restart keeps it.
const loginKeyLabel = "truce sign-in form CSRF key v1"

func (s *Pages) loginMAC(cookie string) string {
	m := hmac.New(sha256.New, s.loginKey)
	m.Write([]byte("truce login form\x00"))
	m.Write([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// loginIssued returns when a pre-session cookie value was issued, or false
// when it is not one.
func loginIssued(cookie string) (time.Time, bool) {
	nonce, at, ok := strings.Cut(cookie, ".")
	if !ok || len(nonce) != 43 {
		return time.Time{}, false
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(nonce); err != nil {
		return time.Time{}, false
	}
	secs, err := strconv.ParseInt(at, 10, 64)
	if err != nil || secs <= 0 {
		return time.Time{}, false
	}
	return time.Unix(secs, 0), true
}

// loginToken returns the hidden field's value for a sign-in form, setting
// the pre-session cookie unless the request carries one young enough to
// keep (so that two open sign-in tabs both work).
func (s *Pages) loginToken(w http.ResponseWriter, r *http.Request) string {
	now := s.Now()
	value := ""
	if c, err := r.Cookie(loginCookie); err == nil {
		if at, ok := loginIssued(c.Value); ok && now.Sub(at) < loginCSRFLifetime/2 && !at.After(now.Add(time.Minute)) {
			value = c.Value
		}
	}
	if value == "" {
		nonce := make([]byte, 32)
		rand.Read(nonce)
		value = base64.RawURLEncoding.EncodeToString(nonce) + "." + strconv.FormatInt(now.Unix(), 10)
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: value, Path: "/login", MaxAge: int(loginCSRFLifetime / time.Second),
			HttpOnly: true, Secure: s.Config.SecureCookies, SameSite: http.SameSiteStrictMode})
	}
	return s.loginMAC(value)
}

// checkLoginToken checks a sign-in form's token against its cookie, in
// constant time.
func (s *Pages) checkLoginToken(r *http.Request) error {
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return errLoginCSRF
	}
	at, ok := loginIssued(c.Value)
	now := s.Now()
	if !ok || now.Sub(at) >= loginCSRFLifetime || at.After(now.Add(time.Minute)) {
		return errLoginCSRF
	}
	if !hmac.Equal([]byte(r.PostFormValue(loginCSRFField)), []byte(s.loginMAC(c.Value))) {
		return errLoginCSRF
	}
	return nil
}
