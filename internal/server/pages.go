package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/api"
	"github.com/truce-monitoring/truce/internal/errs"
)

// page is what every HTML page template receives.
type page struct {
	Title, Lang, Dir string
	Demo             bool
	User             *access.Principal
	CSRF             string
	Error            string
	Username, Next   string
}

func (s *Server) newPage(title string) page {
	return page{Title: title, Lang: "en", Dir: "ltr", Demo: s.Config.Demo}
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	// Browsers read a backslash as a slash, so "/\evil.example" would be
	// another site; control characters have no place in a path either.
	if strings.ContainsAny(next, "\\") || strings.IndexFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return "/"
	}
	u, err := url.Parse(next)
	if next == "" || err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	return next
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p, sess, err := s.principal(w, r)
	if err != nil || !p.Authenticated() {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	pg := s.newPage("Home")
	pg.User = &p
	if sess != nil {
		pg.CSRF = sess.CSRF
	}
	s.render.Render(w, http.StatusOK, "home", pg)
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage("Sign in")
	pg.Next = safeNext(r.URL.Query().Get("next"))
	s.render.Render(w, http.StatusOK, "login", pg)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			api.WriteProblem(w, r, s.Log, errs.Forbidden("cross-origin sign-in refused"))
			return
		}
	}
	name, pass := r.PostFormValue("username"), r.PostFormValue("password")
	pg := s.newPage("Sign in")
	pg.Next = safeNext(r.PostFormValue("next"))
	sess, _, err := s.Accounts.Login(r.Context(), name, pass, r.RemoteAddr)
	if err != nil {
		if len(name) <= 64 {
			pg.Username = name
		}
		pg.Error = errs.MessageOf(err)
		status := http.StatusUnauthorized
		var lim *account.LimitedError
		if errors.As(err, &lim) {
			status = http.StatusTooManyRequests
			pg.Error = lim.Error()
			w.Header().Set("Retry-After", strconv.Itoa(max(int(lim.RetryAfter.Seconds()+0.999), 1)))
		}
		s.render.Render(w, status, "login", pg)
		return
	}
	api.SetSessionCookie(w, sess.ID, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()), s.Config.SecureCookies)
	http.Redirect(w, r, pg.Next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	_, sess, err := s.principal(w, r)
	if err != nil {
		api.WriteProblem(w, r, s.Log, err)
		return
	}
	if sess != nil {
		if err := s.Accounts.Logout(r.Context(), sess.ID); err != nil {
			api.WriteProblem(w, r, s.Log, err)
			return
		}
	}
	api.SetSessionCookie(w, "", -1, s.Config.SecureCookies)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
