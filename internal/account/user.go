package account

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Username rules.
const (
	MinUsernameLength = 3
	MaxUsernameLength = 64
	maxDisplayName    = 200
	maxOrgID          = 100
	defaultLanguage   = "en"
)

// reservedNames are names the change log and the policy use for actors
// that are not users.
var reservedNames = []string{"anonymous", "system"}

// User is an account as the service returns it. It never carries the
// password or its hash.
type User struct {
	ID            string        `json:"id"`
	Version       int64         `json:"version"`
	CreatedAt     time.Time     `json:"created_at"` // time of the first change
	UpdatedAt     time.Time     `json:"updated_at"` // time of the latest change
	Username      string        `json:"username"`
	DisplayName   string        `json:"display_name"`
	Org           string        `json:"org"`
	Roles         []access.Role `json:"roles"`
	Disabled      bool          `json:"disabled"`
	PasswordSetAt time.Time     `json:"password_set_at"`
	Language      string        `json:"language"`
}

// userBody is a user's change body.
type userBody struct {
	Username      string        `json:"username"`
	DisplayName   string        `json:"display_name"`
	Org           string        `json:"org"`
	Roles         []access.Role `json:"roles"`
	Disabled      bool          `json:"disabled"`
	PasswordSetAt time.Time     `json:"password_set_at"`
	Language      string        `json:"language"`
}

// UserInput is an account as a client sends it to create or update one.
// An update may leave Username empty; it cannot change it.
type UserInput struct {
	Username    string        `json:"username"`
	DisplayName string        `json:"display_name"`
	Org         string        `json:"org"`
	Roles       []access.Role `json:"roles"`
	Disabled    bool          `json:"disabled"`
	Language    string        `json:"language"` // BCP 47 tag; "" means "en"
}

// Validate reports the first problem with in that can be seen without the
// database, as errs.Invalid naming the JSON field. Whether the organisation
// exists and is a side (for a liaison) is checked when the user is written.
func (in UserInput) Validate() error {
	_, err := in.body()
	return err
}

func (in UserInput) body() (userBody, error) {
	var b userBody
	if err := CheckUsername("username", in.Username); err != nil {
		return b, err
	}
	if err := text.CheckName("display_name", in.DisplayName, maxDisplayName); err != nil {
		return b, err
	}
	if in.Org == "" {
		return b, errs.Invalid("org", "is required: the organisation the user acts for")
	}
	if len(in.Org) > maxOrgID || !printableASCII(in.Org) {
		return b, errs.Invalid("org", "is not an organisation id")
	}
	roles, err := checkRoles(in.Roles)
	if err != nil {
		return b, err
	}
	lang := in.Language
	if lang == "" {
		lang = defaultLanguage
	} else if !checkLanguageTag(lang) {
		return b, errs.Invalid("language", "is not a language tag such as en, hy or az-Latn")
	}
	return userBody{Username: in.Username, DisplayName: in.DisplayName, Org: in.Org, Roles: roles, Disabled: in.Disabled, Language: lang}, nil
}

// CheckUsername reports whether s is a valid username: 3 to 64 characters
// of a-z, 0-9, '.', '_' and '-', beginning with a letter or digit.
func CheckUsername(field, s string) error {
	if len(s) < MinUsernameLength || len(s) > MaxUsernameLength {
		return errs.Invalid(field, "must be %d to %d characters long", MinUsernameLength, MaxUsernameLength)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return errs.Invalid(field, "may hold only lower-case letters a-z, digits and . _ - (not first)")
		}
	}
	if slices.Contains(reservedNames, s) {
		return errs.Invalid(field, "%q is reserved", s)
	}
	return nil
}

