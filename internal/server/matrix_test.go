package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/geo"
)

// roles are the demo accounts in the order of every matrix row, and then
// a request without credentials.
var roles = []string{"admin", "cochair", "monitor", "analyst", "liaison-az", "liaison-am", "humanitarian", "observer", ""}

// probe is one request of the policy matrix: a route, on a kind of
// resource, with the status expected for each of roles.
type probe struct {
	route  string // "METHOD /path/pattern", as registered
	target string // what the request is about: public, mission, restricted (own side / other side), none
	want   [9]int
	// build returns the request's path and body; it runs before each
	// role's request, so it can create what the request consumes.
	build func(t *testing.T, role string) (path, body string, headers []string)
}

const (
	ok  = http.StatusOK
	new = http.StatusCreated
	nc  = http.StatusNoContent
	no  = http.StatusForbidden
	nf  = http.StatusNotFound
	ua  = http.StatusUnauthorized
	cf  = http.StatusConflict
	bad = http.StatusBadRequest
)

// readAll is the answer of a read that every account may make.
var readAll = [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ua}

// TestPolicyMatrix runs every role against every route on every kind of
// resource, through the real server. A route without a row fails the
// test, so every endpoint added later must be placed in the matrix.
//
// Resources: a public place; a mission layer; a place restricted by the
// monitoring centre to Azerbaijan (own side for liaison-az, the other
// side for liaison-am) and one restricted to Armenia. No endpoint serves
// personal data yet (the registries issue adds them and their rows).
func TestPolicyMatrix(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	orgs := s.loaded.Orgs
	centre := orgs["JMC"]
	monitor := s.account("monitor")
	restricted := func(side string) string {
		p, err := s.app.Geo.CreatePlace(ctx, access.Principal{UserID: monitor.ID, Org: centre, Via: "token", Roles: []access.Role{access.Monitor}}, geo.PlaceInput{
			Kind: "landmark", Names: []geo.PlaceName{{Lang: "en", Name: "Restricted site " + side}}, Location: &geo.Point{Lat: 39.8, Lon: 46.8},
			LabelInput: accessLabel("restricted", orgs[side])})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	placeAZ, placeAM := restricted("AZ"), restricted("AM")
	publicPlace := s.loaded.Places["Shusha"]
	missionLayer := s.loaded.Layers["line"]
	ag := s.loaded.Agreement
	prov := s.loaded.Provisions["1"]
	org := s.loaded.Orgs["GE"]
	// A user other than every one asking.
	target, _, err := s.app.Accounts.CreateUser(ctx, operator, account.UserInput{Username: "target", DisplayName: "Target", Org: orgs["OSCE"], Roles: []access.Role{access.Observer}}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	uniq := func() string { n++; return fmt.Sprintf("%d", n) }
	asAdmin := s.with("admin")
	etag := func(path string) []string {
		res := asAdmin.do("GET", path, "")
		return []string{"If-Match", res.header.Get("ETag")}
	}
	static := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, nil }
	}
	update := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, etag(path) }
	}
	placeBody := `{"kind":"landmark","names":[{"lang":"en","name":"P"}],"location":{"lat":39.8,"lon":46.8}}`
	restrictedBody := func(side string) string {
		return fmt.Sprintf(`{"kind":"landmark","names":[{"lang":"en","name":"Restricted site %s"}],"location":{"lat":39.8,"lon":46.8},"classification":"restricted","restricted_to":[%q]}`, side, orgs[side])
	}
	layerBody := `{"kind":"site","subkind":"observation_post","name":"OP","valid_from":"2021-01-01T00:00:00Z","geometry":{"type":"Point","coordinates":[46.8,39.8]}}`
	orgBody := `{"name":"Georgia","short_name":"Georgia","kind":"mediator","country":"GE"}`
	agBody := fmt.Sprintf(`{"title":"T","signed_at":"2020-11-09T00:00:00Z","in_force_at":"2020-11-09T21:00:00Z","signatories":[%q],"parties":[%q,%q]}`, orgs["RU"], orgs["AZ"], orgs["AM"])
	provBody := func() string {
		return fmt.Sprintf(`{"agreement_id":%q,"number":"m%s","summary":"S"}`, ag, uniq())
	}

	// opening is the opening route of a record's latest change.
	opening := func(entity, id string) string {
		var seq int64
		if err := s.app.DB.QueryRow(ctx, `SELECT MAX(seq) FROM changes WHERE entity = ? AND id = ?`, entity, id).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("/api/v1/log/opening?seq=%d", seq)
	}
	// bundle is the proof bundle route of the same change.
	bundle := func(entity, id string) string {
		return strings.Replace(opening(entity, id), "/opening?", "/bundle?", 1)
	}

	probes := []probe{
		// The public log, its proofs and the API description: anyone.
		{"GET /log/checkpoint", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/log/checkpoint", "")},
		{"GET /log/key", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/log/key", "")},
		{"GET /log/tile/{path...}", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/log/tile/0/000.p/3", "")},
		{"GET /api/v1/log/proof/inclusion", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/api/v1/log/proof/inclusion?seq=1", "")},
		{"GET /api/v1/log/proof/consistency", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/api/v1/log/proof/consistency?from=2", "")},
		{"GET /api/v1/openapi.json", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/api/v1/openapi.json", "")},

		// Record history follows the record's own rule.
		{"GET /api/v1/history/{entity}/{id}", "public", readAll, static("/api/v1/history/place/"+publicPlace, "")},
		{"GET /api/v1/history/{entity}/{id}", "mission", readAll, static("/api/v1/history/layer/"+missionLayer, "")},
		{"GET /api/v1/history/{entity}/{id}", "restricted to AZ", [9]int{ok, ok, ok, ok, ok, nf, nf, nf, ua}, static("/api/v1/history/place/"+placeAZ, "")},
		{"GET /api/v1/history/{entity}/{id}", "restricted to AM", [9]int{ok, ok, ok, ok, nf, ok, nf, nf, ua}, static("/api/v1/history/place/"+placeAM, "")},

		// A change's opening follows its record's rule; a reader not
		// entitled gets what a change beyond the log gets.
		{"GET /api/v1/log/opening", "public", readAll, static(opening("place", publicPlace), "")},
		{"GET /api/v1/log/opening", "mission", readAll, static(opening("layer", missionLayer), "")},
		{"GET /api/v1/log/opening", "restricted to AZ", [9]int{ok, ok, ok, ok, ok, nf, nf, nf, ua}, static(opening("place", placeAZ), "")},
		{"GET /api/v1/log/opening", "restricted to AM", [9]int{ok, ok, ok, ok, nf, ok, nf, nf, ua}, static(opening("place", placeAM), "")},
		{"GET /api/v1/log/opening", "beyond the log", [9]int{nf, nf, nf, nf, nf, nf, nf, nf, ua}, static("/api/v1/log/opening?seq=999999", "")},
		// A change's proof bundle: whoever may have its opening.
		{"GET /api/v1/log/bundle", "public", readAll, static(bundle("place", publicPlace), "")},
		{"GET /api/v1/log/bundle", "mission", readAll, static(bundle("layer", missionLayer), "")},
		{"GET /api/v1/log/bundle", "restricted to AZ", [9]int{ok, ok, ok, ok, ok, nf, nf, nf, ua}, static(bundle("place", placeAZ), "")},
		{"GET /api/v1/log/bundle", "restricted to AM", [9]int{ok, ok, ok, ok, nf, ok, nf, nf, ua}, static(bundle("place", placeAM), "")},
		{"GET /api/v1/log/bundle", "beyond the log", [9]int{nf, nf, nf, nf, nf, nf, nf, nf, ua}, static("/api/v1/log/bundle?seq=999999", "")},

		// Reference data: every account reads; the centre's staff write.
		{"GET /api/v1/organisations", "public", readAll, static("/api/v1/organisations", "")},
		{"GET /api/v1/organisations/{id}", "public", readAll, static("/api/v1/organisations/"+org, "")},
		{"POST /api/v1/organisations", "none", [9]int{new, new, no, no, no, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			return "/api/v1/organisations", fmt.Sprintf(`{"name":"Outlet %s","kind":"media"}`, uniq()), nil
		}},
		{"PUT /api/v1/organisations/{id}", "public", [9]int{ok, ok, no, no, no, no, no, no, ua}, update("/api/v1/organisations/"+org, orgBody)},
		{"GET /api/v1/agreements", "public", readAll, static("/api/v1/agreements", "")},
		{"GET /api/v1/agreements/{id}", "public", readAll, static("/api/v1/agreements/"+ag, "")},
		{"POST /api/v1/agreements", "none", [9]int{new, new, no, no, no, no, no, no, ua}, static("/api/v1/agreements", agBody)},
		{"PUT /api/v1/agreements/{id}", "public", [9]int{ok, ok, no, no, no, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			res := asAdmin.do("GET", "/api/v1/agreements/"+ag, "")
			var a map[string]any
			res.json(t, &a)
			body := fmt.Sprintf(`{"title":%q,"signed_at":"2020-11-09T00:00:00Z","in_force_at":"2020-11-09T21:00:00Z","signatories":[%q,%q,%q],"parties":[%q,%q]}`,
				a["title"], orgs["AZ"], orgs["AM"], orgs["RU"], orgs["AZ"], orgs["AM"])
			return "/api/v1/agreements/" + ag, body, []string{"If-Match", res.header.Get("ETag")}
		}},
		{"GET /api/v1/provisions", "public", readAll, static("/api/v1/provisions", "")},
		{"GET /api/v1/provisions/{id}", "public", readAll, static("/api/v1/provisions/"+prov, "")},
		{"POST /api/v1/provisions", "none", [9]int{new, new, no, new, no, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			return "/api/v1/provisions", provBody(), nil
		}},
		{"PUT /api/v1/provisions/{id}", "public", [9]int{ok, ok, no, ok, no, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			return "/api/v1/provisions/" + prov, fmt.Sprintf(`{"agreement_id":%q,"number":"1","summary":"A complete ceasefire.","obligated":[%q,%q]}`, ag, orgs["AZ"], orgs["AM"]), etag("/api/v1/provisions/" + prov)
		}},
		{"POST /api/v1/provisions/{id}/status", "public", [9]int{ok, ok, no, ok, no, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			return "/api/v1/provisions/" + prov + "/status", `{"status":"in_progress","at":"2021-01-01T00:00:00Z","note":"n"}`, etag("/api/v1/provisions/" + prov)
		}},

		// Geography: layers are mission material; places public unless labelled.
		{"GET /api/v1/layers", "mission", readAll, static("/api/v1/layers", "")},
		{"GET /api/v1/layers/{id}", "mission", readAll, static("/api/v1/layers/"+missionLayer, "")},
		{"POST /api/v1/layers", "none", [9]int{new, new, no, new, no, no, no, no, ua}, static("/api/v1/layers", layerBody)},
		{"PUT /api/v1/layers/{id}", "mission", [9]int{ok, ok, no, ok, no, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			l, err := s.app.Geo.GetLayer(ctx, access.System, missionLayer)
			if err != nil {
				t.Fatal(err)
			}
			g, _ := json.Marshal(l.Geometry)
			in := geo.LayerInput{Kind: l.Kind, Name: l.Name, Geometry: g, LeftParty: l.LeftParty, RightParty: l.RightParty,
				ValidFrom: l.ValidFrom.Format(time.RFC3339), Illustrative: l.Illustrative, Note: l.Note}
			body, _ := json.Marshal(in)
			return "/api/v1/layers/" + missionLayer, string(body), etag("/api/v1/layers/" + missionLayer)
		}},
		{"GET /api/v1/places", "public", readAll, static("/api/v1/places", "")},
		{"GET /api/v1/places/{id}", "public", readAll, static("/api/v1/places/"+publicPlace, "")},
		{"GET /api/v1/places/{id}", "restricted to AZ", [9]int{ok, ok, ok, ok, ok, nf, nf, nf, ua}, static("/api/v1/places/"+placeAZ, "")},
		{"GET /api/v1/places/{id}", "restricted to AM", [9]int{ok, ok, ok, ok, nf, ok, nf, nf, ua}, static("/api/v1/places/"+placeAM, "")},
		{"POST /api/v1/places", "none", [9]int{new, new, new, new, no, no, no, no, ua}, static("/api/v1/places", placeBody)},
		{"PUT /api/v1/places/{id}", "restricted to AZ", [9]int{ok, ok, ok, ok, no, nf, nf, nf, ua}, update("/api/v1/places/"+placeAZ, restrictedBody("AZ"))},
		{"PUT /api/v1/places/{id}", "restricted to AM", [9]int{ok, ok, ok, ok, nf, no, nf, nf, ua}, update("/api/v1/places/"+placeAM, restrictedBody("AM"))},
		{"GET /api/v1/geo/locate", "mission", readAll, static("/api/v1/geo/locate?lat=39.7&lon=46.6", "")},

		// Accounts.
		{"POST /api/v1/session", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ua}, func(_ *testing.T, role string) (string, string, []string) {
			name, pw := "nobody", "not the password"
			if role != "" {
				name, pw = role, s.account(role).Password
			}
			return "/api/v1/session", fmt.Sprintf(`{"username":%q,"password":%q}`, name, pw), nil
		}},
		{"DELETE /api/v1/session", "none", [9]int{nc, nc, nc, nc, nc, nc, nc, nc, ua}, static("/api/v1/session", "")},
		{"GET /api/v1/me", "none", readAll, static("/api/v1/me", "")},
		// Everyone changes only their own password, and only with the current
		// one: a wrong one is refused and changes nothing.
		{"POST /api/v1/me/password", "yourself", [9]int{bad, bad, bad, bad, bad, bad, bad, bad, ua},
			static("/api/v1/me/password", `{"current":"not the password at all","new":"another long passphrase 7","confirm":"another long passphrase 7"}`)},
		{"GET /api/v1/users", "none", [9]int{ok, no, no, no, no, no, no, no, ua}, static("/api/v1/users", "")},
		{"POST /api/v1/users", "none", [9]int{new, no, no, no, no, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			return "/api/v1/users", fmt.Sprintf(`{"username":"made%s","display_name":"M","org":%q,"roles":["observer"],"password":"a long enough password"}`, uniq(), centre), nil
		}},
		{"GET /api/v1/users/{id}", "another user", [9]int{ok, no, no, no, no, no, no, no, ua}, static("/api/v1/users/"+target.ID, "")},
		// A name: to the user's own organisation, the mission's staff and admins.
		{"GET /api/v1/users/{id}/name", "another user (OSCE)", [9]int{ok, ok, ok, ok, nf, nf, nf, ok, ua}, static("/api/v1/users/"+target.ID+"/name", "")},
		{"GET /api/v1/users/{id}", "yourself", readAll, func(_ *testing.T, role string) (string, string, []string) {
			if role == "" {
				return "/api/v1/users/" + target.ID, "", nil
			}
			return "/api/v1/users/" + s.account(role).ID, "", nil
		}},
		{"PUT /api/v1/users/{id}", "another user", [9]int{ok, no, no, no, no, no, no, no, ua}, update("/api/v1/users/"+target.ID,
			fmt.Sprintf(`{"username":"target","display_name":"Target","org":%q,"roles":["observer"]}`, orgs["OSCE"]))},
		{"POST /api/v1/users/{id}/password", "another user", [9]int{nc, no, no, no, no, no, no, no, ua}, static("/api/v1/users/"+s.account("analyst").ID+"/password", `{"password":"another long password"}`)},
		{"GET /api/v1/tokens", "own", readAll, static("/api/v1/tokens", "")},
		{"POST /api/v1/tokens", "own", [9]int{new, new, new, new, new, new, new, new, ua}, static("/api/v1/tokens", `{"name":"matrix"}`)},
		{"DELETE /api/v1/tokens/{id}", "another user's", [9]int{ok, nf, nf, nf, nf, nf, nf, nf, ua}, func(t *testing.T, _ string) (string, string, []string) {
			tok, _, err := s.app.Accounts.CreateToken(ctx, operator, target.ID, "victim", 0)
			if err != nil {
				t.Fatal(err)
			}
			return "/api/v1/tokens/" + tok.ID, "", nil
		}},
		// Role requests: admins ask, co-chairs decide; the asking admin
		// may withdraw (reject) but not approve. Each role decides a fresh
		// request about a fresh account.
		{"GET /api/v1/role-requests", "none", [9]int{ok, ok, no, no, no, no, no, no, ua}, static("/api/v1/role-requests", "")},
		{"POST /api/v1/role-requests/{id}/approve", "asked by admin", [9]int{no, ok, no, no, no, no, no, no, ua}, func(t *testing.T, _ string) (string, string, []string) {
			return "/api/v1/role-requests/" + roleRequest(t, s) + "/approve", "", nil
		}},
		{"POST /api/v1/role-requests/{id}/reject", "asked by admin", [9]int{ok, ok, no, no, no, no, no, no, ua}, func(t *testing.T, _ string) (string, string, []string) {
			return "/api/v1/role-requests/" + roleRequest(t, s) + "/reject", `{"note":"matrix"}`, nil
		}},
	}

	probes = append(probes, incidentProbes(t, s)...)
	probes = append(probes, statementProbes(t, s)...)
	probes = append(probes, minesProbes(t, s)...)
	probes = append(probes, detaineeProbes(t, s)...)
	probes = append(probes, returnsProbes(t, s)...)
	probes = append(probes, transitProbes(t, s)...)
	probes = append(probes, reportProbes(t, s)...)
	probes = append(probes, mapProbes(t, s)...)
	probes = append(probes, searchProbes(t, s)...)
	probes = append(probes, exportProbes(t, s)...)

	covered := map[string]bool{}
	for _, p := range probes {
		covered[p.route] = true
	}
	for _, rt := range s.app.API.Routes() {
		if key := rt.Method + " " + rt.Path; !covered[key] {
			t.Errorf("route %s has no row in the policy matrix: add one", key)
		}
	}
	for _, p := range probes {
		method, _, _ := strings.Cut(p.route, " ")
		for i, role := range roles {
			path, body, headers := p.build(t, role)
			res := s.with(role).do(method, path, body, headers...)
			name := role
			if name == "" {
				name = "anonymous"
			}
			if res.status != p.want[i] {
				t.Errorf("%s on %s as %s: got %d, want %d (%s)", p.route, p.target, name, res.status, p.want[i], strings.TrimSpace(string(res.body)))
			}
		}
	}
}

// roleRequest has the demo admin ask for humanitarian on a new observer
// account, and returns the pending request's id.
func roleRequest(t *testing.T, s *testServer) string {
	t.Helper()
	ctx := context.Background()
	u, _, err := s.app.Accounts.CreateUser(ctx, operator, account.UserInput{Username: "widen-" + strings.ToLower(rand.Text()[:8]), DisplayName: "W",
		Org: s.loaded.Orgs["OSCE"], Roles: []access.Role{access.Observer}}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	a := s.account("admin")
	admin := access.Principal{UserID: a.ID, Username: a.Username, Org: s.loaded.Orgs["JMC"], Roles: []access.Role{access.Admin}, Via: "token"}
	_, req, err := s.app.Accounts.UpdateUser(ctx, admin, u.ID, u.Version, account.UserInput{Username: u.Username, DisplayName: u.DisplayName,
		Org: u.Org, Roles: []access.Role{access.Observer, access.Humanitarian}})
	if err != nil || req == nil {
		t.Fatalf("role request: %+v, %v", req, err)
	}
	return req.ID
}

// account returns a demo account by user name.
func (s *testServer) account(name string) demo.Account {
	s.t.Helper()
	for _, a := range s.loaded.Accounts {
		if a.Username == name {
			return a
		}
	}
	s.t.Fatalf("no demo account %q", name)
	return demo.Account{}
}

func accessLabel(class string, readers ...string) access.LabelInput {
	return access.LabelInput{Classification: class, RestrictedTo: readers}
}

// incidentProbes are the rows of package incident's routes. Targets: own
// side (an allegation liaison-az lodged in Azerbaijan's name), other side
// (liaison-am's), mission (an observation, an incident, a patrol, a
// restriction), restricted (lodged by liaison-az restricted to the
// monitoring centre; and one restricted to Azerbaijan alone, which not even
// the mission's staff read). Requests that consume a record (withdraw, a
// transition) build a fresh one for each role.
func incidentProbes(t *testing.T, s *testServer) []probe {
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
	allegation := func(side, against, label string) string {
		return fmt.Sprintf(`{"source_kind":"side","on_behalf_of":%q,"alleged_perpetrator":%q,"category":"small_arms_fire",`+
			`"location":{"point":{"lat":39.93,"lon":46.9},"precision":"exact"},"time":{"start":"2021-06-10T02:00:00Z"},"narrative":"Fire at our positions."%s}`, side, against, label)
	}
	toCentre := fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, centre)
	azOnly := `,"classification":"restricted"`
	algAZ := create("liaison-az", "/api/v1/allegations", allegation(az, am, ""))
	algAM := create("liaison-am", "/api/v1/allegations", allegation(am, az, ""))
	algRestricted := create("liaison-az", "/api/v1/allegations", allegation(az, am, toCentre))
	algAZOnly := create("liaison-az", "/api/v1/allegations", allegation(az, am, azOnly))
	observation := func(label string) string {
		return `{"observer":{"kind":"post","position":{"lat":39.95,"lon":46.88}},"kind":"bursts_small_arms","count":3,"bearing_from":120,"bearing_to":150,` +
			`"distance_min_m":500,"distance_max_m":2000,"perception":"heard","time":{"start":"2021-06-10T02:05:00Z"}` + label + `}`
	}
	obs := create("monitor", "/api/v1/observations", observation(""))
	obsAZ := create("monitor", "/api/v1/observations", observation(fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, az)))
	incidentBody := func(label string) string {
		return `{"title":"Exchange of fire","category":"small_arms_fire","location":{"point":{"lat":39.93,"lon":46.9},"radius_m":3000},` +
			`"time":{"start":"2021-06-10T01:50:00Z","end":"2021-06-10T03:45:00Z"}` + label + `}`
	}
	inc := create("analyst", "/api/v1/incidents", incidentBody(""))
	incAZ := create("analyst", "/api/v1/incidents", incidentBody(fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, az)))
	// transitionTo opens an incident as the analyst and moves it along the
	// workflow; the co-chair closes.
	transitionTo := func(steps ...string) string {
		id := create("analyst", "/api/v1/incidents", incidentBody(""))
		for _, st := range steps {
			who, body := "analyst", fmt.Sprintf(`{"to":%q}`, st)
			switch st {
			case "finding":
				body = `{"to":"finding","finding":{"outcome":"substantiated","attribution":"both","summary":"Both sides fired."}}`
			case "closed":
				who = "cochair"
			}
			path := "/api/v1/incidents/" + id
			if res := s.with(who).do("POST", path+"/transition", body, etagAs(who, path)...); res.status != ok {
				t.Fatalf("to %s: %d %s", st, res.status, res.body)
			}
		}
		return id
	}
	reviewed := transitionTo("preliminary_review")
	attach := func(role, kind, id, content string) string {
		t.Helper()
		body, ct := multipartAttachment(t, kind, id, "text/plain", content)
		res := s.with(role).do("POST", "/api/v1/attachments", body, "Content-Type", ct)
		var a struct{ SHA256 string }
		res.json(t, &a)
		if res.status != http.StatusCreated {
			t.Fatalf("attach as %s: %d %s", role, res.status, res.body)
		}
		return a.SHA256
	}
	attInc := attach("analyst", "incident", inc, "Photographs of the crater, described.")
	attAZOnly := attach("liaison-az", "allegation", algAZOnly, "For Azerbaijan's eyes.")
	patrolBody := `{"team":["Demo monitor"],"route":[{"lat":39.95,"lon":46.88},{"lat":39.93,"lon":46.9}],"start":"2021-06-10T06:00:00Z","end":"2021-06-10T09:00:00Z"}`
	patrol := create("monitor", "/api/v1/patrols", patrolBody)
	restrictionBody := fmt.Sprintf(`{"patrol_id":%q,"kind":"delayed","where":{"lat":39.94,"lon":46.89},"by_text":"checkpoint","start":"2021-06-10T07:00:00Z","end":"2021-06-10T07:40:00Z"}`, patrol)
	fom := create("monitor", "/api/v1/restrictions", restrictionBody)

	static := func(path, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, nil }
	}
	// update sends body with the ETag that role reads (as liaison-az for
	// records only Azerbaijan reads).
	update := func(path, body, reader string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) { return path, body, etagAs(reader, path) }
	}
	fresh := func(steps []string, body string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) {
			id := transitionTo(steps...)
			path := "/api/v1/incidents/" + id
			return path + "/transition", body, etagAs("admin", path)
		}
	}
	withdraw := func(label string) func(*testing.T, string) (string, string, []string) {
		return func(*testing.T, string) (string, string, []string) {
			id := create("liaison-az", "/api/v1/allegations", allegation(az, am, label))
			path := "/api/v1/allegations/" + id
			return path + "/withdraw", `{"reason":"Lodged in error."}`, etagAs("liaison-az", path)
		}
	}
	var (
		writers    = [9]int{no, new, new, new, no, no, no, no, ua} // the mission's staff create
		editors    = [9]int{no, ok, ok, ok, no, no, no, no, ua}    // and change
		lodgerAZ   = [9]int{no, no, no, no, ok, no, no, no, ua}    // only the lodging organisation
		readAZ     = [9]int{ok, ok, ok, ok, ok, nf, nf, nf, ua}    // restricted to AZ (and the centre)
		onlyAZ     = [9]int{nf, nf, nf, nf, ok, nf, nf, nf, ua}    // restricted to AZ alone
		coChair    = [9]int{no, ok, no, no, no, no, no, no, ua}    // close, seal, reopen
		nobody     = [9]int{nf, nf, nf, nf, nf, nf, nf, nf, ua}    // a record that does not exist
		lodgerHid  = [9]int{no, no, no, no, ok, nf, nf, nf, ua}    // only the lodger; hidden from the rest
		writers2xx = [9]int{no, ok, ok, ok, no, no, no, no, ua}    // the mission's staff import
	)
	return []probe{
		// Allegations: a liaison lodges only in its own side's name.
		{"POST /api/v1/allegations", "own side (AZ)", [9]int{no, new, new, new, new, no, no, no, ua}, static("/api/v1/allegations", allegation(az, am, ""))},
		{"POST /api/v1/allegations", "other side (AM)", [9]int{no, new, new, new, no, new, no, no, ua}, static("/api/v1/allegations", allegation(am, az, ""))},
		{"POST /api/v1/allegations", "restricted to the centre", [9]int{no, new, new, new, new, no, no, no, ua}, static("/api/v1/allegations", allegation(az, am, toCentre))},
		{"GET /api/v1/allegations", "mission", readAll, static("/api/v1/allegations?on_behalf_of="+az, "")},
		{"GET /api/v1/allegations/{id}", "own side (AZ)", readAll, static("/api/v1/allegations/"+algAZ, "")},
		{"GET /api/v1/allegations/{id}", "other side (AM)", readAll, static("/api/v1/allegations/"+algAM, "")},
		{"GET /api/v1/allegations/{id}", "restricted to the centre", readAZ, static("/api/v1/allegations/"+algRestricted, "")},
		{"GET /api/v1/allegations/{id}", "restricted to AZ alone", onlyAZ, static("/api/v1/allegations/"+algAZOnly, "")},
		{"GET /api/v1/allegations/{id}", "missing", nobody, static("/api/v1/allegations/alg_nothing", "")},
		{"PUT /api/v1/allegations/{id}", "own side (AZ)", lodgerAZ, update("/api/v1/allegations/"+algAZ, allegation(az, am, ""), "liaison-az")},
		{"PUT /api/v1/allegations/{id}", "other side (AM)", [9]int{no, no, no, no, no, ok, no, no, ua}, update("/api/v1/allegations/"+algAM, allegation(am, az, ""), "liaison-am")},
		{"PUT /api/v1/allegations/{id}", "restricted to the centre", lodgerHid, update("/api/v1/allegations/"+algRestricted, allegation(az, am, toCentre), "liaison-az")},
		{"PUT /api/v1/allegations/{id}", "restricted to AZ alone", [9]int{nf, nf, nf, nf, ok, nf, nf, nf, ua}, update("/api/v1/allegations/"+algAZOnly, allegation(az, am, azOnly), "liaison-az")},
		{"POST /api/v1/allegations/{id}/withdraw", "own side (AZ)", lodgerAZ, withdraw("")},
		{"POST /api/v1/allegations/{id}/withdraw", "restricted to the centre", lodgerHid, withdraw(toCentre)},

		// Observations: the mission's own.
		{"POST /api/v1/observations", "mission", writers, static("/api/v1/observations", observation(""))},
		{"GET /api/v1/observations", "mission", readAll, static("/api/v1/observations", "")},
		{"GET /api/v1/observations/{id}", "mission", readAll, static("/api/v1/observations/"+obs, "")},
		{"GET /api/v1/observations/{id}", "restricted to AZ", readAZ, static("/api/v1/observations/"+obsAZ, "")},

		// Incidents: staff investigate; only co-chairs close and reopen.
		{"POST /api/v1/incidents", "mission", writers, static("/api/v1/incidents", incidentBody(""))},
		{"GET /api/v1/incidents", "mission", readAll, static("/api/v1/incidents?status=received", "")},
		{"GET /api/v1/incidents/{id}", "mission", readAll, static("/api/v1/incidents/"+inc, "")},
		{"GET /api/v1/incidents/{id}", "restricted to AZ", readAZ, static("/api/v1/incidents/"+incAZ, "")},
		{"PUT /api/v1/incidents/{id}", "mission", editors, update("/api/v1/incidents/"+inc, incidentBody(""), "admin")},
		{"PUT /api/v1/incidents/{id}", "restricted to AZ", [9]int{no, ok, ok, ok, no, nf, nf, nf, ua}, update("/api/v1/incidents/"+incAZ, incidentBody(fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, az)), "admin")},
		{"POST /api/v1/incidents/{id}/transition", "mission: received to preliminary_review", editors, fresh(nil, `{"to":"preliminary_review"}`)},
		{"POST /api/v1/incidents/{id}/transition", "mission: finding to closed", coChair, fresh([]string{"preliminary_review", "under_investigation", "finding"}, `{"to":"closed"}`)},
		{"POST /api/v1/incidents/{id}/transition", "mission: closed reopened", coChair, fresh([]string{"preliminary_review", "under_investigation", "finding", "closed"}, `{"to":"under_investigation","reason":"New evidence."}`)},
		{"POST /api/v1/incidents/{id}/notes", "mission", editors, func(*testing.T, string) (string, string, []string) {
			path := "/api/v1/incidents/" + reviewed
			return path + "/notes", `{"kind":"note","text":"Spoke to both liaisons."}`, etagAs("admin", path)
		}},
		{"GET /api/v1/incidents/{id}/sides", "mission", readAll, static("/api/v1/incidents/"+inc+"/sides", "")},
		{"GET /api/v1/incidents/{id}/sides", "restricted to AZ", readAZ, static("/api/v1/incidents/"+incAZ+"/sides", "")},
		{"GET /api/v1/incidents/{id}/offers", "mission", readAll, static("/api/v1/incidents/"+inc+"/offers", "")},
		{"GET /api/v1/incidents/{id}/offers", "restricted to AZ", readAZ, static("/api/v1/incidents/"+incAZ+"/offers", "")},
		{"GET /api/v1/incidents/{id}/timeline", "mission", readAll, static("/api/v1/incidents/"+inc+"/timeline", "")},
		{"GET /api/v1/incidents/{id}/timeline", "restricted to AZ", readAZ, static("/api/v1/incidents/"+incAZ+"/timeline", "")},

		// Patrols and restrictions of freedom of movement.
		{"POST /api/v1/patrols", "mission", writers, static("/api/v1/patrols", patrolBody)},
		{"GET /api/v1/patrols/{id}", "mission", readAll, static("/api/v1/patrols/"+patrol, "")},
		{"PUT /api/v1/patrols/{id}", "mission", editors, update("/api/v1/patrols/"+patrol, patrolBody, "admin")},
		{"POST /api/v1/restrictions", "mission", writers, static("/api/v1/restrictions", restrictionBody)},
		{"GET /api/v1/restrictions/{id}", "mission", readAll, static("/api/v1/restrictions/"+fom, "")},

		// Tallies count only what the reader may read.
		{"GET /api/v1/tallies", "mission", readAll, static("/api/v1/tallies?from=2021-06-01T00:00:00Z&to=2021-07-01T00:00:00Z&group=day", "")},

		// Review: proposals follow the report's rule (and name only
		// incidents the reader may read); the mission's staff decide.
		{"GET /api/v1/allegations/{id}/proposals", "own side (AZ)", readAll, static("/api/v1/allegations/"+algAZ+"/proposals", "")},
		{"GET /api/v1/allegations/{id}/proposals", "restricted to the centre", readAZ, static("/api/v1/allegations/"+algRestricted+"/proposals", "")},
		{"GET /api/v1/allegations/{id}/proposals", "restricted to AZ alone", onlyAZ, static("/api/v1/allegations/"+algAZOnly+"/proposals", "")},
		{"GET /api/v1/allegations/{id}/proposals", "missing", nobody, static("/api/v1/allegations/alg_nothing/proposals", "")},
		{"GET /api/v1/observations/{id}/proposals", "mission", readAll, static("/api/v1/observations/"+obs+"/proposals", "")},
		{"GET /api/v1/observations/{id}/proposals", "restricted to AZ", readAZ, static("/api/v1/observations/"+obsAZ+"/proposals?k=3", "")},
		{"GET /api/v1/review", "mission", readAll, static("/api/v1/review?limit=5", "")},
		{"POST /api/v1/review", "mission: reject", writers, static("/api/v1/review",
			fmt.Sprintf(`{"report_kind":"allegation","report_id":%q,"incident_id":%q,"decision":"reject","reason":"Another event."}`, algAM, inc))},
		{"POST /api/v1/review", "mission: accept", writers, func(*testing.T, string) (string, string, []string) {
			id := create("liaison-az", "/api/v1/allegations", allegation(az, am, ""))
			return "/api/v1/review", fmt.Sprintf(`{"report_kind":"allegation","report_id":%q,"incident_id":%q,"decision":"accept"}`, id, inc), nil
		}},
		// The fusion model: every account reads it, analysts store and refit it.
		{"GET /api/v1/fusion-model", "mission", readAll, static("/api/v1/fusion-model", "")},
		{"GET /api/v1/fusion-model/history", "mission", readAll, static("/api/v1/fusion-model/history", "")},
		{"PUT /api/v1/fusion-model", "mission", [9]int{no, no, no, ok, no, no, no, no, ua}, func(t *testing.T, _ string) (string, string, []string) {
			res := s.with("analyst").do("GET", "/api/v1/fusion-model", "")
			var cur struct {
				Version int64 `json:"version"`
			}
			if err := json.Unmarshal(res.body, &cur); err != nil {
				t.Fatalf("fusion model: %v %s", err, res.body)
			}
			model, _ := json.Marshal(fusion.DefaultModel())
			return "/api/v1/fusion-model", fmt.Sprintf(`{"model":%s,"version":%d,"reason":"set by hand"}`, model, cur.Version), nil
		}},
		{"POST /api/v1/fusion-model/refit", "mission", [9]int{no, no, no, new, no, no, no, no, ua}, static("/api/v1/fusion-model/refit", "")},
		{"POST /api/v1/review/duplicates", "mission", editors, func(*testing.T, string) (string, string, []string) {
			id := create("liaison-az", "/api/v1/allegations", allegation(az, am, ""))
			return "/api/v1/review/duplicates", fmt.Sprintf(`{"report_kind":"allegation","report_ids":[%q],"duplicate_of":%q,"reason":"Lodged twice."}`, id, algAZ), nil
		}},
		{"POST /api/v1/review", "mission: accept into a sealed incident", [9]int{no, cf, cf, cf, no, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			id := transitionTo("preliminary_review", "under_investigation", "finding", "closed")
			return "/api/v1/review", fmt.Sprintf(`{"report_kind":"allegation","report_id":%q,"incident_id":%q,"decision":"accept"}`, algAM, id), nil
		}},

		// Imports: each record by the rules of its kind (a liaison only in
		// its own side's name); the whole file refused otherwise.
		{"POST /api/v1/import/{kind}", "allegations CSV, own side (AZ)", [9]int{no, ok, ok, ok, ok, no, no, no, ua}, func(_ *testing.T, role string) (string, string, []string) {
			return "/api/v1/import/allegations?format=csv&name=matrix.csv", "external_id,source_kind,on_behalf_of,alleged_perpetrator,category,start,lat,lon,location_precision,narrative\n" +
				fmt.Sprintf("matrix-%s,side,%s,%s,small_arms_fire,2021-06-10T02:00:00Z,39.93,46.9,exact,Fire at our positions.\n", role, az, am), nil
		}},
		{"POST /api/v1/import/{kind}", "observations stream", writers2xx, func(_ *testing.T, role string) (string, string, []string) {
			return "/api/v1/import/observations?format=stream", `{"format":"truce-fusion-stream","version":1,"source":"matrix","truth":false,"reports":1}` + "\n" +
				fmt.Sprintf(`{"id":"matrix-%s","kind":"observation","source":"post-1","category":"shelling","place_precision":"sector","lat":39.95,"lon":46.9,"radius_m":3000,"observer":{"lat":39.93,"lon":46.88,"bearing_from_deg":30,"bearing_to_deg":60,"min_m":1000,"max_m":4000,"mode":"heard"},"start":"2021-06-10T02:00:00Z","end":"2021-06-10T02:10:00Z","time_precision":"window"}`, role) + "\n", nil
		}},

		// Attachments: the editors of the linked record attach; its readers read.
		{"POST /api/v1/attachments", "own side (AZ) allegation", [9]int{no, no, no, no, new, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			body, ct := multipartAttachment(t, "allegation", algAZ, "text/plain", "Statement of the unit.")
			return "/api/v1/attachments", body, []string{"Content-Type", ct}
		}},
		{"POST /api/v1/attachments", "mission incident", writers, func(*testing.T, string) (string, string, []string) {
			body, ct := multipartAttachment(t, "incident", inc, "text/plain", "Log of the post.")
			return "/api/v1/attachments", body, []string{"Content-Type", ct}
		}},
		{"GET /api/v1/attachments/{sha256}", "on a mission incident", readAll, static("/api/v1/attachments/"+attInc, "")},
		{"GET /api/v1/attachments/{sha256}", "on an allegation restricted to AZ alone", onlyAZ, static("/api/v1/attachments/"+attAZOnly, "")},
		{"GET /api/v1/attachments/{sha256}", "missing", nobody, static("/api/v1/attachments/"+strings.Repeat("0", 64), "")},

		// History follows each record's own rule.
		{"GET /api/v1/history/{entity}/{id}", "allegation, own side", readAll, static("/api/v1/history/allegation/"+algAZ, "")},
		{"GET /api/v1/history/{entity}/{id}", "allegation restricted to the centre", readAZ, static("/api/v1/history/allegation/"+algRestricted, "")},
		{"GET /api/v1/history/{entity}/{id}", "allegation restricted to AZ alone", onlyAZ, static("/api/v1/history/allegation/"+algAZOnly, "")},
		{"GET /api/v1/history/{entity}/{id}", "missing allegation", nobody, static("/api/v1/history/allegation/alg_nothing", "")},
		{"GET /api/v1/history/{entity}/{id}", "observation", readAll, static("/api/v1/history/observation/"+obs, "")},
		{"GET /api/v1/history/{entity}/{id}", "observation restricted to AZ", readAZ, static("/api/v1/history/observation/"+obsAZ, "")},
		{"GET /api/v1/history/{entity}/{id}", "incident", readAll, static("/api/v1/history/incident/"+inc, "")},
		{"GET /api/v1/history/{entity}/{id}", "incident restricted to AZ", readAZ, static("/api/v1/history/incident/"+incAZ, "")},
		{"GET /api/v1/history/{entity}/{id}", "patrol", readAll, static("/api/v1/history/patrol/"+patrol, "")},
		{"GET /api/v1/history/{entity}/{id}", "restriction", readAll, static("/api/v1/history/fom_restriction/"+fom, "")},
	}
}

// multipartAttachment is the body of an upload: the fields, then the file.
func multipartAttachment(t *testing.T, kind, id, mediaType, content string) (body, contentType string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range [][2]string{{"record_kind", kind}, {"record_id", id}, {"media_type", mediaType}} {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "note.txt")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), w.FormDataContentType()
}
