package server_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/exchange"
)

// The export endpoint: the format from ?format= or Accept, the file as an
// attachment, a bad request refused as a problem before any byte of the
// file, and no file without an account.
func TestExportAPI(t *testing.T) {
	s := start(t)
	analyst := s.with("analyst")

	res := analyst.do("GET", "/api/v1/export/allegations?format=csv", "")
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	if got := res.header.Get("Content-Disposition"); got != `attachment; filename="truce_allegations.csv"` {
		t.Errorf("Content-Disposition %q", got)
	}
	recs, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil || len(recs) < 3 || recs[0][0] != "id" || recs[1][0] != "#event+id" {
		t.Fatalf("csv body: %v %q", err, res.body)
	}

	res = analyst.do("GET", "/api/v1/export/layers?kind=zone", "", "Accept", "application/geo+json")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != exchange.GeoJSONContentType {
		t.Fatalf("geojson: %d %s %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct{ Type string } `json:"geometry"`
		} `json:"features"`
	}
	res.json(t, &fc)
	if fc.Type != "FeatureCollection" || len(fc.Features) == 0 || fc.Features[0].Geometry.Type != "MultiPolygon" {
		t.Errorf("zones: %+v", fc)
	}
	if res = analyst.do("GET", "/api/v1/export/incidents", "", "Accept", "text/csv"); !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Errorf("Accept text/csv gave %s", res.header.Get("Content-Type"))
	}

	for _, c := range []struct{ path, field string }{
		{"/api/v1/export/allegations?format=csv&category=shelling", "category"},
		{"/api/v1/export/allegations?format=docx", "format"},
		{"/api/v1/export/weather", "kind"},
		{"/api/v1/export/observations?sort=kind", "sort"},
	} {
		res := analyst.do("GET", c.path, "")
		var problem struct {
			Field string `json:"field"`
		}
		if res.status != http.StatusBadRequest || !strings.HasPrefix(res.header.Get("Content-Type"), "application/problem+json") || res.header.Get("Content-Disposition") != "" {
			t.Errorf("%s: %d %s %s", c.path, res.status, res.header.Get("Content-Type"), res.body)
			continue
		}
		if json.Unmarshal(res.body, &problem); problem.Field != c.field {
			t.Errorf("%s: problem names %q, want %q (%s)", c.path, problem.Field, c.field, res.body)
		}
	}
	if res := s.with("").do("GET", "/api/v1/export/allegations", ""); res.status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", res.status)
	}
}

// Every list page and the map offer the download menu, linking to the
// export with the page's filters (and without its order or page).
func TestExportMenuOnPages(t *testing.T) {
	s := start(t)
	b := s.browser(t, "analyst")
	href := regexp.MustCompile(`href="(/api/v1/export/[^"]+)"`)
	for _, c := range []struct{ page, want string }{
		{"/allegations?category=heavy_weapons_fire&sort=status&page=1", "/api/v1/export/allegations?category=heavy_weapons_fire&format=geojson"},
		{"/observations", "/api/v1/export/observations?format=csv"},
		{"/incidents", "/api/v1/export/incidents?format=geojson"},
		{"/detainees?status=held", "/api/v1/export/persons_held?format=csv&status=held"},
		{"/minefields", "/api/v1/export/minefields?format=geojson"},
		{"/hazard-areas", "/api/v1/export/hazard_areas?format=geojson"},
		{"/returns?destination=x", "/api/v1/export/returns?destination_place_id=x&format=csv"},
		{"/crossings?flagged=1", "/api/v1/export/crossings?flagged=true&format=csv"},
		{"/map", "/api/v1/export/layers_zones?format=geojson"},
	} {
		pg := b.get(c.page)
		if pg.status != http.StatusOK {
			t.Errorf("%s: %d", c.page, pg.status)
			continue
		}
		var links []string
		for _, m := range href.FindAllStringSubmatch(pg.body, -1) {
			links = append(links, html.UnescapeString(m[1]))
		}
		found := false
		for _, l := range links {
			found = found || l == c.want
		}
		if !found {
			t.Errorf("%s: no link %s among %v", c.page, c.want, links)
		}
	}
	// The links answer.
	if res := s.with("analyst").do("GET", "/api/v1/export/crossings?flagged=true&format=csv", ""); res.status != http.StatusOK {
		t.Errorf("crossings export: %d %s", res.status, res.body)
	}
}
