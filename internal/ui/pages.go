package ui

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
	"github.com/truce-monitoring/truce/internal/witnessclient"
)

// langCookie keeps an anonymous reader's (or a switched) language.
const langCookie = "truce_lang"

// pageRoutes registers the HTML pages.
func (s *Pages) pageRoutes(page func(method, path string, h http.HandlerFunc)) {
	page("GET", "/login", s.loginForm)
	page("POST", "/login", s.login)
	page("POST", "/logout", s.logout)
	page("GET", "/lang", s.languageLink)
	page("POST", "/lang", s.switchLanguage)
	page("GET", "/settings", s.settingsPage)
	page("POST", "/settings", s.saveSettings)
	page("GET", "/settings/password", s.passwordPage)
	page("POST", "/settings/password", s.changePassword)
	page("GET", "/review", s.reviewPage)
	page("POST", "/review", s.reviewDecide)
	page("GET", "/incidents/{id}", s.incidentPage)
	page("POST", "/incidents/{id}/transition", s.incidentTransition)
	page("POST", "/incidents/{id}/split", s.incidentSplit)
	page("POST", "/attachments", s.uploadAttachment)
	page("GET", "/allegations/new", s.allegationForm)
	page("POST", "/allegations/new", s.lodgeAllegation)
	page("GET", "/allegations/{id}", s.allegationPage)
	page("GET", "/observations/new", s.observationForm)
	page("POST", "/observations/new", s.recordObservation)
	page("GET", "/observations/{id}", s.observationPage)
	page("GET", "/agreements", s.agreementsPage)
	page("GET", "/agreements/{id}", s.agreementPage)
	page("GET", "/reports", s.reportsPage)
	page("POST", "/reports", s.reportsAction)
	page("GET", "/history/{entity}/{id}", s.historyPage)
	page("GET", "/admin/users", s.usersPage)
	page("POST", "/admin/users", s.createUser)
	page("POST", "/admin/users/{id}", s.changeUser)
	page("GET", "/admin/tokens", s.tokensPage)
	page("POST", "/admin/tokens", s.createToken)
	page("POST", "/admin/tokens/{id}/revoke", s.revokeToken)
	page("GET", "/admin/role-requests", s.requestsPage)
	page("GET", "/admin/witnesses", s.witnessesPage)
	page("POST", "/admin/role-requests/{id}", s.decideRequest)
}

// prefs are a user's stored interface preferences.
// preferences reads the reader's stored interface choices.
func (s *Pages) preferences(ctx context.Context, p access.Principal) account.Preferences {
	pr, err := s.Accounts.Preferences(ctx, p)
	if err != nil {
		s.Log.Warn("reading preferences", "err", err)
	}
	return pr
}

