package report

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

const timeText = "2006-01-02T15:04:05Z"

// changeTime is the layout of the change log's times.
const changeTime = "2006-01-02T15:04:05.000000Z"

// SeriesDays is how many reporting days the daily report's charts cover.
const SeriesDays = 30

// daily builds the daily report of day as p reads it.
func (s *Service) daily(ctx context.Context, p access.Principal, day time.Time) (*Report, error) {
	per := s.dayPeriod(day)
	prev := s.dayPeriod(day.AddDate(0, 0, -1))
	rep := &Report{
		Title:    "Daily report of " + day.Format("2 January 2006"),
		Period:   per,
		Previous: &prev,
	}
	if err := s.fill(ctx, p, rep, per, prev, day.AddDate(0, 0, -(SeriesDays-1)), day); err != nil {
		return nil, err
	}
	return rep, nil
}

// summary builds the periodic summary of the reporting days from..to.
func (s *Service) summary(ctx context.Context, p access.Principal, from, to time.Time) (*Report, error) {
	days := int(to.Sub(from).Hours()/24) + 1
	per := s.period(s.dayPeriod(from).From, s.dayPeriod(to).To)
	prev := s.period(s.dayPeriod(from.AddDate(0, 0, -days)).From, per.From)
	rep := &Report{
		Title:    fmt.Sprintf("Summary of %s to %s", from.Format("2 January 2006"), to.Format("2 January 2006")),
		Period:   per,
		Previous: &prev,
	}
	if err := s.fill(ctx, p, rep, per, prev, from, to); err != nil {
		return nil, err
	}
	return rep, nil
}

