package geo

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
)

// Kinds declares the geo package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Entity: "place", Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			pl, err := s.GetPlace(ctx, p, id)
			return pl.Resource(), err
		}},
		{Entity: "layer", Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			l, err := s.GetLayer(ctx, p, id)
			return l.Resource(), err
		}},
	}
}
