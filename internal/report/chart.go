package report

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/geo"
)

// A chart is drawn once, as a list of shapes on a canvas, and that list is
// rendered twice: as SVG for HTML and with the PDF library's own drawing
// operations for the PDF. Both renderers format numbers the same fixed way,
// so the same data always gives the same bytes.

// Shape kinds.
const (
	ShapeRect     = "rect"
	ShapeLine     = "line"
	ShapePolyline = "polyline"
	ShapePolygon  = "polygon"
	ShapeCircle   = "circle"
	ShapeText     = "text"
)

// XY is a point on a canvas, in canvas units, y down.
type XY struct{ X, Y float64 }

// Shape is one drawing primitive. Colours are "#rrggbb" or "" for none.
type Shape struct {
	Kind        string
	Points      []XY // line (2), polyline, polygon; circle and text: the first is the centre or anchor
	W, H, R     float64
	Fill        string
	Stroke      string
	StrokeWidth float64
	Dash        bool
	Text        string
	Size        float64 // text size in canvas units
	Anchor      string  // start, middle, end
	Bold        bool
}

// Canvas is a chart: its size and its shapes in drawing order.
type Canvas struct {
	Title string
	W, H  float64
	Items []Shape
}

func (c *Canvas) rect(x, y, w, h float64, fill string) {
	c.Items = append(c.Items, Shape{Kind: ShapeRect, Points: []XY{{x, y}}, W: w, H: h, Fill: fill})
}

func (c *Canvas) line(x1, y1, x2, y2 float64, stroke string, width float64, dash bool) {
	c.Items = append(c.Items, Shape{Kind: ShapeLine, Points: []XY{{x1, y1}, {x2, y2}}, Stroke: stroke, StrokeWidth: width, Dash: dash})
}

func (c *Canvas) text(x, y float64, s string, size float64, anchor string, fill string, bold bool) {
	c.Items = append(c.Items, Shape{Kind: ShapeText, Points: []XY{{x, y}}, Text: s, Size: size, Anchor: anchor, Fill: fill, Bold: bold})
}

// num formats a coordinate with at most two decimals, the same way
// everywhere.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// SVG renders the canvas as a standalone <svg> element.
func (c Canvas) SVG() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s" font-family="DejaVu Sans, Verdana, sans-serif">`,
		num(c.W), num(c.H), num(c.W), num(c.H), html.EscapeString(c.Title))
	for _, s := range c.Items {
		b.WriteString(s.svg())
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func paint(fill, stroke string, width float64, dash bool) string {
	if fill == "" {
		fill = "none"
	}
	out := ` fill="` + fill + `"`
	if stroke != "" {
		out += ` stroke="` + stroke + `" stroke-width="` + num(width) + `"`
		if dash {
			out += ` stroke-dasharray="4 3"`
		}
	}
	return out
}

func points(ps []XY) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = num(p.X) + "," + num(p.Y)
	}
	return strings.Join(parts, " ")
}

func (s Shape) svg() string {
	switch s.Kind {
	case ShapeRect:
		return `<rect x="` + num(s.Points[0].X) + `" y="` + num(s.Points[0].Y) + `" width="` + num(s.W) + `" height="` + num(s.H) + `"` + paint(s.Fill, s.Stroke, s.StrokeWidth, s.Dash) + `/>`
	case ShapeLine:
		return `<line x1="` + num(s.Points[0].X) + `" y1="` + num(s.Points[0].Y) + `" x2="` + num(s.Points[1].X) + `" y2="` + num(s.Points[1].Y) + `"` + paint("", s.Stroke, s.StrokeWidth, s.Dash) + `/>`
	case ShapePolyline:
		return `<polyline points="` + points(s.Points) + `"` + paint("", s.Stroke, s.StrokeWidth, s.Dash) + `/>`
	case ShapePolygon:
		return `<polygon points="` + points(s.Points) + `"` + paint(s.Fill, s.Stroke, s.StrokeWidth, s.Dash) + ` fill-opacity="0.35"/>`
	case ShapeCircle:
		return `<circle cx="` + num(s.Points[0].X) + `" cy="` + num(s.Points[0].Y) + `" r="` + num(s.R) + `"` + paint(s.Fill, s.Stroke, s.StrokeWidth, s.Dash) + `/>`
	case ShapeText:
		anchor := s.Anchor
		if anchor == "" {
			anchor = "start"
		}
		weight := ""
		if s.Bold {
			weight = ` font-weight="bold"`
		}
		fill := s.Fill
		if fill == "" {
			fill = "#222222"
		}
		return `<text x="` + num(s.Points[0].X) + `" y="` + num(s.Points[0].Y) + `" font-size="` + num(s.Size) + `" text-anchor="` + anchor + `" fill="` + fill + `"` + weight + `>` + html.EscapeString(s.Text) + `</text>`
	}
	return ""
}

