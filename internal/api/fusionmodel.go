package api

import (
	"net/http"

	"github.com/truce-monitoring/truce/internal/fusionmodel"
	"github.com/truce-monitoring/truce/internal/httpx"
)

// fusionModelRoutes serve the mission's fusion model (issue 18): read by
// every account, set and refitted by analysts.
func (s *Server) fusionModelRoutes() {
	svc := s.FusionModel
	if svc == nil {
		return
	}
	s.add(Route{Method: "GET", Path: "/api/v1/fusion-model", Summary: "The mission's fusion model: the noise the review queue's proposals assume, learnt from the reports and the reviewers' decisions (version 0: the defaults, none stored yet)", Tag: "review",
		Response: fusionmodel.Stored{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			out, err := svc.Current(r.Context(), httpx.PrincipalFrom(r.Context()))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeRecord(w, http.StatusOK, out.Version, out)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/fusion-model/history", Summary: "Every stored version of the fusion model, newest first", Tag: "review",
		Response: []fusionmodel.Stored{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			out, err := svc.History(r.Context(), httpx.PrincipalFrom(r.Context()))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, out)
		}})
	s.add(Route{Method: "PUT", Path: "/api/v1/fusion-model", Summary: "Store a fusion model as the next version (e.g. one fitted with truce bench fusion); version is the one you read; a model that does not check is refused with the field named; analysts", Tag: "review",
		Request: fusionmodel.SetInput{}, Response: fusionmodel.Stored{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			in, err := Decode[fusionmodel.SetInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			out, err := svc.Set(r.Context(), httpx.PrincipalFrom(r.Context()), in)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeRecord(w, http.StatusOK, out.Version, out)
		}})
	s.add(Route{Method: "POST", Path: "/api/v1/fusion-model/refit", Summary: "Fit the fusion model again now from every report and review decision you may read, stored as the next version; analysts", Tag: "review",
		Response: fusionmodel.Stored{}, Status: http.StatusCreated,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			out, err := svc.Refit(r.Context(), httpx.PrincipalFrom(r.Context()), "refit through the API")
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeRecord(w, http.StatusCreated, out.Version, out)
		}})
}
