package report

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"
)

// pdfTools reports whether poppler's tools are there; CI requires them
// (TRUCE_REQUIRE_PDFTOOLS=1).
func pdfTools(t testing.TB) bool {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdftoppm", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("TRUCE_REQUIRE_PDFTOOLS") == "1" {
				t.Fatalf("%s is required (TRUCE_REQUIRE_PDFTOOLS=1): apt-get install poppler-utils", tool)
			}
			t.Skipf("%s missing: PDF checks skipped (apt-get install poppler-utils)", tool)
			return false
		}
	}
	return true
}

var (
	bidiMarks = strings.NewReplacer("\u202a", "", "\u202b", "", "\u202c", "", "\u200e", "", "\u200f", "")
	spaces    = regexp.MustCompile(`\s+`)
)

func writePDF(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pdfText is what pdftotext gives for pdf, bidi marks removed and NFKC
// applied: it folds the Arabic presentation forms the PDF draws back into
// the letters typed.
func pdfText(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", append(append([]string{"-enc", "UTF-8"}, args...), writePDF(t, pdf), "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return norm.NFKC.String(bidiMarks.Replace(string(out)))
}

func oneLine(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// sectionPDF renders a report of the given sections.
func sectionPDF(t *testing.T, lang string, secs ...Section) []byte {
	t.Helper()
	rep := &Report{Title: "Title", Mission: "Mission", Lang: lang, Period: Period{Label: "Period"}, EditionNote: "Edition"}
	pdf, err := renderPDF(rep, Footer{DataSHA256: "00"}, secs)
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

func noSpace(s string) string { return spaces.ReplaceAllString(s, "") }

// arabicFiller are rows of Arabic that make a page mostly right to left:
// pdftotext decides the reading direction once per page.
func arabicFiller() [][]string {
	var rows [][]string
	for range 10 {
		rows = append(rows, []string{"تقرير يومي عن وقف إطلاق النار"})
	}
	return rows
}

// Each mixed cell comes back from pdftotext in logical order. pdftotext
// (poppler) rebuilds the order of a line from where the glyphs stand, with
// one reading direction per page: a paragraph is checked on a page of its
// own direction (an English report, or an Arabic one). Where directions
// meet, poppler also moves the space between them (it puts an Arabic run's
// trailing space before it, and glues a number to the word it follows in
// right-to-left text): "exact" says whether the spaces come back too;
// otherwise the characters are compared without spaces.
func TestMixedCellsExtractInLogicalOrder(t *testing.T) {
	if !pdfTools(t) {
		return
	}
	cases := []struct {
		name, lang, cell string
		exact            bool
	}{
		{"cyrillic and arabic", "en", "Министр Лавров заявил قالت وزارة الخارجية الروسية сегодня", false},
		{"arabic then cyrillic", "ar", "قالت وزارة الخارجية Министр Лавров", false},
		{"arabic and persian", "en", "قال الوزير وزیر امور خارجه گفت پیمان آتش‌بس", true},
		{"persian letters", "en", "پیک گچ ژاله کشور یک", true},
		{"armenian and latin", "en", "Հայաստանի Հանրապետություն Republic of Armenia", true},
		{"numbers inside arabic", "ar", "قتل 3 جنود في 12 يونيو 2021", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows := [][]string{{c.cell}}
			if c.lang == "ar" {
				rows = append(rows, arabicFiller()...)
			}
			pdf := sectionPDF(t, c.lang, Section{Title: "S", Tables: []Table{{Title: "T", Header: []string{"Cell"}, Rows: rows}}})
			got := oneLine(pdfText(t, pdf))
			t.Logf("pdftotext: %q", got)
			want := norm.NFKC.String(c.cell)
			if c.exact && !strings.Contains(got, want) {
				t.Errorf("pdftotext gave\n%q\nnot the logical\n%q", got, want)
			}
			if !strings.Contains(noSpace(got), noSpace(want)) {
				t.Errorf("pdftotext gave\n%q\nnot the logical order of\n%q", got, want)
			}
		})
	}
}

// A right-to-left paragraph wrapped over several lines keeps its direction
// on every line (the second line is not laid out left to right because it
// starts with a Latin word), and reads back in logical order.
func TestWrappedRTLParagraph(t *testing.T) {
	para := "أعلنت بعثة المراقبة المشتركة أن Lavrov وصل إلى Baku يوم 12 يونيو، وأن الطرفين اتفقا على تبادل 15 أسيرا مقابل خرائط حقول الألغام في منطقة Aghdam"
	ts, err := newTypesetter(false, func(s string) float64 { return float64(len([]rune(s))) })
	if err != nil {
		t.Fatal(err)
	}
	lines := ts.layout(para, 30, false)
	if len(lines) < 3 {
		t.Fatalf("%d lines, want a wrapped paragraph", len(lines))
	}
	for i, l := range lines {
		if !l.RTL {
			t.Errorf("line %d %q is laid out left to right", i+1, l.Visual)
		}
	}
	if !pdfTools(t) {
		return
	}
	rows := append([][]string{{para, "1"}}, arabicFiller()...)
	for i := 1; i < len(rows); i++ {
		rows[i] = append(rows[i], "2")
	}
	pdf := sectionPDF(t, "ar", Section{Title: "S", Tables: []Table{{Title: "T", Header: []string{"نص", "رقم"}, Rows: rows}}})
	got := oneLine(pdfText(t, pdf))
	t.Logf("pdftotext: %q", got)
	if !strings.Contains(noSpace(got), noSpace(norm.NFKC.String(para))) {
		t.Errorf("the wrapped paragraph does not read back in logical order:\n%q", got)
	}
}

// Page 1 of a report in each language, rendered by pdftoppm, is not blank.
func TestPageOneIsDrawnInEachLanguage(t *testing.T) {
	if !pdfTools(t) {
		return
	}
	texts := map[string][]string{
		"en": {"Daily report", "Violations by category", "Small arms fire", "Republic of Armenia"},
		"ru": {"Ежедневный доклад", "Нарушения по категориям", "Огонь из стрелкового оружия", "Республика Армения"},
		"ar": {"التقرير اليومي", "الانتهاكات حسب الفئة", "إطلاق نار من أسلحة خفيفة", "جمهورية أرمينيا"},
	}
	for lang, words := range texts {
		t.Run(lang, func(t *testing.T) {
			rep := &Report{Title: words[0], Mission: words[3], Lang: lang, Period: Period{Label: "12.06.2021"}, EditionNote: words[1]}
			pdf, err := renderPDF(rep, Footer{DataSHA256: "00"}, []Section{{Title: words[1], Notes: []string{words[2] + " " + words[3]},
				Tables: []Table{{Title: words[1], Header: []string{words[2], words[3]}, Rows: [][]string{{words[3], "12"}, {words[2], "3"}}}}}})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "r.pdf")
			if err := os.WriteFile(path, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", path, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			pngs, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
			if len(pngs) != 1 {
				t.Fatalf("pdftoppm wrote %v", pngs)
			}
			f, err := os.Open(pngs[0])
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			inked := 0
			b := img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					r, g, bl, _ := img.At(x, y).RGBA()
					if r < 0xc000 || g < 0xc000 || bl < 0xc000 {
						inked++
					}
				}
			}
			t.Logf("%s: %d of %d pixels inked", lang, inked, b.Dx()*b.Dy())
			if inked < 500 {
				t.Errorf("page 1 in %s is blank (%d dark pixels)", lang, inked)
			}
			text := pdfText(t, pdf)
			for _, w := range words {
				if !strings.Contains(noSpace(text), noSpace(norm.NFKC.String(w))) {
					t.Errorf("pdftotext lost %q:\n%s", w, text)
				}
			}
		})
	}
}

