// Package transit holds movement through a corridor: crossings at its
// checkpoints (direction, people, vehicles, cargo, escort) and the
// restrictions that close it or part of it (closure, partial, reopening),
// from which the corridor's and each checkpoint's status at any time
// follows.
//
// Checkpoints are not a record of this package: they are geography, sites
// of subkind checkpoint in package geo's layers, and the corridor is a
// corridor layer. A crossing or a restriction names the layer by id; the
// corridor a checkpoint lies in is found from the layers when the record
// is written and kept in its body, so that projections stay pure functions
// of (id, body).
package transit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// Entities and their id prefixes.
const (
	EntityCrossing    = "crossing"
	EntityRestriction = "transit_restriction"

	crossingPrefix    = "crs"
	restrictionPrefix = "trr"
)

// ClockSkew is how far in the future a reported time may lie, to allow for
// a client's clock running ahead.
const ClockSkew = 5 * time.Minute

// Geography is what the service needs of package geo; *geo.Service has it.
type Geography interface {
	GetLayer(ctx context.Context, p access.Principal, id string) (geo.Layer, error)
	LocateFor(ctx context.Context, reader access.Principal, p geo.Point, at time.Time) (geo.Location, error)
}

// Service reads and writes crossings and transit restrictions.
type Service struct {
	db  *store.DB
	geo Geography
	now func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that decides which reported times lie in the
// future.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service on db, registers its projections and declares who
// may write its records: the mission's staff (monitors, analysts,
// co-chairs). Peacekeepers who staff the checkpoints have accounts of the
// peacekeeping organisation with the monitor role, so they write as
// monitors. Liaisons and humanitarian officers do not: a side's or an
// agency's account of a closure is a claim for an allegation or a
// statement, not an entry in the corridor's log.
func New(db *store.DB, g Geography, opts ...Option) *Service {
	s := &Service{db: db, geo: g, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	for _, p := range projections() {
		db.Register(p)
	}
	return s
}

// projections lists the package's projections; the tables are created by
// migration 0010_transit.sql.
func projections() []store.Projection {
	return []store.Projection{
		store.Typed(EntityCrossing, []store.Table{
			{Name: "crossings", Columns: []string{"id", "at", "day", "checkpoint_id", "corridor_id", "direction", "people", "vehicles", "cargo_tonnes",
				"humanitarian", "flagged", "classification", "owner_org"}},
			{Name: "crossing_readers", Columns: []string{"record_id", "org_id"}},
		}, crossingRows),
		store.Typed(EntityRestriction, []store.Table{
			{Name: "transit_restrictions", Columns: []string{"id", "kind", "corridor_id", "checkpoint_id", "start_at", "end_at", "duration_s", "span_class", "by_org", "classification", "owner_org"}},
			{Name: "transit_restriction_readers", Columns: []string{"record_id", "org_id"}},
		}, restrictionRows),
	}
}

// timeText is how times are kept in projection columns: UTC, to the
// second, fixed width so that text order is time order.
const timeText = "2006-01-02T15:04:05Z"

func dayOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("transit: %s: %w", op, err)
}

// checkOrg checks inside a write transaction that id names an organisation.
func checkOrg(tx *store.Tx, field, id string) error {
	var kind string
	err := tx.QueryRow(`SELECT kind FROM organisations WHERE id = ?`, id).Scan(&kind)
	if store.IsNoRows(err) {
		return errs.Invalid(field, "no organisation %s", id)
	}
	return err
}

func checkReaders(tx *store.Tx, l access.Label) error {
	for i, o := range l.RestrictedTo {
		if err := checkOrg(tx, fmt.Sprintf("restricted_to[%d]", i), o); err != nil {
			return err
		}
	}
	return nil
}

func joinAnd(conds []string) string { return strings.Join(conds, " AND ") }

// Window is a time window [From, To) for lists and totals.
type Window = store.Window

// decodeStrict decodes one JSON value into v, refusing unknown members and
// trailing data, as the API does.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Invalid("", "is not valid JSON for this record: %s", err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Invalid("", "has data after the JSON value")
	}
	return nil
}
