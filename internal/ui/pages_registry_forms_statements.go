package ui

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// Statements and their sources, and evidence links: a record linked to a
// provision as evidence of its implementation.

// languageChoices are the languages offered for a statement or an
// article; the service takes any BCP 47 tag.
var languageChoices = []string{"en", "ru", "ar", "az", "hy", "tr", "fr", "de"}

// formSummaries is how many summaries (languages) the statement form offers.
const formSummaries = 3

var statementFields = func() []string {
	f := []string{"speaker", "speaker_title", "organisation", "date", "language", "summaries", "stance", "provisions", "sources",
		"classification", "restricted_to"}
	for i := range formSummaries {
		pre := "summaries[" + strconv.Itoa(i) + "]"
		f = append(f, pre+".language", pre+".text")
	}
	return f
}()

type statementFormData struct {
	Orgs, Stances, Languages, Provisions, Sources, Classifications []Option
	Rows                                                           []moveRow
	Today                                                          string
	Max                                                            formLimits
}

// provisionOptions lists the provisions the reader may read by number and
// summary.
func (s *Pages) provisionOptions(ctx context.Context, p access.Principal) ([]Option, error) {
	var out []Option
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		ps, err := s.Agreements.ListProvisions(ctx, p, agreement.ProvisionFilter{}, page)
		if err != nil {
			return nil, err
		}
		for _, pr := range ps.Items {
			out = append(out, Option{Value: pr.ID, Label: pr.Number + ". " + clip(pr.Summary, 90), Title: pr.Number})
		}
		if ps.Next == "" || len(out) >= maxFormChoices {
			break
		}
		page.Cursor = ps.Next
	}
	sort.SliceStable(out, func(i, j int) bool { return numberLess(out[i].Title, out[j].Title) })
	return out, nil
}

// statementForm records a statement; it leads to the statement's page.
func (s *Pages) statementForm() *regForm {
	return &regForm{Title: "forms.statement.title", Nav: "statements", Template: "statement_form", Path: "/statements/new",
		Fields: statementFields, May: s.Statements.MayRecordStatement,
		Start: func(*http.Request, access.Principal) url.Values {
			return url.Values{"classification": {string(access.Public)}}
		},
		Data: func(r *http.Request, pg *web.Page, p access.Principal) (any, error) {
			provisions, err := s.provisionOptions(r.Context(), p)
			if err != nil {
				return nil, err
			}
			d := statementFormData{Orgs: s.orgOptions(r.Context(), pg, p), Stances: translated(pg, "forms.stance.", statement.Stances),
				Languages: translated(pg, "forms.lang.", languageChoices), Provisions: provisions, Classifications: classificationOptions(pg),
				Today: s.Now().In(pg.Location).Format(time.DateOnly), Max: formLimits{Name: statement.MaxName, Note: statement.MaxText}}
			srcs, err := s.Statements.ListSources(r.Context(), p, statement.SourceFilter{}, store.PageRequest{Limit: maxFormChoices})
			if err != nil {
				return nil, err
			}
			for _, src := range srcs.Items {
				outlet := src.Outlet
				if src.OutletOrg != "" {
					outlet = pg.Org(src.OutletOrg)
				}
				d.Sources = append(d.Sources, Option{Value: src.ID, Label: src.Title, Title: outlet + " · " + src.Date.Format(time.DateOnly)})
			}
			for i := range formSummaries {
				d.Rows = append(d.Rows, moveRow{I: i, N: i + 1, Pre: "summaries[" + strconv.Itoa(i) + "]"})
			}
			return d, nil
		},
		Save: func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error) {
			st, err := s.Statements.RecordStatement(r.Context(), p, statementInput(form))
			if err != nil {
				return "", err
			}
			return doneAt("/statements/"+url.PathEscape(st.ID), "forms.done.statement"), nil
		},
	}
}

func statementInput(form *web.Form) statement.StatementInput {
	in := statement.StatementInput{Speaker: formText(form, "speaker"), SpeakerTitle: formText(form, "speaker_title"),
		Organisation: form.V("organisation"), Date: formText(form, "date"), Language: form.V("language"), Stance: form.V("stance"),
		Provisions: formList(form, "provisions"), Sources: formList(form, "sources")}
	in.LabelInput = access.LabelInput{Classification: form.V("classification"), RestrictedTo: formList(form, "restricted_to")}
	for i := range formSummaries {
		pre := "summaries[" + strconv.Itoa(i) + "]"
		lang, txt := form.V(pre+".language"), formLongText(form, pre+".text")
		if lang == "" && txt == "" {
			continue
		}
		in.Summaries = append(in.Summaries, statement.Summary{Language: lang, Text: txt})
	}
	return in
}

// Sources.

var sourceFields = []string{"outlet_org", "outlet", "date", "language", "url", "title", "content_sha256", "text", "notes",
	"classification", "restricted_to"}

type sourceFormData struct {
	Orgs, Languages, Classifications []Option
	Today                            string
	Max                              formLimits
	MaxURL                           int
}

