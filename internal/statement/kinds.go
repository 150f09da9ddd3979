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
		{Kind: kindSource, Resource: record.ResourceOf(s.GetSource), Search: record.SearchOf(searchSource)},
		{Kind: kindStatement, Resource: record.ResourceOf(s.GetStatement), Evidence: s.evidenceOf, Search: record.SearchOf(searchStatement)},
	}
}

// What the search box finds statements and sources by.
func searchStatement(b *StatementBody) (record.SearchDoc, bool) {
	texts := []string{b.Speaker, b.SpeakerTitle}
	title := b.Speaker
	for i, s := range b.Summaries {
		texts = append(texts, s.Text)
		if i == 0 {
			title += ": " + s.Text
		}
	}
	return record.SearchDoc{Label: b.Label, Title: title, Texts: texts}, true
}

func searchSource(b *SourceBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.Title, Texts: []string{b.Title, b.Outlet, b.Notes}}, true
}