// language picks the interface language: the user's stored choice, then
// the switcher's cookie, then the browser's Accept-Language, then English.
func language(r *http.Request, stored string) string {
	if l := web.Supported(stored); l != "" {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := web.Supported(c.Value); l != "" {
			return l
		}
	}
	if l := web.Negotiate(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return web.Languages[0].Tag
}

// newPage starts a page for whoever is reading.
func (s *Pages) newPage(r *http.Request, p access.Principal, sess *account.Session, title, nav string) *web.Page {
	pr := s.preferences(r.Context(), p)
	lang := language(r, pr.Language)
	loc := time.UTC
	if pr.TimeZone != "" {
		if l, err := time.LoadLocation(pr.TimeZone); err == nil {
			loc = l
		}
	}
	pg := &web.Page{Title: title, Nav: nav, Lang: lang, Dir: web.DirOf(lang), Demo: s.Config.Demo, Location: loc,
		URI: r.URL.RequestURI(), Names: s.pageNames(r.Context(), p), Languages: web.Languages, RegistryNav: registryNav()}
	s.render.Attach(pg)
	if p.Authenticated() {
		pg.User = &p
	}
	pg.Offers = map[string]bool{
		"lodge":           s.Incidents.MayLodge(p) == nil,
		"observe":         s.Incidents.MayRecordObservation(p) == nil,
		"review":          s.Incidents.MayReview(p) == nil,
		"accounts":        account.MayManage(p),
		"requests":        account.MayReadRequests(p),
		"decide_requests": account.MayDecideRequests(p),
		"witnesses":       witnessclient.MayReadStatus(p),
	}
	s.registryFormOffers(pg, p) // pages_registry_forms.go
	for _, a := range s.Witnesses.Alarms(r.Context(), p) {
		pg.Alarms = append(pg.Alarms, web.Alarm{Witness: a.Name, Size: a.RefusedSize})
	}
	if sess != nil {
		pg.CSRF = sess.CSRF
	}
	return pg
}

// reader authenticates a page request. A reader who is not signed in is
// sent to sign in and back, and ok is false.
func (s *Pages) reader(w http.ResponseWriter, r *http.Request, title, nav string) (*web.Page, access.Principal, bool) {
	p, sess, err := s.Auth.Principal(w, r)
	if err != nil || !p.Authenticated() {
		if err != nil && errs.CodeOf(err) == errs.CodeForbidden {
			pg := s.newPage(r, access.Anonymous, nil, "error.forbidden", "")
			pg.Data = errs.MessageOf(err)
			s.render.Render(w, http.StatusForbidden, "error", pg)
			return nil, p, false
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil, p, false
	}
	pg := s.newPage(r, p, sess, title, nav)
	s.takeNotice(w, r, pg)
	return pg, p, true
}

// writer authenticates a form submission. When the session has ended the
// sign-in page comes back with what was typed kept in hidden fields, so that
// signing in again returns to the form with the text (see login).
func (s *Pages) writer(w http.ResponseWriter, r *http.Request, title, nav, formPath string) (*web.Page, access.Principal, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err != nil {
			s.pageFail(w, r, s.newPage(r, access.Anonymous, nil, title, nav), errs.Invalid("body", "is not a form"))
			return nil, access.Anonymous, false
		}
	}
	p, sess, err := s.Auth.Principal(w, r)
	if err != nil && errs.CodeOf(err) != errs.CodeUnauthenticated {
		pg := s.newPage(r, access.Anonymous, nil, "error.forbidden", "")
		pg.Data = errs.MessageOf(err)
		s.render.Render(w, http.StatusForbidden, "error", pg)
		return nil, p, false
	}
	if err != nil || !p.Authenticated() {
		pg := s.newPage(r, access.Anonymous, nil, "login.title", "")
		ld := loginData{Next: safeNext(formPath), Stashed: formPath != "", CSRF: s.loginToken(w, r)}
		if formPath != "" {
			for k, vs := range r.PostForm {
				if k == "csrf" || len(vs) == 0 {
					continue
				}
				ld.Stash = append(ld.Stash, stashField{Name: k, Value: vs[0]})
			}
			slices.SortFunc(ld.Stash, func(a, b stashField) int { return strings.Compare(a.Name, b.Name) })
		}
		pg.Data = ld
		s.render.Render(w, http.StatusUnauthorized, "login", pg)
		return nil, p, false
	}
	return s.newPage(r, p, sess, title, nav), p, true
}

// pageFail shows an error as a page with the right status.
func (s *Pages) pageFail(w http.ResponseWriter, r *http.Request, pg *web.Page, err error) {
	err = store.Unavailable(err)
	code := errs.CodeOf(err)
	status := httpx.StatusOf(code)
	title := map[errs.Code]string{errs.CodeNotFound: "error.notfound", errs.CodeForbidden: "error.forbidden",
		errs.CodeConflict: "error.conflict", errs.CodeInvalid: "error.invalid", httpx.CodeMethodNotAllowed: "error.method",
		httpx.CodePreconditionFailed: "error.conflict", httpx.CodePreconditionRequired: "error.conflict", httpx.CodeUnsupportedMediaType: "error.invalid"}[code]
	if title == "" {
		title = "error.internal"
	}
	pg.Title, pg.Back = title, backLink(r)
	switch {
	case status >= 500:
		s.Log.Error("page", "path", r.URL.Path, "err", err)
		pg.Data = pg.T("error.internal.text")
		if code == errs.CodeUnavailable {
			pg.Data = pg.T("error.unavailable.text")
		}
	case code == errs.CodeNotFound:
		// The service's message names the id asked for: the address
		// shows it already.
		pg.Data = pg.T("error.notfound.text")
	default:
		all := errs.All(err)
		var parts []string
		for _, e := range all {
			msg := pg.Explain(e)
			if l := pg.FieldLabel(e.Field); l != "" {
				msg = l + ": " + msg
			}
			parts = append(parts, msg)
		}
		pg.Data = strings.Join(parts, "; ")
	}
	s.render.Render(w, status, "error", pg)
}

// formErrors turns a domain error into a message next to its field (the
// JSON path's first segments name the form field) or at the top.
//
// Every error comes at once (errs.List), each translated next to its
// field; the summary at the top names the fields by their labels, so that
// a message for a field the form does not show is never lost.
func formErrors(pg *web.Page, form *web.Form, err error) {
	pg.FormErrors(form, store.Unavailable(err))
}

// newFormKey is a random idempotency key for one form.
func newFormKey() string { return rand.Text() }

// claimSubmission claims a form's idempotency key for p (see
// account.Service.ClaimSubmission).
func (s *Pages) claimSubmission(ctx context.Context, p access.Principal, key string) (result string, seen bool, err error) {
	return s.Accounts.ClaimSubmission(ctx, p, key)
}

// finishSubmission records where a claimed submission led; a failed one
// gives its key back so that the corrected form can be sent again.
func (s *Pages) finishSubmission(ctx context.Context, p access.Principal, key, result string) {
	if err := s.Accounts.FinishSubmission(ctx, p, key, result); err != nil {
		s.Log.Warn("form key", "err", err)
	}
}

// nameCache keeps the names of organisations and of the places each view
// of the data may read (access.ViewKey), until an organisation or a place
// is written, by this server or another on the database: a page names
// only places its reader may read.
type nameCache struct {
	mu      sync.Mutex
	version int64
	views   map[string]*names
}

// maxNameViews bounds the cache: one view per organisation (and per
// humanitarian organisation), plus anonymous readers.
const maxNameViews = 256

type names struct {
	orgs       map[string]agreement.Organisation
	places     map[string]geo.Place
	list       []geo.Place
	provisions map[string]agreement.Provision
}

func (c *nameCache) get(ctx context.Context, s *Pages, p access.Principal) *names {
	key := access.ViewKey(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	version, err := s.Ledger.Version(ctx, agreement.EntityOrganisation, geo.EntityPlace, agreement.EntityProvision)
	if err != nil {
		s.Log.Warn("names: version", "err", err)
		c.views = nil // read them again, and again next time
	}
	if c.views == nil || c.version != version || len(c.views) >= maxNameViews {
		c.views, c.version = map[string]*names{}, version
	}
	if n, ok := c.views[key]; ok {
		return n
	}
	n := &names{orgs: map[string]agreement.Organisation{}, places: map[string]geo.Place{}, provisions: map[string]agreement.Provision{}}
	if s.Agreements != nil {
		page := store.PageRequest{Limit: store.MaxLimit}
		for len(n.provisions) < 5000 {
			ps, err := s.Agreements.ListProvisions(ctx, p, agreement.ProvisionFilter{}, page)
			if err != nil {
				s.Log.Warn("names: provisions", "err", err)
				break
			}
			for _, pr := range ps.Items {
				n.provisions[pr.ID] = pr
			}
			if ps.Next == "" {
				break
			}
			page.Cursor = ps.Next
		}
	}
	if s.Agreements != nil {
		page := store.PageRequest{Limit: store.MaxLimit}
		for {
			orgs, err := s.Agreements.ListOrganisations(ctx, p, agreement.OrganisationFilter{}, page)
			if err != nil {
				s.Log.Warn("names: organisations", "err", err)
				break
			}
			for _, o := range orgs.Items {
				n.orgs[o.ID] = o
			}
			if orgs.Next == "" {
				break
			}
			page.Cursor = orgs.Next
		}
	}
	if s.Geo != nil {
		page := store.PageRequest{Limit: store.MaxLimit}
		for {
			ps, err := s.Geo.ListPlaces(ctx, p, geo.PlaceFilter{}, page)
			if err != nil {
				s.Log.Warn("names: places", "err", err)
				break
			}
			for _, p := range ps.Items {
				n.places[p.ID] = p
				n.list = append(n.list, p)
			}
			if ps.Next == "" || len(n.list) > 5000 {
				break
			}
			page.Cursor = ps.Next
		}
	}
	c.views[key] = n
	return n
}

// OrgName is the organisation's name in lang, its short name, or its name.
func (n *names) OrgName(lang, id string) string {
	o, ok := n.orgs[id]
	if !ok {
		return id
	}
	if v := o.Names[lang]; v != "" {
		return v
	}
	if o.ShortName != "" {
		return o.ShortName
	}
	return o.Name
}

// PlaceNames is a place's name as the reader would say it and its other
// names, each marked with its language and the side that uses it.
func (n *names) PlaceNames(lang, side, id string) (string, []string) {
	p, ok := n.places[id]
	if !ok {
		return id, nil
	}
	name := p.NameFor(lang, side)
	if side == "" {
		// A reader of no side — the mission's staff — reads every side's
		// name of a place the sides call differently: "Khankendi /
		// Stepanakert".
		var parties []string
		for _, pn := range p.Names {
			if pn.Party != "" && !slices.Contains(parties, pn.Party) {
				parties = append(parties, pn.Party)
			}
		}
		var each []string
		for _, party := range parties {
			if nm := p.NameFor(lang, party); nm != "" && !slices.Contains(each, nm) {
				each = append(each, nm)
			}
		}
		if len(each) > 1 {
			name = strings.Join(each, " / ")
		}
	}
	var others []string
	for _, pn := range p.Names {
		if pn.Name == name || slices.Contains(strings.Split(name, " / "), pn.Name) {
			continue
		}
		tag := pn.Lang
		if pn.Party != "" {
			tag += ", " + n.OrgName("en", pn.Party)
		}
		others = append(others, fmt.Sprintf("%s (%s)", pn.Name, tag))
	}
	return name, others
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

type stashField struct{ Name, Value string }

// loginData is the sign-in page's own data.
type loginData struct {
	Next, Username string
	Stash          []stashField // a form's fields kept across signing in again
	Stashed        bool
	CSRF           string // the pre-session token (see loginToken)
}

func (s *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(r, access.Anonymous, nil, "login.title", "")
	pg.Data = loginData{Next: safeNext(r.URL.Query().Get("next")), CSRF: s.loginToken(w, r)}
	s.render.Render(w, http.StatusOK, "login", pg)
}

func (s *Pages) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := httpx.CheckOrigin(r); err != nil {
		httpx.WriteProblem(w, r, s.Log, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		httpx.WriteProblem(w, r, s.Log, errs.Invalid("body", "is not a form"))
		return
	}
	name, pass := r.PostFormValue("username"), r.PostFormValue("password")
	ld := loginData{Next: safeNext(r.PostFormValue("next"))}
	stash := url.Values{}
	for k, vs := range r.PostForm {
		if f, ok := strings.CutPrefix(k, "stash."); ok && len(vs) > 0 {
			stash.Set(f, vs[0])
			ld.Stash = append(ld.Stash, stashField{Name: f, Value: vs[0]})
		}
	}
	slices.SortFunc(ld.Stash, func(a, b stashField) int { return strings.Compare(a.Name, b.Name) })
	ld.Stashed = len(ld.Stash) > 0
	if err := s.checkLoginToken(r); err != nil {
		// Nothing is tried or recorded: the form comes back with a token.
		pg := s.newPage(r, access.Anonymous, nil, "login.title", "")
		if len(name) <= 64 {
			ld.Username = name
		}
		ld.CSRF = s.loginToken(w, r)
		pg.Error, pg.Data = errs.MessageOf(err), ld
		s.render.Render(w, http.StatusForbidden, "login", pg)
		return
	}
	sess, p, err := s.Accounts.Login(r.Context(), name, pass, r.RemoteAddr)
	if err != nil {
		pg := s.newPage(r, access.Anonymous, nil, "login.title", "")
		if len(name) <= 64 {
			ld.Username = name
		}
		pg.Error = errs.MessageOf(err)
		status := http.StatusUnauthorized
		var lim *account.LimitedError
		if errors.As(err, &lim) {
			status = http.StatusTooManyRequests
			pg.Error = lim.Error()
			w.Header().Set("Retry-After", strconv.Itoa(max(int(lim.RetryAfter.Seconds()+0.999), 1)))
		}
		ld.CSRF = s.loginToken(w, r)
		pg.Data = ld
		s.render.Render(w, status, "login", pg)
		return
	}
	httpx.SetSessionCookie(w, sess.ID, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()), s.Config.SecureCookies)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.Config.SecureCookies, SameSite: http.SameSiteStrictMode})
	if len(stash) > 0 {
		// Back to the form with what was typed, for the user to send again.
		if show, ok := s.formPages()[ld.Next]; ok {
			pg := s.newPage(r, p, &sess, "", "")
			pg.Notice = pg.T("login.restored")
			show(w, r, pg, p, &web.Form{Values: stash, Key: stash.Get("form_key")})
			return
		}
	}
	http.Redirect(w, r, ld.Next, http.StatusSeeOther)
}

