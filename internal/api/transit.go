package api

import (
	"net/http"

	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
)

// transitRoutes serves package transit; the service decides access.
func (s *Server) transitRoutes() {
	svc := s.Transit
	if svc == nil {
		return
	}
	crossingVersion := func(c transit.Crossing) int64 { return c.Version }
	s.add(Route{Method: "POST", Path: "/api/v1/crossings", Summary: "Record a crossing at a corridor checkpoint; one at a closed checkpoint is recorded and flagged", Tag: "transit",
		Request: transit.CrossingInput{}, Response: transit.Crossing{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordCrossing, crossingVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/crossings", Summary: "List the crossings you may read, latest first", Tag: "transit",
		Response: store.Page[transit.Crossing]{},
		Query: append(append(append([]Param{}, windowParams...), Param{Name: "checkpoint_id"},
			Param{Name: "direction", Description: "towards_start or towards_end"},
			Param{Name: "flagged", Type: "boolean", Description: "true: only crossings recorded with a flag"}), numberedParams(transit.CrossingSorts)...),
		Handler: numberedLists(s, crossingFilter, svc.ListCrossings, svc.NumberedCrossings)})
	s.add(Route{Method: "GET", Path: "/api/v1/crossings/{id}", Summary: "Read a crossing", Tag: "transit", Response: transit.Crossing{},
		Handler: reads(s, transit.EntityCrossing, svc.GetCrossing, crossingVersion)})

	restrictionVersion := func(t transit.Restriction) int64 { return t.Version }
	s.add(Route{Method: "POST", Path: "/api/v1/transit-restrictions", Summary: "Record a closure, partial restriction or reopening of a checkpoint or the whole corridor; a reopening ends the open ones", Tag: "transit",
		Request: transit.RestrictionInput{}, Response: transit.Restriction{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordRestriction, restrictionVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/transit-restrictions", Summary: "List the transit restrictions you may read, latest start first", Tag: "transit",
		Response: store.Page[transit.Restriction]{},
		Query: append(append([]Param{}, windowParams...), Param{Name: "kind", Description: "closure, partial or reopening"},
			Param{Name: "checkpoint_id"}, Param{Name: "corridor_id", Description: "the corridor and its checkpoints"}, pageParams[0], pageParams[1]),
		Handler: lists(s, transitRestrictionFilter, svc.ListRestrictions)})
	s.add(Route{Method: "GET", Path: "/api/v1/transit-restrictions/{id}", Summary: "Read a transit restriction", Tag: "transit", Response: transit.Restriction{},
		Handler: reads(s, transit.EntityRestriction, svc.GetRestriction, restrictionVersion)})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/transit-restrictions/{id}", Summary: "Replace a transit restriction, e.g. to give its end (If-Match: the version you read)", Tag: "transit",
		Request: transit.RestrictionInput{}, Response: transit.Restriction{},
		Handler: changes(s, transit.EntityRestriction, svc.UpdateRestriction, restrictionVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/corridor/status", Summary: "Whether the corridor (or one corridor, or one checkpoint) was open, partial or closed at a time, with the restrictions in force", Tag: "transit",
		Response: transit.Status{},
		Query: []Param{{Name: "at", Description: "RFC 3339; now when absent"}, {Name: "corridor_id", Description: "one corridor layer"},
			{Name: "checkpoint_id", Description: "one checkpoint layer"}},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			at := s.Now()
			if v := q.Get("at"); v != "" {
				var err error
				if at, err = geo.ParseTime("at", v); err != nil {
					s.fail(w, r, err)
					return
				}
			}
			st, err := svc.StatusAt(r.Context(), httpx.PrincipalFrom(r.Context()), at, q.Get("corridor_id"), q.Get("checkpoint_id"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, st)
		}})
}

func crossingFilter(r *http.Request) (transit.CrossingFilter, error) {
	q := r.URL.Query()
	f := transit.CrossingFilter{CheckpointID: q.Get("checkpoint_id"), Direction: q.Get("direction")}
	w, err := timeWindow(r)
	if err != nil {
		return f, err
	}
	f.Window = transit.Window{From: w[0], To: w[1]}
	f.Flagged, err = queryBool(r, "flagged")
	return f, err
}

func transitRestrictionFilter(r *http.Request) (transit.RestrictionFilter, error) {
	q := r.URL.Query()
	f := transit.RestrictionFilter{Kind: q.Get("kind"), CheckpointID: q.Get("checkpoint_id"), CorridorID: q.Get("corridor_id")}
	w, err := timeWindow(r)
	f.Window = transit.Window{From: w[0], To: w[1]}
	return f, err
}
