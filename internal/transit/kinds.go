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
		{Kind: kindCrossing, Resource: record.ResourceOf(s.GetCrossing), Evidence: s.EvidenceOfCrossing, Search: record.SearchOf(searchCrossing)},
		{Kind: kindRestriction, Resource: record.ResourceOf(s.GetRestriction), Evidence: s.EvidenceOfRestriction, Search: record.SearchOf(searchRestriction)},
	}
}

// What the search box finds crossings and restrictions by.
func searchCrossing(b *CrossingBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.CheckpointName, Texts: []string{b.CheckpointName, b.CargoType, b.Note}}, true
}

func searchRestriction(b *RestrictionBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.ScopeName + ": " + b.Reason, Texts: []string{b.ScopeName, b.Reason, b.ByText, b.Note}}, true
}
