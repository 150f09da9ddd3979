package account

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

// login signs in and reports how it went: "ok", "wrong" (the generic
// refusal) or "wait" (throttled), with the wait.
func (e *env) login(t *testing.T, name, password, addr string) (string, time.Duration) {
	t.Helper()
	_, _, err := e.svc.Login(ctx, name, password, addr)
	var lim *LimitedError
	switch {
	case err == nil:
		return "ok", 0
	case errors.As(err, &lim):
		if errs.CodeOf(err) != errs.CodeForbidden {
			t.Fatalf("a throttled sign-in unwraps to %s", errs.CodeOf(err))
		}
		return "wait", lim.RetryAfter
	case errs.CodeOf(err) == errs.CodeUnauthenticated:
		return "wrong", 0
	}
	t.Fatalf("login %s from %s: %v", name, addr, err)
	return "", 0
}

// Finding 5 of issue 13: five wrong passwords locked the account for 15
// minutes even against the right password, from anywhere. Now the right
// password from an address that has not been failing signs in at once.
func TestWrongPasswordsElsewhereDoNotLockTheAccountOut(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	for i := range 5 {
		e.login(t, "anna", fmt.Sprintf("guess number %d", i), "203.0.113.66:1")
	}
	if got, _ := e.login(t, "anna", goodPassword, "192.0.2.1:1"); got != "ok" {
		t.Fatalf("the right password from a fresh address: %s", got)
	}
	// The guesser's address waits, for that name, whatever the password.
	if got, wait := e.login(t, "ANNA", goodPassword, "203.0.113.66:2"); got != "wait" || wait <= 0 {
		t.Fatalf("the guessing address: %s %v", got, wait)
	}
	mustVerify(t, e.db)
}

// Finding 5 of issue 13: twenty failures from one address locked every
// account from that address; another address must never be held back.
func TestFailuresFromOneAddressDoNotStopAnother(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	for i := range 20 {
		e.clock.advance(10 * time.Minute) // past every wait: all twenty are tried
		if got, _ := e.login(t, fmt.Sprintf("user%02d", i), goodPassword, "203.0.113.5:1"); got != "wrong" {
			t.Fatalf("attempt %d: %s", i+1, got)
		}
	}
	if got, _ := e.login(t, "anna", goodPassword, "198.51.100.1:1"); got != "ok" {
		t.Fatalf("another address: %s", got)
	}
	// The failing address itself waits, for any name, and at most the cap.
	got, wait := e.login(t, "anna", goodPassword, "203.0.113.5:9")
	if got != "wait" || wait <= 0 || wait > DefaultLimits.MaxDelay {
		t.Fatalf("the failing address: %s %v", got, wait)
	}
	mustVerify(t, e.db)
}

// The waits: none within the free tries, then Delay doubling with each
// failure, capped at MaxDelay.
func TestLoginDelaysDoubleUpToTheCap(t *testing.T) {
	l := Limits{FreeTries: 3, FreeTriesAddress: 100, Delay: time.Second, MaxDelay: 10 * time.Second, Forget: time.Hour}
	e := mustOpen(t, WithLimits(l))
	e.user(t, "anna")
	const addr = "192.0.2.7:1"
	for i := range 3 {
		if got, _ := e.login(t, "anna", "wrong password!", addr); got != "wrong" {
			t.Fatalf("free try %d: %s", i+1, got)
		}
	}
	for _, want := range []time.Duration{1, 2, 4, 8, 10, 10} {
		want *= time.Second
		got, wait := e.login(t, "anna", goodPassword, addr)
		if got != "wait" || wait != want {
			t.Fatalf("wait %v (%s), want %v", wait, got, want)
		}
		e.clock.advance(wait - time.Millisecond)
		if got, _ := e.login(t, "anna", goodPassword, addr); got != "wait" {
			t.Fatalf("a millisecond early: %s", got)
		}
		e.clock.advance(time.Millisecond)
		if got, _ := e.login(t, "anna", "wrong password!", addr); got != "wrong" {
			t.Fatalf("after waiting %v: %s", want, got)
		}
	}
	// The right password after the wait signs in, and forgives the name's
	// failures at the address.
	e.clock.advance(10 * time.Second)
	if got, _ := e.login(t, "anna", goodPassword, addr); got != "ok" {
		t.Fatalf("right password after the wait: %s", got)
	}
	for range 3 {
		e.login(t, "anna", "wrong password!", addr)
	}
	if got, wait := e.login(t, "anna", goodPassword, addr); got != "wait" || wait != time.Second {
		t.Fatalf("after forgiveness, three more failures: %s %v", got, wait)
	}
	// An hour without failures forgets them.
	e.clock.advance(time.Hour)
	for i := range 3 {
		if got, _ := e.login(t, "anna", "wrong password!", addr); got != "wrong" {
			t.Fatalf("free try %d after an hour: %s", i+1, got)
		}
	}
	mustVerify(t, e.db)
}

