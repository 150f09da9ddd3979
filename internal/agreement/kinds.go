package agreement

import (
	"context"

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
		{Kind: kindOrganisation, Resource: reference(s.GetOrganisation)},
		{Kind: kindAgreement, Resource: reference(s.GetAgreement)},
		{Kind: kindProvision, Resource: reference(s.GetProvision)},
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
