package incident

import (
	"context"
	"encoding/json"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/store"
)

// Kinds declares the incident package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Entity: EntityAllegation, Resource: record.ResourceOf(s.GetAllegation)},
		{Entity: EntityObservation, Resource: record.ResourceOf(s.GetObservation)},
		{Entity: EntityIncident, Resource: record.ResourceOf(s.GetIncident), Redact: redactIncident},
		{Entity: EntityPatrol, Resource: record.ResourceOf(s.GetPatrol)},
		{Entity: EntityRestriction, Resource: record.ResourceOf(s.GetRestriction)},
	}
}

// redactIncident gives a version of an incident without the notes p may
// not read.
func redactIncident(_ context.Context, p access.Principal, _ string, body json.RawMessage) (json.RawMessage, error) {
	var b IncidentBody
	if err := store.DecodeBody(body, &b); err != nil {
		return nil, err
	}
	n := len(b.Notes)
	b.forReader(p)
	if len(b.Notes) == n {
		return body, nil
	}
	return json.Marshal(b)
}

// MayLodge answers whether p may lodge an allegation: nil, or the
// policy's refusal. A form asks before it shows itself.
func (s *Service) MayLodge(p access.Principal) error {
	return access.Decide(p, access.Create, access.Resource{Kind: EntityAllegation})
}

// MayRecordObservation answers whether p may record an observation.
func (s *Service) MayRecordObservation(p access.Principal) error {
	return access.Decide(p, access.Create, access.Resource{Kind: EntityObservation})
}
