package account

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// UserName is how a user is named to readers: the display name (the
// username when there is none) and the organisation the user acts for.
type UserName struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Org         string `json:"org"`
}

// MissionOrgKind is the kind of the mission's own organisation, whose
// staff know every account's name.
const MissionOrgKind = "monitoring_centre"

// mayKnowName reports whether p may know the name of a user of org: the
// user's own organisation, the mission's staff, admins and the operator.
// Anyone else sees that a user of the organisation acted (the change log's
// actor names the organisation), not who.
func mayKnowName(p access.Principal, org string) bool {
	if !p.Authenticated() && !isOperator(p) {
		return false
	}
	return org == p.Org || p.OrgKind == MissionOrgKind || manage(p) == nil
}

// GetUserName returns user id's name to a reader who may know it (see
// mayKnowName); to anyone else the user does not exist.
func (s *Service) GetUserName(ctx context.Context, p access.Principal, id string) (UserName, error) {
	if !p.Authenticated() && !isOperator(p) {
		return UserName{}, wrap("user name", errs.Unauthenticated("sign in to read names"))
	}
	u, err := s.getUser(ctx, id)
	if err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound {
			return UserName{}, wrap("user name", errs.NotFound("no user %s", id))
		}
		return UserName{}, err
	}
	if !mayKnowName(p, u.Org) {
		return UserName{}, wrap("user name", errs.NotFound("no user %s", id))
	}
	n := UserName{ID: u.ID, DisplayName: u.DisplayName, Org: u.Org}
	if n.DisplayName == "" {
		n.DisplayName = u.Username
	}
	return n, nil
}
