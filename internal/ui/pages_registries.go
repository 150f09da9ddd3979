package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
	"github.com/truce-monitoring/truce/internal/web"
)

// The registries' pages (issue 6): lists with filters in the query and
// cursor pagination, and a detail page where a record has more to show
// than its row. Every page reads through the services, which apply the
// access policy (detainees' identity is masked there, not here).

// registryListLimit is how many rows a registry list shows at a time.
const registryListLimit = 50

// registryNav is the registries' entries in the navigation, in the order
// shown. It is built on each call: nothing is shared between requests.
func registryNav() []web.NavItem {
	return []web.NavItem{
		{Key: "detainees", Path: "/detainees", Label: "nav.detainees"},
		{Key: "exchanges", Path: "/exchanges", Label: "nav.exchanges"},
		{Key: "remains", Path: "/remains", Label: "nav.remains"},
		{Key: "minefields", Path: "/minefields", Label: "nav.minefields"},
		{Key: "hazard_areas", Path: "/hazard-areas", Label: "nav.hazard_areas"},
		{Key: "handovers", Path: "/handovers", Label: "nav.handovers"},
		{Key: "returns", Path: "/returns", Label: "nav.returns"},
		{Key: "return_visits", Path: "/return-visits", Label: "nav.return_visits"},
		{Key: "crossings", Path: "/crossings", Label: "nav.crossings"},
		{Key: "corridor", Path: "/corridor", Label: "nav.corridor"},
		{Key: "statements", Path: "/statements", Label: "nav.statements"},
		{Key: "sources", Path: "/sources", Label: "nav.sources"},
	}
}

// registryPages registers the registries' pages.
func (s *Pages) registryPages(page func(method, path string, h http.HandlerFunc)) {
	page("GET", "/detainees", s.detaineesPage)
	page("GET", "/detainees/{id}", s.detaineePage)
	page("GET", "/exchanges", s.exchangesPage)
	page("GET", "/exchanges/{id}", s.exchangePage)
	page("GET", "/remains", s.remainsPage)
	page("GET", "/minefields", s.minefieldsPage)
	page("GET", "/minefields/{id}", s.minefieldPage)
	page("GET", "/hazard-areas", s.hazardAreasPage)
	page("GET", "/handovers", s.handoversPage)
	page("GET", "/returns", s.returnsPage)
	page("GET", "/return-visits", s.returnVisitsPage)
	page("GET", "/crossings", s.crossingsPage)
	page("GET", "/corridor", s.corridorPage)
	page("GET", "/statements", s.statementsPage)
	page("GET", "/statements/{id}", s.statementPage)
	page("GET", "/sources", s.sourcesPage)
}

// listData is what a registry list shows: one numbered page of rows, its
// total and pager, the sides for the filters and the page's own extras.
type listData[T any] struct {
	Items []T
	List  *ListView // the list's total, pages and order (list.go)
	Sides []agreement.Organisation
	Extra any
}

// moreURL is this list's address for the page after cursor next.
func moreURL(r *http.Request, next string) string {
	if next == "" {
		return ""
	}
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		q[k] = vs
	}
	q.Set("cursor", next)
	return r.URL.Path + "?" + q.Encode()
}

// queryTime reads an optional date (YYYY-MM-DD) or RFC 3339 time from the
// query; a date as the end of a window means the end of that day.
func queryTime(r *http.Request, field string, end bool) (time.Time, error) {
	v := r.URL.Query().Get(field)
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil || len(v) > 40 {
		return time.Time{}, errs.Invalid(field, "must be a date such as 2021-06-10 or a time such as 2021-06-10T06:00:00Z")
	}
	return t.UTC(), nil
}

// queryWindow reads from and to; to must come after from.
func queryWindow(r *http.Request) (from, to time.Time, err error) {
	if from, err = queryTime(r, "from", false); err != nil {
		return
	}
	if to, err = queryTime(r, "to", true); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		err = errs.Invalid("to", "must be after from")
	}
	return
}

// queryChoice reads an optional value that must be one of allowed.
func queryChoice(r *http.Request, field string, allowed []string) (string, error) {
	v := r.URL.Query().Get(field)
	if v != "" && !slices.Contains(allowed, v) {
		return "", errs.Invalid(field, "is not one of the choices offered")
	}
	return v, nil
}

