package transit

import "github.com/truce-monitoring/truce/internal/record"

// Kinds declares the transit package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Entity: EntityCrossing, Resource: record.ResourceOf(s.GetCrossing)},
		{Entity: EntityRestriction, Resource: record.ResourceOf(s.GetRestriction)},
	}
}
