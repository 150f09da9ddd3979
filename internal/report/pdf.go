package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/xml"
	"fmt"
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

// sRGB2014.icc (International Color Consortium, fonts/LICENSE-sRGB2014.txt)
// is the output intent PDF/A asks for: the colours below are sRGB.
//
//go:embed fonts/sRGB2014.icc
var iccSRGB []byte

const (
	pageW, pageH = 210.0, 297.0
	margin       = 14.0
	contentW     = pageW - 2*margin
	lineH        = 3.6
	cellPad      = 0.8
	// bottom is where text stops: the footer is below it.
	bottom = pageH - 20
)

type pdfWriter struct {
	pdf  *fpdf.Fpdf
	ts   *typesetter
	rtl  bool   // the report's language is written right to left
	lang string // the report's language, for the PDF's own words
	// header repeats the header row of the table being drawn on each new
	// page it continues on.
	header func()
}

// rtlLanguages are the languages whose documents run right to left.
var rtlLanguages = map[string]bool{"ar": true, "fa": true, "he": true, "ur": true, "ps": true, "ckb": true, "yi": true, "dv": true, "sd": true, "ug": true}

func isRTLLanguage(tag string) bool {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	return rtlLanguages[primary]
}

// creationDate is the issuing time of an issued report; a draft takes the
// end of its period, so that two drafts of the same data are the same bytes.
func creationDate(rep *Report, f Footer) time.Time {
	if f.Issued {
		if t, err := time.Parse("2006-01-02 15:04 UTC", f.IssuedAt); err == nil {
			return t.UTC()
		}
		if t, err := time.Parse(time.RFC3339, f.IssuedAt); err == nil {
			return t.UTC()
		}
	}
	if !rep.Period.To.IsZero() {
		return rep.Period.To.UTC()
	}
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
}

// PDF renders the report as an A4 PDF/A-2b document with embedded fonts.
func PDF(rep *Report, f Footer) ([]byte, error) {
	return renderPDF(rep, f, Sections(rep))
}

// renderPDF renders the report's heading and the given sections.
func renderPDF(rep *Report, f Footer, sections []Section) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	lang := rep.Lang
	if lang == "" {
		lang = "en"
	}
	number := f.Number
	if number == "" {
		number = rep.Number
	}
	created := creationDate(rep, f)
	subject := "Draft report (not issued)"
	if number != "" {
		subject = Phrase(lang, "report_no", "number", number)
	}
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.SetProducer("Truce", true)
	pdf.SetCreator("Truce", true)
	pdf.SetTitle(rep.Title, true)
	pdf.SetAuthor(rep.Mission, true)
	pdf.SetSubject(subject, true)
	pdf.SetKeywords(number, true)
	pdf.SetLang(pdfLangTag(lang))
	pdf.SetXmpMetadata(xmpMetadata(xmpFields{Title: rep.Title, Author: rep.Mission, Subject: subject, Keywords: number, Lang: pdfLangTag(lang), Created: created}))
	pdf.AddOutputIntent(fpdf.OutputIntentType{SubtypeIdent: fpdf.OutputIntent_GTS_PDFA1, OutputConditionIdentifier: "sRGB IEC61966-2.1", Info: "sRGB IEC61966-2.1", ICCProfile: iccSRGB})
	pdf.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	ts, err := newTypesetter(isRTLLanguage(lang), func(s string) float64 { return pdf.GetStringWidth(s) })
	if err != nil {
		return nil, err
	}
	w := &pdfWriter{pdf: pdf, ts: ts, rtl: isRTLLanguage(lang), lang: lang}
	footer := f.Text()
	pdf.SetFooterFunc(func() {
		pdf.SetY(-15)
		pdf.SetFont("dejavu", "", 6.5)
		pdf.SetTextColor(70, 70, 70)
		pdf.SetDrawColor(150, 150, 150)
		pdf.Line(margin, pdf.GetY(), pageW-margin, pdf.GetY())
		pdf.SetXY(margin, pdf.GetY()+0.3)
		w.paragraph(footer+" · "+Phrase(lang, "page", "n", strconv.Itoa(pdf.PageNo()), "total", "{nb}"), contentW, 2.8, false)
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.SetHeaderFunc(func() {
		if w.header != nil {
			w.header()
		}
	})
	pdf.AddPage()
	pdf.SetFont("dejavu", "", 8)
	w.text(strings.ToUpper(rep.Mission), 8, false, 4)
	w.text(rep.Title, 15, true, 7)
	if rep.Number != "" {
		w.text(Phrase(lang, "report_no", "number", rep.Number), 10, true, 5)
	}
	w.text(Phrase(lang, "period_line", "period", rep.Period.Label), 9, false, 4.5)
	w.text(rep.EditionNote, 9, rep.Edition == EditionMission, 4.5)
	pdf.Ln(2)
	for _, sec := range sections {
		w.section(sec)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, err
	}
	return finishTrailer(b.Bytes(), 1), nil
}

// pdfLangTag keeps a language tag to the characters a PDF string may hold
// unescaped.
func pdfLangTag(tag string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, tag)
}

