package account

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
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

// limiter counts failed sign-ins in the database (table
// signin_failures), so that every server of one database counts the same
// failures, and a restart forgets none. Each check reads and updates the
// counts in one write transaction: concurrent attempts, on this server or
// another, are counted one after the other.
type limiter struct {
	db     *store.DB
	limits Limits
	calls  atomic.Int64
}

// limitKey names a count: a name at an address, or an address (name "").
type limitKey struct{ name, address string }

// column is the key's name as the table holds it: the SHA-256 of the
// name, or "" for the address's own count.
func (k limitKey) column() string {
	if k.name == "" {
		return ""
	}
	return nameSHA256(k.name)
}

type bucket struct {
	fails int       // failures counted, the attempts in flight included
	last  time.Time // the latest counted failure
	// noticedUntil is the end of the wait already recorded in the log, so
	// that a flood of refused attempts records one event per wait.
	noticedUntil time.Time
}

func newLimiter(db *store.DB, l Limits) *limiter { return &limiter{db: db, limits: l} }

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
func (l *limiter) begin(ctx context.Context, now time.Time, name, address string) (retry time.Duration, notice bool, reason string, err error) {
	ks := l.keys(name, address)
	_, err = l.db.Write(ctx, func(tx *store.Tx) error {
		counts := map[limitKey]*bucket{}
		for _, k := range ks {
			var b bucket
			var last, noticed int64
			err := tx.QueryRow(`SELECT fails, last_us, noticed_until_us FROM signin_failures WHERE name_sha256 = ? AND address = ?`, k.column(), k.address).Scan(&b.fails, &last, &noticed)
			if store.IsNoRows(err) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read sign-in failures: %w", err)
			}
			b.last, b.noticedUntil = time.UnixMicro(last).UTC(), time.UnixMicro(noticed).UTC()
			counts[k] = &b
		}
		var changed []limitKey
		retry, notice, reason, changed = l.decide(counts, now, ks)
		for _, k := range changed {
			b := counts[k]
			var err error
			if b == nil {
				_, err = tx.ExecSide(`DELETE FROM signin_failures WHERE name_sha256 = ? AND address = ?`, k.column(), k.address)
			} else {
				_, err = tx.ExecSide(`INSERT INTO signin_failures (name_sha256, address, fails, last_us, noticed_until_us) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (name_sha256, address) DO UPDATE SET fails = excluded.fails, last_us = excluded.last_us, noticed_until_us = excluded.noticed_until_us`,
					k.column(), k.address, b.fails, b.last.UnixMicro(), b.noticedUntil.UnixMicro())
			}
			if err != nil {
				return fmt.Errorf("count sign-in failures: %w", err)
			}
		}
		if l.calls.Add(1)%sweepEvery == 0 {
			// Forget the counts that are over, everyone's.
			forget := now.Add(-max(l.limits.Forget, l.limits.MaxDelay)).UnixMicro()
			if _, err := tx.ExecSide(`DELETE FROM signin_failures WHERE last_us <= ? AND noticed_until_us <= ?`, forget, now.UnixMicro()); err != nil {
				return fmt.Errorf("forget sign-in failures: %w", err)
			}
		}
		return nil
	})
	return retry, notice, reason, err
}

// sweepEvery is how often (in checks) a server deletes forgotten counts.
const sweepEvery = 1024

// decide is begin's rule over the counts of the attempt's keys as they
// stand (missing: none); it updates them and returns the keys whose count
// changed (nil in counts: forgotten).
func (l *limiter) decide(counts map[limitKey]*bucket, now time.Time, ks []limitKey) (retry time.Duration, notice bool, reason string, changed []limitKey) {
	var worst *bucket
	var worstKey limitKey
	for _, k := range ks {
		b := counts[k]
		if b == nil {
			continue
		}
		if l.forgotten(b, now) {
			delete(counts, k)
			changed = append(changed, k)
			continue
		}
		if r := b.last.Add(l.wait(b.fails, l.free(k))).Sub(now); r > retry {
			retry, worst, worstKey = r, b, k
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
			changed = append(changed, worstKey)
		}
		return retry, notice, reason, changed
	}
	changed = changed[:0]
	for _, k := range ks {
		b := counts[k]
		if b == nil {
			b = &bucket{}
			counts[k] = b
		}
		b.fails++
		b.last = now
		changed = append(changed, k)
	}
	return 0, false, "", changed
}

// succeed takes back the attempt begun after a successful sign-in: the
// name's failures at the address are forgiven; the address's other
// failures stay (one account's success says nothing of other guesses from
// there).
func (l *limiter) succeed(ctx context.Context, name, address string) error {
	_, err := l.db.Write(ctx, func(tx *store.Tx) error { return l.forgive(tx, name, address) })
	return err
}

// forgive is succeed inside a write transaction.
func (l *limiter) forgive(tx *store.Tx, name, address string) error {
	if _, err := tx.ExecSide(`DELETE FROM signin_failures WHERE name_sha256 = ? AND address = ?`, limitKey{name: name, address: address}.column(), address); err != nil {
		return fmt.Errorf("forgive sign-in failures: %w", err)
	}
	if _, err := tx.ExecSide(`UPDATE signin_failures SET fails = fails - 1 WHERE name_sha256 = '' AND address = ? AND fails > 0`, address); err != nil {
		return fmt.Errorf("forgive sign-in failures: %w", err)
	}
	return nil
}

// forgotten reports whether a count has been quiet for Forget and any
// wait it can impose is over.
func (l *limiter) forgotten(b *bucket, now time.Time) bool {
	return !now.Before(b.last.Add(max(l.limits.Forget, l.limits.MaxDelay))) && !now.Before(b.noticedUntil)
}
