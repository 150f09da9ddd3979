package detainee

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

// Counting persons at any time must not read every status period (there
// are several per person). The side table detainee_count_deltas keeps,
// per day and group (status, detaining side, side of nationality), the
// periods starting that day minus those ending that day. For a time t on
// day D with start Dstart:
//
//	active(t) = S − A + B
//	S = Σ deltas of the days before D  (periods with from < Dstart ≤ to)
//	A = periods with from < Dstart and Dstart ≤ to ≤ t  (ended today by t)
//	B = periods with Dstart ≤ from ≤ t < to             (started today by t)
//
// S reads at most (days × groups) rows; A and B read one day of periods
// through the indexes on to_at and from_at.

type groupKey struct{ status, heldBy, nationality string }

type deltaKey struct {
	day string
	groupKey
}

// countDeltas accumulates a transaction's changes to the delta table.
type countDeltas map[deltaKey]int

func dayText(t time.Time) string { return t.UTC().Format("2006-01-02") }

// add counts periods in (sign +1) or out (sign −1).
func (d countDeltas) add(nationality string, periods []Period, sign int) {
	for _, p := range periods {
		g := groupKey{p.Status, p.HeldBy, nationality}
		d[deltaKey{dayText(p.From), g}] += sign
		if p.To != nil {
			d[deltaKey{dayText(*p.To), g}] -= sign
		}
	}
}

// flush writes the accumulated deltas.
func (d countDeltas) flush(tx *store.Tx) error {
	for k, n := range d {
		if n == 0 {
			continue
		}
		if _, err := tx.ExecSide(`INSERT INTO detainee_count_deltas (day, status, held_by, nationality, delta) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (day, status, held_by, nationality) DO UPDATE SET delta = detainee_count_deltas.delta + excluded.delta`, k.day, k.status, k.heldBy, k.nationality, n); err != nil {
			return fmt.Errorf("count deltas: %w", err)
		}
	}
	clear(d)
	return nil
}

// Counts are the persons by status and by side at one time.
type Counts struct {
	At            time.Time                 `json:"at"`
	Total         int                       `json:"total" doc:"persons captured by then"`
	ByStatus      map[string]int            `json:"by_status"`
	ByHeldBy      map[string]map[string]int `json:"by_held_by" doc:"detaining side -> status -> persons"`
	ByNationality map[string]map[string]int `json:"by_nationality" doc:"side of nationality -> status -> persons"`
}

// Counts counts persons by status, detaining side and side of nationality
// at a time: every account may read them.
func (s *Service) Counts(ctx context.Context, p access.Principal, at time.Time) (Counts, error) {
	if err := access.Decide(p, access.Read, PersonBody{}.Resource()); err != nil {
		return Counts{}, wrap("counts", err)
	}
	t := fmtTime(at)
	day := dayText(at)
	dayStart := day + "T00:00:00Z"
	groups := map[groupKey]int{}
	for _, q := range []struct {
		sign int
		sql  string
		args []any
	}{
		{+1, `SELECT status, held_by, nationality, SUM(delta) FROM detainee_count_deltas WHERE day < ? GROUP BY status, held_by, nationality`, []any{day}},
		{-1, `SELECT status, held_by, nationality, COUNT(*) FROM detainee_periods WHERE to_at >= ? AND to_at <= ? AND from_at < ? GROUP BY status, held_by, nationality`, []any{dayStart, t, dayStart}},
		{+1, `SELECT status, held_by, nationality, COUNT(*) FROM detainee_periods WHERE from_at >= ? AND from_at <= ? AND to_at > ? GROUP BY status, held_by, nationality`, []any{dayStart, t, t}},
	} {
		if err := sumGroups(ctx, s.db, groups, q.sign, q.sql, q.args...); err != nil {
			return Counts{}, wrap("counts", err)
		}
	}
	c := Counts{At: at.UTC(), ByStatus: map[string]int{}, ByHeldBy: map[string]map[string]int{}, ByNationality: map[string]map[string]int{}}
	for g, n := range groups {
		if n == 0 {
			continue
		}
		c.Total += n
		c.ByStatus[g.status] += n
		if c.ByHeldBy[g.heldBy] == nil {
			c.ByHeldBy[g.heldBy] = map[string]int{}
		}
		c.ByHeldBy[g.heldBy][g.status] += n
		if c.ByNationality[g.nationality] == nil {
			c.ByNationality[g.nationality] = map[string]int{}
		}
		c.ByNationality[g.nationality][g.status] += n
	}
	return c, nil
}

func sumGroups(ctx context.Context, db *store.DB, into map[groupKey]int, sign int, q string, args ...any) error {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g groupKey
		var n int
		if err := rows.Scan(&g.status, &g.heldBy, &g.nationality, &n); err != nil {
			return err
		}
		into[g] += sign * n
	}
	return rows.Err()
}

// CheckCounts compares the delta table with the status periods it is
// derived from, both read through q (verify gives a snapshot), and
// returns the days and groups that disagree (none when the table is
// sound): the delta table is a side table, which truce verify does not
// rebuild.
func (s *Service) CheckCounts(ctx context.Context, q store.Querier) ([]string, error) {
	want := countDeltas{}
	rows, err := q.Query(ctx, `SELECT status, held_by, nationality, from_at, to_at FROM detainee_periods`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var g groupKey
		var from, to string
		if err := rows.Scan(&g.status, &g.heldBy, &g.nationality, &from, &to); err != nil {
			rows.Close()
			return nil, err
		}
		want[deltaKey{from[:10], g}]++
		if to != openEnd {
			want[deltaKey{to[:10], g}]--
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	have := countDeltas{}
	rows, err = q.Query(ctx, `SELECT day, status, held_by, nationality, delta FROM detainee_count_deltas`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k deltaKey
		var n int
		if err := rows.Scan(&k.day, &k.status, &k.heldBy, &k.nationality, &n); err != nil {
			return nil, err
		}
		have[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var bad []string
	for k, n := range want {
		if have[k] != n {
			bad = append(bad, fmt.Sprintf("%s %s/%s/%s: %d, periods give %d", k.day, k.status, k.heldBy, k.nationality, have[k], n))
		}
	}
	for k, n := range have {
		if _, ok := want[k]; !ok && n != 0 {
			bad = append(bad, fmt.Sprintf("%s %s/%s/%s: %d, periods give 0", k.day, k.status, k.heldBy, k.nationality, n))
		}
	}
	return bad, nil
}
