package webtest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// asIn opens a browser for user in lang (a cookie, so that no stored
// preference changes for other tests) at a width: 0 is the desktop window,
// 390 a phone's.
func (s *site) asIn(t *testing.T, user, lang string, width int64) *tab {
	t.Helper()
	tb := s.as(t, "")
	tb.user = user
	if width > 0 {
		tb.do(chromedp.EmulateViewport(width, 844))
	}
	tb.open("/login")
	eval[string](tb, fmt.Sprintf(`document.cookie = "truce_lang=%s; path=/"`, lang))
	tb.login(user)
	if eval[string](tb, "document.documentElement.lang") != lang {
		// Another test stored a language for the user, which the cookie
		// does not override: switch, and back to English afterwards.
		tb.submit(fmt.Sprintf(`button[name="to"][value=%q]`, lang))
		t.Cleanup(func() {
			tb.open("/settings")
			tb.submit(`button[name="to"][value="en"]`)
		})
	}
	if got := eval[string](tb, "document.documentElement.lang"); got != lang {
		t.Fatalf("%s: the page is in %q, want %q", user, got, lang)
	}
	return tb
}

// rawID finds an internal id shown as text.
var rawID = regexp.MustCompile(`\b(inc|alg|obs|rev|usr|prv)_[A-Za-z0-9]{4,}`)

func (tb *tab) noRawIDs(where string) {
	tb.t.Helper()
	if m := rawID.FindString(tb.text("main")); m != "" {
		tb.t.Errorf("%s: an internal id is shown as text: %s", where, m)
	}
}

// fits fails the test when the page scrolls sideways.
func (tb *tab) fits(where string) {
	tb.t.Helper()
	if w := eval[float64](tb, "document.documentElement.scrollWidth - document.documentElement.clientWidth"); w > 0 {
		tb.t.Errorf("%s: the page scrolls sideways by %vpx", where, w)
	}
}

