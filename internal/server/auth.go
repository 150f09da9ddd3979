package server

import (
	"net/http"

	"github.com/truce-monitoring/truce/internal/api"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
)

// authenticate establishes who is making the request — a bearer token, a
// session cookie, or nobody — and refuses what the route does not allow.
func (s *Server) authenticate(rt api.Route, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _, err := s.auth.Principal(w, r)
		if err != nil {
			httpx.WriteProblem(w, r, s.Log, err)
			return
		}
		if !p.Authenticated() && !rt.Public && !(s.Config.PublicView && r.Method == http.MethodGet) {
			httpx.WriteProblem(w, r, s.Log, errs.Unauthenticated("sign in or send a bearer token"))
			return
		}
		if !p.Authenticated() && !httpx.SafeMethod(r.Method) {
			// A public state-changing route (the JSON sign-in) without
			// credentials: a browser on another site must not reach it, so
			// it takes JSON, which a cross-origin form cannot send without
			// the browser asking first, and no foreign Origin or Referer.
			if err := httpx.CheckOrigin(r); err != nil {
				httpx.WriteProblem(w, r, s.Log, err)
				return
			}
			if !httpx.IsJSON(r.Header.Get("Content-Type")) {
				httpx.WriteProblem(w, r, s.Log, errs.Invalid("Content-Type", "must be application/json"))
				return
			}
		}
		h.ServeHTTP(w, r.WithContext(httpx.WithPrincipal(r.Context(), p)))
	})
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
