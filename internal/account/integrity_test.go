package account

import (
	"github.com/truce-monitoring/truce/internal/store/storetest"

	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// tamper runs statements on the database file directly, as someone with
// access to the disk would.
func tamper(t *testing.T, db *store.DB, stmts ...string) {
	t.Helper()
	storetest.Tamper(t, db, stmts...)
}

// wantProblem verifies db and fails unless a problem's text holds every
// one of want.
func wantProblem(t *testing.T, db *store.DB, want ...string) {
	t.Helper()
	rep, err := db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		s, ok := p.String(), true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return
		}
	}
	t.Fatalf("verify reported %v; want a problem with %q", rep.Problems, want)
}

// principalOf is u's principal in a session or with a token (via).
func principalOf(u User, via string) access.Principal {
	return access.Principal{UserID: u.ID, Username: u.Username, Org: u.Org, Roles: u.Roles, Via: via}
}

func TestVerifyReportsACopiedPasswordHash(t *testing.T) {
	e := mustOpen(t)
	root := e.user(t, "root", access.Admin)
	mallory := e.user(t, "mallory")
	if err := e.svc.SetPassword(ctx, principalOf(mallory, "cli"), mallory.ID, "quartz lantern river 42"); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, e.db)
	// Mallory's hash, whose password she knows, copied over the admin's.
	tamper(t, e.db, `UPDATE credentials SET hash = (SELECT hash FROM credentials WHERE user_id = '`+mallory.ID+`') WHERE user_id = '`+root.ID+`'`)
	wantProblem(t, e.db, "credentials "+root.ID, "password hash does not match the latest logged change")
	// And it does not sign in: no logged change vouches for that hash.
	if _, _, err := e.svc.Login(ctx, "root", "quartz lantern river 42", "192.0.2.1:1"); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("sign-in with the copied hash: %v", err)
	}
	// Copying set_seq as well points the row at mallory's event.
	tamper(t, e.db, `UPDATE credentials SET set_seq = (SELECT set_seq FROM credentials WHERE user_id = '`+mallory.ID+`') WHERE user_id = '`+root.ID+`'`)
	wantProblem(t, e.db, "credentials "+root.ID, "password hash does not match")
	if _, _, err := e.svc.Login(ctx, "root", "quartz lantern river 42", "192.0.2.1:1"); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("sign-in with the copied hash and set_seq: %v", err)
	}
}

func TestVerifyReportsACredentialWithoutALoggedChange(t *testing.T) {
	e := mustOpen(t)
	root := e.user(t, "root", access.Admin)
	tamper(t, e.db, `INSERT INTO credentials (user_id, hash) SELECT 'usr_ghost', hash FROM credentials WHERE user_id = '`+root.ID+`'`)
	wantProblem(t, e.db, "credentials usr_ghost", "no logged change")
}

// forgedSession inserts a session row for user with a cookie of the
// attacker's choosing, pointing at the user's latest logged sign-in when
// there is one.
func forgedSession(t *testing.T, e *env, user string) string {
	t.Helper()
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(i)
	}
	cookie := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256(raw)
	tamper(t, e.db, `INSERT INTO sessions (id, id_sha256, user_id, csrf, created_at, last_seen, expires_at, login_seq)
		VALUES ('ses_forged', X'`+hexOf(sum[:])+`', '`+user+`', 'csrf', '2021-06-12T10:00:00.000000Z', '2021-06-12T10:00:00.000000Z', '2099-01-01T00:00:00.000000Z',
			COALESCE((SELECT MAX(c.seq) FROM changes c JOIN auth_events a ON a.id = c.id AND c.entity = 'auth_event' WHERE a.kind = 'login' AND a.user_id = '`+user+`'), 0))`)
	return cookie
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestVerifyReportsAnInsertedSession(t *testing.T) {
	for _, signedIn := range []bool{false, true} {
		name := "never signed in"
		if signedIn {
			name = "pointing at a real sign-in"
		}
		t.Run(name, func(t *testing.T) {
			e := mustOpen(t)
			root := e.user(t, "root", access.Admin)
			if signedIn {
				if _, _, err := e.svc.Login(ctx, "root", goodPassword, "192.0.2.1:1"); err != nil {
					t.Fatal(err)
				}
			}
			cookie := forgedSession(t, e, root.ID)
			wantProblem(t, e.db, "sessions ses_forged", "no logged sign-in")
			// The row does not authenticate: no logged sign-in vouches for it.
			if _, _, err := e.svc.Authenticate(ctx, cookie); errs.CodeOf(err) != errs.CodeUnauthenticated {
				t.Fatalf("forged session: %v", err)
			}
		})
	}
}

