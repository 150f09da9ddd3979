package api

import (
	"net/http"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/store"
)

// returnsRoutes serves package returns; the service decides access.
func (s *Server) returnsRoutes() {
	svc := s.Returns
	if svc == nil {
		return
	}
	movementVersion := func(m returns.Movement) int64 { return m.Version }
	s.add(Route{Method: "POST", Path: "/api/v1/returns", Summary: "Record a return movement; counts by sex and age must add up to the total", Tag: "returns",
		Request: returns.MovementInput{}, Response: returns.Movement{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordMovement, movementVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/returns", Summary: "List the return movements you may read, latest date first", Tag: "returns",
		Response: store.Page[returns.Movement]{},
		Query: append(append(append([]Param{}, windowParams...), Param{Name: "destination_place_id"},
			Param{Name: "kind", Description: "organised, spontaneous or mixed"}), numberedParams(returns.MovementSorts)...),
		Handler: numberedLists(s, movementFilter, svc.ListMovements, svc.NumberedMovements)})
	s.add(Route{Method: "GET", Path: "/api/v1/returns/totals", Summary: "People returned per day, week, month or destination, from the movements you may read", Tag: "returns",
		Response: []returns.TotalRow{},
		Query: []Param{{Name: "from", Description: "RFC 3339"}, {Name: "to", Description: "RFC 3339"},
			{Name: "group", Required: true, Description: "day, week, month or destination"}},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			win, err := returnsWindow(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			rows, err := svc.Totals(r.Context(), httpx.PrincipalFrom(r.Context()), win, r.URL.Query().Get("group"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, rows)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/returns/{id}", Summary: "Read a return movement", Tag: "returns", Response: returns.Movement{},
		Handler: reads(s, returns.EntityMovement, svc.GetMovement, movementVersion)})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/returns/{id}", Summary: "Replace a return movement (If-Match: the version you read)", Tag: "returns",
		Request: returns.MovementInput{}, Response: returns.Movement{},
		Handler: changes(s, returns.EntityMovement, svc.UpdateMovement, movementVersion)})

	visitVersion := func(v returns.Visit) int64 { return v.Version }
	s.add(Route{Method: "POST", Path: "/api/v1/return-visits", Summary: "Record a monitoring visit to returnees, with a finding per topic and the next visit's due date", Tag: "returns",
		Request: returns.VisitInput{}, Response: returns.Visit{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordVisit, visitVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/return-visits", Summary: "List the monitoring visits you may read, latest first; overdue follow-ups are derived at the server's clock", Tag: "returns",
		Response: store.Page[returns.Visit]{},
		Query: append(append(append([]Param{}, windowParams...), Param{Name: "movement_id"}, Param{Name: "place_id"},
			Param{Name: "overdue", Type: "boolean", Description: "true: only visits whose follow-up is overdue"}), numberedParams(returns.VisitSorts)...),
		Handler: numberedLists(s, visitFilter, svc.ListVisits, svc.NumberedVisits)})
	s.add(Route{Method: "GET", Path: "/api/v1/return-visits/{id}", Summary: "Read a monitoring visit", Tag: "returns", Response: returns.Visit{},
		Handler: reads(s, returns.EntityVisit, svc.GetVisit, visitVersion)})
}

// returnsWindow reads the optional window from, to.
func returnsWindow(r *http.Request) (returns.Window, error) {
	w, err := timeWindow(r)
	return returns.Window{From: w[0], To: w[1]}, err
}

// timeWindow reads the optional from and to, to after from.
func timeWindow(r *http.Request) ([2]time.Time, error) {
	var w [2]time.Time
	q := r.URL.Query()
	for i, name := range []string{"from", "to"} {
		if v := q.Get(name); v != "" {
			t, err := geo.ParseTime(name, v)
			if err != nil {
				return w, err
			}
			w[i] = t
		}
	}
	if !w[0].IsZero() && !w[1].IsZero() && !w[1].After(w[0]) {
		return w, errs.Invalid("to", "must be after from")
	}
	return w, nil
}

func movementFilter(r *http.Request) (returns.MovementFilter, error) {
	q := r.URL.Query()
	f := returns.MovementFilter{DestinationPlaceID: q.Get("destination_place_id"), Kind: q.Get("kind")}
	var err error
	f.Window, err = returnsWindow(r)
	return f, err
}

func visitFilter(r *http.Request) (returns.VisitFilter, error) {
	q := r.URL.Query()
	f := returns.VisitFilter{MovementID: q.Get("movement_id"), PlaceID: q.Get("place_id")}
	var err error
	if f.Window, err = returnsWindow(r); err != nil {
		return f, err
	}
	f.Overdue, err = queryBool(r, "overdue")
	return f, err
}
