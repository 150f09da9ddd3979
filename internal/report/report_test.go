package report_test

import (
	"fmt"
	"github.com/truce-monitoring/truce/internal/pgtest"

	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// today is the fixture's clock: after every demo record.
var today = time.Date(2022, 1, 1, 8, 0, 0, 0, time.UTC)

type fixture struct {
	app    *app.App
	loaded *demo.Loaded
}

// cochair and analyst act as the demo's accounts would (the fixture loads
// no accounts: their password hashing is slow and random).
func (f *fixture) as(role access.Role) access.Principal {
	return access.Principal{UserID: "test-" + string(role), Username: string(role), Org: f.loaded.Orgs["JMC"], OrgKind: "monitoring_centre",
		Roles: []access.Role{role}, Via: "session"}
}

// open loads the demo into a new directory with a fixed clock and fixed
// randomness, so that ids, and so the reports, are the same every run.
func open(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{Dir: t.TempDir(), Database: pgtest.Database(t, ""), Synchronous: "normal", Version: "test",
		Now: func() time.Time { return today }, Rand: rand.NewChaCha8([32]byte{7})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	loaded, err := demo.Load(ctx, demo.Services{Agreements: a.Agreements, Geo: a.Geo, Incidents: a.Incidents,
		Detainees: a.Detainees, Mines: a.Mines, Returns: a.Returns, Transit: a.Transit})
	if err != nil {
		t.Fatal(err)
	}
	a.Incidents.WaitIdle()
	return &fixture{app: a, loaded: loaded}
}

func (f *fixture) generate(t testing.TB, p access.Principal, r report.Request) *report.Report {
	t.Helper()
	rep, err := f.app.Reports.Generate(context.Background(), p, r)
	if err != nil {
		t.Fatalf("generate %+v: %v", r, err)
	}
	return rep
}

func render(t testing.TB, rep *report.Report, format string) []byte {
	t.Helper()
	out, err := report.Draft(rep, format, "")
	if err != nil {
		t.Fatal(err)
	}
	return out.Data
}

// golden compares got with testdata/name, or rewrites it with -update.
// PDFs are compared by their SHA-256 (kept in name.sha256).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if strings.HasSuffix(name, ".pdf") {
		sum := sha256.Sum256(got)
		got = []byte(hex.EncodeToString(sum[:]) + "\n")
		path += ".sha256"
	}
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(path+".got", got, 0o644)
		t.Errorf("%s differs from the golden file; wrote %s.got (run with -update if the change is intended)", name, path)
	}
}

// The reports of the demo's day, 12 June 2021, of the implementation of
// the 2020 statement and of June 2021, in each edition and format, against
// golden files. Every section appears in them.
func TestGolden(t *testing.T) {
	f := open(t)
	analyst := f.as(access.Analyst)
	cases := []struct {
		name string
		req  report.Request
	}{
		{"daily-public", report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionPublic}},
		{"daily-mission", report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionMission}},
		{"implementation-public", report.Request{Kind: report.KindImplementation, Agreement: f.loaded.Agreement, Date: "2021-06-12", Edition: report.EditionPublic}},
		{"summary-mission", report.Request{Kind: report.KindSummary, From: "2021-06-01", To: "2021-06-30", Edition: report.EditionMission}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := f.generate(t, analyst, c.req)
			for _, format := range []string{report.FormatJSON, report.FormatHTML, report.FormatPDF} {
				golden(t, c.name+"."+format, render(t, rep, format))
			}
			// Every CSV table, one after the other.
			var all []byte
			for _, name := range report.TableNames(rep) {
				data, err := report.CSV(rep, name)
				if err != nil {
					t.Fatal(err)
				}
				all = append(append(append(all, "# "+name+"\n"...), data...), '\n')
			}
			golden(t, c.name+".csv", all)
			// The PDF opens in a standard reader and holds every section.
			if pdftotext(t) {
				text := extract(t, render(t, rep, report.FormatPDF))
				for _, sec := range report.Sections(rep) {
					if !strings.Contains(text, sec.Title) {
						t.Errorf("pdftotext finds no section %q", sec.Title)
					}
				}
			}
		})
	}
}