// Colours: one per series, chosen to stay apart in grey print too.
var palette = []string{"#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#566573", "#117a65", "#a04000"}

const (
	colourObserved = "#2e8b57"
	colourVerified = "#222222"
	colourGrid     = "#dddddd"
	colourAxis     = "#555555"
)

// Series is one line of a chart over days.
type Series struct {
	Name   string
	Colour string
	Values []int
}

// dailyChart draws series over days as lines with a y axis from zero.
func dailyChart(t tr, title string, days []string, series []Series) Canvas {
	c := Canvas{Title: title, W: 640, H: 260}
	left, right, top, bottom := 44.0, 200.0, 28.0, 40.0
	pw, ph := c.W-left-right, c.H-top-bottom
	c.text(left, 16, title, 12, "start", "", true)
	maxV := 1
	for _, s := range series {
		for _, v := range s.Values {
			maxV = max(maxV, v)
		}
	}
	step := niceStep(maxV)
	top2 := ((maxV + step - 1) / step) * step
	for v := 0; v <= top2; v += step {
		y := top + ph - float64(v)/float64(top2)*ph
		c.line(left, y, left+pw, y, colourGrid, 0.5, false)
		c.text(left-4, y+3, t.num(v), 8, "end", colourAxis, false)
	}
	n := len(days)
	x := func(i int) float64 {
		if n <= 1 {
			return left + pw/2
		}
		return left + float64(i)/float64(n-1)*pw
	}
	for i, d := range days {
		if i%5 == 0 || i == n-1 {
			c.line(x(i), top+ph, x(i), top+ph+3, colourAxis, 0.5, false)
			c.text(x(i), top+ph+14, shortDay(t, d), 8, "middle", colourAxis, false)
		}
	}
	c.line(left, top+ph, left+pw, top+ph, colourAxis, 0.8, false)
	for si, s := range series {
		pts := make([]XY, len(s.Values))
		for i, v := range s.Values {
			pts[i] = XY{x(i), top + ph - float64(v)/float64(top2)*ph}
		}
		if len(pts) == 1 {
			c.Items = append(c.Items, Shape{Kind: ShapeCircle, Points: pts, R: 2, Fill: s.Colour})
		} else if len(pts) > 1 {
			c.Items = append(c.Items, Shape{Kind: ShapePolyline, Points: pts, Stroke: s.Colour, StrokeWidth: 1.6, Dash: si > 0 && s.Colour == colourVerified})
		}
		ly := top + 10 + float64(si)*16
		c.line(left+pw+12, ly-3, left+pw+28, ly-3, s.Colour, 2, false)
		c.text(left+pw+32, ly, s.Name, 8, "start", "", false)
	}
	return c
}

func shortDay(t tr, d string) string {
	day, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return t.T("date.short", "d", t.digits(strconv.Itoa(day.Day())), "m", t.digits(day.Format("01")), "month", t.T("month_short."+strconv.Itoa(int(day.Month()))))
}

func niceStep(maxV int) int {
	for _, s := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000} {
		if maxV/s <= 6 {
			return s
		}
	}
	return 100000
}

// Bar is one group of a grouped bar chart.
type Bar struct {
	Label  string
	Values []int // one per series name
}

