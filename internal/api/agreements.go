package api

import (
	"context"
	"net/http"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
)

func (s *Server) agreementRoutes() {
	ag := s.Agreements
	addResource(s, resource[agreement.OrganisationInput, agreement.Organisation]{
		path: "/api/v1/organisations", tag: "agreements", noun: "organisation", kind: "organisation",
		create: ag.CreateOrganisation, update: ag.UpdateOrganisation, get: ag.GetOrganisation,
		list: func(r *http.Request, p store.PageRequest) (store.Page[agreement.Organisation], error) {
			return ag.ListOrganisations(r.Context(), httpx.PrincipalFrom(r.Context()), agreement.OrganisationFilter{Kind: r.URL.Query().Get("kind")}, p)
		},
		filters: []Param{{Name: "kind", Description: "side, guarantor, co_chair, peacekeeping, monitoring_centre, humanitarian, mediator, media, other"}},
		version: func(o agreement.Organisation) int64 { return o.Version },
	})
	addResource(s, resource[agreement.AgreementInput, agreement.Agreement]{
		path: "/api/v1/agreements", tag: "agreements", noun: "agreement", kind: "agreement",
		create: ag.CreateAgreement, update: ag.UpdateAgreement, get: ag.GetAgreement,
		list: func(r *http.Request, p store.PageRequest) (store.Page[agreement.Agreement], error) {
			return ag.ListAgreements(r.Context(), httpx.PrincipalFrom(r.Context()), p)
		},
		version: func(a agreement.Agreement) int64 { return a.Version },
	})
	addResource(s, resource[agreement.ProvisionInput, agreement.Provision]{
		path: "/api/v1/provisions", tag: "agreements", noun: "provision", kind: "provision",
		create: ag.CreateProvision, update: ag.UpdateProvision, get: s.provisionWithEvidence,
		list: func(r *http.Request, p store.PageRequest) (store.Page[agreement.Provision], error) {
			q := r.URL.Query()
			return ag.ListProvisions(r.Context(), httpx.PrincipalFrom(r.Context()), agreement.ProvisionFilter{AgreementID: q.Get("agreement_id"), Status: q.Get("status"), Obligated: q.Get("obligated")}, p)
		},
		filters: []Param{
			{Name: "agreement_id", Description: "provisions of this agreement"},
			{Name: "status", Description: "effective status: not_started, in_progress, implemented, overdue, violated, superseded"},
			{Name: "obligated", Description: "provisions obliging this organisation"},
		},
		version: func(p agreement.Provision) int64 { return p.Version },
	})
	s.add(Route{IfMatch: true, Method: "POST", Path: "/api/v1/provisions/{id}/status", Summary: "Record a provision's new implementation status with evidence (If-Match: the version you read)",
		Tag: "agreements", Request: agreement.StatusInput{}, Response: agreement.Provision{},
		Handler: changes(s, "provision", func(ctx context.Context, p access.Principal, id string, v int64, in agreement.StatusInput) (agreement.Provision, error) {
			return ag.AddProvisionStatus(ctx, p, id, v, in)
		}, func(p agreement.Provision) int64 { return p.Version })})
}
