package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A report renders as sections of notes, tables and charts. HTML and PDF
// draw the same sections; CSV writes each table.

// Table is one table of a report.
type Table struct {
	Name   string // file name stem for CSV
	Title  string
	Header []string
	Rows   [][]string
	// Shown bounds the rows HTML and PDF print (0: all); JSON and CSV
	// always carry every row.
	Shown int
	// IDCol is 1 + the index of the column of record ids, 0 when none:
	// CSV carries the ids, HTML and PDF name records by their titles.
	IDCol int
}

// dropIDs removes the id columns of the tables of secs.
func dropIDs(secs []Section) {
	for i := range secs {
		for j := range secs[i].Tables {
			tb := &secs[i].Tables[j]
			if tb.IDCol == 0 {
				continue
			}
			c := tb.IDCol - 1
			tb.Header = append(tb.Header[:c:c], tb.Header[c+1:]...)
			for k, r := range tb.Rows {
				tb.Rows[k] = append(r[:c:c], r[c+1:]...)
			}
			tb.IDCol = 0
		}
	}
}

// shown writes a name the report may not show (NotShown) in words.
func shown(t tr, s string) string {
	if s == NotShown {
		return t.T("not_shown")
	}
	return s
}

// Section is a titled part of a report.
type Section struct {
	Title  string
	Notes  []string
	Tables []Table
	Charts []Canvas
}

// MaxPrintedRows bounds a table in HTML and PDF; the rest is in JSON and CSV.
const MaxPrintedRows = 300

func itoa(n int) string { return strconv.Itoa(n) }

func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

func tallyTable(t tr, name, title, first string, rep *Report, lines []TallyLine) Table {
	tb := Table{Name: name, Title: title, Header: []string{first}}
	for _, s := range rep.Sides {
		tb.Header = append(tb.Header, t.T("col.alleged_by", "side", s.Name))
	}
	tb.Header = append(tb.Header, t.T("col.observations"), t.T("col.violations_observed"), t.T("col.of_which_explosions"))
	for _, v := range rep.VerifiedColumns {
		tb.Header = append(tb.Header, t.T("col.verified", "side", v.Name))
	}
	for _, l := range lines {
		row := []string{l.Label}
		for _, s := range rep.Sides {
			row = append(row, t.num(l.AllegedBy[s.ID]))
		}
		row = append(row, t.num(l.Observations), t.num(l.Observed), t.num(l.Explosions))
		for _, v := range rep.VerifiedColumns {
			row = append(row, t.num(l.Verified[v.ID]))
		}
		tb.Rows = append(tb.Rows, row)
	}
	return tb
}

func eventTable(t tr, name, title string, evs []WorkflowEvent, names map[string]string) Table {
	tb := Table{Name: name, Title: title, IDCol: 1, Header: []string{t.T("col.incident"), t.T("col.title"), t.T("col.category"), t.T("col.at"),
		t.T("col.outcome"), t.T("col.attribution"), t.T("col.reason")}}
	for _, e := range evs {
		tb.Rows = append(tb.Rows, []string{e.IncidentID, e.Title, t.enum("category", e.Category), t.when(e.At), t.enum("outcome", e.Outcome),
			attribution(t, e.Attribution, names), e.Reason})
	}
	return tb
}

// attribution names a side by its organisation's name, or both sides /
// undetermined in words.
func attribution(t tr, code string, names map[string]string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return t.enum("attribution", code)
}

// Sections lays the report out, in its language.
func Sections(rep *Report) []Section { return sections(rep, newTr(rep.Lang, false)) }

