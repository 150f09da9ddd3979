package returns

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
)

// EvidenceOfMovement describes a return movement for package agreement's
// evidence links: how many people reached where, and when.
func (s *Service) EvidenceOfMovement(ctx context.Context, id string) (access.Resource, string, error) {
	var b MovementBody
	if _, err := s.db.Current(ctx, EntityMovement, id, &b); err != nil {
		return access.Resource{}, "", err
	}
	return b.Resource(), fmt.Sprintf("%d people returned to %s (%s, %s)", b.Total, b.DestinationName, b.Kind, b.Date.UTC().Format("2006-01-02")), nil
}
