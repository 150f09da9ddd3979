package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestDashboardPeriod opens the dashboard on a chosen period and by
// default: the period is in the URL, the demo opens on its scenario's last
// day, the figures link into the lists with the period's filters, the
// charts are SVG drawn on the server, and a bad date is named.
func TestDashboardPeriod(t *testing.T) {
	s := start(t)
	if err := s.app.MarkDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"cochair", "monitor", "liaison-az", "observer"} {
		b := s.browser(t, user)
		res := b.get("/?from=2021-06-01&to=2021-06-30")
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %.300s", user, res.status, res.body)
		}
		body := res.body
		for _, want := range []string{`<svg class="chart"`, `value="2021-06-01"`, `value="2021-06-30"`,
			`href="/allegations?from=2021-06-01&amp;side=`, `href="/map?from=2021-06-01&amp;to=2021-06-30"`, `class="chart bars"`, `class="chart minimap"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the dashboard lacks %s", user, want)
			}
		}
		if regexp.MustCompile(`<span class="big">[1-9]`).FindString(body) == "" {
			t.Errorf("%s: every figure of June 2021 is zero", user)
		}
		if k := regexp.MustCompile(`>[^<]*\b(dash|dashboard|pstatus|category)\.[a-z_.]+`).FindString(body); k != "" {
			t.Errorf("%s: a message key shown untranslated: %s", user, k)
		}
		queue := strings.Contains(body, `href="/review"><span class="big">`)
		if want := user == "monitor" || user == "cochair"; queue != want && user != "cochair" {
			t.Errorf("%s: review queue shown %v", user, queue)
		}
		// The default: the demo's last day with a report, not the clock.
		def := b.get("/")
		if def.status != http.StatusOK || !strings.Contains(def.body, `id="dash-day" name="day" value="2021-`) {
			t.Errorf("%s: the demo's dashboard does not open on the scenario's days: %d", user, def.status)
		}
		bad := b.get("/?day=2021-13-40")
		if bad.status != http.StatusOK || !strings.Contains(bad.body, `id="dash-day" name="day" value="2021-13-40" aria-invalid="true"`) {
			t.Errorf("%s: a bad day is not named: %d %s", user, bad.status, regexp.MustCompile(`<form class="period-picker"[^§]*?</form>`).FindString(bad.body))
		}
	}
}