// finishTrailer mends the trailer, which follows the cross-reference table
// so that no offset moves:
//   - it adds the file identifier PDF/A requires (ISO 19005-2, 6.1.3),
//     which the PDF library writes only for encrypted files: the SHA-256 of
//     the document, twice (created and last modified are one document);
//   - it points /Info at the information dictionary: fpdf v0.12 writes the
//     output intents' ICC profiles between it and the catalog and still
//     names the object before the catalog.
func finishTrailer(doc []byte, outputIntents int) []byte {
	i := bytes.LastIndex(doc, []byte("trailer\n<<\n"))
	if i < 0 {
		return doc
	}
	at := i + len("trailer\n<<\n")
	tail := string(doc[at:])
	var size, root, info int
	if n, err := fmt.Sscanf(tail, "/Size %d\n/Root %d 0 R\n/Info %d 0 R\n", &size, &root, &info); err != nil || n != 3 {
		return doc
	}
	sum := sha256.Sum256(doc)
	id := hex.EncodeToString(sum[:16])
	rest := tail[strings.Index(tail, "/Info "):]
	rest = rest[strings.Index(rest, "\n")+1:]
	out := make([]byte, 0, len(doc)+80)
	out = append(out, doc[:at]...)
	out = fmt.Appendf(out, "/ID [<%s><%s>]\n/Size %d\n/Root %d 0 R\n/Info %d 0 R\n", id, id, size, root, root-1-outputIntents)
	return append(out, rest...)
}

type xmpFields struct {
	Title, Author, Subject, Keywords, Lang string
	Created                                time.Time
}

