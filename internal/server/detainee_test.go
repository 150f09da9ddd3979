package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestDetaineeIdentityIsPersonal registers a person held by Azerbaijan of
// Armenian nationality and reads it, its list and its history as every
// account: identity only for humanitarian officers, the detaining side and
// the side of nationality; everyone else gets the record without it. Then
// a humanitarian officer erases it: the log verifies, the erased entries
// are reported as erased, and the exchange that moved the person still
// lists its pseudonymous id.
func TestDetaineeIdentityIsPersonal(t *testing.T) {
	s := start(t)
	orgs := s.loaded.Orgs
	az, am := orgs["AZ"], orgs["AM"]
	const surname = "Zzyzxfictitious"
	body := fmt.Sprintf(`{"identity":{"surname":%q,"first_names":"Illustrative","mother_maiden_name":"Maidenfictitious","person_to_inform":"Relative"},`+
		`"category":"civilian_detainee","held_by":%q,"nationality":%q,"captured_at":"2021-01-05T10:00:00Z","capture_place":{"lat":39.8,"lon":46.7},`+
		`"events":[{"kind":"registered","at":"2021-01-06T00:00:00Z"}]}`, surname, az, am)
	res := s.with("liaison-az").do("POST", "/api/v1/detainees", body)
	if res.status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.status, res.body)
	}
	var p struct {
		ID                     string
		Status                 string
		CapturedAfterAgreement *bool `json:"captured_after_agreement"`
	}
	res.json(t, &p)
	if p.Status != "held" || p.CapturedAfterAgreement == nil || !*p.CapturedAfterAgreement {
		t.Fatalf("registered: %s", res.body)
	}
	path := "/api/v1/detainees/" + p.ID
	sees := map[string]bool{"liaison-az": true, "liaison-am": true, "humanitarian": true}
	for _, role := range roles[:8] {
		for _, url := range []string{path, "/api/v1/detainees?held_by=" + az + "&category=civilian_detainee", "/api/v1/history/detainee/" + p.ID} {
			res := s.with(role).do("GET", url, "")
			if res.status != ok {
				t.Fatalf("%s reads %s: %d %s", role, url, res.status, res.body)
			}
			got := string(res.body)
			if has := strings.Contains(got, surname) && strings.Contains(got, "Maidenfictitious"); has != sees[role] {
				t.Errorf("%s reads %s: identity shown = %v, want %v: %s", role, url, has, sees[role], got)
			}
			if !sees[role] && (strings.Contains(got, "39.8") || strings.Contains(got, "mother_maiden_name")) {
				t.Errorf("%s reads %s: capture place or identity fields leak: %s", role, url, got)
			}
			if !strings.Contains(got, p.ID) {
				t.Errorf("%s reads %s: the pseudonymous id is missing", role, url)
			}
		}
	}

	// The demo's exchanges: the all-for-all of 14 December 2020 moved 56.
	res = s.with("observer").do("GET", "/api/v1/detainees/counts?at=2020-12-15T00:00:00Z", "")
	var c struct {
		ByStatus map[string]int            `json:"by_status"`
		ByHeldBy map[string]map[string]int `json:"by_held_by"`
	}
	res.json(t, &c)
	if c.ByStatus["repatriated"] != 56 || c.ByHeldBy[az]["repatriated"] != 44 || c.ByHeldBy[am]["repatriated"] != 12 {
		t.Fatalf("counts after the all-for-all exchange: %s", res.body)
	}

	// Erasure of a person an exchange moved.
	moved := s.loaded.Detainees["2021-06-12/AM"][0]
	mpath := "/api/v1/detainees/" + moved
	tag := s.with("humanitarian").do("GET", mpath, "").header.Get("ETag")
	if res := s.with("liaison-am").do("POST", mpath+"/erase", `{"reason":"lawful_request"}`, "If-Match", tag); res.status != http.StatusForbidden {
		t.Fatalf("liaison erased: %d", res.status)
	}
	if res := s.with("humanitarian").do("POST", mpath+"/erase", `{"reason":"whim"}`, "If-Match", tag); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"field":"reason"`) {
		t.Fatalf("erase without a lawful reason: %d %s", res.status, res.body)
	}
	res = s.with("humanitarian").do("POST", mpath+"/erase", `{"reason":"lawful_request"}`, "If-Match", tag)
	if res.status != ok || strings.Contains(string(res.body), "Fictitious-") || !strings.Contains(string(res.body), `"reason":"lawful_request"`) {
		t.Fatalf("erase: %d %s", res.status, res.body)
	}
	res = s.with("humanitarian").do("GET", "/api/v1/history/detainee/"+moved, "")
	if strings.Contains(string(res.body), "Fictitious-") || !strings.Contains(string(res.body), `"erased":true`) {
		t.Fatalf("history after erasure: %s", res.body)
	}
	res = s.with("observer").do("GET", "/api/v1/exchanges?person_id="+moved, "")
	if res.status != ok || !strings.Contains(string(res.body), s.loaded.Exchanges["2021-06-12"]) || !strings.Contains(string(res.body), moved) {
		t.Fatalf("the exchange no longer lists the erased person: %s", res.body)
	}
	rep, err := s.app.DB.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify after erasure: %v", rep.Problems)
	}
	erased := 0
	for _, e := range rep.Erased {
		if e.Entity == "detainee" && e.ID == moved {
			erased++
		}
	}
	if erased != 2 { // registered, then repatriated by the exchange; the tombstone is the third
		t.Fatalf("verify reports %d erased entries of %s: %v", erased, moved, rep.Erased)
	}
}
