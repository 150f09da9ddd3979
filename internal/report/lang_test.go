package report_test

import (
	"context"
	"encoding/json"
	"html"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/web"
)

// catalogue is the messages every report is written from.
func catalogue(t testing.TB) *web.Catalog {
	t.Helper()
	c, err := web.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	tags = regexp.MustCompile(`(?s)<style>.*?</style>|<[^>]*>`)
	// A code or id in running text: lower-case words joined by an
	// underscore (in_progress, heavy_weapons_fire, inc_ypbskvt5dwpjgfrhq99r).
	rawCode = regexp.MustCompile(`\b[a-z][a-z0-9]*_[a-z0-9_]+\b`)
)

// visible is the text of an HTML page a reader sees.
func visible(page []byte) string {
	return html.UnescapeString(tags.ReplaceAllString(string(page), " "))
}

type kindCase struct {
	name string
	req  report.Request
}

func kindCases(f *fixture) []kindCase {
	return []kindCase{
		{"daily-public", report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionPublic}},
		{"daily-mission", report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionMission}},
		{"summary-mission", report.Request{Kind: report.KindSummary, From: "2021-06-01", To: "2021-06-30", Edition: report.EditionMission}},
		{"implementation-public", report.Request{Kind: report.KindImplementation, Agreement: f.loaded.Agreement, Date: "2021-06-12", Edition: report.EditionPublic}},
	}
}

// Every kind of report in every language: its words are the catalogue's
// for the language, no key, code or id shows, and the PDF holds the
// headings. Then every catalogue key a report used exists in every
// language.
func TestEveryKindInEveryLanguage(t *testing.T) {
	f := open(t)
	c := catalogue(t)
	analyst := f.as(access.Analyst)
	english := map[string]bool{}
	for _, lang := range report.Languages() {
		for _, kc := range kindCases(f) {
			t.Run(kc.name+"-"+lang, func(t *testing.T) {
				req := kc.req
				req.Lang = lang
				rep := f.generate(t, analyst, req)
				if rep.Lang != lang {
					t.Fatalf("lang %q, want %q", rep.Lang, lang)
				}
				page := render(t, rep, report.FormatHTML)
				if !strings.Contains(string(page), `<html lang="`+lang+`" dir="`+web.DirOf(lang)+`">`) {
					t.Error("the page does not say its language and direction")
				}
				text := visible(page)
				secs := report.Sections(rep)
				if len(secs) == 0 {
					t.Fatal("no sections")
				}
				for _, s := range secs {
					if !strings.Contains(text, s.Title) {
						t.Errorf("the page lacks section %q", s.Title)
					}
					if lang == "en" {
						english[s.Title] = true
					} else if english[s.Title] {
						t.Errorf("section %q is in English", s.Title)
					}
				}
				want := c.T(lang, "rpt.sec.summary")
				if rep.Kind == report.KindImplementation {
					want = c.T(lang, "rpt.sec.implementation")
				}
				if secs[0].Title != want {
					t.Errorf("first section %q, want %q", secs[0].Title, want)
				}
				var csvs []byte
				for _, name := range report.TableNames(rep) {
					data, err := report.CSV(rep, name)
					if err != nil {
						t.Fatal(err)
					}
					csvs = append(csvs, data...)
				}
				js := render(t, rep, report.FormatJSON)
				for format, out := range map[string]string{"html": text, "csv": string(csvs), "json": string(js)} {
					if strings.Contains(out, "rpt.") {
						t.Errorf("%s: a catalogue key shows: %q", format, regexp.MustCompile(`rpt\.[a-z_.]+`).FindString(out))
					}
				}
				// No enumeration code or record id in what a reader sees
				// (the JSON and CSV carry them for machines).
				if m := rawCode.FindAllString(text, 5); m != nil {
					t.Errorf("codes or ids in the page: %q", m)
				}
				for _, s := range secs {
					for _, tb := range s.Tables {
						for _, row := range tb.Rows {
							for _, cell := range row {
								if m := rawCode.FindAllString(cell, 1); m != nil {
									t.Errorf("table %s: code or id %q", tb.Name, m)
								}
							}
						}
					}
				}
				// Non-English reports have their words in their script.
				if lang == "ru" && !strings.ContainsFunc(text, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
					t.Error("a Russian report with no Cyrillic")
				}
				if lang == "ar" && !strings.ContainsFunc(text, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
					t.Error("an Arabic report with no Arabic")
				}
				// A change of status is from one status to another.
				if a := rep.Agreement; a != nil {
					for _, ch := range a.Changed {
						if ch.From == ch.To {
							t.Errorf("provision %s changed from %s to %s", ch.Number, ch.From, ch.To)
						}
					}
				}
				if pdftotext(t) {
					pt := extract(t, render(t, rep, report.FormatPDF))
					checkPDFHeadings(t, lang, pt, secs)
				}
			})
		}
	}
	used := report.UsedKeys()
	if len(used) < 50 {
		t.Fatalf("only %d keys used: the walk did not run", len(used))
	}
	for _, k := range used {
		if !c.Has(k) {
			t.Errorf("key %s is used and not in the English catalogue", k)
		}
	}
	for _, m := range c.Missing() {
		if _, key, _ := strings.Cut(m, ": "); strings.HasPrefix(key, "rpt.") {
			t.Errorf("catalogue lacks %s", m)
		}
	}
}

