package server_test

import (
	"fmt"
	"net/http"
	"testing"
)

// statementProbes are the rows of package statement's routes and of the
// provisions' evidence links. Statements and sources are written by the
// mission's staff (monitor, analyst, co-chair), not by admins, liaisons,
// humanitarian officers or observers; every account reads what its label
// lets it. Targets: public (the default label) and restricted by the
// monitoring centre to Azerbaijan. Evidence links are written by the same
// staff and listed for every account, each reader seeing only the links to
// records it may read.
func statementProbes(t *testing.T, s *testServer) []probe {
	orgs := s.loaded.Orgs
	az, ru := orgs["AZ"], orgs["RU"]
	prov8 := s.loaded.Provisions["8"]
	create := func(path, body string) string {
		t.Helper()
		res := s.with("analyst").do("POST", path, body)
		var rec struct{ ID string }
		res.json(t, &rec)
		if res.status != http.StatusCreated || rec.ID == "" {
			t.Fatalf("%s: %d %s", path, res.status, res.body)
		}
		return rec.ID
	}
	etag := func(path string) []string {
		return []string{"If-Match", s.with("analyst").do("GET", path, "").header.Get("ETag")}
	}
	sourceBody := func(label string) string {
		return `{"outlet":"Agency","date":"2021-08-31","language":"en","url":"https://news.example/a","title":"A report"` + label + `}`
	}
	statementBody := func(label string) string {
		return fmt.Sprintf(`{"speaker":"A spokesperson","organisation":%q,"date":"2021-08-31","language":"en",`+
			`"summaries":[{"language":"en","text":"Calls for the release of detainees."}],"stance":"appeal","provisions":[%q]%s}`, ru, prov8, label)
	}
	toAZ := fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, az)
	src := create("/api/v1/sources", sourceBody(""))
	srcAZ := create("/api/v1/sources", sourceBody(toAZ))
	stm := create("/api/v1/statements", statementBody(""))
	stmAZ := create("/api/v1/statements", statementBody(toAZ))

	static := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, nil }
	}
	update := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, etag(path) }
	}
	staff := [9]int{no, new, new, new, no, no, no, no, ua}
	restrictedAZ := [9]int{ok, ok, ok, ok, ok, nf, nf, nf, ua}
	return []probe{
		{"POST /api/v1/sources", "none", staff, static("/api/v1/sources", sourceBody(""))},
		{"GET /api/v1/sources", "public", readAll, static("/api/v1/sources", "")},
		{"GET /api/v1/sources/{id}", "public", readAll, static("/api/v1/sources/"+src, "")},
		{"GET /api/v1/sources/{id}", "restricted to AZ", restrictedAZ, static("/api/v1/sources/"+srcAZ, "")},
		{"PUT /api/v1/sources/{id}", "public", [9]int{no, ok, ok, ok, no, no, no, no, ua}, update("/api/v1/sources/"+src, sourceBody(""))},
		{"PUT /api/v1/sources/{id}", "restricted to AZ", [9]int{no, ok, ok, ok, no, nf, nf, nf, ua}, update("/api/v1/sources/"+srcAZ, sourceBody(toAZ))},

		{"POST /api/v1/statements", "none", staff, static("/api/v1/statements", statementBody(""))},
		{"GET /api/v1/statements", "public", readAll, static("/api/v1/statements", "")},
		{"GET /api/v1/statements/{id}", "public", readAll, static("/api/v1/statements/"+stm, "")},
		{"GET /api/v1/statements/{id}", "restricted to AZ", restrictedAZ, static("/api/v1/statements/"+stmAZ, "")},
		{"PUT /api/v1/statements/{id}", "public", [9]int{no, ok, ok, ok, no, no, no, no, ua}, update("/api/v1/statements/"+stm, statementBody(""))},
		{"PUT /api/v1/statements/{id}", "restricted to AZ", [9]int{no, ok, ok, ok, no, nf, nf, nf, ua}, update("/api/v1/statements/"+stmAZ, statementBody(toAZ))},
		{"GET /api/v1/history/{entity}/{id}", "statement restricted to AZ", restrictedAZ, static("/api/v1/history/statement/"+stmAZ, "")},

		// Each role links a statement of its own making, so that no request
		// meets an existing link.
		{"POST /api/v1/provisions/{id}/evidence", "public", staff, func(*testing.T, string) (string, string, []string) {
			id := create("/api/v1/statements", statementBody(""))
			return "/api/v1/provisions/" + prov8 + "/evidence", fmt.Sprintf(`{"record_kind":"statement","record_id":%q}`, id), nil
		}},
		{"GET /api/v1/provisions/{id}/evidence", "public", readAll, static("/api/v1/provisions/"+prov8+"/evidence", "")},
	}
}
