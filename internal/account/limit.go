package account

import (
	"fmt"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Limits throttle failed sign-ins. Failures are counted per account name
// at one address and per address (all names together), never per account
// alone: a guesser elsewhere cannot keep a user out, and the right password
// from an address that has not been failing signs in at once. Past the free
// failures of a count, each further try must wait Delay after the latest
// failure, doubling with every failure up to MaxDelay. A count is forgotten
// once it has had no failure for Forget. A zero field takes its default.
type Limits struct {
	FreeTries        int           // failures of one name from one address before waits begin
	FreeTriesAddress int           // failures from one address, any names, before waits begin
	Delay            time.Duration // the first wait; it doubles with each further failure
	MaxDelay         time.Duration // the longest wait
	Forget           time.Duration // a count with no failure for this long starts again
}

// DefaultLimits are the limits New uses unless WithLimits says otherwise.
// A guesser at one address gets at most one try per five minutes once
// past the first dozen or so; a user who mistypes three times waits a
// second.
var DefaultLimits = Limits{FreeTries: 3, FreeTriesAddress: 10, Delay: time.Second, MaxDelay: 5 * time.Minute, Forget: time.Hour}

// WithLimits sets the failed sign-in limits; zero fields keep their
// defaults.
func WithLimits(l Limits) Option {
	return func(s *Service) {
		if l.FreeTries > 0 {
			s.limits.FreeTries = l.FreeTries
		}
		if l.FreeTriesAddress > 0 {
			s.limits.FreeTriesAddress = l.FreeTriesAddress
		}
		if l.Delay > 0 {
			s.limits.Delay = l.Delay
		}
		if l.MaxDelay > 0 {
			s.limits.MaxDelay = l.MaxDelay
		}
		if l.Forget > 0 {
			s.limits.Forget = l.Forget
		}
	}
}

// Why a throttled sign-in was refused, as the event records it.
const (
	reasonThrottledAddress = "throttled_address"            // too many failures from the address
	reasonThrottledName    = "throttled_account_at_address" // too many failures of the name from the address
)

// LimitedError is Login's refusal of an attempt made too soon after failed
// sign-ins of the same name from the same address, or from the same
// address. The password is not checked. errs has no code for it, so the
// error unwraps to an *errs.Error with code forbidden (a caller that knows
// nothing of limits refuses with 403); the HTTP layer should look for it
// first with errors.As and answer 429 Too Many Requests with a Retry-After
// header of RetryAfter, rounded up to whole seconds.
type LimitedError struct {
	RetryAfter time.Duration // until the next try is allowed
}

func (e *LimitedError) Error() string { return e.message() }

// Unwrap gives the client-safe form: code forbidden, same message.
func (e *LimitedError) Unwrap() error {
	return &errs.Error{Code: errs.CodeForbidden, Message: e.message()}
}

func (e *LimitedError) message() string {
	secs := int((e.RetryAfter + time.Second - 1) / time.Second)
	switch {
	case secs <= 1:
		return "too many failed sign-ins; try again in 1 second"
	case secs < 120:
		return fmt.Sprintf("too many failed sign-ins; try again in %d seconds", secs)
	}
	return fmt.Sprintf("too many failed sign-ins; try again in %d minutes", (secs+59)/60)
}

// maxBuckets bounds the limiter's memory under a spray of names or
// addresses; past it, forgotten buckets are dropped first, then any.
const maxBuckets = 100_000

// limiter counts failed sign-ins in memory: a restart forgets them, which
// costs an attacker a restart of the server per round of free tries.
type limiter struct {
	mu      sync.Mutex
	limits  Limits
	buckets map[limitKey]*bucket
	calls   int
}

// limitKey names a count: a name at an address, or an address (name "").
type limitKey struct{ name, address string }

type bucket struct {
	fails int       // failures counted, the attempts in flight included
	last  time.Time // the latest counted failure
	// noticedUntil is the end of the wait already recorded in the log, so
	// that a flood of refused attempts records one event per wait.
	noticedUntil time.Time
}

func newLimiter(l Limits) *limiter { return &limiter{limits: l, buckets: map[limitKey]*bucket{}} }

// keys are the counts an attempt is checked against: the address's, and
// the name's at the address unless the name cannot be an account's.
func (l *limiter) keys(name, address string) []limitKey {
	if name == "" {
		return []limitKey{{address: address}}
	}
	return []limitKey{{address: address}, {name: name, address: address}}
}

func (l *limiter) free(k limitKey) int {
	if k.name == "" {
		return l.limits.FreeTriesAddress
	}
	return l.limits.FreeTries
}

// wait is how long after its latest failure a count with fails failures
// makes the next try wait: nothing within the free tries, then Delay
// doubling per failure, at most MaxDelay.
func (l *limiter) wait(fails, free int) time.Duration {
	if fails < free {
		return 0
	}
	d := l.limits.Delay
	for i := free; i < fails && d < l.limits.MaxDelay; i++ {
		d *= 2
	}
	return min(d, l.limits.MaxDelay)
}

// begin counts an attempt of the name (empty: a name that cannot be an
// account) from the address, unless a count makes it wait: then it
// returns how long, and whether this refusal is the first of its wait (to
// be recorded) with the reason to record. The attempt counts as a failure
// until succeed takes it back, so that concurrent attempts cannot go past
// the free tries.
func (l *limiter) begin(now time.Time, name, address string) (retry time.Duration, notice bool, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	ks := l.keys(name, address)
	var worst *bucket
	for _, k := range ks {
		b := l.buckets[k]
		if b == nil {
			continue
		}
		if l.forgotten(b, now) {
			delete(l.buckets, k)
			continue
		}
		if r := b.last.Add(l.wait(b.fails, l.free(k))).Sub(now); r > retry {
			retry, worst = r, b
			reason = reasonThrottledAddress
			if k.name != "" {
				reason = reasonThrottledName
			}
		}
	}
	if worst != nil {
		if !now.Before(worst.noticedUntil) {
			worst.noticedUntil = now.Add(retry)
			notice = true
		}
		return retry, notice, reason
	}
	for _, k := range ks {
		b := l.buckets[k]
		if b == nil {
			b = &bucket{}
			l.buckets[k] = b
		}
		b.fails++
		b.last = now
	}
	return 0, false, ""
}

// succeed takes back the attempt begun after a successful sign-in: the
// name's failures at the address are forgiven; the address's other
// failures stay (one account's success says nothing of other guesses from
// there).
func (l *limiter) succeed(name, address string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.buckets, limitKey{name: name, address: address})
	if b := l.buckets[limitKey{address: address}]; b != nil && b.fails > 0 {
		b.fails--
	}
}

// forgotten reports whether a count has been quiet for Forget and any
// wait it can impose is over.
func (l *limiter) forgotten(b *bucket, now time.Time) bool {
	return !now.Before(b.last.Add(max(l.limits.Forget, l.limits.MaxDelay))) && !now.Before(b.noticedUntil)
}

// sweep drops forgotten buckets every so often, and any buckets at all
// when there are too many.
func (l *limiter) sweep(now time.Time) {
	l.calls++
	if l.calls%1024 != 0 && len(l.buckets) < maxBuckets {
		return
	}
	for k, b := range l.buckets {
		if l.forgotten(b, now) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxBuckets*3/4 {
			break
		}
		delete(l.buckets, k)
	}
}
