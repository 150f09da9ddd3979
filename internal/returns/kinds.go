package returns

import (
	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
)

// The returns package's kinds of record and who writes them.
var (
	kindMovement = access.Kind{Entity: EntityMovement, Writers: []access.Role{access.Monitor, access.Analyst, access.CoChair, access.Humanitarian}}
	kindVisit    = access.Kind{Entity: EntityVisit, Writers: []access.Role{access.Monitor, access.Analyst, access.CoChair, access.Humanitarian}}
)

// Kinds declares the returns package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindMovement, Resource: record.ResourceOf(s.GetMovement), Evidence: s.EvidenceOfMovement},
		{Kind: kindVisit, Resource: record.ResourceOf(s.GetVisit)},
	}
}
