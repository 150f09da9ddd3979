package agreement

import (
	"context"
	"fmt"
	"github.com/truce-monitoring/truce/internal/access"
	"math"
	"slices"
	"sort"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Kinds of organisation. The parties to the conflict are organisations of
// kind side.
const (
	KindSide             = "side"
	KindGuarantor        = "guarantor"
	KindCoChair          = "co_chair"
	KindPeacekeeping     = "peacekeeping"
	KindMonitoringCentre = "monitoring_centre"
	KindHumanitarian     = "humanitarian"
	KindMediator         = "mediator"
	KindMedia            = "media"
	KindOther            = "other"
)

// Kinds lists the organisation kinds in the order forms offer them.
var Kinds = []string{KindSide, KindGuarantor, KindCoChair, KindPeacekeeping, KindMonitoringCentre, KindHumanitarian, KindMediator, KindMedia, KindOther}

// Organisation is a body involved in the conflict or in monitoring it.
type Organisation struct {
	Meta
	Name      string `json:"name"`
	ShortName string `json:"short_name,omitempty"`
	Kind      string `json:"kind"`
	Country   string `json:"country,omitempty"` // ISO 3166-1 alpha-2
	// Names holds the organisation's name per language (BCP 47 tag → name).
	Names        map[string]string `json:"names,omitempty"`
	Illustrative bool              `json:"illustrative"`
}

// OrganisationBody is an organisation's change body.
type OrganisationBody struct {
	Name         string            `json:"name"`
	ShortName    string            `json:"short_name,omitempty"`
	Kind         string            `json:"kind"`
	Country      string            `json:"country,omitempty"`
	Names        map[string]string `json:"names,omitempty"`
	Illustrative bool              `json:"illustrative"`
}

func (b OrganisationBody) record(m Meta) Organisation {
	return Organisation{Meta: m, Name: b.Name, ShortName: b.ShortName, Kind: b.Kind, Country: b.Country, Names: b.Names, Illustrative: b.Illustrative}
}

// OrganisationInput is an organisation as a client sends it to create or
// replace one.
type OrganisationInput struct {
	Name         string            `json:"name"`
	ShortName    string            `json:"short_name"`
	Kind         string            `json:"kind"`
	Country      string            `json:"country"`
	Names        map[string]string `json:"names"`
	Illustrative bool              `json:"illustrative"`
}

// Validate reports the first problem with in as errs.Invalid naming the
// JSON field.
func (in OrganisationInput) Validate() error {
	_, err := in.body()
	return err
}

func (in OrganisationInput) body() (OrganisationBody, error) {
	var b OrganisationBody
	if err := checkName("name", in.Name); err != nil {
		return b, err
	}
	if err := checkOptionalName("short_name", in.ShortName, MaxShortName); err != nil {
		return b, err
	}
	if !slices.Contains(Kinds, in.Kind) {
		return b, errs.Invalid("kind", "must be one of %v", Kinds)
	}
	if in.Country != "" {
		if err := checkCountry("country", in.Country); err != nil {
			return b, err
		}
	}
	if len(in.Names) > MaxItems {
		return b, errs.Invalid("names", "has %d languages; at most %d are allowed", len(in.Names), MaxItems)
	}
	langs := make([]string, 0, len(in.Names))
	for lang := range in.Names {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	var names map[string]string
	for _, lang := range langs {
		if !checkLanguageTag(lang) {
			return b, errs.Invalid("names", "has key %q, which is not a language tag such as hy or az-Latn", lang)
		}
		if err := checkName("names."+lang, in.Names[lang]); err != nil {
			return b, err
		}
		if names == nil {
			names = make(map[string]string, len(in.Names))
		}
		names[lang] = in.Names[lang]
	}
	return OrganisationBody{Name: in.Name, ShortName: in.ShortName, Kind: in.Kind, Country: in.Country, Names: names, Illustrative: in.Illustrative}, nil
}

func decodeOrganisation(c current) (Organisation, error) {
	var b OrganisationBody
	if err := store.DecodeBody(c.body, &b); err != nil {
		return Organisation{}, fmt.Errorf("organisation %s: %w", c.ID, err)
	}
	return b.record(c.Meta), nil
}

// CreateOrganisation records a new organisation.
func (s *Service) CreateOrganisation(ctx context.Context, p access.Principal, in OrganisationInput) (Organisation, error) {
	actor, err := decide(p, access.Create, kindOrganisation)
	if err != nil {
		return Organisation{}, wrap("create organisation", err)
	}
	b, err := in.body()
	if err != nil {
		return Organisation{}, wrap("create organisation", err)
	}
	id := s.db.NewID(orgPrefix)
	var out Organisation
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		// Reference data, read by anyone: its leaf names it in clear.
		r, err := tx.Record(store.Change{Entity: EntityOrganisation, ID: id, Version: 1, Actor: actor, Body: b, Public: true})
		if err != nil {
			return err
		}
		out = b.record(Meta{ID: id, Version: r.Version, CreatedAt: r.At, UpdatedAt: r.At})
		return nil
	})
	return out, wrap("create organisation", err)
}

