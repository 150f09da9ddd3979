package mines

import "github.com/truce-monitoring/truce/internal/record"

// Kinds declares the mines package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Entity: EntityMinefield, Resource: record.ResourceOf(s.GetMinefield)},
		{Entity: EntityHandover, Resource: record.ResourceOf(s.GetHandover)},
		{Entity: EntityHazardArea, Resource: record.ResourceOf(s.GetHazardArea)},
	}
}
