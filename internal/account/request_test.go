package account

import (
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

// as is the principal of a user signed in.
func as(u User) access.Principal {
	return access.Principal{UserID: u.ID, Username: u.Username, Org: u.Org, Roles: u.Roles, Via: "session"}
}

func roles(rs ...access.Role) []access.Role { return rs }

func TestWidens(t *testing.T) {
	const a, b = "org_a", "org_b"
	cases := []struct {
		name          string
		before, after Reach
		want          []string
	}{
		{"nothing changes", Reach{a, roles(access.Monitor)}, Reach{a, roles(access.Monitor)}, nil},
		{"a role removed", Reach{a, roles(access.Monitor, access.Humanitarian)}, Reach{a, roles(access.Monitor)}, nil},
		{"every role but one removed", Reach{a, roles(access.Admin, access.CoChair, access.Humanitarian)}, Reach{a, roles(access.Observer)}, nil},
		{"monitor added", Reach{a, roles(access.Observer)}, Reach{a, roles(access.Observer, access.Monitor)}, nil},
		{"analyst added", Reach{a, roles(access.Observer)}, Reach{a, roles(access.Analyst)}, nil},
		{"analyst and admin added", Reach{a, roles(access.Observer)}, Reach{a, roles(access.Admin, access.Analyst)}, []string{WidenAdmin}},
		{"humanitarian added", Reach{a, roles(access.Monitor)}, Reach{a, roles(access.Monitor, access.Humanitarian)}, []string{WidenHumanitarian}},
		{"humanitarian kept", Reach{a, roles(access.Humanitarian)}, Reach{a, roles(access.Humanitarian, access.Observer)}, nil},
		{"liaison instead of monitor", Reach{a, roles(access.Monitor)}, Reach{a, roles(access.Liaison)}, []string{WidenLiaison}},
		{"co-chair added", Reach{a, roles(access.Admin)}, Reach{a, roles(access.Admin, access.CoChair)}, []string{WidenCoChair}},
		{"admin kept", Reach{a, roles(access.Admin)}, Reach{a, roles(access.Admin, access.Observer)}, nil},
		{"another organisation", Reach{a, roles(access.Monitor)}, Reach{b, roles(access.Monitor)}, []string{WidenOrg}},
		{"liaison moved to another side", Reach{a, roles(access.Liaison)}, Reach{b, roles(access.Liaison)}, []string{WidenOrg}},
		{"another organisation, fewer roles", Reach{a, roles(access.Monitor, access.Analyst)}, Reach{b, roles(access.Observer)}, []string{WidenOrg}},
		{"everything at once", Reach{a, roles(access.Observer)}, Reach{b, roles(access.CoChair, access.Humanitarian)}, []string{WidenHumanitarian, WidenCoChair, WidenOrg}},
		{"new account from nothing", Reach{}, Reach{a, roles(access.Observer)}, []string{WidenOrg}},
		{"new account within its creator's reach", principalReach(access.Principal{Org: a, Roles: roles(access.Admin, access.Monitor)}), Reach{a, roles(access.Monitor)}, nil},
		{"new admin from an admin", principalReach(access.Principal{Org: a, Roles: roles(access.Admin)}), Reach{a, roles(access.Admin)}, []string{WidenAdmin}},
		{"new humanitarian from an admin", Reach{a, roles(access.Admin)}, Reach{a, roles(access.Humanitarian)}, []string{WidenHumanitarian}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Widens(c.before, c.after); !slices.Equal(got, c.want) {
				t.Errorf("Widens(%v, %v) = %q, want %q", c.before, c.after, got, c.want)
			}
		})
	}
}

// people are an admin, two co-chairs (one of them also an admin) and an
// observer, all of the monitoring centre.
type people struct {
	admin, adminChair, chair, observer User
}

