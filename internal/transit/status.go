package transit

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// Statuses of a corridor or a checkpoint at a time.
const (
	StatusOpen    = "open"
	StatusPartial = "partial"
	StatusClosed  = "closed"
)

// scope is what a status is asked about: a checkpoint (and the corridor it
// lies in, whose whole-corridor restrictions apply to it), a corridor, or,
// with both empty, every corridor at once.
type scope struct {
	Checkpoint string
	Corridor   string
}

type queryFunc func(q string, args ...any) (*sql.Rows, error)

// statusAt decides the status of sc at at from the closures and partial
// restrictions p may read that are in force then (started at or before at,
// not yet ended), and returns their ids.
//
//   - a checkpoint is closed when it or its corridor is closed, partial
//     when either is partially restricted;
//   - a corridor is closed when the whole corridor is closed, and partial
//     when it is partially restricted or any of its checkpoints is
//     restricted or closed (traffic still passes elsewhere).
func statusAt(query queryFunc, p access.Principal, at time.Time, sc scope) (string, []string, error) {
	cond, args := access.Filter(p, "r", "transit_restriction_readers")
	t := at.UTC().Format(timeText)
	// One start range per duration class (see spanClass), so that the
	// index is read only where an in-force restriction can be.
	ranges := `(r.span_class = -1 AND r.start_at <= ?)`
	rargs := []any{t}
	for c := 0; c <= maxSpanClass; c++ {
		ranges += ` OR (r.span_class = ? AND r.start_at >= ? AND r.start_at <= ?)`
		rargs = append(rargs, c, at.Add(-time.Duration(int64(time.Hour)<<c)).UTC().Format(timeText), t)
	}
	q := `SELECT r.id, r.kind, r.checkpoint_id FROM transit_restrictions r WHERE (` + ranges + `) AND r.kind IN ('closure', 'partial') AND (r.end_at = '' OR r.end_at > ?) AND ` + cond
	args = append(append(rargs, t), args...)
	switch {
	case sc.Checkpoint != "":
		q += ` AND (r.checkpoint_id = ? OR (r.checkpoint_id = '' AND r.corridor_id = ? AND r.corridor_id <> ''))`
		args = append(args, sc.Checkpoint, sc.Corridor)
	case sc.Corridor != "":
		q += ` AND r.corridor_id = ?`
		args = append(args, sc.Corridor)
	}
	rows, err := query(q+` ORDER BY r.start_at, r.id`, args...)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	status := StatusOpen
	var ids []string
	for rows.Next() {
		var id, kind, checkpoint string
		if err := rows.Scan(&id, &kind, &checkpoint); err != nil {
			return "", nil, err
		}
		ids = append(ids, id)
		closes := kind == KindClosure && (sc.Checkpoint != "" || checkpoint == "")
		switch {
		case closes:
			status = StatusClosed
		case status == StatusOpen:
			status = StatusPartial
		}
	}
	return status, ids, rows.Err()
}

// InForce is a restriction in force at the time asked about, with how long
// it had lasted then.
type InForce struct {
	Restriction
	InForceS int64 `json:"in_force_s" doc:"seconds from its start to the time asked about"`
}

// Status is the status of a corridor or a checkpoint at a time.
type Status struct {
	At           time.Time `json:"at"`
	CorridorID   string    `json:"corridor_id,omitempty"`
	CheckpointID string    `json:"checkpoint_id,omitempty"`
	Status       string    `json:"status" doc:"open, partial or closed"`
	Restrictions []InForce `json:"restrictions" doc:"the closures and partial restrictions in force, earliest first"`
}

// StatusAt answers whether a corridor (corridorID), a checkpoint
// (checkpointID) or, with neither, every corridor was open, partially
// restricted or closed at at, from the restrictions p may read.
func (s *Service) StatusAt(ctx context.Context, p access.Principal, at time.Time, corridorID, checkpointID string) (Status, error) {
	st := Status{At: at.UTC(), CorridorID: corridorID, CheckpointID: checkpointID, Restrictions: []InForce{}}
	var sc scope
	switch {
	case corridorID != "" && checkpointID != "":
		return st, wrap("status", errs.Invalid("corridor_id", "ask about a corridor or a checkpoint, not both"))
	case checkpointID != "":
		pl, err := s.checkpoint(ctx, p, "checkpoint_id", checkpointID, at)
		if err != nil {
			return st, wrap("status", err)
		}
		sc = scope{Checkpoint: checkpointID, Corridor: pl.CorridorID}
		st.CorridorID = pl.CorridorID
	case corridorID != "":
		if _, err := s.corridor(ctx, p, "corridor_id", corridorID, at); err != nil {
			return st, wrap("status", err)
		}
		sc = scope{Corridor: corridorID}
	}
	status, ids, err := statusAt(func(q string, args ...any) (*sql.Rows, error) { return s.db.Query(ctx, q, args...) }, p, at, sc)
	if err != nil {
		return st, wrap("status", err)
	}
	st.Status = status
	if len(ids) == 0 {
		return st, nil
	}
	// The latest body of each, by the change log's own (entity, id,
	// version) index.
	q := `SELECT c.id, c.version, c.body, '' FROM changes c WHERE c.entity = ? AND c.id IN (`
	args := []any{EntityRestriction}
	for i, id := range ids {
		if i > 0 {
			q += ", "
		}
		q += "?"
		args = append(args, id)
	}
	q += `) AND c.version = (SELECT MAX(m.version) FROM changes m WHERE m.entity = c.entity AND m.id = c.id)`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return st, wrap("status", err)
	}
	defer rows.Close()
	items, _, err := scanRestrictions(rows)
	if err != nil {
		return st, wrap("status", err)
	}
	slices.SortFunc(items, func(a, b Restriction) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, r := range items {
		st.Restrictions = append(st.Restrictions, InForce{Restriction: r, InForceS: int64(at.Sub(r.Start) / time.Second)})
	}
	return st, nil
}