func TestVerifyReportsAnEndedSessionPutBack(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	sess, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	// The row as it was, kept aside, and put back after the sign-out.
	tamper(t, e.db, `CREATE TABLE kept AS SELECT * FROM sessions`)
	if err := e.svc.Logout(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, e.db)
	tamper(t, e.db, `INSERT INTO sessions SELECT * FROM kept`, `DROP TABLE kept`)
	wantProblem(t, e.db, "sessions "+sess.PublicID, "the log ended it")
}

func TestVerifyReportsAnEditedSession(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	sess, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	tamper(t, e.db, `UPDATE sessions SET expires_at = '2099-01-01T00:00:00.000000Z'`)
	wantProblem(t, e.db, "sessions "+sess.PublicID, "expires_at is 2099")
	if _, _, err := e.svc.Authenticate(ctx, sess.ID); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("session with a later end than the log's: %v", err)
	}
}

func TestVerifyReportsAnInsertedToken(t *testing.T) {
	e := mustOpen(t)
	root := e.user(t, "root", access.Admin)
	tamper(t, e.db, `INSERT INTO tokens (id, user_id, name, created_at, secret_sha256)
		VALUES ('tok_forged0000000000000', '`+root.ID+`', 'forged', '2021-06-12T10:00:00.000000Z', '`+strings.Repeat("ab", 32)+`')`)
	wantProblem(t, e.db, "token tok_forged0000000000000", "tokens row has no change behind it")
}

func TestVerifyReportsAChangeThroughAnotherUsersSession(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	bob := e.user(t, "bob")
	sess, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, e.db)
	// Bob's own password change, made through anna's session.
	if err := e.svc.SetPassword(ctx, principalOf(bob, ViaSession(sess.PublicID)), bob.ID, "another good password"); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, e.db, "user "+bob.ID, "made by "+bob.ID+" through session:"+sess.PublicID+", which the log created for")
}

func TestVerifyReportsAChangeThroughAnUnloggedOrEndedCredential(t *testing.T) {
	cases := []struct {
		name string
		via  func(t *testing.T, e *env, u User) string
		want string
	}{
		{"a session no sign-in opened", func(*testing.T, *env, User) string { return ViaSession("ses_nobodyopenedthis00") }, "which no logged event created"},
		{"a token never created", func(*testing.T, *env, User) string { return ViaToken("tok_nevercreated000000") }, "which no logged event created"},
		{"a session signed out", func(t *testing.T, e *env, u User) string {
			sess, _, err := e.svc.Login(ctx, u.Username, goodPassword, "192.0.2.1:1")
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Logout(ctx, sess.ID); err != nil {
				t.Fatal(err)
			}
			return ViaSession(sess.PublicID)
		}, "after the change that ended it"},
		{"a revoked token", func(t *testing.T, e *env, u User) string {
			tok, _, err := e.svc.CreateToken(ctx, principalOf(u, "cli"), u.ID, "ci", 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.RevokeToken(ctx, principalOf(u, ViaToken(tok.ID)), tok.ID); err != nil {
				t.Fatal(err)
			}
			return ViaToken(tok.ID)
		}, "after the change that ended it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustOpen(t)
			anna := e.user(t, "anna")
			via := c.via(t, e, anna)
			mustVerify(t, e.db)
			if err := e.svc.SetPassword(ctx, principalOf(anna, via), anna.ID, "another good password"); err != nil {
				t.Fatal(err)
			}
			wantProblem(t, e.db, "user "+anna.ID, via, c.want)
		})
	}
}

