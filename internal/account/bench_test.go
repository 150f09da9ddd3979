package account

import (
	"fmt"
	"testing"
)

// BenchmarkLogin measures a successful sign-in with the real argon2id
// parameters: the hash dominates; the rest is one recorded change.
func BenchmarkLogin(b *testing.B) {
	e := mustOpen(b, withHashParams(defaultParams))
	e.user(b, "anna")
	for i := 0; b.Loop(); i++ {
		if _, _, err := e.svc.Login(ctx, "anna", goodPassword, fmt.Sprintf("192.0.2.%d:1", i%250)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticateToken(b *testing.B) {
	e := mustOpen(b)
	u := e.user(b, "bot")
	_, plain, err := e.svc.CreateToken(ctx, admin, u.ID, "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.svc.AuthenticateToken(ctx, plain); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticateSession(b *testing.B) {
	e := mustOpen(b)
	e.user(b, "anna")
	s, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := e.svc.Authenticate(ctx, s.ID); err != nil {
			b.Fatal(err)
		}
	}
}
