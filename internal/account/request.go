package account

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// EntityRoleRequest is a change to an account that widens its reach (see
// Widens), waiting for a co-chair's approval.
const EntityRoleRequest = "role_request"

const requestPrefix = "rrq"

// States of a role request.
const (
	RequestPending  = "pending"
	RequestApproved = "approved" // the change was applied, in the approval's transaction
	RequestRejected = "rejected"
)

const maxRequestNote = 500

// RoleRequest is a change to an account that widens its reach: asked for
// by one person (an admin), applied only when a co-chair who is neither
// that person nor the account's user approves it, and only if the account
// is still as it was when asked (BaseVersion).
type RoleRequest struct {
	ID          string `json:"id"`
	Version     int64  `json:"version"`
	State       string `json:"state" doc:"pending, approved or rejected"`
	User        string `json:"user" doc:"the account's id"`
	Username    string `json:"username"`
	NewAccount  bool   `json:"new_account" doc:"true when the request creates the account"`
	BaseVersion int64  `json:"base_version" doc:"the account's version the change was asked against; 0 for a new account"`
	// The account before (empty for a new account) and as asked for.
	FromOrg       string        `json:"from_org,omitempty"`
	FromRoles     []access.Role `json:"from_roles,omitempty"`
	DisplayName   string        `json:"display_name"`
	Org           string        `json:"org"`
	Roles         []access.Role `json:"roles"`
	Disabled      bool          `json:"disabled"`
	Language      string        `json:"language"`
	Widens        []string      `json:"widens" doc:"how the change widens the account's reach: humanitarian, liaison, co_chair, admin, org"`
	RequestedBy   string        `json:"requested_by" doc:"user id of who asked"`
	RequesterName string        `json:"requester_name" doc:"their user name"`
	RequestedAt   time.Time     `json:"requested_at"`
	DecidedBy     string        `json:"decided_by,omitempty" doc:"user id of the co-chair who approved, or who rejected"`
	DeciderName   string        `json:"decider_name,omitempty" doc:"their user name"`
	DecidedAt     *time.Time    `json:"decided_at,omitempty"`
	Note          string        `json:"note,omitempty" doc:"the decider's note"`
}

// roleRequestBody is a role request's change body: the request less its id
// and version.
type roleRequestBody struct {
	State         string        `json:"state"`
	User          string        `json:"user"`
	Username      string        `json:"username"`
	NewAccount    bool          `json:"new_account"`
	BaseVersion   int64         `json:"base_version"`
	FromOrg       string        `json:"from_org,omitempty"`
	FromRoles     []access.Role `json:"from_roles,omitempty"`
	DisplayName   string        `json:"display_name"`
	Org           string        `json:"org"`
	Roles         []access.Role `json:"roles"`
	Disabled      bool          `json:"disabled"`
	Language      string        `json:"language"`
	Widens        []string      `json:"widens"`
	RequestedBy   string        `json:"requested_by"`
	RequesterName string        `json:"requester_name"`
	RequestedAt   time.Time     `json:"requested_at"`
	DecidedBy     string        `json:"decided_by,omitempty"`
	DeciderName   string        `json:"decider_name,omitempty"`
	DecidedAt     *time.Time    `json:"decided_at,omitempty"`
	Note          string        `json:"note,omitempty"`
}

func (b roleRequestBody) request(id string, version int64) RoleRequest {
	return RoleRequest{ID: id, Version: version, State: b.State, User: b.User, Username: b.Username, NewAccount: b.NewAccount,
		BaseVersion: b.BaseVersion, FromOrg: b.FromOrg, FromRoles: b.FromRoles, DisplayName: b.DisplayName, Org: b.Org,
		Roles: b.Roles, Disabled: b.Disabled, Language: b.Language, Widens: b.Widens, RequestedBy: b.RequestedBy,
		RequesterName: b.RequesterName, RequestedAt: b.RequestedAt, DecidedBy: b.DecidedBy, DeciderName: b.DeciderName,
		DecidedAt: b.DecidedAt, Note: b.Note}
}

// userBody is the account as the request asks for it.
func (b roleRequestBody) userBody() userBody {
	return userBody{Username: b.Username, DisplayName: b.DisplayName, Org: b.Org, Roles: slices.Clone(b.Roles),
		Disabled: b.Disabled, Language: b.Language}
}

// Decision is a co-chair's answer to a role request.
type Decision struct {
	Note string `json:"note,omitempty" doc:"why, for the log; at most 500 characters"`
}

// Validate reports a problem with the decision as errs.Invalid naming the
// field.
func (d Decision) Validate() error {
	if d.Note == "" {
		return nil
	}
	return text.CheckName("note", d.Note, maxRequestNote)
}

// RequestFilter selects role requests.
type RequestFilter struct {
	State string // "" for every state
}

