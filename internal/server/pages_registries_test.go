package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
)

// registryRecords are one record of each registry with a detail page.
type registryRecords struct {
	exchange, minefield, statement string
	heldByAZ, heldByAM             string // demo persons: AM nationals held by AZ, AZ nationals held by AM
	heldByAZSurname                string
	heldByAMSurname                string
}

func findRegistryRecords(t *testing.T, s *testServer) registryRecords {
	t.Helper()
	ctx := context.Background()
	orgs := s.loaded.Orgs
	icrc := access.Principal{UserID: "test", Username: "test", Org: orgs["ICRC"], OrgKind: "humanitarian", Roles: []access.Role{access.Humanitarian}}
	analyst := access.Principal{UserID: "test", Username: "test", Org: orgs["JMC"], OrgKind: "mission", Roles: []access.Role{access.Analyst}}
	var rec registryRecords
	ex, err := s.app.Detainees.ListExchanges(ctx, icrc, detainee.ExchangeFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(ex.Items) == 0 {
		t.Fatalf("no exchange: %v", err)
	}
	rec.exchange = ex.Items[0].ID
	mf, err := s.app.Mines.ListMinefields(ctx, analyst, mines.MinefieldFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(mf.Items) == 0 {
		t.Fatalf("no minefield: %v", err)
	}
	rec.minefield = mf.Items[0].ID
	st, err := s.app.Statements.ListStatements(ctx, analyst, statement.StatementFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(st.Items) == 0 {
		t.Fatalf("no statement: %v", err)
	}
	rec.statement = st.Items[0].ID
	for _, side := range []string{"AZ", "AM"} {
		// The first the list page shows (its default order).
		ps, err := s.app.Detainees.NumberedPersons(ctx, icrc, detainee.PersonFilter{HeldBy: orgs[side]}, store.ListQuery{Size: 1})
		if err != nil || len(ps.Items) == 0 || ps.Items[0].Identity == nil {
			t.Fatalf("no person held by %s: %v", side, err)
		}
		if side == "AZ" {
			rec.heldByAZ, rec.heldByAZSurname = ps.Items[0].ID, ps.Items[0].Identity.Surname
		} else {
			rec.heldByAM, rec.heldByAMSurname = ps.Items[0].ID, ps.Items[0].Identity.Surname
		}
	}
	return rec
}

// untranslated finds a registry message key left in a page's text (the
// catalog answers an unknown key with the key itself).
var untranslated = regexp.MustCompile(`>[^<]*\b(reg|detstatus|detcat|detevent|hazstatus|movekind|topic|rating|stance|corridor|restriction|direction|crossflag|emplacement|minecat|dashboard|detainees?|exchanges?|remains|minefields?|hazard_areas|handovers|returns|return_visits|crossings|statements?|sources)\.[a-z_.]+\b`)

// TestRegistryPagesRender opens every registry page as four kinds of
// reader: each renders, in the navigation too, and the dashboard shows the
// latest exchanges, returns and crossings.
func TestRegistryPagesRender(t *testing.T) {
	s := start(t)
	rec := findRegistryRecords(t, s)
	pages := []struct{ path, marker string }{
		{"/detainees", `id="detainees"`},
		{"/detainees/" + rec.heldByAZ, `id="events-h"`},
		{"/exchanges", `id="exchanges"`},
		{"/exchanges/" + rec.exchange, `id="moves-h"`},
		{"/remains", `id="remains-counts"`},
		{"/minefields", `id="minefields"`},
		{"/minefields/" + rec.minefield, `class="truce-map map-box"`},
		{"/hazard-areas", `id="hazard-areas"`},
		{"/handovers", `id="handovers"`},
		{"/returns", `id="movements"`},
		{"/return-visits", `id="visits"`},
		{"/crossings", `id="crossings"`},
		{"/corridor?at=2021-03-01", `id="then"`},
		{"/statements", `id="statements"`},
		{"/statements/" + rec.statement, `id="sum-h"`},
		{"/sources", `id="sources"`},
	}
	for _, user := range []string{"analyst", "liaison-az", "humanitarian", "observer"} {
		b := s.browser(t, user)
		for _, pg := range pages {
			res := b.get(pg.path)
			if pg.path == "/minefields/"+rec.minefield && (res.status == http.StatusNotFound || res.status == http.StatusForbidden) {
				// The demo's record is restricted: not every reader sees it.
				continue
			}
			if res.status != http.StatusOK {
				t.Errorf("%s %s: %d %.300s", user, pg.path, res.status, res.body)
				continue
			}
			// A reader who may see no record of a registry gets its empty list.
			if !strings.Contains(res.body, pg.marker) && !strings.Contains(res.body, "No records match.") {
				t.Errorf("%s %s: no %s", user, pg.path, pg.marker)
			}
			if k := untranslated.FindString(res.body); k != "" {
				t.Errorf("%s %s: a message key shown untranslated: %s", user, pg.path, k)
			}
			if !strings.Contains(res.body, `href="/hazard-areas"`) || !strings.Contains(res.body, `href="/corridor"`) {
				t.Errorf("%s %s: the navigation lacks the registries", user, pg.path)
			}
		}
		dash := b.get("/")
		for _, want := range []string{`id="registries"`, `href="/exchanges/`, `href="/returns?destination=`, `href="/crossings?checkpoint=`} {
			if !strings.Contains(dash.body, want) {
				t.Errorf("%s dashboard: no %s", user, want)
			}
		}
	}
}

// TestDetaineePagesMaskIdentity reads the detainee list and person pages
// as each reader: identity (the demo's fictitious surnames) only for the
// humanitarian officer, the detaining side and the side of nationality.
func TestDetaineePagesMaskIdentity(t *testing.T) {
	s := start(t)
	rec := findRegistryRecords(t, s)
	orgs := s.loaded.Orgs
	// A person the Armenian liaison may not see: held by Azerbaijan, a
	// national of a third, fictitious side (in the demo every person is held
	// by one side and a national of the other, so both liaisons see all).
	third, err := s.app.Agreements.CreateOrganisation(context.Background(), access.System,
		agreement.OrganisationInput{Name: "Fictitious third side", ShortName: "Third", Kind: "side", Country: "GE", Illustrative: true})
	if err != nil {
		t.Fatal(err)
	}
	const hidden = "Qqvfictitious"
	body := fmt.Sprintf(`{"identity":{"surname":%q,"first_names":"Illustrative"},"category":"civilian_detainee","held_by":%q,"nationality":%q,`+
		`"captured_at":"2021-01-05T10:00:00Z","illustrative":true}`, hidden, orgs["AZ"], third.ID)
	res := s.with("liaison-az").do("POST", "/api/v1/detainees", body)
	if res.status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.status, res.body)
	}
	var own struct{ ID string }
	res.json(t, &own)

	type check struct {
		path, surname string
		seen          map[string]bool
	}
	all := map[string]bool{"humanitarian": true, "liaison-az": true, "liaison-am": true}
	azOnly := map[string]bool{"humanitarian": true, "liaison-az": true}
	checks := []check{
		{"/detainees/" + rec.heldByAZ, rec.heldByAZSurname, all},
		{"/detainees/" + rec.heldByAM, rec.heldByAMSurname, all},
		{"/detainees/" + own.ID, hidden, azOnly},
		{"/detainees?held_by=" + orgs["AZ"] + "&nationality=" + third.ID, hidden, azOnly},
		{"/detainees?held_by=" + orgs["AZ"], rec.heldByAZSurname, all},
		{"/detainees?held_by=" + orgs["AM"], rec.heldByAMSurname, all},
	}
	for _, user := range []string{"humanitarian", "liaison-az", "liaison-am", "observer", "analyst", "monitor"} {
		b := s.browser(t, user)
		for _, c := range checks {
			res := b.get(c.path)
			if res.status != http.StatusOK {
				t.Fatalf("%s %s: %d", user, c.path, res.status)
			}
			if got := strings.Contains(res.body, c.surname); got != c.seen[user] {
				t.Errorf("%s %s: surname shown %v, want %v", user, c.path, got, c.seen[user])
			}
			if !c.seen[user] && strings.Contains(res.body, "DEMO-") {
				t.Errorf("%s %s: a service number is shown", user, c.path)
			}
		}
	}
}

// TestRegistryFiltersRefuseBadValues: a bad filter value is a message next
// to its field (400), never a 500, and the list is empty.
func TestRegistryFiltersRefuseBadValues(t *testing.T) {
	s := start(t)
	b := s.browser(t, "analyst")
	for _, c := range []struct{ name, path, field string }{
		{"detainee status", "/detainees?status=nonsense", "status"},
		{"detainee category", "/detainees?category=%3Cscript%3E", "category"},
		{"detainee side", "/detainees?held_by=not-an-id", "held_by"},
		{"exchange date", "/exchanges?from=yesterday", "from"},
		{"exchange window", "/exchanges?from=2021-06-01&to=2021-05-01", "to"},
		{"hazard status", "/hazard-areas?status=exploded", "status"},
		{"hazard district", "/hazard-areas?district=" + strings.Repeat("x", 300), "district"},
		{"handover date", "/handovers?from=2021-13-01", "from"},
		{"return kind", "/returns?kind=forced", "kind"},
		{"return date", "/returns?to=31.12.2021", "to"},
		{"visit overdue", "/return-visits?overdue=yes", "overdue"},
		{"crossing direction", "/crossings?direction=north", "direction"},
		{"crossing flagged", "/crossings?flagged=2", "flagged"},
		{"corridor time", "/corridor?at=noon", "at"},
		{"statement stance", "/statements?stance=rage", "stance"},
		{"statement window", "/statements?from=2021-01-01&to=2020-01-01", "to"},
		{"source date", "/sources?from=soon", "from"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := b.get(c.path)
			if res.status != http.StatusBadRequest {
				t.Fatalf("%s: %d, want 400: %.400s", c.path, res.status, res.body)
			}
			if !strings.Contains(res.body, `class="field-error"`) || !strings.Contains(res.body, url.QueryEscape(c.field)) {
				t.Errorf("%s: no field error for %s", c.path, c.field)
			}
			if strings.Contains(res.body, "<tbody>") && !strings.Contains(c.path, "/corridor") && !strings.Contains(c.path, "/detainees") {
				t.Errorf("%s: rows shown despite the error", c.path)
			}
		})
	}
}
