package server_test

import "testing"

// exportProbes: an export is a list read as a file; every account may
// ask for one (it holds what that account may read), nobody without one.
func exportProbes(t *testing.T, s *testServer) []probe {
	return []probe{
		{"GET /api/v1/export/{kind}", "persons held, mission and personal", readAll, func(*testing.T, string) (string, string, []string) {
			return "/api/v1/export/persons_held?format=csv", "", nil
		}},
	}
}
