package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
)

// statementRoutes serves package statement (statements and their media
// sources) and the evidence links of provisions. The services decide
// access themselves.
func (s *Server) statementRoutes() {
	s.evidenceRoutes()
	svc := s.Statements
	if svc == nil {
		return
	}

	s.add(Route{Method: "POST", Path: "/api/v1/sources", Summary: "Record a media article a statement is reported in (mission staff)", Tag: "statements",
		Request: statement.SourceInput{}, Response: statement.Source{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordSource, func(x statement.Source) int64 { return x.Version })})
	s.add(Route{Method: "GET", Path: "/api/v1/sources", Summary: "List the sources you may read, newest first", Tag: "statements",
		Response: store.Page[statement.Source]{},
		Query: append(append([]Param{{Name: "outlet_org", Description: "the outlet's organisation id"},
			{Name: "language", Description: "BCP 47 tag"}}, windowParams...), numberedParams(statement.SourceSorts)...),
		Handler: numberedLists(s, sourceFilter, svc.ListSources, svc.NumberedSources)})
	s.add(Route{Method: "GET", Path: "/api/v1/sources/{id}", Summary: "Read a source", Tag: "statements", Response: statement.Source{},
		Handler: reads(s, statement.EntitySource, svc.GetSource, func(x statement.Source) int64 { return x.Version })})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/sources/{id}", Summary: "Replace a source (If-Match: the version you read)", Tag: "statements",
		Request: statement.SourceInput{}, Response: statement.Source{},
		Handler: changes(s, statement.EntitySource, svc.UpdateSource, func(x statement.Source) int64 { return x.Version })})

	s.add(Route{Method: "POST", Path: "/api/v1/statements", Summary: "Record an official statement about the agreement (mission staff); a date before the agreement is allowed and flagged, one in the future refused", Tag: "statements",
		Request: statement.StatementInput{}, Response: statement.Statement{}, Status: http.StatusCreated,
		Handler: creates(s, svc.RecordStatement, func(x statement.Statement) int64 { return x.Version })})
	s.add(Route{Method: "GET", Path: "/api/v1/statements", Summary: "List the statements you may read, newest first", Tag: "statements",
		Response: store.Page[statement.Statement]{},
		Query: append(append([]Param{{Name: "organisation", Description: "organisation id the speaker spoke for"},
			{Name: "stance", Description: strings.Join(statement.Stances, ", ")},
			{Name: "provision", Description: "statements concerning this provision id"},
			{Name: "source", Description: "statements reported by this source id"},
			{Name: "q", Description: "words in a summary, in any language; case and diacritics are ignored"}}, windowParams...), numberedParams(statement.StatementSorts)...),
		Handler: numberedLists(s, statementFilter, svc.ListStatements, svc.NumberedStatements)})
	s.add(Route{Method: "GET", Path: "/api/v1/statements/{id}", Summary: "Read a statement", Tag: "statements", Response: statement.Statement{},
		Handler: reads(s, statement.EntityStatement, svc.GetStatement, func(x statement.Statement) int64 { return x.Version })})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/statements/{id}", Summary: "Replace a statement (If-Match: the version you read)", Tag: "statements",
		Request: statement.StatementInput{}, Response: statement.Statement{},
		Handler: changes(s, statement.EntityStatement, svc.UpdateStatement, func(x statement.Statement) int64 { return x.Version })})
}

// evidenceRoutes serves the evidence links of provisions.
func (s *Server) evidenceRoutes() {
	ag := s.Agreements
	s.add(Route{Method: "POST", Path: "/api/v1/provisions/{id}/evidence", Summary: "Link a registry record (an exchange, a return, a statement, an incident, ...) to a provision as evidence of its implementation (mission staff)", Tag: "agreements",
		Request: agreement.EvidenceLinkInput{}, Response: agreement.EvidenceLink{}, Status: http.StatusCreated,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			in, err := Decode[agreement.EvidenceLinkInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			l, err := ag.AddEvidence(r.Context(), httpx.PrincipalFrom(r.Context()), id, in)
			if err != nil {
				s.fail(w, r, notFound(agreement.EntityProvision, id, err))
				return
			}
			writeRecord(w, http.StatusCreated, l.Version, l)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/provisions/{id}/evidence", Summary: "A provision's evidence, newest first: the links to records you may read, each described in one line", Tag: "agreements",
		Response: store.Page[agreement.EvidenceLink]{}, Query: pageParams,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			page, err := pageRequest(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			out, err := ag.ListEvidence(r.Context(), httpx.PrincipalFrom(r.Context()), id, page)
			if err != nil {
				s.fail(w, r, notFound(agreement.EntityProvision, id, err))
				return
			}
			httpx.WriteJSON(w, http.StatusOK, out)
		}})
}

func sourceFilter(r *http.Request) (statement.SourceFilter, error) {
	q := r.URL.Query()
	f := statement.SourceFilter{OutletOrg: q.Get("outlet_org"), Language: q.Get("language")}
	w, err := queryWindow(r)
	f.From, f.To = w.From, w.To
	return f, err
}

func statementFilter(r *http.Request) (statement.StatementFilter, error) {
	q := r.URL.Query()
	f := statement.StatementFilter{Organisation: q.Get("organisation"), Stance: q.Get("stance"), Provision: q.Get("provision"),
		Source: q.Get("source"), Query: q.Get("q")}
	w, err := queryWindow(r)
	f.From, f.To = w.From, w.To
	return f, err
}

// provisionWithEvidence reads a provision with the number of its evidence
// links the request's principal may see.
func (s *Server) provisionWithEvidence(ctx context.Context, reader access.Principal, id string) (agreement.Provision, error) {
	p, err := s.Agreements.GetProvision(ctx, reader, id)
	if err != nil {
		return p, err
	}
	n, err := s.Agreements.CountEvidence(ctx, reader, id)
	p.EvidenceCount = &n
	return p, err
}
