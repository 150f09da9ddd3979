package transit

import (
	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
)

// The transit package's kinds of record and who writes them.
var (
	kindCrossing    = access.Kind{Entity: EntityCrossing, Writers: []access.Role{access.Monitor, access.Analyst, access.CoChair}}
	kindRestriction = access.Kind{Entity: EntityRestriction, Writers: []access.Role{access.Monitor, access.Analyst, access.CoChair}}
)

// Kinds declares the transit package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindCrossing, Resource: record.ResourceOf(s.GetCrossing), Evidence: s.EvidenceOfCrossing},
		{Kind: kindRestriction, Resource: record.ResourceOf(s.GetRestriction), Evidence: s.EvidenceOfRestriction},
	}
}