// fill computes every section of a daily report or summary.
func (s *Service) fill(ctx context.Context, p access.Principal, rep *Report, per, prev Period, seriesFrom, seriesTo time.Time) error {
	sides, err := s.agreements.Parties(ctx, p)
	if err != nil {
		return err
	}
	for _, o := range sides {
		org := Org{ID: o.ID, Name: o.Name}
		for _, lang := range Languages() {
			if n := o.Names[lang]; n != "" {
				if org.Names == nil {
					org.Names = map[string]string{}
				}
				org.Names[lang] = n
			}
		}
		rep.Sides = append(rep.Sides, org)
	}
	rep.VerifiedColumns = append(append([]Org{}, rep.Sides...), Org{ID: incident.AttributionBoth, Name: "both sides"}, Org{ID: incident.AttributionUndetermined, Name: "undetermined"})
	zones, layers, err := s.layers(ctx, p, per.To)
	if err != nil {
		return err
	}
	factsFrom := s.dayPeriod(seriesFrom).From
	if prev.From.Before(factsFrom) {
		factsFrom = prev.From
	}
	facts, err := s.facts(ctx, p, factsFrom, per.To)
	if err != nil {
		return err
	}
	rep.Violations = s.violations(facts, per, prev, zones)
	if rep.Workflow, err = s.workflow(ctx, p, per); err != nil {
		return err
	}
	prevWork, err := s.workflow(ctx, p, prev)
	if err != nil {
		return err
	}
	if rep.Movement, err = s.movement(ctx, p, per, prev, zones, rep.Sides); err != nil {
		return err
	}
	if rep.Humanitarian, err = s.humanitarianSection(ctx, p, per); err != nil {
		return err
	}
	if rep.Agreement, err = s.agreementSection(ctx, p, per); err != nil {
		return err
	}
	prevAgreement, err := s.agreementSection(ctx, p, prev)
	if err != nil {
		return err
	}
	rep.Series = series(facts, rep.Sides, seriesFrom, seriesTo)
	rep.Map = &MapData{Layers: layers}
	for _, in := range rep.Workflow.Incidents {
		class := "open"
		switch {
		case in.Outcome == incident.Substantiated:
			class = "verified"
		case in.Status == incident.Closed:
			class = "closed"
		}
		rep.Map.Points = append(rep.Map.Points, MapPoint{ID: in.ID, Label: in.Title, Point: geo.Point{Lat: in.Lat, Lon: in.Lon}, Class: class})
	}
	obs, err := s.observationPoints(ctx, p, per)
	if err != nil {
		return err
	}
	rep.Map.Points = append(rep.Map.Points, obs...)
	if !p.Authenticated() { // the public edition
		if rep.Withheld, err = s.withheld(ctx, per); err != nil {
			return err
		}
	}

	v, pv := rep.Violations.Total, rep.Violations.Previous
	for _, side := range rep.Sides {
		rep.Summary = append(rep.Summary, compare("alleged_by:"+side.ID, "Violations alleged by "+side.Name, v.AllegedBy[side.ID], pv.AllegedBy[side.ID]))
	}
	rep.Summary = append(rep.Summary,
		compare("observations", "Monitors' observations", v.Observations, pv.Observations),
		compare("observed", "Violations observed by the monitors", v.Observed, pv.Observed),
		compare("explosions", "of which explosions", v.Explosions, pv.Explosions),
		compare("verified", "Violations verified (substantiated incidents)", sum(v.Verified), sum(pv.Verified)),
		compare("incidents_opened", "Incidents opened", len(rep.Workflow.Opened), len(prevWork.Opened)),
		compare("findings", "Findings issued", len(rep.Workflow.Findings), len(prevWork.Findings)),
		compare("suspended", "Investigations suspended", len(rep.Workflow.Suspended), len(prevWork.Suspended)),
	)
	restrictionsNow, restrictionsBefore := 0, 0
	for _, c := range rep.Movement.ByKind {
		restrictionsNow += c.Current
		restrictionsBefore += c.Previous
	}
	rep.Summary = append(rep.Summary,
		compare("restrictions", "Restrictions of freedom of movement", restrictionsNow, restrictionsBefore),
		compare("provisions_changed", "Provisions whose status changed", len(rep.Agreement.Changed), len(prevAgreement.Changed)),
		compare("provisions_overdue", "Provisions overdue at the cut-off", len(rep.Agreement.Overdue), len(prevAgreement.Overdue)),
	)
	activity := sum(v.AllegedBy) + v.Observations + sum(v.Verified) + len(rep.Workflow.Incidents) + len(rep.Workflow.Opened) +
		len(rep.Workflow.Findings) + len(rep.Workflow.Suspended) + restrictionsNow + len(rep.Agreement.Changed) + rep.Humanitarian.count()
	if activity == 0 {
		rep.Empty = true
		rep.EmptyNote = "No allegation, observation, incident, investigation step, restriction of movement, humanitarian record or change of a provision's status was recorded for this period."
	}
	return nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// layers returns the names of the zones (by layer id) and the map layers
// valid at t that p may read.
func (s *Service) layers(ctx context.Context, p access.Principal, at time.Time) (map[string]string, []MapLayer, error) {
	zones := map[string]string{}
	var out []MapLayer
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		ls, err := s.geo.ListLayers(ctx, p, geo.LayerFilter{At: &at}, page)
		if err != nil {
			return nil, nil, err
		}
		for _, l := range ls.Items {
			// One map layer per line or polygon: a multi-part layer
			// draws each part. The small map fills outer rings only: a
			// zone's holes are not drawn on it.
			names := layerNames(l)
			for _, line := range geo.LinesOf(l.Geometry) {
				out = append(out, MapLayer{Name: l.Name, Names: names, Kind: l.Kind, Line: line})
			}
			for _, a := range geo.AreasOf(l.Geometry) {
				out = append(out, MapLayer{Name: l.Name, Names: names, Kind: l.Kind, Polygon: a.Outer})
			}
			if l.Geometry.Point != nil {
				out = append(out, MapLayer{Name: l.Name, Names: names, Kind: l.Kind, Point: l.Geometry.Point})
			}
			if l.Kind == geo.KindZone {
				zones[l.ID] = l.Name
			}
		}
		if ls.Next == "" {
			break
		}
		page.Cursor = ls.Next
	}
	// Named places (towns, crossings) the reader may see, named in each
	// report language.
	page = store.PageRequest{Limit: store.MaxLimit}
	for {
		ps, err := s.geo.ListPlaces(ctx, p, geo.PlaceFilter{}, page)
		if err != nil {
			return nil, nil, err
		}
		for _, pl := range ps.Items {
			pt := pl.Location
			ml := MapLayer{Name: pl.NameFor(DefaultLang, ""), Kind: KindPlace, Point: &pt, Names: map[string]string{}}
			for _, lang := range Languages() {
				ml.Names[lang] = pl.NameFor(lang, "")
			}
			out = append(out, ml)
		}
		if ps.Next == "" {
			break
		}
		page.Cursor = ps.Next
	}
	// Zones first, so that lines and points are drawn over them.
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Kind) < rank(out[j].Kind) })
	return zones, out, nil
}

