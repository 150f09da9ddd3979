package webtest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The co-chair opens the reports page, asks for the daily report of 12
// June 2021 in HTML and reads it in the browser, with no error logged.
func TestReportsPageDailyHTML(t *testing.T) {
	s := start(t)
	cochair := s.as(t, "cochair")
	cochair.open("/reports")
	if n := eval[int](cochair, `document.querySelectorAll("#issue").length`); n != 1 {
		t.Errorf("the co-chair has %d Issue buttons", n)
	}
	cochair.do(
		chromedp.SetValue(chromedp.CSS("#kind"), "daily"),
		chromedp.SetValue(chromedp.CSS("#date"), "2021-06-12"),
		chromedp.SetValue(chromedp.CSS("#edition"), "public"),
		chromedp.SetValue(chromedp.CSS("#format"), "html"),
	)
	cochair.submit("#generate")
	if path := eval[string](cochair, "location.pathname"); path != "/reports" {
		t.Errorf("the report came from %s", path)
	}
	body := cochair.text("body")
	for _, want := range []string{"12 June 2021", "Armenia", "97"} {
		if !strings.Contains(body, want) {
			t.Errorf("the daily report lacks %q: %.400s", want, body)
		}
	}
	cochair.clean("the daily report")
}
