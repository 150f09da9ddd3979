package detainee

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// The numbered lists of the registry (issue 16): the same conditions as
// the cursor lists, a total, numbered pages and a few orders.

// PersonSorts are the orders the numbered list of persons offers; the
// first, the capture, is the default (latest first). None is by a part of
// the identity, so that the order says nothing a masked row hides.
var PersonSorts = []string{"captured", "last_event", "status", "category"}

var personSortColumns = map[string]string{"captured": "r.captured_at", "last_event": "r.last_event_at", "status": "r.status", "category": "r.category"}

// conds is the filter as SQL conditions on detainees r; a bad value
// names its field.
func (f PersonFilter) conds() ([]string, []any, error) {
	conds := []string{"1 = 1"}
	var args []any
	if f.Status != "" {
		if err := oneOf("status", f.Status, Statuses); err != nil {
			return nil, nil, err
		}
		conds, args = append(conds, "r.status = ?"), append(args, f.Status)
	}
	if f.Category != "" {
		if err := oneOf("category", f.Category, Categories); err != nil {
			return nil, nil, err
		}
		conds, args = append(conds, "r.category = ?"), append(args, f.Category)
	}
	for _, c := range [][3]string{{"held_by", "r.held_by", f.HeldBy}, {"nationality", "r.nationality", f.Nationality}} {
		if c[2] != "" {
			if err := checkID(c[0], c[2]); err != nil {
				return nil, nil, err
			}
			conds, args = append(conds, c[1]+" = ?"), append(args, c[2])
		}
	}
	return conds, args, nil
}

// NumberedPersons returns page q of the persons that meet f with their
// total, each masked unless p may read its identity (as ListPersons).
func (s *Service) NumberedPersons(ctx context.Context, p access.Principal, f PersonFilter, q store.ListQuery) (store.Numbered[Person], error) {
	const op = "list persons"
	if err := access.Decide(p, access.Read, PersonBody{}.Resource()); err != nil {
		return store.Numbered[Person]{}, wrap(op, err)
	}
	q, err := q.Check(PersonSorts, "captured", true)
	if err != nil {
		return store.Numbered[Person]{}, wrap(op, err)
	}
	conds, args, err := f.conds()
	if err != nil {
		return store.Numbered[Person]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "detainees", Entity: EntityPerson, Conds: conds, Args: args,
		Order: personSortColumns[q.Sort], Then: "r.captured_at", Desc: q.Desc}
	items, total, err := store.ReadNumbered(ctx, s.db, spec, q, func(scan func(...any) error) (Person, error) {
		var pr Person
		var body []byte
		if err := scan(&pr.ID, &pr.Version, &body); err != nil {
			return pr, err
		}
		if err := store.DecodeBody(body, &pr.PersonBody); err != nil {
			return pr, fmt.Errorf("%s: %w", pr.ID, err)
		}
		return view(p, pr), nil
	})
	if err != nil {
		return store.Numbered[Person]{}, wrap(op, err)
	}
	return store.NumberedOf(items, total, q), nil
}

// ExchangeSorts are the orders of the numbered list of exchanges; the
// default is the time, latest first.
var ExchangeSorts = []string{"at", "persons"}

var exchangeSortColumns = map[string]string{"at": "r.at", "persons": "r.persons"}

// conds is the filter as SQL conditions on exchanges r for p.
func (f ExchangeFilter) conds(p access.Principal) ([]string, []any, error) {
	conds := []string{"r.classification IN ('public', 'mission')"}
	if !p.Authenticated() {
		conds = []string{"r.classification = 'public'"}
	}
	var args []any
	if f.PersonID != "" {
		if err := checkID("person_id", f.PersonID); err != nil {
			return nil, nil, err
		}
		conds = append(conds, "r.id IN (SELECT exchange_id FROM exchange_persons WHERE person_id = ?)")
		args = append(args, f.PersonID)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return nil, nil, errs.Invalid("to", "must be after from")
	}
	// The day bounds let SQLite use the (day, id) index; at makes them exact.
	if !f.From.IsZero() {
		conds = append(conds, "r.day >= ?", "r.at >= ?")
		args = append(args, dayText(f.From), fmtTime(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "r.day <= ?", "r.at < ?")
		args = append(args, dayText(f.To), fmtTime(f.To))
	}
	return conds, args, nil
}

// NumberedExchanges returns page q of the exchanges p may read that meet
// f, with their total.
func (s *Service) NumberedExchanges(ctx context.Context, p access.Principal, f ExchangeFilter, q store.ListQuery) (store.Numbered[Exchange], error) {
	const op = "list exchanges"
	q, err := q.Check(ExchangeSorts, "at", true)
	if err != nil {
		return store.Numbered[Exchange]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[Exchange]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "exchanges", Entity: EntityExchange, Conds: conds, Args: args,
		Order: exchangeSortColumns[q.Sort], Then: "r.at", Desc: q.Desc}
	items, total, err := store.ReadNumbered(ctx, s.db, spec, q, func(scan func(...any) error) (Exchange, error) {
		var x Exchange
		var body []byte
		if err := scan(&x.ID, &x.Version, &body); err != nil {
			return x, err
		}
		if err := store.DecodeBody(body, &x.ExchangeBody); err != nil {
			return x, fmt.Errorf("%s: %w", x.ID, err)
		}
		x.forReader(p)
		return x, nil
	})
	if err != nil {
		return store.Numbered[Exchange]{}, wrap(op, err)
	}
	return store.NumberedOf(items, total, q), nil
}

// RemainsSorts are the orders of the numbered list of remains; the
// default is the recovery, latest first.
var RemainsSorts = []string{"recovered", "count"}

var remainsSortColumns = map[string]string{"recovered": "r.recovered_at", "count": "r.count"}

// NumberedRemains returns page q of the remains records with their total.
func (s *Service) NumberedRemains(ctx context.Context, p access.Principal, _ struct{}, q store.ListQuery) (store.Numbered[Remains], error) {
	const op = "list remains"
	if err := access.Decide(p, access.Read, RemainsBody{}.Resource()); err != nil {
		return store.Numbered[Remains]{}, wrap(op, err)
	}
	q, err := q.Check(RemainsSorts, "recovered", true)
	if err != nil {
		return store.Numbered[Remains]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "remains", Entity: EntityRemains,
		Order: remainsSortColumns[q.Sort], Then: "r.recovered_at", Desc: q.Desc}
	items, total, err := store.ReadNumbered(ctx, s.db, spec, q, func(scan func(...any) error) (Remains, error) {
		var r Remains
		var body []byte
		if err := scan(&r.ID, &r.Version, &body); err != nil {
			return r, err
		}
		if err := store.DecodeBody(body, &r.RemainsBody); err != nil {
			return r, fmt.Errorf("%s: %w", r.ID, err)
		}
		return r, nil
	})
	if err != nil {
		return store.Numbered[Remains]{}, wrap(op, err)
	}
	return store.NumberedOf(items, total, q), nil
}
