package returns

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

// The numbered lists of return movements and visits (issue 16): the same
// conditions as the cursor lists, a total, numbered pages and a few
// orders; the first of each is the default, latest first.

// MovementSorts are the orders of the numbered list of movements.
var MovementSorts = []string{"date", "people"}

var movementSortColumns = map[string]string{"date": "r.date_at", "people": "r.total"}

// VisitSorts are the orders of the numbered list of visits.
var VisitSorts = []string{"date", "follow_up"}

var visitSortColumns = map[string]string{"date": "r.date_at", "follow_up": "r.follow_up_due"}

// conds is the filter as SQL conditions on return_movements r for p.
func (f MovementFilter) conds(p access.Principal) ([]string, []any, error) {
	if err := f.Window.Check(); err != nil {
		return nil, nil, err
	}
	cond, args := access.Filter(p, "r", "return_movement_readers")
	conds := []string{cond}
	conds, args = f.Window.Where("r.date_at", conds, args)
	if f.DestinationPlaceID != "" {
		conds = append(conds, "r.destination_place_id = ?")
		args = append(args, f.DestinationPlaceID)
	}
	if f.Kind != "" {
		conds = append(conds, "r.kind = ?")
		args = append(args, f.Kind)
	}
	return conds, args, nil
}

// conds is the filter as SQL conditions on return_visits r for p, with
// overdue follow-ups judged at now.
func (f VisitFilter) conds(p access.Principal, now time.Time) ([]string, []any, error) {
	if err := f.Window.Check(); err != nil {
		return nil, nil, err
	}
	cond, args := access.Filter(p, "r", "return_visit_readers")
	conds := []string{cond}
	conds, args = f.Window.Where("r.date_at", conds, args)
	if f.MovementID != "" {
		conds = append(conds, "r.movement_id = ?")
		args = append(args, f.MovementID)
	}
	if f.PlaceID != "" {
		conds = append(conds, "r.place_id = ?")
		args = append(args, f.PlaceID)
	}
	if f.Overdue {
		// Follow-ups the reader cannot see do not count: the same rule
		// as followUps, so that the filter and the flag agree.
		fc, fargs := access.Filter(p, "f", "return_visit_readers")
		conds = append(conds, "r.follow_up_due <> '' AND r.follow_up_due < ? AND NOT EXISTS (SELECT 1 FROM return_visits f WHERE f.follows_up = r.id AND "+fc+")")
		args = append(append(args, now.UTC().Format(timeText)), fargs...)
	}
	return conds, args, nil
}

// NumberedMovements returns page q of the movements p may read that meet
// f, with their total.
func (s *Service) NumberedMovements(ctx context.Context, p access.Principal, f MovementFilter, q store.ListQuery) (store.Numbered[Movement], error) {
	const op = "list movements"
	q, err := q.Check(MovementSorts, "date", true)
	if err != nil {
		return store.Numbered[Movement]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[Movement]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "return_movements", Entity: EntityMovement, Conds: conds, Args: args,
		Order: movementSortColumns[q.Sort], Then: "r.date_at", Desc: q.Desc}
	items, total, err := store.ReadNumbered(ctx, s.db, spec, q, func(scan func(...any) error) (Movement, error) {
		var m Movement
		var body []byte
		if err := scan(&m.ID, &m.Version, &body); err != nil {
			return m, err
		}
		if err := store.DecodeBody(body, &m.MovementBody); err != nil {
			return m, fmt.Errorf("%s: %w", m.ID, err)
		}
		return m, nil
	})
	if err != nil {
		return store.Numbered[Movement]{}, wrap(op, err)
	}
	return store.NumberedOf(items, total, q), nil
}

// NumberedVisits returns page q of the visits p may read that meet f,
// with their total and, as ListVisits, each one's follow-ups.
func (s *Service) NumberedVisits(ctx context.Context, p access.Principal, f VisitFilter, q store.ListQuery) (store.Numbered[Visit], error) {
	const op = "list visits"
	q, err := q.Check(VisitSorts, "date", true)
	if err != nil {
		return store.Numbered[Visit]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p, s.now())
	if err != nil {
		return store.Numbered[Visit]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "return_visits", Entity: EntityVisit, Conds: conds, Args: args,
		Order: visitSortColumns[q.Sort], Then: "r.date_at", Desc: q.Desc}
	items, total, err := store.ReadNumbered(ctx, s.db, spec, q, func(scan func(...any) error) (Visit, error) {
		var v Visit
		var body []byte
		if err := scan(&v.ID, &v.Version, &body); err != nil {
			return v, err
		}
		if err := store.DecodeBody(body, &v.VisitBody); err != nil {
			return v, fmt.Errorf("%s: %w", v.ID, err)
		}
		return v, nil
	})
	if err != nil {
		return store.Numbered[Visit]{}, wrap(op, err)
	}
	ptrs := make([]*Visit, len(items))
	for i := range items {
		ptrs[i] = &items[i]
	}
	if err := s.followUps(ctx, p, ptrs); err != nil {
		return store.Numbered[Visit]{}, wrap(op, err)
	}
	return store.NumberedOf(items, total, q), nil
}
