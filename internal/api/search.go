package api

import (
	"net/http"

	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/search"
)

// searchRoutes serves the one search over every kind of record.
func (s *Server) searchRoutes() {
	svc := s.Search
	if svc == nil {
		return
	}
	s.add(Route{Method: "GET", Path: "/api/v1/search", Summary: "Find the records you may read by words in any of their texts, in any script, ignoring case and diacritics; best matches first", Tag: "search",
		Response: search.Results{},
		Query:    append([]Param{{Name: "q", Description: "the words to find, at most 200 characters and 8 words; every word must occur; the last, of two letters or more, also finds the words it begins"}}, pageParams...),
		Handler: func(w http.ResponseWriter, r *http.Request) {
			page, err := pageRequest(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			out, err := svc.Search(r.Context(), httpx.PrincipalFrom(r.Context()), r.URL.Query().Get("q"), page)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, out)
		}})
}
