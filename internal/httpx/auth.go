package httpx

import (
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/errs"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "truce_session"

// CSRFHeader carries the session's CSRF token on state-changing requests
// made with the session cookie (forms send the field "csrf" instead).
const CSRFHeader = "X-CSRF-Token"

// SetSessionCookie sets (or, with maxAge < 0, clears) the session cookie.
func SetSessionCookie(w http.ResponseWriter, value string, maxAge int, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// Auth establishes who is making a request, for both faces.
type Auth struct {
	Accounts *account.Service
	// SecureCookies sets the Secure flag when a cookie is cleared.
	SecureCookies bool
}

// Principal authenticates the request: a bearer token, a session cookie
// (with its CSRF token and origin checked on a state-changing request), or
// nobody. Credentials that do not work are refused outright rather than
// treated as anonymous, so that a client learns its token or session is
// bad.
func (a *Auth) Principal(w http.ResponseWriter, r *http.Request) (access.Principal, *account.Session, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return access.Principal{}, nil, errs.Unauthenticated("the Authorization header must be \"Bearer <token>\"")
		}
		p, err := a.Accounts.AuthenticateToken(ctx, strings.TrimSpace(tok))
		return p, nil, err
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return access.Anonymous, nil, nil
	}
	p, sess, err := a.Accounts.Authenticate(ctx, c.Value)
	if err != nil {
		SetSessionCookie(w, "", -1, a.SecureCookies)
		return access.Principal{}, nil, err
	}
	if !SafeMethod(r.Method) {
		if err := CheckCSRF(r, sess); err != nil {
			return access.Principal{}, nil, err
		}
	}
	return p, &sess, nil
}

// SafeMethod reports whether a request method changes nothing.
func SafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// IsJSON reports whether a Content-Type is JSON.
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// CheckOrigin refuses a state-changing request that a browser says comes
// from another site: Sec-Fetch-Site other than same-origin or none, an
// Origin that is "null" (sandboxed frames, data: URLs, cross-origin
// redirects) or another host, or, without Origin, a Referer from another
// host (older browsers send no Origin on a same-origin form). A request
// with neither header is not a browser's cross-site one and passes: the
// CSRF token still guards the session.
func CheckOrigin(r *http.Request) error {
	refuse := errs.Forbidden("cross-origin request refused: send it from a page of this site")
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return refuse
	}
	if origins := r.Header.Values("Origin"); len(origins) > 0 {
		if len(origins) > 1 || !sameHost(origins[0], r.Host) {
			return refuse
		}
		return nil
	}
	if referers := r.Header.Values("Referer"); len(referers) > 0 {
		if len(referers) > 1 || !sameHost(referers[0], r.Host) {
			return refuse
		}
	}
	return nil
}

// sameHost reports whether an Origin or Referer names an http(s) page of
// host. "null", relative or opaque values do not.
func sameHost(ref, host string) bool {
	u, err := url.Parse(ref)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Opaque == "" && u.User == nil &&
		host != "" && strings.EqualFold(u.Host, host)
}

// CheckCSRF refuses a cookie-authenticated state-changing request that
// does not carry the session's CSRF token, or that comes from another
// origin (CheckOrigin).
func CheckCSRF(r *http.Request, sess account.Session) error {
	if err := CheckOrigin(r); err != nil {
		return err
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		got = r.PostFormValue("csrf")
	}
	if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// A browser's file upload cannot set a header, and reading the
		// multipart body here would buffer the file: the form's action
		// carries the token instead.
		got = r.URL.Query().Get("csrf")
	}
	if got == "" || !sess.CheckCSRF(got) {
		return errs.Forbidden("missing or wrong CSRF token: reload the page and try again")
	}
	return nil
}