// UpdateOrganisation replaces organisation id, which the client last read
// at version. A stale version is a conflict. An organisation that is a
// party to an agreement must stay of kind side.
func (s *Service) UpdateOrganisation(ctx context.Context, p access.Principal, id string, version int64, in OrganisationInput) (Organisation, error) {
	actor, err := decide(p, access.Update, kindOrganisation)
	if err != nil {
		return Organisation{}, wrap("update organisation", err)
	}
	b, err := in.body()
	if err != nil {
		return Organisation{}, wrap("update organisation", err)
	}
	var out Organisation
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkVersion(tx, EntityOrganisation, id, version); err != nil {
			return err
		}
		if b.Kind != KindSide {
			var agr string
			err := tx.QueryRow(`SELECT agreement_id FROM agreement_parties WHERE org_id = ? ORDER BY agreement_id LIMIT 1`, id).Scan(&agr)
			if err == nil {
				return errs.Invalid("kind", "must stay %s: the organisation is a party to agreement %s", KindSide, agr)
			}
			if !store.IsNoRows(err) {
				return err
			}
		}
		// Reference data, read by anyone: its leaf names it in clear.
		r, err := tx.Record(store.Change{Entity: EntityOrganisation, ID: id, Version: version + 1, Actor: actor, Body: b, Public: true})
		if err != nil {
			return err
		}
		m, err := meta(tx, r)
		out = b.record(m)
		return err
	})
	return out, wrap("update organisation", err)
}

// GetOrganisation returns organisation id.
func (s *Service) GetOrganisation(ctx context.Context, p access.Principal, id string) (Organisation, error) {
	if _, err := decide(p, access.Read, kindOrganisation); err != nil {
		return Organisation{}, wrap("get organisation", err)
	}
	c, err := s.get(ctx, EntityOrganisation, id)
	if err != nil {
		return Organisation{}, wrap("get organisation", err)
	}
	o, err := decodeOrganisation(c)
	return o, wrap("get organisation", err)
}

// OrganisationFilter narrows ListOrganisations; zero fields do not filter.
type OrganisationFilter struct {
	Kind string
}

// ListOrganisations returns a page of organisations in id order.
func (s *Service) ListOrganisations(ctx context.Context, p access.Principal, f OrganisationFilter, page store.PageRequest) (store.Page[Organisation], error) {
	if _, err := decide(p, access.Read, kindOrganisation); err != nil {
		return store.Page[Organisation]{}, wrap("list organisations", err)
	}
	after, limit, err := pageKeys(page)
	if err != nil {
		return store.Page[Organisation]{}, wrap("list organisations", err)
	}
	q := listQuery{entity: EntityOrganisation, from: "organisations r"}
	if f.Kind != "" {
		if !slices.Contains(Kinds, f.Kind) {
			return store.Page[Organisation]{}, wrap("list organisations", errs.Invalid("kind", "must be one of %v", Kinds))
		}
		q.where = append(q.where, "r.kind = ?")
		q.args = append(q.args, f.Kind)
	}
	var items []Organisation
	err = q.run(ctx, s.db, after, limit+1, func(c current) error {
		o, err := decodeOrganisation(c)
		items = append(items, o)
		return err
	})
	if err != nil {
		return store.Page[Organisation]{}, wrap("list organisations", err)
	}
	return store.Paginate(items, limit, func(o Organisation) []string { return []string{o.ID} }), nil
}

// Parties returns the organisations of kind side, by name.
func (s *Service) Parties(ctx context.Context, p access.Principal) ([]Organisation, error) {
	if _, err := decide(p, access.Read, kindOrganisation); err != nil {
		return nil, wrap("parties", err)
	}
	var out []Organisation
	q := listQuery{entity: EntityOrganisation, from: "organisations r", where: []string{"r.kind = ?"}, args: []any{KindSide}}
	err := q.run(ctx, s.db, "", math.MaxInt32, func(c current) error {
		o, err := decodeOrganisation(c)
		out = append(out, o)
		return err
	})
	if err != nil {
		return nil, wrap("parties", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// organisationRows projects an organisation.
func organisationRows(id string, b *OrganisationBody) (map[string][][]any, error) {
	return map[string][][]any{
		"organisations": {{id, b.Kind, b.Name, b.ShortName, b.Country}},
	}, nil
}

// CheckOrganisation checks inside a write transaction that id names an
// organisation; other domains use it for their references.
func CheckOrganisation(tx *store.Tx, field, id string) error {
	_, err := orgKind(tx, field, id)
	return err
}
