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
		{Kind: kindAllegation, Resource: record.ResourceOf(s.GetAllegation), Search: record.SearchOf(searchAllegation)},
		{Kind: kindObservation, Resource: record.ResourceOf(s.GetObservation), Search: record.SearchOf(searchObservation)},
		{Kind: kindIncident, Resource: record.ResourceOf(s.GetIncident), Redact: redactIncident, Evidence: s.EvidenceOf, Search: record.SearchOf(searchIncident)},
		{Kind: kindPatrol, Resource: record.ResourceOf(s.GetPatrol)},
		{Kind: kindRestriction, Resource: record.ResourceOf(s.GetRestriction), Search: record.SearchOf(searchRestriction)},
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

// What the search box finds records of the package's kinds by. An
// incident's notes are not among them: each note has its own readers.
func searchAllegation(b *AllegationBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.Narrative, Texts: []string{b.Narrative}}, true
}

func searchObservation(b *ObservationBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.Note, Texts: []string{b.Note}}, b.Note != ""
}

func searchIncident(b *IncidentBody) (record.SearchDoc, bool) {
	texts := []string{b.Title}
	if b.Finding != nil {
		texts = append(texts, b.Finding.Summary)
	}
	return record.SearchDoc{Label: b.Label, Title: b.Title, Texts: texts}, true
}

func searchRestriction(b *RestrictionBody) (record.SearchDoc, bool) {
	return record.SearchDoc{Label: b.Label, Title: b.Reason, Texts: []string{b.ByText, b.Reason, b.Impact}}, true
}