// The address's count covers every name tried from it, and an IPv6 /64
// counts as one address.
func TestLoginThrottlePerAddress(t *testing.T) {
	e := mustOpen(t, WithLimits(Limits{FreeTriesAddress: 5, Delay: time.Minute}))
	e.user(t, "anna")
	for i := range 5 {
		if got, _ := e.login(t, fmt.Sprintf("user%d", i), goodPassword, fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1)); got != "wrong" {
			t.Fatalf("attempt %d: %s", i+1, got)
		}
	}
	if got, wait := e.login(t, "anna", goodPassword, "[2001:db8:1:2:ffff::1]:443"); got != "wait" || wait != time.Minute {
		t.Fatalf("same /64: %s %v", got, wait)
	}
	if got, _ := e.login(t, "anna", goodPassword, "[2001:db8:1:3::1]:443"); got != "ok" {
		t.Fatalf("another /64: %s", got)
	}
	e.clock.advance(time.Minute)
	if got, _ := e.login(t, "anna", goodPassword, "[2001:db8:1:2::1]:443"); got != "ok" {
		t.Fatalf("after the wait: %s", got)
	}
}

// Concurrent guesses cannot go past the free tries: each attempt is
// counted before its password is checked.
func TestLoginThrottleHoldsUnderConcurrency(t *testing.T) {
	e := mustOpen(t)
	e.user(t, "anna")
	var wg sync.WaitGroup
	results := make(chan error, 30)
	for i := range 30 {
		wg.Go(func() {
			_, _, err := e.svc.Login(ctx, "anna", fmt.Sprintf("guess number %d", i), "192.0.2.1:1")
			results <- err
		})
	}
	wg.Wait()
	close(results)
	var wrong, limited int
	for err := range results {
		var lim *LimitedError
		switch {
		case errors.As(err, &lim):
			limited++
		case errs.CodeOf(err) == errs.CodeUnauthenticated:
			wrong++
		default:
			t.Fatal(err)
		}
	}
	if wrong != DefaultLimits.FreeTries || limited != 30-DefaultLimits.FreeTries {
		t.Fatalf("%d checked, %d limited; want %d and %d", wrong, limited, DefaultLimits.FreeTries, 30-DefaultLimits.FreeTries)
	}
	mustVerify(t, e.db)
}

// A throttled attempt is recorded once per wait, with why, not once per
// refusal; the message says how long to wait.
func TestLoginThrottleIsRecordedOncePerWait(t *testing.T) {
	e := mustOpen(t, WithLimits(Limits{Delay: 90 * time.Second}))
	e.user(t, "anna")
	for range 3 {
		e.login(t, "anna", "wrong password!", "192.0.2.1:1")
	}
	for range 5 {
		_, _, err := e.svc.Login(ctx, "anna", goodPassword, "192.0.2.1:1")
		if !strings.Contains(errs.MessageOf(err), "try again in 90 seconds") {
			t.Fatalf("message %q", errs.MessageOf(err))
		}
	}
	if ev := events(t, e.db); ev[EventLoginFailed] != 4 || ev[EventLogin] != 0 {
		t.Fatalf("events = %v", ev)
	}
	var body string
	e.db.QueryRow(ctx, `SELECT body FROM changes ORDER BY seq DESC LIMIT 1`).Scan(&body)
	if !strings.Contains(body, `"reason":"`+reasonThrottledName+`"`) || !strings.Contains(body, `"remote":"192.0.2.1"`) {
		t.Fatalf("notice %s", body)
	}
	mustVerify(t, e.db)
}

// Two servers on one database count the same failed sign-ins (issue 14):
// failures through one make the other wait, a success through either
// forgives them, and concurrent attempts through both get no more free
// tries than through one.
func TestLimitsAreSharedByServers(t *testing.T) {
	l := Limits{FreeTries: 3, FreeTriesAddress: 100, Delay: time.Minute}
	e := mustOpen(t, WithLimits(l))
	e.user(t, "anna")
	dir := e.db.Dir()
	db2, err := store.Open(ctx, dir, append(storetest.Database(t, dir), store.WithSynchronous("normal"), store.WithClock(e.clock.now))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	agreement.New(db2)
	other := &env{db: db2, svc: New(db2, withHashParams(cheapParams), WithLimits(l)), clock: e.clock}

	const addr = "192.0.2.9:1"
	for i, s := range []*env{e, other, e} {
		if got, _ := s.login(t, "anna", "wrong password!", addr); got != "wrong" {
			t.Fatalf("free try %d: %s", i+1, got)
		}
	}
	for _, s := range []*env{other, e} {
		if got, wait := s.login(t, "anna", goodPassword, addr); got != "wait" || wait != time.Minute {
			t.Fatalf("after three failures on two servers: %s %v", got, wait)
		}
	}
	e.clock.advance(time.Minute)
	if got, _ := other.login(t, "anna", goodPassword, addr); got != "ok" {
		t.Fatalf("right password after the wait: %s", got)
	}
	for i := range 3 {
		if got, _ := e.login(t, "anna", "wrong password!", addr); got != "wrong" {
			t.Fatalf("forgiven on the other server, free try %d: %s", i+1, got)
		}
	}

	// Concurrent wrong passwords through both servers from a new address.
	const addr2 = "192.0.2.10:1"
	var wg sync.WaitGroup
	var mu sync.Mutex
	tally := map[string]int{}
	for i := range 20 {
		wg.Go(func() {
			s := []*env{e, other}[i%2]
			got, _ := s.login(t, "anna", "wrong password!", addr2)
			mu.Lock()
			tally[got]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if tally["wrong"] != l.FreeTries || tally["wait"] != 20-l.FreeTries {
		t.Fatalf("20 concurrent attempts on two servers: %v, want %d checked", tally, l.FreeTries)
	}
	mustVerify(t, e.db)
}
