package server_test

import (
	"fmt"
	"net/http"
	"testing"
)

// returnsProbes are the rows of package returns' routes. Writers are the
// mission's staff and humanitarian officers (returns happen under UNHCR's
// supervision); admins, liaisons and observers read. Targets: a mission
// movement and visit, and a movement the monitor restricted to Azerbaijan.
func returnsProbes(t *testing.T, s *testServer) []probe {
	orgs, places := s.loaded.Orgs, s.loaded.Places
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
	movementBody := func(label string) string {
		return fmt.Sprintf(`{"date":"2021-05-01T10:00:00Z","origin_text":"Goris","destination_place_id":%q,"people":[{"sex":"female","age":"18-59","count":3},{"sex":"male","age":"5-17","count":2}],`+
			`"total":5,"kind":"organised","escort_org":%q,"voluntariness_verified_by":%q%s}`, places["Khojaly"], orgs["PKF"], orgs["UNHCR"], label)
	}
	azOnly := fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, orgs["AZ"])
	mov := create("monitor", "/api/v1/returns", movementBody(""))
	movAZ := create("monitor", "/api/v1/returns", movementBody(azOnly))
	visitBody := fmt.Sprintf(`{"movement_id":%q,"date":"2021-06-01T10:00:00Z","findings":[{"topic":"shelter","rating":"some_concern"}],"follow_up_due":"2021-07-01T00:00:00Z"}`, mov)
	visit := create("humanitarian", "/api/v1/return-visits", visitBody)
	static := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, nil }
	}
	update := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) {
			return path, body, []string{"If-Match", s.with("monitor").do("GET", path, "").header.Get("ETag")}
		}
	}
	var (
		writers = [9]int{no, new, new, new, no, no, new, no, ua}
		editors = [9]int{no, ok, ok, ok, no, no, ok, no, ua}
		readAZ  = [9]int{ok, ok, ok, ok, ok, nf, nf, nf, ua}
	)
	return []probe{
		{"POST /api/v1/returns", "mission", writers, static("/api/v1/returns", movementBody(""))},
		{"GET /api/v1/returns", "mission", readAll, static("/api/v1/returns?kind=organised", "")},
		{"GET /api/v1/returns/totals", "mission", readAll, static("/api/v1/returns/totals?group=destination", "")},
		{"GET /api/v1/returns/{id}", "mission", readAll, static("/api/v1/returns/"+mov, "")},
		{"GET /api/v1/returns/{id}", "restricted to AZ", readAZ, static("/api/v1/returns/"+movAZ, "")},
		{"PUT /api/v1/returns/{id}", "mission", editors, update("/api/v1/returns/"+mov, movementBody(""))},
		{"PUT /api/v1/returns/{id}", "restricted to AZ", [9]int{no, ok, ok, ok, no, nf, nf, nf, ua}, update("/api/v1/returns/"+movAZ, movementBody(azOnly))},
		{"POST /api/v1/return-visits", "mission", writers, static("/api/v1/return-visits", visitBody)},
		{"GET /api/v1/return-visits", "mission", readAll, static("/api/v1/return-visits?overdue=true", "")},
		{"GET /api/v1/return-visits/{id}", "mission", readAll, static("/api/v1/return-visits/"+visit, "")},
	}
}
