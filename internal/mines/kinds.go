package mines

import (
	"strings"

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
		{Kind: kindMinefield, Resource: record.ResourceOf(s.GetMinefield), Search: record.SearchOf(searchMinefield)},
		{Kind: kindHandover, Resource: record.ResourceOf(s.GetHandover), Evidence: s.EvidenceOfHandover, Search: record.SearchOf(searchHandover)},
		{Kind: kindHazardArea, Resource: record.ResourceOf(s.GetHazardArea), Search: record.SearchOf(searchHazardArea)},
	}
}

// What the search box finds mine action records by.
func searchMinefield(b *MinefieldBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.Designation + " " + b.District, Texts: []string{b.Designation, b.District, b.Note}}, true
}

func searchHandover(b *HandoverBody) (record.SearchDoc, bool) {
	texts := append([]string{b.Place, b.Note}, b.Districts...)
	return record.SearchDoc{Label: b.Label, Title: strings.TrimSpace(b.Place + " " + strings.Join(b.Districts, ", ")), Texts: texts}, true
}

func searchHazardArea(b *HazardAreaBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.Name + " " + b.District, Texts: []string{b.Name, b.District, b.Evidence, b.Note}}, true
}
