package webtest

import (
	"context"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
)

// The Armenian liaison reads the detainee pages: a person held by
// Azerbaijan who is not an Armenian national (here of a fictitious third
// side; the demo's persons are all held by one side and nationals of the
// other) shows no identity, on the list or on the person's page, while a
// person held by Azerbaijan of Armenian nationality shows it.
func TestDetaineeIdentityHiddenFromOtherLiaison(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	az := s.loaded.Orgs["AZ"]
	third, err := s.app.Agreements.CreateOrganisation(ctx, access.System,
		agreement.OrganisationInput{Name: "Fictitious third side (webtest)", ShortName: "Third", Kind: "side", Country: "GE", Illustrative: true})
	if err != nil {
		t.Fatal(err)
	}
	icrc := access.Principal{UserID: "webtest", Username: "webtest", Org: s.loaded.Orgs["ICRC"], OrgKind: "humanitarian", Roles: []access.Role{access.Humanitarian}, Via: "cli"}
	const hidden = "Wbxfictitious"
	person, err := s.app.Detainees.RegisterPerson(ctx, icrc, detainee.PersonInput{Identity: detainee.Identity{Surname: hidden, FirstNames: "Illustrative", ServiceNumber: "WEBTEST-1"},
		Category: "civilian_detainee", HeldBy: az, Nationality: third.ID, CapturedAt: "2021-01-05T10:00:00Z", Illustrative: true})
	if err != nil {
		t.Fatal(err)
	}
	shown, err := s.app.Detainees.ListPersons(ctx, icrc, detainee.PersonFilter{HeldBy: az, Nationality: s.loaded.Orgs["AM"]}, store.PageRequest{Limit: 1})
	if err != nil || len(shown.Items) == 0 {
		t.Fatal("no Armenian held by Azerbaijan", err)
	}

	am := s.as(t, "liaison-am")
	am.open("/detainees?held_by=" + az + "&nationality=" + third.ID)
	body := am.text("main")
	// The person is linked by id, never shown by it (words, not codes).
	if !eval[bool](am, `!!document.querySelector('#detainees a[href="/detainees/`+person.ID+`"]')`) {
		t.Fatalf("the list lacks the person %s: %s", person.ID, body)
	}
	if strings.Contains(body, hidden) || strings.Contains(body, "WEBTEST-1") {
		t.Errorf("the list shows identity to the other side's liaison: %s", body)
	}
	am.open("/detainees/" + person.ID)
	if body := am.text("main"); strings.Contains(body, hidden) || strings.Contains(body, "WEBTEST-1") || !strings.Contains(body, "Identity is not shown") {
		t.Errorf("the person's page shows identity to the other side's liaison: %s", body)
	}
	am.open("/detainees/" + shown.Items[0].ID)
	if body := am.text("#identity"); !strings.Contains(body, shown.Items[0].Identity.Surname) {
		t.Errorf("an Armenian national's identity is not shown to Armenia's liaison: %s", body)
	}
	am.shot("detainee")
}

// Every registry page loads without a console error (the minefield's map
// included), in English and in Arabic.
func TestRegistryPagesHaveNoConsoleErrors(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	jmc := access.Principal{UserID: "webtest", Username: "webtest", Org: s.loaded.Orgs["JMC"], OrgKind: "mission", Roles: []access.Role{access.Analyst}}
	ex, err := s.app.Detainees.ListExchanges(ctx, jmc, detainee.ExchangeFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(ex.Items) == 0 {
		t.Fatal("no exchange", err)
	}
	persons, err := s.app.Detainees.ListPersons(ctx, jmc, detainee.PersonFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(persons.Items) == 0 {
		t.Fatal("no detainee", err)
	}
	fields, err := s.app.Mines.ListMinefields(ctx, jmc, mines.MinefieldFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(fields.Items) == 0 {
		t.Fatal("no minefield", err)
	}
	sts, err := s.app.Statements.ListStatements(ctx, jmc, statement.StatementFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(sts.Items) == 0 {
		t.Fatal("no statement", err)
	}
	an := s.as(t, "analyst")
	pages := []string{"/", "/detainees", "/detainees/" + persons.Items[0].ID, "/exchanges", "/exchanges/" + ex.Items[0].ID, "/remains",
		"/minefields", "/hazard-areas", "/handovers", "/returns", "/return-visits", "/crossings", "/corridor?at=2021-03-01T10:00:00Z",
		"/statements", "/statements/" + sts.Items[0].ID, "/sources"}
	for _, p := range pages {
		an.open(p)
		if title := eval[string](an, `document.title`); strings.HasPrefix(title, "Not") || strings.HasPrefix(title, "Error") {
			t.Errorf("%s: %s", p, title)
		}
	}
	an.open("/minefields/" + fields.Items[0].ID)
	if state := waitFor(t, an, `(() => { const s = document.querySelector("#minefield-map").dataset.state; return s === "loading" ? "" : (s || ""); })()`); state != "loaded" {
		t.Errorf("the minefield's map: state %q", state)
	}
	an.clean("minefield map")
	an.shot("minefield")
	// The switcher is a form: one button per language.
	an.open("/statements/" + sts.Items[0].ID)
	an.submit(`.langs button[value="ar"]`)
	if dir := eval[string](an, `document.documentElement.dir`); dir != "rtl" {
		t.Errorf("Arabic statement page: dir %q", dir)
	}
	an.submit(`.langs button[value="en"]`)
}
