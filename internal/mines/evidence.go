package mines

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
)

// EvidenceOfHandover describes a handover of minefield records for package
// agreement's evidence links: its day and the mines the records claim.
func (s *Service) EvidenceOfHandover(ctx context.Context, id string) (access.Resource, string, error) {
	var b HandoverBody
	if _, err := s.db.Current(ctx, EntityHandover, id, &b); err != nil {
		return access.Resource{}, "", err
	}
	claimed := "mines not stated"
	if b.MinesClaimed != nil {
		claimed = fmt.Sprintf("%d mines claimed", *b.MinesClaimed)
	}
	return b.Resource(), fmt.Sprintf("handover of minefield records on %s (%s)", b.Date.UTC().Format("2006-01-02"), claimed), nil
}
