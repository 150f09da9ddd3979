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
	GetProvision(ctx context.Context, p access.Principal, id string) (agreement.Provision, error)
	GetAgreement(ctx context.Context, p access.Principal, id string) (agreement.Agreement, error)
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
	for _, p := range projections() {
		db.Register(p)
	}
	return s
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("statement: %s: %w", op, err)
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

func joinAnd(conds []string) string {
	out := "1 = 1"
	for _, c := range conds {
		out += " AND " + c
	}
	return out
}
