package account

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/record"
)

// Kinds declares the account package's kinds of record for the history:
// an account's changes are read by admins and by its own user; tokens and
// sign-in events by admins; role requests by admins and co-chairs.
func (s *Service) Kinds() []record.Kind {
	admins := func(_ context.Context, p access.Principal, id string) (access.Resource, error) {
		if p.Has(access.Admin) {
			return access.Resource{Classification: access.Mission}, nil
		}
		return access.Resource{}, errs.NotFound("%s not found", id)
	}
	return []record.Kind{
		{Kind: access.Kind{Entity: EntityUser}, Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			if p.Authenticated() && p.UserID == id {
				return access.Resource{Classification: access.Mission}, nil
			}
			return admins(ctx, p, id)
		}},
		{Kind: access.Kind{Entity: EntityToken}, Resource: admins},
		{Kind: access.Kind{Entity: EntityAuthEvent}, Resource: admins},
		// Role requests: the admins who ask and the co-chairs who decide.
		{Kind: access.Kind{Entity: EntityRoleRequest}, Resource: func(_ context.Context, p access.Principal, id string) (access.Resource, error) {
			if mayReadRequests(p) == nil && p.Authenticated() {
				return access.Resource{Classification: access.Mission}, nil
			}
			return access.Resource{}, errs.NotFound("%s not found", id)
		}},
	}
}

// MayManage reports whether p may run accounts (the accounts pages).
func MayManage(p access.Principal) bool { return manage(p) == nil }

// MayReadRequests reports whether p may see role requests.
func MayReadRequests(p access.Principal) bool { return mayReadRequests(p) == nil }

// MayDecideRequests reports whether p may approve or reject role
// requests: a co-chair (the requester and the subject are refused per
// request).
func MayDecideRequests(p access.Principal) bool { return p.Has(access.CoChair) }
