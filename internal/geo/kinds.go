package geo

import (
	"context"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
)

// The geo package's kinds of record and who writes them.
var (
	kindPlace = access.Kind{Entity: "place", Writers: []access.Role{access.Admin, access.CoChair, access.Analyst, access.Monitor}}
	kindLayer = access.Kind{Entity: "layer", Writers: []access.Role{access.Admin, access.CoChair, access.Analyst}}
)

// Kinds declares the geo package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindPlace, Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			pl, err := s.GetPlace(ctx, p, id)
			return pl.Resource(), err
		}, Search: record.SearchOf(searchPlace)},
		{Kind: kindLayer, Resource: func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
			l, err := s.GetLayer(ctx, p, id)
			return l.Resource(), err
		}},
	}
}

// A place is found by every one of its names, in every language and as
// each side uses it, and by its note.
func searchPlace(b *PlaceBody) (record.SearchDoc, bool) {
	var texts, names []string
	for _, n := range b.Names {
		texts = append(texts, n.Name)
		if !slices.Contains(names, n.Name) {
			names = append(names, n.Name)
		}
	}
	texts = append(texts, b.Note)
	return record.SearchDoc{Label: b.Label, Title: strings.Join(names, " / "), Texts: texts}, true
}
