package server_test

import (
	"context"
	"encoding/json"
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

// TestMapDownload downloads what is in the map's view: GeoJSON points and
// CSV with words beside the codes, the filters applied, what the reader
// may not read left out, a bad parameter named.
func TestMapDownload(t *testing.T) {
	s := start(t)
	b := s.browser(t, "monitor")
	view := "bbox=45.6,38.9,47.9,40.7&zoom=8&from=2021-06-01&to=2021-06-30"
	res, err := b.client.Get(s.url + "/map/download?" + view + "&kind=allegations&format=geojson")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/geo+json") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("geojson: Content-Type %s", ct)
	}
	gj := b.get("/map/download?" + view + "&kind=allegations&format=geojson")
	if gj.status != http.StatusOK {
		t.Fatalf("geojson: %d %.200s", gj.status, gj.body)
	}
	var fc struct {
		Type     string
		Features []struct {
			Geometry   struct{ Type string }
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(gj.body), &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
		t.Fatalf("geojson: %d features", len(fc.Features))
	}
	for _, f := range fc.Features {
		if f.Geometry.Type != "Point" || f.Properties["kind"] != "allegation" {
			t.Errorf("a feature of another type or kind: %v %v", f.Geometry.Type, f.Properties["kind"])
		}
		if st, _ := f.Properties["start"].(string); st < "2021-06-01" || st >= "2021-07-01" {
			t.Errorf("a feature outside the window: %v", st)
		}
	}
	csv := b.get("/map/download?" + view + "&kind=allegations&format=csv")
	if csv.status != http.StatusOK || !strings.HasPrefix(csv.body, "id,kind,lat,lon,start,category,category_name") {
		t.Fatalf("csv: %d %.200s", csv.status, csv.body)
	}
	if lines := strings.Count(strings.TrimSpace(csv.body), "\n"); lines != len(fc.Features) {
		t.Errorf("csv has %d records, geojson %d", lines, len(fc.Features))
	}
	if !strings.Contains(csv.body, ",Armenia,") && !strings.Contains(csv.body, ",Azerbaijan,") {
		t.Errorf("csv names no side: %.300s", csv.body)
	}
	// A side's filter keeps only its allegations.
	side := s.loaded.Orgs["AZ"]
	one := b.get("/map/download?" + view + "&kind=allegations&format=geojson&side=" + side)
	if one.status != http.StatusOK || strings.Count(one.body, `"side":"`+side+`"`) != strings.Count(one.body, `"kind":"allegation"`) {
		t.Errorf("side filter: %d %.300s", one.status, one.body)
	}
	for q, field := range map[string]string{"&kind=patrols&format=csv": "kind", "&kind=allegations&format=xls": "format"} {
		bad := b.get("/map/download?" + view + q)
		if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, field) {
			t.Errorf("%s: %d", q, bad.status)
		}
	}
}
