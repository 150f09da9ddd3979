package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/store"
)

// The demo's exchanges and handovers are public facts: the public daily
// report of 12 June 2021 (generated as a reader without an account reads)
// shows the exchange of
// 15 persons to Armenia with Georgia mediating and the handover of the
// records of about 97,000 mines, and names neither a person nor the
// restricted minefield record the handover lists.
func TestPublicFactsInThePublicEdition(t *testing.T) {
	s := start(t)
	res := s.with("observer").do("GET", "/api/v1/reports?kind=daily&date=2021-06-12&edition=public&format=json", "")
	if res.status != http.StatusOK {
		t.Fatalf("public report: %d %s", res.status, res.body)
	}
	var rep struct {
		Humanitarian struct {
			Exchanges []struct {
				Mediator string         `json:"mediator"`
				ToSide   map[string]int `json:"to_side"`
			} `json:"exchanges"`
			Handovers []struct {
				Mines   int `json:"mines"`
				Records int `json:"records"`
			} `json:"handovers"`
		} `json:"humanitarian"`
	}
	res.json(t, &rep)
	h := rep.Humanitarian
	if len(h.Exchanges) != 1 || h.Exchanges[0].ToSide["Republic of Armenia"] != 15 || !strings.HasPrefix(h.Exchanges[0].Mediator, "Georgia") {
		t.Errorf("public exchanges: %s", res.body)
	}
	if len(h.Handovers) != 1 || h.Handovers[0].Mines != 97000 || h.Handovers[0].Records != 0 {
		t.Errorf("public handovers: %s", res.body)
	}
	if strings.Contains(string(res.body), `"det_`) {
		t.Errorf("the public report names a person: %s", res.body)
	}

	// The handover lists the record restricted by Armenia to the centre:
	// the centre's staff (and Azerbaijan, which received it) see its id,
	// an observer and a humanitarian officer do not.
	path := "/api/v1/handovers/" + s.loaded.Records["handover/2021-06-12"]
	var hnd struct {
		Classification string   `json:"classification"`
		MinefieldIDs   []string `json:"minefield_ids"`
	}
	res = s.with("analyst").do("GET", path, "")
	res.json(t, &hnd)
	if hnd.Classification != "public" || len(hnd.MinefieldIDs) != 1 {
		t.Fatalf("the handover as the analyst: %s", res.body)
	}
	hidden := hnd.MinefieldIDs[0]
	for _, role := range []string{"humanitarian", "observer"} {
		for _, p := range []string{path, "/api/v1/handovers?from_day=2021-06-12&to_day=2021-06-12"} {
			res = s.with(role).do("GET", p, "")
			if res.status != http.StatusOK || strings.Contains(string(res.body), hidden) {
				t.Errorf("%s as %s: %d, shows the restricted record %s: %s", p, role, res.status, hidden, res.body)
			}
		}
	}

	// An exchange is public or mission, nothing else.
	res = s.with("analyst").do("POST", "/api/v1/exchanges", fmt.Sprintf(`{"at":"2021-06-20T12:00:00Z","classification":"restricted","moves":[{"from_side":%q,"to_side":%q,"persons":["det_x"]}]}`,
		s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]))
	if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "classification") {
		t.Errorf("a restricted exchange: %d %s", res.status, res.body)
	}
}

// A reader without an account lists the public exchanges only (filtered
// in SQL), with their counts but not the persons' ids.
func TestPublicExchangesForAReaderWithoutAccount(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	// A mission exchange of a fresh person, which the anonymous list omits.
	res := s.with("humanitarian").do("POST", "/api/v1/detainees", fmt.Sprintf(`{"identity":{"surname":"Fictitious","first_names":"Mission Exchange"},"category":"prisoner_of_war",`+
		`"held_by":%q,"nationality":%q,"captured_at":"2020-12-20T10:00:00Z","events":[{"kind":"consent_confirmed","at":"2021-01-01T00:00:00Z"}]}`, az, am))
	var person struct{ ID string }
	res.json(t, &person)
	res = s.with("analyst").do("POST", "/api/v1/exchanges", fmt.Sprintf(`{"at":"2021-06-20T12:00:00Z","moves":[{"from_side":%q,"to_side":%q,"persons":[%q]}]}`, az, am, person.ID))
	var mission struct {
		ID             string
		Classification string
	}
	res.json(t, &mission)
	if res.status != http.StatusCreated || mission.Classification != "mission" {
		t.Fatalf("mission exchange: %d %s", res.status, res.body)
	}
	all, err := s.app.Detainees.ListExchanges(ctx, access.Anonymous, detainee.ExchangeFilter{}, store.PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != len(s.loaded.Exchanges) {
		t.Errorf("a reader without an account lists %d exchanges, want the %d public ones", len(all.Items), len(s.loaded.Exchanges))
	}
	for _, x := range all.Items {
		if x.ID == mission.ID || x.Classification != access.Public {
			t.Errorf("listed to a reader without an account: %s (%s)", x.ID, x.Classification)
		}
		for _, m := range x.Moves {
			if len(m.Persons) != 0 || m.Count == 0 {
				t.Errorf("exchange %s shows persons %v (count %d) to a reader without an account", x.ID, m.Persons, m.Count)
			}
		}
	}
	if _, err := s.app.Detainees.GetExchange(ctx, access.Anonymous, mission.ID); err == nil {
		t.Error("a reader without an account reads a mission exchange")
	}
	x, err := s.app.Detainees.GetExchange(ctx, access.Anonymous, s.loaded.Exchanges["2021-06-12"])
	if err != nil || x.Total != 15 || len(x.Moves) != 1 || len(x.Moves[0].Persons) != 0 {
		t.Errorf("the public exchange of 12 June 2021 to a reader without an account: %+v %v", x, err)
	}
	// Staff see the persons' pseudonymous ids.
	x, err = s.app.Detainees.GetExchange(ctx, access.Principal{UserID: "u", Org: s.loaded.Orgs["JMC"], Roles: []access.Role{access.Analyst}}, s.loaded.Exchanges["2021-06-12"])
	if err != nil || len(x.Moves[0].Persons) != 15 {
		t.Errorf("the exchange to an analyst: %+v %v", x, err)
	}
}