// What the demo's daily report of 12 June 2021 says, section by section.
func TestDailyReportOfTheDemoDay(t *testing.T) {
	f := open(t)
	rep := f.generate(t, access.Anonymous, report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionPublic})
	if rep.Number != "DP-163/2021" || rep.Empty {
		t.Fatalf("number %q, empty %v", rep.Number, rep.Empty)
	}
	if got := rep.Period.From.Format(time.RFC3339) + " " + rep.Period.To.Format(time.RFC3339); got != "2021-06-11T15:30:00Z 2021-06-12T15:30:00Z" {
		t.Errorf("period %s: want 19:30 Baku (UTC+4) to 19:30", got)
	}
	az, am := f.loaded.Orgs["AZ"], f.loaded.Orgs["AM"]
	v := rep.Violations.Total
	if v.AllegedBy[az] != 1 || v.AllegedBy[am] != 1 || v.Observations != 1 || v.Observed != 6 || v.Explosions != 6 {
		t.Errorf("violations: %+v", v)
	}
	if len(rep.Movement.Restrictions) != 1 || rep.Movement.Restrictions[0].Kind != "delayed" {
		t.Errorf("restrictions: %+v", rep.Movement.Restrictions)
	}
	// Provision 8's event of 12 June (an exchange) keeps it in progress:
	// a step recorded, not a change of status ("from in progress to in
	// progress" was the bug).
	if len(rep.Agreement.Changed) != 0 || len(rep.Agreement.Steps) != 1 || rep.Agreement.Steps[0].Number != "8" || rep.Agreement.Steps[0].To != "in_progress" {
		t.Errorf("provisions changed: %+v, steps: %+v", rep.Agreement.Changed, rep.Agreement.Steps)
	}
	if !rep.Humanitarian.Available {
		t.Errorf("the application connects the registries: %+v", rep.Humanitarian)
	}
	// The demo's geographic layers are mission material: the public map
	// shows none of them, only the places, which are public.
	if len(rep.Workflow.Incidents) != 1 || len(rep.Map.Points) != 2 || len(rep.Map.Layers) == 0 {
		t.Errorf("incidents %d, map points %d, layers %d", len(rep.Workflow.Incidents), len(rep.Map.Points), len(rep.Map.Layers))
	}
	for _, l := range rep.Map.Layers {
		if l.Kind != report.KindPlace {
			t.Errorf("the public map shows a %s layer %q", l.Kind, l.Name)
		}
	}
	if len(rep.Series.Days) != report.SeriesDays || rep.Series.Days[29] != "2021-06-12" || rep.Series.Observed[29] != 6 {
		t.Errorf("series: %v %v", rep.Series.Days, rep.Series.Observed)
	}
	// The mission edition sees the mission records of 10 June in its chart;
	// the public one does not.
	mission := f.generate(t, f.as(access.Observer), report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionMission})
	if len(mission.Map.Layers) == 0 {
		t.Error("the mission edition's map has no layers")
	}
	if mission.Series.Observed[27] != 14 || rep.Series.Observed[27] != 0 {
		t.Errorf("10 June observed: mission %d, public %d", mission.Series.Observed[27], rep.Series.Observed[27])
	}
	prev := f.generate(t, access.Anonymous, report.Request{Kind: report.KindDaily, Date: "2021-06-10", Edition: report.EditionPublic})
	if prev.Withheld == nil || prev.Withheld.Allegations != 2 || prev.Withheld.Incidents != 1 {
		t.Errorf("public edition of 10 June must count the withheld records: %+v", prev.Withheld)
	}
}

func TestImplementationReport(t *testing.T) {
	f := open(t)
	rep := f.generate(t, access.Anonymous, report.Request{Kind: report.KindImplementation, Agreement: f.loaded.Agreement, Date: "2021-06-12", Edition: report.EditionPublic})
	im := rep.Implementation
	if im.Total != 9 || im.Implemented != 3 || im.SharePercent != 33.3 {
		t.Errorf("total %d implemented %d share %v", im.Total, im.Implemented, im.SharePercent)
	}
	for _, p := range im.Provisions {
		if len(p.Spans) == 0 || p.Remains == "" {
			t.Errorf("provision %s: spans %v remains %q", p.Number, p.Spans, p.Remains)
		}
	}
	// As of a day before a status event, the event is not there yet.
	early := f.generate(t, access.Anonymous, report.Request{Kind: report.KindImplementation, Agreement: f.loaded.Agreement, Date: "2020-11-15", Edition: report.EditionPublic})
	if early.Implementation.Implemented >= im.Implemented {
		t.Errorf("as of 15 November 2020: %d implemented, want fewer than %d", early.Implementation.Implemented, im.Implemented)
	}
}

