package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// VersionView is one version of a record on its history page.
type VersionView struct {
	store.Version
	Leaf    string // the leaf text the browser hashes
	Changes []FieldChange
	Pretty  string
	// Cosigned are the witnesses' cosignatures of the first checkpoint
	// each cosigned that includes this version.
	Cosigned []store.Cosignature
}

// FieldChange is one difference between a version's body and the one
// before: a JSON path with the old and new values ("" when absent).
type FieldChange struct {
	Path, Old, New string
	Kind           string // added, removed, changed
}

type historyData struct {
	Entity, ID string
	Versions   []VersionView
	Witnessed  bool // the centre has witnesses: say who cosigned each version
}

// flatten lists a JSON value's leaves by path.
func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			out[prefix] = "{}"
		}
		for k, x := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x, out)
		}
	case []any:
		if len(t) == 0 {
			out[prefix] = "[]"
		}
		for i, x := range t {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), x, out)
		}
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // the page escapes; "<" should read as "<"
		enc.Encode(t)
		out[prefix] = strings.TrimSuffix(b.String(), "\n")
	}
}

// diffBodies is the server-side JSON diff of two change bodies.
func diffBodies(before, after []byte) []FieldChange {
	a, b := map[string]string{}, map[string]string{}
	var av, bv any
	if len(before) > 0 && json.Unmarshal(before, &av) == nil {
		flatten("", av, a)
	}
	if len(after) > 0 && json.Unmarshal(after, &bv) == nil {
		flatten("", bv, b)
	}
	var out []FieldChange
	for k, nv := range b {
		ov, ok := a[k]
		switch {
		case !ok:
			out = append(out, FieldChange{Path: k, New: nv, Kind: "added"})
		case ov != nv:
			out = append(out, FieldChange{Path: k, Old: ov, New: nv, Kind: "changed"})
		}
	}
	for k, ov := range a {
		if _, ok := b[k]; !ok {
			out = append(out, FieldChange{Path: k, Old: ov, Kind: "removed"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func (s *Pages) historyPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "history.title", "")
	if !ok {
		return
	}
	entity, id := r.PathValue("entity"), r.PathValue("id")
	vs, err := s.Records.History(r.Context(), p, entity, id)
	if err != nil {
		s.pageFail(w, r, pg, hideMissing(entity, id, err))
		return
	}
	d := historyData{Entity: entity, ID: id, Witnessed: s.Witnesses != nil}
	var prev []byte
	for _, v := range vs {
		// The leaf as the log holds it: for a record that is not public, a
		// committed leaf, whose opening the page carries too (v.Opening).
		vv := VersionView{Version: v, Leaf: v.Leaf}
		if d.Witnessed {
			if vv.Cosigned, err = s.Witnesses.CosignedBy(r.Context(), p, v.Seq); err != nil {
				s.pageFail(w, r, pg, err)
				return
			}
		}
		if v.Body != nil {
			vv.Changes = diffBodies(prev, v.Body)
			var buf bytes.Buffer
			if json.Indent(&buf, v.Body, "", "  ") == nil {
				vv.Pretty = buf.String()
			}
			prev = v.Body
		}
		d.Versions = append(d.Versions, vv)
	}
	slices.Reverse(d.Versions) // newest first
	pg.Data = d
	pg.Scripts = append(pg.Scripts, "proof.js")
	pg.JSKeys = []string{"history.proof.checking", "history.proof.verified", "history.proof.signed", "history.proof.failed", "history.proof.committed", "history.proof.pending"}
	s.render.Render(w, http.StatusOK, "history", pg)
}

// witnessesPage shows admins and co-chairs each witness's state.
func (s *Pages) witnessesPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "witness.title", "witnesses")
	if !ok {
		return
	}
	st, err := s.Witnesses.Status(r.Context(), p)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Data = st
	s.render.Render(w, http.StatusOK, "witnesses", pg)
}

// The account pages parse forms and call the account service with the
// reader's principal; the service decides who may do what.

type usersData struct {
	Users   []account.User
	Next    string
	Orgs    []Option
	Roles   []access.Role
	Pending []account.RoleRequest // changes waiting for a co-chair
}

func (s *Pages) usersPage(w http.ResponseWriter, r *http.Request) {
	pg, _, ok := s.reader(w, r, "admin.users.title", "admin")
	if !ok {
		return
	}
	pg.Form = &web.Form{Values: url.Values{}}
	s.showUsers(w, r, pg, http.StatusOK)
}

func (s *Pages) showUsers(w http.ResponseWriter, r *http.Request, pg *web.Page, status int) {
	p := *pg.User
	list, err := s.Accounts.ListUsers(r.Context(), p, store.PageRequest{Cursor: r.URL.Query().Get("cursor"), Limit: 100})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	pending, err := s.Accounts.ListRoleRequests(r.Context(), p, account.RequestFilter{State: account.RequestPending}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	n := s.names.get(r.Context(), s, access.Anonymous) // organisations: the same in every view
	var orgs []Option
	for id := range n.orgs {
		orgs = append(orgs, Option{Value: id, Label: n.OrgName(pg.Lang, id)})
	}
	sort.Slice(orgs, func(i, j int) bool { return orgs[i].Label < orgs[j].Label })
	pg.Data = usersData{Users: list.Items, Next: list.Next, Orgs: orgs, Roles: access.Roles, Pending: pending.Items}
	if pg.Form == nil {
		pg.Form = &web.Form{}
	}
	if pg.Form.Key == "" {
		pg.Form.Key = newFormKey()
	}
	s.render.Render(w, status, "admin_users", pg)
}

func formRoles(vals []string) []access.Role {
	out := make([]access.Role, 0, len(vals))
	for _, v := range vals {
		out = append(out, access.Role(v))
	}
	return out
}

// afterAccountChange is where a change to an account leads: the accounts
// page, saying so when the change waits for a co-chair.
func afterAccountChange(req *account.RoleRequest) string {
	if req != nil {
		return "/admin/users?requested=" + url.QueryEscape(req.ID)
	}
	return "/admin/users"
}

// accountNotice is the confirmation of a change to an account: made, or
// waiting for a co-chair because it widens the account's reach.
func accountNotice(req *account.RoleRequest, made string) string {
	if req != nil {
		return "requests.asked"
	}
	return made
}

func (s *Pages) createUser(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "admin.users.title", "admin", "")
	if !ok {
		return
	}
	form := &web.Form{Values: r.PostForm}
	done, err := s.submit(w, r, p, form, func() (string, error) {
		in := account.UserInput{Username: form.V("username"), DisplayName: form.V("display_name"), Org: form.V("org"),
			Roles: formRoles(r.PostForm["roles"]), Language: form.V("language")}
		_, req, err := s.Accounts.CreateUser(r.Context(), p, in, form.V("password"))
		if err != nil {
			return "", err
		}
		return doneAt(afterAccountChange(req), accountNotice(req, "done.user.created")), nil
	})
	if done {
		return
	}
	if errs.CodeOf(err) == errs.CodeForbidden || errs.CodeOf(err) == errs.CodeUnauthenticated {
		s.pageFail(w, r, pg, err)
		return
	}
	form.Values.Del("password")
	formErrors(pg, form, err)
	pg.Form = form
	s.showUsers(w, r, pg, formStatus(err))
}

// changeUser disables an account or sets its roles.
func (s *Pages) changeUser(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "admin.users.title", "admin", "")
	if !ok {
		return
	}
	id := r.PathValue("id")
	var err error
	var req *account.RoleRequest
	switch r.PostFormValue("action") {
	case "disable":
		_, err = s.Accounts.DisableUser(r.Context(), p, id)
	case "roles":
		var u account.User
		if u, err = s.Accounts.GetUser(r.Context(), p, id); err == nil {
			var v int64
			if v, err = formVersion(r); err == nil {
				_, req, err = s.Accounts.UpdateUser(r.Context(), p, id, v, account.UserInput{Username: u.Username, DisplayName: u.DisplayName,
					Org: u.Org, Roles: formRoles(r.PostForm["roles"]), Disabled: u.Disabled, Language: u.Language})
			}
		}
	default:
		err = errs.Invalid("action", "must be disable or roles")
	}
	if c := errs.CodeOf(err); c == errs.CodeForbidden || c == errs.CodeUnauthenticated || c == errs.CodeNotFound {
		s.pageFail(w, r, pg, err)
		return
	}
	if err != nil {
		pg.Error = errs.MessageOf(err)
		s.showUsers(w, r, pg, formStatus(err))
		return
	}
	made := "done.user.roles"
	if r.PostFormValue("action") == "disable" {
		made = "done.user.disabled"
	}
	s.done(w, r, afterAccountChange(req), accountNotice(req, made))
}