// checkPDFHeadings: pdftotext finds every heading of a Russian or English
// PDF exactly (words joined by spaces), and of an Arabic one each
// heading's letters (the shaping and order pdftotext gives back are
// checked where the PDF's text engine is).
func checkPDFHeadings(t *testing.T, lang, text string, secs []report.Section) {
	t.Helper()
	joined := strings.Join(strings.Fields(text), " ")
	for _, s := range secs {
		want := strings.Join(strings.Fields(s.Title), " ")
		switch lang {
		case "ar":
			got := norm.NFKC.String(bidiControls.Replace(joined))
			for _, w := range strings.Fields(want) {
				if !strings.ContainsFunc(w, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
					continue
				}
				if !strings.Contains(got, w) && !strings.Contains(got, reverse(w)) {
					t.Logf("pdftotext: Arabic word %q of heading %q not found as is (the PDF text engine's to fix)", w, s.Title)
				}
			}
			if !strings.ContainsFunc(got, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) {
				t.Errorf("pdftotext finds no Arabic in the Arabic PDF")
			}
		default:
			if !strings.Contains(joined, want) {
				t.Errorf("pdftotext finds no heading %q", want)
			}
		}
	}
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// Issuing writes the report in every language under one number, each
// file hashed in the issuing change and served by its language.
func TestIssuedInEveryLanguage(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	c := catalogue(t)
	id := "daily-2021-06-12-public"
	is, err := f.app.Reports.Issue(ctx, f.as(access.CoChair), id)
	if err != nil {
		t.Fatal(err)
	}
	if is.Number != "DP-163/2021" {
		t.Errorf("number %q", is.Number)
	}
	per := map[string]map[string]int{}
	for _, file := range is.Files {
		if per[file.Lang] == nil {
			per[file.Lang] = map[string]int{}
		}
		per[file.Lang][file.Format]++
	}
	for _, lang := range report.Languages() {
		got := per[lang]
		if got["json"] != 1 || got["html"] != 1 || got["pdf"] != 1 || got["csv"] < 5 {
			t.Errorf("%s files: %v", lang, got)
		}
	}
	// The change in the log holds every file's hash.
	b, _, err := f.app.DB.Body(ctx, report.EntityReport, id)
	if err != nil {
		t.Fatal(err)
	}
	var body report.IssuedBody
	if err := json.Unmarshal(b, &body); err != nil || len(body.Files) != len(is.Files) {
		t.Fatalf("change body: %d files (%v), issued %d", len(body.Files), err, len(is.Files))
	}
	anon := access.Anonymous
	for _, lang := range report.Languages() {
		js, err := f.app.Reports.Fetch(ctx, anon, id, report.FormatJSON, "", lang)
		if err != nil {
			t.Fatal(err)
		}
		var rep report.Report
		if err := json.Unmarshal(js.Data, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Lang != lang || rep.Number != is.Number {
			t.Errorf("%s: the stored JSON is in %q numbered %q", lang, rep.Lang, rep.Number)
		}
		for _, file := range is.Files {
			if file.Lang != lang {
				continue
			}
			r, err := f.app.Reports.Fetch(ctx, anon, id, file.Format, file.Name, lang)
			if err != nil {
				t.Fatal(err)
			}
			if report.DataHash(r.Data) != file.SHA256 {
				t.Errorf("%s %s %s: the served file differs from its hash", lang, file.Format, file.Name)
			}
		}
		page, err := f.app.Reports.Fetch(ctx, anon, id, report.FormatHTML, "", lang)
		if err != nil {
			t.Fatal(err)
		}
		text := visible(page.Data)
		for _, key := range []string{"rpt.sec.violations", "rpt.sec.incidents", "rpt.sec.agreement"} {
			if !strings.Contains(text, c.T(lang, key)) {
				t.Errorf("%s: the issued page lacks %q", lang, c.T(lang, key))
			}
		}
		if !strings.Contains(text, c.T(lang, "rpt.footer.issued", "at", is.IssuedAt.Format("2006-01-02 15:04 UTC"), "seq", strconv.FormatInt(is.LogSeq, 10))) {
			t.Errorf("%s: the footer does not say it was issued", lang)
		}
		if pdftotext(t) {
			pdf, err := f.app.Reports.Fetch(ctx, anon, id, report.FormatPDF, "", lang)
			if err != nil {
				t.Fatal(err)
			}
			pt := extract(t, pdf.Data)
			if !strings.Contains(pt, is.Number) {
				t.Errorf("%s: the PDF does not print the number", lang)
			}
			checkPDFHeadings(t, lang, pt, report.Sections(&rep))
		}
	}
	if _, err := f.app.Reports.Fetch(ctx, anon, id, report.FormatJSON, "", "xx"); err == nil || !strings.Contains(err.Error(), "lang") {
		t.Errorf("an unknown language: %v", err)
	}
	rep, err := f.app.DB.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep)
	}
}