func (e *env) people(t *testing.T) people {
	return people{
		admin:      e.user(t, "admin.one", access.Admin),
		adminChair: e.user(t, "admin.chair", access.Admin, access.CoChair),
		chair:      e.user(t, "chair", access.CoChair),
		observer:   e.user(t, "obs", access.Observer),
	}
}

// input is the UserInput that leaves u as it is but for its roles and
// organisation.
func input(u User, org string, rs ...access.Role) UserInput {
	return UserInput{Username: u.Username, DisplayName: u.DisplayName, Org: org, Roles: rs, Language: u.Language}
}

func TestWideningWaitsForASecondPerson(t *testing.T) {
	e := mustOpen(t)
	ps := e.people(t)
	before := ps.observer
	u, req, err := e.svc.UpdateUser(ctx, as(ps.adminChair), before.ID, before.Version, input(before, e.centre, access.Observer, access.Humanitarian))
	if err != nil {
		t.Fatal(err)
	}
	if req == nil || req.State != RequestPending || !slices.Equal(req.Widens, []string{WidenHumanitarian}) || req.RequestedBy != ps.adminChair.ID || req.BaseVersion != before.Version {
		t.Fatalf("request = %+v, want a pending one for humanitarian", req)
	}
	if u.Version != before.Version || slices.Contains(u.Roles, access.Humanitarian) {
		t.Fatalf("the change took effect at once: %+v", u)
	}
	if got, _ := e.svc.GetUser(ctx, admin, before.ID); got.Version != before.Version || slices.Contains(got.Roles, access.Humanitarian) {
		t.Fatalf("stored user changed before approval: %+v", got)
	}
	// The requester (although a co-chair), the subject and an admin who is
	// no co-chair may not approve; an observer does not even see it.
	_, _, err = e.svc.ApproveRoleRequest(ctx, as(ps.adminChair), req.ID, Decision{})
	wantErr(t, err, errs.CodeForbidden, "")
	_, _, err = e.svc.ApproveRoleRequest(ctx, as(ps.admin), req.ID, Decision{})
	wantErr(t, err, errs.CodeForbidden, "")
	_, _, err = e.svc.ApproveRoleRequest(ctx, as(ps.observer), req.ID, Decision{})
	wantErr(t, err, errs.CodeForbidden, "")
	_, err = e.svc.ListRoleRequests(ctx, as(ps.observer), RequestFilter{}, store.PageRequest{})
	wantErr(t, err, errs.CodeForbidden, "")
	for _, p := range []access.Principal{as(ps.admin), as(ps.chair)} {
		list, err := e.svc.ListRoleRequests(ctx, p, RequestFilter{State: RequestPending}, store.PageRequest{})
		if err != nil || len(list.Items) != 1 || list.Items[0].ID != req.ID {
			t.Fatalf("pending requests as %s = %+v, %v", p.Username, list.Items, err)
		}
	}

	done, got, err := e.svc.ApproveRoleRequest(ctx, as(ps.chair), req.ID, Decision{Note: "agreed at the morning meeting"})
	if err != nil {
		t.Fatal(err)
	}
	if done.State != RequestApproved || done.DecidedBy != ps.chair.ID || done.DecidedAt == nil || done.Version != 2 {
		t.Fatalf("approved request = %+v", done)
	}
	if got.Version != before.Version+1 || !slices.Contains(got.Roles, access.Humanitarian) {
		t.Fatalf("user after approval = %+v", got)
	}
	// Approved is final; so is rejected.
	_, _, err = e.svc.ApproveRoleRequest(ctx, as(ps.chair), req.ID, Decision{})
	wantErr(t, err, errs.CodeConflict, "state")
	_, err = e.svc.RejectRoleRequest(ctx, as(ps.chair), req.ID, Decision{})
	wantErr(t, err, errs.CodeConflict, "state")

	// Both steps are in the log, and the user's change is the approver's.
	hist, err := e.db.History(ctx, EntityRoleRequest, req.ID, false)
	if err != nil || len(hist) != 2 || hist[0].Actor != ps.adminChair.ID || hist[1].Actor != ps.chair.ID {
		t.Fatalf("request history = %+v, %v", hist, err)
	}
	uh, err := e.db.History(ctx, EntityUser, before.ID, false)
	if err != nil || len(uh) != 2 || uh[1].Actor != ps.chair.ID || uh[1].Seq != hist[1].Seq-1 && uh[1].Seq != hist[1].Seq+1 {
		t.Fatalf("user history = %+v, %v", uh, err)
	}
	mustVerify(t, e.db)
}