// askWidening records a pending role request inside a write transaction:
// user id (new when the request creates it) from before (zero for a new
// account) to after.
func (s *Service) askWidening(tx *store.Tx, p access.Principal, id string, base int64, before Reach, after userBody, widens []string) (RoleRequest, error) {
	b := roleRequestBody{State: RequestPending, User: id, Username: after.Username, NewAccount: base == 0, BaseVersion: base,
		FromOrg: before.Org, FromRoles: slices.Clone(before.Roles), DisplayName: after.DisplayName, Org: after.Org,
		Roles: slices.Clone(after.Roles), Disabled: after.Disabled, Language: after.Language, Widens: widens,
		RequestedBy: p.UserID, RequesterName: p.Username, RequestedAt: tx.Now()}
	rid := s.db.NewID(requestPrefix)
	r, err := tx.Record(store.Change{Entity: EntityRoleRequest, ID: rid, Version: 1, Actor: p.Actor(), Body: b})
	if err != nil {
		return RoleRequest{}, err
	}
	return b.request(rid, r.Version), nil
}

// mayReadRequests: admins ask, co-chairs decide; both see the requests.
func mayReadRequests(p access.Principal) error {
	if isOperator(p) || p.Has(access.Admin, access.CoChair) {
		return nil
	}
	if !p.Authenticated() {
		return errs.Unauthenticated("sign in or send a bearer token")
	}
	return errs.Forbidden("only admins and co-chairs see role requests")
}

