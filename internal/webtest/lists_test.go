package webtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// An analyst walks the incidents list (issue 16): filters it by a date
// range through the form, sorts it by title with a column head, goes to
// page 2, comes back, selects two incidents and moves them both to
// preliminary review — at desktop width and at 390 px, in English and in
// Arabic, with no console error. Each walk works on three incidents of its
// own, on a day of 2022 where the demo has none, so that the demo's
// incidents stay as other tests expect them.
func TestIncidentListWalk(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	analyst := access.Principal{UserID: "webtest", Username: "webtest", Org: s.loaded.Orgs["JMC"], OrgKind: "mission", Roles: []access.Role{access.Analyst}, Via: "cli"}
	for i, c := range []struct {
		lang          string
		width, height int64
	}{{"en", 1280, 900}, {"en", 390, 844}, {"ar", 1280, 900}, {"ar", 390, 844}} {
		name := fmt.Sprintf("%s-%d", c.lang, c.width)
		t.Run(name, func(t *testing.T) {
			day := fmt.Sprintf("2022-03-%02d", 10+i)
			var ids []string
			for _, title := range []string{"Webtest list Charlie", "Webtest list Alpha", "Webtest list Bravo"} {
				inc, err := s.app.Incidents.OpenIncident(ctx, analyst, incident.IncidentInput{Title: title + " " + name, Category: "small_arms_fire",
					Location: incident.PointRadius{Point: geo.Point{Lat: 39.9, Lon: 46.8}, RadiusM: 1000}, Time: incident.TimeInput{Start: day + "T0" + fmt.Sprint(len(ids)+1) + ":00:00Z"}})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, inc.ID)
			}
			tb := s.as(t, "analyst")
			tb.do(chromedp.EmulateViewport(c.width, c.height))
			tb.open("/incidents?size=2")
			if c.lang != "en" {
				tb.submit(`.langs button[value="` + c.lang + `"]`)
				defer tb.submit(`.langs button[value="en"]`)
			}

			// Filter: the day, through the form's date fields.
			tb.do(chromedp.SetValue(chromedp.CSS("#f-from"), day), chromedp.SetValue(chromedp.CSS("#f-to"), day))
			tb.submit(`.list-buttons button[type="submit"]`)
			query := eval[string](tb, "location.search")
			if !strings.Contains(query, "from="+day) || !strings.Contains(query, "size=2") {
				t.Fatalf("the filters are not the address: %s", query)
			}
			if n := eval[int](tb, `document.querySelectorAll("#incidents tbody tr").length`); n != 2 {
				t.Fatalf("page 1 of the filtered list has %d rows, want 2", n)
			}

			// Sort by title with the column head: Alpha, Bravo on page 1.
			tb.submit(`#incidents thead th[aria-sort] a[href*="sort=title"]`)
			titles := eval[[]string](tb, `[...document.querySelectorAll("#incidents tbody td:nth-child(2)")].map(td => td.textContent.trim())`)
			if len(titles) != 2 || !strings.HasPrefix(titles[0], "Webtest list Alpha") || !strings.HasPrefix(titles[1], "Webtest list Bravo") {
				t.Fatalf("sorted by title: %q", titles)
			}
			if state := eval[string](tb, `document.querySelector('#incidents th[aria-sort="ascending"]') ? "ascending" : ""`); state != "ascending" {
				t.Errorf("the sorted column does not say so")
			}
			tb.shot("list-incidents-" + name)

			// Page 2: Charlie alone; then back to page 1.
			tb.submit(`.pager a[href*="page=2"]:not([rel])`)
			titles = eval[[]string](tb, `[...document.querySelectorAll("#incidents tbody td:nth-child(2)")].map(td => td.textContent.trim())`)
			if len(titles) != 1 || !strings.HasPrefix(titles[0], "Webtest list Charlie") {
				t.Fatalf("page 2: %q", titles)
			}
			if cur := eval[string](tb, `document.querySelector('.pager [aria-current="page"]').getAttribute("href")`); !strings.Contains(cur, "page=2") {
				t.Errorf("the current page is %s", cur)
			}
			tb.submit(`.pager a[rel="prev"]`)

			// Select both rows and move them to preliminary review.
			tb.do(chromedp.Click(chromedp.CSS(`#incidents tbody tr:nth-child(1) input[type=checkbox]`)),
				chromedp.Click(chromedp.CSS(`#incidents tbody tr:nth-child(2) input[type=checkbox]`)),
				chromedp.SetValue(chromedp.CSS("#bulk-to"), incident.PreliminaryReview))
			tb.submit(`.bulk-bar button[type="submit"]`)
			if n := eval[int](tb, `document.querySelectorAll(".bulk-result .notice").length`); n != 1 {
				t.Fatalf("no confirmation: %s", tb.text("main"))
			}
			if n := eval[int](tb, `document.querySelectorAll(".bulk-result .field-error").length`); n != 0 {
				t.Errorf("refusals: %s", tb.text(".bulk-result"))
			}
			if path := eval[string](tb, "location.pathname"); path != "/incidents/bulk" {
				t.Logf("after the bulk action: %s", path)
			}
			tb.shot("list-incidents-bulk-" + name)
			moved := 0
			for _, id := range ids {
				inc, err := s.app.Incidents.GetIncident(ctx, analyst, id)
				if err != nil {
					t.Fatal(err)
				}
				if inc.Status == incident.PreliminaryReview {
					moved++
				}
			}
			if moved != 2 {
				t.Errorf("%d incidents moved, want the 2 selected", moved)
			}

			// At 390 px the page itself does not scroll sideways: the table
			// scrolls within its wrapper.
			if c.width == 390 {
				wide := eval[bool](tb, `document.documentElement.scrollWidth > window.innerWidth + 1`)
				if wide {
					t.Errorf("the page is wider than the phone: %d px", eval[int](tb, "document.documentElement.scrollWidth"))
				}
				if n := eval[int](tb, `document.querySelectorAll(".table-scroll #incidents").length`); n != 1 {
					t.Errorf("the table is not in a scrolling wrapper")
				}
			}
			if c.lang == "ar" {
				if dir := eval[string](tb, "document.documentElement.dir"); dir != "rtl" {
					t.Errorf("Arabic list: dir %q", dir)
				}
				if body := tb.text(".list-total"); !strings.Contains(body, "العدد") {
					t.Errorf("Arabic total: %q", body)
				}
			}
			tb.clean(name)
		})
	}
}

// The allegations list as a liaison: its own side's first, in Arabic and
// English, filtered by category, with no console error.
func TestAllegationListOwnSideFirst(t *testing.T) {
	s := start(t)
	tb := s.as(t, "liaison-az")
	tb.open("/allegations")
	own := eval[[]bool](tb, `[...document.querySelectorAll("#allegations tbody tr")].map(tr => tr.classList.contains("own"))`)
	if len(own) == 0 || !own[0] {
		t.Fatalf("the liaison's own allegations do not come first: %v", own)
	}
	first := slices.Index(own, false)
	if first > 0 && slices.Contains(own[first:], true) {
		t.Errorf("own allegations after others: %v", own)
	}
	tb.do(chromedp.SetValue(chromedp.CSS("#f-category"), "small_arms_fire"))
	tb.submit(`.list-buttons button[type="submit"]`)
	if q := eval[string](tb, "location.search"); !strings.Contains(q, "category=small_arms_fire") {
		t.Errorf("the filter is not in the address: %s", q)
	}
	tb.shot("list-allegations-liaison")
	tb.open("/observations")
	tb.shot("list-observations-liaison")
}
