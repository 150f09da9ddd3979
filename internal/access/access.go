// Package access is Truce's one policy: who may see and do what. Every
// write asks Decide; every list and read applies Filter in its SQL so that a
// reader never receives, or learns of, a record it may not see.
//
// The people using a monitoring centre belong to organisations that
// distrust each other: the two sides' liaison officers, the guarantors'
// co-chairs, monitors, analysts, humanitarian officers. The rules:
//
//   - a party liaison files allegations only in its own side's name, reads the
//     mission-level picture, never edits or withdraws another organisation's
//     record and never reads another organisation's restricted material;
//   - monitors and analysts work on every mission-level record; only
//     co-chairs close, seal and reopen an investigation;
//   - observers read public and mission-level material only;
//   - admins manage accounts and configuration and get no automatic access
//     to restricted or personal data;
//   - personal data (detainee identity) is read only by humanitarian
//     officers, the detaining side and the side of nationality.
package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Role is what a user may do. A user has one or more.
type Role string

const (
	Admin        Role = "admin"
	CoChair      Role = "co_chair"
	Monitor      Role = "monitor"
	Analyst      Role = "analyst"
	Liaison      Role = "liaison" // bound to one side: the user's organisation
	Humanitarian Role = "humanitarian"
	Observer     Role = "observer" // read-only
)

// Roles lists every role, in the order the documentation gives them.
var Roles = []Role{Admin, CoChair, Monitor, Analyst, Liaison, Humanitarian, Observer}

// ParseRole checks a role name.
func ParseRole(field, s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", errs.Invalid(field, "%q is not a role: one of %s", s, strings.Join(names, ", "))
}

// Classification says who may read a record.
type Classification string

const (
	Public     Classification = "public"     // anyone, also without an account when the public view is on
	Mission    Classification = "mission"    // every account: mission staff and the sides' liaisons
	Restricted Classification = "restricted" // the owning organisation and the organisations named
	Personal   Classification = "personal"   // humanitarian officers, the detaining side, the side of nationality
)

// ParseClassification checks a classification; "" gives def.
func ParseClassification(field, s string, def Classification) (Classification, error) {
	switch Classification(s) {
	case "":
		return def, nil
	case Public, Mission, Restricted, Personal:
		return Classification(s), nil
	}
	return "", errs.Invalid(field, "must be public, mission, restricted or personal")
}

// Principal is who is asking.
type Principal struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
	Org      string `json:"org"`      // the organisation the user acts for
	OrgKind  string `json:"org_kind"` // its kind: side, guarantor, monitoring_centre, ...
	Roles    []Role `json:"roles"`
	Via      string `json:"via"` // session, token, cli, anonymous
}

// Anonymous is the principal of a request without credentials.
var Anonymous = Principal{UserID: "", Username: "anonymous", Via: "anonymous"}

// Has reports whether p has any of the roles.
func (p Principal) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// Authenticated reports whether p is a signed-in user.
func (p Principal) Authenticated() bool { return p.UserID != "" }

// Side returns the side a liaison is bound to ("" for anyone else). A
// liaison has no other role (accounts enforce it), so its side binds all
// it does.
func (p Principal) Side() string {
	if p.Has(Liaison) && p.OrgKind == "side" {
		return p.Org
	}
	return ""
}

// Actor is the principal as the change log records it.
func (p Principal) Actor() store.Actor {
	return store.Actor{User: p.UserID, Org: p.Org, Via: p.Via}
}

// Action is something a principal does to a resource.
type Action string

const (
	Read       Action = "read"
	Create     Action = "create"
	Update     Action = "update"     // a new version of the record
	Withdraw   Action = "withdraw"   // a side withdraws its own allegation
	Transition Action = "transition" // an investigation step
	Seal       Action = "seal"       // close and seal an investigation
	Reopen     Action = "reopen"     // reopen a sealed investigation
	Erase      Action = "erase"      // erase personal data
	Manage     Action = "manage"     // accounts, tokens of others, configuration
)

