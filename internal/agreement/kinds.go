package agreement

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
)

// Kinds declares the agreement package's kinds of record. Organisations,
// agreements and provisions are reference data every reader may read.
func (s *Service) Kinds() []record.Kind {
	reference := func(get func(context.Context, string) error) func(context.Context, access.Principal, string) (access.Resource, error) {
		return func(ctx context.Context, _ access.Principal, id string) (access.Resource, error) {
			return access.Resource{}, get(ctx, id)
		}
	}
	return []record.Kind{
		{Entity: EntityOrganisation, Resource: reference(func(ctx context.Context, id string) error { _, err := s.GetOrganisation(ctx, id); return err })},
		{Entity: EntityAgreement, Resource: reference(func(ctx context.Context, id string) error { _, err := s.GetAgreement(ctx, id); return err })},
		{Entity: EntityProvision, Resource: reference(func(ctx context.Context, id string) error { _, err := s.GetProvision(ctx, id); return err })},
		// A link is read by whoever may read the linked record, which
		// GetEvidence checks.
		{Entity: EntityEvidenceLink, Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			_, err := s.GetEvidence(ctx, p, id)
			return access.Resource{}, err
		}},
	}
}