// TestCredentialsStayIntact: every way of setting a password, opening and
// ending a session, and making and revoking a token leaves a log that
// verifies, whose changes name the credential they were made through, and
// whose bodies hold no secret.
func TestCredentialsStayIntact(t *testing.T) {
	e := mustOpen(t)
	anna := e.user(t, "anna")
	e.user(t, "bob")
	s1, p1, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if p1.Via != ViaSession(s1.PublicID) || !strings.HasPrefix(s1.PublicID, sessionPrefix+"_") {
		t.Fatalf("principal via %q, session %q", p1.Via, s1.PublicID)
	}
	if p, _, err := e.svc.Authenticate(ctx, s1.ID); err != nil || p.Via != p1.Via {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	tok, plain, err := e.svc.CreateToken(ctx, p1, anna.ID, "ci", 0)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := e.svc.AuthenticateToken(ctx, plain)
	if err != nil || pt.Via != ViaToken(tok.ID) {
		t.Fatalf("token principal %+v %v", pt, err)
	}
	if _, err := e.svc.RevokeToken(ctx, pt, tok.ID); err != nil { // a token revokes itself
		t.Fatal(err)
	}
	s2, _, err := e.svc.Login(ctx, "bob", goodPassword, "192.0.2.2:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Logout(ctx, s2.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Login(ctx, "bob", goodPassword, "192.0.2.2:1"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.LogoutAll(ctx, pt.UserID); err != nil {
		t.Fatal(err)
	}
	s3, p3, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	// Her own change, in the session it ends.
	if err := e.svc.SetPassword(ctx, p3, anna.ID, "another good password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Authenticate(ctx, s3.ID); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("session after a password change: %v", err)
	}
	if _, _, err := e.svc.Login(ctx, "anna", "another good password", "192.0.2.1:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DisableUser(ctx, admin, anna.ID); err != nil {
		t.Fatal(err)
	}
	// Expiry: bob's session passes its end and is refused, and recorded.
	e.clock.advance(DefaultAbsoluteTimeout + time.Second)
	sb, _, err := e.svc.Login(ctx, "bob", goodPassword, "192.0.2.2:1")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(DefaultIdleTimeout + time.Second)
	if _, _, err := e.svc.Authenticate(ctx, sb.ID); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("idle session: %v", err)
	}
	mustVerify(t, e.db)
	if ev := events(t, e.db); ev[EventPasswordSet] != 3 || ev[EventSessionEnded] < 3 || ev[EventLogin] != 6 {
		t.Fatalf("events = %v", ev)
	}
	var n int
	e.db.QueryRow(ctx, `SELECT COUNT(*) FROM changes WHERE via = 'session' OR via = 'token'`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d changes name no credential", n)
	}
	bodies := allBodies(t, e.db)
	var hashes []string
	rows, err := e.db.Query(ctx, `SELECT hash FROM credentials`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		rows.Scan(&h)
		hashes = append(hashes, h)
	}
	rows.Close()
	for _, secret := range append(hashes, s1.ID, s3.ID, plain[len(plain)-43:]) {
		if strings.Contains(bodies, secret) {
			t.Fatalf("a secret reached the log: %q", secret)
		}
	}
}

func TestForgedSessionCookieIsRefused(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	if _, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1"); err != nil {
		t.Fatal(err)
	}
	raw := sha256.Sum256([]byte("a cookie nobody was given"))
	for _, cookie := range []string{base64.RawURLEncoding.EncodeToString(raw[:]), "ses_x", ""} {
		if _, _, err := e.svc.Authenticate(ctx, cookie); errs.CodeOf(err) != errs.CodeUnauthenticated || errs.MessageOf(err) != msgSession {
			t.Fatalf("cookie %q: %v", cookie, err)
		}
	}
	mustVerify(t, e.db)
}