// checkRoles checks the roles and returns them in the order access.Roles
// gives them, so that equal sets have equal bodies.
func checkRoles(in []access.Role) ([]access.Role, error) {
	if len(in) == 0 {
		return nil, errs.Invalid("roles", "must name at least one role")
	}
	if len(in) > len(access.Roles) {
		return nil, errs.Invalid("roles", "names %d roles; there are only %d", len(in), len(access.Roles))
	}
	for i, r := range in {
		field := fmt.Sprintf("roles[%d]", i)
		if _, err := access.ParseRole(field, string(r)); err != nil {
			return nil, err
		}
		if slices.Contains(in[:i], r) {
			return nil, errs.Invalid(field, "repeats %q", r)
		}
	}
	if slices.Contains(in, access.Liaison) && len(in) > 1 {
		return nil, errs.Invalid("roles", "a liaison may have no other role: it acts only for its side")
	}
	out := make([]access.Role, 0, len(in))
	for _, r := range access.Roles {
		if slices.Contains(in, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// checkOrg checks inside the write transaction that the organisation
// exists and, for a liaison, that it is a side.
func checkOrg(tx *store.Tx, b userBody) error {
	if err := agreement.CheckOrganisation(tx, "org", b.Org); err != nil {
		return err
	}
	var kind string
	if err := tx.QueryRow(`SELECT kind FROM organisations WHERE id = ?`, b.Org).Scan(&kind); err != nil {
		return err
	}
	if slices.Contains(b.Roles, access.Liaison) && kind != agreement.KindSide {
		return errs.Invalid("org", "a liaison must belong to an organisation of kind %s; %s is of kind %s", agreement.KindSide, b.Org, kind)
	}
	return nil
}

// checkUsernameFree checks inside the write transaction that no other
// user has the name.
func checkUsernameFree(tx *store.Tx, username string) error {
	var id string
	err := tx.QueryRow(`SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	if err == nil {
		return errs.Conflict("username", "%q is taken", username)
	}
	if store.IsNoRows(err) {
		return nil
	}
	return err
}

// checkAdminRemains refuses a change that would leave no enabled admin,
// since then nobody could manage accounts through the application.
func checkAdminRemains(tx *store.Tx, id string, before, after userBody) error {
	wasAdmin := !before.Disabled && slices.Contains(before.Roles, access.Admin)
	isAdmin := !after.Disabled && slices.Contains(after.Roles, access.Admin)
	if !wasAdmin || isAdmin {
		return nil
	}
	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM users WHERE id <> ? AND disabled = 0 AND (',' || roles || ',') LIKE '%,admin,%'`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		field := "roles"
		if after.Disabled {
			field = "disabled"
		}
		return errs.Conflict(field, "%s is the last enabled admin; make another admin first", before.Username)
	}
	return nil
}

// manage refuses a principal that may not run accounts: an admin, or the
// operator.
func manage(p access.Principal) error {
	if isOperator(p) {
		return nil
	}
	return access.Decide(p, access.Manage, access.Resource{Kind: EntityUser})
}

// CreateUser records a new user with the given password, as p (an admin,
// or the operator) asks. A new account that would reach more than its
// creator does (Widens from the creator's reach) is not created at once: the
// answer is a pending RoleRequest, and the account exists, with this
// password, once a co-chair approves it.
func (s *Service) CreateUser(ctx context.Context, p access.Principal, in UserInput, password string) (User, *RoleRequest, error) {
	if err := manage(p); err != nil {
		return User{}, nil, wrap("create user", err)
	}
	b, err := in.body()
	if err != nil {
		return User{}, nil, wrap("create user", err)
	}
	if err := CheckPassword(password, b.Username); err != nil {
		return User{}, nil, wrap("create user", err)
	}
	// Hash outside the write transaction: it takes a tenth of a second.
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return User{}, nil, wrap("create user", err)
	}
	id := s.db.NewID(userPrefix)
	var out User
	var req *RoleRequest
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkUsernameFree(tx, b.Username); err != nil {
			return err
		}
		if err := checkUsernameNotAsked(tx, b.Username); err != nil {
			return err
		}
		if err := checkOrg(tx, b); err != nil {
			return err
		}
		if widens := Widens(principalReach(p), Reach{Org: b.Org, Roles: b.Roles}); len(widens) > 0 && !isOperator(p) {
			// The password is held for the account until the request is
			// decided; no users row, so nobody signs in with it.
			if err := s.setCredential(tx, p.Actor(), id, hash, reasonCreated); err != nil {
				return err
			}
			r, err := s.askWidening(tx, p, id, 0, Reach{}, b, widens)
			req = &r
			return err
		}
		b.PasswordSetAt = tx.Now()
		r, err := tx.Record(store.Change{Entity: EntityUser, ID: id, Version: 1, Actor: p.Actor(), Body: b})
		if err != nil {
			return err
		}
		if err := s.setCredential(tx, p.Actor(), id, hash, reasonCreated); err != nil {
			return err
		}
		out = b.record(id, r.Version, r.At, r.At)
		return nil
	})
	if err != nil {
		return User{}, nil, wrap("create user", err)
	}
	return out, req, nil
}

