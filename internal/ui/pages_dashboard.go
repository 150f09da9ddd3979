package ui

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/dashboard"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/web"
)

// dashboardPages registers the dashboard.
func (s *Pages) dashboardPages(page func(method, path string, h http.HandlerFunc)) {
	s.dash = dashboard.New(s.Incidents, s.Agreements, s.Map, s.Ledger, s.Now)
	page("GET", "/{$}", s.dashboard)
}

// RegistrySection is a block of the dashboard that a registry fills: the
// latest exchanges, returns, crossings (see latestRegistries).
type RegistrySection struct {
	Title string // message key
	Rows  []RegistryRow
	More  string // the registry's page
}

// RegistryRow is one recent event of a registry.
type RegistryRow struct {
	At   time.Time
	Text string
	URL  string
}

// sideFigures are one side's tiles.
type sideFigures struct {
	ID                 string
	Alleged, Verified  int
	AllegedURL, VerURL string
}

type statusCount struct {
	Status string
	N      int
}

type dashboardData struct {
	Day, From, To  string // the picker's values
	FieldName      string // the field at fault, if any
	FieldError     string
	Period         dashboard.Period
	Range          bool
	Sum            dashboard.Summary
	Sides          []sideFigures
	Chart          template.HTML
	Bars           template.HTML
	Map            template.HTML
	MapURL         string
	ObservationURL string
	Provisions     []statusCount
	Implemented    int
	ProvisionTotal int
	Prev, Next     string // the day before and after, as picker links
	Week, Month    string // the 7 and 30 days ending with the period's last day
	Registries     []RegistrySection
}

func (s *Pages) dashboard(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "dashboard.title", "dashboard")
	if !ok {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	d := dashboardData{Day: q.Get("day"), From: q.Get("from"), To: q.Get("to")}
	per, given, perr := dashboard.ParsePeriod(d.Day, d.From, d.To)
	if perr != nil {
		d.FieldName, d.FieldError = errs.FieldOf(perr), errs.MessageOf(perr)
	}
	var err error
	if !given {
		if per, err = s.dash.DefaultPeriod(ctx, p, s.Config.Demo); err != nil {
			s.pageFail(w, r, pg, err)
			return
		}
		if perr == nil {
			d.Day = per.From.Format(time.DateOnly)
		}
	}
	d.Period, d.Range = per, per.Days() > 1
	if d.Range {
		d.Day = ""
		d.From, d.To = per.From.Format(time.DateOnly), per.Last().Format(time.DateOnly)
	}
	sum, err := s.dash.Get(ctx, p, per)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d.Sum = sum
	period := url.Values{"from": {per.From.Format(time.DateOnly)}, "to": {per.Last().Format(time.DateOnly)}}
	for _, o := range sum.Sides {
		v := url.Values{"side": {o.ID}}
		for k, vs := range period {
			v[k] = vs
		}
		ver := url.Values{"side": {o.ID}, "outcome": {"substantiated"}}
		for k, vs := range period {
			ver[k] = vs
		}
		d.Sides = append(d.Sides, sideFigures{ID: o.ID, Alleged: sum.Alleged[o.ID], Verified: sum.Verified[o.ID],
			AllegedURL: "/allegations?" + v.Encode(), VerURL: "/incidents?" + ver.Encode()})
	}
	d.ObservationURL = "/observations?" + period.Encode()
	d.MapURL = "/map?" + period.Encode()
	for _, st := range agreement.EffectiveStatuses {
		if n := sum.Provisions[st]; n > 0 {
			d.Provisions = append(d.Provisions, statusCount{st, n})
			d.ProvisionTotal += n
		}
	}
	d.Implemented = sum.Provisions[agreement.StatusImplemented]
	last := per.Last()
	d.Prev = "/?day=" + last.AddDate(0, 0, -1).Format(time.DateOnly)
	d.Next = "/?day=" + last.AddDate(0, 0, 1).Format(time.DateOnly)
	d.Week = "/?" + url.Values{"from": {last.AddDate(0, 0, -6).Format(time.DateOnly)}, "to": {last.Format(time.DateOnly)}}.Encode()
	d.Month = "/?" + url.Values{"from": {last.AddDate(0, 0, -29).Format(time.DateOnly)}, "to": {last.Format(time.DateOnly)}}.Encode()
	d.Chart = sideChart(pg, sum)
	d.Bars = categoryBars(pg, sum, period)
	d.Map = smallMap(pg, sum)
	if d.Registries, err = s.latestRegistries(r, p, pg); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Data = d
	s.render.Render(w, http.StatusOK, "dashboard", pg)
}

