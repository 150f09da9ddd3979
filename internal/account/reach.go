package account

import (
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

// Reach is what an account can get at beyond the mission's shared
// material: its organisation's restricted material, and what its roles
// open (personal data for a humanitarian officer, a side's name and
// restricted material for a liaison, the right to approve widening for a
// co-chair).
type Reach struct {
	Org   string
	Roles []access.Role
}

// reachOf is the reach of a user as it is now.
func (u User) reach() Reach { return Reach{Org: u.Org, Roles: u.Roles} }

// principalReach is the reach of whoever asks, as a bound on the accounts
// it makes or takes over (by resetting a password): everything it holds
// but admin, so that an admin account is always made by two people — else
// one person could make a second admin account, ask through it and approve
// as themself.
func principalReach(p access.Principal) Reach {
	return Reach{Org: p.Org, Roles: slices.DeleteFunc(slices.Clone(p.Roles), func(r access.Role) bool { return r == access.Admin })}
}

// Reasons a change widens an account's reach, as role requests record them.
const (
	WidenHumanitarian = "humanitarian" // personal data: detainee identity
	WidenLiaison      = "liaison"      // acts in a side's name, reads the restricted material naming its side
	WidenCoChair      = "co_chair"     // approves widening: granting it alone would let one person approve their own
	WidenAdmin        = "admin"        // runs accounts: one person with two admin accounts could ask and approve alike
	WidenOrg          = "org"          // another organisation's restricted material
)

// Widens reports how a change of an account from before to after widens
// its reach to personal or restricted material, one reason per way; none
// when it does not (a change that only removes roles, or touches neither
// roles nor organisation). It is the one definition of widening: such a
// change takes a co-chair's approval (see RoleRequest).
//
// For a new account, before is its creator's reach: the creator chose its
// password, so a new account may hold no more than its creator holds.
func Widens(before, after Reach) []string {
	var why []string
	added := func(r access.Role) bool { return slices.Contains(after.Roles, r) && !slices.Contains(before.Roles, r) }
	if added(access.Humanitarian) {
		why = append(why, WidenHumanitarian)
	}
	if added(access.Liaison) {
		why = append(why, WidenLiaison)
	}
	if added(access.CoChair) {
		why = append(why, WidenCoChair)
	}
	if added(access.Admin) {
		why = append(why, WidenAdmin)
	}
	if after.Org != before.Org {
		why = append(why, WidenOrg)
	}
	return why
}

// Via of the operator's principal: the command line, and the system's own
// loaders (the demo, test fixtures).
const (
	viaCLI    = "cli"
	viaSystem = "system"
)

// Operator returns the principal of the operator: whoever runs truce on the
// server with the data directory (truce user, truce token, the demo loader,
// test fixtures), recorded in the log as actor. The operator holds the
// database file and the log's keys, and so every record in the clear: the
// service lets it do every account action at once (create any account,
// grant any role, make a token for any user, reset any password), and the
// log attributes each to it. HTTP requests never carry this principal:
// sessions and tokens belong to users.
func Operator(actor store.Actor) access.Principal {
	return access.Principal{UserID: actor.User, Username: actor.User, Org: actor.Org, Via: actor.Via}
}

// isOperator reports whether p is the operator's principal (Operator, or
// access.System): its via is the command line's or the system's. A user's
// principal never is: sessions and tokens give theirs.
func isOperator(p access.Principal) bool {
	return (p.Via == viaCLI || p.Via == viaSystem) && p.UserID != "" && !strings.HasPrefix(p.UserID, userPrefix+"_")
}