// barChart draws horizontal grouped bars, one group per label.
func barChart(t tr, title string, names []string, colours []string, bars []Bar) Canvas {
	rowH := 6.0*float64(len(names)) + 8
	c := Canvas{Title: title, W: 640, H: 44 + rowH*float64(max(len(bars), 1)) + 16*float64(len(names))}
	left, top := 170.0, 26.0
	pw := c.W - left - 60
	c.text(10, 16, title, 12, "start", "", true)
	maxV := 1
	for _, b := range bars {
		for _, v := range b.Values {
			maxV = max(maxV, v)
		}
	}
	if len(bars) == 0 {
		c.text(left, top+14, t.T("chart.nothing"), 9, "start", colourAxis, false)
	}
	for i, b := range bars {
		y := top + float64(i)*rowH
		c.text(left-6, y+rowH/2+3, b.Label, 8, "end", "", false)
		for j, v := range b.Values {
			w := float64(v) / float64(maxV) * pw
			by := y + 4 + float64(j)*6
			c.rect(left, by, w, 5, colours[j])
			if v > 0 {
				c.text(left+w+3, by+5, strconv.Itoa(v), 6, "start", colourAxis, false)
			}
		}
	}
	ly := top + rowH*float64(max(len(bars), 1)) + 10
	for j, n := range names {
		c.rect(left, ly+float64(j)*16-7, 12, 8, colours[j])
		c.text(left+16, ly+float64(j)*16, n, 9, "start", "", false)
	}
	return c
}

// Projection of a map: equirectangular, scaled by the cosine of the
// middle latitude so that distances east-west and north-south look alike
// at the scale of a front line.
type projection struct {
	box          geo.BBox
	x0, y0, k, c float64
}

func newProjection(box geo.BBox, x0, y0, w, h float64) projection {
	mid := (box.MinLat + box.MaxLat) / 2 * math.Pi / 180
	cos := math.Cos(mid)
	spanX := (box.MaxLon - box.MinLon) * cos
	spanY := box.MaxLat - box.MinLat
	k := math.Min(w/math.Max(spanX, 1e-6), h/math.Max(spanY, 1e-6))
	return projection{box: box, x0: x0 + (w-spanX*k)/2, y0: y0 + (h-spanY*k)/2, k: k, c: cos}
}

func (p projection) at(pt geo.Point) XY {
	return XY{p.x0 + (pt.Lon-p.box.MinLon)*p.c*p.k, p.y0 + (p.box.MaxLat-pt.Lat)*p.k}
}

// KindPlace is the kind of a map layer that is a named place (a town, a
// checkpoint) rather than a layer of the geography.
const KindPlace = "place"

// MapLayer is a geometry drawn under the incidents.
type MapLayer struct {
	Name string `json:"name"`
	// Names are the layer's or place's names by report language, where
	// it has them; the report's language picks Name from them.
	Names   map[string]string `json:"names,omitempty"`
	Kind    string            `json:"kind"`
	Line    geo.Line          `json:"line,omitempty"`
	Polygon []geo.Point       `json:"polygon,omitempty"`
	Point   *geo.Point        `json:"point,omitempty"`
}

// MapPoint is a record on the map.
type MapPoint struct {
	ID    string    `json:"id"`
	Label string    `json:"label"`
	Point geo.Point `json:"point"`
	// Class picks the symbol: verified, open, observation.
	Class string `json:"class"`
	// Kind and Count are an observation's kind and count.
	Kind  string `json:"kind,omitempty"`
	Count int    `json:"count,omitempty"`
}

var mapColours = map[string]string{"verified": "#c0392b", "open": "#d68910", "closed": "#566573", "observation": "#2e8b57"}