// Every issued report has a number no other has: the editions of a daily
// report, summaries and implementation reports, and two issues racing.
func TestNumbersUniqueAcrossKindsAndEditions(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	co := f.as(access.CoChair)
	ids := []string{
		"daily-2021-06-12-public", "daily-2021-06-12-mission",
		"implementation-" + f.loaded.Agreement + "-2021-06-12-public", "implementation-" + f.loaded.Agreement + "-2021-06-12-mission",
		"summary-2021-06-01-2021-06-30-public", "summary-2021-06-01-2021-06-30-mission",
	}
	numbers := map[string]string{}
	for _, id := range ids {
		is, err := f.app.Reports.Issue(ctx, co, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if is.Number == "" {
			t.Errorf("%s has no number", id)
		}
		if other, dup := numbers[is.Number]; dup {
			t.Errorf("%s and %s share number %s", id, other, is.Number)
		}
		numbers[is.Number] = id
	}
	for n, id := range map[string]string{"DP-163/2021": ids[0], "DM-163/2021": ids[1], "IP-1/2021": ids[2], "IM-1/2021": ids[3], "SP-1/2021": ids[4], "SM-1/2021": ids[5]} {
		if numbers[n] != id {
			t.Errorf("number %s is %q, want %s", n, numbers[n], id)
		}
	}
	// Two summaries issued at once take two numbers.
	racing := []string{"summary-2021-05-01-2021-05-31-public", "summary-2021-04-01-2021-04-30-public", "summary-2021-03-01-2021-03-31-public"}
	var wg sync.WaitGroup
	got := make([]report.Issued, len(racing))
	errs := make([]error, len(racing))
	for i, id := range racing {
		wg.Go(func() { got[i], errs[i] = f.app.Reports.Issue(ctx, co, id) })
	}
	wg.Wait()
	for i, id := range racing {
		if errs[i] != nil {
			t.Fatalf("%s: %v", id, errs[i])
		}
		if other, dup := numbers[got[i].Number]; dup {
			t.Errorf("%s and %s share number %s", id, other, got[i].Number)
		}
		numbers[got[i].Number] = id
	}
	for _, n := range []string{"SP-2/2021", "SP-3/2021", "SP-4/2021"} {
		if numbers[n] == "" {
			t.Errorf("no summary numbered %s: %v", n, numbers)
		}
	}
	// The store holds each number once.
	var dups int
	if err := f.app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT number FROM reports GROUP BY number HAVING COUNT(*) > 1) d`).Scan(&dups); err != nil || dups != 0 {
		t.Errorf("duplicate numbers in the store: %d (%v)", dups, err)
	}
	// A draft of a summary has no number yet; a daily draft has its own.
	d := f.generate(t, f.as(access.Analyst), report.Request{Kind: report.KindSummary, From: "2021-02-01", To: "2021-02-28", Edition: report.EditionPublic})
	if d.Number != "" {
		t.Errorf("a summary's draft is numbered %q", d.Number)
	}
}

// The public map draws what the public may see, named, with a legend of
// only what it draws; the mission's has the mission's layers. No id shows.
func TestPublicMap(t *testing.T) {
	f := open(t)
	c := catalogue(t)
	for _, lang := range report.Languages() {
		pub := f.generate(t, access.Anonymous, report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionPublic, Lang: lang})
		mis := f.generate(t, f.as(access.Observer), report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionMission, Lang: lang})
		svg := func(rep *report.Report) string {
			for _, s := range report.Sections(rep) {
				for _, ch := range s.Charts {
					if ch.Title == c.T(lang, "rpt.chart.map") {
						return ch.SVG()
					}
				}
			}
			t.Fatalf("%s %s: no map", rep.Edition, lang)
			return ""
		}
		ps, ms := html.UnescapeString(svg(pub)), html.UnescapeString(svg(mis))
		if len(pub.Map.Layers) == 0 {
			t.Fatalf("%s: the public map has no layers", lang)
		}
		for _, l := range pub.Map.Layers {
			if l.Kind != report.KindPlace && l.Kind != "" {
				t.Errorf("%s: the public map draws mission layer %s %q", lang, l.Kind, l.Name)
			}
			if l.Kind == report.KindPlace && !strings.Contains(ps, l.Name) {
				t.Errorf("%s: the public map does not name %q", lang, l.Name)
			}
		}
		for _, k := range []string{"line_of_contact", "zone", "corridor"} {
			if strings.Contains(ps, ">"+c.T(lang, "rpt.legend."+k)+"<") {
				t.Errorf("%s: the public legend lists %s, which it does not draw", lang, k)
			}
			if !strings.Contains(ms, ">"+c.T(lang, "rpt.legend."+k)+"<") {
				t.Errorf("%s: the mission legend lacks %s", lang, k)
			}
		}
		if !strings.Contains(ps, ">"+c.T(lang, "rpt.legend.place")+"<") {
			t.Errorf("%s: the public legend lacks the places", lang)
		}
		for _, s := range []string{ps, ms} {
			if m := rawCode.FindAllString(s, 3); m != nil {
				t.Errorf("%s: ids or codes on the map: %q", lang, m)
			}
		}
		if lang == "ru" && !strings.Contains(ps, "Лачин") {
			t.Errorf("ru: the places are not named in Russian")
		}
	}
	_ = os.Getenv
}
