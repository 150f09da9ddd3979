package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
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
		p, err := s.app.Geo.CreatePlace(ctx, store.Actor{User: monitor.ID, Org: centre, Via: "token"}, geo.PlaceInput{
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
	target, err := s.app.Accounts.CreateUser(ctx, store.System, account.UserInput{Username: "target", DisplayName: "Target", Org: orgs["OSCE"], Roles: []access.Role{access.Observer}}, "a long enough password")
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

	probes := []probe{
		// The public log, its proofs and the API description: anyone.
		{"GET /log/checkpoint", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/log/checkpoint", "")},
		{"GET /log/key", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/log/key", "")},
		{"GET /log/tile/{path...}", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/log/tile/0/000.p/3", "")},
		{"GET /api/v1/log/proof/inclusion", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/api/v1/log/proof/inclusion?seq=1", "")},
		{"GET /api/v1/log/proof/consistency", "none", [9]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, static("/api/v1/log/proof/consistency?from=2", "")},
		{"GET /api/v1/openapi.json", "none", readAll, static("/api/v1/openapi.json", "")},

		// Record history follows the record's own rule.
		{"GET /api/v1/history/{entity}/{id}", "public", readAll, static("/api/v1/history/place/"+publicPlace, "")},
		{"GET /api/v1/history/{entity}/{id}", "mission", readAll, static("/api/v1/history/layer/"+missionLayer, "")},
		{"GET /api/v1/history/{entity}/{id}", "restricted to AZ", [9]int{ok, ok, ok, ok, ok, nf, nf, nf, ua}, static("/api/v1/history/place/"+placeAZ, "")},
		{"GET /api/v1/history/{entity}/{id}", "restricted to AM", [9]int{ok, ok, ok, ok, nf, ok, nf, nf, ua}, static("/api/v1/history/place/"+placeAM, "")},

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
			l, err := s.app.Geo.GetLayer(ctx, missionLayer)
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
		{"GET /api/v1/users", "none", [9]int{ok, no, no, no, no, no, no, no, ua}, static("/api/v1/users", "")},
		{"POST /api/v1/users", "none", [9]int{new, no, no, no, no, no, no, no, ua}, func(*testing.T, string) (string, string, []string) {
			return "/api/v1/users", fmt.Sprintf(`{"username":"made%s","display_name":"M","org":%q,"roles":["observer"],"password":"a long enough password"}`, uniq(), centre), nil
		}},
		{"GET /api/v1/users/{id}", "another user", [9]int{ok, no, no, no, no, no, no, no, ua}, static("/api/v1/users/"+target.ID, "")},
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
			tok, _, err := s.app.Accounts.CreateToken(ctx, store.System, target.ID, "victim", 0)
			if err != nil {
				t.Fatal(err)
			}
			return "/api/v1/tokens/" + tok.ID, "", nil
		}},
	}

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
