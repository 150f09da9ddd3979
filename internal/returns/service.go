// Package returns holds the returns of displaced people: movements (who
// went back, from where, to which place, when, organised or spontaneous,
// with whose escort and whose verification that the return was voluntary)
// and the monitoring visits that follow returnees up (documentation, access
// to services, shelter, livelihoods, protection risks), with totals per
// destination and over time.
//
// Every record is an entity in the change log whose body is its full
// state; projections are pure functions of (id, body). What depends on
// other records at write time (the destination's name, a visit's place
// taken from its movement) is copied into the body on write. What depends
// on the clock (an overdue follow-up) is derived when read.
package returns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Entities and their id prefixes.
const (
	EntityMovement = "return_movement"
	EntityVisit    = "return_visit"

	movementPrefix = "ret"
	visitPrefix    = "rvi"
)

// ClockSkew is how far in the future a reported date may lie, to allow for
// a client's clock running ahead.
const ClockSkew = 5 * time.Minute

// Service reads and writes return movements and monitoring visits.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that decides which dates lie in the future and
// which follow-ups are overdue.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service on db, registers its projections and declares who
// may write its records: the mission's staff (monitors, analysts,
// co-chairs) and humanitarian officers, since returns take place under
// UNHCR's supervision. Liaisons do not: a side's count of returns is a
// claim, and belongs in a statement or an allegation, not in the register.
func New(db *store.DB, opts ...Option) *Service {
	s := &Service{db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	for _, p := range projections() {
		db.Register(p)
	}
	return s
}

// projections lists the package's projections; the tables are created by
// migration 0009_returns.sql.
func projections() []store.Projection {
	return []store.Projection{
		store.Typed(EntityMovement, []store.Table{
			{Name: "return_movements", Columns: []string{"id", "date_at", "day", "week", "month", "destination_place_id", "kind", "total", "illustrative", "classification", "owner_org"}},
			{Name: "return_movement_readers", Columns: []string{"record_id", "org_id"}},
		}, movementRows),
		store.Typed(EntityVisit, []store.Table{
			{Name: "return_visits", Columns: []string{"id", "movement_id", "place_id", "date_at", "follow_up_due", "follows_up", "classification", "owner_org"}},
			{Name: "return_visit_readers", Columns: []string{"record_id", "org_id"}},
		}, visitRows),
	}
}

// timeText is how times are kept in projection columns: UTC, to the
// second, fixed width so that text order is time order.
const timeText = "2006-01-02T15:04:05Z"

func dayOf(t time.Time) string   { return t.UTC().Format("2006-01-02") }
func monthOf(t time.Time) string { return t.UTC().Format("2006-01") }
func weekOf(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("returns: %s: %w", op, err)
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

// placeName returns the default name of a place p may read, inside a write
// transaction, for a record labelled l that names it; a place p may not
// read is as unknown as a missing one, and one that some reader of the
// record may not read is refused: the record would tell them its name.
func placeName(tx *store.Tx, p access.Principal, l access.Label, field, id string) (string, error) {
	cond, args := access.Filter(p, "pl", "place_readers")
	var name string
	var place access.Label
	err := tx.QueryRow(`SELECT pl.name, pl.classification, pl.owner_org FROM places pl WHERE pl.id = ? AND `+cond, append([]any{id}, args...)...).
		Scan(&name, &place.Classification, &place.OwnerOrg)
	if store.IsNoRows(err) {
		return "", errs.Invalid(field, "no place %s in the gazetteer", id)
	}
	if err != nil {
		return "", err
	}
	if place.Classification == access.Restricted {
		rows, err := tx.Query(`SELECT org_id FROM place_readers WHERE record_id = ? ORDER BY org_id`, id)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var o string
			if err := rows.Scan(&o); err != nil {
				rows.Close()
				return "", err
			}
			place.RestrictedTo = append(place.RestrictedTo, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
	}
	if !access.Covers(place, l) {
		return "", errs.Invalid(field, "place %s is %s: a record naming it must be restricted to the place's readers or fewer", id, place.Classification)
	}
	return name, nil
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
