// Package statement holds what officials said about an agreement and where
// it was reported: statements (an appeal, a commitment, an accusation, a
// denial or a welcome, by a speaker for an organisation, on a date, about
// some provisions) and their sources (media articles: outlet, date,
// language, URL, title and the SHA-256 of the text the mission archived).
//
// Summaries and titles may be in any script, right-to-left included; they
// pass the internal/text rules, which refuse the invisible characters that
// make text display differently from how it is stored. Statements are
// searched by their summaries folded as the gazetteer folds names.
//
// Who writes: the mission's staff who follow the media and the sides'
// public positions (monitors, analysts, co-chairs). Liaisons do not: a
// side puts its claims on record through allegations, and the register of
// what each side's officials said publicly is kept by the mission, so that
// neither side edits the record of the other's words. Admins manage the
// system, not its content.
package statement

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Entities and their id prefixes.
const (
	EntitySource    = "source"
	EntityStatement = "statement"

	sourcePrefix    = "src"
	statementPrefix = "stm"
)

// ClockSkew is how far in the future a date may lie, to allow for a
// client's clock running ahead.
const ClockSkew = 5 * time.Minute

// Agreements is what the service needs of package agreement; its
// *agreement.Service has it.
type Agreements interface {
	GetProvision(ctx context.Context, id string) (agreement.Provision, error)
	GetAgreement(ctx context.Context, id string) (agreement.Agreement, error)
	RegisterEvidenceKind(kind string, resolve agreement.EvidenceResolver)
}

// Service reads and writes statements and sources.
type Service struct {
	db         *store.DB
	agreements Agreements
	now        func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that decides which dates lie in the future.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service on db, registers its projections, declares who
// may write statements and sources, and lets statements be linked as
// evidence to provisions. It must be called once per DB.
func New(db *store.DB, ag Agreements, opts ...Option) *Service {
	s := &Service{db: db, agreements: ag, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	access.RegisterWriters(EntitySource, access.Monitor, access.Analyst, access.CoChair)
	access.RegisterWriters(EntityStatement, access.Monitor, access.Analyst, access.CoChair)
	for _, p := range projections() {
		db.Register(p)
	}
	ag.RegisterEvidenceKind(EntityStatement, s.evidenceOf)
	return s
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("statement: %s: %w", op, err)
}

// current reads a record's latest body and version.
func (s *Service) current(ctx context.Context, entity, id string, into any) (int64, error) {
	body, v, err := s.db.Body(ctx, entity, id)
	if err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound {
			return 0, errs.NotFound("%s %s not found", entity, id)
		}
		return 0, err
	}
	if body == nil {
		return 0, errs.NotFound("%s %s not found", entity, id)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return 0, fmt.Errorf("%s %s: %w", entity, id, err)
	}
	return v, nil
}

// currentTx reads a record's latest body and version inside a write
// transaction, so that checks and the change see the same state.
func currentTx(tx *store.Tx, entity, id string, into any) (int64, error) {
	var body []byte
	var v int64
	err := tx.QueryRow(`SELECT body, version FROM changes WHERE entity = ? AND id = ? ORDER BY version DESC LIMIT 1`, entity, id).Scan(&body, &v)
	if store.IsNoRows(err) || (err == nil && body == nil) {
		return 0, errs.NotFound("%s %s not found", entity, id)
	}
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(body, into); err != nil {
		return 0, fmt.Errorf("%s %s: %w", entity, id, err)
	}
	return v, nil
}

// checkVersion refuses a change made against a version that is not the
// current one.
func checkVersion(entity, id string, want, have int64) error {
	if want < 1 {
		return errs.Invalid("version", "must be the version last read, at least 1")
	}
	if want != have {
		return errs.Conflict("version", "%s %s is at version %d; this change was made against version %d", entity, id, have, want)
	}
	return nil
}

// orgKind returns the kind of organisation id inside a write transaction;
// an unknown id is invalid input at field.
func orgKind(tx *store.Tx, field, id string) (string, error) {
	var kind string
	err := tx.QueryRow(`SELECT kind FROM organisations WHERE id = ?`, id).Scan(&kind)
	if store.IsNoRows(err) {
		return "", errs.Invalid(field, "no organisation %s", id)
	}
	return kind, err
}

func checkReaders(tx *store.Tx, l access.Label) error {
	for i, o := range l.RestrictedTo {
		if _, err := orgKind(tx, fmt.Sprintf("restricted_to[%d]", i), o); err != nil {
			return err
		}
	}
	return nil
}

// latestJoin selects, for projection rows aliased r, the latest change body
// of the record.
func latestJoin(entity string) string {
	return `JOIN changes c ON c.entity = '` + entity + `' AND c.id = r.id AND c.version = (SELECT MAX(version) FROM changes m WHERE m.entity = '` + entity + `' AND m.id = r.id)`
}

func joinAnd(conds []string) string {
	out := "1 = 1"
	for _, c := range conds {
		out += " AND " + c
	}
	return out
}