func (s *Pages) logout(w http.ResponseWriter, r *http.Request) {
	_, sess, err := s.Auth.Principal(w, r)
	if err != nil {
		httpx.WriteProblem(w, r, s.Log, err)
		return
	}
	if sess != nil {
		if err := s.Accounts.Logout(r.Context(), sess.ID); err != nil {
			httpx.WriteProblem(w, r, s.Log, err)
			return
		}
	}
	httpx.SetSessionCookie(w, "", -1, s.Config.SecureCookies)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// switchLanguage is the header's language switcher, a form of one button
// per language: it remembers the choice in a cookie, and for a signed-in
// user as the stored preference. A reader who is not signed in only gets
// the cookie, but the request must still come from this site; with a
// session it must carry the session's CSRF token like any other form.
func (s *Pages) switchLanguage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.pageFail(w, r, s.newPage(r, access.Anonymous, nil, "", ""), errs.Invalid("body", "is not a form"))
		return
	}
	if err := httpx.CheckOrigin(r); err != nil {
		s.pageFail(w, r, s.newPage(r, access.Anonymous, nil, "", ""), err)
		return
	}
	p, _, err := s.Auth.Principal(w, r)
	if err != nil && errs.CodeOf(err) != errs.CodeUnauthenticated {
		s.pageFail(w, r, s.newPage(r, access.Anonymous, nil, "", ""), err)
		return
	}
	lang := web.Supported(r.PostFormValue("to"))
	next := safeNext(r.PostFormValue("next"))
	if lang == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
	if err == nil && p.Authenticated() {
		pr := s.preferences(r.Context(), p)
		pr.Language = lang
		if err := s.Accounts.SavePreferences(r.Context(), p, pr); err != nil {
			s.Log.Warn("saving language", "err", err)
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// languageLink answers the switcher's old address, GET /lang, which once
// changed the language: a GET changes nothing, so it only goes back.
func (s *Pages) languageLink(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// settingsData is the settings page's own data.
type settingsData struct {
	Zones []string
}

// commonZones are offered on the settings page; any IANA zone is accepted.
var commonZones = []string{"UTC", "Asia/Baku", "Asia/Yerevan", "Europe/Moscow", "Europe/Istanbul", "Asia/Tbilisi", "Europe/Vienna", "Europe/London"}

func (s *Pages) settingsPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "settings.title", "settings")
	if !ok {
		return
	}
	pr := s.preferences(r.Context(), p)
	tz := pr.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	pg.Form = &web.Form{Values: url.Values{"language": {pg.Lang}, "time_zone": {tz}}}
	pg.Data = settingsData{Zones: commonZones}
	s.render.Render(w, http.StatusOK, "settings", pg)
}

func (s *Pages) saveSettings(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "settings.title", "settings", "")
	if !ok {
		return
	}
	form := &web.Form{Values: r.PostForm}
	lang := web.Supported(r.PostFormValue("language"))
	tz := strings.TrimSpace(r.PostFormValue("time_zone"))
	if lang == "" {
		form.Errors = map[string]string{"language": pg.T("settings.bad_language")}
	}
	if tz == "" {
		tz = "UTC"
	}
	if form.Errors == nil {
		err := s.Accounts.SavePreferences(r.Context(), p, account.Preferences{Language: lang, TimeZone: tz})
		if errs.CodeOf(err) == errs.CodeInvalid && errs.FieldOf(err) == "time_zone" {
			form.Errors = map[string]string{"time_zone": pg.T("settings.bad_zone")}
		} else if err != nil {
			s.pageFail(w, r, pg, err)
			return
		}
	}
	if form.Errors != nil {
		pg.Form, pg.Data = form, settingsData{Zones: commonZones}
		pg.Error = pg.T("form.has_errors")
		s.render.Render(w, http.StatusOK, "settings", pg)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode})
	s.done(w, r, "/settings", "settings.saved")
}
