package incident

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
)

// EvidenceOf describes an incident for package agreement's evidence links
// (agreement.Service.RegisterEvidenceKind): its access view, and its
// title, status and day in one line. A missing incident is not found.
func (s *Service) EvidenceOf(ctx context.Context, id string) (access.Resource, string, error) {
	var b IncidentBody
	if _, err := s.db.Current(ctx, EntityIncident, id, &b); err != nil {
		return access.Resource{}, "", err
	}
	return b.Resource(), fmt.Sprintf("%s (%s, %s)", b.Title, b.Status, dayOf(b.Time.Start)), nil
}
