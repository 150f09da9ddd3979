package returns

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// TotalRow is how many people returned in one period or to one
// destination, and in how many movements.
type TotalRow struct {
	Key         string `json:"key" doc:"the day (YYYY-MM-DD), ISO week (YYYY-Www), month (YYYY-MM) or destination place id"`
	Name        string `json:"name,omitempty" doc:"the destination's name, when grouped by destination"`
	Movements   int64  `json:"movements"`
	People      int64  `json:"people"`
	Organised   int64  `json:"organised" doc:"people in organised movements"`
	Spontaneous int64  `json:"spontaneous" doc:"people in spontaneous movements"`
	Mixed       int64  `json:"mixed" doc:"people in aggregate figures that do not say how they travelled"`
}

// groupColumns are the columns totals may group by.
var groupColumns = map[string]string{"day": "day", "week": "week", "month": "month", "destination": "destination_place_id"}

// Totals counts the people in the movements p may read whose date lies in
// w, per day, week, month or destination. An aggregate figure counts on
// the date it is as of.
func (s *Service) Totals(ctx context.Context, p access.Principal, w Window, group string) ([]TotalRow, error) {
	col, ok := groupColumns[group]
	if !ok {
		return nil, wrap("totals", errs.Invalid("group", "must be day, week, month or destination"))
	}
	if err := w.Check(); err != nil {
		return nil, wrap("totals", err)
	}
	cond, args := access.Filter(p, "r", "return_movement_readers")
	conds, args := w.Where("r.date_at", []string{cond}, args)
	q := `SELECT r.` + col + `, COUNT(*), SUM(r.total),
		SUM(CASE r.kind WHEN 'organised' THEN r.total ELSE 0 END),
		SUM(CASE r.kind WHEN 'spontaneous' THEN r.total ELSE 0 END),
		SUM(CASE r.kind WHEN 'mixed' THEN r.total ELSE 0 END)
		FROM return_movements r WHERE ` + joinAnd(conds) + ` GROUP BY r.` + col + ` ORDER BY r.` + col
	if group == "destination" {
		// The destination's name only where p may read the place.
		pcond, pargs := access.Filter(p, "pl", "place_readers")
		q = `SELECT t.*, COALESCE(pl.name, '') FROM (` + q + `) t LEFT JOIN places pl ON pl.id = t.destination_place_id AND ` + pcond + ` ORDER BY t.destination_place_id`
		args = append(args, pargs...)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("totals", err)
	}
	defer rows.Close()
	out := []TotalRow{}
	for rows.Next() {
		var r TotalRow
		dest := []any{&r.Key, &r.Movements, &r.People, &r.Organised, &r.Spontaneous, &r.Mixed}
		if group == "destination" {
			dest = append(dest, &r.Name)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, wrap("totals", err)
		}
		out = append(out, r)
	}
	return out, wrap("totals", rows.Err())
}
