package server_test

import (
	"fmt"
	"net/http"
	"testing"
)

// transitProbes are the rows of package transit's routes. Writers are the
// mission's staff (peacekeepers at the checkpoints would hold monitor
// accounts of their organisation); everyone else reads. Targets: a mission
// crossing and restriction, and a restriction restricted to Armenia.
func transitProbes(t *testing.T, s *testServer) []probe {
	orgs, layers := s.loaded.Orgs, s.loaded.Layers
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
	crossingBody := fmt.Sprintf(`{"at":"2021-06-01T10:00:00Z","checkpoint_id":%q,"direction":"towards_end","people":12,"vehicles":2,"cargo_tonnes":3.5,"cargo_type":"flour","escort_org":%q}`,
		layers["op-corridor-1"], orgs["PKF"])
	restrictionBody := func(label string) string {
		return fmt.Sprintf(`{"kind":"closure","checkpoint_id":%q,"reason":"Road works.","by_org":%q,"start":"2021-06-05T06:00:00Z","end":"2021-06-05T08:00:00Z"%s}`,
			layers["op-corridor-2"], orgs["PKF"], label)
	}
	amOnly := fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, orgs["AM"])
	crossing := create("monitor", "/api/v1/crossings", crossingBody)
	restriction := create("monitor", "/api/v1/transit-restrictions", restrictionBody(""))
	restrictionAM := create("monitor", "/api/v1/transit-restrictions", restrictionBody(amOnly))
	static := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, nil }
	}
	update := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) {
			return path, body, []string{"If-Match", s.with("monitor").do("GET", path, "").header.Get("ETag")}
		}
	}
	var (
		writers = [9]int{no, new, new, new, no, no, no, no, ua}
		editors = [9]int{no, ok, ok, ok, no, no, no, no, ua}
		readAM  = [9]int{ok, ok, ok, ok, nf, ok, nf, nf, ua}
	)
	return []probe{
		{"POST /api/v1/crossings", "mission", writers, static("/api/v1/crossings", crossingBody)},
		{"GET /api/v1/crossings", "mission", readAll, static("/api/v1/crossings?flagged=true", "")},
		{"GET /api/v1/crossings/{id}", "mission", readAll, static("/api/v1/crossings/"+crossing, "")},
		{"POST /api/v1/transit-restrictions", "mission", writers, static("/api/v1/transit-restrictions", restrictionBody(""))},
		{"GET /api/v1/transit-restrictions", "mission", readAll, static("/api/v1/transit-restrictions?kind=closure", "")},
		{"GET /api/v1/transit-restrictions/{id}", "mission", readAll, static("/api/v1/transit-restrictions/"+restriction, "")},
		{"GET /api/v1/transit-restrictions/{id}", "restricted to AM", readAM, static("/api/v1/transit-restrictions/"+restrictionAM, "")},
		{"PUT /api/v1/transit-restrictions/{id}", "mission", editors, update("/api/v1/transit-restrictions/"+restriction, restrictionBody(""))},
		{"GET /api/v1/corridor/status", "mission", readAll, static("/api/v1/corridor/status?at=2021-03-01T10:00:00Z", "")},
	}
}
