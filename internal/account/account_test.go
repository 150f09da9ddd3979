package account

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var ctx = context.Background()

// admin is the operator: the tests of what a user may do build their
// principals (see request_test.go).
var admin = Operator(store.Actor{User: "cli:test", Org: "", Via: "cli"})

// cheapParams keep the tests fast; TestPasswordHash checks the real ones.
var cheapParams = hashParams{time: 1, memory: 64, threads: 1, saltLen: 16, keyLen: 32}

// clock is the store's and the service's clock, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a store with an account service and a few organisations.
type env struct {
	db     *store.DB
	svc    *Service
	clock  *clock
	side   string // an organisation of kind side
	centre string // the monitoring centre
}

// mustOpen opens a fresh store in a temporary directory with the account
// and agreement services on it.
func mustOpen(t testing.TB, opts ...Option) *env {
	t.Helper()
	c := &clock{t: time.Date(2021, 6, 12, 10, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	db, err := store.Open(ctx, dir, append(storetest.Database(t, dir), store.WithSynchronous("normal"), store.WithClock(c.now))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	agr := agreement.New(db)
	svc := New(db, append([]Option{withHashParams(cheapParams)}, opts...)...)
	e := &env{db: db, svc: svc, clock: c}
	// The organisations are the operator's reference data, written as an admin.
	orgWriter := access.Principal{UserID: "system", Username: "system", Via: "system", Roles: []access.Role{access.Admin}}
	side, err := agr.CreateOrganisation(ctx, orgWriter, agreement.OrganisationInput{Name: "Republic of Armenia", Kind: agreement.KindSide})
	if err != nil {
		t.Fatal(err)
	}
	centre, err := agr.CreateOrganisation(ctx, orgWriter, agreement.OrganisationInput{Name: "Joint Monitoring Centre", Kind: agreement.KindMonitoringCentre})
	if err != nil {
		t.Fatal(err)
	}
	e.side, e.centre = side.ID, centre.ID
	return e
}

const goodPassword = "correct horse battery"

func (e *env) user(t testing.TB, name string, roles ...access.Role) User {
	t.Helper()
	if len(roles) == 0 {
		roles = []access.Role{access.Monitor}
	}
	org := e.centre
	if len(roles) == 1 && roles[0] == access.Liaison {
		org = e.side
	}
	u, _, err := e.svc.CreateUser(ctx, admin, UserInput{Username: name, DisplayName: strings.ToUpper(name[:1]) + name[1:], Org: org, Roles: roles}, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mustVerify checks that every projection rebuilds exactly from the log.
func mustVerify(t testing.TB, db *store.DB) {
	t.Helper()
	rep, err := db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %v", rep.Problems)
	}
	if rep.Records == 0 {
		t.Fatal("verify rebuilt no records")
	}
}

// events counts auth events by kind.
func events(t testing.TB, db *store.DB) map[string]int {
	t.Helper()
	rows, err := db.Query(ctx, `SELECT kind, COUNT(*) FROM auth_events GROUP BY kind`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	return out
}

// allBodies returns every change body in the log, concatenated.
func allBodies(t testing.TB, db *store.DB) string {
	t.Helper()
	rows, err := db.Query(ctx, `SELECT body FROM changes ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		b.Write(body)
		b.WriteByte('\n')
	}
	return b.String()
}

func wantErr(t testing.TB, err error, code errs.Code, field string) {
	t.Helper()
	if errs.CodeOf(err) != code || errs.FieldOf(err) != field {
		t.Fatalf("err = %v (code %s, field %q), want code %s on field %q", err, errs.CodeOf(err), errs.FieldOf(err), code, field)
	}
}

func TestCreateUser(t *testing.T) {
	e := mustOpen(t)
	u, _, err := e.svc.CreateUser(ctx, admin, UserInput{Username: "anna.k", DisplayName: "Anna K.", Org: e.centre, Roles: []access.Role{access.Monitor, access.Admin}, Language: "hy"}, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if u.Version != 1 || u.Username != "anna.k" || u.Language != "hy" || u.PasswordSetAt.IsZero() || u.Disabled {
		t.Fatalf("user = %+v", u)
	}
	// Roles are kept in the documented order, whatever order they came in.
	if len(u.Roles) != 2 || u.Roles[0] != access.Admin || u.Roles[1] != access.Monitor {
		t.Fatalf("roles = %v", u.Roles)
	}
	got, err := e.svc.GetUser(ctx, admin, u.ID)
	if err != nil || got.Username != "anna.k" || got.CreatedAt.IsZero() {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if byName, err := e.svc.UserByName(ctx, admin, "anna.k"); err != nil || byName.ID != u.ID {
		t.Fatalf("by name = %+v, %v", byName, err)
	}
	if _, err := e.svc.UserByName(ctx, admin, "nobody"); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := e.svc.GetUser(ctx, admin, "usr_nope"); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("unknown id: %v", err)
	}
	// The default language is English.
	v := e.user(t, "vahe")
	if v.Language != "en" {
		t.Fatalf("language = %q", v.Language)
	}
	// The hash is in the side table, never in the log.
	var hash string
	if err := e.db.QueryRow(ctx, `SELECT hash FROM credentials WHERE user_id = ?`, u.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash = %q", hash)
	}
	if log := allBodies(t, e.db); strings.Contains(log, "argon2") || strings.Contains(log, goodPassword) {
		t.Fatalf("a secret reached the log: %s", log)
	}
	page, err := e.svc.ListUsers(ctx, admin, store.PageRequest{Limit: 1})
	if err != nil || len(page.Items) != 1 || page.Next == "" {
		t.Fatalf("page 1 = %+v, %v", page, err)
	}
	page2, err := e.svc.ListUsers(ctx, admin, store.PageRequest{Limit: 1, Cursor: page.Next})
	if err != nil || len(page2.Items) != 1 || page2.Next != "" || page2.Items[0].ID == page.Items[0].ID {
		t.Fatalf("page 2 = %+v, %v", page2, err)
	}
	if _, err := e.svc.ListUsers(ctx, admin, store.PageRequest{Cursor: "!"}); errs.CodeOf(err) != errs.CodeInvalid {
		t.Fatalf("bad cursor: %v", err)
	}
	mustVerify(t, e.db)
}

func TestCreateUserRefusesBadInput(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "taken")
	ok := func() UserInput {
		return UserInput{Username: "new.user", DisplayName: "New User", Org: e.centre, Roles: []access.Role{access.Monitor}}
	}
	cases := []struct {
		name     string
		edit     func(*UserInput)
		password string
		code     errs.Code
		field    string
	}{
		{"username too short", func(in *UserInput) { in.Username = "ab" }, "", errs.CodeInvalid, "username"},
		{"username too long", func(in *UserInput) { in.Username = strings.Repeat("a", 65) }, "", errs.CodeInvalid, "username"},
		{"username upper case", func(in *UserInput) { in.Username = "Anna" }, "", errs.CodeInvalid, "username"},
		{"username with space", func(in *UserInput) { in.Username = "an na" }, "", errs.CodeInvalid, "username"},
		{"username non-ASCII", func(in *UserInput) { in.Username = "ánna" }, "", errs.CodeInvalid, "username"},
		{"username starts with dot", func(in *UserInput) { in.Username = ".anna" }, "", errs.CodeInvalid, "username"},
		{"username reserved", func(in *UserInput) { in.Username = "anonymous" }, "", errs.CodeInvalid, "username"},
		{"username taken", func(in *UserInput) { in.Username = "taken" }, "", errs.CodeConflict, "username"},
		{"display name empty", func(in *UserInput) { in.DisplayName = "" }, "", errs.CodeInvalid, "display_name"},
		{"display name with newline", func(in *UserInput) { in.DisplayName = "a\nb" }, "", errs.CodeInvalid, "display_name"},
		{"display name with bidi override", func(in *UserInput) { in.DisplayName = "a\u202eb" }, "", errs.CodeInvalid, "display_name"},
		{"org missing", func(in *UserInput) { in.Org = "" }, "", errs.CodeInvalid, "org"},
		{"org unknown", func(in *UserInput) { in.Org = "org_nope" }, "", errs.CodeInvalid, "org"},
		{"org with control character", func(in *UserInput) { in.Org = "org\x00" }, "", errs.CodeInvalid, "org"},
		{"no roles", func(in *UserInput) { in.Roles = nil }, "", errs.CodeInvalid, "roles"},
		{"unknown role", func(in *UserInput) { in.Roles = []access.Role{access.Monitor, "root"} }, "", errs.CodeInvalid, "roles[1]"},
		{"repeated role", func(in *UserInput) { in.Roles = []access.Role{access.Monitor, access.Analyst, access.Monitor} }, "", errs.CodeInvalid, "roles[2]"},
		{"liaison with another role", func(in *UserInput) { in.Org = e.side; in.Roles = []access.Role{access.Liaison, access.Monitor} }, "", errs.CodeInvalid, "roles"},
		{"liaison of a non-side", func(in *UserInput) { in.Roles = []access.Role{access.Liaison} }, "", errs.CodeInvalid, "org"},
		{"bad language", func(in *UserInput) { in.Language = "english" }, "", errs.CodeInvalid, "language"},
		{"password too short", nil, "short pass", errs.CodeInvalid, "password"},
		{"password too long", nil, strings.Repeat("x", 257), errs.CodeInvalid, "password"},
		{"password blank", nil, strings.Repeat(" \t", 8), errs.CodeInvalid, "password"},
		{"password is the username", func(in *UserInput) { in.Username = "longusername" }, "LongUsername", errs.CodeInvalid, "password"},
		{"password not UTF-8", nil, "abcdefghijkl\xff", errs.CodeInvalid, "password"},
	}
	size := e.db.Size()
	var creds int
	e.db.QueryRow(ctx, `SELECT COUNT(*) FROM credentials`).Scan(&creds)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok()
			if c.edit != nil {
				c.edit(&in)
			}
			pw := c.password
			if pw == "" {
				pw = goodPassword
			}
			_, _, err := e.svc.CreateUser(ctx, admin, in, pw)
			wantErr(t, err, c.code, c.field)
			if e.db.Size() != size {
				t.Fatalf("log grew from %d to %d", size, e.db.Size())
			}
			var n int
			e.db.QueryRow(ctx, `SELECT COUNT(*) FROM credentials`).Scan(&n)
			if n != creds {
				t.Fatalf("credentials grew from %d to %d", creds, n)
			}
		})
	}
	mustVerify(t, e.db)
}

func TestCheckPassword(t *testing.T) {
	cases := []struct {
		name, password, username string
		ok                       bool
	}{
		{"twelve characters", "abcdefghijkl", "anna", true},
		{"eleven characters", "abcdefghijk", "anna", false},
		{"twelve multibyte characters", "ԱԲԳԴԵԶԷԸԹԺԻԼ", "anna", true},
		{"256 characters", strings.Repeat("ա", 256), "anna", true},
		{"257 characters", strings.Repeat("a", 257), "anna", false},
		{"all whitespace", "            \u00a0", "anna", false},
		{"inner spaces are fine", "a b c d e f g", "anna", true},
		{"the username", "annaannaanna", "annaannaanna", false},
		{"the username in capitals", "ANNAANNAANNA", "annaannaanna", false},
		{"the username padded", " annaannaanna ", "annaannaanna", false},
		{"invalid UTF-8", "abcdefghijk\xc3", "anna", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckPassword(c.password, c.username)
			if (err == nil) != c.ok {
				t.Fatalf("CheckPassword = %v, want ok %v", err, c.ok)
			}
			if err != nil {
				wantErr(t, err, errs.CodeInvalid, "password")
			}
		})
	}
	seen := map[string]bool{}
	for range 100 {
		p := GeneratePassword()
		if len(p) < 20 || CheckPassword(p, "anna") != nil || seen[p] {
			t.Fatalf("generated password %q", p)
		}
		seen[p] = true
	}
}

func TestLiaisonIsBoundToItsSide(t *testing.T) {
	e := mustOpen(t)
	u := e.user(t, "liaison.am", access.Liaison)
	_, p, err := e.svc.Login(ctx, "liaison.am", goodPassword, "192.0.2.1:5000")
	if err != nil {
		t.Fatal(err)
	}
	if p.Side() != e.side || p.OrgKind != agreement.KindSide || p.UserID != u.ID || !strings.HasPrefix(p.Via, "session:ses_") {
		t.Fatalf("principal = %+v", p)
	}
	// Moving a liaison to a non-side, or giving it a second role, is refused.
	_, _, err = e.svc.UpdateUser(ctx, admin, u.ID, u.Version, UserInput{DisplayName: "L", Org: e.centre, Roles: []access.Role{access.Liaison}})
	wantErr(t, err, errs.CodeInvalid, "org")
	_, _, err = e.svc.UpdateUser(ctx, admin, u.ID, u.Version, UserInput{DisplayName: "L", Org: e.side, Roles: []access.Role{access.Liaison, access.Observer}})
	wantErr(t, err, errs.CodeInvalid, "roles")
	// A side may have non-liaison users (its own analysts, say).
	if _, _, err := e.svc.CreateUser(ctx, admin, UserInput{Username: "am.analyst", DisplayName: "A", Org: e.side, Roles: []access.Role{access.Analyst}}, goodPassword); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, e.db)
}

func TestUpdateUser(t *testing.T) {
	e := mustOpen(t)
	boss := e.user(t, "boss", access.Admin)
	u := e.user(t, "mona")
	sess, _, err := e.svc.Login(ctx, "mona", goodPassword, "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	up, _, err := e.svc.UpdateUser(ctx, admin, u.ID, 1, UserInput{DisplayName: "Mona A.", Org: e.centre, Roles: []access.Role{access.Analyst, access.Monitor}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.Username != "mona" || up.DisplayName != "Mona A." || !up.PasswordSetAt.Equal(u.PasswordSetAt) || !up.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("updated = %+v", up)
	}
	// The session picks up the new roles at once.
	p, _, err := e.svc.Authenticate(ctx, sess.ID)
	if err != nil || !p.Has(access.Analyst) {
		t.Fatalf("principal after role change = %+v, %v", p, err)
	}
	// Permission changes are attributed changes in the log.
	hist, err := e.db.History(ctx, EntityUser, u.ID, true)
	if err != nil || len(hist) != 2 || hist[1].Actor != admin.UserID || !strings.Contains(string(hist[1].Body), `"analyst"`) {
		t.Fatalf("history = %+v, %v", hist, err)
	}
	_, _, err = e.svc.UpdateUser(ctx, admin, u.ID, 1, UserInput{DisplayName: "Stale", Org: e.centre, Roles: []access.Role{access.Monitor}})
	wantErr(t, err, errs.CodeConflict, "version")
	_, _, err = e.svc.UpdateUser(ctx, admin, u.ID, 2, UserInput{Username: "other", DisplayName: "M", Org: e.centre, Roles: []access.Role{access.Monitor}})
	wantErr(t, err, errs.CodeInvalid, "username")
	_, _, err = e.svc.UpdateUser(ctx, admin, "usr_nope", 1, UserInput{DisplayName: "M", Org: e.centre, Roles: []access.Role{access.Monitor}})
	wantErr(t, err, errs.CodeNotFound, "")
	// Disabling through an update ends the user's sessions.
	if _, _, err := e.svc.UpdateUser(ctx, admin, u.ID, 2, UserInput{DisplayName: "M", Org: e.centre, Roles: []access.Role{access.Monitor}, Disabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Authenticate(ctx, sess.ID); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("session of a disabled user: %v", err)
	}
	// The last enabled admin can be neither demoted nor disabled.
	_, _, err = e.svc.UpdateUser(ctx, admin, boss.ID, 1, UserInput{DisplayName: "B", Org: e.centre, Roles: []access.Role{access.Monitor}})
	wantErr(t, err, errs.CodeConflict, "roles")
	_, err = e.svc.DisableUser(ctx, admin, boss.ID)
	wantErr(t, err, errs.CodeConflict, "disabled")
	e.user(t, "boss2", access.Admin)
	if _, err := e.svc.DisableUser(ctx, admin, boss.ID); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, e.db)
}

func TestLoginAuthenticateLogout(t *testing.T) {
	e := mustOpen(t)
	u := e.user(t, "anna", access.Monitor, access.Analyst)
	sess, p, err := e.svc.Login(ctx, "Anna", goodPassword, "192.0.2.7:51000")
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.ID) != 43 || len(sess.CSRF) != 43 || sess.UserID != u.ID || !sess.ExpiresAt.Equal(e.clock.now().Add(12*time.Hour)) {
		t.Fatalf("session = %+v", sess)
	}
	want := access.Principal{UserID: u.ID, Username: "anna", Org: e.centre, OrgKind: agreement.KindMonitoringCentre, Roles: []access.Role{access.Monitor, access.Analyst}, Via: ViaSession(sess.PublicID)}
	if js(p) != js(want) {
		t.Fatalf("principal = %+v, want %+v", p, want)
	}
	p2, s2, err := e.svc.Authenticate(ctx, sess.ID)
	if err != nil || js(p2) != js(want) || s2.ID != sess.ID || s2.CSRF != sess.CSRF {
		t.Fatalf("authenticate = %+v %+v %v", p2, s2, err)
	}
	if !s2.CheckCSRF(sess.CSRF) || s2.CheckCSRF("") || s2.CheckCSRF(otherLast(sess.CSRF)) {
		t.Fatal("CSRF check")
	}
	// Only the session id's hash is stored.
	var n int
	e.db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE id_sha256 = ?`, sess.ID).Scan(&n)
	if n != 0 {
		t.Fatal("session id stored in the clear")
	}
	if err := e.svc.Logout(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Authenticate(ctx, sess.ID); errs.CodeOf(err) != errs.CodeUnauthenticated || errs.MessageOf(err) != msgSession {
		t.Fatalf("after logout: %v", err)
	}
	if err := e.svc.Logout(ctx, sess.ID); err != nil {
		t.Fatalf("second logout: %v", err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 43), sess.ID + "A", sess.ID[:42] + "*"} {
		if _, _, err := e.svc.Authenticate(ctx, bad); errs.CodeOf(err) != errs.CodeUnauthenticated {
			t.Fatalf("session %q: %v", bad, err)
		}
	}
	if ev := events(t, e.db); ev[EventLogin] != 1 || ev[EventLogout] != 1 || ev[EventPasswordSet] != 1 || len(ev) != 3 {
		t.Fatalf("events = %v", ev)
	}
	// The login event is the user's own act; the remote address has no port.
	var actor, via, body string
	e.db.QueryRow(ctx, `SELECT c.actor, c.via, c.body FROM changes c JOIN auth_events a ON a.id = c.id WHERE a.kind = 'login'`).Scan(&actor, &via, &body)
	if actor != u.ID || via != ViaSession(sess.PublicID) || !strings.Contains(body, `"remote":"192.0.2.7"`) {
		t.Fatalf("login change by %s via %s: %s", actor, via, body)
	}
	if strings.Contains(allBodies(t, e.db), sess.ID) || strings.Contains(allBodies(t, e.db), sess.CSRF) {
		t.Fatal("a session secret reached the log")
	}
	mustVerify(t, e.db)
}

func TestLogoutAll(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	s1, _, err1 := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.7:1")
	s2, p, err2 := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.8:1")
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.LogoutAll(ctx, p.UserID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []Session{s1, s2} {
		if _, _, err := e.svc.Authenticate(ctx, s.ID); errs.CodeOf(err) != errs.CodeUnauthenticated {
			t.Fatalf("after LogoutAll: %v", err)
		}
	}
	mustVerify(t, e.db)
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestLoginFailuresAreGeneric(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	off := e.user(t, "gone")
	if _, err := e.svc.DisableUser(ctx, admin, off.ID); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, username, password, reason string }{
		{"wrong password", "anna", "not the password", reasonBadPassword},
		{"unknown user", "nobody", goodPassword, reasonUnknownUser},
		{"disabled user", "gone", goodPassword, reasonDisabled},
		{"empty name", "", goodPassword, reasonInvalidName},
		{"10 KB name", strings.Repeat("a", 10<<10), goodPassword, reasonInvalidName},
		{"invalid UTF-8 name", "ann\xffa", goodPassword, reasonInvalidName},
		{"empty password", "anna", "", reasonBadPassword},
		{"huge password", "anna", strings.Repeat("p", 1<<20), reasonBadPassword},
	}
	before := e.db.Size()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sess, p, err := e.svc.Login(ctx, c.username, c.password, "192.0.2.9:4000")
			if errs.CodeOf(err) != errs.CodeUnauthenticated || errs.MessageOf(err) != msgLoginFailed {
				t.Fatalf("err = %v", err)
			}
			if sess.ID != "" || p.Authenticated() {
				t.Fatalf("got a session or principal: %+v %+v", sess, p)
			}
			if e.db.Size() != before+int64(i)+1 {
				t.Fatalf("attempt not recorded: log size %d", e.db.Size())
			}
			var body, actor string
			e.db.QueryRow(ctx, `SELECT body, actor FROM changes ORDER BY seq DESC LIMIT 1`).Scan(&body, &actor)
			if actor != "anonymous" || !strings.Contains(body, `"reason":"`+c.reason+`"`) {
				t.Fatalf("event by %s: %s", actor, body)
			}
			if c.username != "anna" && c.username != "gone" && !strings.Contains(body, `"username_sha256":"`+nameSHA256(c.username)) {
				t.Fatalf("event does not hash the name tried: %s", body)
			}
			if c.username != "" && c.username != "anna" && c.username != "gone" && strings.Contains(body, c.username) {
				t.Fatalf("event holds the name tried: %s", body)
			}
		})
	}
	if ev := events(t, e.db); ev[EventLoginFailed] != len(cases) || ev[EventLogin] != 0 {
		t.Fatalf("events = %v", ev)
	}
	if e.svc.dummy == "" {
		t.Fatal("an unknown name was not checked against the dummy hash")
	}
	mustVerify(t, e.db)
}

func TestSessionExpiry(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	login := func() Session {
		t.Helper()
		s, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	alive := func(s Session) bool {
		t.Helper()
		_, _, err := e.svc.Authenticate(ctx, s.ID)
		if err != nil && errs.CodeOf(err) != errs.CodeUnauthenticated {
			t.Fatal(err)
		}
		return err == nil
	}
	t.Run("idle", func(t *testing.T) {
		s := login()
		e.clock.advance(59 * time.Minute)
		if !alive(s) {
			t.Fatal("refused before the idle timeout")
		}
		// Use renews it (last_seen written to the side table and kept).
		e.clock.advance(59 * time.Minute)
		if !alive(s) {
			t.Fatal("refused although used 59 minutes ago")
		}
		e.clock.advance(time.Hour)
		if alive(s) {
			t.Fatal("accepted after an hour idle")
		}
		e.clock.advance(-time.Hour)
		if alive(s) {
			t.Fatal("an idle session came back")
		}
	})
	t.Run("absolute", func(t *testing.T) {
		s := login()
		for range 14 {
			e.clock.advance(50 * time.Minute)
			if !alive(s) {
				t.Fatal("refused before 12 hours")
			}
		}
		e.clock.advance(50 * time.Minute) // 12 h 30 min
		if alive(s) {
			t.Fatal("accepted after 12 hours")
		}
	})
	var n int
	e.db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d ended sessions kept", n)
	}
	mustVerify(t, e.db)
}

func TestPasswordResetAndDisable(t *testing.T) {
	e := mustOpen(t)
	u := e.user(t, "anna")
	s, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Hour / 2)
	const newPassword = "a much better passphrase"
	if err := e.svc.SetPassword(ctx, admin, u.ID, newPassword); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.svc.SetPassword(ctx, admin, u.ID, "anna"), errs.CodeInvalid, "password")
	wantErr(t, e.svc.SetPassword(ctx, admin, "usr_nope", newPassword), errs.CodeNotFound, "")
	if _, _, err := e.svc.Authenticate(ctx, s.ID); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("session survived a password reset: %v", err)
	}
	got, _ := e.svc.GetUser(ctx, admin, u.ID)
	if got.Version != 2 || !got.PasswordSetAt.After(u.PasswordSetAt) {
		t.Fatalf("after reset: %+v", got)
	}
	if _, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1"); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("old password: %v", err)
	}
	s, _, err = e.svc.Login(ctx, "anna", newPassword, "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := e.svc.CreateToken(ctx, admin, u.ID, "sync", 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.DisableUser(ctx, admin, u.ID)
	if err != nil || !d.Disabled || d.Version != 3 {
		t.Fatalf("disable = %+v, %v", d, err)
	}
	if d2, err := e.svc.DisableUser(ctx, admin, u.ID); err != nil || d2.Version != 3 {
		t.Fatalf("second disable = %+v, %v", d2, err)
	}
	if _, _, err := e.svc.Authenticate(ctx, s.ID); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("session of a disabled user: %v", err)
	}
	if _, err := e.svc.AuthenticateToken(ctx, tok); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("token of a disabled user: %v", err)
	}
	if _, _, err := e.svc.Login(ctx, "anna", newPassword, "192.0.2.1:1"); errs.CodeOf(err) != errs.CodeUnauthenticated || errs.MessageOf(err) != msgLoginFailed {
		t.Fatalf("disabled login: %v", err)
	}
	if _, _, err := e.svc.CreateToken(ctx, admin, u.ID, "another", 0); errs.CodeOf(err) != errs.CodeInvalid {
		t.Fatalf("token for a disabled user: %v", err)
	}
	if strings.Contains(allBodies(t, e.db), newPassword) {
		t.Fatal("password in the log")
	}
	mustVerify(t, e.db)
}

