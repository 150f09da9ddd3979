package webtest

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// digits reads the first number of a text (a total such as "Found: 12").
var digits = regexp.MustCompile(`[0-9]+`)

// An analyst narrows the allegations list to those near a place of the
// gazetteer (issue 16, "place" among the filters), in English and in
// Russian, at desktop width and at 390 px: the filter is the address, the
// total is the service's for the same filter, and a distance out of range
// is refused next to its field in the page's language.
func TestListPlaceFilter(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	analyst := access.Principal{UserID: "webtest", Username: "webtest", Org: s.loaded.Orgs["JMC"], OrgKind: "mission", Roles: []access.Role{access.Analyst}, Via: "cli"}
	all, err := s.app.Incidents.NumberedAllegations(ctx, analyst, incident.AllegationFilter{}, store.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// A place with some of the allegations near it, not all.
	keys := make([]string, 0, len(s.loaded.Places))
	for k := range s.loaded.Places {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	place, want := "", 0
	for _, k := range keys {
		n, err := s.app.Incidents.NumberedAllegations(ctx, analyst, incident.AllegationFilter{Near: incident.Near{Place: s.loaded.Places[k], Within: 20000}}, store.ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if n.Total > 0 && n.Total < all.Total {
			place, want = s.loaded.Places[k], n.Total
			break
		}
	}
	if place == "" {
		t.Fatalf("no demo place has some but not all of the %d allegations within 20 km", all.Total)
	}
	for _, c := range []struct {
		lang          string
		width, height int64
	}{{"en", 1280, 900}, {"ru", 390, 844}} {
		t.Run(fmt.Sprintf("%s-%d", c.lang, c.width), func(t *testing.T) {
			tb := s.as(t, "analyst")
			tb.do(chromedp.EmulateViewport(c.width, c.height))
			tb.open("/allegations")
			if c.lang != "en" {
				tb.submit(`.langs button[value="` + c.lang + `"]`)
				defer tb.submit(`.langs button[value="en"]`)
			}
			tb.do(chromedp.SetValue(chromedp.CSS("#f-place"), place), chromedp.SetValue(chromedp.CSS("#f-within"), "20000"))
			tb.submit(`.list-buttons button[type="submit"]`)
			query := eval[string](tb, "location.search")
			if !strings.Contains(query, "place="+place) || !strings.Contains(query, "within=20000") {
				t.Fatalf("the place filter is not in the address: %s", query)
			}
			total := tb.text(".list-total")
			if got := digits.FindString(total); got != fmt.Sprint(want) {
				t.Fatalf("the page says %q, the service finds %d", total, want)
			}
			if sel := eval[string](tb, `document.querySelector("#f-place").value`); sel != place {
				t.Errorf("the chosen place is not shown again: %q", sel)
			}
			tb.shot("list-place-" + c.lang)

			// Too close a radius (typed into the address: the form's own
			// min would stop it): refused next to the field, translated.
			bad := "/allegations?place=" + place + "&within=5"
			tb.do(chromedp.Navigate(tb.s.url+bad), chromedp.WaitReady(chromedp.CSS("body")))
			tb.drop("400 (Bad Request)")
			tb.clean(bad)
			if inv := eval[string](tb, `document.querySelector("#f-within").getAttribute("aria-invalid") || ""`); inv != "true" {
				t.Errorf("the distance field is not marked invalid")
			}
			msg := tb.text("#within-error")
			if msg == "" || strings.Contains(msg, "within") {
				t.Errorf("the distance's error reads %q", msg)
			}
			if c.lang == "ru" && !regexp.MustCompile(`[А-Яа-я]`).MatchString(msg) {
				t.Errorf("the distance's error is not in Russian: %q", msg)
			}
			tb.open("/allegations")
		})
	}
}

// A monitor rejects several reports as duplicates of one in the review
// queue (issue 16): each report's outcome is shown, the duplicates leave
// the queue and the original stays — in English at desktop width and in
// Russian at a phone's.
func TestReviewDuplicates(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	liaison := access.Principal{UserID: "webtest-liaison", Username: "liaison-az", Org: s.loaded.Orgs["AZ"], OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "cli"}
	monitor := access.Principal{UserID: "webtest", Username: "webtest", Org: s.loaded.Orgs["JMC"], OrgKind: "mission", Roles: []access.Role{access.Monitor}, Via: "cli"}
	for i, c := range []struct {
		lang  string
		width int64
		done  string // a word of the outcome "marked as a duplicate"
	}{{"en", 0, "duplicate"}, {"ru", 390, "дубликат"}} {
		t.Run(c.lang, func(t *testing.T) {
			// Three copies of one complaint, on a day later than the
			// demo's, so that they open the queue.
			var ids []string
			for n := range 3 {
				a, err := s.app.Incidents.LodgeAllegation(ctx, liaison, incident.AllegationInput{SourceKind: incident.SourceSide,
					OnBehalfOf: s.loaded.Orgs["AZ"], AllegedPerpetrator: s.loaded.Orgs["AM"], Category: "small_arms_fire",
					Location:  incident.LocationInput{Point: &geo.Point{Lat: 40.35, Lon: 46.55}, Precision: incident.PrecisionExact},
					Time:      incident.TimeInput{Start: fmt.Sprintf("2023-0%d-0%dT10:00:00Z", i+1, n+1)},
					Narrative: fmt.Sprintf("Shots at the farm, copy %d (%s). (test)", n+1, c.lang), Reliability: "C", Credibility: 3})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, a.ID)
			}
			// The original leaves the queue afterwards, so that other
			// tests find theirs on its first page.
			t.Cleanup(func() {
				if a, err := s.app.Incidents.GetAllegation(ctx, liaison, ids[0]); err == nil {
					if _, err := s.app.Incidents.WithdrawAllegation(ctx, liaison, ids[0], a.Version, "A test's report."); err != nil {
						t.Error(err)
					}
				}
			})
			tb := s.asIn(t, "monitor", c.lang, c.width)
			tb.open("/review")
			pick := func(name, id string) chromedp.Action[chromedp.Void] {
				return chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value="allegation|%s"]`, name, id)))
			}
			tb.do(pick("original", ids[0]), pick("dup", ids[1]), pick("dup", ids[2]))
			tb.submit("#bulk-duplicate")
			if n := eval[int](tb, `document.querySelectorAll("#dup-result li.dup-done").length`); n != 2 {
				t.Fatalf("outcomes: %s", tb.text("main"))
			}
			if got := tb.text("#dup-result"); !strings.Contains(got, c.done) {
				t.Errorf("the outcome does not say what was done: %q", got)
			}
			for j, id := range ids {
				queued := tb.has(fmt.Sprintf(`input[name="dup"][value="allegation|%s"]`, id))
				if queued != (j == 0) {
					t.Errorf("report %d in the queue: %v", j, queued)
				}
			}
			tb.noRawIDs("review after duplicates")
			if c.width == 390 {
				tb.fits("review after duplicates")
			}
			tb.shot("review-duplicates-" + c.lang)

			// Nothing chosen as the original: said, nothing marked.
			tb.do(pick("dup", ids[0]))
			tb.submit("#bulk-duplicate")
			if !tb.has(`p.error[role="alert"]`) {
				t.Errorf("no message says the original is missing")
			}
			if !tb.has(fmt.Sprintf(`input[name="dup"][value="allegation|%s"]`, ids[0])) {
				t.Errorf("the original left the queue")
			}
			// The domain agrees: two decisions, the original in the queue.
			n, _, err := s.app.Incidents.ReviewQueueLength(ctx, monitor)
			if err != nil || n == 0 {
				t.Fatalf("queue length %d, %v", n, err)
			}
		})
	}
}

// A monitor starts a new incident from a report and takes it back (issue
// 16): the incident is withdrawn, says so on its page, and is gone from
// the incidents list; the report is back in the queue.
func TestUndoNewIncidentLeavesNoEmptyIncident(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	liaison := access.Principal{UserID: "webtest-liaison", Username: "liaison-az", Org: s.loaded.Orgs["AZ"], OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "cli"}
	for i, c := range []struct {
		lang  string
		width int64
	}{{"en", 0}, {"ar", 390}} {
		t.Run(c.lang, func(t *testing.T) {
			day := fmt.Sprintf("2023-05-%02d", 10+i)
			a, err := s.app.Incidents.LodgeAllegation(ctx, liaison, incident.AllegationInput{SourceKind: incident.SourceSide,
				OnBehalfOf: s.loaded.Orgs["AZ"], AllegedPerpetrator: s.loaded.Orgs["AM"], Category: "small_arms_fire",
				Location:  incident.LocationInput{Point: &geo.Point{Lat: 40.36, Lon: 46.56}, Precision: incident.PrecisionExact},
				Time:      incident.TimeInput{Start: day + "T09:00:00Z"},
				Narrative: "Shots near the orchard, to be undone (" + c.lang + "). (test)", Reliability: "C", Credibility: 3})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if cur, err := s.app.Incidents.GetAllegation(ctx, liaison, a.ID); err == nil {
					_, _ = s.app.Incidents.WithdrawAllegation(ctx, liaison, a.ID, cur.Version, "A test's report.")
				}
			})
			tb := s.asIn(t, "monitor", c.lang, c.width)
			tb.open("/review")
			tb.submit(fmt.Sprintf(`button[name="one"][value="new_incident|allegation|%s|"]`, a.ID))
			path := eval[string](tb, "location.pathname")
			if !strings.HasPrefix(path, "/incidents/") {
				t.Fatalf("starting an incident led to %s", path)
			}
			id := strings.TrimPrefix(path, "/incidents/")
			tb.submit(`form[action="/review/undo"] button.undo`)
			if !tb.has("#withdrawn") {
				t.Fatalf("the incident page does not say it was withdrawn: %s", tb.text("main"))
			}
			tb.shot("incident-withdrawn-" + c.lang)
			tb.open("/incidents?from=" + day + "&to=" + day)
			if tb.has(fmt.Sprintf(`a[href="/incidents/%s"]`, id)) {
				t.Errorf("the withdrawn incident is still listed")
			}
			tb.open("/review")
			if !tb.has(fmt.Sprintf(`button[name="one"][value="new_incident|allegation|%s|"]`, a.ID)) {
				t.Errorf("the report is not back in the queue")
			}
		})
	}
}

// A registry form sent with several mistakes shows every one of them at
// once, each next to its field and in the page's language (issue 16):
// the crossing form with no time, no checkpoint, no direction and a
// cargo without its kind, in English and in Russian.
func TestRegistryFormAllErrorsAtOnce(t *testing.T) {
	s := start(t)
	cyrillic := regexp.MustCompile(`[А-Яа-я]`)
	for _, c := range []struct {
		lang  string
		width int64
	}{{"en", 0}, {"ru", 390}} {
		t.Run(c.lang, func(t *testing.T) {
			tb := s.asIn(t, "monitor", c.lang, c.width)
			tb.open("/crossings/new")
			// The browser's own checks would stop the form: send it as a
			// client without them would.
			tb.do(chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector("#f-at").form; f.noValidate = true;
				document.querySelector("#f-at").value = ""; document.querySelector("#f-tonnes").value = "3"; })()`))
			tb.submit(`#f-at ~ button[type="submit"], form:has(#f-at) button[type="submit"]`)
			for _, id := range []string{"f-at", "f-checkpoint", "f-direction", "f-cargo"} {
				if !tb.has("#" + id + "-err") {
					t.Errorf("no error next to %s: %s", id, tb.text("main"))
					continue
				}
				msg := tb.text("#" + id + "-err")
				if inv := eval[string](tb, fmt.Sprintf(`document.querySelector("#%s").getAttribute("aria-invalid") || ""`, id)); inv != "true" {
					t.Errorf("%s is not marked invalid", id)
				}
				if c.lang == "ru" && !cyrillic.MatchString(msg) {
					t.Errorf("%s: the error is not in Russian: %q", id, msg)
				}
				// Each error has a reason of its own, not the generic phrase
				// an error without one falls back to.
				if strings.Contains(msg, "is not accepted") || strings.Contains(msg, "значение не принято") {
					t.Errorf("%s: the error gives no reason: %q", id, msg)
				}
				if strings.Contains(msg, "_id") || strings.Contains(msg, "checkpoint_id") {
					t.Errorf("%s: the error names an internal field: %q", id, msg)
				}
			}
			tb.shot("crossing-errors-" + c.lang)
		})
	}
}
