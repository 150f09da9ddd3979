package mines

import (
	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
)

// The mines package's kinds of record and who writes them.
var (
	kindMinefield  = access.Kind{Entity: EntityMinefield, Writers: append([]access.Role{access.Liaison}, missionStaff...)}
	kindHandover   = access.Kind{Entity: EntityHandover, Writers: append([]access.Role{access.Liaison}, missionStaff...)}
	kindHazardArea = access.Kind{Entity: EntityHazardArea, Writers: missionStaff}
)

// Kinds declares the mines package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindMinefield, Resource: record.ResourceOf(s.GetMinefield)},
		{Kind: kindHandover, Resource: record.ResourceOf(s.GetHandover), Evidence: s.EvidenceOfHandover},
		{Kind: kindHazardArea, Resource: record.ResourceOf(s.GetHazardArea)},
	}
}