func sections(rep *Report, t tr) []Section {
	names := map[string]string{}
	for _, o := range rep.VerifiedColumns {
		names[o.ID] = o.Name
	}
	var out []Section
	head := Section{Title: t.T("sec.summary")}
	if rep.Previous != nil {
		head.Notes = append(head.Notes, t.T("note.compared", "period", rep.Previous.Label))
	}
	if rep.Empty {
		head.Notes = append(head.Notes, rep.EmptyNote)
	}
	if w := rep.Withheld; w != nil && w.Allegations+w.Observations+w.Incidents+w.Restrictions > 0 {
		w := rep.Withheld
		head.Notes = append(head.Notes, t.T("note.withheld", "allegations", t.N("n.allegations", w.Allegations),
			"observations", t.N("n.observations", w.Observations), "incidents", t.N("n.incidents", w.Incidents),
			"restrictions", t.N("n.restrictions", w.Restrictions)))
	}
	if len(rep.Summary) > 0 {
		tb := Table{Name: "summary", Title: t.T("tbl.counts"), Header: []string{"", t.T("col.this_period"), t.T("col.previous_period"), t.T("col.change")}}
		for _, c := range rep.Summary {
			change := t.signed(c.Change)
			if c.ChangePercent != nil && c.Change != 0 {
				pc := t.dec(*c.ChangePercent, 1)
				if *c.ChangePercent > 0 {
					pc = "+" + pc
				}
				change = t.T("change_percent", "change", change, "percent", pc)
			}
			tb.Rows = append(tb.Rows, []string{c.Label, t.num(c.Current), t.num(c.Previous), change})
		}
		head.Tables = append(head.Tables, tb)
		if rep.Kind == KindSummary && rep.Series != nil {
			head.Tables = append(head.Tables, weeklyTable(t, rep))
		}
	}
	if len(head.Notes) > 0 || len(head.Tables) > 0 {
		out = append(out, head)
	}

	if v := rep.Violations; v != nil {
		sec := Section{Title: t.T("sec.violations"), Notes: []string{t.T("note.violations")}}
		sec.Tables = append(sec.Tables,
			tallyTable(t, "violations_by_category", t.T("tbl.by_category"), t.T("col.category"), rep, append(append([]TallyLine{}, v.ByCategory...), v.Total, v.Previous)),
			tallyTable(t, "violations_by_zone", t.T("tbl.by_zone"), t.T("col.zone"), rep, v.ByZone))
		if c := categoriesChart(t, rep); c != nil {
			sec.Charts = append(sec.Charts, *c)
		}
		if rep.Series != nil {
			sec.Charts = append(sec.Charts, seriesChart(t, rep))
		}
		out = append(out, sec)
	}
	if w := rep.Workflow; w != nil {
		sec := Section{Title: t.T("sec.incidents")}
		it := Table{Name: "incidents", Title: t.T("tbl.incidents"), IDCol: 1, Header: []string{t.T("col.incident"), t.T("col.title"), t.T("col.category"),
			t.T("col.start"), t.T("col.status"), t.T("col.finding"), t.T("col.attribution")}, Shown: MaxPrintedRows}
		for _, in := range w.Incidents {
			it.Rows = append(it.Rows, []string{in.ID, in.Title, t.enum("category", in.Category), t.when(in.Start), t.enum("status", in.Status),
				t.enum("outcome", in.Outcome), attribution(t, in.Attribution, names)})
		}
		sec.Tables = append(sec.Tables, it,
			eventTable(t, "incidents_opened", t.T("tbl.opened"), w.Opened, names),
			eventTable(t, "findings", t.T("tbl.findings"), w.Findings, names),
			eventTable(t, "suspended", t.T("tbl.suspended"), w.Suspended, names))
		if rep.Map != nil {
			sec.Charts = append(sec.Charts, mapChart(t, t.T("chart.map"), rep.Map.Layers, rep.Map.Points))
		}
		out = append(out, sec)
	}
	if m := rep.Movement; m != nil {
		sec := Section{Title: t.T("sec.movement")}
		kt := Table{Name: "restrictions_by_kind", Title: t.T("tbl.restrictions_by_kind"), Header: []string{"", t.T("col.this_period"), t.T("col.previous_period"), t.T("col.change")}}
		for _, c := range m.ByKind {
			kt.Rows = append(kt.Rows, []string{c.Label, t.num(c.Current), t.num(c.Previous), t.signed(c.Change)})
		}
		rt := Table{Name: "restrictions", Title: t.T("tbl.restrictions"), IDCol: 1, Header: []string{t.T("col.id"), t.T("col.kind"), t.T("col.by"),
			t.T("col.start"), t.T("col.duration_min"), t.T("col.zone")}, Shown: MaxPrintedRows}
		for _, r := range m.Restrictions {
			dur := t.T("ongoing")
			if r.DurationS != nil {
				dur = t.num(int(*r.DurationS / 60))
			}
			by := shown(t, r.By)
			if by == "" {
				by = t.T("by.not_established")
			}
			zone := r.Zone
			if zone == NotShown {
				zone = t.T("zone.not_shown")
			}
			rt.Rows = append(rt.Rows, []string{r.ID, t.enum("fom", r.Kind), by, t.when(r.Start), dur, zone})
		}
		sec.Tables = append(sec.Tables, kt, rt)
		out = append(out, sec)
	}
	if h := rep.Humanitarian; h != nil {
		out = append(out, humanitarianSection(t, h))
	}
	if a := rep.Agreement; a != nil {
		sec := Section{Title: t.T("sec.agreement")}
		ct := Table{Name: "provisions_changed", Title: t.T("tbl.provisions_changed"), Header: []string{t.T("col.provision"), t.T("col.summary"),
			t.T("col.from_status"), t.T("col.to_status"), t.T("col.at"), t.T("col.note")}}
		for _, c := range a.Changed {
			ct.Rows = append(ct.Rows, []string{c.Number, c.Summary, t.enum("pstatus", c.From), t.enum("pstatus", c.To), t.when(c.At), c.Note})
		}
		pt := Table{Name: "provision_steps", Title: t.T("tbl.provision_steps"), Header: []string{t.T("col.provision"), t.T("col.summary"),
			t.T("col.status"), t.T("col.at"), t.T("col.note")}}
		for _, c := range a.Steps {
			pt.Rows = append(pt.Rows, []string{c.Number, c.Summary, t.enum("pstatus", c.To), t.when(c.At), c.Note})
		}
		ot := Table{Name: "provisions_overdue", Title: t.T("tbl.provisions_overdue"), Header: []string{t.T("col.provision"), t.T("col.summary"),
			t.T("col.deadline"), t.T("col.due"), t.T("col.days_overdue")}}
		for _, o := range a.Overdue {
			ot.Rows = append(ot.Rows, []string{o.Number, o.Summary, o.What, t.day(o.Due), t.num(o.DaysOverdue)})
		}
		sec.Tables = append(sec.Tables, ct, pt, ot)
		out = append(out, sec)
	}
	if im := rep.Implementation; im != nil {
		out = append(out, implementationSections(t, im)...)
	}
	if !t.plain {
		dropIDs(out)
	}
	return out
}

