package detainee

import (
	"context"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// ReleaseCount is how many persons one side let go at one time outside an
// exchange: released, or repatriated straight from detention. It counts
// persons and names none, so every reader of the registry may see it.
type ReleaseCount struct {
	At      time.Time `json:"at"`
	HeldBy  string    `json:"held_by" doc:"the side that held them"`
	Status  string    `json:"status" doc:"released or repatriated"`
	Persons int       `json:"persons"`
}

// Releases counts the persons whose detention ended by release or
// repatriation in [from, to) other than in an exchange, by time, side and
// status, oldest first. A person released and later repatriated counts
// once, at the release: the repatriation of someone already free is not a
// second release. The periods say when a status began; an exchange moves
// its persons at its own time, so a period starting at the time of an
// exchange that moved the person is the exchange's, not a release.
func (s *Service) Releases(ctx context.Context, p access.Principal, from, to time.Time) ([]ReleaseCount, error) {
	if err := access.Decide(p, access.Read, PersonBody{}.Resource()); err != nil {
		return nil, wrap("releases", err)
	}
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return nil, wrap("releases", errs.Invalid("to", "must be after from"))
	}
	rows, err := s.db.Query(ctx, `SELECT r.from_at, r.held_by, r.status, COUNT(*) FROM detainee_periods r
		WHERE r.from_at >= ? AND r.from_at < ? AND r.status IN (?, ?)
		AND NOT EXISTS (SELECT 1 FROM detainee_periods b WHERE b.person_id = r.person_id AND b.status = ? AND b.to_at = r.from_at)
		AND NOT EXISTS (SELECT 1 FROM exchange_persons e JOIN exchanges x ON x.id = e.exchange_id
			WHERE e.person_id = r.person_id AND x.at = r.from_at)
		GROUP BY r.from_at, r.held_by, r.status ORDER BY r.from_at, r.held_by, r.status`,
		fmtTime(from), fmtTime(to), StatusReleased, StatusRepatriated, StatusReleased)
	if err != nil {
		return nil, wrap("releases", err)
	}
	defer rows.Close()
	var out []ReleaseCount
	for rows.Next() {
		var c ReleaseCount
		var at string
		if err := rows.Scan(&at, &c.HeldBy, &c.Status, &c.Persons); err != nil {
			return nil, wrap("releases", err)
		}
		if c.At, err = time.Parse(timeText, at); err != nil {
			return nil, wrap("releases", err)
		}
		out = append(out, c)
	}
	return out, wrap("releases", rows.Err())
}

// Remains events.
const (
	RemainsRecovered  = "recovered"
	RemainsIdentified = "identified"
	RemainsHandedOver = "handed_over"
)

// RemainsEvent is one step of a remains record: recovered, identified or
// handed over, with how many bodies it concerns.
type RemainsEvent struct {
	RemainsID string    `json:"remains_id"`
	Event     string    `json:"event" doc:"recovered, identified or handed_over"`
	At        time.Time `json:"at"`
	Count     int       `json:"count"`
}

// RemainsEvents lists the recoveries, identifications and handovers of
// remains in [from, to), oldest first. Remains records are few (one per
// recovery, or one per aggregate figure), so the identification and
// handover times are read without an index of their own.
func (s *Service) RemainsEvents(ctx context.Context, p access.Principal, from, to time.Time) ([]RemainsEvent, error) {
	if err := access.Decide(p, access.Read, RemainsBody{}.Resource()); err != nil {
		return nil, wrap("remains events", err)
	}
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return nil, wrap("remains events", errs.Invalid("to", "must be after from"))
	}
	f, t := fmtTime(from), fmtTime(to)
	rows, err := s.db.Query(ctx, `SELECT id, '`+RemainsRecovered+`', recovered_at, count FROM remains WHERE recovered_at >= ? AND recovered_at < ?
		UNION ALL SELECT id, '`+RemainsIdentified+`', identified_at, identified FROM remains WHERE identified_at >= ? AND identified_at < ? AND identified > 0
		UNION ALL SELECT id, '`+RemainsHandedOver+`', handed_over_at, count FROM remains WHERE handed_over_at >= ? AND handed_over_at < ?
		ORDER BY 3, 1, 2`, f, t, f, t, f, t)
	if err != nil {
		return nil, wrap("remains events", err)
	}
	defer rows.Close()
	var out []RemainsEvent
	for rows.Next() {
		var e RemainsEvent
		var at string
		if err := rows.Scan(&e.RemainsID, &e.Event, &at, &e.Count); err != nil {
			return nil, wrap("remains events", err)
		}
		if e.At, err = time.Parse(timeText, at); err != nil {
			return nil, wrap("remains events", err)
		}
		out = append(out, e)
	}
	return out, wrap("remains events", rows.Err())
}
