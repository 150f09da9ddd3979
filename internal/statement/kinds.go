package statement

import (
	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
)

// The statement package's kinds of record and who writes them.
var (
	kindSource    = access.Kind{Entity: EntitySource, Writers: []access.Role{access.Monitor, access.Analyst, access.CoChair}}
	kindStatement = access.Kind{Entity: EntityStatement, Writers: []access.Role{access.Monitor, access.Analyst, access.CoChair}}
)

// Kinds declares the statement package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindSource, Resource: record.ResourceOf(s.GetSource)},
		{Kind: kindStatement, Resource: record.ResourceOf(s.GetStatement), Evidence: s.evidenceOf},
	}
}
