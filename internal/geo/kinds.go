package geo

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
)

// The geo package's kinds of record and who writes them.
var (
	kindPlace = access.Kind{Entity: "place", Writers: []access.Role{access.Admin, access.CoChair, access.Analyst, access.Monitor}}
	kindLayer = access.Kind{Entity: "layer", Writers: []access.Role{access.Admin, access.CoChair, access.Analyst}}
)

// Kinds declares the geo package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindPlace, Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			pl, err := s.GetPlace(ctx, p, id)
			return pl.Resource(), err
		}},
		{Kind: kindLayer, Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			l, err := s.GetLayer(ctx, p, id)
			return l.Resource(), err
		}},
	}
}
