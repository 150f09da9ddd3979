package server_test

import "testing"

// searchProbes are the policy matrix's rows of the search: every account
// may search (each finds what it may read); nobody without one.
func searchProbes(*testing.T, *testServer) []probe {
	return []probe{
		{"GET /api/v1/search", "mission", readAll, func(*testing.T, string) (string, string, []string) { return "/api/v1/search?q=shelling", "", nil }},
	}
}