// checkUsernameNotAsked refuses a name that a pending request for a new
// account holds.
func checkUsernameNotAsked(tx *store.Tx, username string) error {
	var id string
	err := tx.QueryRow(`SELECT id FROM role_requests WHERE username = ? AND state = 'pending' AND user_id NOT IN (SELECT id FROM users)`, username).Scan(&id)
	if err == nil {
		return errs.Conflict("username", "%q is asked for by role request %s", username, id)
	}
	if store.IsNoRows(err) {
		return nil
	}
	return err
}

// UpdateUser replaces the display name, organisation, roles, language and
// disabled flag of user id, which the client last read at version, as p (an
// admin, or the operator) asks. The username cannot change, and nobody
// changes their own roles or organisation. A change that widens the
// account's reach (Widens) is not made at once: the answer is the unchanged
// user and a pending RoleRequest. Disabling a user ends its sessions.
func (s *Service) UpdateUser(ctx context.Context, p access.Principal, id string, version int64, in UserInput) (User, *RoleRequest, error) {
	if err := manage(p); err != nil {
		return User{}, nil, wrap("update user", err)
	}
	var out User
	var req *RoleRequest
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		if version < 1 {
			return errs.Invalid("version", "must be the version of the user you last read (1 or more)")
		}
		cur, err := currentUser(tx.QueryRow(currentUserSQL, EntityUser, id), id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return errs.Conflict("version", "user %s is at version %d; this change was made against version %d", id, cur.Version, version)
		}
		if in.Username == "" {
			in.Username = cur.Username
		} else if in.Username != cur.Username {
			return errs.Invalid("username", "cannot be changed; create a new account instead")
		}
		b, err := in.body()
		if err != nil {
			return err
		}
		if err := checkOrg(tx, b); err != nil {
			return err
		}
		if id == p.UserID && (b.Org != cur.Org || !slices.Equal(b.Roles, cur.Roles)) {
			field := "roles"
			if b.Org != cur.Org {
				field = "org"
			}
			return &errs.Error{Code: errs.CodeForbidden, Field: field, Message: "nobody changes their own roles or organisation: another admin does"}
		}
		before := cur.body()
		if err := checkAdminRemains(tx, id, before, b); err != nil {
			return err
		}
		if widens := Widens(cur.reach(), Reach{Org: b.Org, Roles: b.Roles}); len(widens) > 0 && !isOperator(p) {
			r, err := s.askWidening(tx, p, id, cur.Version, cur.reach(), b, widens)
			out, req = cur, &r
			return err
		}
		b.PasswordSetAt = cur.PasswordSetAt
		r, err := tx.Record(store.Change{Entity: EntityUser, ID: id, Version: version + 1, Actor: p.Actor(), Body: b})
		if err != nil {
			return err
		}
		if b.Disabled {
			if err := s.endSessions(tx, p.Actor(), id, reasonUserDisabled); err != nil {
				return err
			}
		}
		out = b.record(id, r.Version, cur.CreatedAt, r.At)
		return nil
	})
	if err != nil {
		return User{}, nil, wrap("update user", err)
	}
	return out, req, nil
}