// layerNames are a layer's names in the report languages it has one in
// (its name is the default's), nil when it has none.
func layerNames(l geo.Layer) map[string]string {
	var out map[string]string
	for _, lang := range Languages() {
		if n, ok := l.Names[lang]; ok && n != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[lang] = n
		}
	}
	return out
}

func rank(kind string) int {
	switch kind {
	case geo.KindZone:
		return 0
	case geo.KindCorridor:
		return 1
	case geo.KindLineOfContact:
		return 2
	}
	return 3
}

// NotShown stands for a name the report's reader may not see (a zone,
// a place, an organisation): its id would tell what the edition withholds.
const NotShown = "not_shown"

func newTally(key, label string) TallyLine {
	return TallyLine{Key: key, Label: label, AllegedBy: map[string]int{}, Verified: map[string]int{}}
}

func categoryLabel(code string) string { return strings.ReplaceAll(code, "_", " ") }

// fact is one counted record: an allegation lodged in a side's name, an
// observation, or an incident verified (finding substantiated). The rules
// are those of incident.Tallies; one pass per table serves the period, the
// previous period and the charts (TestTalliesAgree holds them together).
type fact struct {
	at        time.Time
	day       string // reporting day
	kind      byte   // 'a' allegation, 'o' observation, 'v' verified incident
	key       string // allegation: the side; verified: the attribution
	category  string
	zone      string
	count     int
	explosion bool
}

func (s *Service) facts(ctx context.Context, p access.Principal, from, to time.Time) ([]fact, error) {
	var out []fact
	per := Period{From: from, To: to}
	scan := func(kind byte, table, readers, sel string, extra []string) error {
		cond, args := access.Filter(p, "r", readers)
		conds, args := window(per, append([]string{cond}, extra...), args)
		rows, err := s.db.Query(ctx, `SELECT r.start_at, r.category, r.zone_id, `+sel+` FROM `+table+` r WHERE `+strings.Join(conds, " AND "), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var start string
			f := fact{kind: kind}
			var explosion int64
			if err := rows.Scan(&start, &f.category, &f.zone, &f.key, &f.count, &explosion); err != nil {
				return err
			}
			if f.at, err = time.Parse(timeText, start); err != nil {
				return err
			}
			f.day, f.explosion = s.reportDay(f.at), explosion == 1
			out = append(out, f)
		}
		return rows.Err()
	}
	if err := scan('a', "allegations", "allegation_readers", "r.on_behalf_of, 1, 0", []string{"r.source_kind = 'side'", "r.status = 'lodged'"}); err != nil {
		return nil, err
	}
	if err := scan('o', "observations", "observation_readers", "'', r.count, r.explosion", nil); err != nil {
		return nil, err
	}
	if err := scan('v', "incidents", "incident_readers", "r.attribution, 1, 0", []string{"r.outcome = 'substantiated'"}); err != nil {
		return nil, err
	}
	return out, nil
}

func (t *TallyLine) add(f fact) {
	switch f.kind {
	case 'a':
		t.AllegedBy[f.key]++
	case 'o':
		t.Observations++
		t.Observed += f.count
		if f.explosion {
			t.Explosions += f.count
		}
	case 'v':
		t.Verified[f.key]++
	}
}

func in(f fact, per Period) bool { return !f.at.Before(per.From) && f.at.Before(per.To) }

