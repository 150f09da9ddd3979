package api

import (
	"net/http"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
)

// PasswordChanged answers a change of one's own password. Every session of
// the account has ended; a change made through a browser session signs
// that browser in again (a new session cookie) and gives its CSRF token.
type PasswordChanged struct {
	SessionsEnded bool       `json:"sessions_ended"`
	CSRF          string     `json:"csrf,omitempty" doc:"the new session's CSRF token, when the change was made with a session cookie"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
}

func (s *Server) passwordRoutes() {
	s.add(Route{Method: "POST", Path: "/api/v1/me/password", Summary: "Change your own password: needs the current one; ends your other sessions", Tag: "accounts",
		Request: account.PasswordChange{}, Response: PasswordChanged{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			p := httpx.PrincipalFrom(r.Context())
			if !p.Authenticated() {
				s.fail(w, r, errs.Unauthenticated("sign in or send a bearer token"))
				return
			}
			in, err := Decode[account.PasswordChange](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			sess, err := s.Accounts.ChangePassword(r.Context(), p, in, r.RemoteAddr)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			out := PasswordChanged{SessionsEnded: true}
			if sess.ID != "" {
				httpx.SetSessionCookie(w, sess.ID, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()), s.SecureCookies)
				out.CSRF, out.ExpiresAt = sess.CSRF, &sess.ExpiresAt
			}
			httpx.WriteJSON(w, http.StatusOK, out)
		}})
}