// The charts are drawn here as SVG, in the page's language, with links
// into the lists: they are pictures of figures the domain counted, and
// the page works without JavaScript. Sides get neutral colours (neither
// red nor green), told apart by hue and by dash as well.

var sideColours = []string{"#1f5fa8", "#8a5a00", "#5b4a9e", "#3d5566"}

func sideColour(i int) string { return sideColours[i%len(sideColours)] }

// svgText escapes text for an SVG element.
func svgText(s string) string { return html.EscapeString(s) }

func f2(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

func niceTop(maxV int) (top, step int) {
	for _, s := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000} {
		if maxV/s < 5 {
			return ((maxV + s - 1) / s) * s, s
		}
	}
	return maxV, maxV
}

// sideChart draws what each side alleged (solid) and what was verified
// against it (dashed) per day over the chart's 30 days.
func sideChart(pg *web.Page, sum dashboard.Summary) template.HTML {
	const W, H, left, right, top, bottom = 900.0, 260.0, 44.0, 24.0, 12.0, 28.0
	pw, ph := W-left-right, H-top-bottom
	maxV := 1
	for _, s := range sum.Series {
		for i := range s.Alleged {
			maxV = max(maxV, s.Alleged[i], s.Verified[i])
		}
	}
	topV, step := niceTop(maxV)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %s %s" role="img" aria-label="%s" dir="ltr">`, f2(W), f2(H), svgText(pg.T("dash.chart.label")))
	for v := 0; v <= topV; v += step {
		y := top + ph - float64(v)/float64(topV)*ph
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" class="grid"/>`, f2(left), f2(y), f2(left+pw), f2(y))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" class="axis">%s</text>`, f2(left-4), f2(y+4), svgText(pg.Num(v)))
	}
	n := len(sum.Days)
	x := func(i int) float64 {
		if n <= 1 {
			return left + pw/2
		}
		return left + float64(i)/float64(n-1)*pw
	}
	for i, day := range sum.Days {
		if i%7 == (n-1)%7 {
			t, _ := time.Parse(time.DateOnly, day)
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" class="axis">%s</text>`, f2(x(i)), f2(top+ph+16), svgText(t.Format("02.01")))
		}
	}
	// The period itself is shaded.
	first, lastI := -1, -1
	for i, day := range sum.Days {
		if day >= sum.Period.From.Format(time.DateOnly) {
			if first < 0 {
				first = i
			}
			lastI = i
		}
	}
	if first >= 0 {
		x0, x1 := x(first)-3, x(lastI)+3
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" class="period"/>`, f2(x0), f2(top), f2(x1-x0), f2(ph))
	}
	line := func(vals []int, colour string, dashed bool) {
		pts := make([]string, len(vals))
		for i, v := range vals {
			pts[i] = f2(x(i)) + "," + f2(top+ph-float64(v)/float64(topV)*ph)
		}
		dash := ""
		if dashed {
			dash = ` stroke-dasharray="5 3" stroke-width="2.5"`
		} else {
			dash = ` stroke-width="2"`
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s"%s/>`, strings.Join(pts, " "), colour, dash)
	}
	for i, s := range sum.Series {
		line(s.Alleged, sideColour(i), false)
		line(s.Verified, sideColour(i), true)
	}
	fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" class="axisline"/>`, f2(left), f2(top+ph), f2(left+pw), f2(top+ph))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// categoryBars draws the period's counts per category as bars, each a
// link to the allegations of that category in the period.
func categoryBars(pg *web.Page, sum dashboard.Summary, period url.Values) template.HTML {
	if len(sum.Categories) == 0 {
		return ""
	}
	const W, rowH, labelW = 440.0, 26.0, 170.0
	H := rowH*float64(len(sum.Categories)) + 8
	maxV := 1
	for _, c := range sum.Categories {
		maxV = max(maxV, c.Total())
	}
	pw := W - labelW - 44
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart bars" viewBox="0 0 %s %s" role="img" aria-label="%s">`, f2(W), f2(H), svgText(pg.T("dash.categories.label")))
	rtl := pg.Dir == "rtl"
	for i, c := range sum.Categories {
		y := 4 + float64(i)*rowH
		v := url.Values{"category": {c.Category}}
		for k, vs := range period {
			v[k] = vs
		}
		label := pg.T("category." + c.Category)
		segs := []struct {
			n     int
			class string
		}{{c.Alleged, "alleged"}, {c.Observations, "observed"}, {c.Verified, "verified"}}
		fmt.Fprintf(&b, `<a href="/allegations?%s"><title>%s</title>`, svgText(v.Encode()),
			svgText(pg.T("dash.categories.row", "category", label, "alleged", pg.Num(c.Alleged), "observed", pg.Num(c.Observations), "verified", pg.Num(c.Verified))))
		lx, anchor := labelW-8, "end"
		if rtl {
			lx, anchor = W-labelW+8, "start"
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="%s" class="label">%s</text>`, f2(lx), f2(y+rowH/2+4), anchor, svgText(label))
		pos := 0.0
		for _, sg := range segs {
			w := float64(sg.n) / float64(maxV) * pw
			if w <= 0 {
				continue
			}
			bx := labelW + pos
			if rtl {
				bx = W - labelW - pos - w
			}
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" class="bar-%s"/>`, f2(bx), f2(y+3), f2(w), f2(rowH-8), sg.class)
			pos += w
		}
		tx, tanchor := labelW+pos+6, "start"
		if rtl {
			tx, tanchor = W-labelW-pos-6, "end"
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="%s" class="axis">%s</text></a>`, f2(tx), f2(y+rowH/2+4), tanchor, svgText(pg.Num(c.Total())))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// smallMap draws the line of contact and where the period's records are.
func smallMap(pg *web.Page, sum dashboard.Summary) template.HTML {
	box := geo.BBox{MinLat: 90, MinLon: 180, MaxLat: -90, MaxLon: -180}
	grow := func(p geo.Point) {
		box.MinLat, box.MaxLat = math.Min(box.MinLat, p.Lat), math.Max(box.MaxLat, p.Lat)
		box.MinLon, box.MaxLon = math.Min(box.MinLon, p.Lon), math.Max(box.MaxLon, p.Lon)
	}
	for _, l := range sum.Lines {
		for _, p := range l {
			grow(p)
		}
	}
	for _, s := range sum.Spots {
		grow(s.Point)
	}
	if box.MinLat > box.MaxLat {
		return ""
	}
	m := math.Max(0.05, math.Max(box.MaxLat-box.MinLat, box.MaxLon-box.MinLon)*0.08)
	box.MinLat, box.MaxLat, box.MinLon, box.MaxLon = box.MinLat-m, box.MaxLat+m, box.MinLon-m, box.MaxLon+m
	const W, H = 320.0, 240.0
	cos := math.Cos((box.MinLat + box.MaxLat) / 2 * math.Pi / 180)
	spanX, spanY := (box.MaxLon-box.MinLon)*cos, box.MaxLat-box.MinLat
	k := math.Min(W/spanX, H/spanY)
	x0, y0 := (W-spanX*k)/2, (H-spanY*k)/2
	at := func(p geo.Point) (float64, float64) {
		return x0 + (p.Lon-box.MinLon)*cos*k, y0 + (box.MaxLat-p.Lat)*k
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart minimap" viewBox="0 0 %s %s" role="img" aria-label="%s" dir="ltr">`, f2(W), f2(H), svgText(pg.T("dash.map.label")))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%s" height="%s" class="sea"/>`, f2(W), f2(H))
	for _, l := range sum.Lines {
		pts := make([]string, len(l))
		for i, p := range l {
			px, py := at(p)
			pts[i] = f2(px) + "," + f2(py)
		}
		fmt.Fprintf(&b, `<polyline points="%s" class="contact"/>`, strings.Join(pts, " "))
	}
	for _, s := range sum.Spots {
		px, py := at(s.Point)
		r := 3.0
		if s.Count > 1 {
			r = math.Min(14, 3+2*math.Log2(float64(s.Count)))
		}
		fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" class="spot-%s"/>`, f2(px), f2(py), f2(r), s.Kind)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
