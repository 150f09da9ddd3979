package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// WithdrawInput is the body of an allegation's withdrawal.
type WithdrawInput struct {
	Reason string `json:"reason" doc:"why the lodging side withdraws it"`
}

var windowParams = []Param{
	{Name: "from", Description: "RFC 3339 time or a day (2021-06-10): reported start at or after"},
	{Name: "to", Description: "RFC 3339 time: reported start before; or a day: up to its end"},
}

var bboxParam = Param{Name: "bbox", Description: "min_lat,min_lon,max_lat,max_lon in decimal degrees"}

// placeParam and withinParam narrow a list to the records near a place.
var (
	placeParam  = Param{Name: "place", Description: "a gazetteer place's id: only records within `within` metres of it"}
	withinParam = Param{Name: "within", Type: "number", Description: "metres from the place, 100 to 100000 (default 5000)"}
)

// incidentRoutes serves package incident. The service decides access
// itself; handlers only hand it the principal and shape the answer.
func (s *Server) incidentRoutes() {
	svc := s.Incidents
	if svc == nil {
		return
	}
	// Allegations.
	s.add(Route{Method: "POST", Path: "/api/v1/allegations", Summary: "Lodge an allegation (a liaison lodges only in its own side's name)", Tag: "incidents",
		Request: incident.AllegationInput{}, Response: incident.Allegation{}, Status: http.StatusCreated,
		Handler: creates(s, svc.LodgeAllegation, func(a incident.Allegation) int64 { return a.Version })})
	s.add(Route{Method: "GET", Path: "/api/v1/allegations", Summary: "List the allegations you may read, newest reported time first", Tag: "incidents",
		Response: store.Page[incident.Allegation]{},
		Query: append(append(append([]Param{}, windowParams...), bboxParam,
			Param{Name: "category"}, Param{Name: "status", Description: "lodged or withdrawn"},
			Param{Name: "source_kind", Description: "side, public, third_party, media or mission"},
			Param{Name: "on_behalf_of", Description: "the side in whose name"}, Param{Name: "perpetrator", Description: "a side's id or unknown"},
			Param{Name: "zone", Description: "a zone layer's id: the first zone the point lies in"}, placeParam, withinParam,
			Param{Name: "incident_id", Description: "members of this incident"}, Param{Name: "unlinked", Type: "boolean", Description: "true: only allegations in no incident"}),
			numberedParams(incident.AllegationSorts)...),
		Handler: numberedLists(s, allegationFilter, svc.ListAllegations, svc.NumberedAllegations)})
	s.add(Route{Method: "GET", Path: "/api/v1/allegations/{id}", Summary: "Read an allegation", Tag: "incidents", Response: incident.Allegation{},
		Handler: reads(s, incident.EntityAllegation, svc.GetAllegation, func(a incident.Allegation) int64 { return a.Version })})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/allegations/{id}", Summary: "Replace an allegation your organisation lodged (If-Match: the version you read)", Tag: "incidents",
		Request: incident.AllegationInput{}, Response: incident.Allegation{},
		Handler: changes(s, incident.EntityAllegation, svc.UpdateAllegation, func(a incident.Allegation) int64 { return a.Version })})
	s.add(Route{IfMatch: true, Method: "POST", Path: "/api/v1/allegations/{id}/withdraw", Summary: "Withdraw an allegation your organisation lodged, with a reason (If-Match: the version you read)", Tag: "incidents",
		Request: WithdrawInput{}, Response: incident.Allegation{},
		Handler: changes(s, incident.EntityAllegation, func(ctx context.Context, p access.Principal, id string, v int64, in WithdrawInput) (incident.Allegation, error) {
			return svc.WithdrawAllegation(ctx, p, id, v, in.Reason)
		}, func(a incident.Allegation) int64 { return a.Version })})

	// Observations.
	s.add(Route{Method: "POST", Path: "/api/v1/observations", Summary: "Record what the mission saw or heard; the probable area is computed", Tag: "incidents",
		Request: incident.ObservationInput{}, Response: incident.Observation{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordObservation, func(o incident.Observation) int64 { return o.Version })})
	s.add(Route{Method: "GET", Path: "/api/v1/observations", Summary: "List the observations you may read, newest first", Tag: "incidents",
		Response: store.Page[incident.Observation]{},
		Query: append(append(append([]Param{}, windowParams...), bboxParam, Param{Name: "kind", Description: "e.g. impact, bursts_small_arms"},
			Param{Name: "category", Description: "the category the kind counts under"}, Param{Name: "zone", Description: "a zone layer's id"}, placeParam, withinParam),
			numberedParams(incident.ObservationSorts)...),
		Handler: numberedLists(s, observationFilter, svc.ListObservations, svc.NumberedObservations)})
	s.add(Route{Method: "GET", Path: "/api/v1/observations/{id}", Summary: "Read an observation", Tag: "incidents", Response: incident.Observation{},
		Handler: reads(s, incident.EntityObservation, svc.GetObservation, func(o incident.Observation) int64 { return o.Version })})

	// Incidents and their investigation.
	s.add(Route{Method: "POST", Path: "/api/v1/incidents", Summary: "Open an incident grouping allegations and observations of one event", Tag: "incidents",
		Request: incident.IncidentInput{}, Response: incident.Incident{}, Status: http.StatusCreated,
		Handler: creates(s, svc.OpenIncident, func(i incident.Incident) int64 { return i.Version })})
	s.add(Route{Method: "GET", Path: "/api/v1/incidents", Summary: "List the incidents you may read, newest first", Tag: "incidents",
		Response: store.Page[incident.Incident]{},
		Query: append(append(append([]Param{}, windowParams...), bboxParam,
			Param{Name: "status", Description: strings.Join(incident.Statuses, ", ")}, Param{Name: "category"},
			Param{Name: "outcome", Description: "substantiated, not_substantiated or inconclusive"},
			Param{Name: "zone", Description: "a zone layer's id"}, placeParam, withinParam, Param{Name: "side", Description: "attributed by the finding: a side's id, both or undetermined"}),
			numberedParams(incident.IncidentSorts)...),
		Handler: numberedLists(s, incidentFilter, svc.ListIncidents, svc.NumberedIncidents)})
	s.add(Route{Method: "GET", Path: "/api/v1/incidents/{id}", Summary: "Read an incident", Tag: "incidents", Response: incident.Incident{},
		Handler: reads(s, incident.EntityIncident, svc.GetIncident, func(i incident.Incident) int64 { return i.Version })})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/incidents/{id}", Summary: "Replace an incident's description and members; refused once sealed (If-Match: the version you read)", Tag: "incidents",
		Request: incident.IncidentInput{}, Response: incident.Incident{},
		Handler: changes(s, incident.EntityIncident, svc.UpdateIncident, func(i incident.Incident) int64 { return i.Version })})
	s.add(Route{IfMatch: true, Method: "POST", Path: "/api/v1/incidents/{id}/transition", Summary: "Move an incident one step along its investigation; closing and reopening are the co-chairs' (If-Match: the version you read)", Tag: "incidents",
		Request: incident.TransitionInput{}, Response: incident.Incident{},
		Handler: changes(s, incident.EntityIncident, svc.Transition, func(i incident.Incident) int64 { return i.Version })})
	s.add(Route{IfMatch: true, Method: "POST", Path: "/api/v1/incidents/{id}/notes", Summary: "Add a task, site visit, interview or note to an investigation (If-Match: the version you read)", Tag: "incidents",
		Request: incident.NoteInput{}, Response: incident.Incident{},
		Handler: changes(s, incident.EntityIncident, svc.AddNote, func(i incident.Incident) int64 { return i.Version })})
	s.add(Route{Method: "GET", Path: "/api/v1/incidents/{id}/sides", Summary: "An incident with each side's allegations, the other sources, the mission's observations and the finding kept apart", Tag: "incidents",
		Response: incident.SideBySide{}, ETag: true,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			sides, err := svc.Sides(r.Context(), httpx.PrincipalFrom(r.Context()), id)
			if err != nil {
				s.fail(w, r, notFound(incident.EntityIncident, id, err))
				return
			}
			writeRecord(w, http.StatusOK, sides.Incident.Version, sides)
		}})

	// Patrols and restrictions of freedom of movement.
	s.add(Route{Method: "POST", Path: "/api/v1/patrols", Summary: "Record a patrol", Tag: "incidents",
		Request: incident.PatrolInput{}, Response: incident.Patrol{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordPatrol, func(p incident.Patrol) int64 { return p.Version })})
	s.add(Route{Method: "GET", Path: "/api/v1/patrols/{id}", Summary: "Read a patrol", Tag: "incidents", Response: incident.Patrol{},
		Handler: reads(s, incident.EntityPatrol, svc.GetPatrol, func(p incident.Patrol) int64 { return p.Version })})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/patrols/{id}", Summary: "Replace a patrol, e.g. to give its end (If-Match: the version you read)", Tag: "incidents",
		Request: incident.PatrolInput{}, Response: incident.Patrol{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			p := httpx.PrincipalFrom(r.Context())
			// A patrol the principal may not read is not found, whatever
			// its roles: ask before the service checks the new body.
			if _, err := svc.GetPatrol(r.Context(), p, id); err != nil {
				s.fail(w, r, notFound(incident.EntityPatrol, id, err))
				return
			}
			v, err := version(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			in, err := Decode[incident.PatrolInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			pt, err := svc.UpdatePatrol(r.Context(), p, id, v, in)
			if err != nil {
				s.fail(w, r, notFound(incident.EntityPatrol, id, err))
				return
			}
			writeRecord(w, http.StatusOK, pt.Version, pt)
		}})
	s.add(Route{Method: "POST", Path: "/api/v1/restrictions", Summary: "Record a restriction of the mission's freedom of movement", Tag: "incidents",
		Request: incident.RestrictionInput{}, Response: incident.Restriction{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordRestriction, func(f incident.Restriction) int64 { return f.Version })})
	s.add(Route{Method: "GET", Path: "/api/v1/restrictions/{id}", Summary: "Read a restriction of freedom of movement", Tag: "incidents", Response: incident.Restriction{},
		Handler: reads(s, incident.EntityRestriction, svc.GetRestriction, func(f incident.Restriction) int64 { return f.Version })})

	// Tallies.
	s.add(Route{Method: "GET", Path: "/api/v1/tallies", Summary: "What each side alleged, what the mission observed and what it verified, per period or group, never blended", Tag: "incidents",
		Response: []incident.TallyRow{},
		Query: []Param{{Name: "from", Required: true, Description: "RFC 3339"}, {Name: "to", Required: true, Description: "RFC 3339"},
			{Name: "group", Required: true, Description: "day, week, zone or category"}},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			from, err := geo.ParseTime("from", q.Get("from"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			to, err := geo.ParseTime("to", q.Get("to"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			rows, err := svc.Tallies(r.Context(), httpx.PrincipalFrom(r.Context()), from, to, q.Get("group"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, rows)
		}})
	s.reviewRoutes()
	s.fusionModelRoutes()
	s.attachmentRoutes()
}

// queryWindow reads the optional time window from and to.
func queryWindow(r *http.Request) (incident.Window, error) {
	var w incident.Window
	q := r.URL.Query()
	var err error
	if v := q.Get("from"); v != "" {
		if w.From, err = geo.ParseTime("from", v); err != nil {
			return w, err
		}
	}
	if v := q.Get("to"); v != "" {
		if w.To, err = geo.ParseTime("to", v); err != nil {
			return w, err
		}
	}
	if !w.From.IsZero() && !w.To.IsZero() && !w.To.After(w.From) {
		return w, errs.Invalid("to", "must be after from")
	}
	return w, nil
}

// queryBBox reads the optional bounding box min_lat,min_lon,max_lat,max_lon;
// the service checks the coordinates.
func queryBBox(r *http.Request) (*geo.BBox, error) {
	v := r.URL.Query().Get("bbox")
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return nil, errs.Invalid("bbox", "must be four numbers: min_lat,min_lon,max_lat,max_lon")
	}
	var n [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, errs.Invalid("bbox", "must be four numbers: min_lat,min_lon,max_lat,max_lon")
		}
		n[i] = x
	}
	return &geo.BBox{MinLat: n[0], MinLon: n[1], MaxLat: n[2], MaxLon: n[3]}, nil
}

// queryBool reads an optional true/false query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, errs.Invalid(name, "must be true or false")
}

func allegationFilter(r *http.Request) (incident.AllegationFilter, error) {
	f, err := incident.ParseAllegationFilter(r.URL.Query())
	if err != nil {
		return f, err
	}
	f.BBox, err = queryBBox(r)
	return f, err
}

func observationFilter(r *http.Request) (incident.ObservationFilter, error) {
	f, err := incident.ParseObservationFilter(r.URL.Query())
	if err != nil {
		return f, err
	}
	f.BBox, err = queryBBox(r)
	return f, err
}

func incidentFilter(r *http.Request) (incident.IncidentFilter, error) {
	f, err := incident.ParseIncidentFilter(r.URL.Query())
	if err != nil {
		return f, err
	}
	f.BBox, err = queryBBox(r)
	return f, err
}
