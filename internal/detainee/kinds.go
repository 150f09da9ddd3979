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
		{Kind: kindPerson, Resource: record.ResourceOf(s.GetPerson), Redact: s.redactPerson},
		{Kind: kindExchange, Resource: record.ResourceOf(s.GetExchange), Evidence: s.EvidenceOfExchange},
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