func TestTheSubjectMayNotApprove(t *testing.T) {
	e := mustOpen(t)
	ps := e.people(t)
	// The co-chair is moved to the side's organisation; asked by an admin.
	_, req, err := e.svc.UpdateUser(ctx, as(ps.admin), ps.chair.ID, ps.chair.Version, input(ps.chair, e.side, access.CoChair))
	if err != nil || req == nil || !slices.Equal(req.Widens, []string{WidenOrg}) {
		t.Fatalf("request = %+v, %v", req, err)
	}
	_, _, err = e.svc.ApproveRoleRequest(ctx, as(ps.chair), req.ID, Decision{})
	wantErr(t, err, errs.CodeForbidden, "")
	if _, _, err := e.svc.ApproveRoleRequest(ctx, as(ps.adminChair), req.ID, Decision{}); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.svc.GetUser(ctx, admin, ps.chair.ID); u.Org != e.side {
		t.Fatalf("org = %s, want the side's", u.Org)
	}
	mustVerify(t, e.db)
}

func TestStaleRequestIsRefused(t *testing.T) {
	e := mustOpen(t)
	ps := e.people(t)
	target := e.user(t, "mona", access.Monitor, access.Analyst)
	_, req, err := e.svc.UpdateUser(ctx, as(ps.admin), target.ID, target.Version, input(target, e.centre, access.Monitor, access.Analyst, access.Humanitarian))
	if err != nil || req == nil {
		t.Fatalf("request = %+v, %v", req, err)
	}
	// Meanwhile another admin narrows the account: that takes effect at once.
	narrowed, pending, err := e.svc.UpdateUser(ctx, as(ps.adminChair), target.ID, target.Version, input(target, e.centre, access.Monitor))
	if err != nil || pending != nil || narrowed.Version != target.Version+1 {
		t.Fatalf("narrowing = %+v, %+v, %v", narrowed, pending, err)
	}
	size := e.db.Size()
	_, _, err = e.svc.ApproveRoleRequest(ctx, as(ps.chair), req.ID, Decision{})
	wantErr(t, err, errs.CodeConflict, "base_version")
	if e.db.Size() != size {
		t.Fatal("a refused approval wrote to the log")
	}
	if u, _ := e.svc.GetUser(ctx, admin, target.ID); u.Version != narrowed.Version || slices.Contains(u.Roles, access.Humanitarian) {
		t.Fatalf("user = %+v, want it as narrowed", u)
	}
	if r, _ := e.svc.GetRoleRequest(ctx, as(ps.chair), req.ID); r.State != RequestPending {
		t.Fatalf("request = %+v, want it still pending", r)
	}
	// It can still be rejected, by the one who asked.
	if r, err := e.svc.RejectRoleRequest(ctx, as(ps.admin), req.ID, Decision{Note: "stale"}); err != nil || r.State != RequestRejected {
		t.Fatalf("reject = %+v, %v", r, err)
	}
	_, _, err = e.svc.ApproveRoleRequest(ctx, as(ps.chair), req.ID, Decision{})
	wantErr(t, err, errs.CodeConflict, "state")
	mustVerify(t, e.db)
}