func (s *Service) violations(facts []fact, per, prev Period, zones map[string]string) *Violations {
	v := &Violations{Total: newTally("total", "Total"), Previous: newTally("previous", "Previous period"), ByCategory: []TallyLine{}, ByZone: []TallyLine{}}
	byCat, byZone := map[string]*TallyLine{}, map[string]*TallyLine{}
	for _, f := range facts {
		if in(f, prev) {
			v.Previous.add(f)
		}
		if !in(f, per) {
			continue
		}
		v.Total.add(f)
		c := byCat[f.category]
		if c == nil {
			t := newTally(f.category, categoryLabel(f.category))
			c = &t
			byCat[f.category] = c
		}
		c.add(f)
		// A zone the reader may not see is named by no one: its id would
		// tell what the edition withholds, so such zones count as one row.
		zkey, label := f.zone, zones[f.zone]
		if f.zone == "" {
			label = "outside every zone"
		} else if label == "" {
			zkey, label = NotShown, "a zone not shown in this edition"
		}
		z := byZone[zkey]
		if z == nil {
			t := newTally(zkey, label)
			z = &t
			byZone[zkey] = z
		}
		z.add(f)
	}
	for _, k := range sortedKeys(byCat) {
		v.ByCategory = append(v.ByCategory, *byCat[k])
	}
	for _, k := range sortedKeys(byZone) {
		v.ByZone = append(v.ByZone, *byZone[k])
	}
	return v
}

// window adds the period on column start_at.
func window(per Period, conds []string, args []any) ([]string, []any) {
	return append(conds, "r.start_at >= ?", "r.start_at < ?"), append(args, per.From.UTC().Format(timeText), per.To.UTC().Format(timeText))
}

