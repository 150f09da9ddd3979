package agreement

import (
	"context"
	"fmt"
	"github.com/truce-monitoring/truce/internal/access"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Agreement is a ceasefire agreement, statement or memorandum.
type Agreement struct {
	Meta
	Title     string    `json:"title"`
	SignedAt  time.Time `json:"signed_at"`
	InForceAt time.Time `json:"in_force_at"`
	// Signatories are the organisations whose representatives signed.
	Signatories []string `json:"signatories"`
	// Parties are the sides of the conflict bound by the agreement.
	Parties      []string `json:"parties"`
	Summary      string   `json:"summary,omitempty"`
	SourceURL    string   `json:"source_url,omitempty"`
	Illustrative bool     `json:"illustrative"`
}

// AgreementBody is an agreement's change body. Times are UTC.
type AgreementBody struct {
	Title        string    `json:"title"`
	SignedAt     time.Time `json:"signed_at"`
	InForceAt    time.Time `json:"in_force_at"`
	Signatories  []string  `json:"signatories"`
	Parties      []string  `json:"parties"`
	Summary      string    `json:"summary,omitempty"`
	SourceURL    string    `json:"source_url,omitempty"`
	Illustrative bool      `json:"illustrative"`
}

func (b AgreementBody) record(m Meta) Agreement {
	return Agreement{Meta: m, Title: b.Title, SignedAt: b.SignedAt, InForceAt: b.InForceAt,
		Signatories: b.Signatories, Parties: b.Parties, Summary: b.Summary, SourceURL: b.SourceURL, Illustrative: b.Illustrative}
}

// AgreementInput is an agreement as a client sends it to create or replace
// one. Times are RFC 3339.
type AgreementInput struct {
	Title        string   `json:"title"`
	SignedAt     string   `json:"signed_at"`
	InForceAt    string   `json:"in_force_at"`
	Signatories  []string `json:"signatories"`
	Parties      []string `json:"parties"`
	Summary      string   `json:"summary"`
	SourceURL    string   `json:"source_url"`
	Illustrative bool     `json:"illustrative"`
}

// Validate reports the first problem with in as errs.Invalid naming the
// JSON field. Whether the organisations exist is checked when the
// agreement is written.
func (in AgreementInput) Validate() error {
	_, err := in.body()
	return err
}

func (in AgreementInput) body() (AgreementBody, error) {
	var b AgreementBody
	var err error
	if err = checkName("title", in.Title); err != nil {
		return b, err
	}
	if b.SignedAt, err = parseTime("signed_at", in.SignedAt); err != nil {
		return b, err
	}
	if b.InForceAt, err = parseTime("in_force_at", in.InForceAt); err != nil {
		return b, err
	}
	if b.InForceAt.Before(b.SignedAt) {
		return b, errs.Invalid("in_force_at", "is before signed_at: an agreement cannot enter into force before it is signed")
	}
	if err = checkRefList("signatories", in.Signatories, 1); err != nil {
		return b, err
	}
	if err = checkRefList("parties", in.Parties, 1); err != nil {
		return b, err
	}
	if err = checkOptionalText("summary", in.Summary); err != nil {
		return b, err
	}
	if in.SourceURL != "" {
		if err = checkHTTPURL("source_url", in.SourceURL); err != nil {
			return b, err
		}
	}
	b.Title, b.Summary, b.SourceURL, b.Illustrative = in.Title, in.Summary, in.SourceURL, in.Illustrative
	b.Signatories = append([]string{}, in.Signatories...)
	b.Parties = append([]string{}, in.Parties...)
	return b, nil
}

// checkRefs checks, inside the write transaction, that the signatories
// exist and that the parties exist and are sides.
func (b AgreementBody) checkRefs(tx *store.Tx) error {
	for i, id := range b.Signatories {
		if _, err := orgKind(tx, indexed("signatories", i), id); err != nil {
			return err
		}
	}
	for i, id := range b.Parties {
		f := indexed("parties", i)
		kind, err := orgKind(tx, f, id)
		if err != nil {
			return err
		}
		if kind != KindSide {
			return errs.Invalid(f, "organisation %s is of kind %s; a party must be of kind %s", id, kind, KindSide)
		}
	}
	return nil
}

func decodeAgreement(c current) (Agreement, error) {
	var b AgreementBody
	if err := store.DecodeBody(c.body, &b); err != nil {
		return Agreement{}, fmt.Errorf("agreement %s: %w", c.ID, err)
	}
	return b.record(c.Meta), nil
}

// CreateAgreement records a new agreement.
func (s *Service) CreateAgreement(ctx context.Context, p access.Principal, in AgreementInput) (Agreement, error) {
	actor, err := decide(p, access.Create, kindAgreement)
	if err != nil {
		return Agreement{}, wrap("create agreement", err)
	}
	b, err := in.body()
	if err != nil {
		return Agreement{}, wrap("create agreement", err)
	}
	id := s.db.NewID(agreementPrefix)
	var out Agreement
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := b.checkRefs(tx); err != nil {
			return err
		}
		// Reference data, read by anyone: its leaf names it in clear.
		r, err := tx.Record(store.Change{Entity: EntityAgreement, ID: id, Version: 1, Actor: actor, Body: b, Public: true})
		if err != nil {
			return err
		}
		out = b.record(Meta{ID: id, Version: r.Version, CreatedAt: r.At, UpdatedAt: r.At})
		return nil
	})
	return out, wrap("create agreement", err)
}

