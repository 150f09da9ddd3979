package returns

import "github.com/truce-monitoring/truce/internal/record"

// Kinds declares the returns package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Entity: EntityMovement, Resource: record.ResourceOf(s.GetMovement)},
		{Entity: EntityVisit, Resource: record.ResourceOf(s.GetVisit)},
	}
}