// DisableUser disables user id and ends its sessions; its tokens stop
// working. Disabling a disabled user changes nothing. An admin or the
// operator may.
func (s *Service) DisableUser(ctx context.Context, p access.Principal, id string) (User, error) {
	if err := manage(p); err != nil {
		return User{}, wrap("disable user", err)
	}
	actor := p.Actor()
	var out User
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		cur, err := currentUser(tx.QueryRow(currentUserSQL, EntityUser, id), id)
		if err != nil {
			return err
		}
		out = cur
		if cur.Disabled {
			return nil
		}
		b := cur.body()
		b.Disabled = true
		if err := checkAdminRemains(tx, id, cur.body(), b); err != nil {
			return err
		}
		r, err := tx.Record(store.Change{Entity: EntityUser, ID: id, Version: cur.Version + 1, Actor: actor, Body: b})
		if err != nil {
			return err
		}
		out = b.record(id, r.Version, cur.CreatedAt, r.At)
		return s.endSessions(tx, actor, id, reasonUserDisabled)
	})
	return out, wrap("disable user", err)
}

// ResetPassword sets another account's password, as p asks: the operator
// for any account, an admin for an account that reaches no further than the
// admin does (see SetPassword). One's own password is changed with the
// current one (ChangePassword), not reset.
func (s *Service) ResetPassword(ctx context.Context, p access.Principal, id, password string) error {
	if p.Authenticated() && p.UserID == id && !isOperator(p) {
		return wrap("reset password", errs.Forbidden("change your own password with your current one (POST /api/v1/me/password, or Settings)"))
	}
	return s.SetPassword(ctx, p, id, password)
}

// SetPassword sets the password of user id: the user's own change (after
// the caller has checked the old one), the operator's reset, or an admin's
// reset of an account that reaches no further than the admin does (one who
// sets a password can sign in with it). The change log records when; the
// hash goes only to the credentials table. Every session of the user ends.
func (s *Service) SetPassword(ctx context.Context, p access.Principal, id, password string) error {
	actor := p.Actor()
	self := p.Authenticated() && p.UserID == id
	if !self {
		if err := manage(p); err != nil {
			return wrap("set password", err)
		}
	}
	u, err := s.getUser(ctx, id)
	if err != nil {
		return wrap("set password", err)
	}
	if !self && !isOperator(p) {
		if widens := Widens(principalReach(p), u.reach()); len(widens) > 0 {
			return wrap("set password", errs.Forbidden("%s reaches further than you do (%s): the operator resets this password (truce user reset-password)",
				u.Username, strings.Join(widens, ", ")))
		}
	}
	if err := CheckPassword(password, u.Username); err != nil {
		return wrap("set password", err)
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return wrap("set password", err)
	}
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		cur, err := currentUser(tx.QueryRow(currentUserSQL, EntityUser, id), id)
		if err != nil {
			return err
		}
		b := cur.body()
		b.PasswordSetAt = tx.Now()
		if _, err := tx.Record(store.Change{Entity: EntityUser, ID: id, Version: cur.Version + 1, Actor: actor, Body: b}); err != nil {
			return err
		}
		if err := s.setCredential(tx, actor, id, hash, passwordReason(actor, id)); err != nil {
			return err
		}
		return s.endSessions(tx, actor, id, reasonPasswordSet)
	})
	return wrap("set password", err)
}

// GetUser returns user id to that user, an admin or the operator.
func (s *Service) GetUser(ctx context.Context, p access.Principal, id string) (User, error) {
	if id != p.UserID || !p.Authenticated() {
		if err := manage(p); err != nil {
			return User{}, wrap("get user", err)
		}
	}
	return s.getUser(ctx, id)
}

func (s *Service) getUser(ctx context.Context, id string) (User, error) {
	u, err := currentUser(s.db.QueryRow(ctx, currentUserSQL, EntityUser, id), id)
	return u, wrap("get user", err)
}

// UserByName returns the user called username to that user, an admin or
// the operator.
func (s *Service) UserByName(ctx context.Context, p access.Principal, username string) (User, error) {
	if username != p.Username || !p.Authenticated() {
		if err := manage(p); err != nil {
			return User{}, wrap("user by name", err)
		}
	}
	var id string
	err := s.db.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	if store.IsNoRows(err) {
		return User{}, wrap("user by name", errs.NotFound("no user %q", username))
	}
	if err != nil {
		return User{}, wrap("user by name", err)
	}
	return s.getUser(ctx, id)
}

