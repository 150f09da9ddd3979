package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/store"
)

// mineRoutes serves package mines: minefield records, handovers, hazard
// areas with their land-release events, and the summary. The service
// decides access itself.
func (s *Server) mineRoutes() {
	svc := s.Mines
	if svc == nil {
		return
	}
	minefieldVersion := func(m mines.Minefield) int64 { return m.Version }
	handoverVersion := func(h mines.Handover) int64 { return h.Version }
	hazardVersion := func(h mines.HazardArea) int64 { return h.Version }

	s.add(Route{Method: "POST", Path: "/api/v1/minefields", Summary: "Record a minefield (Amended Protocol II fields; a liaison records only its own side's fields); area computed", Tag: "mines",
		Request: mines.MinefieldInput{}, Response: mines.Minefield{}, Status: http.StatusCreated,
		Handler: creates(s, svc.CreateMinefield, minefieldVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/minefields", Summary: "List the minefield records you may read, latest laid first", Tag: "mines",
		Response: store.Page[mines.Minefield]{},
		Query:    append([]Param{{Name: "laid_by", Description: "the side that laid them"}, {Name: "district"}}, numberedParams(mines.MinefieldSorts)...),
		Handler: numberedLists(s, func(r *http.Request) (mines.MinefieldFilter, error) {
			q := r.URL.Query()
			return mines.MinefieldFilter{LaidBy: q.Get("laid_by"), District: q.Get("district")}, nil
		}, svc.ListMinefields, svc.NumberedMinefields)})
	s.add(Route{Method: "GET", Path: "/api/v1/minefields/{id}", Summary: "Read a minefield record", Tag: "mines", Response: mines.Minefield{},
		Handler: reads(s, mines.EntityMinefield, svc.GetMinefield, minefieldVersion)})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/minefields/{id}", Summary: "Replace a minefield record (If-Match: the version you read)", Tag: "mines",
		Request: mines.MinefieldInput{}, Response: mines.Minefield{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			// A record the principal may not read is not found, whatever
			// the new body says.
			if _, err := svc.GetMinefield(r.Context(), httpx.PrincipalFrom(r.Context()), id); err != nil {
				s.fail(w, r, notFound(mines.EntityMinefield, id, err))
				return
			}
			changes(s, mines.EntityMinefield, svc.UpdateMinefield, minefieldVersion)(w, r)
		}})

	s.add(Route{Method: "POST", Path: "/api/v1/handovers", Summary: "Record a handover of minefield records (a liaison records only its own side's handovers)", Tag: "mines",
		Request: mines.HandoverInput{}, Response: mines.Handover{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordHandover, handoverVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/handovers", Summary: "List the handovers you may read, latest first", Tag: "mines",
		Response: store.Page[mines.Handover]{},
		Query: append([]Param{{Name: "from_side"}, {Name: "to_side"}, {Name: "exchange_id"},
			{Name: "from_day", Description: "YYYY-MM-DD: handovers on or after that day"}, {Name: "to_day", Description: "YYYY-MM-DD: handovers on or before that day"}},
			numberedParams(mines.HandoverSorts)...),
		Handler: numberedLists(s, func(r *http.Request) (mines.HandoverFilter, error) {
			q := r.URL.Query()
			return mines.HandoverFilter{FromSide: q.Get("from_side"), ToSide: q.Get("to_side"), ExchangeID: q.Get("exchange_id"),
				FromDay: q.Get("from_day"), ToDay: q.Get("to_day")}, nil
		}, svc.ListHandovers, svc.NumberedHandovers)})
	s.add(Route{Method: "GET", Path: "/api/v1/handovers/{id}", Summary: "Read a handover", Tag: "mines", Response: mines.Handover{},
		Handler: reads(s, mines.EntityHandover, svc.GetHandover, handoverVersion)})

	s.add(Route{Method: "POST", Path: "/api/v1/hazard-areas", Summary: "Record a suspected or confirmed hazard area; area computed", Tag: "mines",
		Request: mines.HazardAreaInput{}, Response: mines.HazardArea{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordHazardArea, hazardVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/hazard-areas", Summary: "List the hazard areas you may read, latest recorded first", Tag: "mines",
		Response: store.Page[mines.HazardArea]{},
		Query:    append([]Param{{Name: "status", Description: strings.Join(mines.Statuses, ", ")}, {Name: "district"}}, numberedParams(mines.HazardAreaSorts)...),
		Handler: numberedLists(s, func(r *http.Request) (mines.HazardAreaFilter, error) {
			q := r.URL.Query()
			return mines.HazardAreaFilter{Status: q.Get("status"), District: q.Get("district")}, nil
		}, svc.ListHazardAreas, svc.NumberedHazardAreas)})
	s.add(Route{Method: "GET", Path: "/api/v1/hazard-areas/{id}", Summary: "Read a hazard area with its events", Tag: "mines", Response: mines.HazardArea{},
		Handler: reads(s, mines.EntityHazardArea, svc.GetHazardArea, hazardVersion)})
	s.add(Route{IfMatch: true, Method: "POST", Path: "/api/v1/hazard-areas/{id}/events", Summary: "Confirm a hazard area or release part of it by survey or clearance (If-Match: the version you read)", Tag: "mines",
		Request: mines.EventInput{}, Response: mines.HazardArea{},
		Handler: changes(s, mines.EntityHazardArea, svc.AddEvent, hazardVersion)})

	s.add(Route{Method: "GET", Path: "/api/v1/mines/summary", Summary: "Land released (m², ha, by method) and devices destroyed per district, and minefield records handed over, over a window of days", Tag: "mines",
		Response: mines.Summary{},
		Query:    []Param{{Name: "from", Description: "date (or RFC 3339 time): from this day"}, {Name: "to", Description: "date (or RFC 3339 time): before this day"}},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			var win mines.Window
			var err error
			if win.From, err = queryDay(r, "from"); err == nil {
				win.To, err = queryDay(r, "to")
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			sum, err := svc.Summary(r.Context(), httpx.PrincipalFrom(r.Context()), win)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, sum)
		}})
}

// queryDay reads an optional date or RFC 3339 time.
func queryDay(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errs.Invalid(name, "must be a date such as 2021-06-12 or an RFC 3339 time")
	}
	return t.UTC(), nil
}