// mapChart draws the layers and the points within the bounding box of
// everything shown (with a margin).
func mapChart(t tr, title string, layers []MapLayer, pts []MapPoint) Canvas {
	c := Canvas{Title: title, W: 640, H: 420}
	c.text(10, 16, title, 12, "start", "", true)
	box := geo.BBox{MinLat: 90, MinLon: 180, MaxLat: -90, MaxLon: -180}
	grow := func(p geo.Point) {
		box.MinLat, box.MaxLat = math.Min(box.MinLat, p.Lat), math.Max(box.MaxLat, p.Lat)
		box.MinLon, box.MaxLon = math.Min(box.MinLon, p.Lon), math.Max(box.MaxLon, p.Lon)
	}
	for _, l := range layers {
		for _, p := range l.Line {
			grow(p)
		}
		for _, p := range l.Polygon {
			grow(p)
		}
		if l.Point != nil {
			grow(*l.Point)
		}
	}
	for _, p := range pts {
		grow(p.Point)
	}
	if box.MinLat > box.MaxLat {
		c.text(c.W/2, c.H/2, t.T("chart.no_geography"), 10, "middle", colourAxis, false)
		return c
	}
	m := math.Max(0.05, math.Max(box.MaxLat-box.MinLat, box.MaxLon-box.MinLon)*0.08)
	box.MinLat, box.MaxLat, box.MinLon, box.MaxLon = box.MinLat-m, box.MaxLat+m, box.MinLon-m, box.MaxLon+m
	pr := newProjection(box, 10, 26, c.W-20, c.H-70)
	c.Items = append(c.Items, Shape{Kind: ShapeRect, Points: []XY{{10, 26}}, W: c.W - 20, H: c.H - 70, Stroke: colourGrid, StrokeWidth: 0.5})
	for _, l := range layers {
		switch {
		case len(l.Polygon) > 2:
			ps := make([]XY, len(l.Polygon))
			for i, p := range l.Polygon {
				ps[i] = pr.at(p)
			}
			c.Items = append(c.Items, Shape{Kind: ShapePolygon, Points: ps, Fill: "#aec6e8", Stroke: "#1f5fa8", StrokeWidth: 0.6})
		case len(l.Line) > 1:
			ps := make([]XY, len(l.Line))
			for i, p := range l.Line {
				ps[i] = pr.at(p)
			}
			stroke, width, dash := "#222222", 2.0, false
			if l.Kind == geo.KindCorridor {
				stroke, width, dash = "#8e44ad", 1.2, true
			}
			c.Items = append(c.Items, Shape{Kind: ShapePolyline, Points: ps, Stroke: stroke, StrokeWidth: width, Dash: dash})
		case l.Point != nil && l.Kind == KindPlace:
			xy := pr.at(*l.Point)
			c.Items = append(c.Items, Shape{Kind: ShapeCircle, Points: []XY{xy}, R: 2, Fill: "#555555"})
			c.text(xy.X+4, xy.Y-3, l.Name, 7, "start", "#555555", false)
		case l.Point != nil:
			xy := pr.at(*l.Point)
			c.Items = append(c.Items, Shape{Kind: ShapeRect, Points: []XY{{xy.X - 2, xy.Y - 2}}, W: 4, H: 4, Fill: "#1f5fa8"})
		}
	}
	for _, p := range pts {
		xy := pr.at(p.Point)
		r := 3.5
		if p.Class == "observation" {
			r = 2.5
		}
		c.Items = append(c.Items, Shape{Kind: ShapeCircle, Points: []XY{xy}, R: r, Fill: mapColours[p.Class], Stroke: "#ffffff", StrokeWidth: 0.5})
	}
	// Legend and scale note: a symbol only for what the map shows, so
	// that an edition without some layer does not list it.
	ly := c.H - 30
	classes := map[string]bool{}
	for _, p := range pts {
		classes[p.Class] = true
	}
	x := 14.0
	for _, l := range []struct{ class, key string }{{"verified", "legend.verified"}, {"open", "legend.open"}, {"closed", "legend.closed"}, {"observation", "legend.observation"}} {
		if !classes[l.class] {
			continue
		}
		c.Items = append(c.Items, Shape{Kind: ShapeCircle, Points: []XY{{x, ly}}, R: 3.5, Fill: mapColours[l.class]})
		c.text(x+7, ly+3, t.T(l.key), 8, "start", "", false)
		x += 155
	}
	kinds := map[string]bool{}
	for _, l := range layers {
		kinds[l.Kind] = true
	}
	x = 14
	for _, k := range []string{geo.KindLineOfContact, geo.KindZone, geo.KindCorridor, geo.KindSite, KindPlace} {
		if !kinds[k] {
			continue
		}
		switch k {
		case geo.KindLineOfContact:
			c.line(x, ly+16, x+20, ly+16, "#222222", 2, false)
			x += 24
		case geo.KindZone:
			c.rect(x, ly+12, 12, 8, "#aec6e8")
			x += 16
		case geo.KindCorridor:
			c.line(x, ly+16, x+20, ly+16, "#8e44ad", 1.2, true)
			x += 24
		case geo.KindSite:
			c.rect(x+2, ly+14, 4, 4, "#1f5fa8")
			x += 10
		case KindPlace:
			c.Items = append(c.Items, Shape{Kind: ShapeCircle, Points: []XY{{x + 4, ly + 16}}, R: 2, Fill: "#555555"})
			x += 10
		}
		label := t.T("legend." + k)
		c.text(x, ly+19, label, 8, "start", "", false)
		x += 14 + 4.5*float64(len([]rune(label)))
	}
	c.text(c.W-12, ly+19, t.T("map.box", "lat0", t.dec(box.MinLat, 2), "lat1", t.dec(box.MaxLat, 2), "lon0", t.dec(box.MinLon, 2), "lon1", t.dec(box.MaxLon, 2)), 7, "end", colourAxis, false)
	return c
}

