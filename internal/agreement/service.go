// Package agreement holds the texts a ceasefire mission monitors: the
// organisations involved (the sides of the conflict among them), the
// agreements they signed and each agreement's provisions, with their
// obligated organisations, deadlines, quantities and implementation status
// over time.
//
// Each record is an entity in the change log whose change body is the
// record's full state as JSON (see the *Body types). Projection tables are
// a pure function of (id, body), so truce verify can rebuild them; nothing
// that depends on the clock is stored. In particular "overdue" is not a
// recorded status: [Provision.EffectiveStatus] derives it from the
// deadlines at read time.
//
// Records returned by the Service carry, besides their body, what the change
// log says about them: id, version, and the times of the first and the
// latest change.
package agreement

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/store"
)

// Entities in the change log and the prefixes of their ids.
const (
	EntityOrganisation = "organisation"
	EntityAgreement    = "agreement"
	EntityProvision    = "provision"

	orgPrefix       = "org"
	agreementPrefix = "agr"
	provisionPrefix = "prv"
)

// clockSkew is how far in the future a reported time (a deadline met, a
// status change) may lie, to allow for a client's clock running ahead.
const clockSkew = 5 * time.Minute

// Service reads and writes organisations, agreements and provisions.
type Service struct {
	db       *store.DB
	now      func() time.Time
	evidence evidenceKinds // kinds of record linkable as evidence (evidence.go)
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that decides which deadlines have passed and
// which reported times lie in the future. The change times come from the
// store's own clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns a Service on db and registers its projections with db. It
// must be called once per DB: a second call panics.
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

// Meta is what the change log, not the body, says about a record.
type Meta struct {
	ID        string    `json:"id"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"` // time of the first change
	UpdatedAt time.Time `json:"updated_at"` // time of the latest change
}

// current is a record's latest change body and its Meta.
type current struct {
	Meta
	body []byte
}

// The current body of a record and its Meta are read from the store's
// change log: the latest version's body and time, and version 1's time.
// The projection tables hold only what list filters need.
const currentSQL = `SELECT c.id, c.version, c.body, c.at, f.at FROM changes c
	JOIN changes f ON f.entity = c.entity AND f.id = c.id AND f.version = 1
	WHERE c.entity = ? AND c.id = ? ORDER BY c.version DESC LIMIT 1`

type rowScanner interface{ Scan(...any) error }

func scanCurrent(r rowScanner) (current, error) {
	var c current
	var at, first string
	if err := r.Scan(&c.ID, &c.Version, &c.body, &at, &first); err != nil {
		return c, err
	}
	if c.body == nil {
		return c, fmt.Errorf("%s: body erased", c.ID)
	}
	var err1, err2 error
	c.UpdatedAt, err1 = time.Parse(ledger.TimeLayout, at)
	c.CreatedAt, err2 = time.Parse(ledger.TimeLayout, first)
	if err1 != nil || err2 != nil {
		return c, fmt.Errorf("%s: bad change time", c.ID)
	}
	return c, nil
}

// get reads the current state of one record.
func (s *Service) get(ctx context.Context, entity, id string) (current, error) {
	c, err := scanCurrent(s.db.QueryRow(ctx, currentSQL, entity, id))
	if store.IsNoRows(err) {
		return c, errs.NotFound("%s %s not found", entity, id)
	}
	return c, err
}

// getTx reads the current state of one record inside a write transaction.
func getTx(tx *store.Tx, entity, id string) (current, error) {
	c, err := scanCurrent(tx.QueryRow(currentSQL, entity, id))
	if store.IsNoRows(err) {
		return c, errs.NotFound("%s %s not found", entity, id)
	}
	return c, err
}

// listQuery selects the current bodies of the records of entity whose
// projection row (aliased r in from) matches where, after the cursor, in id
// order. args are where's arguments.
type listQuery struct {
	entity string
	from   string // e.g. "organisations r"
	where  []string
	args   []any
}

func (q listQuery) run(ctx context.Context, db *store.DB, after string, limit int, each func(current) error) error {
	where := "TRUE"
	for _, w := range q.where {
		where += " AND " + w
	}
	args := []any{q.entity, q.entity}
	args = append(args, q.args...)
	if after != "" {
		where += " AND r.id > ?"
		args = append(args, after)
	}
	args = append(args, limit)
	sqlText := `SELECT c.id, c.version, c.body, c.at, f.at FROM ` + q.from + `
		JOIN changes c ON c.entity = ? AND c.id = r.id
			AND c.version = (SELECT MAX(version) FROM changes WHERE entity = c.entity AND id = r.id)
		JOIN changes f ON f.entity = ? AND f.id = r.id AND f.version = 1
		WHERE ` + where + ` ORDER BY r.id LIMIT ?`
	rows, err := db.Query(ctx, sqlText, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCurrent(rows)
		if err != nil {
			return err
		}
		if err := each(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// pageKeys returns the id after which a page starts and the page's limit.
func pageKeys(page store.PageRequest) (string, int, error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return "", 0, err
	}
	if keys == nil {
		return "", limit, nil
	}
	if len(keys) != 1 || keys[0] == "" {
		return "", 0, errs.Invalid("cursor", "is not a cursor this server issued")
	}
	return keys[0], limit, nil
}

// checkVersion checks, inside a write transaction, that the record exists
// and that the client's version is current.
func checkVersion(tx *store.Tx, entity, id string, version int64) error {
	if version < 1 {
		return errs.Invalid("version", "must be the version of the record you last read (1 or more)")
	}
	cur, err := tx.CurrentVersion(entity, id)
	if err != nil {
		return err
	}
	if cur == 0 {
		return errs.NotFound("%s %s not found", entity, id)
	}
	if cur != version {
		return errs.Conflict("version", "%s %s is at version %d; this change was made against version %d", entity, id, cur, version)
	}
	return nil
}

// orgKind returns the kind of an organisation inside a write transaction,
// or an invalid-input error naming field when there is none.
func orgKind(tx *store.Tx, field, id string) (string, error) {
	var kind string
	err := tx.QueryRow(`SELECT kind FROM organisations WHERE id = ?`, id).Scan(&kind)
	if store.IsNoRows(err) {
		return "", errs.Invalid(field, "no organisation %s", id)
	}
	return kind, err
}

// meta returns the Meta of a change just recorded in tx.
func meta(tx *store.Tx, r store.Recorded) (Meta, error) {
	m := Meta{ID: r.ID, Version: r.Version, CreatedAt: r.At, UpdatedAt: r.At}
	if r.Version == 1 {
		return m, nil
	}
	var first string
	if err := tx.QueryRow(`SELECT at FROM changes WHERE entity = ? AND id = ? AND version = 1`, r.Entity, r.ID).Scan(&first); err != nil {
		return m, fmt.Errorf("read first change: %w", err)
	}
	t, err := time.Parse(ledger.TimeLayout, first)
	if err != nil {
		return m, fmt.Errorf("first change of %s: bad time", r.ID)
	}
	m.CreatedAt = t
	return m, nil
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("agreement: %s: %w", op, err)
}

// decide asks the policy whether p may take action on reference data of
// kind entity, and gives the actor its change is attributed to.
func decide(p access.Principal, action access.Action, k access.Kind) (store.Actor, error) {
	if err := access.Decide(p, action, k.New()); err != nil {
		return store.Actor{}, err
	}
	return p.Actor(), nil
}
