package incident

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

// StreamAllegations calls fn with every allegation p may read that f
// selects, in the list's order (newest first), as ListAllegations would
// return them page after page — the same conditions, the same access
// rule — but in one ordered query: an export reads a million rows without
// re-querying a page at a time. The Allegation fn is given is reused for
// the next row: fn must not keep it. An error of fn ends the stream and
// is returned as is.
func (s *Service) StreamAllegations(ctx context.Context, p access.Principal, f AllegationFilter, fn func(*Allegation) error) error {
	conds, args, err := f.conds(ctx, s, p)
	if err != nil {
		return wrap("stream allegations", err)
	}
	var a Allegation
	return s.stream(ctx, "allegations", EntityAllegation, conds, args, func(id string, version int64, body []byte, inc *string) error {
		a = Allegation{ID: id, Version: version}
		if err := store.DecodeBody(body, &a.AllegationBody); err != nil {
			return wrap("stream allegations", fmt.Errorf("%s: %w", id, err))
		}
		if inc != nil {
			a.IncidentID = *inc
		}
		return fn(&a)
	})
}

// StreamObservations is StreamAllegations for observations, in the order
// and with the conditions of ListObservations.
func (s *Service) StreamObservations(ctx context.Context, p access.Principal, f ObservationFilter, fn func(*Observation) error) error {
	conds, args, err := f.conds(ctx, s, p)
	if err != nil {
		return wrap("stream observations", err)
	}
	var o Observation
	return s.stream(ctx, "observations", EntityObservation, conds, args, func(id string, version int64, body []byte, inc *string) error {
		o = Observation{ID: id, Version: version}
		if err := store.DecodeBody(body, &o.ObservationBody); err != nil {
			return wrap("stream observations", fmt.Errorf("%s: %w", id, err))
		}
		if inc != nil {
			o.IncidentID = *inc
		}
		return fn(&o)
	})
}

// stream runs a list's query without its page limit and hands each row's
// latest body to each.
func (s *Service) stream(ctx context.Context, table, entity string, conds []string, args []any, each func(id string, version int64, body []byte, incident *string) error) error {
	q := `SELECT r.id, c.version, c.body, (SELECT MIN(im.incident_id) FROM incident_members im WHERE im.member_id = r.id) FROM ` + table + ` r ` +
		s.db.Dialect().StreamJoin(entity) + ` WHERE ` + joinAnd(conds) + ` ORDER BY r.start_at DESC, r.id DESC`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return wrap("stream "+table, err)
	}
	defer rows.Close()
	var (
		id      string
		version int64
		body    sql.RawBytes // decoded before the next row: not copied
		inc     *string
	)
	for rows.Next() {
		if err := rows.Scan(&id, &version, &body, &inc); err != nil {
			return wrap("stream "+table, err)
		}
		if err := each(id, version, body, inc); err != nil {
			return err
		}
	}
	return wrap("stream "+table, rows.Err())
}