// A narrow table's headers are never broken inside a word: the column
// widens to its longest header word, or the header's font shrinks.
func TestHeadersNeverBreakInsideAWord(t *testing.T) {
	header := []string{"Republic of Armenia", "Republic of Azerbaijan", "observations", "allegations", "incidents", "verified violations", "undetermined attribution", "substantiated", "Հանրապետություն", "наблюдения"}
	row := make([]string, len(header))
	for i := range row {
		row[i] = strings.Repeat("1234 ", 3)
	}
	ts, err := newTypesetter(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &pdfWriter{pdf: newTestPDF(), ts: ts}
	ts.measure = w.pdf.GetStringWidth
	widths, size := w.columnWidths(Table{Header: header, Rows: [][]string{row}})
	for i, h := range header {
		w.pdf.SetFont("dejavu", "B", size)
		for _, l := range ts.layout(h, widths[i]-2*cellPad, true) {
			for _, word := range strings.Fields(l.Visual) {
				if !slices.Contains(strings.Fields(h), word) {
					t.Errorf("header %q broken: line %q", h, l.Visual)
				}
			}
		}
	}
	if !pdfTools(t) {
		return
	}
	pdf := sectionPDF(t, "en", Section{Title: "S", Tables: []Table{{Title: "T", Header: header, Rows: [][]string{row}}}})
	got := pdfText(t, pdf, "-layout")
	for _, h := range header {
		for _, word := range strings.Fields(h) {
			if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(word) + `(\s|$)`).MatchString(got) {
				t.Errorf("pdftotext -layout has no whole %q:\n%s", word, got)
			}
		}
	}
}

