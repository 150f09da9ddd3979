package agreement

import (
	"context"
	"slices"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
)

// The agreement package's kinds of record and who writes them.
var (
	kindOrganisation = access.Kind{Entity: EntityOrganisation, Writers: []access.Role{access.Admin, access.CoChair}}
	kindAgreement    = access.Kind{Entity: EntityAgreement, Writers: []access.Role{access.Admin, access.CoChair}}
	kindProvision    = access.Kind{Entity: EntityProvision, Writers: []access.Role{access.Admin, access.CoChair, access.Analyst}}
	kindEvidenceLink = access.Kind{Entity: EntityEvidenceLink, Writers: []access.Role{access.CoChair, access.Analyst, access.Monitor}}
)

// Kinds declares the agreement package's kinds of record. Organisations,
// agreements and provisions are reference data every reader may read.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindOrganisation, Resource: reference(s.GetOrganisation), Search: record.SearchOf(searchOrganisation)},
		{Kind: kindAgreement, Resource: reference(s.GetAgreement), Search: record.SearchOf(searchAgreement)},
		{Kind: kindProvision, Resource: reference(s.GetProvision), Search: record.SearchOf(searchProvision)},
		// A link is read by whoever may read the linked record, which
		// GetEvidence checks.
		{Kind: kindEvidenceLink, Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			_, err := s.GetEvidence(ctx, p, id)
			return access.Resource{}, err
		}},
	}
}

// reference turns a get of reference data into a Kind's Resource.
func reference[T any](get func(context.Context, access.Principal, string) (T, error)) func(context.Context, access.Principal, string) (access.Resource, error) {
	return func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
		_, err := get(ctx, p, id)
		return access.Resource{}, err
	}
}

// Reference data is found by every reader: its label is public.
func searchOrganisation(b *OrganisationBody) (record.SearchDoc, bool) {
	texts := []string{b.Name, b.ShortName}
	for _, n := range b.Names {
		texts = append(texts, n)
	}
	slices.Sort(texts[2:]) // a map's order is random; the index's rows may not be
	return record.SearchDoc{Label: access.Label{Classification: access.Public}, Title: b.Name, Texts: texts}, true
}

func searchAgreement(b *AgreementBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: access.Label{Classification: access.Public}, Title: b.Title, Texts: []string{b.Title, b.Summary}}, true
}

func searchProvision(b *ProvisionBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: access.Label{Classification: access.Public}, Title: b.Number + ". " + b.Summary, Texts: []string{b.Number, b.Summary}}, true
}