// xmpMetadata is the document's XMP packet: the same title, dates and
// producer as the information dictionary, and the PDF/A-2b claim.
func xmpMetadata(m xmpFields) []byte {
	esc := func(s string) string {
		var b strings.Builder
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	date := m.Created.UTC().Format("2006-01-02T15:04:05")
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:xmp="http://ns.adobe.com/xap/1.0/"
  xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
  xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
`)
	fmt.Fprintf(&b, "<dc:format>application/pdf</dc:format>\n")
	fmt.Fprintf(&b, "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:title>\n", esc(m.Title))
	fmt.Fprintf(&b, "<dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator>\n", esc(m.Author))
	fmt.Fprintf(&b, "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:description>\n", esc(m.Subject))
	fmt.Fprintf(&b, "<dc:language><rdf:Bag><rdf:li>%s</rdf:li></rdf:Bag></dc:language>\n", esc(m.Lang))
	fmt.Fprintf(&b, "<pdf:Keywords>%s</pdf:Keywords>\n<pdf:Producer>Truce</pdf:Producer>\n<xmp:CreatorTool>Truce</xmp:CreatorTool>\n", esc(m.Keywords))
	fmt.Fprintf(&b, "<xmp:CreateDate>%s</xmp:CreateDate>\n<xmp:ModifyDate>%s</xmp:ModifyDate>\n", date, date)
	b.WriteString("<pdfaid:part>2</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n")
	b.WriteString("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>")
	return []byte(b.String())
}

// paragraph writes text laid out by the engine in a box of width at the
// current position, one line of height h each, and moves below it.
func (w *pdfWriter) paragraph(s string, width, h float64, bold bool) {
	x := w.pdf.GetX()
	for _, l := range w.ts.layout(s, width, bold) {
		w.drawLine(l, x, w.pdf.GetY(), width, h)
		w.pdf.SetXY(x, w.pdf.GetY()+h)
	}
}

// drawLine draws one laid-out line in the box at x, y: at its start, which
// is the right edge for a right-to-left paragraph.
func (w *pdfWriter) drawLine(l typeLine, x, y, width, h float64) {
	align := "L"
	if l.RTL {
		align = "R"
	}
	w.pdf.SetXY(x, y)
	w.pdf.CellFormat(width, h, l.Visual, "", 0, align, false, 0, "")
}

// text writes a paragraph across the content width.
func (w *pdfWriter) text(s string, size float64, bold bool, h float64) {
	style := ""
	if bold {
		style = "B"
	}
	w.pdf.SetFont("dejavu", style, size)
	for _, l := range w.ts.layout(s, contentW, bold) {
		if w.pdf.GetY()+h > bottom {
			w.pdf.AddPage()
		}
		w.drawLine(l, margin, w.pdf.GetY(), contentW, h)
		w.pdf.SetXY(margin, w.pdf.GetY()+h)
	}
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

const (
	cellSize    = 7.0
	headerSize  = 6.8
	minHeadSize = 4.5
	rowLineH    = lineH * 0.85
)

// columnWidths shares the width among columns by the length of what they
// hold; no column is narrower than the longest word of its header at the
// header's size, which is shrunk (down to minHeadSize) until they all fit.
func (w *pdfWriter) columnWidths(t Table) ([]float64, float64) {
	n := len(t.Header)
	pdf := w.pdf
	size := headerSize
	minW := make([]float64, n)
	for {
		pdf.SetFont("dejavu", "B", size)
		total := 0.0
		for i, h := range t.Header {
			minW[i] = 4
			for _, word := range strings.Fields(h) {
				minW[i] = max(minW[i], pdf.GetStringWidth(w.ts.Visual(word))+2*cellPad+0.2)
			}
			total += minW[i]
		}
		if total <= contentW || size <= minHeadSize {
			break
		}
		size = max(size-0.2, minHeadSize)
	}
	weight := make([]float64, n)
	for i, h := range t.Header {
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
	out := make([]float64, n)
	fixed := make([]bool, n)
	// Columns whose share is below their minimum take the minimum; the
	// others share what is left, until none is below.
	for range n {
		free, weights := contentW, 0.0
		for i := range out {
			if fixed[i] {
				free -= minW[i]
			} else {
				weights += max(weight[i], 4)
			}
		}
		changed := false
		for i := range out {
			if fixed[i] {
				out[i] = minW[i]
				continue
			}
			out[i] = max(weight[i], 4) / weights * free
			if out[i] < minW[i] {
				fixed[i], changed = true, true
			}
		}
		if !changed {
			break
		}
	}
	return out, size
}

func (w *pdfWriter) table(t Table) {
	pdf := w.pdf
	if pdf.GetY() > pageH-40 {
		pdf.AddPage()
	}
	w.text(t.Title, 9.5, true, 5)
	if len(t.Rows) == 0 {
		w.text(Phrase(w.lang, "none"), 8, false, 4)
		return
	}
	widths, headSize := w.columnWidths(t)
	rows := t.Rows
	more := 0
	if t.Shown > 0 && len(rows) > t.Shown {
		more = len(rows) - t.Shown
		rows = rows[:t.Shown]
	}
	head := w.cells(t.Header, widths, headSize, true)
	w.header = func() { w.drawRow(head, widths, headSize, true, 0, head.n) }
	w.drawRow(head, widths, headSize, true, 0, head.n)
	for _, r := range rows {
		w.row(w.cells(r, widths, cellSize, false), widths)
	}
	w.header = nil
	if more > 0 {
		w.text(strconv.Itoa(more)+" more rows in the JSON and CSV formats.", 8, false, 4)
	}
	pdf.Ln(1.5)
}

// laidRow is a table row's cells laid out in lines.
type laidRow struct {
	lines [][]typeLine
	n     int // the most lines of any cell
}

func (w *pdfWriter) cells(cells []string, widths []float64, size float64, bold bool) laidRow {
	style := ""
	if bold {
		style = "B"
	}
	w.pdf.SetFont("dejavu", style, size)
	r := laidRow{lines: make([][]typeLine, len(widths)), n: 1}
	for i := range widths {
		s := ""
		if i < len(cells) {
			s = cells[i]
		}
		r.lines[i] = w.ts.layout(s, widths[i]-2*cellPad, bold)
		r.n = max(r.n, len(r.lines[i]))
	}
	return r
}

// row draws a body row: where it fits, or whole on the next page when it
// fits on one, or split line by line across pages (the header repeated on
// each, by the page header function).
func (w *pdfWriter) row(r laidRow, widths []float64) {
	pdf := w.pdf
	height := func(lines int) float64 { return float64(lines)*rowLineH + 1 }
	usable := bottom - (margin + height(1)) // a fresh page, below a one-line header
	if pdf.GetY()+height(r.n) > bottom && height(r.n) <= usable {
		pdf.AddPage()
	}
	for from := 0; from < r.n; {
		fit := int((bottom - pdf.GetY() - 1) / rowLineH)
		if fit < 1 {
			pdf.AddPage()
			continue
		}
		to := min(r.n, from+fit)
		w.drawRow(r, widths, cellSize, false, from, to)
		from = to
		if from < r.n {
			pdf.AddPage()
		}
	}
}

// drawRow draws lines [from, to) of a laid-out row, its columns from the
// left, or from the right in a right-to-left report.
func (w *pdfWriter) drawRow(r laidRow, widths []float64, size float64, header bool, from, to int) {
	pdf := w.pdf
	style := ""
	if header {
		style = "B"
	}
	pdf.SetFont("dejavu", style, size)
	h := float64(to-from)*rowLineH + 1
	x, y := margin, pdf.GetY()
	if w.rtl {
		x = pageW - margin
	}
	pdf.SetDrawColor(180, 180, 180)
	for i, wd := range widths {
		if w.rtl {
			x -= wd
		}
		if header {
			pdf.SetFillColor(235, 235, 235)
			pdf.Rect(x, y, wd, h, "FD")
		} else {
			pdf.Rect(x, y, wd, h, "D")
		}
		for j := from; j < to && j < len(r.lines[i]); j++ {
			w.drawLine(r.lines[i][j], x+cellPad, y+0.4+float64(j-from)*rowLineH, wd-2*cellPad, rowLineH)
		}
		if !w.rtl {
			x += wd
		}
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
			txt := w.ts.Visual(s.Text)
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