// UpdateAgreement replaces agreement id, which the client last read at
// version. A stale version is a conflict. The signature may not move after
// a date that one of the agreement's provisions already holds.
func (s *Service) UpdateAgreement(ctx context.Context, p access.Principal, id string, version int64, in AgreementInput) (Agreement, error) {
	actor, err := decide(p, access.Update, kindAgreement)
	if err != nil {
		return Agreement{}, wrap("update agreement", err)
	}
	b, err := in.body()
	if err != nil {
		return Agreement{}, wrap("update agreement", err)
	}
	var out Agreement
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkVersion(tx, EntityAgreement, id, version); err != nil {
			return err
		}
		if err := b.checkRefs(tx); err != nil {
			return err
		}
		var number, earliest string
		err := tx.QueryRow(`SELECT number, earliest_at FROM provisions WHERE agreement_id = ? AND earliest_at < ? ORDER BY earliest_at LIMIT 1`,
			id, formatCol(b.SignedAt)).Scan(&number, &earliest)
		if err == nil {
			return errs.Invalid("signed_at", "is after %s, a date in provision %s: move that date first", displayCol(earliest), number)
		}
		if !store.IsNoRows(err) {
			return err
		}
		// Reference data, read by anyone: its leaf names it in clear.
		r, err := tx.Record(store.Change{Entity: EntityAgreement, ID: id, Version: version + 1, Actor: actor, Body: b, Public: true})
		if err != nil {
			return err
		}
		m, err := meta(tx, r)
		out = b.record(m)
		return err
	})
	return out, wrap("update agreement", err)
}

// displayCol renders a projection time column as RFC 3339.
func displayCol(s string) string {
	t, err := time.Parse(colTime, s)
	if err != nil {
		return s
	}
	return t.Format(time.RFC3339Nano)
}

// GetAgreement returns agreement id.
func (s *Service) GetAgreement(ctx context.Context, p access.Principal, id string) (Agreement, error) {
	if _, err := decide(p, access.Read, kindAgreement); err != nil {
		return Agreement{}, wrap("get agreement", err)
	}
	c, err := s.get(ctx, EntityAgreement, id)
	if err != nil {
		return Agreement{}, wrap("get agreement", err)
	}
	a, err := decodeAgreement(c)
	return a, wrap("get agreement", err)
}

// ListAgreements returns a page of agreements in id order.
func (s *Service) ListAgreements(ctx context.Context, p access.Principal, page store.PageRequest) (store.Page[Agreement], error) {
	if _, err := decide(p, access.Read, kindAgreement); err != nil {
		return store.Page[Agreement]{}, wrap("list agreements", err)
	}
	after, limit, err := pageKeys(page)
	if err != nil {
		return store.Page[Agreement]{}, wrap("list agreements", err)
	}
	var items []Agreement
	q := listQuery{entity: EntityAgreement, from: "agreements r"}
	err = q.run(ctx, s.db, after, limit+1, func(c current) error {
		a, err := decodeAgreement(c)
		items = append(items, a)
		return err
	})
	if err != nil {
		return store.Page[Agreement]{}, wrap("list agreements", err)
	}
	return store.Paginate(items, limit, func(a Agreement) []string { return []string{a.ID} }), nil
}

// agreementRows projects an agreement.
func agreementRows(id string, b *AgreementBody) (map[string][][]any, error) {
	out := map[string][][]any{
		"agreements": {{id, b.Title, formatCol(b.SignedAt), formatCol(b.InForceAt)}},
	}
	for _, org := range b.Parties {
		out["agreement_parties"] = append(out["agreement_parties"], []any{id, org})
	}
	for _, org := range b.Signatories {
		out["agreement_signatories"] = append(out["agreement_signatories"], []any{id, org})
	}
	return out, nil
}