// registryPage starts a registry page: the reader, the filters typed so
// far (shown again in the form) and the sides for the filters' choices.
func (s *Pages) registryPage(w http.ResponseWriter, r *http.Request, title, nav string) (*web.Page, access.Principal, []agreement.Organisation, bool) {
	pg, p, ok := s.reader(w, r, title, nav)
	if !ok {
		return nil, p, nil, false
	}
	pg.Form = &web.Form{Values: r.URL.Query()}
	sides, err := s.Agreements.Parties(r.Context(), pg.Reader())
	if err != nil {
		s.pageFail(w, r, pg, err)
		return nil, p, nil, false
	}
	return pg, p, sides, true
}

// renderList shows a list, or, when the filters were refused, the form
// with the message next to the field at fault and no rows (400, never a
// 500); other errors become an error page.
func (s *Pages) renderList(w http.ResponseWriter, r *http.Request, pg *web.Page, name string, data any, err error) {
	if err != nil && errs.CodeOf(err) != errs.CodeInvalid {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Data = data
	status := http.StatusOK
	if err != nil {
		formErrors(pg, pg.Form, err)
		status = http.StatusBadRequest
	}
	s.render.Render(w, status, name, pg)
}

// Detainees.

type detaineesExtra struct {
	Statuses, Categories []string
	Identity             bool // some row carries identity the reader may see
	Counts               detainee.Counts
}

func (s *Pages) detaineesPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "detainees.title", "detainees")
	if !ok {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	extra := detaineesExtra{Statuses: detainee.Statuses, Categories: detainee.Categories}
	d := listData[detainee.Person]{Sides: sides}
	var err error
	extra.Counts, err = s.Detainees.Counts(ctx, p, s.Now())
	if err == nil {
		f := detainee.PersonFilter{Status: q.Get("status"), Category: q.Get("category"), HeldBy: q.Get("held_by"), Nationality: q.Get("nationality")}
		var lq store.ListQuery
		if lq, err = store.ParseListQuery(q); err == nil {
			var list store.Numbered[detainee.Person]
			if list, err = s.Detainees.NumberedPersons(ctx, p, f, lq); err == nil {
				d.Items, d.List = list.Items, newListView(r, list)
			}
		}
	}
	for _, it := range d.Items {
		if !it.Masked && it.Identity != nil {
			extra.Identity = true
		}
	}
	d.Extra = extra
	s.renderList(w, r, pg, "detainees", d, err)
}

type detaineeData struct {
	Person    detainee.Person
	Exchanges []detainee.Exchange
	Actions   *personActions // what the reader may do here (pages_registry_forms_detainee.go)
}

func (s *Pages) detaineePage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "detainee.title", "detainees")
	if !ok {
		return
	}
	person, err := s.Detainees.GetPerson(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d := detaineeData{Person: person}
	ex, err := s.Detainees.ListExchanges(r.Context(), p, detainee.ExchangeFilter{PersonID: person.ID}, store.PageRequest{Limit: registryListLimit})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d.Exchanges = ex.Items
	d.Actions = s.personActions(r, pg, p, person, nil)
	pg.Data = d
	s.render.Render(w, http.StatusOK, "detainee", pg)
}

// Exchanges and remains.

func (s *Pages) exchangesPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "exchanges.title", "exchanges")
	if !ok {
		return
	}
	d := listData[detainee.Exchange]{Sides: sides}
	from, to, err := queryWindow(r)
	if err == nil {
		f := detainee.ExchangeFilter{PersonID: r.URL.Query().Get("person"), From: from, To: to}
		var lq store.ListQuery
		if lq, err = store.ParseListQuery(r.URL.Query()); err == nil {
			var list store.Numbered[detainee.Exchange]
			if list, err = s.Detainees.NumberedExchanges(r.Context(), p, f, lq); err == nil {
				d.Items, d.List = list.Items, newListView(r, list)
			}
		}
	}
	s.renderList(w, r, pg, "exchanges", d, err)
}

type exchangeData struct {
	Exchange  detainee.Exchange
	Handovers []mines.Handover
}

func (s *Pages) exchangePage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "exchange.title", "exchanges")
	if !ok {
		return
	}
	ex, err := s.Detainees.GetExchange(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	hs, err := s.Mines.ListHandovers(r.Context(), p, mines.HandoverFilter{ExchangeID: ex.ID}, store.PageRequest{Limit: registryListLimit})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Data = exchangeData{Exchange: ex, Handovers: hs.Items}
	s.render.Render(w, http.StatusOK, "exchange", pg)
}

