package detainee

import (
	"context"
	"encoding/json"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/store"
)

// Kinds declares the detainee package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Entity: EntityPerson, Resource: record.ResourceOf(s.GetPerson), Redact: s.redactPerson},
		{Entity: EntityExchange, Resource: record.ResourceOf(s.GetExchange)},
		{Entity: EntityRemains, Resource: record.ResourceOf(s.GetRemains)},
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