// Resource is what an action is on: its kind (the entity), the roles that
// write that kind, its classification and the organisations it concerns.
type Resource struct {
	Kind           string         // entity, e.g. "place", "allegation", "user"
	Writers        []Role         // the roles that create and change records of the kind; none: nobody
	Classification Classification // "" for reference data readable by every account
	Owner          string         // organisation that filed or owns the record ("" for the mission's own)
	ReadersOrgs    []string       // restricted: the organisations named as readers; personal: the detaining side and the side of nationality
	OnBehalfOf     string         // the side in whose name a record is filed (allegations)
}

// Kind is a kind of record as the policy knows it: its entity and the
// roles that write it. Each domain package declares its kinds beside its
// types; a Resource carries its kind's writers, so the policy keeps no
// table that packages add to, and a kind nobody declared writers for is
// written by nobody.
type Kind struct {
	Entity  string
	Writers []Role
}

// New is the policy's view of a record of the kind not yet written: what
// a create is decided on.
func (k Kind) New() Resource { return Resource{Kind: k.Entity, Writers: k.Writers} }

// Of is the policy's view of a labelled record of the kind.
func (k Kind) Of(l Label) Resource {
	return Resource{Kind: k.Entity, Writers: k.Writers, Classification: l.Classification, Owner: l.OwnerOrg, ReadersOrgs: l.RestrictedTo}
}

// CanRead reports whether p may read r. It must agree with Filter.
func CanRead(p Principal, r Resource) bool {
	if dropped(r.Kind) && p.Authenticated() {
		return true
	}
	switch r.Classification {
	case "", Public:
		return true
	case Mission:
		return p.Authenticated()
	case Restricted:
		return p.Authenticated() && p.Org != "" && (p.Org == r.Owner || slices.Contains(r.ReadersOrgs, p.Org))
	case Personal:
		return p.Authenticated() && (p.Has(Humanitarian) || (p.Org != "" && (p.Org == r.Owner || slices.Contains(r.ReadersOrgs, p.Org))))
	}
	return false
}

// Decide answers whether p may do action on r: nil, or an error to return
// to the client. A principal that may not read r gets not_found, so that
// guessing ids reveals nothing.
func Decide(p Principal, action Action, r Resource) error {
	if !p.Authenticated() {
		if action == Read && (r.Classification == Public || r.Classification == "") {
			return nil
		}
		return errs.Unauthenticated("sign in or send a bearer token")
	}
	if action != Create && !CanRead(p, r) {
		return errs.NotFound("%s not found", r.Kind)
	}
	switch action {
	case Read:
		return nil
	case Manage:
		if p.Has(Admin) {
			return nil
		}
		return errs.Forbidden("only an admin may manage accounts and configuration")
	case Seal, Reopen:
		if p.Has(CoChair) {
			return nil
		}
		return errs.Forbidden("only a co-chair may %s an investigation", action)
	case Erase:
		if p.Has(Humanitarian) {
			return nil
		}
		return errs.Forbidden("only a humanitarian officer may erase personal data")
	}
	// Create, Update, Withdraw, Transition.
	if p.Has(Observer) && len(p.Roles) == 1 {
		return errs.Forbidden("observers have read-only access")
	}
	if !p.Has(r.Writers...) {
		return errs.Forbidden("your roles may not %s a %s", action, r.Kind)
	}
	if side := p.Side(); side != "" {
		// A liaison acts only for its own side and only on its own records.
		if r.OnBehalfOf != "" && r.OnBehalfOf != side {
			return errs.Forbidden("a liaison files only in the name of its own side")
		}
		if action != Create && r.Owner != p.Org {
			return errs.Forbidden("a liaison may not change another organisation's record")
		}
	}
	return nil
}

