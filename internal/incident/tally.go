package incident

import (
	"context"
	"sort"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// Tally groupings.
const (
	ByDay      = "day"
	ByWeek     = "week"
	ByZone     = "zone"
	ByCategory = "category"
)

// TallyRow is one period or group of a tally. The three counts are never
// blended: what each side alleges, what the mission observed, what the
// mission verified.
type TallyRow struct {
	Key string `json:"key" doc:"the day (YYYY-MM-DD), ISO week (YYYY-Www), zone layer id ('' outside every zone) or category"`
	// AllegedBy counts the allegations lodged in each side's name and not
	// withdrawn: what each side alleges against the other.
	AllegedBy map[string]int `json:"alleged_by"`
	// Observations counts the mission's observations; Observed sums their
	// counts (violations seen or heard) and Explosions the part of those
	// that were explosions.
	Observations int `json:"observations"`
	Observed     int `json:"observed"`
	Explosions   int `json:"explosions"`
	// Verified counts incidents whose finding in force is substantiated,
	// by attribution (a side's id, both or undetermined).
	Verified map[string]int `json:"verified"`
}

var groupColumns = map[string]string{ByDay: "r.day", ByWeek: "r.week", ByZone: "r.zone_id", ByCategory: "r.category"}

// Tallies counts, for the reports p may read whose reported start lies in
// [from, to), per group, what each side alleged, what the mission observed
// and what it verified. Observations count under the category of their kind
// (see ObservationKinds).
func (s *Service) Tallies(ctx context.Context, p access.Principal, from, to time.Time, group string) ([]TallyRow, error) {
	col, ok := groupColumns[group]
	if !ok {
		return nil, errs.Invalid("group", "must be day, week, zone or category")
	}
	if from.IsZero() || to.IsZero() {
		return nil, errs.Invalid("from", "a tally needs a time window")
	}
	w := Window{From: from, To: to}
	if err := w.check(); err != nil {
		return nil, err
	}
	if to.Sub(from) > 5*366*24*time.Hour {
		return nil, errs.Invalid("to", "a tally covers at most five years")
	}
	if group != ByZone && wholeDay(from) && wholeDay(to) {
		return s.summed(ctx, p, from, to, group)
	}
	var rows []TallyRow
	err := s.db.Heavy(ctx, func(ctx context.Context) (err error) {
		rows, err = s.recount(ctx, p, w, col)
		return err
	})
	return rows, err
}

func wholeDay(t time.Time) bool { return t.Equal(t.UTC().Truncate(24 * time.Hour)) }

// summed is Tallies over whole days from the kept tallies (tallykept.go).
func (s *Service) summed(ctx context.Context, p access.Principal, from, to time.Time, group string) ([]TallyRow, error) {
	cond, args := access.Filter(p, "l", "tally_label_readers")
	args = append(args, dayOf(from), dayOf(to))
	rs, err := s.db.Query(ctx, `SELECT t.day, t.kind, t.category, t.side, SUM(t.records), SUM(t.amount), SUM(t.explosions)
		FROM incident_tallies t JOIN tally_labels l ON l.id = t.label
		WHERE `+cond+` AND t.day >= ? AND t.day < ?
		GROUP BY t.day, t.kind, t.category, t.side`, args...)
	if err != nil {
		return nil, wrap("tallies", err)
	}
	defer rs.Close()
	rows := map[string]*TallyRow{}
	weeks := map[string]string{}
	for rs.Next() {
		var day, kind, category, side string
		var records, amount, explosions int64
		if err := rs.Scan(&day, &kind, &category, &side, &records, &amount, &explosions); err != nil {
			return nil, wrap("tallies", err)
		}
		k := day
		switch group {
		case ByCategory:
			k = category
		case ByWeek:
			if weeks[day] == "" {
				d, err := time.Parse(time.DateOnly, day)
				if err != nil {
					return nil, wrap("tallies", err)
				}
				weeks[day] = weekOf(d)
			}
			k = weeks[day]
		}
		r := rows[k]
		if r == nil {
			r = &TallyRow{Key: k, AllegedBy: map[string]int{}, Verified: map[string]int{}}
			rows[k] = r
		}
		switch kind {
		case tallyAlleged:
			r.AllegedBy[side] += int(records)
		case tallyObserved:
			r.Observations += int(records)
			r.Observed += int(amount)
			r.Explosions += int(explosions)
		case tallyVerified:
			r.Verified[side] += int(records)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, wrap("tallies", err)
	}
	return sortedRows(rows), nil
}

// recount is Tallies counted from the records themselves: for zones and
// windows that do not fall on whole days.
func (s *Service) recount(ctx context.Context, p access.Principal, w Window, col string) ([]TallyRow, error) {
	rows := map[string]*TallyRow{}
	row := func(k string) *TallyRow {
		r := rows[k]
		if r == nil {
			r = &TallyRow{Key: k, AllegedBy: map[string]int{}, Verified: map[string]int{}}
			rows[k] = r
		}
		return r
	}
	// query runs one grouped count; with byValue the first selected value
	// is grouped on too.
	query := func(table, readers, sel string, extra []string, scan func(key string, vals []any) error, nvals int, byValue bool) error {
		cond, args := access.Filter(p, "r", readers)
		conds := append([]string{cond}, extra...)
		conds, args = w.where("r.start_at", "r.day", conds, args)
		q := `SELECT ` + col + `, ` + sel + ` FROM ` + table + ` r WHERE ` + joinAnd(conds) + ` GROUP BY 1`
		if byValue {
			q += `, 2`
		}
		rs, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var key string
			vals := make([]any, nvals)
			ptrs := []any{&key}
			for i := range vals {
				ptrs = append(ptrs, &vals[i])
			}
			if err := rs.Scan(ptrs...); err != nil {
				return err
			}
			if err := scan(key, vals); err != nil {
				return err
			}
		}
		return rs.Err()
	}
	err := query("allegations", "allegation_readers", "r.on_behalf_of, COUNT(*)",
		[]string{"r.source_kind = 'side'", "r.status = 'lodged'"}, func(k string, v []any) error {
			row(k).AllegedBy[asString(v[0])] += int(asInt(v[1]))
			return nil
		}, 2, true)
	if err != nil {
		return nil, wrap("tallies", err)
	}
	err = query("observations", "observation_readers", "COUNT(*), CAST(SUM(r.count) AS BIGINT), CAST(SUM(CASE WHEN r.explosion = 1 THEN r.count ELSE 0 END) AS BIGINT)",
		nil, func(k string, v []any) error {
			r := row(k)
			r.Observations += int(asInt(v[0]))
			r.Observed += int(asInt(v[1]))
			r.Explosions += int(asInt(v[2]))
			return nil
		}, 3, false)
	if err != nil {
		return nil, wrap("tallies", err)
	}
	err = query("incidents", "incident_readers", "r.attribution, COUNT(*)",
		[]string{"r.outcome = 'substantiated'"}, func(k string, v []any) error {
			row(k).Verified[asString(v[0])] += int(asInt(v[1]))
			return nil
		}, 2, true)
	if err != nil {
		return nil, wrap("tallies", err)
	}
	return sortedRows(rows), nil
}

func sortedRows(rows map[string]*TallyRow) []TallyRow {
	out := make([]TallyRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}