func TestDeterministic(t *testing.T) {
	f := open(t)
	req := report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionMission}
	for _, format := range []string{report.FormatJSON, report.FormatHTML, report.FormatPDF, report.FormatCSV} {
		a := render(t, f.generate(t, f.as(access.Analyst), req), format)
		b := render(t, f.generate(t, f.as(access.Analyst), req), format)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings of the same data differ", format)
		}
	}
}

// Every bad input the issue lists, by name.
func TestBadInput(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	analyst := f.as(access.Analyst)
	cases := []struct {
		name  string
		p     access.Principal
		req   report.Request
		code  errs.Code
		field string
	}{
		{"a date in the future", analyst, report.Request{Kind: report.KindDaily, Date: "2022-01-02", Edition: report.EditionPublic}, errs.CodeInvalid, "date"},
		{"an unknown edition", analyst, report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: "internal"}, errs.CodeInvalid, "edition"},
		{"an unknown format", analyst, report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionPublic, Format: "docx"}, errs.CodeInvalid, "format"},
		{"a range ending before it starts", analyst, report.Request{Kind: report.KindSummary, From: "2021-06-10", To: "2021-06-01", Edition: report.EditionPublic}, errs.CodeInvalid, "to"},
		{"a summary ending in the future", analyst, report.Request{Kind: report.KindSummary, From: "2021-12-10", To: "2022-02-01", Edition: report.EditionPublic}, errs.CodeInvalid, "to"},
		{"a malformed date", analyst, report.Request{Kind: report.KindDaily, Date: "12/06/2021", Edition: report.EditionPublic}, errs.CodeInvalid, "date"},
		{"an unknown kind", analyst, report.Request{Kind: "weekly", Edition: report.EditionPublic}, errs.CodeInvalid, "kind"},
		{"an unknown agreement", analyst, report.Request{Kind: report.KindImplementation, Agreement: "agr_nope", Date: "2021-06-12", Edition: report.EditionPublic}, errs.CodeNotFound, ""},
		{"the mission edition without the right", access.Anonymous, report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionMission}, errs.CodeForbidden, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.app.Reports.Generate(ctx, c.p, c.req)
			if errs.CodeOf(err) != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			var e *errs.Error
			if c.field != "" && (!errors.As(err, &e) || e.Field != c.field) {
				t.Errorf("error %v does not name field %q", err, c.field)
			}
		})
	}
	t.Run("a date with no data", func(t *testing.T) {
		rep := f.generate(t, analyst, report.Request{Kind: report.KindDaily, Date: "2021-04-25", Edition: report.EditionMission})
		if !rep.Empty || rep.EmptyNote == "" {
			t.Fatalf("empty %v note %q", rep.Empty, rep.EmptyNote)
		}
		if !bytes.Contains(render(t, rep, report.FormatHTML), []byte("No allegation")) {
			t.Error("the HTML does not say that nothing was recorded")
		}
	})
	t.Run("issuing twice", func(t *testing.T) {
		id := "daily-2021-06-12-public"
		if _, err := f.app.Reports.Issue(ctx, f.as(access.CoChair), id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Reports.Issue(ctx, f.as(access.CoChair), id); errs.CodeOf(err) != errs.CodeConflict {
			t.Fatalf("second issue: %v, want conflict", err)
		}
	})
	t.Run("issuing as an analyst", func(t *testing.T) {
		if _, err := f.app.Reports.Issue(ctx, analyst, "daily-2021-06-11-public"); errs.CodeOf(err) != errs.CodeForbidden {
			t.Fatalf("got %v, want forbidden", err)
		}
	})
	t.Run("an id that names no report", func(t *testing.T) {
		if _, err := f.app.Reports.Fetch(ctx, analyst, "daily-2021-13-45-public", "json", "", ""); errs.CodeOf(err) != errs.CodeNotFound {
			t.Fatalf("got %v, want not found", err)
		}
	})
}