func (s *Service) workflow(ctx context.Context, p access.Principal, per Period) (*Workflow, error) {
	w := &Workflow{Incidents: []IncidentLine{}, Opened: []WorkflowEvent{}, Findings: []WorkflowEvent{}, Suspended: []WorkflowEvent{}}
	cond, args := access.Filter(p, "r", "incident_readers")
	conds, args := window(per, []string{cond}, args)
	rows, err := s.db.Query(ctx, `SELECT r.id, r.title, r.category, r.status, r.outcome, r.attribution, r.start_at, r.lat, r.lon
		FROM incidents r WHERE `+strings.Join(conds, " AND ")+` ORDER BY r.start_at, r.id`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var l IncidentLine
		var start string
		if err := rows.Scan(&l.ID, &l.Title, &l.Category, &l.Status, &l.Outcome, &l.Attribution, &start, &l.Lat, &l.Lon); err != nil {
			rows.Close()
			return nil, err
		}
		l.Start, _ = time.Parse(timeText, start)
		w.Incidents = append(w.Incidents, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Investigation steps: the incidents changed in the period, read
	// whole, and the steps of their history that fall in it.
	ids, err := s.ids(ctx, `SELECT DISTINCT id FROM changes WHERE entity = 'incident' AND at >= ? AND at < ? ORDER BY id`,
		per.From.UTC().Format(changeTime), per.To.UTC().Format(changeTime))
	if err != nil {
		return nil, err
	}
	bodies, err := s.db.Bodies(ctx, incident.EntityIncident, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		c, ok := bodies[id]
		if !ok || c.Body == nil {
			continue
		}
		var b incident.IncidentBody
		if err := store.DecodeBody(c.Body, &b); err != nil {
			return nil, fmt.Errorf("incident %s: %w", id, err)
		}
		if !access.CanRead(p, b.Resource()) {
			continue
		}
		for i, st := range b.StatusHistory {
			if st.At.Before(per.From) || !st.At.Before(per.To) {
				continue
			}
			ev := WorkflowEvent{IncidentID: id, Title: b.Title, Category: b.Category, At: st.At.UTC(), Reason: st.Reason}
			switch {
			case i == 0:
				w.Opened = append(w.Opened, ev)
			case st.Status == incident.FindingMade:
				if b.Finding != nil {
					ev.Outcome, ev.Attribution = b.Finding.Outcome, b.Finding.Attribution
				}
				w.Findings = append(w.Findings, ev)
			case st.Status == incident.Suspended:
				w.Suspended = append(w.Suspended, ev)
			}
		}
	}
	for _, l := range []*[]WorkflowEvent{&w.Opened, &w.Findings, &w.Suspended} {
		sort.SliceStable(*l, func(i, j int) bool {
			a, b := (*l)[i], (*l)[j]
			if !a.At.Equal(b.At) {
				return a.At.Before(b.At)
			}
			return a.IncidentID < b.IncidentID
		})
	}
	return w, nil
}

func (s *Service) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

var restrictionKinds = []string{"denied", "delayed", "conditional"}

func (s *Service) restrictions(ctx context.Context, p access.Principal, per Period) ([]RestrictionLine, error) {
	cond, args := access.Filter(p, "r", "fom_restriction_readers")
	conds, args := window(per, []string{cond}, args)
	rows, err := s.db.Query(ctx, `SELECT r.id, r.kind, r.by_org, r.start_at, r.duration_s, r.zone_id, r.lat, r.lon
		FROM fom_restrictions r WHERE `+strings.Join(conds, " AND ")+` ORDER BY r.start_at, r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []RestrictionLine{}
	for rows.Next() {
		var l RestrictionLine
		var start string
		var dur *int64
		if err := rows.Scan(&l.ID, &l.Kind, &l.By, &start, &dur, &l.Zone, &l.Lat, &l.Lon); err != nil {
			return nil, err
		}
		l.Start, _ = time.Parse(timeText, start)
		l.DurationS = dur
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s *Service) movement(ctx context.Context, p access.Principal, per, prev Period, zones map[string]string, sides []Org) (*Movement, error) {
	now, err := s.restrictions(ctx, p, per)
	if err != nil {
		return nil, err
	}
	before, err := s.restrictions(ctx, p, prev)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, o := range sides {
		names[o.ID] = o.Name
	}
	m := &Movement{Restrictions: now}
	for i := range m.Restrictions {
		r := &m.Restrictions[i]
		if n, ok := names[r.By]; ok {
			r.By = n
		} else if r.By != "" {
			// Another organisation: its name as the reader may see it.
			o, err := s.agreements.GetOrganisation(ctx, p, r.By)
			switch {
			case err == nil:
				names[r.By], r.By = o.Name, o.Name
			case errs.CodeOf(err) == errs.CodeNotFound || errs.CodeOf(err) == errs.CodeForbidden:
				r.By = NotShown
			default:
				return nil, err
			}
		}
		if z, ok := zones[r.Zone]; ok {
			r.Zone = z
		} else if r.Zone != "" {
			r.Zone = NotShown
		}
	}
	count := func(ls []RestrictionLine, kind string) int {
		n := 0
		for _, l := range ls {
			if l.Kind == kind {
				n++
			}
		}
		return n
	}
	for _, k := range restrictionKinds {
		m.ByKind = append(m.ByKind, compare(k, "Access "+k, count(now, k), count(before, k)))
	}
	return m, nil
}

// provisions returns every provision, in id order.
func (s *Service) provisions(ctx context.Context, p access.Principal, f agreement.ProvisionFilter) ([]agreement.Provision, error) {
	var out []agreement.Provision
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		ps, err := s.agreements.ListProvisions(ctx, p, f, page)
		if err != nil {
			return nil, err
		}
		out = append(out, ps.Items...)
		if ps.Next == "" {
			return out, nil
		}
		page.Cursor = ps.Next
	}
}

// statusAt is the status a provision showed at t, from its history alone:
// the latest event at or before t, overdue when a deadline had passed unmet
// by then and the status was not_started or in_progress.
func statusAt(p agreement.Provision, t time.Time) string {
	st := agreement.StatusNotStarted
	for _, e := range p.StatusHistory {
		if !e.At.After(t) {
			st = e.Status
		}
	}
	if st == agreement.StatusNotStarted || st == agreement.StatusInProgress {
		for _, d := range p.Deadlines {
			if d.Due.Before(t) && (d.MetAt.IsZero() || d.MetAt.After(t)) {
				return agreement.StatusOverdue
			}
		}
	}
	return st
}

func (s *Service) agreementSection(ctx context.Context, p access.Principal, per Period) (*AgreementSection, error) {
	ps, err := s.provisions(ctx, p, agreement.ProvisionFilter{})
	if err != nil {
		return nil, err
	}
	a := &AgreementSection{Changed: []ProvisionChange{}, Steps: []ProvisionChange{}, Overdue: []OverdueLine{}}
	for _, p := range ps {
		for _, e := range p.StatusHistory {
			if e.At.Before(per.From) || !e.At.Before(per.To) {
				continue
			}
			// A status event may repeat the status it follows (a step
			// recorded with its note and evidence, as an exchange under a
			// provision in progress): that is no change of status, and
			// listing it as one read "from in progress to in progress".
			// The change is between the status shown just before the
			// event and the one shown once it is recorded (overdue
			// included, as the rest of the report shows it).
			from, to := statusAt(p, e.At.Add(-time.Nanosecond)), statusAt(p, e.At)
			line := ProvisionChange{ProvisionID: p.ID, Number: p.Number, Summary: p.Summary, From: from, To: to, At: e.At.UTC(), Note: e.Note}
			if from == to {
				a.Steps = append(a.Steps, line)
				continue
			}
			a.Changed = append(a.Changed, line)
		}
		if statusAt(p, per.To) == agreement.StatusOverdue {
			for _, d := range p.Deadlines {
				if d.Due.Before(per.To) && (d.MetAt.IsZero() || d.MetAt.After(per.To)) {
					a.Overdue = append(a.Overdue, OverdueLine{ProvisionID: p.ID, Number: p.Number, Summary: p.Summary, What: d.What,
						Due: d.Due.UTC(), DaysOverdue: int(per.To.Sub(d.Due).Hours() / 24)})
				}
			}
		}
	}
	sort.SliceStable(a.Changed, func(i, j int) bool { return a.Changed[i].At.Before(a.Changed[j].At) })
	sort.SliceStable(a.Steps, func(i, j int) bool { return a.Steps[i].At.Before(a.Steps[j].At) })
	return a, nil
}

// reportDay is the reporting day a time falls in: the day whose cut-off
// closes the period holding t.
func (s *Service) reportDay(t time.Time) string {
	l := t.In(s.zone)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	if time.Duration(l.Hour())*time.Hour+time.Duration(l.Minute())*time.Minute+time.Duration(l.Second())*time.Second >= s.cutOff {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format("2006-01-02")
}

// series counts per reporting day from..to (inclusive): each side's
// allegations, what the monitors observed, the explosions among it, and
// the verified violations.
func series(facts []fact, sides []Org, from, to time.Time) *DailySeries {
	ds := &DailySeries{AllegedBy: map[string][]int{}}
	index := map[string]int{}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		index[d.Format("2006-01-02")] = len(ds.Days)
		ds.Days = append(ds.Days, d.Format("2006-01-02"))
	}
	n := len(ds.Days)
	for _, o := range sides {
		ds.AllegedBy[o.ID] = make([]int, n)
	}
	ds.Observed, ds.Explosions, ds.Verified = make([]int, n), make([]int, n), make([]int, n)
	for _, f := range facts {
		i, ok := index[f.day]
		if !ok {
			continue
		}
		switch f.kind {
		case 'a':
			if v, ok := ds.AllegedBy[f.key]; ok {
				v[i]++
			}
		case 'o':
			ds.Observed[i] += f.count
			if f.explosion {
				ds.Explosions[i] += f.count
			}
		case 'v':
			ds.Verified[i]++
		}
	}
	return ds
}

func (s *Service) observationPoints(ctx context.Context, p access.Principal, per Period) ([]MapPoint, error) {
	cond, args := access.Filter(p, "r", "observation_readers")
	conds, args := window(per, []string{cond}, args)
	rows, err := s.db.Query(ctx, `SELECT r.id, r.kind, r.count, r.lat, r.lon FROM observations r WHERE `+strings.Join(conds, " AND ")+` ORDER BY r.start_at, r.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MapPoint
	for rows.Next() {
		var m MapPoint
		var kind string
		var count int
		if err := rows.Scan(&m.ID, &kind, &count, &m.Point.Lat, &m.Point.Lon); err != nil {
			return nil, err
		}
		m.Label, m.Class, m.Kind, m.Count = fmt.Sprintf("%d × %s", count, categoryLabel(kind)), "observation", kind, count
		out = append(out, m)
	}
	return out, rows.Err()
}

// withheld counts the period's records that are not public. Only the
// counts leave this function.
func (s *Service) withheld(ctx context.Context, per Period) (*Withheld, error) {
	w := &Withheld{}
	for _, t := range []struct {
		table string
		n     *int
	}{{"allegations", &w.Allegations}, {"observations", &w.Observations}, {"incidents", &w.Incidents}, {"fom_restrictions", &w.Restrictions}} {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM `+t.table+` r WHERE r.classification <> 'public' AND r.start_at >= ? AND r.start_at < ?`,
			per.From.UTC().Format(timeText), per.To.UTC().Format(timeText)).Scan(t.n); err != nil {
			return nil, err
		}
	}
	return w, nil
}
