package mines

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// The numbered lists of the mine registries (issue 16): the same
// conditions as the cursor lists, a total, numbered pages and a few
// orders; the first order of each is its default, latest first.

// MinefieldSorts are the orders of the numbered list of minefield records.
var MinefieldSorts = []string{"laid", "area", "mines"}

var minefieldSortColumns = map[string]string{"laid": "r.laid_at", "area": "r.area_m2", "mines": "r.mines_total"}

// HandoverSorts are the orders of the numbered list of handovers.
var HandoverSorts = []string{"day", "records"}

var handoverSortColumns = map[string]string{"day": "r.day", "records": "r.records"}

// HazardAreaSorts are the orders of the numbered list of hazard areas.
var HazardAreaSorts = []string{"recorded", "area", "remaining", "status"}

var hazardAreaSortColumns = map[string]string{"recorded": "r.recorded_day", "area": "r.area_m2", "remaining": "r.remaining_m2", "status": "r.status"}

// conds is the filter as SQL conditions on minefields r for p.
func (f MinefieldFilter) conds(p access.Principal) ([]string, []any) {
	cond, args := access.Filter(p, "r", "minefield_readers")
	conds := []string{cond}
	if f.LaidBy != "" {
		conds, args = append(conds, "r.laid_by = ?"), append(args, f.LaidBy)
	}
	if f.District != "" {
		conds, args = append(conds, "r.district = ?"), append(args, f.District)
	}
	return extentMeets(conds, args, f.Within)
}

// conds is the filter as SQL conditions on handovers r for p; a bad
// value names its field.
func (f HandoverFilter) conds(p access.Principal) ([]string, []any, error) {
	cond, args := access.Filter(p, "r", "handover_readers")
	conds := []string{cond}
	for _, c := range [][2]string{{"r.from_side", f.FromSide}, {"r.to_side", f.ToSide}, {"r.exchange_id", f.ExchangeID}} {
		if c[1] != "" {
			conds, args = append(conds, c[0]+" = ?"), append(args, c[1])
		}
	}
	for _, d := range [][3]string{{"from_day", ">=", f.FromDay}, {"to_day", "<=", f.ToDay}} {
		if d[2] == "" {
			continue
		}
		if _, err := time.Parse(dateText, d[2]); err != nil {
			return nil, nil, errs.Because(errs.Invalid(d[0], "must be a date such as 2021-06-12"), errs.ReasonNotADate)
		}
		conds, args = append(conds, "r.day "+d[1]+" ?"), append(args, d[2])
	}
	if f.FromDay != "" && f.ToDay != "" && f.ToDay < f.FromDay {
		return nil, nil, errs.Invalid("to_day", "is before from_day")
	}
	return conds, args, nil
}

// conds is the filter as SQL conditions on hazard_areas r for p; a bad
// status names its field.
func (f HazardAreaFilter) conds(p access.Principal) ([]string, []any, error) {
	cond, args := access.Filter(p, "r", "hazard_area_readers")
	conds := []string{cond}
	if f.Status != "" {
		if err := oneOf("status", f.Status, Statuses); err != nil {
			return nil, nil, err
		}
		conds, args = append(conds, "r.status = ?"), append(args, f.Status)
	}
	if f.District != "" {
		conds, args = append(conds, "r.district = ?"), append(args, f.District)
	}
	conds, args = extentMeets(conds, args, f.Within)
	return conds, args, nil
}

// numbered reads page q of table's rows meeting conds in the order of
// sort key q.Sort (columns maps keys to columns, then is the time column
// that breaks ties), each row made by set.
func numbered[T any](ctx context.Context, db *store.DB, table, entity string, columns map[string]string, then string,
	conds []string, args []any, q store.ListQuery, set func(id string, version int64, body []byte) (T, error)) (store.Numbered[T], error) {
	spec := store.NumberedSpec{Table: table, Entity: entity, Conds: conds, Args: args, Order: columns[q.Sort], Then: then, Desc: q.Desc}
	items, total, err := store.ReadNumbered(ctx, db, spec, q, func(scan func(...any) error) (T, error) {
		var id string
		var v int64
		var body []byte
		if err := scan(&id, &v, &body); err != nil {
			var zero T
			return zero, err
		}
		it, err := set(id, v, body)
		if err != nil {
			return it, fmt.Errorf("%s: %w", id, err)
		}
		return it, nil
	})
	if err != nil {
		return store.Numbered[T]{}, err
	}
	return store.NumberedOf(items, total, q), nil
}

// NumberedMinefields returns page q of the minefield records p may read
// that meet f, with their total.
func (s *Service) NumberedMinefields(ctx context.Context, p access.Principal, f MinefieldFilter, q store.ListQuery) (store.Numbered[Minefield], error) {
	const op = "list minefields"
	q, err := q.Check(MinefieldSorts, "laid", true)
	if err != nil {
		return store.Numbered[Minefield]{}, wrap(op, err)
	}
	conds, args := f.conds(p)
	out, err := numbered(ctx, s.db, "minefields", EntityMinefield, minefieldSortColumns, "r.laid_at", conds, args, q, func(id string, v int64, body []byte) (Minefield, error) {
		m := Minefield{ID: id, Version: v}
		return m, store.DecodeBody(body, &m.MinefieldBody)
	})
	return out, wrap(op, err)
}

// NumberedHandovers returns page q of the handovers p may read that meet
// f, with their total; minefield records p may not read are left out of
// each, as in ListHandovers.
func (s *Service) NumberedHandovers(ctx context.Context, p access.Principal, f HandoverFilter, q store.ListQuery) (store.Numbered[Handover], error) {
	const op = "list handovers"
	q, err := q.Check(HandoverSorts, "day", true)
	if err != nil {
		return store.Numbered[Handover]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[Handover]{}, wrap(op, err)
	}
	out, err := numbered(ctx, s.db, "handovers", EntityHandover, handoverSortColumns, "r.day", conds, args, q, func(id string, v int64, body []byte) (Handover, error) {
		h := Handover{ID: id, Version: v}
		return h, store.DecodeBody(body, &h.HandoverBody)
	})
	if err == nil {
		err = s.hideUnreadableMinefields(ctx, p, out.Items)
	}
	return out, wrap(op, err)
}

// NumberedHazardAreas returns page q of the hazard areas p may read that
// meet f, with their total; sources p may not read are left out, as in
// ListHazardAreas.
func (s *Service) NumberedHazardAreas(ctx context.Context, p access.Principal, f HazardAreaFilter, q store.ListQuery) (store.Numbered[HazardArea], error) {
	const op = "list hazard areas"
	q, err := q.Check(HazardAreaSorts, "recorded", true)
	if err != nil {
		return store.Numbered[HazardArea]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[HazardArea]{}, wrap(op, err)
	}
	out, err := numbered(ctx, s.db, "hazard_areas", EntityHazardArea, hazardAreaSortColumns, "r.recorded_day", conds, args, q, func(id string, v int64, body []byte) (HazardArea, error) {
		h := HazardArea{ID: id, Version: v}
		return h, store.DecodeBody(body, &h.HazardAreaBody)
	})
	if err == nil {
		err = s.hideUnreadableSources(ctx, p, out.Items)
	}
	return out, wrap(op, err)
}
