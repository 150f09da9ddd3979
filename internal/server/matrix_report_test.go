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
	if res := s.with("cochair").do("POST", "/api/v1/reports/daily-2021-06-12-mission/issue", ""); res.status != http.StatusCreated {
		t.Fatalf("issue: %d %s", res.status, res.body)
	}
	// An issued public report's files, data, proof and bundle are open
	// without an account; a mission report's and drafts are not.
	everyone := [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}
	day := map[string]int{}
	for i, r := range roles {
		day[r] = i + 1
	}
	return []probe{
		{"POST /api/v1/reports", "public edition", readAll, static("/api/v1/reports", `{"kind":"daily","date":"2021-06-12","edition":"public","format":"json"}`)},
		{"POST /api/v1/reports", "mission edition", readAll, static("/api/v1/reports", `{"kind":"daily","date":"2021-06-12","edition":"mission","format":"html"}`)},
		{"GET /api/v1/reports", "public edition", readAll, static("/api/v1/reports?kind=summary&from=2021-06-01&to=2021-06-30&edition=public&format=csv&table=summary", "")},
		{"GET /api/v1/reports/{id}", "issued public edition", everyone, static("/api/v1/reports/daily-2021-06-12-public", "")},
		{"GET /api/v1/reports/{id}", "draft mission edition", readAll, static("/api/v1/reports/daily-2021-06-11-mission?format=html", "")},
		{"GET /api/v1/reports/{id}/download", "issued public edition", everyone, static("/api/v1/reports/daily-2021-06-12-public/download?format=pdf", "")},
		{"POST /api/v1/reports/{id}/issue", "a new report", [9]int{no, new, no, no, no, no, no, no, ua}, func(_ *testing.T, role string) (string, string, []string) {
			return fmt.Sprintf("/api/v1/reports/daily-2021-05-%02d-mission/issue", day[role]), "", nil
		}},
		{"GET /api/v1/reports/{id}", "issued mission edition", readAll, static("/api/v1/reports/daily-2021-06-12-mission?format=pdf", "")},
		{"GET /api/v1/reports/{id}", "draft public edition", readAll, static("/api/v1/reports/daily-2021-06-11-public?format=html", "")},
		{"GET /api/v1/reports/{id}/download", "issued mission edition", readAll, static("/api/v1/reports/daily-2021-06-12-mission/download?format=json", "")},
		{"GET /api/v1/reports/{id}/proof", "issued public edition", everyone, static("/api/v1/reports/daily-2021-06-12-public/proof", "")},
		{"GET /api/v1/reports/{id}/proof", "issued mission edition", readAll, static("/api/v1/reports/daily-2021-06-12-mission/proof", "")},
		{"GET /api/v1/reports/{id}/bundle", "issued public edition", everyone, static("/api/v1/reports/daily-2021-06-12-public/bundle", "")},
		{"GET /api/v1/reports/{id}/bundle", "issued mission edition", readAll, static("/api/v1/reports/daily-2021-06-12-mission/bundle", "")},
		{"GET /api/v1/reports/{id}/bundle", "not issued", [9]int{nf, nf, nf, nf, nf, nf, nf, nf, nf}, static("/api/v1/reports/daily-2021-06-10-public/bundle", "")},
	}
}