func humanitarianSection(t tr, h *HumanitarianSection) Section {
	sec := Section{Title: t.T("sec.humanitarian")}
	if !h.Available {
		sec.Notes = append(sec.Notes, h.Note)
		return sec
	}
	col := func(keys ...string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = t.T("col." + k)
		}
		return out
	}
	tb := Table{Name: "exchanges", IDCol: 1, Title: t.T("tbl.exchanges"), Header: col("id", "at", "place", "mediator", "handed_over", "note")}
	for _, e := range h.Exchanges {
		var parts []string
		for _, k := range sortedKeys(e.ToSide) {
			parts = append(parts, t.T("handed_to", "n", t.num(e.ToSide[k]), "side", shown(t, k)))
		}
		tb.Rows = append(tb.Rows, []string{e.ID, t.when(e.At), shown(t, e.Place), shown(t, e.Mediator), strings.Join(parts, t.T("list.comma")), e.Note})
	}
	sec.Tables = append(sec.Tables, tb)
	tb = Table{Name: "releases", IDCol: 1, Title: t.T("tbl.releases"), Header: col("id", "at", "held_by", "persons", "status")}
	for _, r := range h.Releases {
		tb.Rows = append(tb.Rows, []string{r.ID, t.when(r.At), shown(t, r.HeldBy), t.num(r.Persons), t.enum("detstatus", r.Note)})
	}
	sec.Tables = append(sec.Tables, tb)
	tb = Table{Name: "remains", IDCol: 1, Title: t.T("tbl.remains"), Header: col("id", "at", "event", "count", "note")}
	for _, r := range h.Remains {
		tb.Rows = append(tb.Rows, []string{r.ID, t.when(r.At), t.enum("remains", r.Event), t.num(r.Count), r.Note})
	}
	sec.Tables = append(sec.Tables, tb)
	tb = Table{Name: "handovers", IDCol: 1, Title: t.T("tbl.handovers"), Header: col("id", "at", "from", "to", "records", "mines", "mediator")}
	for _, r := range h.Handovers {
		tb.Rows = append(tb.Rows, []string{r.ID, t.when(r.At), shown(t, r.From), shown(t, r.To), t.num(r.Records), t.num(r.Mines), shown(t, r.Mediator)})
	}
	sec.Tables = append(sec.Tables, tb)
	tb = Table{Name: "returns", IDCol: 1, Title: t.T("tbl.returns"), Header: col("id", "at", "destination", "people", "organised")}
	for _, r := range h.Returns {
		org := t.T("no")
		if r.Organised {
			org = t.T("yes")
		}
		tb.Rows = append(tb.Rows, []string{r.ID, t.when(r.At), r.Destination, t.num(r.People), org})
	}
	sec.Tables = append(sec.Tables, tb)
	tb = Table{Name: "crossings", Title: t.T("tbl.crossings"), Header: col("checkpoint", "direction", "people", "vehicles")}
	for _, r := range h.Crossings {
		tb.Rows = append(tb.Rows, []string{shown(t, r.Checkpoint), t.enum("direction", r.Direction), t.num(r.People), t.num(r.Vehicles)})
	}
	sec.Tables = append(sec.Tables, tb)
	tb = Table{Name: "closures", IDCol: 1, Title: t.T("tbl.closures"), Header: col("id", "at", "where", "kind", "reason")}
	for _, r := range h.Closures {
		tb.Rows = append(tb.Rows, []string{r.ID, t.when(r.At), r.Where, t.enum("restriction", r.Kind), r.Reason})
	}
	sec.Tables = append(sec.Tables, tb)
	return sec
}

