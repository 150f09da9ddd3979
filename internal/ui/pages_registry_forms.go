package ui

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/text"
	"github.com/truce-monitoring/truce/internal/web"
)

// The registries' forms (issue 16, item 4): every registry the API writes
// can be written from a page too. Each form calls the service method the
// API calls, with the reader as principal; a form is offered only when
// the service says the reader may write (its May* method), and its rules
// and limits are the service's: the page shows the service's errors next
// to the fields and takes maxlength and the like from the service's
// constants. After saving, the browser is sent to the record, which
// confirms what was saved (doneAt, s.notice).

// registryFormPages registers the registries' forms.
func (s *Pages) registryFormPages(page func(method, path string, h http.HandlerFunc)) {
	page("GET", "/detainees/new", s.personForm)
	page("POST", "/detainees/new", s.registerPerson)
	page("POST", "/detainees/{id}/events", s.addPersonEvent)
	page("GET", "/exchanges/new", s.exchangeForm)
	page("POST", "/exchanges/new", s.recordExchange)
	for _, f := range []*regForm{s.minefieldForm(), s.handoverForm(), s.remainsForm(), s.movementForm(), s.visitForm(), s.crossingForm(), s.restrictionForm(), s.statementForm(), s.sourceForm()} {
		page("GET", f.Path, s.regFormPage(f))
		page("POST", f.Path, s.regFormSave(f))
	}
	page("GET", "/evidence/new", s.evidenceForm)
	page("POST", "/evidence/new", s.addEvidence)
	page("GET", "/hazard-areas/new", s.hazardForm)
	page("POST", "/hazard-areas/new", s.recordHazard)
	page("GET", "/hazard-areas/{id}/events", s.hazardEventPage)
	page("POST", "/hazard-areas/{id}/events", s.addHazardEvent)
}

// indexRE matches a list index in an error's field path.
var indexRE = regexp.MustCompile(`\[\d+\]`)

// formField is the form's field an error belongs to: the longest of
// fields that is the error's path or a prefix of it ("perimeter[3].lat"
// belongs to "perimeter"; "moves[0].persons[2]" to "moves[0].persons");
// "" when none (the message goes to the top of the page).
func formField(field string, fields []string) string {
	best := ""
	for _, f := range fields {
		if f == field || (strings.HasPrefix(field, f) && (field[len(f)] == '.' || field[len(f)] == '[')) {
			if len(f) > len(best) {
				best = f
			}
		}
	}
	if best == "" && indexRE.MatchString(field) {
		// A list shown as one field: "districts[2]" belongs to "districts".
		return formField(indexRE.ReplaceAllString(field, ""), fields)
	}
	return best
}

// showErrors puts each of the service's errors (all of a form's at once)
// next to the form's field it concerns (see formField), or at the top of
// the page, keeping its reason so that the page says it in its language.
func showErrors(pg *web.Page, form *web.Form, err error, fields []string) {
	if err == nil {
		return
	}
	all := errs.All(err)
	if len(all) == 0 {
		formErrors(pg, form, err)
		return
	}
	mapped := &errs.List{Errs: make([]*errs.Error, len(all))}
	for i, e := range all {
		c := *e
		if c.Field != "" {
			c.Field = formField(c.Field, fields)
		}
		mapped.Errs[i] = &c
	}
	formErrors(pg, form, mapped)
}

// formText is a single-line text field as typed, without the blanks a
// browser keeps around it.
func formText(form *web.Form, name string) string { return strings.TrimSpace(form.V(name)) }

// formLongText is a textarea's text with the browser's CRLF line breaks
// made LF.
func formLongText(form *web.Form, name string) string {
	return strings.TrimSpace(text.NormalizeNewlines(form.V(name)))
}

// formList is the non-empty values of a repeated field (checkboxes, a
// multiple select).
func formList(form *web.Form, name string) []string {
	var out []string
	for _, v := range form.Values[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// formLines is a textarea's non-blank lines.
func formLines(form *web.Form, name string) []string {
	var out []string
	for _, l := range strings.Split(text.NormalizeNewlines(form.V(name)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// latestInput is the max of a datetime-local input: now in the reader's
// time zone (the services refuse times in the future).
func latestInput(now time.Time, loc *time.Location) string {
	return now.In(loc).Format("2006-01-02T15:04")
}

// orgOptions lists every organisation the reader may read, by name.
func (s *Pages) orgOptions(ctx context.Context, pg *web.Page, p access.Principal) []Option {
	n := s.names.get(ctx, s, p)
	out := make([]Option, 0, len(n.orgs))
	for id := range n.orgs {
		out = append(out, Option{Value: id, Label: pg.Org(id)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// classificationOptions are the labels a registry record may carry.
func classificationOptions(pg *web.Page) []Option {
	return translated(pg, "classification.", []string{string(access.Mission), string(access.Restricted), string(access.Public)})
}

// newForm is an empty form with a fresh idempotency key.
func newForm(values url.Values) *web.Form {
	if values == nil {
		values = url.Values{}
	}
	return &web.Form{Values: values, Key: newFormKey()}
}

// registryFormOffers adds to every page what the registries' forms offer
// the reader, as the services answer — $.May "new_person",
// "new_exchange", "new_remains", "new_minefield", "new_handover",
// "new_hazard_area", "new_movement", "new_visit", "new_crossing",
// "new_restriction", "new_statement", "new_source", "new_evidence".
func (s *Pages) registryFormOffers(pg *web.Page, p access.Principal) {
	if s.Detainees != nil {
		pg.Offers["new_person"] = s.Detainees.MayRegister(p) == nil
		pg.Offers["new_exchange"] = s.Detainees.MayRecordExchange(p) == nil
		pg.Offers["new_remains"] = s.Detainees.MayRecordRemains(p) == nil
	}
	if s.Mines != nil {
		pg.Offers["new_minefield"] = s.Mines.MayRecordMinefield(p) == nil
		pg.Offers["new_handover"] = s.Mines.MayRecordHandover(p) == nil
		pg.Offers["new_hazard_area"] = s.Mines.MayRecordHazardArea(p) == nil
	}
	if s.Returns != nil {
		pg.Offers["new_movement"] = s.Returns.MayRecordMovement(p) == nil
		pg.Offers["new_visit"] = s.Returns.MayRecordVisit(p) == nil
	}
	if s.Transit != nil {
		pg.Offers["new_crossing"] = s.Transit.MayRecordCrossing(p) == nil
		pg.Offers["new_restriction"] = s.Transit.MayRecordRestriction(p) == nil
	}
	if s.Statements != nil {
		pg.Offers["new_statement"] = s.Statements.MayRecordStatement(p) == nil
		pg.Offers["new_source"] = s.Statements.MayRecordSource(p) == nil
	}
	if s.Agreements != nil {
		pg.Offers["new_evidence"] = s.Agreements.MayAddEvidence(p) == nil
	}
}