func (s *Pages) remainsPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "remains.title", "remains")
	if !ok {
		return
	}
	d := listData[detainee.Remains]{Sides: sides}
	counts, err := s.Detainees.CountRemains(r.Context(), p, s.Now())
	if err == nil {
		var lq store.ListQuery
		if lq, err = store.ParseListQuery(r.URL.Query()); err == nil {
			var list store.Numbered[detainee.Remains]
			if list, err = s.Detainees.NumberedRemains(r.Context(), p, struct{}{}, lq); err == nil {
				d.Items, d.List = list.Items, newListView(r, list)
			}
		}
	}
	d.Extra = counts
	s.renderList(w, r, pg, "remains", d, err)
}

// Mines.

func (s *Pages) minefieldsPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "minefields.title", "minefields")
	if !ok {
		return
	}
	q := r.URL.Query()
	d := listData[mines.Minefield]{Sides: sides}
	var err error
	if len(q.Get("district")) > 200 {
		err = errs.Invalid("district", "is too long")
	} else {
		f := mines.MinefieldFilter{LaidBy: q.Get("laid_by"), District: q.Get("district")}
		err = numberedInto(r, p, &d, f, s.Mines.NumberedMinefields)
	}
	s.renderList(w, r, pg, "minefields", d, err)
}

type minefieldData struct {
	Minefield mines.Minefield
	BBox      string // the map's first view: the perimeter with a margin
}

func (s *Pages) minefieldPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "minefield.title", "minefields")
	if !ok {
		return
	}
	mf, err := s.Mines.GetMinefield(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d := minefieldData{Minefield: mf, BBox: boxAround(mf.Extent)}
	pg.Data = d
	s.render.Render(w, http.StatusOK, "minefield", pg)
}

// boxAround is the "west,south,east,north" view of an extent with a
// margin of a third of its size (at least about 500 m) on each side.
func boxAround(b geo.BBox) string {
	mLat := max((b.MaxLat-b.MinLat)/3, 0.005)
	mLon := max((b.MaxLon-b.MinLon)/3, 0.005)
	return fmtDeg(b.MinLon-mLon) + "," + fmtDeg(b.MinLat-mLat) + "," + fmtDeg(b.MaxLon+mLon) + "," + fmtDeg(b.MaxLat+mLat)
}

func fmtDeg(v float64) string { return strconv.FormatFloat(v, 'f', 5, 64) }

func (s *Pages) hazardAreasPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "hazard_areas.title", "hazard_areas")
	if !ok {
		return
	}
	q := r.URL.Query()
	d := listData[mines.HazardArea]{Sides: sides, Extra: mines.Statuses}
	status, err := queryChoice(r, "status", mines.Statuses)
	if err == nil && len(q.Get("district")) > 200 {
		err = errs.Invalid("district", "is too long")
	}
	if err == nil {
		err = numberedInto(r, p, &d, mines.HazardAreaFilter{District: q.Get("district"), Status: status}, s.Mines.NumberedHazardAreas)
	}
	s.renderList(w, r, pg, "hazard_areas", d, err)
}

func (s *Pages) handoversPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "handovers.title", "handovers")
	if !ok {
		return
	}
	q := r.URL.Query()
	d := listData[mines.Handover]{Sides: sides}
	var err error
	for _, f := range []string{"from", "to"} {
		if v := q.Get(f); v != "" && err == nil {
			if _, perr := time.Parse(time.DateOnly, v); perr != nil {
				err = errs.Invalid(f, "must be a date such as 2021-06-10")
			}
		}
	}
	if err == nil && q.Get("from") != "" && q.Get("to") != "" && q.Get("to") < q.Get("from") {
		// Said of the page's own field, as the other lists say it.
		err = errs.Invalid("to", "must be after from")
	}
	if err == nil {
		f := mines.HandoverFilter{FromSide: q.Get("from_side"), ToSide: q.Get("to_side"), ExchangeID: q.Get("exchange"), FromDay: q.Get("from"), ToDay: q.Get("to")}
		err = numberedInto(r, p, &d, f, s.Mines.NumberedHandovers)
	}
	s.renderList(w, r, pg, "handovers", d, err)
}

// Returns.

// movementKinds are the kinds of movement the returns filter offers.
func movementKinds() []string {
	return []string{returns.KindOrganised, returns.KindSpontaneous, returns.KindMixed}
}