func TestNobodyChangesTheirOwnRoles(t *testing.T) {
	e := mustOpen(t)
	ps := e.people(t)
	me := ps.admin
	size := e.db.Size()
	_, _, err := e.svc.UpdateUser(ctx, as(me), me.ID, me.Version, input(me, e.centre, access.Admin, access.Humanitarian))
	wantErr(t, err, errs.CodeForbidden, "roles")
	_, _, err = e.svc.UpdateUser(ctx, as(me), me.ID, me.Version, input(me, e.centre, access.Admin, access.Monitor))
	wantErr(t, err, errs.CodeForbidden, "roles")
	_, _, err = e.svc.UpdateUser(ctx, as(me), me.ID, me.Version, input(me, e.side, access.Admin))
	wantErr(t, err, errs.CodeForbidden, "org")
	if e.db.Size() != size {
		t.Fatal("a refused change wrote to the log")
	}
	// The rest of one's own account is one's own to change.
	in := input(me, e.centre, access.Admin)
	in.DisplayName = "Admin One"
	if u, req, err := e.svc.UpdateUser(ctx, as(me), me.ID, me.Version, in); err != nil || req != nil || u.DisplayName != "Admin One" {
		t.Fatalf("own display name: %+v, %+v, %v", u, req, err)
	}
	// Nor may anyone but an admin change accounts.
	_, _, err = e.svc.UpdateUser(ctx, as(ps.chair), ps.observer.ID, ps.observer.Version, input(ps.observer, e.centre, access.Observer, access.Monitor))
	wantErr(t, err, errs.CodeForbidden, "")
}

func TestNewAccountBeyondItsCreatorWaits(t *testing.T) {
	e := mustOpen(t)
	ps := e.people(t)
	// Within the admin's reach: at once.
	if u, req, err := e.svc.CreateUser(ctx, as(ps.admin), UserInput{Username: "new.monitor", DisplayName: "M", Org: e.centre, Roles: roles(access.Monitor)}, goodPassword); err != nil || req != nil || u.ID == "" {
		t.Fatalf("monitor: %+v, %+v, %v", u, req, err)
	}
	// A humanitarian officer: waits, and cannot sign in meanwhile.
	u, req, err := e.svc.CreateUser(ctx, as(ps.admin), UserInput{Username: "hana", DisplayName: "Hana", Org: e.centre, Roles: roles(access.Humanitarian)}, goodPassword)
	if err != nil || req == nil || u.ID != "" || !req.NewAccount || !slices.Equal(req.Widens, []string{WidenHumanitarian}) {
		t.Fatalf("humanitarian: %+v, %+v, %v", u, req, err)
	}
	if _, _, err := e.svc.Login(ctx, "hana", goodPassword, "192.0.2.1:1"); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("signed in before approval: %v", err)
	}
	// The name is held while the request waits.
	_, _, err = e.svc.CreateUser(ctx, as(ps.adminChair), UserInput{Username: "hana", DisplayName: "H", Org: e.centre, Roles: roles(access.Monitor)}, goodPassword)
	wantErr(t, err, errs.CodeConflict, "username")
	// A liaison of the side, asked by an admin of the centre: waits too.
	_, lreq, err := e.svc.CreateUser(ctx, as(ps.admin), UserInput{Username: "lia", DisplayName: "L", Org: e.side, Roles: roles(access.Liaison)}, goodPassword)
	if err != nil || lreq == nil || !slices.Equal(lreq.Widens, []string{WidenLiaison, WidenOrg}) {
		t.Fatalf("liaison: %+v, %v", lreq, err)
	}

	_, got, err := e.svc.ApproveRoleRequest(ctx, as(ps.chair), req.ID, Decision{})
	if err != nil || got.ID != req.User || got.Version != 1 {
		t.Fatalf("approve: %+v, %v", got, err)
	}
	_, p, err := e.svc.Login(ctx, "hana", goodPassword, "192.0.2.1:1")
	if err != nil || !p.Has(access.Humanitarian) {
		t.Fatalf("sign-in after approval: %+v, %v", p, err)
	}
	// A rejected new account never exists, and its name is free again.
	if _, err := e.svc.RejectRoleRequest(ctx, as(ps.chair), lreq.ID, Decision{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UserByName(ctx, admin, "lia"); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("rejected account exists: %v", err)
	}
	var held int
	if err := e.db.QueryRow(ctx, `SELECT COUNT(*) FROM credentials WHERE user_id = ?`, lreq.User).Scan(&held); err != nil || held != 0 {
		t.Fatalf("held password of a rejected account: %d, %v", held, err)
	}
	mustVerify(t, e.db)
}

