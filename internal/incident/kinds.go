package incident

import (
	"context"
	"encoding/json"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/store"
)

// The incident package's kinds of record and who writes them.
var (
	kindAllegation  = access.Kind{Entity: EntityAllegation, Writers: []access.Role{access.Liaison, access.Monitor, access.Analyst, access.CoChair}}
	kindObservation = access.Kind{Entity: EntityObservation, Writers: staffRoles}
	kindIncident    = access.Kind{Entity: EntityIncident, Writers: staffRoles}
	kindPatrol      = access.Kind{Entity: EntityPatrol, Writers: staffRoles}
	kindRestriction = access.Kind{Entity: EntityRestriction, Writers: staffRoles}
	kindReview      = access.Kind{Entity: EntityReview, Writers: staffRoles}
	kindAttachment  = access.Kind{Entity: EntityAttachment, Writers: []access.Role{access.Liaison, access.Monitor, access.Analyst, access.CoChair}}
)

// Kinds declares the incident package's kinds of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{
		{Kind: kindAllegation, Resource: record.ResourceOf(s.GetAllegation)},
		{Kind: kindObservation, Resource: record.ResourceOf(s.GetObservation)},
		{Kind: kindIncident, Resource: record.ResourceOf(s.GetIncident), Redact: redactIncident, Evidence: s.EvidenceOf},
		{Kind: kindPatrol, Resource: record.ResourceOf(s.GetPatrol)},
		{Kind: kindRestriction, Resource: record.ResourceOf(s.GetRestriction)},
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
	return access.Decide(p, access.Create, kindAllegation.New())
}

// MayRecordObservation answers whether p may record an observation.
func (s *Service) MayRecordObservation(p access.Principal) error {
	return access.Decide(p, access.Create, kindObservation.New())
}

// MayReview answers whether p may decide the review queue's proposals.
func (s *Service) MayReview(p access.Principal) error {
	return access.Decide(p, access.Create, kindReview.Of(access.Label{Classification: access.Mission, OwnerOrg: p.Org}))
}
