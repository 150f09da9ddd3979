// Package account holds who may sign in to Truce and how: users with their
// organisation and roles, their passwords, browser sessions, API tokens and
// the record of every sign-in.
//
// Users, tokens and sign-in events are records in the change log like any
// other, so every permission change is attributed and tamper-evident.
// Secrets never enter a change body, which the history API shows: argon2id
// password hashes and session ids live in side tables (credentials,
// sessions) written in the same transaction as the change they go with. A
// token's body holds only the SHA-256 of its 256-bit secret.
//
// The Service applies the access policy to accounts itself: every method
// that reads or changes an account or a token takes the principal asking
// (access.Principal; the operator at the server is Operator) and decides.
// Administrators run accounts without reach of their own: nobody makes a
// token for another user, nobody changes their own roles or organisation,
// and a change that widens an account's reach (Widens) waits as a
// RoleRequest until a second person, a co-chair, approves it.
package account

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/store"
)

// Entities in the change log.
const (
	EntityUser      = "user"
	EntityToken     = "token"
	EntityAuthEvent = "auth_event"

	userPrefix  = "usr"
	tokenPrefix = "tok"
	eventPrefix = "aev"
)

// timeLayout is the fixed-width layout of times in projection and side
// tables: text order is time order.
const timeLayout = ledger.TimeLayout

// Session lifetimes by default.
const (
	DefaultIdleTimeout     = time.Hour
	DefaultAbsoluteTimeout = 12 * time.Hour
	// touchEvery is how stale a session's last-seen time may get before a
	// request writes it again: idle timeouts are exact to this much.
	touchEvery = time.Minute
)

// Service manages users, passwords, sessions and tokens.
type Service struct {
	db       *store.DB
	now      func() time.Time
	limits   Limits
	idle     time.Duration
	absolute time.Duration
	params   hashParams
	limiter  *limiter

	// hashes bounds the argon2id computations running at once: each takes
	// 64 MiB, and a burst of sign-ins must not exhaust memory.
	hashes chan struct{}

	dummyOnce sync.Once
	dummy     string // a hash to check against when the user does not exist
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock for session and token expiry and for the
// sign-in limits. By default the service reads the store's clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithSessionLifetime sets how long a session may stay unused (idle) and
// how long it may last at all (absolute); zero keeps the default.
func WithSessionLifetime(idle, absolute time.Duration) Option {
	return func(s *Service) {
		if idle > 0 {
			s.idle = idle
		}
		if absolute > 0 {
			s.absolute = absolute
		}
	}
}

// withHashParams sets the argon2id parameters; tests use cheap ones.
func withHashParams(p hashParams) Option { return func(s *Service) { s.params = p } }

// New returns a Service on db and registers its projections with db. It
// must be called once per DB: a second call panics.
func New(db *store.DB, opts ...Option) *Service {
	s := &Service{
		db:       db,
		now:      db.Now,
		limits:   DefaultLimits,
		idle:     DefaultIdleTimeout,
		absolute: DefaultAbsoluteTimeout,
		params:   defaultParams,
		hashes:   make(chan struct{}, max(1, min(4, runtime.GOMAXPROCS(0)))),
	}
	for _, o := range opts {
		o(s)
	}
	s.limiter = newLimiter(db, s.limits)
	for _, p := range projections() {
		db.Register(p)
	}
	registerChecks(db)
	return s
}

// clock returns the service's time, in UTC to the microsecond like the
// change log's.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("account: %s: %w", op, err)
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return t, fmt.Errorf("bad stored time %q", s)
	}
	return t, nil
}