// Issuing stores the files, records their hashes in the log and freezes
// the report: later records do not change it, and the log verifies.
func TestIssue(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	id := "daily-2021-06-12-mission"
	is, err := f.app.Reports.Issue(ctx, f.as(access.CoChair), id)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := f.app.Reports.Seq(ctx, f.as(access.CoChair), id)
	if err != nil || seq != is.LogSeq {
		t.Fatalf("seq %d (%v), printed %d", seq, err, is.LogSeq)
	}
	js, err := f.app.Reports.Fetch(ctx, f.as(access.Observer), id, "json", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if report.DataHash(js.Data) != is.DataSHA256 {
		t.Error("the stored JSON does not match the data hash in the log")
	}
	html, err := f.app.Reports.Fetch(ctx, f.as(access.Observer), id, "html", "", "")
	if err != nil {
		t.Fatal(err)
	}
	footer := "log entry " + strconv.FormatInt(is.LogSeq, 10)
	if !bytes.Contains(html.Data, []byte(is.DataSHA256)) || !bytes.Contains(html.Data, []byte(footer)) {
		t.Errorf("the HTML footer lacks the hash or %q", footer)
	}
	// It names the latest checkpoint before the report (the tree its
	// leaf extends) and where its proof bundle is.
	if is.Checkpoint == nil || is.Checkpoint.Size > is.LogSeq || len(is.Checkpoint.Root) != 64 {
		t.Fatalf("printed checkpoint %+v, log entry %d", is.Checkpoint, is.LogSeq)
	}
	cpLine := fmt.Sprintf("after checkpoint %d root %s", is.Checkpoint.Size, is.Checkpoint.Root[:report.RootPrefixLen])
	if !bytes.Contains(html.Data, []byte(cpLine)) || !bytes.Contains(html.Data, []byte("proof "+report.BundlePath(id))) {
		t.Errorf("the HTML footer lacks %q or the proof path", cpLine)
	}
	for _, file := range is.Files {
		r, err := f.app.Reports.Fetch(ctx, f.as(access.Observer), id, file.Format, file.Name, file.Lang)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(r.Data)
		if hex.EncodeToString(sum[:]) != file.SHA256 {
			t.Errorf("%s %s: stored file differs from its recorded hash", file.Format, file.Name)
		}
	}
	// A new record in the period does not change the issued report.
	if _, err := f.app.Incidents.RecordObservation(ctx, f.as(access.Monitor), observationOn12June()); err != nil {
		t.Fatal(err)
	}
	again, err := f.app.Reports.Fetch(ctx, f.as(access.Observer), id, "json", "", "")
	if err != nil || !bytes.Equal(again.Data, js.Data) {
		t.Errorf("the issued report changed (%v)", err)
	}
	var body struct {
		DataSHA256 string `json:"data_sha256"`
	}
	b, _, err := f.app.DB.Body(ctx, report.EntityReport, id)
	if err != nil || json.Unmarshal(b, &body) != nil || body.DataSHA256 != is.DataSHA256 {
		t.Errorf("change body: %s %v", b, err)
	}
	f.app.Incidents.WaitIdle()
	rep, err := f.app.DB.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	if pdftotext(t) {
		pdf, err := f.app.Reports.Fetch(ctx, f.as(access.Observer), id, "pdf", "", "")
		if err != nil {
			t.Fatal(err)
		}
		text := extract(t, pdf.Data)
		// The footer may wrap: compare with its words joined by spaces.
		if !strings.Contains(text, "DM-163/2021") || !strings.Contains(strings.Join(strings.Fields(text), ""), is.DataSHA256) || !strings.Contains(strings.Join(strings.Fields(text), " "), footer) {
			t.Errorf("the PDF footer lacks the number, the hash or the log position:\n%s", text)
		}
		joined := strings.Join(strings.Fields(text), " ")
		if !strings.Contains(joined, cpLine) || !strings.Contains(strings.Join(strings.Fields(text), ""), "proof"+report.BundlePath(id)) {
			t.Errorf("pdftotext finds no %q or proof path in the footer:\n%s", cpLine, text)
		}
	}
}

// pdftotext reports whether poppler's tools are there; CI requires them.
func pdftotext(t testing.TB) bool {
	t.Helper()
	_, err1 := exec.LookPath("pdftotext")
	_, err2 := exec.LookPath("pdfinfo")
	if err1 == nil && err2 == nil {
		return true
	}
	if os.Getenv("TRUCE_REQUIRE_PDFTOOLS") == "1" {
		t.Fatal("pdftotext and pdfinfo are required (TRUCE_REQUIRE_PDFTOOLS=1): apt-get install poppler-utils")
	}
	t.Log("pdftotext or pdfinfo missing: PDF text checks skipped (apt-get install poppler-utils)")
	return false
}

func extract(t testing.TB, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdfinfo", path).CombinedOutput(); err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// bidiControls are the marks pdftotext puts around right-to-left runs.
var bidiControls = strings.NewReplacer("\u202a", "", "\u202b", "", "\u202c", "", "\u200e", "", "\u200f", "")

// Arabic text drawn into a PDF comes back from pdftotext as the logical
// string once normalised: pdftotext gives the presentation forms the PDF
// holds (in logical order, with embedding marks), and NFKC maps them, and
// the lam-alef ligature, back to the letters typed.
func TestArabicInPDF(t *testing.T) {
	if !pdftotext(t) {
		t.Skip()
	}
	phrases := []string{
		"قالت وزارة الخارجية الروسية",      // "the Russian foreign ministry said"
		"تبادل الأسرى مقابل خرائط الألغام", // "exchange of prisoners for maps of mines": lam-alef ligatures
		"لا سلام بلا ثقة",                  // lam-alef at the start of words
	}
	mixed := "قال لافروف في 31 أغسطس 2021 (Lavrov, TASS) إن"
	rep := &report.Report{Title: "Arabic", Mission: "m", Period: report.Period{Label: mixed},
		Summary: []report.Compare{{Label: phrases[0], Current: 1}, {Label: phrases[1], Current: 2}, {Label: phrases[2], Current: 3}}}
	pdf, err := report.PDF(rep, report.Footer{DataSHA256: "00"})
	if err != nil {
		t.Fatal(err)
	}
	text := norm.NFKC.String(bidiControls.Replace(extract(t, pdf)))
	for _, p := range phrases {
		if !strings.Contains(text, p) {
			t.Errorf("pdftotext lost %q:\n%s", p, text)
		}
	}
	// On a line mixing directions pdftotext rebuilds the order with its own
	// heuristics and moves neutral punctuation about; the words survive.
	for _, word := range strings.Fields(strings.NewReplacer("(", "", ")", "", ",", "").Replace(mixed)) {
		if !strings.Contains(text, word) {
			t.Errorf("pdftotext lost %q of the mixed line:\n%s", word, text)
		}
	}
}

func observationOn12June() incident.ObservationInput {
	from, to := 10.0, 40.0
	return incident.ObservationInput{Observer: incident.Observer{Kind: "post", Position: geo.Point{Lat: 39.96, Lon: 46.85}},
		Kind: "impact", Count: 2, BearingFrom: &from, BearingTo: &to, DistanceMinM: 500, DistanceMaxM: 2000,
		Perception: "heard", Time: incident.TimeInput{Start: "2021-06-12T03:00:00Z"}}
}

// The report counts by the rules of incident.Tallies: the same window
// gives the same numbers, category by category.
func TestTalliesAgree(t *testing.T) {
	f := open(t)
	p := f.as(access.Analyst)
	for _, date := range []string{"2021-06-10", "2021-06-12", "2021-06-14"} {
		rep := f.generate(t, p, report.Request{Kind: report.KindDaily, Date: date, Edition: report.EditionMission})
		rows, err := f.app.Incidents.Tallies(context.Background(), p, rep.Period.From, rep.Period.To, incident.ByCategory)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(rep.Violations.ByCategory) {
			t.Fatalf("%s: %d categories, tallies %d", date, len(rep.Violations.ByCategory), len(rows))
		}
		for i, r := range rows {
			got := rep.Violations.ByCategory[i]
			if got.Key != r.Key || got.Observed != r.Observed || got.Explosions != r.Explosions || got.Observations != r.Observations ||
				!sameCounts(got.AllegedBy, r.AllegedBy) || !sameCounts(got.Verified, r.Verified) {
				t.Errorf("%s %s: report %+v, tallies %+v", date, r.Key, got, r)
			}
		}
	}
}

func sameCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// The cut-off is wall-clock time in the configured zone, also on the day
// the clocks change.
func TestCutOffAcrossDaylightSaving(t *testing.T) {
	f := open(t)
	if err := f.app.Reports.Configure(report.Config{Zone: "Europe/Paris", CutOff: "18:00"}); err != nil {
		t.Fatal(err)
	}
	rep := f.generate(t, access.Anonymous, report.Request{Kind: report.KindDaily, Date: "2021-03-28", Edition: report.EditionPublic})
	if got := rep.Period.To.Sub(rep.Period.From); got != 23*time.Hour || rep.Period.To.Format(time.RFC3339) != "2021-03-28T16:00:00Z" {
		t.Errorf("period %v to %v (%v), want 23 hours ending 18:00 CEST", rep.Period.From, rep.Period.To, got)
	}
	for _, bad := range []report.Config{{Zone: "Mars/Olympus"}, {CutOff: "25:00"}} {
		if err := f.app.Reports.Configure(bad); errs.CodeOf(err) != errs.CodeInvalid {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
