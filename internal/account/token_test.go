package account

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

func TestTokens(t *testing.T) {
	e := mustOpen(t)
	u := e.user(t, "bot", access.Analyst)
	tok, plain, err := e.svc.CreateToken(ctx, admin, u.ID, "nightly export", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "truce_"+tok.ID+"_") || len(plain) != tokenLen || tok.ExpiresAt != nil || tok.User != u.ID {
		t.Fatalf("token %+v, plaintext %q", tok, plain)
	}
	p, err := e.svc.AuthenticateToken(ctx, plain)
	if err != nil || p.UserID != u.ID || p.Via != ViaToken(tok.ID) || !p.Has(access.Analyst) || p.Org != e.centre || p.OrgKind == "" {
		t.Fatalf("principal = %+v, %v", p, err)
	}
	// The secret is in neither the log nor a listing.
	secret := plain[len(plain)-tokenSecretLen:] // base64url may itself hold '_'
	if strings.Contains(allBodies(t, e.db), secret) {
		t.Fatal("token secret in the log")
	}
	list, err := e.svc.ListTokens(ctx, admin, u.ID)
	if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].Name != "nightly export" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if b, _ := json.Marshal(list); strings.Contains(string(b), "secret") {
		t.Fatalf("listing shows the secret's hash: %s", b)
	}

	refused := func(what, bearer string) {
		t.Helper()
		p, err := e.svc.AuthenticateToken(ctx, bearer)
		if errs.CodeOf(err) != errs.CodeUnauthenticated || errs.MessageOf(err) != msgToken || p.Authenticated() {
			t.Fatalf("%s: principal %+v, err %v", what, p, err)
		}
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	refused("empty", "")
	refused("truncated", plain[:len(plain)-1])
	refused("extended", plain+"A")
	refused("wrong prefix", "truse_"+plain[6:])
	refused("no prefix", plain[6:])
	refused("Bearer prefix", "Bearer "+plain)
	refused("tampered secret", flip(plain, len(plain)-5))
	refused("non-canonical base64", plain[:len(plain)-1]+string(plain[len(plain)-1]^1))
	refused("bad base64", plain[:len(plain)-1]+"*")
	refused("unknown id", strings.Replace(plain, tok.ID, "tok_00000000000000000000", 1))
	refused("id with a letter outside the alphabet", strings.Replace(plain, tok.ID, "tok_0000000000000000000u", 1))
	refused("upper-case id", strings.Replace(plain, tok.ID, strings.ToUpper(tok.ID), 1))
	refused("secret of another length", "truce_"+tok.ID+"_"+secret[:40]+"AAA=")

	// Expiry.
	e.clock.advance(time.Minute)
	short, shortPlain, err := e.svc.CreateToken(ctx, admin, u.ID, "short", time.Hour)
	if err != nil || short.ExpiresAt == nil || !short.ExpiresAt.Equal(short.CreatedAt.Add(time.Hour)) {
		t.Fatalf("short token %+v, %v", short, err)
	}
	e.clock.advance(59 * time.Minute)
	if _, err := e.svc.AuthenticateToken(ctx, shortPlain); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	e.clock.advance(time.Minute)
	refused("expired", shortPlain)

	// Revocation.
	rev, err := e.svc.RevokeToken(ctx, admin, tok.ID)
	if err != nil || rev.RevokedAt == nil {
		t.Fatalf("revoke = %+v, %v", rev, err)
	}
	refused("revoked", plain)
	_, err = e.svc.RevokeToken(ctx, admin, tok.ID)
	wantErr(t, err, errs.CodeConflict, "revoked_at")
	_, err = e.svc.RevokeToken(ctx, admin, "tok_nope")
	wantErr(t, err, errs.CodeNotFound, "")
	list, _ = e.svc.ListTokens(ctx, admin, u.ID)
	if len(list) != 2 || list[0].RevokedAt == nil || list[1].ExpiresAt == nil {
		t.Fatalf("list = %+v", list)
	}

	// Bad requests.
	_, _, err = e.svc.CreateToken(ctx, admin, u.ID, "", 0)
	wantErr(t, err, errs.CodeInvalid, "name")
	_, _, err = e.svc.CreateToken(ctx, admin, u.ID, "x", -time.Second)
	wantErr(t, err, errs.CodeInvalid, "expires_in")
	_, _, err = e.svc.CreateToken(ctx, admin, "usr_nope", "x", 0)
	wantErr(t, err, errs.CodeNotFound, "")

	// A disabled user's tokens stop working.
	_, third, err := e.svc.CreateToken(ctx, admin, u.ID, "third", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DisableUser(ctx, admin, u.ID); err != nil {
		t.Fatal(err)
	}
	refused("disabled user", third)

	if ev := events(t, e.db); ev[EventTokenCreated] != 3 || ev[EventTokenRevoked] != 1 || ev[EventPasswordSet] != 1 || len(ev) != 3 {
		t.Fatalf("events = %v", ev)
	}
	hist, err := e.db.History(ctx, EntityToken, tok.ID, false)
	if err != nil || len(hist) != 2 || hist[1].Actor != admin.UserID {
		t.Fatalf("token history = %+v, %v", hist, err)
	}
	mustVerify(t, e.db)
}