type returnsExtra struct {
	Kinds  []string
	Totals []returns.TotalRow
	Sum    returns.TotalRow
}

func (s *Pages) returnsPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "returns.title", "returns")
	if !ok {
		return
	}
	d := listData[returns.Movement]{Sides: sides}
	extra := returnsExtra{Kinds: movementKinds()}
	from, to, err := queryWindow(r)
	var kind string
	if err == nil {
		kind, err = queryChoice(r, "kind", movementKinds())
	}
	if err == nil {
		w := returns.Window{From: from, To: to}
		f := returns.MovementFilter{Window: w, Kind: kind, DestinationPlaceID: r.URL.Query().Get("destination")}
		if err = numberedInto(r, p, &d, f, s.Returns.NumberedMovements); err == nil {
			extra.Totals, err = s.Returns.Totals(r.Context(), p, w, "month")
		}
	}
	for _, t := range extra.Totals {
		extra.Sum.Movements += t.Movements
		extra.Sum.People += t.People
		extra.Sum.Organised += t.Organised
		extra.Sum.Spontaneous += t.Spontaneous
		extra.Sum.Mixed += t.Mixed
	}
	d.Extra = extra
	s.renderList(w, r, pg, "returns", d, err)
}

func (s *Pages) returnVisitsPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "return_visits.title", "return_visits")
	if !ok {
		return
	}
	d := listData[returns.Visit]{Sides: sides, Extra: returns.Ratings}
	from, to, err := queryWindow(r)
	overdue, oerr := queryChoice(r, "overdue", []string{"1"})
	if err == nil {
		err = oerr
	}
	if err == nil {
		f := returns.VisitFilter{Window: returns.Window{From: from, To: to}, PlaceID: r.URL.Query().Get("place"), Overdue: overdue == "1"}
		err = numberedInto(r, p, &d, f, s.Returns.NumberedVisits)
	}
	s.renderList(w, r, pg, "return_visits", d, err)
}

// Crossings and the corridor.

func (s *Pages) crossingsPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "crossings.title", "crossings")
	if !ok {
		return
	}
	d := listData[transit.Crossing]{Sides: sides}
	from, to, err := queryWindow(r)
	var flagged, direction string
	if err == nil {
		flagged, err = queryChoice(r, "flagged", []string{"1"})
	}
	if err == nil {
		direction, err = queryChoice(r, "direction", []string{transit.TowardsStart, transit.TowardsEnd})
	}
	var lq store.ListQuery
	if err == nil {
		lq, err = store.ParseListQuery(r.URL.Query())
	}
	if err == nil {
		var list store.Numbered[transit.Crossing]
		f := transit.CrossingFilter{Window: transit.Window{From: from, To: to}, CheckpointID: r.URL.Query().Get("checkpoint"),
			Direction: direction, Flagged: flagged == "1"}
		if list, err = s.Transit.NumberedCrossings(r.Context(), p, f, lq); err == nil {
			d.Items, d.List = list.Items, newListView(r, list)
		}
	}
	s.renderList(w, r, pg, "crossings", d, err)
}

type corridorData struct {
	Now, Then *transit.Status // Then: at the time asked for, when one was
	Recent    []transit.Restriction
}

func (s *Pages) corridorPage(w http.ResponseWriter, r *http.Request) {
	pg, p, _, ok := s.registryPage(w, r, "corridor.title", "corridor")
	if !ok {
		return
	}
	ctx := r.Context()
	var d corridorData
	now, err := s.Transit.StatusAt(ctx, p, s.Now(), "", "")
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d.Now = &now
	at, err := queryTime(r, "at", false)
	if err == nil && !at.IsZero() {
		var then transit.Status
		if then, err = s.Transit.StatusAt(ctx, p, at, "", ""); err == nil {
			d.Then = &then
		}
	}
	if err == nil {
		var list store.Page[transit.Restriction]
		if list, err = s.Transit.ListRestrictions(ctx, p, transit.RestrictionFilter{}, store.PageRequest{Limit: 10}); err == nil {
			d.Recent = list.Items
		}
	}
	s.renderList(w, r, pg, "corridor", d, err)
}

// Statements and sources.

