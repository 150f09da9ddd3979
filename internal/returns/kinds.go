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
		{Kind: kindMovement, Resource: record.ResourceOf(s.GetMovement), Evidence: s.EvidenceOfMovement, Search: record.SearchOf(searchMovement)},
		{Kind: kindVisit, Resource: record.ResourceOf(s.GetVisit), Search: record.SearchOf(searchVisit)},
	}
}

// What the search box finds returns and visits by.
func searchMovement(b *MovementBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.DestinationName, Texts: []string{b.DestinationName, b.OriginText, b.Source, b.Note}}, true
}

func searchVisit(b *VisitBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.Note, Texts: []string{b.Team, b.Note}}, b.Note != "" || b.Team != ""
}
