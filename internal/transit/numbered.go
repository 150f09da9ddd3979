package transit

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// CrossingSorts are the orders the numbered crossings list offers; the
// first, the time, is the default (latest first).
var CrossingSorts = []string{"at", "people", "vehicles"}

var crossingSortColumns = map[string]string{"at": "r.at", "people": "r.people", "vehicles": "r.vehicles"}

// conds is the filter as SQL conditions on crossings r after the access
// filter for p; a bad value names its field.
func (f CrossingFilter) conds(p access.Principal) ([]string, []any, error) {
	if err := f.Window.Check(); err != nil {
		return nil, nil, err
	}
	if f.Direction != "" && f.Direction != TowardsStart && f.Direction != TowardsEnd {
		return nil, nil, errs.Invalid("direction", "must be %s or %s", TowardsStart, TowardsEnd)
	}
	if f.CheckpointID != "" {
		if err := checkID("checkpoint_id", f.CheckpointID); err != nil {
			return nil, nil, err
		}
	}
	cond, args := access.Filter(p, "r", "crossing_readers")
	conds := []string{cond}
	conds, args = f.Window.Where("r.at", conds, args)
	for _, c := range [][2]string{{"checkpoint_id", f.CheckpointID}, {"direction", f.Direction}} {
		if c[1] != "" {
			conds = append(conds, "r."+c[0]+" = ?")
			args = append(args, c[1])
		}
	}
	if f.Flagged {
		conds = append(conds, "r.flagged = 1")
	}
	return conds, args, nil
}

// NumberedCrossings returns page q of the crossings p may read that meet
// f, with their total.
func (s *Service) NumberedCrossings(ctx context.Context, p access.Principal, f CrossingFilter, q store.ListQuery) (store.Numbered[Crossing], error) {
	const op = "list crossings"
	q, err := q.Check(CrossingSorts, "at", true)
	if err != nil {
		return store.Numbered[Crossing]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[Crossing]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "crossings", Entity: EntityCrossing, Conds: conds, Args: args,
		Order: crossingSortColumns[q.Sort], Then: "r.at", Desc: q.Desc}
	items, total, err := store.ReadNumbered(ctx, s.db, spec, q, func(scan func(...any) error) (Crossing, error) {
		var c Crossing
		var body []byte
		if err := scan(&c.ID, &c.Version, &body); err != nil {
			return c, err
		}
		if err := store.DecodeBody(body, &c.CrossingBody); err != nil {
			return c, fmt.Errorf("%s: %w", c.ID, err)
		}
		return c, nil
	})
	if err != nil {
		return store.Numbered[Crossing]{}, wrap(op, err)
	}
	return store.NumberedOf(items, total, q), nil
}
