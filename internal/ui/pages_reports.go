package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/web"
)

// reportsListed is how many issued reports the page lists.
const reportsListed = 100

// reportsData is the reports page's own data.
type reportsData struct {
	Kinds, Editions, Formats, Agreements []Option
	Issued                               []report.IssuedLine
	// CanIssue: the reader may issue a report (a co-chair).
	CanIssue bool
	// Anonymous: a reader without an account, who sees the issued public
	// reports only.
	Anonymous bool
}

func (s *Pages) reportsPage(w http.ResponseWriter, r *http.Request) {
	// Without an account the page lists the issued public reports, whose
	// files and proof bundles are open to anyone; nothing to generate.
	if p, _, err := s.Auth.Principal(w, r); err == nil && !p.Authenticated() {
		pg := s.newPage(r, access.Anonymous, nil, "reports.title", "reports")
		s.showReports(w, r, pg, access.Anonymous, &web.Form{Values: url.Values{}}, http.StatusOK)
		return
	}
	pg, p, ok := s.reader(w, r, "reports.title", "reports")
	if !ok {
		return
	}
	edition := report.EditionPublic
	if report.MayReadMission(p) {
		edition = report.EditionMission
	}
	form := &web.Form{Values: url.Values{"kind": {report.KindDaily}, "edition": {edition}, "format": {report.FormatHTML}}}
	s.showReports(w, r, pg, p, form, http.StatusOK)
}

func (s *Pages) showReports(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, form *web.Form, status int) {
	pg.Title, pg.Nav = "reports.title", "reports"
	if s.Reports == nil {
		s.pageFail(w, r, pg, errs.NotFound("reports are not set up on this server"))
		return
	}
	d := reportsData{
		Anonymous: !p.Authenticated(),
		Kinds:     translated(pg, "reports.kind.", []string{report.KindDaily, report.KindImplementation, report.KindSummary}),
		Editions:  translated(pg, "reports.edition.", []string{report.EditionPublic}),
		Formats:   translated(pg, "reports.format.", []string{report.FormatHTML, report.FormatPDF, report.FormatJSON, report.FormatCSV}),
	}
	if report.MayReadMission(p) {
		d.Editions = translated(pg, "reports.edition.", []string{report.EditionPublic, report.EditionMission})
	}
	d.CanIssue = report.MayIssue(p, report.EditionPublic) || report.MayIssue(p, report.EditionMission)
	if s.Agreements != nil && p.Authenticated() {
		list, err := s.Agreements.ListAgreements(r.Context(), pg.Reader(), storePage(50))
		if err != nil {
			s.pageFail(w, r, pg, err)
			return
		}
		for _, a := range list.Items {
			d.Agreements = append(d.Agreements, Option{Value: a.ID, Label: a.Title})
		}
		if form.V("agreement") == "" && len(d.Agreements) > 0 {
			form.Values.Set("agreement", d.Agreements[0].Value)
		}
	}
	var err error
	if d.Issued, err = s.Reports.ListIssued(r.Context(), p, reportsListed); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Form, pg.Data = form, d
	s.render.Render(w, status, "reports", pg)
}

// reportRequest reads the chosen report from the form: only the fields
// the kind takes, so that a field left filled for another kind is not an
// error.
func reportRequest(form *web.Form) (report.Request, error) {
	req := report.Request{Kind: form.V("kind"), Edition: form.V("edition"), Format: form.V("format")}
	switch req.Kind {
	case report.KindDaily:
		req.Date = strings.TrimSpace(form.V("date"))
	case report.KindImplementation:
		req.Date, req.Agreement = strings.TrimSpace(form.V("date")), form.V("agreement")
	case report.KindSummary:
		req.From, req.To = strings.TrimSpace(form.V("from")), strings.TrimSpace(form.V("to"))
	}
	if req.Format == "" {
		req.Format = report.FormatHTML
	}
	return req, req.Validate()
}

// reportsAction generates the chosen report (the document itself, HTML
// shown in the browser, other formats downloaded) or, for a co-chair,
// issues it. A POST keeps the CSRF token out of addresses.
func (s *Pages) reportsAction(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "reports.title", "reports", "")
	if !ok {
		return
	}
	if s.Reports == nil {
		s.pageFail(w, r, pg, errs.NotFound("reports are not set up on this server"))
		return
	}
	form := &web.Form{Values: r.PostForm}
	req, err := reportRequest(form)
	// The report is written in the page's language (an issued report has
	// its files in every language).
	if l, ok := report.SupportedLang(pg.Lang); ok && err == nil {
		req.Lang = l
	}
	if err != nil {
		s.reportsFailed(w, r, pg, p, form, err)
		return
	}
	if r.PostFormValue("do") == "issue" {
		is, err := s.Reports.Issue(r.Context(), p, req.ID())
		if err != nil {
			s.reportsFailed(w, r, pg, p, form, err)
			return
		}
		s.done(w, r, "/reports#issued", "reports.issued", "id", is.ID)
		return
	}
	// Generating names a date in the future as the field it is; an issued
	// report is then served from its stored file, else as a draft.
	rep, err := s.Reports.Generate(r.Context(), p, req)
	if err != nil {
		s.reportsFailed(w, r, pg, p, form, err)
		return
	}
	var out report.Rendered
	if is, issued, lerr := s.Reports.Lookup(r.Context(), p, req.ID()); lerr != nil {
		err = lerr
	} else if issued {
		out, err = s.Reports.Open(is, req.Format, "", req.Lang)
	} else {
		out, err = report.Draft(rep, req.Format, "")
	}
	if err != nil {
		s.reportsFailed(w, r, pg, p, form, err)
		return
	}
	w.Header().Set("Content-Type", out.MediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(out.Data)))
	disp := "attachment"
	if req.Format == report.FormatHTML {
		disp = "inline"
	}
	w.Header().Set("Content-Disposition", disp+`; filename="`+out.Filename+`"`)
	// A report is a document, not an application page: no script at all.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(http.StatusOK)
	w.Write(out.Data)
}

// reportsFailed shows the page again with the error next to its field, or
// at the top (a conflict: the report is issued already).
func (s *Pages) reportsFailed(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, form *web.Form, err error) {
	code := errs.CodeOf(err)
	switch code {
	case errs.CodeInvalid:
		formErrors(pg, form, err)
		s.showReports(w, r, pg, p, form, http.StatusBadRequest)
	case errs.CodeConflict:
		pg.Error = pg.T("reports.conflict") + " " + explain(pg, err)
		s.showReports(w, r, pg, p, form, http.StatusConflict)
	case errs.CodeForbidden:
		pg.Error = explain(pg, err)
		s.showReports(w, r, pg, p, form, http.StatusForbidden)
	default:
		s.pageFail(w, r, pg, err)
	}
}
