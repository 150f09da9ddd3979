package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/store"
)

// operator is the principal of the test's fixtures: the operator at the
// server (the truce command), who may set up any account at once.
var operator = account.Operator(store.System)

// personReader reports whether a demo account reads the identity of a
// person held (the demo's surnames are "Fictitious-NNN").
func (s *testServer) personReader(t *testing.T) func(who string) bool {
	t.Helper()
	var person string
	for _, ids := range s.loaded.Detainees {
		if len(ids) > 0 {
			person = ids[0]
			break
		}
	}
	if person == "" {
		t.Fatal("the demo holds no person")
	}
	return func(who string) bool {
		t.Helper()
		res := s.with(who).do("GET", "/api/v1/detainees/"+person, "")
		if res.status != http.StatusOK {
			t.Fatalf("read person as %s: %d %s", who, res.status, res.body)
		}
		return strings.Contains(string(res.body), "Fictitious-")
	}
}

// addAccount creates an account through the operator and gives the test
// server a token for it.
func (s *testServer) addAccount(t *testing.T, name, org string, roles ...access.Role) account.User {
	t.Helper()
	ctx := context.Background()
	u, req, err := s.app.Accounts.CreateUser(ctx, operator, account.UserInput{Username: name, DisplayName: name, Org: org, Roles: roles}, "a long enough password")
	if err != nil || req != nil {
		t.Fatalf("add %s: %v, %+v", name, err, req)
	}
	_, tok, err := s.app.Accounts.CreateToken(ctx, operator, u.ID, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	s.tokens[name] = tok
	return u
}

func userBody(t *testing.T, u account.User, roles ...access.Role) string {
	t.Helper()
	b, err := json.Marshal(account.UserInput{Username: u.Username, DisplayName: u.DisplayName, Org: u.Org, Roles: roles, Language: u.Language})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOneAdminAloneReachesNoPersonalData is issue 13's finding 3: an admin
// minted a token for a humanitarian officer and granted itself the role,
// and then read detainees' identities.
func TestOneAdminAloneReachesNoPersonalData(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	reads := s.personReader(t)
	if !reads("humanitarian") || reads("admin") || reads("observer") {
		t.Fatal("fixture: only the humanitarian officer should read identities")
	}
	jmc := s.loaded.Orgs["JMC"]
	current := func(id string) account.User {
		t.Helper()
		u, err := s.app.Accounts.GetUser(ctx, operator, id)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	etag := func(u account.User) []string { return []string{"If-Match", fmt.Sprintf(`"%d"`, u.Version)} }

	// No token for another user, admins included.
	hum := s.account("humanitarian")
	before, _ := s.app.Accounts.ListTokens(ctx, operator, hum.ID)
	res := s.with("admin").do("POST", "/api/v1/tokens", fmt.Sprintf(`{"user":%q,"name":"borrowed"}`, hum.ID))
	if res.status != http.StatusForbidden {
		t.Errorf("token for another user: %d %s, want 403", res.status, res.body)
	}
	if after, _ := s.app.Accounts.ListTokens(ctx, operator, hum.ID); len(after) != len(before) {
		t.Errorf("a token was made for the humanitarian officer: %d, had %d", len(after), len(before))
	}
	// An admin still lists them.
	if res := s.with("admin").do("GET", "/api/v1/tokens?user="+hum.ID, ""); res.status != http.StatusOK {
		t.Errorf("admin lists another's tokens: %d", res.status)
	}

	// Nobody changes their own roles.
	admin := current(s.account("admin").ID)
	res = s.with("admin").do("PUT", "/api/v1/users/"+admin.ID, userBody(t, admin, access.Admin, access.Humanitarian), etag(admin)...)
	if res.status != http.StatusForbidden {
		t.Errorf("own roles: %d %s, want 403", res.status, res.body)
	}
	if u := current(admin.ID); u.Version != admin.Version || reads("admin") {
		t.Errorf("the admin changed its own roles: %+v", u)
	}

	// Widening another account waits for a co-chair.
	obs := current(s.account("observer").ID)
	size := s.app.DB.Size()
	res = s.with("admin").do("PUT", "/api/v1/users/"+obs.ID, userBody(t, obs, access.Observer, access.Humanitarian), etag(obs)...)
	var req account.RoleRequest
	res.json(t, &req)
	if res.status != http.StatusAccepted || req.State != account.RequestPending || req.User != obs.ID || len(req.Widens) != 1 {
		t.Fatalf("widening: %d %s, want 202 with a pending request", res.status, res.body)
	}
	if s.app.DB.Size() != size+1 {
		t.Errorf("the request is %d changes in the log, want 1", s.app.DB.Size()-size)
	}
	if reads("observer") || current(obs.ID).Version != obs.Version {
		t.Fatal("the widening took effect before approval")
	}

	// A second request, by an admin who is also a co-chair: it cannot
	// approve its own.
	s.addAccount(t, "chair-admin", jmc, access.Admin, access.CoChair)
	res = s.with("chair-admin").do("PUT", "/api/v1/users/"+obs.ID, userBody(t, obs, access.Observer, access.Humanitarian), etag(obs)...)
	var own account.RoleRequest
	res.json(t, &own)
	if res.status != http.StatusAccepted {
		t.Fatalf("second request: %d %s", res.status, res.body)
	}
	if res := s.with("chair-admin").do("POST", "/api/v1/role-requests/"+own.ID+"/approve", ""); res.status != http.StatusForbidden {
		t.Errorf("approve own request: %d %s, want 403", res.status, res.body)
	}
	if res := s.with("admin").do("POST", "/api/v1/role-requests/"+req.ID+"/approve", ""); res.status != http.StatusForbidden {
		t.Errorf("admin approves: %d %s, want 403", res.status, res.body)
	}
	// Both are listed to admins and co-chairs, to nobody else.
	var list store.Page[account.RoleRequest]
	res = s.with("cochair").do("GET", "/api/v1/role-requests?state=pending", "")
	res.json(t, &list)
	if res.status != http.StatusOK || len(list.Items) != 2 {
		t.Errorf("pending requests: %d %s", res.status, res.body)
	}
	if res := s.with("monitor").do("GET", "/api/v1/role-requests", ""); res.status != http.StatusForbidden {
		t.Errorf("monitor lists requests: %d", res.status)
	}

	// The co-chair approves the first: the observer now reads identities.
	res = s.with("cochair").do("POST", "/api/v1/role-requests/"+req.ID+"/approve", `{"note":"agreed"}`)
	if res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	if !reads("observer") {
		t.Error("after approval the observer does not read identities")
	}
	if res := s.with("cochair").do("POST", "/api/v1/role-requests/"+req.ID+"/approve", ""); res.status != http.StatusConflict {
		t.Errorf("approve twice: %d, want 409", res.status)
	}

	// The second request was made against the version before: stale.
	size, approved := s.app.DB.Size(), current(obs.ID)
	if res := s.with("cochair").do("POST", "/api/v1/role-requests/"+own.ID+"/approve", ""); res.status != http.StatusConflict {
		t.Errorf("stale request: %d %s, want 409", res.status, res.body)
	}
	if s.app.DB.Size() != size || current(obs.ID).Version != approved.Version {
		t.Error("a refused approval changed something")
	}
	if res := s.with("cochair").do("POST", "/api/v1/role-requests/"+own.ID+"/reject", `{"note":"stale"}`); res.status != http.StatusOK {
		t.Errorf("reject: %d %s", res.status, res.body)
	}

	// Narrowing takes effect at once.
	res = s.with("admin").do("PUT", "/api/v1/users/"+obs.ID, userBody(t, obs, access.Observer), etag(approved)...)
	if res.status != http.StatusOK || reads("observer") {
		t.Errorf("narrowing: %d %s", res.status, res.body)
	}

	rep, err := s.app.DB.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

// TestAccountPagesAskTheService: the pages refuse what the API refuses, and
// co-chairs decide role requests on a page.
func TestAccountPagesAskTheService(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	hum := s.account("humanitarian")
	admin := s.browser(t, "admin")

	// No token for another user through the page either.
	p := admin.get("/admin/tokens?user=" + url.QueryEscape(hum.ID))
	if p.status != http.StatusOK || strings.Contains(p.body, `name="expires_days"`) {
		t.Errorf("another's tokens page: %d (no form to create one)", p.status)
	}
	before, _ := s.app.Accounts.ListTokens(ctx, operator, hum.ID)
	v := hidden(admin.get("/admin/tokens").body)
	v.Set("user", hum.ID)
	v.Set("name", "borrowed")
	if p := admin.post("/admin/tokens", v); p.status != http.StatusForbidden || strings.Contains(p.body, "truce_tok_") {
		t.Errorf("token for another user on the page: %d", p.status)
	}
	if after, _ := s.app.Accounts.ListTokens(ctx, operator, hum.ID); len(after) != len(before) {
		t.Error("the page made a token for another user")
	}

	// Own roles: refused.
	me, _ := s.app.Accounts.GetUser(ctx, operator, s.account("admin").ID)
	csrf := hidden(admin.get("/admin/users").body).Get("csrf")
	if p := admin.post("/admin/users/"+me.ID, url.Values{"csrf": {csrf}, "action": {"roles"}, "version": {fmt.Sprint(me.Version)}, "roles": {"admin", "humanitarian"}}); p.status != http.StatusForbidden {
		t.Errorf("own roles on the page: %d", p.status)
	}

	// Widening: the page says it waits, and lists it.
	obs, _ := s.app.Accounts.GetUser(ctx, operator, s.account("observer").ID)
	p = admin.post("/admin/users/"+obs.ID, url.Values{"csrf": {csrf}, "action": {"roles"}, "version": {fmt.Sprint(obs.Version)}, "roles": {"observer", "humanitarian"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/admin/users?requested=") {
		t.Fatalf("widen on the page: %d %q", p.status, p.location)
	}
	id := strings.TrimPrefix(p.location, "/admin/users?requested=")
	if p := admin.get(p.location); p.status != 200 || !strings.Contains(p.body, "/admin/role-requests#"+id) {
		t.Errorf("the users page does not show the pending request: %d", p.status)
	}
	if u, _ := s.app.Accounts.GetUser(ctx, operator, obs.ID); u.Version != obs.Version {
		t.Fatal("the widening took effect at once")
	}
	// The admin may not approve; the co-chair does, on the requests page.
	if p := admin.post("/admin/role-requests/"+id, url.Values{"csrf": {csrf}, "action": {"approve"}}); p.status != http.StatusForbidden {
		t.Errorf("admin approves on the page: %d", p.status)
	}
	chair := s.browser(t, "cochair")
	rp := chair.get("/admin/role-requests")
	if rp.status != 200 || !strings.Contains(rp.body, `id="`+id+`"`) || !strings.Contains(rp.body, `value="approve"`) {
		t.Fatalf("requests page: %d", rp.status)
	}
	if p := chair.post("/admin/role-requests/"+id, url.Values{"csrf": {hidden(rp.body).Get("csrf")}, "action": {"approve"}, "note": {"agreed"}}); p.status != http.StatusSeeOther {
		t.Fatalf("approve on the page: %d %s", p.status, p.body)
	}
	if u, _ := s.app.Accounts.GetUser(ctx, operator, obs.ID); !slices.Contains(u.Roles, access.Humanitarian) {
		t.Errorf("after approval: %+v", u)
	}
	if p := s.browser(t, "monitor").get("/admin/role-requests"); p.status != http.StatusForbidden {
		t.Errorf("monitor opens the requests page: %d", p.status)
	}
}