// sourceForm records a source (an article); it leads back to the sources.
func (s *Pages) sourceForm() *regForm {
	return &regForm{Title: "forms.source.title", Nav: "sources", Template: "source_form", Path: "/sources/new",
		Fields: sourceFields, May: s.Statements.MayRecordSource,
		Start: func(*http.Request, access.Principal) url.Values {
			return url.Values{"classification": {string(access.Public)}}
		},
		Data: func(r *http.Request, pg *web.Page, p access.Principal) (any, error) {
			return sourceFormData{Orgs: s.orgOptions(r.Context(), pg, p), Languages: translated(pg, "forms.lang.", languageChoices),
				Classifications: classificationOptions(pg), Today: s.Now().In(pg.Location).Format(time.DateOnly),
				Max: formLimits{Name: statement.MaxName, Note: statement.MaxText}, MaxURL: statement.MaxURL}, nil
		},
		Save: func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error) {
			if _, err := s.Statements.RecordSource(r.Context(), p, sourceInput(form)); err != nil {
				return "", err
			}
			return doneAt("/sources", "forms.done.source"), nil
		},
	}
}

func sourceInput(form *web.Form) statement.SourceInput {
	in := statement.SourceInput{OutletOrg: form.V("outlet_org"), Outlet: formText(form, "outlet"), Date: formText(form, "date"),
		Language: form.V("language"), URL: formText(form, "url"), Title: formText(form, "title"),
		ContentSHA256: formText(form, "content_sha256"), Notes: formLongText(form, "notes")}
	// The archived text is hashed as sent: only line breaks are made LF,
	// as anyone hashing a saved copy of the page's text would have them.
	if t := form.V("text"); t != "" {
		in.Text = formLongText(form, "text")
	}
	in.LabelInput = access.LabelInput{Classification: form.V("classification"), RestrictedTo: formList(form, "restricted_to")}
	return in
}

// Evidence links: a record page offers to link the record to a provision
// (GET /evidence/new?kind=&id=), and the link leads back to the record.

var evidenceFields = []string{"provision_id", "note", "at"}

type evidenceFormData struct {
	Kind, ID, Back string
	Provisions     []Option
	Latest         string
	Max            formLimits
}

func (s *Pages) evidenceForm(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "forms.evidence.title", "agreement")
	if !ok {
		return
	}
	q := r.URL.Query()
	form := newForm(url.Values{"record_kind": {q.Get("kind")}, "record_id": {q.Get("id")}})
	s.showEvidenceForm(w, r, pg, p, form, http.StatusOK)
}

func (s *Pages) showEvidenceForm(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, form *web.Form, status int) {
	pg.Title, pg.Nav = "forms.evidence.title", "agreement"
	if err := s.Agreements.MayAddEvidence(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	provisions, err := s.provisionOptions(r.Context(), p)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	kind, id := form.V("record_kind"), form.V("record_id")
	pg.Form = form
	pg.Data = evidenceFormData{Kind: kind, ID: id, Back: recordPath(kind, id), Provisions: provisions,
		Latest: latestInput(s.Now(), pg.Location), Max: formLimits{Note: agreement.MaxEvidenceNote}}
	s.render.Render(w, status, "evidence_form", pg)
}

func (s *Pages) addEvidence(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "forms.evidence.title", "agreement", "")
	if !ok {
		return
	}
	form := &web.Form{Values: r.PostForm}
	done, err := s.submit(w, r, p, form, func() (string, error) {
		kind, id := form.V("record_kind"), form.V("record_id")
		in := agreement.EvidenceLinkInput{RecordKind: kind, RecordID: id, Note: formLongText(form, "note"), At: formTime(form.V("at"), pg.Location)}
		if _, err := s.Agreements.AddEvidence(r.Context(), p, form.V("provision_id"), in); err != nil {
			return "", err
		}
		return doneAt(recordPath(kind, id), "forms.done.evidence"), nil
	})
	if done {
		return
	}
	if !formProblem(err) {
		if errs.CodeOf(err) == errs.CodeNotFound && form.V("provision_id") == "" {
			err = errs.Invalid("provision_id", "choose a provision")
		} else {
			s.pageFail(w, r, pg, err)
			return
		}
	}
	switch f := errs.FieldOf(err); {
	case f == "record_id" && errs.CodeOf(err) == errs.CodeConflict:
		// Already linked to that provision: the choice of provision is at fault.
		err = &errs.Error{Code: errs.CodeConflict, Field: "provision_id", Message: errs.MessageOf(err)}
	case f == "record_id" || f == "record_kind":
		// The record came from the page that led here: nothing to correct
		// in the form, so the message goes to the top.
		err = &errs.Error{Code: errs.CodeOf(err), Message: errs.MessageOf(err)}
	}
	showErrors(pg, form, err, evidenceFields)
	s.showEvidenceForm(w, r, pg, p, form, formStatus(err))
}
