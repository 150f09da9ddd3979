package server

import (
	"bytes"
	"encoding/hex"
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
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// VersionView is one version of a record on its history page.
type VersionView struct {
	store.Version
	Leaf    string // the leaf text the browser hashes
	Changes []FieldChange
	Pretty  string
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

func (s *Server) historyPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "history.title", "")
	if !ok {
		return
	}
	entity, id := r.PathValue("entity"), r.PathValue("id")
	vs, err := s.API.ReadHistory(r.Context(), p, entity, id)
	if err != nil {
		s.pageFail(w, r, pg, hideMissing(entity, id, err))
		return
	}
	d := historyData{Entity: entity, ID: id}
	var prev []byte
	for _, v := range vs {
		sum, _ := hex.DecodeString(v.BodySHA256)
		leaf := ledger.Leaf{Seq: v.Seq, Entity: entity, ID: id, Version: v.Version, Actor: v.Actor, Org: v.Org, Via: v.Via, At: v.At}
		copy(leaf.BodySHA256[:], sum)
		vv := VersionView{Version: v, Leaf: string(leaf.Encode())}
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
	pg.JSKeys = []string{"history.proof.checking", "history.proof.verified", "history.proof.signed", "history.proof.failed"}
	s.render.Render(w, http.StatusOK, "history", pg)
}

// adminOnly refuses anyone who may not manage accounts.
func adminOnly(p access.Principal) error {
	return access.Decide(p, access.Manage, access.Resource{Kind: "user"})
}

type usersData struct {
	Users []account.User
	Next  string
	Orgs  []Option
	Roles []access.Role
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "admin.users.title", "admin")
	if !ok {
		return
	}
	if err := adminOnly(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Form = &web.Form{Values: url.Values{}}
	s.showUsers(w, r, pg, http.StatusOK)
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, pg *web.Page, status int) {
	list, err := s.Accounts.ListUsers(r.Context(), store.PageRequest{Cursor: r.URL.Query().Get("cursor"), Limit: 100})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	n := s.names.get(r.Context(), s)
	var orgs []Option
	for id := range n.orgs {
		orgs = append(orgs, Option{Value: id, Label: n.OrgName(pg.Lang, id)})
	}
	sort.Slice(orgs, func(i, j int) bool { return orgs[i].Label < orgs[j].Label })
	pg.Data = usersData{Users: list.Items, Next: list.Next, Orgs: orgs, Roles: access.Roles}
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

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "admin.users.title", "admin", "")
	if !ok {
		return
	}
	if err := adminOnly(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	form := &web.Form{Values: r.PostForm}
	done, err := s.submit(w, r, p, form, func() (string, error) {
		in := account.UserInput{Username: form.V("username"), DisplayName: form.V("display_name"), Org: form.V("org"),
			Roles: formRoles(r.PostForm["roles"]), Language: form.V("language")}
		if _, err := s.Accounts.CreateUser(r.Context(), p.Actor(), in, form.V("password")); err != nil {
			return "", err
		}
		return "/admin/users", nil
	})
	if done {
		return
	}
	form.Values.Del("password")
	formErrors(pg, form, err)
	pg.Form = form
	s.showUsers(w, r, pg, formStatus(err))
}

// changeUser disables an account or sets its roles.
func (s *Server) changeUser(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "admin.users.title", "admin", "")
	if !ok {
		return
	}
	if err := adminOnly(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	id := r.PathValue("id")
	var err error
	switch r.PostFormValue("action") {
	case "disable":
		_, err = s.Accounts.DisableUser(r.Context(), p.Actor(), id)
	case "roles":
		var u account.User
		if u, err = s.Accounts.GetUser(r.Context(), id); err == nil {
			var v int64
			if v, err = formVersion(r); err == nil {
				_, err = s.Accounts.UpdateUser(r.Context(), p.Actor(), id, v, account.UserInput{Username: u.Username, DisplayName: u.DisplayName,
					Org: u.Org, Roles: formRoles(r.PostForm["roles"]), Disabled: u.Disabled, Language: u.Language})
			}
		}
	default:
		err = errs.Invalid("action", "must be disable or roles")
	}
	if err != nil {
		pg.Error = errs.MessageOf(err)
		s.showUsers(w, r, pg, formStatus(err))
		return
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

type tokensData struct {
	User   string
	Tokens []account.Token
	Secret string
	Now    time.Time
}

// tokenUser is whose tokens the page shows: yours, or (admin) ?user=.
func tokenUser(r *http.Request, p access.Principal) (string, error) {
	u := r.URL.Query().Get("user")
	if r.Method == http.MethodPost {
		u = r.PostFormValue("user")
	}
	if u == "" || u == p.UserID {
		return p.UserID, nil
	}
	if err := access.Decide(p, access.Manage, access.Resource{Kind: "token"}); err != nil {
		return "", err
	}
	return u, nil
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "admin.tokens.title", "admin")
	if !ok {
		return
	}
	user, err := tokenUser(r, p)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	s.showTokens(w, r, pg, user, "", http.StatusOK)
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, pg *web.Page, user, secret string, status int) {
	toks, err := s.Accounts.ListTokens(r.Context(), user)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Data = tokensData{User: user, Tokens: toks, Secret: secret, Now: s.API.Now()}
	if pg.Form == nil {
		pg.Form = &web.Form{}
	}
	pg.Form.Key = newFormKey()
	s.render.Render(w, status, "admin_tokens", pg)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "admin.tokens.title", "admin", "")
	if !ok {
		return
	}
	user, err := tokenUser(r, p)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
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
	if prev, seen, err := s.claimSubmission(r.Context(), p.UserID, key); err != nil || seen {
		if err != nil {
			s.pageFail(w, r, pg, err)
			return
		}
		http.Redirect(w, r, prev, http.StatusSeeOther)
		return
	}
	_, secret, err := s.Accounts.CreateToken(r.Context(), p.Actor(), user, form.V("name"), expires)
	where := ""
	if err == nil {
		where = "/admin/tokens?user=" + url.QueryEscape(user)
	}
	s.finishSubmission(r.Context(), p.UserID, key, where)
	if err != nil {
		formErrors(pg, form, err)
		pg.Form = form
		s.showTokens(w, r, pg, user, "", formStatus(err))
		return
	}
	pg.Notice = pg.T("tokens.created")
	s.showTokens(w, r, pg, user, secret, http.StatusCreated)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "admin.tokens.title", "admin", "")
	if !ok {
		return
	}
	id := r.PathValue("id")
	toks, err := s.Accounts.ListTokens(r.Context(), p.UserID)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	own := slices.ContainsFunc(toks, func(t account.Token) bool { return t.ID == id })
	if !own {
		if err := access.Decide(p, access.Manage, access.Resource{Kind: "token"}); err != nil {
			s.pageFail(w, r, pg, errs.NotFound("no token %s", id))
			return
		}
	}
	t, err := s.Accounts.RevokeToken(r.Context(), p.Actor(), id)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	http.Redirect(w, r, "/admin/tokens?user="+url.QueryEscape(t.User), http.StatusSeeOther)
}