// Filter returns an SQL condition (with '?' placeholders and its
// arguments) that keeps only the rows p may read. alias is the table's
// alias; the table must have the columns classification and owner_org; the
// readers table holds (record_id, org_id) for restricted records, and
// personal rows list their organisations in the same table.
func Filter(p Principal, alias, readersTable string) (string, []any) {
	c := func(col string) string { return alias + "." + col }
	if dropped(strings.TrimSuffix(readersTable, "_readers")) {
		return "(1 = 1)", nil
	}
	if !p.Authenticated() {
		return c("classification") + " = 'public'", nil
	}
	conds := []string{c("classification") + " IN ('public', 'mission')"}
	var args []any
	if p.Org != "" {
		conds = append(conds, fmt.Sprintf("(%s IN ('restricted', 'personal') AND (%s = ? OR EXISTS (SELECT 1 FROM %s acl WHERE acl.record_id = %s AND acl.org_id = ?)))",
			c("classification"), c("owner_org"), readersTable, c("id")))
		args = append(args, p.Org, p.Org)
	}
	if p.Has(Humanitarian) {
		conds = append(conds, c("classification")+" = 'personal'")
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// Label is how a record says who may read it. Records embed it in their
// body; projections keep classification and owner_org as columns and the
// restricted_to organisations in a readers table, so Filter works in SQL.
type Label struct {
	Classification Classification `json:"classification"`
	RestrictedTo   []string       `json:"restricted_to,omitempty" doc:"restricted: organisations that may read besides the owner"`
	OwnerOrg       string         `json:"owner_org,omitempty" doc:"the organisation that filed the record"`
}

// LabelInput is the part of a client's input that labels a record.
type LabelInput struct {
	Classification string   `json:"classification,omitempty" doc:"public, mission or restricted; a default per kind of record when absent"`
	RestrictedTo   []string `json:"restricted_to,omitempty" doc:"restricted: organisation ids that may read the record besides the owner"`
}

// Label checks the input and returns the label, with def when no
// classification is given and owner as the owning organisation. Personal
// is not accepted here: records with personal data set it themselves.
func (in LabelInput) Label(def Classification, owner string) (Label, error) {
	c, err := ParseClassification("classification", in.Classification, def)
	if err != nil {
		return Label{}, err
	}
	if c == Personal {
		return Label{}, errs.Invalid("classification", "personal is set only by records that hold personal data")
	}
	if c != Restricted && len(in.RestrictedTo) > 0 {
		return Label{}, errs.Invalid("restricted_to", "only a restricted record names its readers")
	}
	if len(in.RestrictedTo) > 50 {
		return Label{}, errs.Invalid("restricted_to", "at most 50 organisations")
	}
	seen := map[string]bool{}
	for i, o := range in.RestrictedTo {
		if o == "" || len(o) > 64 || seen[o] {
			return Label{}, errs.Invalid(fmt.Sprintf("restricted_to[%d]", i), "must be a distinct organisation id")
		}
		seen[o] = true
	}
	return Label{Classification: c, RestrictedTo: slices.Clone(in.RestrictedTo), OwnerOrg: owner}, nil
}

// ReaderRows returns the rows of a readers table for a labelled record.
func (l Label) ReaderRows(id string) [][]any {
	var rows [][]any
	for _, o := range l.RestrictedTo {
		rows = append(rows, []any{id, o})
	}
	return rows
}

// ViewKey names the readers who see the same rows under Filter: two
// principals with the same key read exactly the same records. A cache of
// filtered reads is kept per key, never shared across keys.
func ViewKey(p Principal) string {
	switch {
	case !p.Authenticated():
		return "anonymous"
	case p.Has(Humanitarian):
		return "humanitarian:" + p.Org
	}
	return "org:" + p.Org
}

// System is Truce itself and whoever runs it from its own machine (a
// loader, a test's fixtures): it writes reference data — organisations,
// agreements, provisions, layers, places — and, with no organisation,
// reads only public and mission material. Its changes are attributed to
// store.System.
var System = Principal{UserID: store.System.User, Username: store.System.User, Via: store.System.Via, Roles: []Role{Admin, CoChair}}

// Covers reports whether every reader of a record labelled inner may read
// a record labelled outer — whether inner may name outer (a movement its
// destination place, an allegation the place it happened at) without
// telling its readers what they may not read. A record of personal data
// is covered only by public and mission material.
func Covers(outer, inner Label) bool {
	switch outer.Classification {
	case "", Public:
		return true
	case Mission:
		return inner.Classification != Public && inner.Classification != ""
	case Restricted:
		if inner.Classification != Restricted {
			return false
		}
		readers := append([]string{outer.OwnerOrg}, outer.RestrictedTo...)
		if !slices.Contains(readers, inner.OwnerOrg) {
			return false
		}
		for _, o := range inner.RestrictedTo {
			if !slices.Contains(readers, o) {
				return false
			}
		}
		return true
	}
	return false
}
