package account

import (
	"fmt"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

// LimitedError is Login's refusal of an attempt made after too many failed
// sign-ins for the account or from the remote address. The password is not
// checked. errs has no code for it, so the error unwraps to an *errs.Error
// with code forbidden (a caller that knows nothing of limits refuses with
// 403); the HTTP layer should look for it first with errors.As and answer
// 429 Too Many Requests with a Retry-After header of RetryAfter, rounded up
// to whole seconds.
type LimitedError struct {
	RetryAfter time.Duration // until the oldest counted failure leaves the window
}

func (e *LimitedError) Error() string { return e.message() }

// Unwrap gives the client-safe form: code forbidden, same message.
func (e *LimitedError) Unwrap() error {
	return &errs.Error{Code: errs.CodeForbidden, Message: e.message()}
}

func (e *LimitedError) message() string {
	m := int((e.RetryAfter + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "too many failed sign-ins for this account or address; try again in 1 minute"
	}
	return fmt.Sprintf("too many failed sign-ins for this account or address; try again in %d minutes", m)
}

// maxBuckets bounds the limiter's memory under a spray of names or
// addresses; past it, idle buckets are dropped first, then any.
const maxBuckets = 100_000

// limiter counts failed sign-ins per account name and per address in a
// sliding window, in memory: a restart forgets them, which costs an
// attacker a restart of the server per window.
type limiter struct {
	mu      sync.Mutex
	limits  Limits
	buckets map[string]*bucket
	calls   int
}

type bucket struct {
	fails []time.Time // the latest failures in the window, oldest first; at most the limit
	// noticedUntil is the end of the lockout already recorded in the log,
	// so that a flood of refused attempts records one event, not one each.
	noticedUntil time.Time
}

func newLimiter(l Limits) *limiter { return &limiter{limits: l, buckets: map[string]*bucket{}} }

type limitKey struct {
	key string
	max int
}

func (l *limiter) keys(account, address string) []limitKey {
	ks := []limitKey{{"addr:" + address, l.limits.PerAddress}}
	if account != "" {
		ks = append(ks, limitKey{"acct:" + account, l.limits.PerAccount})
	}
	return ks
}

// begin counts an attempt for the account (empty: a name that cannot be an
// account) and the address, unless either is over its limit: then it
// returns how long to wait and whether this refusal is the first of its
// lockout (to be recorded). The attempt counts as a failure until success
// takes it back, so that concurrent attempts cannot overshoot the limit.
func (l *limiter) begin(now time.Time, account, address string) (retry time.Duration, notice bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	ks := l.keys(account, address)
	var worst *bucket
	for _, k := range ks {
		b := l.buckets[k.key]
		if b == nil {
			continue
		}
		b.prune(now, l.limits.Window)
		if len(b.fails) >= k.max {
			if r := b.fails[len(b.fails)-k.max].Add(l.limits.Window).Sub(now); r > retry {
				retry, worst = r, b
			}
		}
	}
	if worst != nil {
		if !now.Before(worst.noticedUntil) {
			worst.noticedUntil = now.Add(retry)
			notice = true
		}
		return retry, notice
	}
	for _, k := range ks {
		b := l.buckets[k.key]
		if b == nil {
			b = &bucket{}
			l.buckets[k.key] = b
		}
		b.fails = append(b.fails, now)
		if len(b.fails) > k.max {
			b.fails = append(b.fails[:0], b.fails[len(b.fails)-k.max:]...)
		}
	}
	return 0, false
}

// succeed takes back the attempt begun at now after a successful sign-in:
// the account's failures are forgiven; the address's earlier failures stay
// (one account's success says nothing of other guesses from there).
func (l *limiter) succeed(now time.Time, account, address string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.buckets, "acct:"+account)
	if b := l.buckets["addr:"+address]; b != nil {
		for i := len(b.fails) - 1; i >= 0; i-- {
			if b.fails[i].Equal(now) {
				b.fails = append(b.fails[:i], b.fails[i+1:]...)
				break
			}
		}
	}
}

func (b *bucket) prune(now time.Time, window time.Duration) {
	i := 0
	for i < len(b.fails) && !b.fails[i].Add(window).After(now) {
		i++
	}
	if i > 0 {
		b.fails = append(b.fails[:0], b.fails[i:]...)
	}
}

// sweep drops idle buckets every so often, and any buckets at all when
// there are too many.
func (l *limiter) sweep(now time.Time) {
	l.calls++
	if l.calls%1024 != 0 && len(l.buckets) < maxBuckets {
		return
	}
	for k, b := range l.buckets {
		b.prune(now, l.limits.Window)
		if len(b.fails) == 0 && !now.Before(b.noticedUntil) {
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