// ListRoleRequests returns role requests, newest first (pending ones when
// the filter says so). Admins and co-chairs read them.
func (s *Service) ListRoleRequests(ctx context.Context, p access.Principal, f RequestFilter, page store.PageRequest) (store.Page[RoleRequest], error) {
	if err := mayReadRequests(p); err != nil {
		return store.Page[RoleRequest]{}, wrap("list role requests", err)
	}
	switch f.State {
	case "", RequestPending, RequestApproved, RequestRejected:
	default:
		return store.Page[RoleRequest]{}, wrap("list role requests", errs.Invalid("state", "must be pending, approved or rejected"))
	}
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[RoleRequest]{}, wrap("list role requests", err)
	}
	// Newest first: requested_at, then id, both descending.
	cond, args := "1 = 1", []any{}
	if keys != nil {
		if len(keys) != 2 {
			return store.Page[RoleRequest]{}, wrap("list role requests", errs.Invalid("cursor", "is not a cursor this server issued"))
		}
		cond, args = "(r.requested_at < ? OR (r.requested_at = ? AND r.id < ?))", []any{keys[0], keys[0], keys[1]}
	}
	if f.State != "" {
		cond += " AND r.state = ?"
		args = append(args, f.State)
	}
	rows, err := s.db.Query(ctx, `SELECT r.id, c.version, c.body FROM role_requests r
		JOIN changes c ON c.entity = 'role_request' AND c.id = r.id
			AND c.version = (SELECT MAX(version) FROM changes WHERE entity = 'role_request' AND id = r.id)
		WHERE `+cond+` ORDER BY r.requested_at DESC, r.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return store.Page[RoleRequest]{}, wrap("list role requests", err)
	}
	defer rows.Close()
	var items []RoleRequest
	for rows.Next() {
		var id string
		var v int64
		var body []byte
		if err := rows.Scan(&id, &v, &body); err != nil {
			return store.Page[RoleRequest]{}, wrap("list role requests", err)
		}
		var b roleRequestBody
		if err := store.DecodeBody(body, &b); err != nil {
			return store.Page[RoleRequest]{}, wrap("list role requests", fmt.Errorf("role request %s: %w", id, err))
		}
		items = append(items, b.request(id, v))
	}
	if err := rows.Err(); err != nil {
		return store.Page[RoleRequest]{}, wrap("list role requests", err)
	}
	return store.Paginate(items, limit, func(r RoleRequest) []string { return []string{formatTime(r.RequestedAt), r.ID} }), nil
}

// GetRoleRequest returns role request id to an admin or a co-chair.
func (s *Service) GetRoleRequest(ctx context.Context, p access.Principal, id string) (RoleRequest, error) {
	if err := mayReadRequests(p); err != nil {
		return RoleRequest{}, wrap("get role request", err)
	}
	var b roleRequestBody
	v, err := s.db.Current(ctx, EntityRoleRequest, id, &b)
	if err != nil {
		return RoleRequest{}, wrap("get role request", err)
	}
	return b.request(id, v), nil
}

// ApproveRoleRequest applies a pending request's change to the account, in
// the same transaction that records the approval. Only a co-chair who
// neither asked for the change nor is its subject approves; a request whose
// account changed since it was asked is a conflict (ask again), and
// nothing changes.
func (s *Service) ApproveRoleRequest(ctx context.Context, p access.Principal, id string, d Decision) (RoleRequest, User, error) {
	if err := d.Validate(); err != nil {
		return RoleRequest{}, User{}, wrap("approve role request", err)
	}
	var out RoleRequest
	var user User
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		b, v, err := s.decidable(tx, p, id)
		if err != nil {
			return err
		}
		if !p.Has(access.CoChair) {
			return errs.Forbidden("only a co-chair approves a change that widens an account's reach")
		}
		if b.RequestedBy == p.UserID {
			return errs.Forbidden("you asked for this change: another co-chair approves it")
		}
		if b.User == p.UserID {
			return errs.Forbidden("this change is to your own account: another co-chair approves it")
		}
		after := b.userBody()
		if b.NewAccount {
			if err := checkUsernameFree(tx, after.Username); err != nil {
				return err
			}
			if err := checkOrg(tx, after); err != nil {
				return err
			}
			after.PasswordSetAt = b.RequestedAt // the password was given with the request
			r, err := tx.Record(store.Change{Entity: EntityUser, ID: b.User, Version: 1, Actor: p.Actor(), Body: after})
			if err != nil {
				return err
			}
			user = after.record(b.User, r.Version, r.At, r.At)
		} else {
			cur, err := currentUser(tx.QueryRow(currentUserSQL, EntityUser, b.User), b.User)
			if err != nil {
				return err
			}
			if cur.Version != b.BaseVersion || cur.Org != b.FromOrg || !slices.Equal(cur.Roles, b.FromRoles) {
				return errs.Conflict("base_version", "%s changed since this request was made (now version %d, asked against %d): reject it and ask again",
					cur.Username, cur.Version, b.BaseVersion)
			}
			if err := checkOrg(tx, after); err != nil {
				return err
			}
			if err := checkAdminRemains(tx, b.User, cur.body(), after); err != nil {
				return err
			}
			after.PasswordSetAt = cur.PasswordSetAt
			r, err := tx.Record(store.Change{Entity: EntityUser, ID: b.User, Version: cur.Version + 1, Actor: p.Actor(), Body: after})
			if err != nil {
				return err
			}
			if after.Disabled {
				if err := s.endSessions(tx, p.Actor(), b.User, reasonUserDisabled); err != nil {
					return err
				}
			}
			user = after.record(b.User, r.Version, cur.CreatedAt, r.At)
		}
		out, err = s.decide(tx, p, id, v, b, RequestApproved, d.Note)
		return err
	})
	if err != nil {
		return RoleRequest{}, User{}, wrap("approve role request", err)
	}
	return out, user, nil
}

// RejectRoleRequest closes a pending request without applying it: a
// co-chair, or whoever asked (withdrawing it), may. A new account's held
// password goes with it.
func (s *Service) RejectRoleRequest(ctx context.Context, p access.Principal, id string, d Decision) (RoleRequest, error) {
	if err := d.Validate(); err != nil {
		return RoleRequest{}, wrap("reject role request", err)
	}
	var out RoleRequest
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		b, v, err := s.decidable(tx, p, id)
		if err != nil {
			return err
		}
		if !p.Has(access.CoChair) && b.RequestedBy != p.UserID {
			return errs.Forbidden("only a co-chair, or whoever asked, rejects a role request")
		}
		if b.NewAccount {
			if _, err := tx.ExecSide(`DELETE FROM credentials WHERE user_id = ? AND NOT EXISTS (SELECT 1 FROM users WHERE id = ?)`, b.User, b.User); err != nil {
				return fmt.Errorf("drop held credentials: %w", err)
			}
		}
		out, err = s.decide(tx, p, id, v, b, RequestRejected, d.Note)
		return err
	})
	return out, wrap("reject role request", err)
}

// decidable reads a request that p may decide and that is still pending.
func (s *Service) decidable(tx *store.Tx, p access.Principal, id string) (roleRequestBody, int64, error) {
	var b roleRequestBody
	if err := mayReadRequests(p); err != nil {
		return b, 0, err
	}
	v, err := tx.Current(EntityRoleRequest, id, &b)
	if err != nil {
		return b, 0, err
	}
	if b.State != RequestPending {
		return b, 0, errs.Conflict("state", "role request %s was %s already", id, b.State)
	}
	return b, v, nil
}

// decide records the request's outcome.
func (s *Service) decide(tx *store.Tx, p access.Principal, id string, v int64, b roleRequestBody, state, note string) (RoleRequest, error) {
	now := tx.Now()
	b.State, b.DecidedBy, b.DeciderName, b.DecidedAt, b.Note = state, p.UserID, p.Username, &now, note
	r, err := tx.Record(store.Change{Entity: EntityRoleRequest, ID: id, Version: v + 1, Actor: p.Actor(), Body: b})
	if err != nil {
		return RoleRequest{}, err
	}
	return b.request(id, r.Version), nil
}

func roleRequestRows(id string, b *roleRequestBody) (map[string][][]any, error) {
	return map[string][][]any{
		"role_requests": {{id, b.User, b.Username, b.State, b.RequestedBy, formatTime(b.RequestedAt)}},
	}, nil
}
