package webtest

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// shellingIncident is the demo's mortar-fire incident (under
// investigation), which a new allegation about the same event should be
// proposed to join.
func shellingIncident(t *testing.T, s *site) incident.Incident {
	t.Helper()
	p := access.Principal{UserID: "webtest", Org: s.loaded.Orgs["JMC"], OrgKind: "monitoring_centre", Roles: []access.Role{access.Analyst}}
	page, err := s.app.Incidents.ListIncidents(context.Background(), p, incident.IncidentFilter{Category: "heavy_weapons_fire"}, store.PageRequest{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range page.Items {
		if strings.Contains(inc.Title, "Mortar fire") {
			return inc
		}
	}
	t.Fatal("the demo has no mortar-fire incident")
	return incident.Incident{}
}

// lodge fills the allegation form as a liaison and returns the new
// allegation's id.
func lodge(tb *tab, against string, lat, lon float64, start, end, narrative, classification string) string {
	tb.t.Helper()
	tb.open("/allegations/new")
	fill(tb, against, lat, lon, start, end, narrative, classification)
	tb.submit("#submit")
	path := eval[string](tb, "location.pathname")
	id, ok := strings.CutPrefix(path, "/allegations/")
	if !ok || id == "new" {
		tb.t.Fatalf("lodging led to %s: %s", path, tb.text("main"))
	}
	return id
}

// pickOnMap places the report as a user does: a click on the form's small
// map (the map-pick widget) at lat, lon, which fills the coordinates. The
// map is first centred there at street level, where a pixel is a few
// metres.
func pickOnMap(tb *tab, lat, lon float64) {
	tb.t.Helper()
	at := eval[struct {
		X, Y float64
		In   bool
	}](tb, fmt.Sprintf(`(() => {
		const w = window.truceWidgets.find(w => w.kind === 'pick');
		w.element.scrollIntoView({block: 'center'});
		w.map.jumpTo({center: [%[1]f, %[2]f], zoom: 15});
		const p = w.map.project([%[1]f, %[2]f]);
		const r = w.map.getCanvas().getBoundingClientRect();
		return {X: r.left + p.x, Y: r.top + p.y, In: p.x >= 0 && p.y >= 0 && p.x <= r.width && p.y <= r.height};
	})()`, lon, lat))
	if !at.In {
		tb.t.Fatalf("%s: %v, %v is not on the form's map", tb.user, lat, lon)
	}
	tb.do(chromedp.MouseClickXY(at.X, at.Y))
	got := eval[[]string](tb, `[document.getElementById("lat").value, document.getElementById("lon").value]`)
	gotLat, err1 := strconv.ParseFloat(got[0], 64)
	gotLon, err2 := strconv.ParseFloat(got[1], 64)
	if err1 != nil || err2 != nil || math.Abs(gotLat-lat) > 0.001 || math.Abs(gotLon-lon) > 0.001 {
		tb.t.Fatalf("%s: a click on the map at %v, %v set lat %q, lon %q", tb.user, lat, lon, got[0], got[1])
	}
}

// fill types an allegation into the form, placing it by a click on the
// map.
func fill(tb *tab, against string, lat, lon float64, start, end, narrative, classification string) {
	tb.t.Helper()
	pickOnMap(tb, lat, lon)
	tb.do(
		chromedp.SetValue(chromedp.CSS("#alleged_perpetrator"), against),
		chromedp.SetValue(chromedp.CSS("#category"), "heavy_weapons_fire"),
		chromedp.SetValue(chromedp.CSS("#time-start"), start),
		chromedp.SetValue(chromedp.CSS("#narrative"), narrative),
		chromedp.SetValue(chromedp.CSS("#classification"), classification),
		chromedp.SetValue(chromedp.CSS("#time-end"), end),
	)
}

// A liaison lodges an allegation, an analyst accepts fusion's proposal in
// the review queue, a co-chair takes the incident to a finding and closes
// it, and editing the closed incident is refused. The history page then
// proves the allegation's inclusion in the log in the browser.
func TestLodgeReviewClose(t *testing.T) {
	s := start(t)
	inc := shellingIncident(t, s)

	liaison := s.as(t, "liaison-am")
	liaison.shot("dashboard")
	// A bidi override is refused by the server: the error shows next to the
	// field and the text typed is kept.
	liaison.open("/allegations/new")
	fill(liaison, s.loaded.Orgs["AZ"], 39.796, 47.068, "2021-06-14T18:10", "2021-06-14T19:20", "Shelling \u202eevil\u202c near the post", "mission")
	liaison.submit("#submit")
	if e := eval[string](liaison, `(document.getElementById("narrative-err") || {textContent: ""}).textContent`); !strings.Contains(e, "bidirectional") {
		t.Errorf("no field error next to the narrative: %q", e)
	}
	if v := eval[string](liaison, `document.getElementById("narrative").value`); v != "Shelling \u202eevil\u202c near the post" {
		t.Errorf("the narrative typed was lost: %q", v)
	}
	if v := eval[string](liaison, `document.getElementById("category").value`); v != "heavy_weapons_fire" {
		t.Errorf("the category chosen was lost: %q", v)
	}
	// Text that must be shown as text: markup, right-to-left words, a very
	// long word.
	narrative := "Mortar rounds fell near our post <script>alert(1)</script> قصف هاون " + strings.Repeat("W", 300)
	liaison.do(chromedp.SetValue(chromedp.CSS("#narrative"), narrative))
	liaison.submit("#submit")
	aid, ok := strings.CutPrefix(eval[string](liaison, "location.pathname"), "/allegations/")
	if !ok || aid == "new" {
		t.Fatalf("lodging failed: %s", liaison.text("main"))
	}
	if dir := eval[string](liaison, `document.querySelector("p.text").getAttribute("dir")`); dir != "auto" {
		t.Errorf("the narrative is not isolated with dir=auto: %q", dir)
	}
	if got := eval[bool](liaison, `document.querySelector("main script") === null && document.querySelector("p.text").textContent.includes("<script>")`); !got {
		t.Error("the narrative's markup was not shown as text")
	}
	if w := eval[float64](liaison, "document.documentElement.scrollWidth - document.documentElement.clientWidth"); w > 0 {
		t.Errorf("a long word makes the page scroll sideways by %vpx", w)
	}
	liaison.shot("allegation")

	analyst := s.as(t, "analyst")
	analyst.open("/review")
	analyst.shot("review")
	prefix := "accept|allegation|" + aid + "|"
	sel := fmt.Sprintf(`button[value^=%q]`, prefix)
	target := eval[string](analyst, fmt.Sprintf(`(document.querySelector(%q) || {value: ""}).value`, sel))
	if target == "" {
		t.Fatalf("the review queue shows no proposal for %s:\n%s", aid, analyst.text("main"))
	}
	incID := strings.TrimPrefix(target, prefix)
	if incID != inc.ID {
		t.Logf("fusion proposed %s first (the mortar-fire incident is %s)", incID, inc.ID)
	}
	analyst.submit(sel)
	if n := analyst.text("p.notice"); !strings.Contains(n, "attached") {
		t.Errorf("after accepting: notice %q", n)
	}
	analyst.open("/allegations/" + aid)
	if !eval[bool](analyst, fmt.Sprintf(`document.querySelector('#record-incident[href="/incidents/%s"]') !== null`, incID)) {
		t.Fatalf("the allegation is not in incident %s after accepting:\n%s", incID, analyst.text("main"))
	}

	cochair := s.as(t, "cochair")
	cochair.open("/incidents/" + incID)
	for step := 0; step < 6; step++ {
		status := eval[string](cochair, `document.querySelector("p.meta .status").className`)
		if strings.Contains(status, "s-closed") {
			break
		}
		for _, to := range []string{"closed", "finding", "under_investigation", "preliminary_review"} {
			if !eval[bool](cochair, fmt.Sprintf(`document.getElementById("to-%s") !== null`, to)) {
				continue
			}
			if to == "finding" {
				cochair.do(chromedp.SetValue(chromedp.CSS("#f-outcome"), "substantiated"), chromedp.SetValue(chromedp.CSS("#f-attr"), "undetermined"),
					chromedp.SetValue(chromedp.CSS("#f-rel"), "B"), chromedp.SetValue(chromedp.CSS("#f-cred"), "2"),
					chromedp.SetValue(chromedp.CSS("#f-sum"), "Craters and fragments found at the reported place. (test)"))
			}
			cochair.submit("#to-" + to)
			break
		}
	}
	cochair.shot("incident-closed")
	if status := eval[string](cochair, `document.querySelector("p.meta .status").className`); !strings.Contains(status, "s-closed") {
		t.Fatalf("the incident did not close: %s\n%s", status, cochair.text("main"))
	}
	if eval[bool](cochair, `document.getElementById("to-finding") !== null || document.getElementById("to-closed") !== null`) {
		t.Error("a closed incident still offers finding or closing")
	}
	// A sealed incident offers no edits: no note, split or attachment
	// form that the service would refuse.
	for _, id := range []string{"note-text", "add-note"} {
		if eval[bool](cochair, fmt.Sprintf(`document.getElementById(%q) !== null`, id)) {
			t.Errorf("a closed incident still offers #%s", id)
		}
	}

	// The history page checks the allegation's inclusion proof in the browser.
	liaison.open("/history/allegation/" + aid)
	verified := waitFor(t, liaison, `(document.querySelector("li.version") || {dataset: {}}).dataset.verified || ""`)
	if _, err := strconv.Atoi(verified); err != nil {
		t.Fatalf("the inclusion proof was not verified: %q (%s)", verified, liaison.text("li.version .proof"))
	}
	if txt := liaison.text("li.version .proof"); !strings.Contains(txt, "checkpoint "+verified) || !strings.Contains(txt, "signature by") {
		t.Errorf("proof status %q", txt)
	}
	liaison.shot("history")
	liaison.clean("history")
}

// waitFor polls a JavaScript expression until it is not empty.
func waitFor(t *testing.T, tb *tab, expr string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if v := eval[string](tb, expr); v != "" {
			return v
		}
		time.Sleep(100 * time.Millisecond)
	}
	return ""
}

// A side's restricted allegation is hidden from the other side's liaison:
// the page answers as for a record that does not exist.
func TestRestrictedAllegationHidden(t *testing.T) {
	s := start(t)
	am := s.as(t, "liaison-am")
	aid := lodge(am, s.loaded.Orgs["AZ"], 39.90, 46.80, "2021-06-21T10:00", "", "Restricted report for the mission only.", "restricted")
	az := s.as(t, "liaison-az")
	az.do(chromedp.Navigate(s.url+"/allegations/"+aid), chromedp.WaitReady(chromedp.CSS("body")))
	az.drop("404 (Not Found)")
	if h := az.text("h1"); h != "Not found" {
		t.Errorf("the other side's liaison sees %q on the restricted allegation", h)
	}
	if strings.Contains(az.text("main"), "Restricted report") {
		t.Error("the restricted narrative leaks to the other side")
	}
	am.open("/allegations/" + aid)
	if !strings.Contains(am.text("main"), "Restricted report") {
		t.Error("the lodging side cannot read its own restricted allegation")
	}
}

// Switching to Arabic mirrors the page and translates the navigation, and
// the choice is kept for the user.
func TestArabicRightToLeft(t *testing.T) {
	s := start(t)
	tb := s.as(t, "observer")
	tb.open("/incidents")
	tb.submit(`button[name="to"][value="ar"]`)
	if dir := eval[string](tb, "document.documentElement.dir"); dir != "rtl" {
		t.Fatalf("dir = %q after switching to Arabic", dir)
	}
	if lang := eval[string](tb, "document.documentElement.lang"); lang != "ar" {
		t.Errorf("lang = %q", lang)
	}
	nav := tb.text("#nav")
	for _, want := range []string{"لوحة المتابعة", "الحوادث"} {
		if !strings.Contains(nav, want) {
			t.Errorf("navigation %q lacks %q", nav, want)
		}
	}
	// Mirrored: the brand sits at the right edge, the tools at the left.
	if eval[bool](tb, `document.querySelector(".brand").getBoundingClientRect().left < document.querySelector(".tools").getBoundingClientRect().left`) {
		t.Error("the header is not mirrored")
	}
	tb.open("/")
	tb.shot("dashboard-ar")
	if w := eval[float64](tb, "document.documentElement.scrollWidth - document.documentElement.clientWidth"); w > 0 {
		t.Errorf("the right-to-left page scrolls sideways by %vpx", w)
	}
	if dir := eval[string](tb, "document.documentElement.dir"); dir != "rtl" {
		t.Error("the language was not kept for the next page")
	}
	tb.submit(`button[name="to"][value="en"]`)
	if dir := eval[string](tb, "document.documentElement.dir"); dir != "ltr" {
		t.Errorf("dir = %q after switching back", dir)
	}
}

// Every main page loads without a console error, for an admin and a
// liaison, and is screenshotted.
func TestPagesHaveNoConsoleErrors(t *testing.T) {
	s := start(t)
	admin := s.as(t, "admin")
	for _, p := range []string{"/", "/incidents", "/agreements", "/admin/users", "/admin/tokens", "/settings"} {
		admin.open(p)
		if code := eval[string](admin, `document.title`); strings.HasPrefix(code, "Not") {
			t.Errorf("%s: %s", p, code)
		}
	}
	admin.shot("agreement")
	an := s.as(t, "analyst")
	an.open("/review")
	// The keyboard: j marks the first report, k stays on it.
	an.do(chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"))
	if got := eval[string](an, `(document.querySelector("li.report.current") || {dataset: {row: ""}}).dataset.row`); got != "0" {
		t.Errorf("after j j k the current report is %q, want the first", got)
	}
	if !eval[bool](an, `document.activeElement.classList.contains("report")`) {
		t.Error("the current report does not have the focus")
	}
	for _, p := range []string{"/observations/new", "/allegations/new"} {
		an.open(p)
	}
	an.shot("observation-form")
	inc := shellingIncident(t, s)
	an.open("/incidents/" + inc.ID)
	if waitFor(t, an, `(document.getElementById("incident-map") || {dataset: {}}).dataset.state === "loaded" ? "yes" : ""`) == "" {
		t.Error("the incident's map did not load")
	}
	an.shot("incident")
	an.open("/map")
	if waitFor(t, an, `(document.getElementById("map") || {dataset: {}}).dataset.state === "loaded" ? "yes" : ""`) == "" {
		t.Error("the map did not load")
	}
	an.shot("map")
	an.open("/history/incident/" + inc.ID)
	waitFor(t, an, `(document.querySelector("li.version") || {dataset: {}}).dataset.verified || ""`)
	an.clean("history")
}
