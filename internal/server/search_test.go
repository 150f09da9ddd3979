package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/search"
)

// The search over HTTP: the API and the page answer alike, each reader
// finds only what it may read, and bad queries name the field.
func TestSearchOverHTTP(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	acc := s.account("liaison-az")
	liaison := access.Principal{UserID: acc.ID, Username: acc.Username, Org: s.loaded.Orgs["AZ"], OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	al, err := s.app.Incidents.LodgeAllegation(ctx, liaison, incident.AllegationInput{SourceKind: incident.SourceSide, AllegedPerpetrator: s.loaded.Orgs["AM"], Category: "other",
		Location:  incident.LocationInput{Point: &geo.Point{Lat: 39.8, Lon: 46.75}, Precision: incident.PrecisionExact},
		Time:      incident.TimeInput{Start: "2021-06-10T03:10:00Z"},
		Narrative: "Vurğunluqdərəsi: a restricted report", LabelInput: access.LabelInput{Classification: "restricted"}})
	if err != nil {
		t.Fatal(err)
	}
	found := func(user, q string) (int, []string) {
		t.Helper()
		res := s.with(user).do("GET", "/api/v1/search?q="+url.QueryEscape(q), "")
		if res.status != http.StatusOK {
			return res.status, nil
		}
		var out search.Results
		res.json(t, &out)
		var ids []string
		for _, h := range out.Items {
			ids = append(ids, h.ID)
		}
		return res.status, ids
	}
	if st, ids := found("liaison-az", "VURGUNLUQDƏRƏSI"); st != 200 || len(ids) != 1 || ids[0] != al.ID {
		t.Errorf("the owner: %d %v", st, ids)
	}
	for _, who := range []string{"liaison-am", "analyst", "cochair", "observer", "humanitarian"} {
		if st, ids := found(who, "vurgunluqdərəsi"); st != 200 || len(ids) != 0 {
			t.Errorf("%s: %d %v", who, st, ids)
		}
	}
	if st, _ := found("", "vurgunluqdərəsi"); st != http.StatusUnauthorized {
		t.Errorf("anonymous without the public view: %d", st)
	}
	res := s.with("analyst").do("GET", "/api/v1/search?q=%20%21", "")
	if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"q"`) {
		t.Errorf("a query of no word: %d %s", res.status, res.body)
	}
	res = s.with("analyst").do("GET", "/api/v1/search?q=a&cursor=xyz", "")
	if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"cursor"`) {
		t.Errorf("a forged cursor: %d %s", res.status, res.body)
	}

	// The page: a hit links to the record's page; the header box is on
	// every page.
	page := s.with("liaison-az").do("GET", "/search?q=vurgunluqdərəsi", "")
	if page.status != 200 || !strings.Contains(string(page.body), `href="/allegations/`+al.ID+`"`) || !strings.Contains(string(page.body), `id="searchbox"`) {
		t.Errorf("the page: %d\n%s", page.status, page.body)
	}
	page = s.with("liaison-am").do("GET", "/search?q=vurgunluqdərəsi", "")
	if page.status != 200 || strings.Contains(string(page.body), al.ID) || !strings.Contains(string(page.body), `id="search-none"`) {
		t.Errorf("the page for the other side: %d\n%s", page.status, page.body)
	}
	page = s.with("analyst").do("GET", "/search?q="+strings.Repeat("x", search.MaxQueryLen+1), "")
	if page.status != http.StatusBadRequest || !strings.Contains(string(page.body), `aria-invalid="true"`) {
		t.Errorf("a query too long: %d", page.status)
	}
	page = s.with("analyst").do("GET", "/incidents", "")
	if !strings.Contains(string(page.body), `id="searchbox"`) {
		t.Errorf("no search box in the header of /incidents")
	}
}
