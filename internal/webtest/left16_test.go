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
