package statement

import "github.com/truce-monitoring/truce/internal/record"

// Kinds declares the statement package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Entity: EntitySource, Resource: record.ResourceOf(s.GetSource)},
		{Entity: EntityStatement, Resource: record.ResourceOf(s.GetStatement)},
	}
}
