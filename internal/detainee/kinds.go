package detainee

import (
	"context"
	"encoding/json"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/store"
)

// The detainee package's kinds of record and who writes them.
var (
	kindPerson   = access.Kind{Entity: EntityPerson, Writers: []access.Role{access.Liaison, access.Humanitarian, access.CoChair, access.Analyst}}
	kindExchange = access.Kind{Entity: EntityExchange, Writers: []access.Role{access.CoChair, access.Analyst, access.Humanitarian}}
	kindRemains  = access.Kind{Entity: EntityRemains, Writers: []access.Role{access.Humanitarian, access.CoChair, access.Analyst}}
)

// Kinds declares the detainee package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindPerson, Resource: record.ResourceOf(s.GetPerson), Redact: s.redactPerson, Search: record.SearchOf(searchPerson)},
		{Kind: kindExchange, Resource: record.ResourceOf(s.GetExchange), Evidence: s.EvidenceOfExchange, Search: record.SearchOf(searchExchange)},
		{Kind: kindRemains, Resource: record.ResourceOf(s.GetRemains), Evidence: s.EvidenceOfRemains},
	}
}

// redactPerson gives every version of a person's record as p reads the
// current one: with identity, places and death details only when p may
// read the person's identity now.
func (s *Service) redactPerson(ctx context.Context, p access.Principal, id string, body json.RawMessage) (json.RawMessage, error) {
	cur, err := s.GetPerson(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !cur.Masked {
		return body, nil
	}
	var b PersonBody
	if err := store.DecodeBody(body, &b); err != nil {
		return nil, err
	}
	return json.Marshal(b.masked())
}

// A person is found by name and service number only by those who may read
// the identity (the detaining side, the side of nationality, humanitarian
// officers): the document carries the identity's label, so a reader who
// may not see it cannot learn by searching that a record holds the name.
// An erased identity is not indexed.
func searchPerson(b *PersonBody) (record.SearchDoc, bool) {
	if b.Identity == nil || b.Erased != nil {
		return record.SearchDoc{}, false
	}
	id := b.Identity
	r := b.IdentityResource()
	label := access.Label{Classification: r.Classification, OwnerOrg: r.Owner, RestrictedTo: r.ReadersOrgs}
	return record.SearchDoc{Label: label, Title: id.Surname + ", " + id.FirstNames,
		Texts: []string{id.Surname, id.FirstNames, id.FatherFirstName, id.ServiceNumber}}, true
}

func searchExchange(b *ExchangeBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: access.Label{Classification: b.classification()}, Title: b.PlaceName, Texts: []string{b.PlaceName, b.Note}},
		b.PlaceName != "" || b.Note != ""
}
