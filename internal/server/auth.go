package server

import (
	"mime"
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
		if !p.Authenticated() && !safeMethod(r.Method) {
			// A public state-changing route (the JSON sign-in) without
			// credentials: a browser on another site must not reach it, so
			// it takes JSON, which a cross-origin form cannot send without
			// the browser asking first, and no foreign Origin or Referer.
			if err := checkOrigin(r); err != nil {
				api.WriteProblem(w, r, s.Log, err)
				return
			}
			if !isJSON(r.Header.Get("Content-Type")) {
				api.WriteProblem(w, r, s.Log, errs.Invalid("Content-Type", "must be application/json"))
				return
			}
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

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// checkOrigin refuses a state-changing request that a browser says comes
// from another site: Sec-Fetch-Site other than same-origin or none, an
// Origin that is "null" (sandboxed frames, data: URLs, cross-origin
// redirects) or another host, or, without Origin, a Referer from another
// host (older browsers send no Origin on a same-origin form). A request
// with neither header is not a browser's cross-site one and passes: the
// CSRF token still guards the session.
func checkOrigin(r *http.Request) error {
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

// checkCSRF refuses a cookie-authenticated state-changing request that
// does not carry the session's CSRF token, or that comes from another
// origin (checkOrigin).
func checkCSRF(r *http.Request, sess account.Session) error {
	if err := checkOrigin(r); err != nil {
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
