package incident

import (
	"context"
	"fmt"
	"net/url"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// PatrolFilter narrows a patrol list: patrols that set out in Window.
type PatrolFilter struct {
	Window Window
}

// ParsePatrolFilter reads a patrol list's filters: from, to.
func ParsePatrolFilter(v url.Values) (PatrolFilter, error) {
	w, err := ParseWindow(v)
	return PatrolFilter{Window: w}, err
}

// ListPatrols returns a page of the patrols p may read, latest start
// first (for exports; the patrols have no list page yet).
func (s *Service) ListPatrols(ctx context.Context, p access.Principal, f PatrolFilter, page store.PageRequest) (store.Page[Patrol], error) {
	const op = "list patrols"
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Patrol]{}, wrap(op, err)
	}
	if err := f.Window.check(); err != nil {
		return store.Page[Patrol]{}, wrap(op, err)
	}
	cond, args := access.Filter(p, "r", "patrol_readers")
	conds := []string{cond}
	conds, args = f.Window.where("r.start_at", "r.day", conds, args)
	if len(keys) == 2 {
		conds = append(conds, "(r.start_at, r.id) < (?, ?)")
		args = append(args, keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[Patrol]{}, wrap(op, errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	rows, err := s.db.Query(ctx, pageSQL(s.db.Dialect(), "patrols", EntityPatrol, "", conds), append(args, limit+1)...)
	if err != nil {
		return store.Page[Patrol]{}, wrap(op, err)
	}
	defer rows.Close()
	type item struct {
		p     Patrol
		start string
	}
	var items []item
	for rows.Next() {
		var it item
		var body []byte
		if err := rows.Scan(&it.p.ID, &it.p.Version, &body, &it.start); err != nil {
			return store.Page[Patrol]{}, wrap(op, err)
		}
		if err := store.DecodeBody(body, &it.p.PatrolBody); err != nil {
			return store.Page[Patrol]{}, wrap(op, fmt.Errorf("%s: %w", it.p.ID, err))
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return store.Page[Patrol]{}, wrap(op, err)
	}
	pg := store.Paginate(items, limit, func(it item) []string { return []string{it.start, it.p.ID} })
	out := store.Page[Patrol]{Items: make([]Patrol, len(pg.Items)), Next: pg.Next}
	for i, it := range pg.Items {
		out.Items[i] = it.p
	}
	return out, nil
}
