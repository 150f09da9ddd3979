package server_test

import "testing"

// mapProbes are the rows of the map's routes. The view is mission
// material for everyone signed in; what each reader sees in it is
// filtered by the policy (TestMapFeatures checks that).
func mapProbes(t *testing.T, s *testServer) []probe {
	view := "/api/v1/map/features?bbox=45.6,38.9,47.9,40.7&zoom=8"
	return []probe{
		{"GET /api/v1/map/features", "mission", readAll, func(*testing.T, string) (string, string, []string) { return view, "", nil }},
	}
}