func (s *Pages) statementsPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "statements.title", "statements")
	if !ok {
		return
	}
	q := r.URL.Query()
	d := listData[statement.Statement]{Sides: sides, Extra: statement.Stances}
	from, to, err := queryWindow(r)
	var stance string
	if err == nil {
		stance, err = queryChoice(r, "stance", statement.Stances)
	}
	if err == nil && len(q.Get("q")) > 200 {
		err = errs.Invalid("q", "is too long")
	}
	if err == nil {
		f := statement.StatementFilter{Organisation: q.Get("organisation"), Stance: stance, Source: q.Get("source"), From: from, To: to, Query: q.Get("q")}
		err = numberedInto(r, p, &d, f, s.Statements.NumberedStatements)
	}
	s.renderList(w, r, pg, "statements", d, err)
}

type statementData struct {
	Statement statement.Statement
	Sources   []statement.Source
}

func (s *Pages) statementPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "statement.title", "statements")
	if !ok {
		return
	}
	st, err := s.Statements.GetStatement(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d := statementData{Statement: st}
	for _, id := range st.Sources {
		// A source the reader may not see is left out, not an error.
		if src, err := s.Statements.GetSource(r.Context(), p, id); err == nil {
			d.Sources = append(d.Sources, src)
		}
	}
	pg.Data = d
	s.render.Render(w, http.StatusOK, "statement", pg)
}

func (s *Pages) sourcesPage(w http.ResponseWriter, r *http.Request) {
	pg, p, sides, ok := s.registryPage(w, r, "sources.title", "sources")
	if !ok {
		return
	}
	q := r.URL.Query()
	d := listData[statement.Source]{Sides: sides}
	from, to, err := queryWindow(r)
	if err == nil {
		f := statement.SourceFilter{OutletOrg: q.Get("outlet"), Language: q.Get("language"), From: from, To: to}
		err = numberedInto(r, p, &d, f, s.Statements.NumberedSources)
	}
	s.renderList(w, r, pg, "sources", d, err)
}

// The dashboard's registries section: the latest records of each (the
// demo's records are from 2020–2021, so "the last week" would show none).

const dashboardLatest = 5

func (s *Pages) latestRegistries(r *http.Request, p access.Principal, pg *web.Page) ([]RegistrySection, error) {
	ctx := r.Context()
	var out []RegistrySection

	// Exchanges are listed oldest first and are few: read to the end.
	var exchanges []detainee.Exchange
	req := store.PageRequest{Limit: store.MaxLimit}
	for {
		list, err := s.Detainees.ListExchanges(ctx, p, detainee.ExchangeFilter{}, req)
		if err != nil {
			return nil, err
		}
		exchanges = append(exchanges, list.Items...)
		if len(exchanges) > dashboardLatest {
			exchanges = exchanges[len(exchanges)-dashboardLatest:]
		}
		if list.Next == "" {
			break
		}
		req.Cursor = list.Next
	}
	sec := RegistrySection{Title: "dashboard.latest_exchanges", More: "/exchanges"}
	for i := len(exchanges) - 1; i >= 0; i-- {
		e := exchanges[i]
		sec.Rows = append(sec.Rows, RegistryRow{At: e.At, URL: "/exchanges/" + e.ID, Text: pg.T("dashboard.exchange_row", "n", e.Total)})
	}
	out = append(out, sec)

	moves, err := s.Returns.ListMovements(ctx, p, returns.MovementFilter{}, store.PageRequest{Limit: dashboardLatest})
	if err != nil {
		return nil, err
	}
	sec = RegistrySection{Title: "dashboard.latest_returns", More: "/returns"}
	for _, m := range moves.Items {
		sec.Rows = append(sec.Rows, RegistryRow{At: m.Date, URL: "/returns?destination=" + url.QueryEscape(m.DestinationPlaceID),
			Text: pg.T("dashboard.return_row", "n", m.Total, "place", m.DestinationName)})
	}
	out = append(out, sec)

	crossings, err := s.Transit.ListCrossings(ctx, p, transit.CrossingFilter{}, store.PageRequest{Limit: dashboardLatest})
	if err != nil {
		return nil, err
	}
	sec = RegistrySection{Title: "dashboard.latest_crossings", More: "/crossings"}
	for _, c := range crossings.Items {
		sec.Rows = append(sec.Rows, RegistryRow{At: c.At, URL: "/crossings?checkpoint=" + url.QueryEscape(c.CheckpointID),
			Text: pg.T("dashboard.crossing_row", "people", c.People, "vehicles", c.Vehicles, "place", c.CheckpointName)})
	}
	return append(out, sec), nil
}
