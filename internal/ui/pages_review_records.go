package ui

import (
	"net/http"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// The pages of one allegation or observation: its facts, a small map, the
// placement geo computed when it was written, casualties, the incident it
// belongs to and its history of versions.

type recordIncident struct {
	ID, Title string
}

type allegationData struct {
	incident.Allegation
	Attachments []AttachmentView
	CanAttach   bool
	Placement   placementView
	Incident    *recordIncident
	History     []store.Version
	MayReview   bool // the reader may attach it to an incident or start one
}

func (s *Pages) allegationPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "allegation.title", "incidents")
	if !ok {
		return
	}
	id := r.PathValue("id")
	a, err := s.Incidents.GetAllegation(r.Context(), p, id)
	if err != nil {
		s.pageFail(w, r, pg, hideMissing("allegation", id, err))
		return
	}
	pg.Data = allegationData{Allegation: a, Attachments: s.attachmentsOf(r, p, incident.EntityAllegation, []string{id}),
		CanAttach: incident.MayEditAllegation(p, a), Placement: placementOf(a.Geography), Incident: s.recordIncident(r, p, a.IncidentID),
		History:   s.recordHistory(r, p, incident.EntityAllegation, id),
		MayReview: a.IncidentID == "" && a.Status == incident.StatusLodged && s.Incidents.MayReview(p) == nil}
	pg.Form = &web.Form{}
	pg.JSKeys = append(pg.JSKeys, mapMessages...) // the map's scripts
	s.render.Render(w, http.StatusOK, "allegation", pg)
}

type observationData struct {
	incident.Observation
	Placement placementView
	Incident  *recordIncident
	History   []store.Version
	MayReview bool
}

func (s *Pages) observationPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "observation.title", "incidents")
	if !ok {
		return
	}
	id := r.PathValue("id")
	o, err := s.Incidents.GetObservation(r.Context(), p, id)
	if err != nil {
		s.pageFail(w, r, pg, hideMissing("observation", id, err))
		return
	}
	pg.Data = observationData{Observation: o, Placement: placementOf(o.Geography), Incident: s.recordIncident(r, p, o.IncidentID),
		History: s.recordHistory(r, p, incident.EntityObservation, id), MayReview: o.IncidentID == "" && s.Incidents.MayReview(p) == nil}
	pg.JSKeys = append(pg.JSKeys, mapMessages...)
	s.render.Render(w, http.StatusOK, "observation", pg)
}

// recordIncident is the incident a report belongs to, by title; nil when
// none or when the reader may not read it.
func (s *Pages) recordIncident(r *http.Request, p access.Principal, id string) *recordIncident {
	if id == "" {
		return nil
	}
	inc, err := s.Incidents.GetIncident(r.Context(), p, id)
	if err != nil {
		return nil
	}
	return &recordIncident{ID: id, Title: inc.Title}
}

// recordHistory lists a record's versions, newest first, through the same
// service as the history page.
func (s *Pages) recordHistory(r *http.Request, p access.Principal, entity, id string) []store.Version {
	vs, err := s.Records.History(r.Context(), p, entity, id)
	if err != nil {
		s.Log.Info("record history", "entity", entity, "err", err)
		return nil
	}
	out := make([]store.Version, len(vs))
	for i, v := range vs {
		out[len(vs)-1-i] = v
	}
	return out
}