// TimelineRow is one provision of a timeline chart.
type TimelineRow struct {
	Label     string
	Spans     []StatusSpan
	Deadlines []time.Time
}

// StatusSpan is a status held from From to To.
type StatusSpan struct {
	Status string    `json:"status"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

var statusColours = map[string]string{
	"not_started": "#bbbbbb", "in_progress": "#d68910", "implemented": "#2e8b57",
	"overdue": "#c0392b", "violated": "#7b241c", "superseded": "#566573",
}

// timelineChart draws one row per provision, coloured by status over time,
// with its deadlines as ticks.
func timelineChart(t tr, title string, from, to time.Time, rows []TimelineRow) Canvas {
	c := Canvas{Title: title, W: 640, H: 70 + 18*float64(len(rows)) + 30}
	left, top := 70.0, 30.0
	pw := c.W - left - 16
	c.text(10, 16, title, 12, "start", "", true)
	span := to.Sub(from).Seconds()
	if span <= 0 {
		span = 1
	}
	x := func(t time.Time) float64 {
		v := t.Sub(from).Seconds() / span
		return left + math.Max(0, math.Min(1, v))*pw
	}
	for i, r := range rows {
		y := top + float64(i)*18
		c.text(left-6, y+11, r.Label, 9, "end", "", false)
		for _, s := range r.Spans {
			c.rect(x(s.From), y+2, math.Max(0.5, x(s.To)-x(s.From)), 12, statusColours[s.Status])
		}
		for _, d := range r.Deadlines {
			if !d.Before(from) && !d.After(to) {
				c.line(x(d), y, x(d), y+16, "#000000", 1.2, false)
			}
		}
	}
	axisY := top + float64(len(rows))*18 + 4
	c.line(left, axisY, left+pw, axisY, colourAxis, 0.8, false)
	// Year and half-year ticks.
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		if m.Before(from) || (m.Month() != 1 && m.Month() != 7) {
			continue
		}
		c.line(x(m), axisY, x(m), axisY+4, colourAxis, 0.5, false)
		c.text(x(m), axisY+14, t.T("month_year", "month", t.T("month_short."+strconv.Itoa(int(m.Month()))), "y", t.digits(strconv.Itoa(m.Year()))), 8, "middle", colourAxis, false)
	}
	ly := axisY + 26
	i := 0
	for _, st := range []string{"not_started", "in_progress", "implemented", "overdue", "violated", "superseded"} {
		xx := left + float64(i)*92
		c.rect(xx, ly-7, 10, 8, statusColours[st])
		c.text(xx+13, ly, t.enum("pstatus", st), 8, "start", "", false)
		i++
	}
	return c
}