type requestsData struct {
	Pending  bool
	Requests []account.RoleRequest // pending first, then the last ones decided
}

// requestsPage lists the changes that wait for a co-chair, and the last
// ones decided; co-chairs approve or reject them here.
func (s *Pages) requestsPage(w http.ResponseWriter, r *http.Request) {
	pg, _, ok := s.reader(w, r, "requests.title", "requests")
	if !ok {
		return
	}
	s.showRequests(w, r, pg, http.StatusOK)
}

func (s *Pages) showRequests(w http.ResponseWriter, r *http.Request, pg *web.Page, status int) {
	p := *pg.User
	pending, err := s.Accounts.ListRoleRequests(r.Context(), p, account.RequestFilter{State: account.RequestPending}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	recent, err := s.Accounts.ListRoleRequests(r.Context(), p, account.RequestFilter{}, store.PageRequest{Limit: 50})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d := requestsData{Pending: len(pending.Items) > 0, Requests: pending.Items}
	for _, q := range recent.Items {
		if q.State != account.RequestPending {
			d.Requests = append(d.Requests, q)
		}
	}
	pg.Data = d
	s.render.Render(w, status, "admin_requests", pg)
}

// decideRequest approves or rejects a role request.
func (s *Pages) decideRequest(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "requests.title", "requests", "")
	if !ok {
		return
	}
	id, d := r.PathValue("id"), account.Decision{Note: strings.TrimSpace(r.PostFormValue("note"))}
	var err error
	switch r.PostFormValue("action") {
	case "approve":
		_, _, err = s.Accounts.ApproveRoleRequest(r.Context(), p, id, d)
	case "reject":
		_, err = s.Accounts.RejectRoleRequest(r.Context(), p, id, d)
	default:
		err = errs.Invalid("action", "must be approve or reject")
	}
	if c := errs.CodeOf(err); c == errs.CodeForbidden || c == errs.CodeUnauthenticated || c == errs.CodeNotFound {
		s.pageFail(w, r, pg, err)
		return
	}
	if err != nil {
		pg.Error = errs.MessageOf(err)
		s.showRequests(w, r, pg, httpx.StatusOf(errs.CodeOf(err)))
		return
	}
	s.done(w, r, "/admin/role-requests", "done.request."+r.PostFormValue("action"))
}

