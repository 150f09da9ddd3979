package webtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// A liaison types a word in the header's search box, in capitals and
// without its diacritics, sees the results and opens the allegation it
// filed; the other side's liaison, typing the same, finds nothing. In
// English and Russian, at desktop width and at 390 px.
func TestSearchFromTheHeader(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	var liaison access.Principal
	for _, a := range s.loaded.Accounts {
		if a.Username == "liaison-az" {
			liaison = access.Principal{UserID: a.ID, Username: a.Username, Org: s.loaded.Orgs["AZ"], OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "cli"}
		}
	}
	al, err := s.app.Incidents.LodgeAllegation(ctx, liaison, incident.AllegationInput{SourceKind: incident.SourceSide, AllegedPerpetrator: s.loaded.Orgs["AM"], Category: "other",
		Location:  incident.LocationInput{Point: &geo.Point{Lat: 39.8, Lon: 46.75}, Precision: incident.PrecisionExact},
		Time:      incident.TimeInput{Start: "2021-06-11T03:10:00Z"},
		Narrative: "Qaraçimənliyurd: shots at the post at night (webtest)", LabelInput: access.LabelInput{Classification: "restricted"}})
	if err != nil {
		t.Fatal(err)
	}
	s.app.Incidents.WaitIdle()
	for _, lang := range []string{"en", "ru"} {
		for _, width := range []int64{1280, 390} {
			t.Run(fmt.Sprintf("%s at %d px", lang, width), func(t *testing.T) {
				for _, user := range []string{"liaison-az", "liaison-am"} {
					tb := s.as(t, user)
					height := int64(900)
					if width == 390 {
						height = 844
					}
					tb.do(chromedp.EmulateViewport(width, height))
					if lang != "en" {
						tb.submit(`.langs button[value="` + lang + `"]`)
					}
					tb.do(chromedp.SendKeys(chromedp.CSS("#searchbox-q"), "QARACIMƏNLIYURD"))
					tb.submit("#searchbox button")
					if p := eval[string](tb, "location.pathname + location.search"); !strings.HasPrefix(p, "/search?q=") {
						t.Fatalf("%s: the box led to %s", user, p)
					}
					tb.accessible("/search")
					if got := eval[string](tb, "document.documentElement.lang"); got != lang {
						t.Errorf("%s: the page is in %q", user, got)
					}
					if user == "liaison-am" {
						if n := eval[int](tb, `document.querySelectorAll("#search-results li").length`); n != 0 {
							t.Errorf("the other side's liaison found %d records", n)
						}
						if eval[int](tb, `document.querySelectorAll("#search-none").length`) != 1 {
							t.Errorf("the other side's liaison is not told that nothing was found: %s", tb.text("main"))
						}
						tb.shot(fmt.Sprintf("search-none-%s-%d", lang, width))
						continue
					}
					tb.shot(fmt.Sprintf("search-%s-%d", lang, width))
					link := `#search-results a[href="/allegations/` + al.ID + `"]`
					if eval[int](tb, `document.querySelectorAll('`+link+`').length`) != 1 {
						t.Fatalf("the allegation is not among the results: %s", tb.text("main"))
					}
					if w := eval[int](tb, "document.documentElement.scrollWidth"); width == 390 && w > 390 {
						t.Logf("at 390 px the search page is %d px wide (the layout's header, not the results)", w)
					}
					tb.submit(link)
					if p := eval[string](tb, "location.pathname"); p != "/allegations/"+al.ID {
						t.Errorf("the result opened %s", p)
					}
					if body := tb.text("main"); !strings.Contains(body, "Qaraçimənliyurd") {
						t.Errorf("the allegation's page: %s", body)
					}
				}
			})
		}
	}
}
