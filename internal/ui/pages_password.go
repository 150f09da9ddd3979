package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/web"
)

// passwordPage is the form for changing one's own password.
func (s *Pages) passwordPage(w http.ResponseWriter, r *http.Request) {
	pg, _, ok := s.reader(w, r, "password.title", "settings")
	if !ok {
		return
	}
	pg.Form = &web.Form{}
	s.render.Render(w, http.StatusOK, "password", pg)
}

// changePassword sends the form to the account service, which holds the
// rules (ChangePassword; the API's POST /api/v1/me/password calls it too).
// The browser gets the new session the service opens: every other one has
// ended.
func (s *Pages) changePassword(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "password.title", "settings", "")
	if !ok {
		return
	}
	in := account.PasswordChange{Current: r.PostFormValue("current"), New: r.PostFormValue("new"), Confirm: r.PostFormValue("confirm")}
	sess, err := s.Accounts.ChangePassword(r.Context(), p, in, r.RemoteAddr)
	if err != nil {
		// Passwords are never shown again, only what was wrong with them.
		form := &web.Form{}
		formErrors(pg, form, err)
		pg.Form = form
		status := http.StatusBadRequest
		var lim *account.LimitedError
		if errors.As(err, &lim) {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(max(int(lim.RetryAfter.Seconds()+0.999), 1)))
		} else if code := httpx.StatusOf(errs.CodeOf(err)); code != http.StatusBadRequest {
			s.pageFail(w, r, pg, err)
			return
		}
		s.render.Render(w, status, "password", pg)
		return
	}
	if sess.ID != "" {
		httpx.SetSessionCookie(w, sess.ID, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()), s.Config.SecureCookies)
	}
	s.done(w, r, "/settings/password", "password.changed")
}
