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

func signed(n int) string {
	if n > 0 {
		return "+" + itoa(n)
	}
	return itoa(n)
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

func tallyTable(name, title, first string, rep *Report, lines []TallyLine) Table {
	t := Table{Name: name, Title: title, Header: []string{first}}
	for _, s := range rep.Sides {
		t.Header = append(t.Header, "alleged by "+s.Name)
	}
	t.Header = append(t.Header, "observations", "violations observed", "of which explosions")
	for _, v := range rep.VerifiedColumns {
		t.Header = append(t.Header, "verified: "+v.Name)
	}
	for _, l := range lines {
		row := []string{l.Label}
		for _, s := range rep.Sides {
			row = append(row, itoa(l.AllegedBy[s.ID]))
		}
		row = append(row, itoa(l.Observations), itoa(l.Observed), itoa(l.Explosions))
		for _, v := range rep.VerifiedColumns {
			row = append(row, itoa(l.Verified[v.ID]))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func eventTable(name, title string, evs []WorkflowEvent, names map[string]string) Table {
	t := Table{Name: name, Title: title, Header: []string{"incident", "title", "category", "at", "outcome", "attribution", "reason"}}
	for _, e := range evs {
		attr := e.Attribution
		if n, ok := names[attr]; ok {
			attr = n
		}
		t.Rows = append(t.Rows, []string{e.IncidentID, e.Title, words(e.Category), when(e.At), words(e.Outcome), words(attr), e.Reason})
	}
	return t
}

// Sections lays the report out.
func Sections(rep *Report) []Section {
	names := map[string]string{}
	for _, o := range rep.VerifiedColumns {
		names[o.ID] = o.Name
	}
	var out []Section
	head := Section{Title: "Summary"}
	if rep.Previous != nil {
		head.Notes = append(head.Notes, "Each count is compared with the previous period: "+rep.Previous.Label+".")
	}
	if rep.Empty {
		head.Notes = append(head.Notes, rep.EmptyNote)
	}
	if w := rep.Withheld; w != nil && w.Allegations+w.Observations+w.Incidents+w.Restrictions > 0 {
		w := rep.Withheld
		head.Notes = append(head.Notes, fmt.Sprintf("Withheld from this edition (counted, not shown): %d allegations, %d observations, %d incidents, %d restrictions of movement.",
			w.Allegations, w.Observations, w.Incidents, w.Restrictions))
	}
	if len(rep.Summary) > 0 {
		t := Table{Name: "summary", Title: "Counts for the period", Header: []string{"", "this period", "previous period", "change"}}
		for _, c := range rep.Summary {
			change := signed(c.Change)
			if c.ChangePercent != nil && c.Change != 0 {
				change += " (" + signedFloat(*c.ChangePercent) + "%)"
			}
			t.Rows = append(t.Rows, []string{c.Label, itoa(c.Current), itoa(c.Previous), change})
		}
		head.Tables = append(head.Tables, t)
		if rep.Kind == KindSummary && rep.Series != nil {
			head.Tables = append(head.Tables, weeklyTable(rep))
		}
	}
	if len(head.Notes) > 0 || len(head.Tables) > 0 {
		out = append(out, head)
	}

	if v := rep.Violations; v != nil {
		sec := Section{Title: "Ceasefire violations",
			Notes: []string{"What each side alleges against the other, what the mission's monitors observed (explosions counted separately) and what the mission verified are kept in separate columns and never added together."}}
		sec.Tables = append(sec.Tables,
			tallyTable("violations_by_category", "By category", "category", rep, append(append([]TallyLine{}, v.ByCategory...), v.Total, v.Previous)),
			tallyTable("violations_by_zone", "By zone", "zone", rep, v.ByZone))
		if c := categoriesChart(rep); c != nil {
			sec.Charts = append(sec.Charts, *c)
		}
		if rep.Series != nil {
			sec.Charts = append(sec.Charts, seriesChart(rep))
		}
		out = append(out, sec)
	}
	if w := rep.Workflow; w != nil {
		sec := Section{Title: "Incidents and investigations"}
		it := Table{Name: "incidents", Title: "Incidents of the period", Header: []string{"incident", "title", "category", "start", "status", "finding", "attribution"}, Shown: MaxPrintedRows}
		for _, in := range w.Incidents {
			attr := in.Attribution
			if n, ok := names[attr]; ok {
				attr = n
			}
			it.Rows = append(it.Rows, []string{in.ID, in.Title, words(in.Category), when(in.Start), words(in.Status), words(in.Outcome), words(attr)})
		}
		sec.Tables = append(sec.Tables, it,
			eventTable("incidents_opened", "Incidents opened", w.Opened, names),
			eventTable("findings", "Findings issued", w.Findings, names),
			eventTable("suspended", "Investigations suspended", w.Suspended, names))
		if rep.Map != nil {
			sec.Charts = append(sec.Charts, mapChart("Incidents and observations of the period", rep.Map.Layers, rep.Map.Points))
		}
		out = append(out, sec)
	}
	if m := rep.Movement; m != nil {
		sec := Section{Title: "Freedom of movement"}
		kt := Table{Name: "restrictions_by_kind", Title: "Restrictions met by patrols", Header: []string{"", "this period", "previous period", "change"}}
		for _, c := range m.ByKind {
			kt.Rows = append(kt.Rows, []string{c.Label, itoa(c.Current), itoa(c.Previous), signed(c.Change)})
		}
		rt := Table{Name: "restrictions", Title: "Restrictions", Header: []string{"id", "kind", "by", "start", "duration (min)", "zone"}, Shown: MaxPrintedRows}
		for _, r := range m.Restrictions {
			dur := "ongoing"
			if r.DurationS != nil {
				dur = itoa(int(*r.DurationS / 60))
			}
			rt.Rows = append(rt.Rows, []string{r.ID, r.Kind, r.By, when(r.Start), dur, r.Zone})
		}
		sec.Tables = append(sec.Tables, kt, rt)
		out = append(out, sec)
	}
	if h := rep.Humanitarian; h != nil {
		out = append(out, humanitarianSection(h))
	}
	if a := rep.Agreement; a != nil {
		sec := Section{Title: "The agreement"}
		ct := Table{Name: "provisions_changed", Title: "Provisions whose status changed", Header: []string{"provision", "summary", "from", "to", "at", "note"}}
		for _, c := range a.Changed {
			ct.Rows = append(ct.Rows, []string{c.Number, c.Summary, words(c.From), words(c.To), when(c.At), c.Note})
		}
		ot := Table{Name: "provisions_overdue", Title: "Provisions overdue at the cut-off", Header: []string{"provision", "summary", "deadline", "due", "days overdue"}}
		for _, o := range a.Overdue {
			ot.Rows = append(ot.Rows, []string{o.Number, o.Summary, o.What, day(o.Due), itoa(o.DaysOverdue)})
		}
		sec.Tables = append(sec.Tables, ct, ot)
		out = append(out, sec)
	}
	if im := rep.Implementation; im != nil {
		out = append(out, implementationSections(im)...)
	}
	return out
}

func humanitarianSection(h *HumanitarianSection) Section {
	sec := Section{Title: "Humanitarian"}
	if !h.Available {
		sec.Notes = append(sec.Notes, h.Note)
		return sec
	}
	t := Table{Name: "exchanges", Title: "Exchanges", Header: []string{"id", "at", "place", "mediator", "handed over", "note"}}
	for _, e := range h.Exchanges {
		var parts []string
		for _, k := range sortedKeys(e.ToSide) {
			parts = append(parts, fmt.Sprintf("%d to %s", e.ToSide[k], k))
		}
		t.Rows = append(t.Rows, []string{e.ID, when(e.At), e.Place, e.Mediator, strings.Join(parts, ", "), e.Note})
	}
	sec.Tables = append(sec.Tables, t)
	t = Table{Name: "releases", Title: "Releases", Header: []string{"id", "at", "held by", "persons", "note"}}
	for _, r := range h.Releases {
		t.Rows = append(t.Rows, []string{r.ID, when(r.At), r.HeldBy, itoa(r.Persons), r.Note})
	}
	sec.Tables = append(sec.Tables, t)
	t = Table{Name: "remains", Title: "Remains", Header: []string{"id", "at", "event", "count", "note"}}
	for _, r := range h.Remains {
		t.Rows = append(t.Rows, []string{r.ID, when(r.At), words(r.Event), itoa(r.Count), r.Note})
	}
	sec.Tables = append(sec.Tables, t)
	t = Table{Name: "handovers", Title: "Handovers of minefield records", Header: []string{"id", "at", "from", "to", "records", "mines", "mediator"}}
	for _, r := range h.Handovers {
		t.Rows = append(t.Rows, []string{r.ID, when(r.At), r.From, r.To, itoa(r.Records), itoa(r.Mines), r.Mediator})
	}
	sec.Tables = append(sec.Tables, t)
	t = Table{Name: "returns", Title: "Returns", Header: []string{"id", "at", "destination", "people", "organised"}}
	for _, r := range h.Returns {
		t.Rows = append(t.Rows, []string{r.ID, when(r.At), r.Destination, itoa(r.People), strconv.FormatBool(r.Organised)})
	}
	sec.Tables = append(sec.Tables, t)
	t = Table{Name: "crossings", Title: "Corridor crossings", Header: []string{"checkpoint", "direction", "people", "vehicles"}}
	for _, r := range h.Crossings {
		t.Rows = append(t.Rows, []string{r.Checkpoint, r.Direction, itoa(r.People), itoa(r.Vehicles)})
	}
	sec.Tables = append(sec.Tables, t)
	t = Table{Name: "closures", Title: "Closures and reopenings", Header: []string{"id", "at", "where", "kind", "reason"}}
	for _, r := range h.Closures {
		t.Rows = append(t.Rows, []string{r.ID, when(r.At), r.Where, r.Kind, r.Reason})
	}
	sec.Tables = append(sec.Tables, t)
	return sec
}

func implementationSections(im *Implementation) []Section {
	head := Section{Title: "Implementation"}
	head.Notes = append(head.Notes, fmt.Sprintf("Signed %s; in force from %s; as of %s.", day(im.SignedAt), when(im.InForceAt), when(im.AsOf)),
		fmt.Sprintf("Implemented: %d of %d provisions (%.1f%% of those not superseded).", im.Implemented, im.Total, im.SharePercent))
	if im.Illustrative {
		head.Notes = append(head.Notes, "Illustrative: this agreement's record is partly invented for the demo.")
	}
	st := Table{Name: "provisions", Title: "Provisions", Header: []string{"provision", "summary", "obligated", "status", "deadlines", "evidence", "what remains"}}
	var rows []TimelineRow
	for _, p := range im.Provisions {
		var ds []string
		var ticks []time.Time
		for _, d := range p.Deadlines {
			s := d.What + ": " + day(d.Due)
			if !d.OriginalDue.IsZero() {
				s += " (first " + day(d.OriginalDue) + ")"
			}
			if !d.MetAt.IsZero() {
				s += ", met " + day(d.MetAt)
			} else if d.Missed {
				s += ", missed"
			}
			ds = append(ds, s)
			ticks = append(ticks, d.Due)
		}
		var ev []string
		for _, e := range p.Evidence {
			s := e.Ref
			if e.Title != "" {
				s = e.Title + " <" + e.Ref + ">"
			}
			ev = append(ev, s)
		}
		st.Rows = append(st.Rows, []string{p.Number, p.Summary, strings.Join(p.Obligated, ", "), words(p.Status), strings.Join(ds, "; "), strings.Join(ev, "; "), p.Remains})
		rows = append(rows, TimelineRow{Label: "§ " + p.Number, Spans: p.Spans, Deadlines: ticks})
	}
	ht := Table{Name: "status_history", Title: "Status over time", Header: []string{"provision", "status", "from", "note"}}
	for _, p := range im.Provisions {
		for _, e := range p.History {
			ht.Rows = append(ht.Rows, []string{p.Number, words(e.Status), when(e.At), e.Note})
		}
	}
	bt := Table{Name: "by_status", Title: "Provisions by status", Header: []string{"status", "provisions"}}
	for _, s := range sortedKeys(im.ByStatus) {
		bt.Rows = append(bt.Rows, []string{words(s), itoa(im.ByStatus[s])})
	}
	head.Tables = append(head.Tables, bt, st, ht)
	head.Charts = append(head.Charts, timelineChart("Status of each provision over time (ticks: deadlines)", im.InForceAt, im.AsOf, rows))
	return []Section{head}
}

func seriesChart(rep *Report) Canvas {
	s := rep.Series
	var series []Series
	for i, side := range rep.Sides {
		series = append(series, Series{Name: "alleged by " + side.Name, Colour: palette[i%len(palette)], Values: s.AllegedBy[side.ID]})
	}
	series = append(series, Series{Name: "observed", Colour: colourObserved, Values: s.Observed},
		Series{Name: "verified", Colour: colourVerified, Values: s.Verified})
	return dailyChart(fmt.Sprintf("Per reporting day, %s to %s", s.Days[0], s.Days[len(s.Days)-1]), s.Days, series)
}

func categoriesChart(rep *Report) *Canvas {
	v := rep.Violations
	var names, colours []string
	for i, side := range rep.Sides {
		names = append(names, "alleged by "+side.Name)
		colours = append(colours, palette[i%len(palette)])
	}
	names = append(names, "observed", "verified")
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
	c := barChart("By category", names, colours, bars)
	return &c
}

func signedFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if v > 0 {
		s = "+" + s
	}
	return s
}

// weeklyTable sums a summary's days by ISO week: the trend over the range.
func weeklyTable(rep *Report) Table {
	t := Table{Name: "weeks", Title: "Trend by week", Header: []string{"week"}}
	for _, side := range rep.Sides {
		t.Header = append(t.Header, "alleged by "+side.Name)
	}
	t.Header = append(t.Header, "observed", "explosions", "verified")
	s := rep.Series
	var row []string
	var sums []int
	flush := func() {
		if row != nil {
			for _, v := range sums {
				row = append(row, itoa(v))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	last := ""
	for i, d := range s.Days {
		day, _ := time.Parse("2006-01-02", d)
		y, w := day.ISOWeek()
		week := fmt.Sprintf("%04d-W%02d", y, w)
		if week != last {
			flush()
			row, sums, last = []string{week}, make([]int, len(rep.Sides)+3), week
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
	return t
}
