package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/statement"
)

// regList is one registry's numbered list: its page, its API list, a sort
// key with its direction, and the role that reads it.
type regList struct {
	page, api, sort, role string
}

// The registries' numbered lists: page 2 of one row each, sorted, agrees
// with the API's total and order; the page links each page with the sort
// kept; a sort the list does not offer is refused next to the filters.
func TestRegistryListPages(t *testing.T) {
	s := start(t)
	// The demo has one minefield record; side B records a second, public.
	acc := s.account("liaison-am")
	am := access.Principal{UserID: acc.ID, Username: acc.Username, Org: s.loaded.Orgs[acc.Org], OrgKind: "side", Roles: []access.Role{acc.Role}, Via: "token"}
	ring := geo.Polygon{{Lat: 39.97, Lon: 46.95}, {Lat: 39.97, Lon: 46.96}, {Lat: 39.98, Lon: 46.96}, {Lat: 39.98, Lon: 46.95}, {Lat: 39.97, Lon: 46.95}}
	if _, err := s.app.Mines.CreateMinefield(context.Background(), am, mines.MinefieldInput{Designation: "Second field", LaidBy: am.Org, District: "Aghdam",
		ReferencePoints: []mines.ReferencePoint{{Point: geo.Point{Lat: 39.96, Lon: 46.94}, Description: "A crossroads"}, {Point: geo.Point{Lat: 39.99, Lon: 46.97}, Description: "A water tower"}},
		Perimeter:       ring, Mines: []mines.MineType{{Category: "anti_tank", Model: "TM-62M", Count: 12}}, Emplacement: "hand", LaidAt: "1994-05-01",
		LabelInput: access.LabelInput{Classification: string(access.Public)}}); err != nil {
		t.Fatal(err)
	}
	// And one statement: the demo has one.
	an := s.account("analyst")
	analyst := access.Principal{UserID: an.ID, Username: an.Username, Org: s.loaded.Orgs[an.Org], OrgKind: "monitoring_centre", Roles: []access.Role{an.Role}, Via: "token"}
	if _, err := s.app.Statements.RecordStatement(context.Background(), analyst, statement.StatementInput{Speaker: "A spokesperson", Organisation: s.loaded.Orgs["AZ"],
		Date: "2021-06-11", Language: "en", Summaries: []statement.Summary{{Language: "en", Text: "Welcomes the exchange."}}, Stance: statement.StanceWelcome}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []regList{
		{"/detainees", "/api/v1/detainees", "status", "humanitarian"},
		{"/exchanges", "/api/v1/exchanges", "-persons", "analyst"},
		{"/remains", "/api/v1/remains", "-count", "humanitarian"},
		{"/minefields", "/api/v1/minefields", "-mines", "monitor"},
		{"/handovers", "/api/v1/handovers", "records", "monitor"},
		{"/hazard-areas", "/api/v1/hazard-areas", "-area", "monitor"},
		{"/returns", "/api/v1/returns", "-people", "analyst"},
		{"/return-visits", "/api/v1/return-visits", "date", "analyst"},
		{"/statements", "/api/v1/statements", "stance", "analyst"},
		{"/sources", "/api/v1/sources", "-published", "analyst"},
	} {
		t.Run(strings.TrimPrefix(c.page, "/"), func(t *testing.T) {
			b := s.browser(t, c.role)
			q := "?size=1&page=2&sort=" + c.sort
			api := s.numbered(t, c.role, c.api+q)
			if api.Total < 2 || api.Page != 2 || api.Sort != c.sort || len(api.Items) != 1 {
				t.Fatalf("API %s: %+v", c.api, api)
			}
			res := b.get(c.page + q)
			if res.status != http.StatusOK || !strings.Contains(res.body, fmt.Sprintf("Found: %d", api.Total)) {
				t.Fatalf("%s: %d %.3000s", c.page, res.status, res.body)
			}
			state := "ascending"
			if strings.HasPrefix(c.sort, "-") {
				state = "descending"
			}
			if !strings.Contains(res.body, `aria-sort="`+state+`"`) || !strings.Contains(res.body, `aria-current="page">2<`) {
				t.Errorf("%s: no %s column or current page 2", c.page, state)
			}
			if !strings.Contains(res.body, `?page=3&amp;size=1&amp;sort=`+c.sort) && api.Pages >= 3 {
				t.Errorf("%s: the pager does not keep the sort", c.page)
			}
			if res = b.get(c.page + "?sort=nonsense"); res.status != http.StatusBadRequest || !strings.Contains(res.body, "field-error") || strings.Contains(res.body, "<tbody>") && c.page != "/detainees" && c.page != "/remains" {
				t.Errorf("%s bad sort: %d", c.page, res.status)
			}
			if res = b.get(c.page + "?sort=nonsense"); !strings.Contains(res.body, "is not one of the orders offered") {
				t.Errorf("%s bad sort: no message next to the filters", c.page)
			}
			bad := s.with(c.role).do("GET", c.api+"?sort=nonsense", "")
			if bad.status != http.StatusBadRequest || !strings.Contains(string(bad.body), `"sort"`) {
				t.Errorf("API %s bad sort: %d %s", c.api, bad.status, bad.body)
			}
		})
	}
}

// A window the wrong way round on the handovers page is said of its own
// field, without the service's internal names.
func TestHandoverWindowError(t *testing.T) {
	s := start(t)
	res := s.browser(t, "analyst").get("/handovers?from=2021-06-10&to=2021-06-01")
	if res.status != http.StatusBadRequest || strings.Contains(res.body, "from_day") || !strings.Contains(res.body, `class="field-error"`) {
		t.Fatalf("%d %.2000s", res.status, res.body)
	}
}
