// Package detainee is the registry of persons held under the agreement
// (prisoners of war, civilian detainees, hostages), their status events,
// the exchanges that move them between the sides, and the remains of the
// dead that are recovered, identified and handed over.
//
// A person is one record whose body holds the identity, every status event
// and what is derived from them (status, detaining side, consent, periods):
// each event is a new version. That keeps the rules in one place (apply),
// lets an exchange change many persons in one transaction, and makes
// erasure one operation: the tombstone is the person's next version and
// every earlier body is removed (store.Tx.Erase).
//
// Identity is personal data: it is shown only to humanitarian officers, the
// detaining side and the side of nationality; everyone else reads the same
// record with identity, places and death details absent. No identity field
// is projected into a table, and the log's leaves hold body hashes only.
package detainee

import (
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Entities and their id prefixes.
const (
	EntityPerson   = "detainee"
	EntityExchange = "exchange"
	EntityRemains  = "remains"

	personPrefix   = "det"
	exchangePrefix = "xch"
	remainsPrefix  = "rem"
)

// Service reads and writes persons held, exchanges and remains.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that decides which reported times lie in the
// future.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service on db, registers its projections and declares
// who may write its records:
//   - persons: a liaison registers and updates persons its own side holds;
//     humanitarian officers, co-chairs and analysts any person. Visits and
//     the confirmation of consent to repatriation are a humanitarian
//     officer's alone; so is erasure.
//   - exchanges: co-chairs, analysts and humanitarian officers;
//   - remains: humanitarian officers, co-chairs and analysts.
func New(db *store.DB, opts ...Option) *Service {
	s := &Service{db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	for _, p := range projections() {
		db.Register(p)
	}
	// The per-day count deltas sum over every person, so no one record's
	// body rebuilds them: truce verify recomputes them from the periods.
	db.RegisterCheck(store.DerivedCheck{Entity: EntityPerson, Table: "detainee_count_deltas", Check: s.CheckCounts})
	return s
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("detainee: %s: %w", op, err)
}

// timeText is how times are kept in projection columns.
const timeText = "2006-01-02T15:04:05Z"

// openEnd is the to_at of a current period.
const openEnd = "9999-12-31T23:59:59Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeText) }

// orgKind returns the kind of an organisation, reading package agreement's
// projection inside the write transaction.
func orgKind(tx *store.Tx, field, id string) (string, error) {
	var kind string
	err := tx.QueryRow(`SELECT kind FROM organisations WHERE id = ?`, id).Scan(&kind)
	if store.IsNoRows(err) {
		return "", errs.Invalid(field, "no organisation %s", id)
	}
	return kind, err
}

func checkPlaceID(tx *store.Tx, field, id string, record access.Classification) error {
	if id == "" {
		return nil
	}
	// A record's places are read by everyone who reads the record — a
	// person's by the humanitarian officers and both sides concerned — so a
	// place restricted to some organisations would tell the others where it
	// is.
	var class string
	err := tx.QueryRow(`SELECT classification FROM places WHERE id = ?`, id).Scan(&class)
	if store.IsNoRows(err) {
		return errs.Invalid(field, "no place %s", id)
	}
	if err != nil {
		return err
	}
	if !access.Covers(access.Label{Classification: access.Classification(class)}, access.Label{Classification: record}) {
		return errs.Invalid(field, "place %s is %s: a %s record may not name it", id, class, record)
	}
	return nil
}
