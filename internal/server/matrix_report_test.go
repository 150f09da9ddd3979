package server_test

import (
	"fmt"
	"net/http"
	"testing"
)

// reportProbes are the rows of package report's routes. Every account may
// generate and read both editions (the mission edition is mission
// material, which every account reads); only a co-chair issues. Issuing
// consumes a report, so each role issues the report of its own day.
func reportProbes(t *testing.T, s *testServer) []probe {
	static := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, nil }
	}
	if res := s.with("cochair").do("POST", "/api/v1/reports/daily-2021-06-12-public/issue", ""); res.status != http.StatusCreated {
		t.Fatalf("issue: %d %s", res.status, res.body)
	}
	day := map[string]int{}
	for i, r := range roles {
		day[r] = i + 1
	}
	return []probe{
		{"POST /api/v1/reports", "public edition", readAll, static("/api/v1/reports", `{"kind":"daily","date":"2021-06-12","edition":"public","format":"json"}`)},
		{"POST /api/v1/reports", "mission edition", readAll, static("/api/v1/reports", `{"kind":"daily","date":"2021-06-12","edition":"mission","format":"html"}`)},
		{"GET /api/v1/reports", "public edition", readAll, static("/api/v1/reports?kind=summary&from=2021-06-01&to=2021-06-30&edition=public&format=csv&table=summary", "")},
		{"GET /api/v1/reports/{id}", "issued public edition", readAll, static("/api/v1/reports/daily-2021-06-12-public", "")},
		{"GET /api/v1/reports/{id}", "draft mission edition", readAll, static("/api/v1/reports/daily-2021-06-11-mission?format=html", "")},
		{"GET /api/v1/reports/{id}/download", "issued public edition", readAll, static("/api/v1/reports/daily-2021-06-12-public/download?format=pdf", "")},
		{"POST /api/v1/reports/{id}/issue", "a new report", [9]int{no, new, no, no, no, no, no, no, ua}, func(_ *testing.T, role string) (string, string, []string) {
			return fmt.Sprintf("/api/v1/reports/daily-2021-05-%02d-mission/issue", day[role]), "", nil
		}},
		{"GET /api/v1/reports/{id}/proof", "issued public edition", readAll, static("/api/v1/reports/daily-2021-06-12-public/proof", "")},
	}
}
