package ui

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/web"
)

// pageNames are the names one page may show: the view's cached names of
// organisations, places and provisions, and the names of users, asked of
// the account service with the reader's principal as the page needs them.
type pageNames struct {
	*names
	s     *Pages
	ctx   context.Context
	p     access.Principal
	mu    sync.Mutex
	users map[string]string
}

func (s *Pages) pageNames(ctx context.Context, p access.Principal) *pageNames {
	return &pageNames{names: s.names.get(ctx, s, p), s: s, ctx: ctx, p: p}
}

// UserName is a user's display name when the reader may know it (see
// account.Service.GetUserName), else "".
func (n *pageNames) UserName(id string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if v, ok := n.users[id]; ok {
		return v
	}
	if n.users == nil {
		n.users = map[string]string{}
	}
	name := ""
	if n.s.Accounts != nil && n.p.Authenticated() {
		u, err := n.s.Accounts.GetUserName(n.ctx, n.p, id)
		switch {
		case err == nil:
			name = u.DisplayName
		case errs.CodeOf(err) != errs.CodeNotFound:
			n.s.Log.Warn("user name", "err", err)
		}
	}
	n.users[id] = name
	return name
}

// ProvisionName is a provision's number and summary as the view reads it.
func (n *names) ProvisionName(id string) (string, string) {
	p, ok := n.provisions[id]
	if !ok {
		return "", ""
	}
	return p.Number, p.Summary
}

// noticeCookie carries a confirmation to the page a form leads to.
const noticeCookie = "truce_notice"

const noticeKeyLabel = "truce page notice v1"

func (s *Pages) noticeMAC(key string) string {
	m := hmac.New(sha256.New, s.Ledger.DeriveKey(noticeKeyLabel))
	m.Write([]byte(key))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// done ends a successful form submission: it leads to path, where the
// page confirms what was done with the message key (read once, see
// takeNotice). Every POST handler calls it after its service call
// succeeds, e.g. s.done(w, r, "/incidents/"+id, "done.incident.split").
// args are the message's placeholders as name, value pairs of text (a
// name, a number already written), carried with the key.
func (s *Pages) done(w http.ResponseWriter, r *http.Request, path, key string, args ...string) {
	s.notice(w, key, args...)
	http.Redirect(w, r, safeNext(path), http.StatusSeeOther)
}

// doneAt is what a form's create gives submit: the path the form leads
// to and the confirmation to show there, kept together with the form's
// key so that the form sent twice leads to the same page with the same
// confirmation. A line break cannot be part of a path (safeNext).
func doneAt(path, key string) string { return path + "\n" + key }

// notice leaves the confirmation key for the next page without leading
// there, for a handler whose redirect is made elsewhere (s.submit).
func (s *Pages) notice(w http.ResponseWriter, key string, args ...string) {
	msg := strings.Join(append([]string{key}, args...), "\x00")
	v := base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + s.noticeMAC(msg)
	http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: v, Path: "/", MaxAge: 120, HttpOnly: true,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// takeNotice shows the confirmation a form left for this page, once: the
// cookie is cleared with the answer. A cookie this server did not sign, or
// naming no message, is dropped unseen.
func (s *Pages) takeNotice(w http.ResponseWriter, r *http.Request, pg *web.Page) {
	c, err := r.Cookie(noticeCookie)
	if err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: noticeCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
	key, args, ok := parseNotice(c.Value, s.noticeMAC)
	if !ok || !s.render.Catalog.Has(key) {
		return
	}
	pg.Notice = pg.T(key, args...)
}

// parseNotice reads a notice cookie's value: the message key and its
// arguments, if mac signed them.
func parseNotice(value string, mac func(string) string) (string, []any, bool) {
	enc, sig, ok := strings.Cut(value, ".")
	if !ok || len(enc) > 1000 {
		return "", nil, false
	}
	msg, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	// The decoder skips line breaks: only the one spelling is the message.
	if err != nil || base64.RawURLEncoding.EncodeToString(msg) != enc || !hmac.Equal([]byte(sig), []byte(mac(string(msg)))) {
		return "", nil, false
	}
	parts := strings.Split(string(msg), "\x00")
	if len(parts)%2 != 1 {
		return "", nil, false
	}
	args := make([]any, 0, len(parts)-1)
	for i, a := range parts[1:] {
		if i%2 == 1 && parts[i] == "n" {
			// The count of a plural message ("review.done.n") chooses
			// its form and is written in the page's digits.
			if n, err := strconv.Atoi(a); err == nil && strconv.Itoa(n) == a {
				args = append(args, n)
				continue
			}
		}
		args = append(args, a)
	}
	return parts[0], args, true
}

// wantsPage reports whether a request outside the API would rather read a
// page than a problem document: a browser's, which accepts text/html.
func wantsPage(r *http.Request) bool {
	if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// Problem answers a failure outside any page's handler (an unknown
// address, a panic): a page in the reader's language with a way back for
// a browser, problem+json for the API and other clients.
func (s *Pages) Problem(w http.ResponseWriter, r *http.Request, err error) {
	if !wantsPage(r) {
		httpx.WriteProblem(w, r, s.Log, err)
		return
	}
	p, sess, aerr := s.Auth.Principal(w, r)
	if aerr != nil {
		p, sess = access.Anonymous, nil
	}
	s.pageFail(w, r, s.newPage(r, p, sess, "", ""), err)
}

// NotFound is Problem for an address that names nothing.
func (s *Pages) NotFound(w http.ResponseWriter, r *http.Request) {
	s.Problem(w, r, errs.NotFound("no such resource"))
}

// backLink is where an error page's "back" leads: the page the reader
// came from on this site, or "".
func backLink(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host == "" || ref.Host != r.Host || ref.Path == r.URL.Path {
		return ""
	}
	return safeNext(ref.RequestURI())
}