func implementationSections(t tr, im *Implementation) []Section {
	head := Section{Title: t.T("sec.implementation")}
	head.Notes = append(head.Notes, t.T("note.signed", "signed", t.day(im.SignedAt), "in_force", t.when(im.InForceAt), "as_of", t.when(im.AsOf)),
		t.T("note.implemented", "implemented", t.num(im.Implemented), "total", t.num(im.Total), "percent", t.dec(im.SharePercent, 1)))
	if im.Illustrative {
		head.Notes = append(head.Notes, t.T("note.illustrative"))
	}
	st := Table{Name: "provisions", Title: t.T("tbl.provisions"), Header: []string{t.T("col.provision"), t.T("col.summary"), t.T("col.obligated"),
		t.T("col.status"), t.T("col.deadlines"), t.T("col.evidence"), t.T("col.remains")}}
	var rows []TimelineRow
	for _, p := range im.Provisions {
		var ds []string
		var ticks []time.Time
		for _, d := range p.Deadlines {
			s := t.T("deadline", "what", d.What, "due", t.day(d.Due))
			if !d.OriginalDue.IsZero() {
				s += " " + t.T("deadline.first", "date", t.day(d.OriginalDue))
			}
			if !d.MetAt.IsZero() {
				s += t.T("list.comma") + t.T("deadline.met", "date", t.day(d.MetAt))
			} else if d.Missed {
				s += t.T("list.comma") + t.T("deadline.missed")
			}
			ds = append(ds, s)
			ticks = append(ticks, d.Due)
		}
		var ev []string
		for _, e := range p.Evidence {
			// A web address is shown; a record is named by its title
			// (its id is in the JSON and CSV).
			s := e.Title
			switch {
			case e.Kind == "url" && e.Title != "":
				s = e.Title + " <" + e.Ref + ">"
			case e.Kind == "url":
				s = e.Ref
			case e.Title == "":
				s = t.T("evidence.untitled")
			}
			if t.plain && e.Kind != "url" {
				s = strings.TrimSpace(e.Title + " <" + e.Ref + ">")
			}
			ev = append(ev, s)
		}
		st.Rows = append(st.Rows, []string{p.Number, p.Summary, strings.Join(p.Obligated, t.T("list.comma")), t.enum("pstatus", p.Status),
			strings.Join(ds, t.T("list.semicolon")), strings.Join(ev, t.T("list.semicolon")), p.Remains})
		rows = append(rows, TimelineRow{Label: "§ " + p.Number, Spans: p.Spans, Deadlines: ticks})
	}
	ht := Table{Name: "status_history", Title: t.T("tbl.status_history"), Header: []string{t.T("col.provision"), t.T("col.status"), t.T("col.from"), t.T("col.note")}}
	for _, p := range im.Provisions {
		for _, e := range p.History {
			ht.Rows = append(ht.Rows, []string{p.Number, t.enum("pstatus", e.Status), t.when(e.At), e.Note})
		}
	}
	bt := Table{Name: "by_status", Title: t.T("tbl.by_status"), Header: []string{t.T("col.status"), t.T("col.provisions")}}
	for _, s := range sortedKeys(im.ByStatus) {
		bt.Rows = append(bt.Rows, []string{t.enum("pstatus", s), t.num(im.ByStatus[s])})
	}
	head.Tables = append(head.Tables, bt, st, ht)
	head.Charts = append(head.Charts, timelineChart(t, t.T("chart.timeline"), im.InForceAt, im.AsOf, rows))
	return []Section{head}
}