func TestPasswordHash(t *testing.T) {
	phc := hashWith(defaultParams, goodPassword)
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=65536,t=3,p=2$") || len(strings.Split(phc, "$")) != 6 {
		t.Fatalf("hash = %q", phc)
	}
	if ok, stale, err := matchHash(phc, goodPassword, defaultParams); !ok || stale || err != nil {
		t.Fatalf("match = %v %v %v", ok, stale, err)
	}
	if ok, _, _ := matchHash(phc, goodPassword+"x", defaultParams); ok {
		t.Fatal("wrong password matched")
	}
	if _, stale, _ := matchHash(phc, goodPassword, cheapParams); !stale {
		t.Fatal("other parameters not seen as stale")
	}
	if hashWith(defaultParams, goodPassword) == phc {
		t.Fatal("salt not random")
	}
	for _, bad := range []string{
		"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$t=1,m=64,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5",
	} {
		if _, _, _, err := parseHash(bad); err == nil {
			t.Errorf("parseHash(%q) accepted", bad)
		}
	}
}

func TestLoginRehashesWithNewParameters(t *testing.T) {
	e := mustOpen(t)
	u := e.user(t, "anna")
	e.svc.params = hashParams{time: 2, memory: 128, threads: 1, saltLen: 16, keyLen: 32}
	if _, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1"); err != nil {
		t.Fatal(err)
	}
	var hash string
	e.db.QueryRow(ctx, `SELECT hash FROM credentials WHERE user_id = ?`, u.ID).Scan(&hash)
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=128,t=2,p=1$") {
		t.Fatalf("hash not renewed: %s", hash)
	}
	if _, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1"); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, e.db)
}

// otherLast returns s with its last character changed, so that it differs
// from s whatever s ends with.
func otherLast(s string) string {
	if strings.HasSuffix(s, "A") {
		return s[:len(s)-1] + "B"
	}
	return s[:len(s)-1] + "A"
}
