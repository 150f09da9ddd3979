package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
)

// detaineeRoutes serves package detainee: persons held (identity masked
// for readers without the right), their status events and erasure,
// exchanges, remains and the counts every account may read.
func (s *Server) detaineeRoutes() {
	svc := s.Detainees
	if svc == nil {
		return
	}
	personVersion := func(p detainee.Person) int64 { return p.Version }

	s.add(Route{Method: "POST", Path: "/api/v1/detainees", Summary: "Register a person held (a liaison registers only persons its own side holds)", Tag: "detainees",
		Request: detainee.PersonInput{}, Response: detainee.Person{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RegisterPerson, personVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/detainees", Summary: "List persons held, by pseudonymous id; identity only for humanitarian officers, the detaining side and the side of nationality", Tag: "detainees",
		Response: store.Page[detainee.Person]{},
		Query: append([]Param{{Name: "held_by", Description: "detaining side"}, {Name: "nationality", Description: "side of nationality"},
			{Name: "status", Description: strings.Join(detainee.Statuses, ", ")}, {Name: "category", Description: strings.Join(detainee.Categories, ", ")}}, numberedParams(detainee.PersonSorts)...),
		Handler: numberedLists(s, func(r *http.Request) (detainee.PersonFilter, error) {
			q := r.URL.Query()
			return detainee.PersonFilter{HeldBy: q.Get("held_by"), Nationality: q.Get("nationality"), Status: q.Get("status"), Category: q.Get("category")}, nil
		}, svc.ListPersons, svc.NumberedPersons)})
	s.add(Route{Method: "GET", Path: "/api/v1/detainees/counts", Summary: "Persons by status, detaining side and side of nationality at a time", Tag: "detainees",
		Query: []Param{{Name: "at", Description: "RFC 3339; default now"}}, Response: detainee.Counts{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			at, err := queryAt(r, s.Now())
			if err != nil {
				s.fail(w, r, err)
				return
			}
			c, err := svc.Counts(r.Context(), httpx.PrincipalFrom(r.Context()), at)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, c)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/detainees/{id}", Summary: "Read a person held (identity masked unless you may read it)", Tag: "detainees",
		Response: detainee.Person{}, Handler: reads(s, detainee.EntityPerson, svc.GetPerson, personVersion)})
	s.add(Route{IfMatch: true, Method: "POST", Path: "/api/v1/detainees/{id}/events", Summary: "Record a status event; it must follow from the history (If-Match: the version you read)", Tag: "detainees",
		Request: detainee.EventInput{}, Response: detainee.Person{}, Handler: changes(s, detainee.EntityPerson, svc.AddEvent, personVersion)})
	s.add(Route{IfMatch: true, Method: "POST", Path: "/api/v1/detainees/{id}/erase", Summary: "Erase a person's identity from every version (humanitarian officers; If-Match: the version you read)", Tag: "detainees",
		Request: detainee.EraseInput{}, Response: detainee.Person{}, Handler: changes(s, detainee.EntityPerson, svc.ErasePerson, personVersion)})

	exchangeVersion := func(x detainee.Exchange) int64 { return x.Version }
	s.add(Route{Method: "POST", Path: "/api/v1/exchanges", Summary: "Record an exchange and apply it: every person listed is repatriated, or none is", Tag: "detainees",
		Request: detainee.ExchangeInput{}, Response: detainee.Exchange{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordExchange, exchangeVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/exchanges", Summary: "List exchanges, oldest first", Tag: "detainees", Response: store.Page[detainee.Exchange]{},
		Query: append([]Param{{Name: "person_id", Description: "exchanges that moved this person"}}, numberedParams(detainee.ExchangeSorts)...),
		Handler: numberedLists(s, func(r *http.Request) (detainee.ExchangeFilter, error) {
			return detainee.ExchangeFilter{PersonID: r.URL.Query().Get("person_id")}, nil
		}, svc.ListExchanges, svc.NumberedExchanges)})
	s.add(Route{Method: "GET", Path: "/api/v1/exchanges/{id}", Summary: "Read an exchange", Tag: "detainees", Response: detainee.Exchange{},
		Handler: reads(s, detainee.EntityExchange, svc.GetExchange, exchangeVersion)})

	remainsVersion := func(x detainee.Remains) int64 { return x.Version }
	s.add(Route{Method: "POST", Path: "/api/v1/remains", Summary: "Record remains recovered, with identification and handover when known", Tag: "detainees",
		Request: detainee.RemainsInput{}, Response: detainee.Remains{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordRemains, remainsVersion)})
	s.add(Route{Method: "GET", Path: "/api/v1/remains", Summary: "List remains records", Tag: "detainees", Response: store.Page[detainee.Remains]{},
		Query: numberedParams(detainee.RemainsSorts), Handler: numberedLists(s, func(*http.Request) (struct{}, error) { return struct{}{}, nil }, svc.ListRemains, svc.NumberedRemains)})
	s.add(Route{Method: "GET", Path: "/api/v1/remains/counts", Summary: "Bodies recovered, needing DNA, identified and handed over by a time", Tag: "detainees",
		Query: []Param{{Name: "at", Description: "RFC 3339; default now"}}, Response: detainee.RemainsCounts{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			at, err := queryAt(r, s.Now())
			if err != nil {
				s.fail(w, r, err)
				return
			}
			c, err := svc.CountRemains(r.Context(), httpx.PrincipalFrom(r.Context()), at)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, c)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/remains/{id}", Summary: "Read a remains record", Tag: "detainees", Response: detainee.Remains{},
		Handler: reads(s, detainee.EntityRemains, svc.GetRemains, remainsVersion)})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/remains/{id}", Summary: "Replace a remains record, e.g. once identified or handed over (If-Match: the version you read)", Tag: "detainees",
		Request: detainee.RemainsInput{}, Response: detainee.Remains{},
		Handler: changes(s, detainee.EntityRemains, svc.UpdateRemains, remainsVersion)})
}

// queryAt reads the optional time parameter "at".
func queryAt(r *http.Request, now time.Time) (time.Time, error) {
	s := r.URL.Query().Get("at")
	if s == "" {
		return now, nil
	}
	return geo.ParseTime("at", s)
}
