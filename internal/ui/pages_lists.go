package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// The lists of allegations, observations and incidents (issue 16): the
// list kit's filters, sort, total and numbered pages over the services'
// numbered lists, and bulk actions that call the service for each
// selected record and say which were refused and why.

func (s *Pages) listPages(page func(method, path string, h http.HandlerFunc)) {
	page("GET", "/incidents", s.incidentsList)
	page("POST", "/incidents/bulk", s.incidentsBulk)
	page("GET", "/incidents/bulk", backToList)
	page("GET", "/allegations", s.allegationsList)
	page("POST", "/allegations/bulk", s.allegationsBulk)
	page("GET", "/allegations/bulk", backToList)
	page("GET", "/observations", s.observationsList)
}

// ZoneOption is a zone the filters offer, by its name in the reader's
// language.
type ZoneOption struct{ ID, Name string }

// listPageData is what the three list pages show.
type listPageData struct {
	Path       string // the list's address, without the query
	Items      any
	List       *ListView
	Sides      []agreement.Organisation
	Zones      []ZoneOption
	Places     []Option // the gazetteer, by the reader's names
	Categories []string
	Statuses   []string
	Kinds      []string // allegations: kinds of source; observations: kinds
	Outcomes   []string
	Sorts      []string
	Selectable map[string]bool // rows a bulk action may take
	BulkSteps  []string        // incidents: steps offered for the selection
	Bulk       *BulkResult     // what the last bulk action did
}

// listChoices fills the filters' choices: sides, zones, categories,
// places.
func (s *Pages) listChoices(ctx context.Context, pg *web.Page, p access.Principal, d *listPageData) error {
	var err error
	if d.Sides, err = s.Agreements.Parties(ctx, pg.Reader()); err != nil {
		return err
	}
	zones, err := s.Geo.ListLayers(ctx, p, geo.LayerFilter{Kind: geo.KindZone}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	for _, z := range zones.Items {
		name := z.Name
		if n := z.Names[pg.Lang]; n != "" {
			name = n
		}
		d.Zones = append(d.Zones, ZoneOption{ID: z.ID, Name: name})
	}
	d.Categories = categoryCodes()
	d.Places = s.placeOptions(ctx, pg, p)
	return nil
}

// startList begins a list page: the reader, the filters typed (shown
// again) and the filters' choices.
func (s *Pages) startList(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, d *listPageData) bool {
	pg.Form = &web.Form{Values: r.URL.Query()}
	d.Path = r.URL.Path
	if err := s.listChoices(r.Context(), pg, p, d); err != nil {
		s.pageFail(w, r, pg, err)
		return false
	}
	return true
}

// Incidents.

func (s *Pages) incidentsList(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "incidents.title", "incidents")
	if !ok {
		return
	}
	s.showIncidents(w, r, pg, p, nil)
}

func (s *Pages) showIncidents(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, bulk *BulkResult) {
	d := listPageData{Statuses: incident.Statuses, Outcomes: incident.Outcomes(), Sorts: incident.IncidentSorts, Bulk: bulk}
	if !s.startList(w, r, pg, p, &d) {
		return
	}
	f, q, err := listQuery(r, incident.ParseIncidentFilter)
	var list store.Numbered[incident.Incident]
	if err == nil {
		list, err = s.Incidents.NumberedIncidents(r.Context(), p, f, q)
	}
	if err != nil {
		s.listFail(w, r, pg, "incidents", d, err)
		return
	}
	d.Items, d.List, d.Selectable = list.Items, newListView(r, list), map[string]bool{}
	for _, inc := range list.Items {
		steps := incident.BulkSteps(p, inc)
		d.Selectable[inc.ID] = len(steps) > 0
		for _, st := range steps {
			if !slices.Contains(d.BulkSteps, st) {
				d.BulkSteps = append(d.BulkSteps, st)
			}
		}
	}
	pg.Data = d
	s.render.Render(w, http.StatusOK, "incidents", pg)
}

func (s *Pages) incidentsBulk(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "incidents.title", "incidents", "")
	if !ok {
		return
	}
	restoreList(r)
	out, err := s.Incidents.TransitionMany(r.Context(), p, r.PostForm["id"], incident.TransitionInput{To: r.PostForm.Get("to")})
	s.showIncidents(w, r, pg, p, bulkResult(pg, "/incidents/", out, err))
}

// Allegations.