// sideNames are the series' names: each side's allegations, then what
// the monitors observed and what the mission verified.
func sideSeriesNames(t tr, rep *Report) []string {
	var names []string
	for _, side := range rep.Sides {
		names = append(names, t.T("col.alleged_by", "side", side.Name))
	}
	return append(names, t.T("col.observed"), t.T("col.verified_all"))
}

func seriesChart(t tr, rep *Report) Canvas {
	s := rep.Series
	names := sideSeriesNames(t, rep)
	var series []Series
	for i, side := range rep.Sides {
		series = append(series, Series{Name: names[i], Colour: palette[i%len(palette)], Values: s.AllegedBy[side.ID]})
	}
	n := len(rep.Sides)
	series = append(series, Series{Name: names[n], Colour: colourObserved, Values: s.Observed},
		Series{Name: names[n+1], Colour: colourVerified, Values: s.Verified})
	first, _ := time.Parse("2006-01-02", s.Days[0])
	last, _ := time.Parse("2006-01-02", s.Days[len(s.Days)-1])
	return dailyChart(t, t.T("chart.series", "from", t.date(first), "to", t.date(last)), s.Days, series)
}

func categoriesChart(t tr, rep *Report) *Canvas {
	v := rep.Violations
	names := sideSeriesNames(t, rep)
	var colours []string
	for i := range rep.Sides {
		colours = append(colours, palette[i%len(palette)])
	}
	colours = append(colours, colourObserved, colourVerified)
	var bars []Bar
	for _, l := range v.ByCategory {
		b := Bar{Label: l.Label}
		for _, side := range rep.Sides {
			b.Values = append(b.Values, l.AllegedBy[side.ID])
		}
		b.Values = append(b.Values, l.Observed, sum(l.Verified))
		bars = append(bars, b)
	}
	c := barChart(t, t.T("tbl.by_category"), names, colours, bars)
	return &c
}

// weeklyTable sums a summary's days by ISO week: the trend over the range.
func weeklyTable(t tr, rep *Report) Table {
	tb := Table{Name: "weeks", Title: t.T("tbl.weeks"), Header: []string{t.T("col.week")}}
	for _, side := range rep.Sides {
		tb.Header = append(tb.Header, t.T("col.alleged_by", "side", side.Name))
	}
	tb.Header = append(tb.Header, t.T("col.observed"), t.T("col.explosions"), t.T("col.verified_all"))
	s := rep.Series
	var row []string
	var sums []int
	flush := func() {
		if row != nil {
			for _, v := range sums {
				row = append(row, t.num(v))
			}
			tb.Rows = append(tb.Rows, row)
		}
	}
	last := ""
	for i, d := range s.Days {
		day, _ := time.Parse("2006-01-02", d)
		y, w := day.ISOWeek()
		week := fmt.Sprintf("%04d-W%02d", y, w)
		if week != last {
			flush()
			row, sums, last = []string{t.digits(week)}, make([]int, len(rep.Sides)+3), week
		}
		for j, side := range rep.Sides {
			sums[j] += s.AllegedBy[side.ID][i]
		}
		n := len(rep.Sides)
		sums[n] += s.Observed[i]
		sums[n+1] += s.Explosions[i]
		sums[n+2] += s.Verified[i]
	}
	flush()
	return tb
}
