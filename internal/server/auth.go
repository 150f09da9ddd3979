package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/api"
	"github.com/truce-monitoring/truce/internal/errs"
)

// CSRFHeader carries the session's CSRF token on state-changing requests
// made with the session cookie (forms send the field "csrf" instead).
const CSRFHeader = "X-CSRF-Token"

// authenticate establishes who is making the request — a bearer token, a
// session cookie, or nobody — and refuses what the route does not allow.
func (s *Server) authenticate(rt api.Route, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _, err := s.principal(w, r)
		if err != nil {
			api.WriteProblem(w, r, s.Log, err)
			return
		}
		if !p.Authenticated() && !rt.Public && !(s.Config.PublicView && r.Method == http.MethodGet) {
			api.WriteProblem(w, r, s.Log, errs.Unauthenticated("sign in or send a bearer token"))
			return
		}
		h.ServeHTTP(w, r.WithContext(api.WithPrincipal(r.Context(), p)))
	})
}

// principal authenticates the request. Credentials that do not work are
// refused outright rather than treated as anonymous, so that a client
// learns its token or session is bad.
func (s *Server) principal(w http.ResponseWriter, r *http.Request) (access.Principal, *account.Session, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return access.Principal{}, nil, errs.Unauthenticated("the Authorization header must be \"Bearer <token>\"")
		}
		p, err := s.Accounts.AuthenticateToken(ctx, strings.TrimSpace(tok))
		return p, nil, err
	}
	c, err := r.Cookie(api.SessionCookie)
	if err != nil || c.Value == "" {
		return access.Anonymous, nil, nil
	}
	p, sess, err := s.Accounts.Authenticate(ctx, c.Value)
	if err != nil {
		api.SetSessionCookie(w, "", -1, s.Config.SecureCookies)
		return access.Principal{}, nil, err
	}
	if !safeMethod(r.Method) {
		if err := checkCSRF(r, sess); err != nil {
			return access.Principal{}, nil, err
		}
	}
	return p, &sess, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF refuses a cookie-authenticated state-changing request that
// does not carry the session's CSRF token, or that comes from another
// origin.
func checkCSRF(r *http.Request, sess account.Session) error {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errs.Forbidden("cross-origin request refused")
		}
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

// securityHeaders sets the headers every response carries: no inline
// script, no framing, no sniffing, no referrer leaking record ids.
func (s *Server) securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.Config.Demo {
			hd.Set("X-Truce-Demo", "true")
		}
		h.ServeHTTP(w, r)
	})
}