// A cell of 40 lines is printed whole (no "…"): the row moves to the next
// page when it fits there; a cell longer than a page continues on the next
// one, the header repeated.
func TestLongCellsContinueOnTheNextPage(t *testing.T) {
	if !pdfTools(t) {
		return
	}
	for _, n := range []int{40, 150} {
		var cell []string
		for i := 1; i <= n; i++ {
			cell = append(cell, fmt.Sprintf("line%03d", i))
		}
		var notes []string
		for range 40 {
			notes = append(notes, "A note that fills the first page.")
		}
		pdf := sectionPDF(t, "en", Section{Title: "S", Notes: notes, Tables: []Table{{Title: "T", Header: []string{"Long cell", "Other"}, Rows: [][]string{{strings.Join(cell, "\n"), "x"}, {"after", "y"}}}}})
		text := pdfText(t, pdf)
		if strings.Contains(text, "…") {
			t.Errorf("%d lines: a cell was cut with …", n)
		}
		at := -1
		for _, l := range cell {
			i := strings.Index(text, l)
			if i < at {
				t.Errorf("%d lines: %s missing or out of order", n, l)
				break
			}
			at = i
		}
		pages := strings.Count(text, "\f")
		if pages < 2 {
			t.Errorf("%d lines: %d pages", n, pages)
		}
		t.Logf("%d lines: %d pages, header printed %d times", n, pages, strings.Count(text, "Long cell"))
		if n == 150 && strings.Count(text, "Long cell") < 2 {
			t.Errorf("the header is not repeated on the page the cell continues on")
		}
	}
}

// The metadata: title, number, language, producer, and the creation date
// (the issuing time; for a draft the end of its period, so that two drafts
// of the same data are the same bytes).
func TestPDFMetadata(t *testing.T) {
	rep := &Report{Title: "Daily report", Mission: "Mission", Lang: "ar", Number: "D-163/2021", Period: Period{Label: "P", To: time.Date(2021, 6, 12, 16, 0, 0, 0, time.UTC)}}
	draft1, err := PDF(rep, Footer{DataSHA256: "00"})
	if err != nil {
		t.Fatal(err)
	}
	draft2, _ := PDF(rep, Footer{DataSHA256: "00"})
	if !bytes.Equal(draft1, draft2) {
		t.Error("two drafts of the same report differ")
	}
	for _, want := range []string{"/Lang (ar)", "/ID [<", "<pdfaid:part>2</pdfaid:part>", "/OutputIntents [", "<xmp:CreateDate>2021-06-12T16:00:00</xmp:CreateDate>"} {
		if !bytes.Contains(draft1, []byte(want)) {
			t.Errorf("no %q in the PDF", want)
		}
	}
	issued, _ := PDF(rep, Footer{Number: "D-163/2021", DataSHA256: "00", Issued: true, LogSeq: 9, IssuedAt: "2021-06-13 08:30 UTC"})
	if !pdfTools(t) {
		return
	}
	for name, c := range map[string]struct {
		pdf  []byte
		want []string
	}{
		"draft":  {draft1, []string{"Title:           Daily report", "Subject:         التقرير رقم D-163/2021" /* the report is in Arabic */, "Keywords:        D-163/2021", "Creator:         Truce", "Producer:        Truce", "CreationDate:    Sat Jun 12 16:00:00 2021"}},
		"issued": {issued, []string{"Title:           Daily report", "Keywords:        D-163/2021", "CreationDate:    Sun Jun 13 08:30:00 2021"}},
	} {
		out, err := exec.Command("pdfinfo", writePDF(t, c.pdf)).CombinedOutput()
		if err != nil {
			t.Fatalf("pdfinfo: %v\n%s", err, out)
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: pdfinfo has no %q:\n%s", name, w, out)
			}
		}
	}
}

func newTestPDF() *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	pdf.AddPage()
	return pdf
}