func (tb *tab) has(sel string) bool {
	tb.t.Helper()
	return eval[bool](tb, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// The review queue has no dead end: a report with or without a proposal
// starts a new incident or is attached to any incident found by the
// finder; a decision can be undone; each appears on the incident's
// timeline with who and when. The incident is then investigated, found,
// closed and sealed, and the sealed page offers only the co-chair's
// reopening. In English at desktop width and in Russian at a phone's.
func TestReviewNoDeadEnd(t *testing.T) {
	s := start(t)
	for _, c := range []struct {
		lang  string
		width int64
		day   string // the reports' day, one per run
		words map[string]string
	}{
		{"en", 0, "2021-06-27", map[string]string{"attached": "attached", "undone": "taken back", "opened": "opened", "by": "analyst"}},
		{"ru", 390, "2021-06-28", map[string]string{"attached": "присоединено", "undone": "отменено", "opened": "открыт", "by": "analyst"}},
	} {
		t.Run(c.lang, func(t *testing.T) {
			name := func(n string) string { return fmt.Sprintf("review-%s-%d-%s", c.lang, c.width, n) }
			liaison := s.asIn(t, "liaison-az", c.lang, c.width)
			first := lodge(liaison, s.loaded.Orgs["AM"], 40.30, 46.60, c.day+"T10:00", "", "Shells far from the line, first report ("+c.lang+"). (test)", "mission")
			second := lodge(liaison, s.loaded.Orgs["AM"], 40.31, 46.61, c.day+"T11:00", "", "Shells far from the line, second report ("+c.lang+"). (test)", "mission")
			liaison.shot(name("allegation"))

			analyst := s.asIn(t, "analyst", c.lang, c.width)
			analyst.open("/review")
			analyst.noRawIDs("review queue")
			analyst.shot(name("queue"))
			analyst.fits("review queue")
			// The second report starts an incident of its own.
			analyst.submit(fmt.Sprintf(`button.new-incident[value="new_incident|allegation|%s|"]`, second))
			path := eval[string](analyst, "location.pathname")
			incID, ok := strings.CutPrefix(path, "/incidents/")
			if !ok {
				t.Fatalf("a new incident led to %s: %s", path, analyst.text("main"))
			}
			if n := analyst.text("p.notice"); !strings.Contains(strings.ToLower(n), c.words["opened"]) {
				t.Errorf("notice after a new incident: %q", n)
			}
			if tl := analyst.text("#timeline"); !strings.Contains(tl, c.words["by"]) {
				t.Errorf("the timeline does not say who started the incident: %q", tl)
			}

			// The first is attached to it through the finder, undone and
			// attached again.
			attach := func() {
				analyst.open("/review?report=allegation:" + first)
				analyst.do(chromedp.SetValue(chromedp.CSS("#find-day"), c.day), chromedp.SetValue(chromedp.CSS("#find-cat"), "heavy_weapons_fire"))
				analyst.submit("#find-go")
				analyst.shot(name("finder"))
				analyst.fits("finder")
				btn := fmt.Sprintf(`button.attach[value="accept|allegation|%s|%s"]`, first, incID)
				if !analyst.has(btn) {
					t.Fatalf("the finder does not offer the new incident:\n%s", analyst.text("#finder"))
				}
				analyst.submit(btn)
				if n := analyst.text("p.notice"); !strings.Contains(strings.ToLower(n), c.words["attached"]) {
					t.Errorf("notice after attaching: %q", n)
				}
			}
			attach()
			analyst.submit("#undo-last button")
			if n := analyst.text("p.notice"); !strings.Contains(strings.ToLower(n), c.words["undone"]) {
				t.Errorf("notice after undoing: %q", n)
			}
			attach()

			// The allegation's page: map, placement, its incident.
			analyst.open("/allegations/" + first)
			for _, sel := range []string{"#record-map", "#pl-h", "#cas-h", fmt.Sprintf(`#record-incident[href="/incidents/%s"]`, incID)} {
				if !analyst.has(sel) {
					t.Errorf("the allegation page lacks %s", sel)
				}
			}
			if st := waitFor(t, analyst, `(document.getElementById("record-map").dataset.state || "").replace("loading", "")`); st != "loaded" {
				t.Errorf("the allegation's map did not load: state %q", st)
			}
			analyst.noRawIDs("allegation page")
			analyst.shot(name("allegation-page"))
			analyst.fits("allegation page")

			// Investigate and make a finding: the form starts neutral.
			analyst.open("/incidents/" + incID)
			analyst.submit("#to-preliminary_review")
			analyst.do(chromedp.SetValue(chromedp.CSS("#note-text"), "Craters seen from the road. (test)"))
			analyst.submit("#add-note")
			analyst.submit("#to-under_investigation")
			got := eval[[]string](analyst, `["#f-outcome", "#f-attr", "#f-rel", "#f-cred"].map(s => document.querySelector(s).value)`)
			if strings.Join(got, "") != "" {
				t.Errorf("the finding form is not neutral: %q", got)
			}
			analyst.do(chromedp.SetValue(chromedp.CSS("#f-outcome"), "inconclusive"), chromedp.SetValue(chromedp.CSS("#f-attr"), "undetermined"),
				chromedp.SetValue(chromedp.CSS("#f-rel"), "C"), chromedp.SetValue(chromedp.CSS("#f-cred"), "3"),
				chromedp.SetValue(chromedp.CSS("#f-sum"), "Could not be established. (test)"))
			analyst.submit("#to-finding")
			if analyst.has("#to-closed") {
				t.Error("an analyst is offered to close and seal")
			}
			analyst.noRawIDs("incident page")

			cochair := s.asIn(t, "cochair", c.lang, c.width)
			cochair.open("/incidents/" + incID)
			cochair.submit("#to-closed")
			cochair.shot(name("sealed"))
			cochair.fits("sealed incident")
			if b := cochair.text("#to-under_investigation"); b == "" {
				t.Error("the reopening button has no name")
			}
			// Sealed: the co-chair may reopen, and nothing else.
			if !cochair.has("#to-under_investigation") {
				t.Error("the co-chair is not offered to reopen")
			}
			for _, sel := range []string{"#to-finding", "#to-closed", "#note-form", `form[action$="/split"]`, "#attach-report", "button.undo", `form[action^="/attachments"]`} {
				if cochair.has(sel) {
					t.Errorf("a sealed incident offers %s to the co-chair", sel)
				}
			}
			analyst.open("/incidents/" + incID)
			for _, sel := range []string{"#workflow", "#note-form", `form[action$="/split"]`, "#attach-report", "button.undo", `form[action^="/attachments"]`} {
				if analyst.has(sel) {
					t.Errorf("a sealed incident offers %s to an analyst", sel)
				}
			}
			// The timeline is in event time, in order, with the decisions.
			times := eval[[]string](analyst, `Array.from(document.querySelectorAll("#timeline time")).map(t => t.getAttribute("datetime"))`)
			for i := 1; i < len(times); i++ {
				if times[i] < times[i-1] {
					t.Errorf("timeline out of order: %v", times)
					break
				}
			}
			if len(times) < 8 {
				t.Errorf("timeline has %d entries, want the reports, the decisions, the steps and the note", len(times))
			}
			if strings.Count(analyst.text("#timeline"), c.words["by"]) < 4 {
				t.Errorf("the timeline does not name who decided: %q", analyst.text("#timeline"))
			}
			analyst.shot(name("sealed-analyst"))
		})
	}
}
