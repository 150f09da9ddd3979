package api

import (
	"net/http"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/report"
)

// ReportProof is the answer of /api/v1/reports/{id}/proof: the issued
// report's change and its inclusion proof at a signed checkpoint.
type ReportProof struct {
	Report report.Issued  `json:"report"`
	Proof  InclusionProof `json:"proof"`
}

var reportQuery = []Param{
	{Name: "kind", Description: "daily, implementation or summary"},
	{Name: "date", Description: "daily: the reporting day; implementation: the day it is as of (YYYY-MM-DD)"},
	{Name: "from", Description: "summary: first day"},
	{Name: "to", Description: "summary: last day (included)"},
	{Name: "agreement", Description: "implementation: the agreement's id"},
	{Name: "edition", Description: "public or mission"},
	{Name: "format", Description: "json (default), html, pdf or csv"},
	{Name: "table", Description: "csv: which table (default: summary)"},
	{Name: "lang", Description: "the report's language: en (default), ru or ar; an issued report has files in each"},
}

func (s *Server) reportRoutes() {
	if s.Reports == nil {
		return
	}
	// The history of an issued report is its one change; an unissued or
	// hidden report reads as not found.
	s.add(Route{Method: "POST", Path: "/api/v1/reports", Summary: "Generate a report (not stored: issuing stores it)", Tag: "reports",
		Request: report.Request{}, Response: report.Report{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			req, err := Decode[report.Request](r)
			if err == nil {
				err = req.Validate()
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			s.generate(w, r, req, "")
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/reports", Summary: "Generate a report from query parameters (JSON, or the format asked for)", Tag: "reports", Query: reportQuery,
		Response: report.Report{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			table := q.Get("table")
			req, err := report.RequestFromQuery(q)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			s.generate(w, r, req, table)
		}})
	// An issued public report's files, data and proofs are open without
	// an account (the service refuses anything else to an anonymous
	// reader): Public lets the request reach it.
	s.add(Route{Method: "GET", Path: "/api/v1/reports/{id}", Summary: "A report by id: the stored files once issued, else generated now (without an account: an issued public report only)", Tag: "reports",
		Public: true, Query: []Param{reportQuery[6], reportQuery[7], reportQuery[8]}, Response: report.Report{}, Handler: s.fetchReport})
	s.add(Route{Method: "GET", Path: "/api/v1/reports/{id}/download", Summary: "Download a report in a format (attachment; without an account: an issued public report only)", Tag: "reports",
		Public: true, Query: []Param{reportQuery[6], reportQuery[7], reportQuery[8]}, Content: "application/octet-stream", Handler: s.fetchReport})
	s.add(Route{Method: "POST", Path: "/api/v1/reports/{id}/issue", Summary: "Issue a report (co-chair): store its files and record their hashes in the log", Tag: "reports",
		Response: report.Issued{}, Status: http.StatusCreated,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			is, err := s.Reports.Issue(r.Context(), httpx.PrincipalFrom(r.Context()), r.PathValue("id"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeRecord(w, http.StatusCreated, is.Version, is)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/reports/{id}/proof", Summary: "Inclusion proof of an issued report's change, with the signed checkpoint", Tag: "reports",
		Public: true, Response: ReportProof{}, Handler: s.reportProof})
	if s.Proofs != nil {
		s.add(Route{Method: "GET", Path: "/api/v1/reports/{id}/bundle", Summary: "The proof bundle of an issued report (truce-proof/v1; check it offline with truce proof verify)", Tag: "reports",
			Public: true, Content: "text/plain", Handler: func(w http.ResponseWriter, r *http.Request) {
				id := r.PathValue("id")
				b, err := s.Proofs.Report(r.Context(), httpx.PrincipalFrom(r.Context()), id)
				if err != nil {
					s.fail(w, r, notFound("report", id, err))
					return
				}
				writeBundle(w, id+".proof", b)
			}})
	}
}

func (s *Server) generate(w http.ResponseWriter, r *http.Request, req report.Request, table string) {
	rep, err := s.Reports.Generate(r.Context(), httpx.PrincipalFrom(r.Context()), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := report.Draft(rep, req.Format, table)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeRendered(w, out, false)
}

func writeRendered(w http.ResponseWriter, out report.Rendered, attachment bool) {
	w.Header().Set("Content-Type", out.MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(out.Data)))
	disp := "inline"
	if attachment {
		disp = "attachment"
	}
	w.Header().Set("Content-Disposition", disp+`; filename="`+out.Filename+`"`)
	if out.MediaType != "application/json" {
		// A report is a document, not an application page: no script at all.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	}
	w.WriteHeader(http.StatusOK)
	w.Write(out.Data)
}

func (s *Server) fetchReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query() // the route's rules refuse any parameter but format, table and lang
	out, err := s.Reports.Fetch(r.Context(), httpx.PrincipalFrom(r.Context()), r.PathValue("id"), q.Get("format"), q.Get("table"), q.Get("lang"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeRendered(w, out, r.URL.Path[len(r.URL.Path)-len("/download"):] == "/download")
}

func (s *Server) reportProof(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	is, ok, err := s.Reports.Lookup(ctx, httpx.PrincipalFrom(ctx), id)
	if err != nil {
		s.fail(w, r, notFound("report", id, err))
		return
	}
	if !ok {
		s.fail(w, r, errs.NotFound("report %s is not issued", id))
		return
	}
	seq, err := s.Reports.Seq(ctx, httpx.PrincipalFrom(ctx), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cp, err := s.Ledger.LatestCheckpoint(ctx)
	if err != nil || cp.Size <= seq {
		// Checkpoints follow writes within a second; sign one now rather
		// than make the client wait.
		if err := s.Ledger.Checkpoint(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		if cp, err = s.Ledger.LatestCheckpoint(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	proof, leaf, err := s.Ledger.InclusionProof(ctx, seq, cp.Size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	root, err := s.Ledger.TreeHashAt(ctx, cp.Size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if proof == nil {
		proof = []tlog.Hash{}
	}
	httpx.WriteJSON(w, http.StatusOK, ReportProof{Report: is, Proof: InclusionProof{Seq: seq, Size: cp.Size, LeafHash: leaf, RootHash: root, Proof: proof, Checkpoint: string(cp.Note)}})
}

// writeBundle sends a proof bundle as a file to save.
func writeBundle(w http.ResponseWriter, filename string, b []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}
