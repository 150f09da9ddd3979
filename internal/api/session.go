package api

import (
	"net/http"

	"github.com/truce-monitoring/truce/internal/httpx"
)

// sessionRoutes registers the JSON sign-in. It is public; server's
// authenticate refuses it from another site and without a JSON body (a
// cross-origin browser form cannot send application/json without asking).
func (s *Server) sessionRoutes() {
	s.add(Route{Method: "POST", Path: "/api/v1/session", Summary: "Sign in: sets the session cookie and returns the CSRF token", Tag: "accounts", Public: true,
		Request: LoginInput{}, Response: SessionInfo{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			in, err := Decode[LoginInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			sess, p, err := s.Accounts.Login(r.Context(), in.Username, in.Password, r.RemoteAddr)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.SetSessionCookie(w, sess.ID, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()), s.SecureCookies)
			httpx.WriteJSON(w, http.StatusOK, SessionInfo{CSRF: sess.CSRF, ExpiresAt: sess.ExpiresAt, Principal: p})
		}})
}
