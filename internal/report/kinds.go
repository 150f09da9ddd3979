package report

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/record"
)

// The report package's kinds of record and who writes them.
var (
	kindReport = access.Kind{Entity: EntityReport, Writers: []access.Role{access.CoChair}}
)

// Kinds declares the report package's kinds of record: the history of an
// issued report is its one change; an unissued or hidden one is not found.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindReport, Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			is, ok, err := s.Lookup(ctx, p, id)
			if err != nil {
				return access.Resource{}, err
			}
			if !ok {
				return access.Resource{}, errs.NotFound("report %s not found", id)
			}
			return is.Resource(), nil
		}},
	}
}