// ListUsers returns a page of users in id order to an admin or the
// operator.
func (s *Service) ListUsers(ctx context.Context, p access.Principal, page store.PageRequest) (store.Page[User], error) {
	if err := manage(p); err != nil {
		return store.Page[User]{}, wrap("list users", err)
	}
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[User]{}, wrap("list users", err)
	}
	after := ""
	if keys != nil {
		if len(keys) != 1 || keys[0] == "" {
			return store.Page[User]{}, wrap("list users", errs.Invalid("cursor", "is not a cursor this server issued"))
		}
		after = keys[0]
	}
	rows, err := s.db.Query(ctx, `SELECT c.id, c.version, c.body, c.at, f.at FROM users r
		JOIN changes c ON c.entity = 'user' AND c.id = r.id
			AND c.version = (SELECT MAX(version) FROM changes WHERE entity = 'user' AND id = r.id)
		JOIN changes f ON f.entity = 'user' AND f.id = r.id AND f.version = 1
		WHERE r.id > ? ORDER BY r.id LIMIT ?`, after, limit+1)
	if err != nil {
		return store.Page[User]{}, wrap("list users", err)
	}
	defer rows.Close()
	var items []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return store.Page[User]{}, wrap("list users", err)
		}
		items = append(items, u)
	}
	if err := rows.Err(); err != nil {
		return store.Page[User]{}, wrap("list users", err)
	}
	return store.Paginate(items, limit, func(u User) []string { return []string{u.ID} }), nil
}

func (b userBody) record(id string, version int64, created, updated time.Time) User {
	return User{ID: id, Version: version, CreatedAt: created, UpdatedAt: updated,
		Username: b.Username, DisplayName: b.DisplayName, Org: b.Org, Roles: b.Roles,
		Disabled: b.Disabled, PasswordSetAt: b.PasswordSetAt, Language: b.Language}
}

func (u User) body() userBody {
	return userBody{Username: u.Username, DisplayName: u.DisplayName, Org: u.Org, Roles: slices.Clone(u.Roles),
		Disabled: u.Disabled, PasswordSetAt: u.PasswordSetAt, Language: u.Language}
}

// currentUserSQL reads a user's latest body and the times of its first and
// latest change.
const currentUserSQL = `SELECT c.id, c.version, c.body, c.at, f.at FROM changes c
	JOIN changes f ON f.entity = c.entity AND f.id = c.id AND f.version = 1
	WHERE c.entity = ? AND c.id = ? ORDER BY c.version DESC LIMIT 1`

type rowScanner interface{ Scan(...any) error }

func currentUser(r rowScanner, id string) (User, error) {
	u, err := scanUser(r)
	if store.IsNoRows(err) {
		return u, errs.NotFound("user %s not found", id)
	}
	return u, err
}

func scanUser(r rowScanner) (User, error) {
	var id, at, first string
	var version int64
	var body []byte
	if err := r.Scan(&id, &version, &body, &at, &first); err != nil {
		return User{}, err
	}
	if body == nil {
		return User{}, fmt.Errorf("user %s: body erased", id)
	}
	var b userBody
	if err := store.DecodeBody(body, &b); err != nil {
		return User{}, fmt.Errorf("user %s: %w", id, err)
	}
	updated, err1 := parseTime(at)
	created, err2 := parseTime(first)
	if err1 != nil || err2 != nil {
		return User{}, fmt.Errorf("user %s: bad change time", id)
	}
	return b.record(id, version, created, updated), nil
}

// checkLanguageTag accepts the shape of a BCP 47 tag: a 2–3 letter
// lower-case language and subtags of 1–8 letters or digits.
func checkLanguageTag(tag string) bool {
	if len(tag) > 35 {
		return false
	}
	parts := strings.Split(tag, "-")
	if len(parts[0]) < 2 || len(parts[0]) > 3 {
		return false
	}
	for _, c := range parts[0] {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 8 {
			return false
		}
		for _, c := range p {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

// printableASCII reports whether an id is plain printable ASCII, so that an
// error message may quote it.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