func (s *Pages) allegationsList(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "lists.allegations", "allegations")
	if !ok {
		return
	}
	s.showAllegations(w, r, pg, p, nil)
}

func (s *Pages) showAllegations(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, bulk *BulkResult) {
	d := listPageData{Statuses: incident.AllegationStatuses, Kinds: incident.SourceKinds(), Sorts: incident.AllegationSorts, Bulk: bulk}
	if !s.startList(w, r, pg, p, &d) {
		return
	}
	f, q, err := listQuery(r, incident.ParseAllegationFilter)
	var list store.Numbered[incident.Allegation]
	if err == nil {
		list, err = s.Incidents.NumberedAllegations(r.Context(), p, f, q)
	}
	if err != nil {
		s.listFail(w, r, pg, "allegations", d, err)
		return
	}
	d.Items, d.List, d.Selectable = list.Items, newListView(r, list), map[string]bool{}
	for _, a := range list.Items {
		d.Selectable[a.ID] = incident.MayWithdraw(p, a)
	}
	pg.Data = d
	s.render.Render(w, http.StatusOK, "allegations", pg)
}

func (s *Pages) allegationsBulk(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "lists.allegations", "allegations", "")
	if !ok {
		return
	}
	restoreList(r)
	out, err := s.Incidents.WithdrawMany(r.Context(), p, r.PostForm["id"], r.PostForm.Get("reason"))
	s.showAllegations(w, r, pg, p, bulkResult(pg, "/allegations/", out, err))
}

// Observations.

func (s *Pages) observationsList(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "lists.observations", "observations")
	if !ok {
		return
	}
	d := listPageData{Kinds: incident.ObservationKindCodes(), Sorts: incident.ObservationSorts}
	if !s.startList(w, r, pg, p, &d) {
		return
	}
	f, q, err := listQuery(r, incident.ParseObservationFilter)
	var list store.Numbered[incident.Observation]
	if err == nil {
		list, err = s.Incidents.NumberedObservations(r.Context(), p, f, q)
	}
	if err != nil {
		s.listFail(w, r, pg, "observations", d, err)
		return
	}
	d.Items, d.List = list.Items, newListView(r, list)
	pg.Data = d
	s.render.Render(w, http.StatusOK, "observations", pg)
}

// backToList answers a bulk action's address read again (a reload, the
// language switcher) with its list: the action itself is only ever posted.
func backToList(w http.ResponseWriter, r *http.Request) {
	to := strings.TrimSuffix(r.URL.Path, "/bulk")
	if r.URL.RawQuery != "" {
		to += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// restoreList makes a bulk action's request read as the list it was sent
// from: the list's filters, sort and page travel in the form's "list".
func restoreList(r *http.Request) {
	list := r.PostForm.Get("list")
	if _, err := url.ParseQuery(list); err != nil || len(list) > 4000 {
		list = ""
	}
	r.URL.RawQuery = list
	r.URL.Path = strings.TrimSuffix(r.URL.Path, "/bulk")
}

// bulkResult is the confirmation of a bulk action: how many were done and
// why each other was refused, in the page's language. An error of the
// whole action (nothing selected) is shown as the one refusal.
func bulkResult(pg *web.Page, path string, out []incident.Outcome, err error) *BulkResult {
	res := &BulkResult{}
	if err != nil {
		res.Refused = append(res.Refused, BulkRefusal{Message: refusal(pg, err)})
		return res
	}
	for _, o := range out {
		if o.Err == nil {
			res.Done++
			continue
		}
		res.Refused = append(res.Refused, BulkRefusal{ID: o.ID, URL: path + url.PathEscape(o.ID), Message: refusal(pg, o.Err)})
	}
	return res
}

// refusal says in the page's language why a record was not changed.
func refusal(pg *web.Page, err error) string {
	switch errs.CodeOf(err) {
	case errs.CodeForbidden:
		return pg.T("lists.refused.forbidden")
	case errs.CodeNotFound:
		return pg.T("lists.refused.not_found")
	case errs.CodeConflict:
		return pg.T("lists.refused.conflict")
	case errs.CodeInvalid:
		if errs.FieldOf(err) == "ids" {
			return pg.T("lists.refused.none_selected")
		}
		if errs.FieldOf(err) == "reason" {
			return pg.T("lists.refused.reason")
		}
		return pg.T("lists.refused.invalid")
	}
	return pg.T("error.internal.text")
}
