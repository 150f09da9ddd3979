package server_test

import (
	"fmt"
	"net/http"
	"testing"
)

// detaineeProbes are the rows of package detainee's routes. Who writes:
//   - a person: a liaison registers (and records events on) persons its own
//     side holds; co-chairs, analysts and humanitarian officers any person;
//     visits, consent to repatriation and erasure are a humanitarian
//     officer's alone;
//   - an exchange: co-chairs, analysts and humanitarian officers;
//   - remains: humanitarian officers, co-chairs and analysts.
//
// Every account reads every person's record, but identity is personal:
// only humanitarian officers, the detaining side and the side of
// nationality see it (detainee_test.go asserts the masking itself; here
// the status codes). Targets: a person held by AZ of Armenian nationality,
// one held by AM, a demo exchange and remains.
func detaineeProbes(t *testing.T, s *testServer) []probe {
	orgs := s.loaded.Orgs
	az, am, icrc := orgs["AZ"], orgs["AM"], orgs["ICRC"]
	person := func(heldBy, nationality, events string) string {
		return fmt.Sprintf(`{"identity":{"surname":"Fictitious","first_names":"Matrix Person"},"category":"prisoner_of_war",`+
			`"held_by":%q,"nationality":%q,"captured_at":"2020-12-20T10:00:00Z"%s}`, heldBy, nationality, events)
	}
	create := func(role, path, body string) string {
		t.Helper()
		res := s.with(role).do("POST", path, body)
		var rec struct{ ID string }
		res.json(t, &rec)
		if res.status != http.StatusCreated || rec.ID == "" {
			t.Fatalf("%s as %s: %d %s", path, role, res.status, res.body)
		}
		return rec.ID
	}
	etag := func(path string) []string {
		return []string{"If-Match", s.with("humanitarian").do("GET", path, "").header.Get("ETag")}
	}
	consent := `,"events":[{"kind":"consent_confirmed","at":"2021-01-01T00:00:00Z"}]`
	heldByAZ := create("liaison-az", "/api/v1/detainees", person(az, am, ""))
	remains := create("humanitarian", "/api/v1/remains", `{"count":3,"recovered_at":"2020-12-01T00:00:00Z"}`)
	remainsBody := `{"count":3,"recovered_at":"2020-12-01T00:00:00Z","identification":{"method":"dna","identified":1,"at":"2020-12-10T00:00:00Z"}}`
	exchange := s.loaded.Exchanges["2021-06-12"]

	static := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, nil }
	}
	// update posts body to path+suffix with the record's ETag.
	update := func(path, suffix, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path + suffix, body, etag(path) }
	}
	// fresh builds a new person for each role's request, for requests that
	// consume one (erasure, an exchange).
	fresh := func(events string, build func(id string) (string, string, []string)) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) {
			return build(create("humanitarian", "/api/v1/detainees", person(az, am, events)))
		}
	}
	var (
		registerAZ = [9]int{no, new, no, new, new, no, new, no, ua}
		registerAM = [9]int{no, new, no, new, no, new, new, no, ua}
		eventAZ    = [9]int{no, ok, no, ok, ok, no, ok, no, ua}
		humanOnly  = [9]int{no, no, no, no, no, no, ok, no, ua}
		staffNew   = [9]int{no, new, no, new, no, no, new, no, ua}
		staffOK    = [9]int{no, ok, no, ok, no, no, ok, no, ua}
		nobody     = [9]int{nf, nf, nf, nf, nf, nf, nf, nf, ua}
	)
	return []probe{
		{"POST /api/v1/detainees", "held by AZ", registerAZ, static("/api/v1/detainees", person(az, am, ""))},
		{"POST /api/v1/detainees", "held by AM", registerAM, static("/api/v1/detainees", person(am, az, ""))},
		{"GET /api/v1/detainees", "personal, masked for most", readAll, static("/api/v1/detainees?held_by="+az+"&status=held", "")},
		{"GET /api/v1/detainees/counts", "counts", readAll, static("/api/v1/detainees/counts?at=2021-01-01T00:00:00Z", "")},
		{"GET /api/v1/detainees/{id}", "personal, masked for most", readAll, static("/api/v1/detainees/"+heldByAZ, "")},
		{"GET /api/v1/detainees/{id}", "missing", nobody, static("/api/v1/detainees/det_nobody", "")},
		{"POST /api/v1/detainees/{id}/events", "held by AZ: registered", eventAZ,
			update("/api/v1/detainees/"+heldByAZ, "/events", `{"kind":"registered","at":"2021-01-01T00:00:00Z"}`)},
		{"POST /api/v1/detainees/{id}/events", "held by AZ: visited", humanOnly,
			update("/api/v1/detainees/"+heldByAZ, "/events", fmt.Sprintf(`{"kind":"visited","by":%q,"at":"2021-01-01T00:00:00Z"}`, icrc))},
		{"POST /api/v1/detainees/{id}/events", "held by AZ: consent confirmed", humanOnly,
			update("/api/v1/detainees/"+heldByAZ, "/events", `{"kind":"consent_confirmed","at":"2021-01-01T00:00:00Z"}`)},
		{"POST /api/v1/detainees/{id}/erase", "personal", humanOnly, fresh("", func(id string) (string, string, []string) {
			path := "/api/v1/detainees/" + id
			return path + "/erase", `{"reason":"protection"}`, etag(path)
		})},
		{"GET /api/v1/history/{entity}/{id}", "personal: bodies only for its readers", readAll, static("/api/v1/history/detainee/"+heldByAZ, "")},
		{"GET /api/v1/history/{entity}/{id}", "exchange", readAll, static("/api/v1/history/exchange/"+exchange, "")},

		{"POST /api/v1/exchanges", "mission", staffNew, fresh(consent, func(id string) (string, string, []string) {
			return "/api/v1/exchanges", fmt.Sprintf(`{"at":"2021-06-20T12:00:00Z","moves":[{"from_side":%q,"to_side":%q,"persons":[%q]}]}`, az, am, id), nil
		})},
		{"POST /api/v1/exchanges", "public", staffNew, fresh(consent, func(id string) (string, string, []string) {
			return "/api/v1/exchanges", fmt.Sprintf(`{"at":"2021-06-20T12:00:00Z","classification":"public","moves":[{"from_side":%q,"to_side":%q,"persons":[%q]}]}`, az, am, id), nil
		})},
		// The demo's exchanges are public facts; the API still asks for an
		// account (a reader without one sees them in the public reports).
		{"GET /api/v1/exchanges", "public and mission", readAll, static("/api/v1/exchanges", "")},
		{"GET /api/v1/exchanges/{id}", "public", readAll, static("/api/v1/exchanges/"+exchange, "")},
		{"GET /api/v1/exchanges/{id}", "mission", readAll, fresh(consent, func(id string) (string, string, []string) {
			x := create("analyst", "/api/v1/exchanges", fmt.Sprintf(`{"at":"2021-06-20T12:00:00Z","moves":[{"from_side":%q,"to_side":%q,"persons":[%q]}]}`, az, am, id))
			return "/api/v1/exchanges/" + x, "", nil
		})},

		{"POST /api/v1/remains", "mission", staffNew, static("/api/v1/remains", `{"count":2,"recovered_at":"2020-12-01T00:00:00Z"}`)},
		{"GET /api/v1/remains", "mission", readAll, static("/api/v1/remains", "")},
		{"GET /api/v1/remains/counts", "counts", readAll, static("/api/v1/remains/counts", "")},
		{"GET /api/v1/remains/{id}", "mission", readAll, static("/api/v1/remains/"+remains, "")},
		{"PUT /api/v1/remains/{id}", "mission", staffOK, update("/api/v1/remains/"+remains, "", remainsBody)},
	}
}
