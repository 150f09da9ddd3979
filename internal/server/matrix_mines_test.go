package server_test

import (
	"fmt"
	"net/http"
	"testing"
)

// minesProbes are the rows of package mines' routes. Writers: a side's
// liaison records minefields its side laid and handovers from its side;
// the mission's staff (co-chair, monitor, analyst) record all three kinds
// and alone keep hazard areas; admins, humanitarian officers and observers
// write none. Targets: a mission minefield record laid by Armenia; one
// restricted by Armenia to the monitoring centre (hidden from Azerbaijan
// until a handover); mission handovers and hazard areas; a hazard area
// restricted to Azerbaijan.
func minesProbes(t *testing.T, s *testServer) []probe {
	orgs := s.loaded.Orgs
	az, am, centre := orgs["AZ"], orgs["AM"], orgs["JMC"]
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
	etagAs := func(role, path string) []string {
		return []string{"If-Match", s.with(role).do("GET", path, "").header.Get("ETag")}
	}
	static := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, nil }
	}
	square := `[{"lat":39.97,"lon":46.95},{"lat":39.97,"lon":46.96},{"lat":39.975,"lon":46.96},{"lat":39.975,"lon":46.95},{"lat":39.97,"lon":46.95}]`
	minefield := func(side, label string) string {
		return fmt.Sprintf(`{"laid_by":%q,"district":"Aghdam","reference_points":[{"point":{"lat":39.98,"lon":46.94},"description":"Junction"},{"point":{"lat":39.96,"lon":46.97},"description":"Farm"}],`+
			`"perimeter":%s,"mines":[{"category":"anti_tank","model":"TM-62M","count":10}],"emplacement":"hand","laid_at":"1994-04-15","anti_handling":{"present":false}%s}`, side, square, label)
	}
	toCentre := fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, centre)
	fieldAM := create("liaison-am", "/api/v1/minefields", minefield(am, ""))
	fieldHidden := create("liaison-am", "/api/v1/minefields", minefield(am, toCentre))
	handover := func(from, to string) string {
		return fmt.Sprintf(`{"from_side":%q,"to_side":%q,"date":"2021-06-12","mediators":[%q],"mines_claimed":1000,"districts":["Aghdam"]}`, from, to, orgs["GE"])
	}
	hnd := create("liaison-am", "/api/v1/handovers", handover(am, az))
	hazard := func(label string) string {
		return `{"district":"Aghdam","polygon":` + square + `,"evidence":"local_report","recorded_on":"2021-06-01"` + label + `}`
	}
	haz := create("monitor", "/api/v1/hazard-areas", hazard(""))
	hazAZ := create("monitor", "/api/v1/hazard-areas", hazard(fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, az)))
	// event releases a little of a fresh area, read as its creator.
	event := func(label string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) {
			id := create("monitor", "/api/v1/hazard-areas", hazard(label))
			path := "/api/v1/hazard-areas/" + id
			return path + "/events", `{"kind":"release","date":"2021-06-10","method":"clearance","area_m2":100,"devices":[{"category":"uxo","count":1}]}`, etagAs("monitor", path)
		}
	}
	update := func(path, body, reader string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, etagAs(reader, path) }
	}
	var (
		staff      = [9]int{no, new, new, new, no, no, no, no, ua} // the mission's staff create
		staffOrAZ  = [9]int{no, new, new, new, new, no, no, no, ua}
		staffOrAM  = [9]int{no, new, new, new, no, new, no, no, ua}
		editors    = [9]int{no, ok, ok, ok, no, no, no, no, ua}
		hiddenAM   = [9]int{ok, ok, ok, ok, nf, ok, nf, nf, ua} // restricted by AM to the centre
		readAZ     = [9]int{ok, ok, ok, ok, ok, nf, nf, nf, ua} // restricted by the centre to AZ
		ownerAM    = [9]int{no, ok, ok, ok, no, ok, no, no, ua} // the laying side's liaison and the staff edit
		hiddenEdit = [9]int{no, ok, ok, ok, nf, ok, nf, nf, ua}
		staffOnAZ  = [9]int{no, ok, ok, ok, no, nf, nf, nf, ua}
	)
	return []probe{
		// Minefield records: a liaison records only its own side's fields.
		{"POST /api/v1/minefields", "own side (AZ's field)", staffOrAZ, static("/api/v1/minefields", minefield(az, ""))},
		{"POST /api/v1/minefields", "AM's field", staffOrAM, static("/api/v1/minefields", minefield(am, ""))},
		{"GET /api/v1/minefields", "mission", readAll, static("/api/v1/minefields?laid_by="+am, "")},
		{"GET /api/v1/minefields/{id}", "mission", readAll, static("/api/v1/minefields/"+fieldAM, "")},
		{"GET /api/v1/minefields/{id}", "restricted by AM to the centre", hiddenAM, static("/api/v1/minefields/"+fieldHidden, "")},
		{"GET /api/v1/minefields/{id}", "missing", [9]int{nf, nf, nf, nf, nf, nf, nf, nf, ua}, static("/api/v1/minefields/mfd_nothing", "")},
		{"PUT /api/v1/minefields/{id}", "mission, laid by AM", ownerAM, update("/api/v1/minefields/"+fieldAM, minefield(am, ""), "admin")},
		{"PUT /api/v1/minefields/{id}", "restricted by AM to the centre", hiddenEdit, update("/api/v1/minefields/"+fieldHidden, minefield(am, toCentre), "admin")},

		// Handovers: from the liaison's own side, or by the staff.
		{"POST /api/v1/handovers", "from AM to AZ", staffOrAM, static("/api/v1/handovers", handover(am, az))},
		{"POST /api/v1/handovers", "from AZ to AM", staffOrAZ, static("/api/v1/handovers", handover(az, am))},
		{"GET /api/v1/handovers", "mission", readAll, static("/api/v1/handovers?from_side="+am, "")},
		{"GET /api/v1/handovers/{id}", "mission", readAll, static("/api/v1/handovers/"+hnd, "")},
		// The demo's handover of 12 June 2021 is public and lists a record
		// restricted to the centre, whose id its other readers do not see.
		{"GET /api/v1/handovers/{id}", "public, listing a restricted record", readAll, static("/api/v1/handovers/"+s.loaded.Records["handover/2021-06-12"], "")},

		// Hazard areas: the mission's staff keep them.
		{"POST /api/v1/hazard-areas", "mission", staff, static("/api/v1/hazard-areas", hazard(""))},
		{"GET /api/v1/hazard-areas", "mission", readAll, static("/api/v1/hazard-areas?status=suspected", "")},
		{"GET /api/v1/hazard-areas/{id}", "mission", readAll, static("/api/v1/hazard-areas/"+haz, "")},
		{"GET /api/v1/hazard-areas/{id}", "restricted to AZ", readAZ, static("/api/v1/hazard-areas/"+hazAZ, "")},
		{"POST /api/v1/hazard-areas/{id}/events", "mission", editors, event("")},
		{"POST /api/v1/hazard-areas/{id}/events", "restricted to AZ", staffOnAZ, event(fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, az))},

		// The summary counts only what the reader may read.
		{"GET /api/v1/mines/summary", "mission", readAll, static("/api/v1/mines/summary?from=2021-01-01&to=2022-01-01", "")},

		// History follows each record's own rule.
		{"GET /api/v1/history/{entity}/{id}", "minefield", readAll, static("/api/v1/history/minefield/"+fieldAM, "")},
		{"GET /api/v1/history/{entity}/{id}", "minefield restricted by AM", hiddenAM, static("/api/v1/history/minefield/"+fieldHidden, "")},
		{"GET /api/v1/history/{entity}/{id}", "handover", readAll, static("/api/v1/history/handover/"+hnd, "")},
		{"GET /api/v1/history/{entity}/{id}", "hazard area restricted to AZ", readAZ, static("/api/v1/history/hazard_area/"+hazAZ, "")},
	}
}
