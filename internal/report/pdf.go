package report

import (
	"bytes"
	_ "embed"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// DejaVu Sans (Bitstream Vera licence, fonts/LICENSE-DejaVu.txt) covers
// Latin, Cyrillic, Armenian, Georgian and the Arabic presentation forms,
// which is what the parties' names and the statements need.
//
//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

// pdfEpoch is the creation date written into every PDF, so that the same
// report gives the same bytes. The report's own dates are in its text.
var pdfEpoch = time.Date(2020, 11, 10, 0, 0, 0, 0, time.UTC)

const (
	pageW, pageH = 210.0, 297.0
	margin       = 14.0
	contentW     = pageW - 2*margin
	lineH        = 3.6
	cellPad      = 0.8
)

type pdfWriter struct {
	pdf *fpdf.Fpdf
}

// PDF renders the report as an A4 PDF with embedded fonts.
func PDF(rep *Report, f Footer) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(pdfEpoch)
	pdf.SetModificationDate(pdfEpoch)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.SetProducer("Truce", true)
	pdf.SetCreator("Truce", true)
	pdf.SetTitle(rep.Title, true)
	pdf.SetAuthor(rep.Mission, true)
	pdf.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	w := &pdfWriter{pdf: pdf}
	footer := f.Text()
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("dejavu", "", 6.5)
		pdf.SetTextColor(70, 70, 70)
		pdf.MultiCell(contentW, 2.8, footer+" · page "+strconv.Itoa(pdf.PageNo())+"/{nb}", "T", "L", false)
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pdf.SetFont("dejavu", "", 8)
	w.text(strings.ToUpper(rep.Mission), 8, false, 4)
	w.text(rep.Title, 15, true, 7)
	if rep.Number != "" {
		w.text("Report No. "+rep.Number, 10, true, 5)
	}
	w.text("Period: "+rep.Period.Label, 9, false, 4.5)
	w.text(rep.EditionNote, 9, rep.Edition == EditionMission, 4.5)
	pdf.Ln(2)
	for _, sec := range Sections(rep) {
		w.section(sec)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// text writes a paragraph, shaped and reordered when it holds
// right-to-left script.
func (w *pdfWriter) text(s string, size float64, bold bool, h float64) {
	style := ""
	if bold {
		style = "B"
	}
	w.pdf.SetFont("dejavu", style, size)
	align := "L"
	if hasRTL(s) && startsRTL(s) {
		align = "R"
	}
	for _, line := range w.pdf.SplitText(s, contentW) {
		w.pdf.CellFormat(contentW, h, Visual(line), "", 1, align, false, 0, "")
	}
}

// startsRTL reports whether the first strong character of s is
// right-to-left.
func startsRTL(s string) bool {
	for _, r := range s {
		switch classOf(r) {
		case classL:
			return false
		case classR:
			return true
		}
	}
	return false
}

func (w *pdfWriter) section(sec Section) {
	pdf := w.pdf
	if pdf.GetY() > pageH-50 {
		pdf.AddPage()
	}
	pdf.Ln(3)
	w.text(sec.Title, 12.5, true, 6)
	pdf.SetDrawColor(150, 150, 150)
	pdf.Line(margin, pdf.GetY(), pageW-margin, pdf.GetY())
	pdf.Ln(1.5)
	for _, n := range sec.Notes {
		w.text(n, 8.5, false, 4)
	}
	for _, t := range sec.Tables {
		w.table(t)
	}
	for _, c := range sec.Charts {
		w.chart(c)
	}
}

// columnWidths shares the width among columns by the length of what they
// hold, within bounds.
func columnWidths(t Table) []float64 {
	n := len(t.Header)
	weight := make([]float64, n)
	for i, h := range t.Header {
		// A column is at least as wide as the longest word of its head.
		for _, word := range strings.Fields(h) {
			weight[i] = max(weight[i], float64(len([]rune(word)))+1)
		}
	}
	for _, r := range t.Rows {
		for i := 0; i < n && i < len(r); i++ {
			l := float64(min(len([]rune(r[i])), 60))
			if l > 14 {
				// Long text wraps; let it share what is left.
				l = 14 + (l-14)/2
			}
			weight[i] = max(weight[i], l)
		}
	}
	total := 0.0
	for i := range weight {
		weight[i] = max(weight[i], 4)
		total += weight[i]
	}
	out := make([]float64, n)
	for i := range weight {
		out[i] = weight[i] / total * contentW
	}
	return out
}

func (w *pdfWriter) table(t Table) {
	pdf := w.pdf
	if pdf.GetY() > pageH-40 {
		pdf.AddPage()
	}
	w.text(t.Title, 9.5, true, 5)
	if len(t.Rows) == 0 {
		w.text("None.", 8, false, 4)
		return
	}
	widths := columnWidths(t)
	rows := t.Rows
	more := 0
	if t.Shown > 0 && len(rows) > t.Shown {
		more = len(rows) - t.Shown
		rows = rows[:t.Shown]
	}
	w.row(t.Header, widths, true)
	for _, r := range rows {
		if pdf.GetY()+lineH*2 > pageH-20 {
			pdf.AddPage()
			w.row(t.Header, widths, true)
		}
		w.row(r, widths, false)
	}
	if more > 0 {
		w.text(strconv.Itoa(more)+" more rows in the JSON and CSV formats.", 8, false, 4)
	}
	pdf.Ln(1.5)
}

func (w *pdfWriter) row(cells []string, widths []float64, header bool) {
	pdf := w.pdf
	style := ""
	size := 7.0
	if header {
		style = "B"
		size = 6.8
	}
	pdf.SetFont("dejavu", style, size)
	lines := make([][]string, len(widths))
	n := 1
	for i := range widths {
		s := ""
		if i < len(cells) {
			s = cells[i]
		}
		ls := pdf.SplitText(s, widths[i]-2*cellPad)
		if len(ls) > 6 {
			ls = append(ls[:5], "…")
		}
		lines[i] = ls
		n = max(n, len(ls))
	}
	h := float64(n)*lineH*0.85 + 1
	if pdf.GetY()+h > pageH-20 {
		pdf.AddPage()
	}
	x, y := margin, pdf.GetY()
	pdf.SetDrawColor(180, 180, 180)
	for i, wd := range widths {
		if header {
			pdf.SetFillColor(235, 235, 235)
			pdf.Rect(x, y, wd, h, "FD")
		} else {
			pdf.Rect(x, y, wd, h, "D")
		}
		for j, l := range lines[i] {
			align := "L"
			if hasRTL(l) && startsRTL(l) {
				align = "R"
			}
			pdf.SetXY(x+cellPad, y+0.4+float64(j)*lineH*0.85)
			pdf.CellFormat(wd-2*cellPad, lineH*0.85, Visual(l), "", 0, align, false, 0, "")
		}
		x += wd
	}
	pdf.SetXY(margin, y+h)
}

func hexColour(s string) (int, int, int, bool) {
	if len(s) != 7 || s[0] != '#' {
		return 0, 0, 0, false
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff), true
}

// chart draws a canvas across the content width.
func (w *pdfWriter) chart(c Canvas) {
	pdf := w.pdf
	k := contentW / c.W
	h := c.H * k
	if pdf.GetY()+h > pageH-20 {
		pdf.AddPage()
	}
	x0, y0 := margin, pdf.GetY()+2
	at := func(p XY) (float64, float64) { return x0 + p.X*k, y0 + p.Y*k }
	for _, s := range c.Items {
		fr, fg, fb, fill := hexColour(s.Fill)
		sr, sg, sb, stroke := hexColour(s.Stroke)
		if fill {
			pdf.SetFillColor(fr, fg, fb)
		}
		if stroke {
			pdf.SetDrawColor(sr, sg, sb)
			pdf.SetLineWidth(max(s.StrokeWidth*k, 0.05))
		}
		if s.Dash {
			pdf.SetDashPattern([]float64{4 * k, 3 * k}, 0)
		}
		style := ""
		switch {
		case fill && stroke:
			style = "FD"
		case fill:
			style = "F"
		case stroke:
			style = "D"
		}
		switch s.Kind {
		case ShapeRect:
			if style != "" {
				x, y := at(s.Points[0])
				pdf.Rect(x, y, s.W*k, s.H*k, style)
			}
		case ShapeLine:
			x1, y1 := at(s.Points[0])
			x2, y2 := at(s.Points[1])
			pdf.Line(x1, y1, x2, y2)
		case ShapePolyline:
			for i := 1; i < len(s.Points); i++ {
				x1, y1 := at(s.Points[i-1])
				x2, y2 := at(s.Points[i])
				pdf.Line(x1, y1, x2, y2)
			}
		case ShapePolygon:
			pts := make([]fpdf.PointType, len(s.Points))
			for i, p := range s.Points {
				pts[i].X, pts[i].Y = at(p)
			}
			pdf.SetAlpha(0.35, "Normal")
			pdf.Polygon(pts, "F")
			pdf.SetAlpha(1, "Normal")
			if stroke {
				pdf.Polygon(pts, "D")
			}
		case ShapeCircle:
			if style != "" {
				x, y := at(s.Points[0])
				pdf.Circle(x, y, s.R*k, style)
			}
		case ShapeText:
			st := ""
			if s.Bold {
				st = "B"
			}
			pt := s.Size * k * 72 / 25.4
			pdf.SetFont("dejavu", st, pt)
			r, g, b, ok := hexColour(s.Fill)
			if !ok {
				r, g, b = 34, 34, 34
			}
			pdf.SetTextColor(r, g, b)
			txt := Visual(s.Text)
			x, y := at(s.Points[0])
			switch s.Anchor {
			case "middle":
				x -= pdf.GetStringWidth(txt) / 2
			case "end":
				x -= pdf.GetStringWidth(txt)
			}
			pdf.Text(x, y, txt)
			pdf.SetTextColor(0, 0, 0)
		}
		if s.Dash {
			pdf.SetDashPattern(nil, 0)
		}
	}
	pdf.SetLineWidth(0.2)
	pdf.SetXY(margin, y0+h+2)
}