func TestTokensAreTheirOwnUsers(t *testing.T) {
	e := mustOpen(t)
	ps := e.people(t)
	hum := e.user(t, "hum", access.Humanitarian)
	_, _, err := e.svc.CreateToken(ctx, as(ps.admin), hum.ID, "borrowed", 0)
	wantErr(t, err, errs.CodeForbidden, "")
	mine, _, err := e.svc.CreateToken(ctx, as(ps.admin), ps.admin.ID, "mine", 0)
	if err != nil {
		t.Fatal(err)
	}
	theirs, _, err := e.svc.CreateToken(ctx, as(hum), hum.ID, "theirs", 0)
	if err != nil {
		t.Fatal(err)
	}
	// An admin lists and revokes another's tokens; anyone else sees none.
	if list, err := e.svc.ListTokens(ctx, as(ps.admin), hum.ID); err != nil || len(list) != 1 {
		t.Fatalf("admin lists hum's tokens: %v, %v", list, err)
	}
	_, err = e.svc.ListTokens(ctx, as(ps.observer), hum.ID)
	wantErr(t, err, errs.CodeForbidden, "")
	_, err = e.svc.RevokeToken(ctx, as(ps.observer), mine.ID)
	wantErr(t, err, errs.CodeNotFound, "")
	if _, err := e.svc.RevokeToken(ctx, as(ps.admin), theirs.ID); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, e.db)
}

func TestPasswordResetStaysWithinTheResettersReach(t *testing.T) {
	e := mustOpen(t)
	ps := e.people(t)
	hum := e.user(t, "hum", access.Humanitarian)
	const pw = "another long password"
	if err := e.svc.SetPassword(ctx, as(ps.admin), ps.observer.ID, pw); err != nil {
		t.Fatalf("reset an observer's: %v", err)
	}
	wantErr(t, e.svc.SetPassword(ctx, as(ps.admin), hum.ID, pw), errs.CodeForbidden, "")
	wantErr(t, e.svc.SetPassword(ctx, as(ps.admin), ps.chair.ID, pw), errs.CodeForbidden, "")
	wantErr(t, e.svc.SetPassword(ctx, as(ps.chair), ps.observer.ID, pw), errs.CodeForbidden, "")
	if err := e.svc.SetPassword(ctx, as(hum), hum.ID, pw); err != nil {
		t.Fatalf("own password: %v", err)
	}
	if err := e.svc.SetPassword(ctx, admin, hum.ID, goodPassword); err != nil {
		t.Fatalf("the operator's reset: %v", err)
	}
}

// FuzzDecision: a decision on a role request decodes strictly and
// validates without panicking, every refusal is invalid input naming its
// field, and an accepted note stores in the request's body, which decodes
// and projects as verify needs.
func FuzzDecision(f *testing.F) {
	for _, s := range []string{`{}`, `{"note":"agreed"}`, `{"note":""}`, `{"note":"\u202e"}`, `{"note":1}`, `{"other":"x"}`, `null`, `[]`} {
		f.Add([]byte(s))
	}
	proj := storetest.Projection(projections(), EntityRoleRequest)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		storetest.CheckStrictInput(t, data, func(d Decision) (roleRequestBody, error) {
			if err := d.Validate(); err != nil {
				return roleRequestBody{}, err
			}
			return roleRequestBody{State: RequestRejected, User: "usr_x", Username: "anna", Org: "org_x", Roles: roles(access.Monitor),
				Widens: []string{WidenHumanitarian}, RequestedBy: "usr_y", Note: d.Note}, nil
		}, proj)
	})
}