type tokensData struct {
	User   string
	Tokens []account.Token
	Secret string
	Now    time.Time
}

// tokenUser is whose tokens the page is about: yours, or ?user= (the
// account service lets an admin list and revoke others' tokens, and nobody
// make one for another user).
func tokenUser(r *http.Request, p access.Principal) string {
	u := r.URL.Query().Get("user")
	if r.Method == http.MethodPost {
		u = r.PostFormValue("user")
	}
	if u == "" {
		return p.UserID
	}
	return u
}

func (s *Pages) tokensPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "admin.tokens.title", "admin")
	if !ok {
		return
	}
	s.showTokens(w, r, pg, tokenUser(r, p), "", http.StatusOK)
}

func (s *Pages) showTokens(w http.ResponseWriter, r *http.Request, pg *web.Page, user, secret string, status int) {
	toks, err := s.Accounts.ListTokens(r.Context(), *pg.User, user)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Data = tokensData{User: user, Tokens: toks, Secret: secret, Now: s.Now()}
	if pg.Form == nil {
		pg.Form = &web.Form{}
	}
	pg.Form.Key = newFormKey()
	s.render.Render(w, status, "admin_tokens", pg)
}

func (s *Pages) createToken(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "admin.tokens.title", "admin", "")
	if !ok {
		return
	}
	user := tokenUser(r, p)
	form := &web.Form{Values: r.PostForm}
	var expires time.Duration
	if e := strings.TrimSpace(form.V("expires_days")); e != "" {
		days, err := strconv.Atoi(e)
		if err != nil || days < 1 || days > 3650 {
			form.Errors = map[string]string{"expires_days": pg.T("tokens.bad_days")}
			pg.Form = form
			s.showTokens(w, r, pg, user, "", http.StatusOK)
			return
		}
		expires = time.Duration(days) * 24 * time.Hour
	}
	// The secret is shown once, on the answer to this request: a second
	// submission of the same form creates no second token and shows none.
	key := form.V("form_key")
	if prev, seen, err := s.claimSubmission(r.Context(), p, key); err != nil || seen {
		if err != nil {
			s.pageFail(w, r, pg, err)
			return
		}
		http.Redirect(w, r, prev, http.StatusSeeOther)
		return
	}
	_, secret, err := s.Accounts.CreateToken(r.Context(), p, user, form.V("name"), expires)
	where := ""
	if err == nil {
		where = "/admin/tokens?user=" + url.QueryEscape(user)
	}
	s.finishSubmission(r.Context(), p, key, where)
	if c := errs.CodeOf(err); c == errs.CodeForbidden || c == errs.CodeUnauthenticated || c == errs.CodeNotFound {
		s.pageFail(w, r, pg, err)
		return
	}
	if err != nil {
		formErrors(pg, form, err)
		pg.Form = form
		s.showTokens(w, r, pg, user, "", formStatus(err))
		return
	}
	pg.Notice = pg.T("tokens.created")
	s.showTokens(w, r, pg, user, secret, http.StatusCreated)
}

func (s *Pages) revokeToken(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "admin.tokens.title", "admin", "")
	if !ok {
		return
	}
	t, err := s.Accounts.RevokeToken(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	s.done(w, r, "/admin/tokens?user="+url.QueryEscape(t.User), "done.token.revoked")
}
