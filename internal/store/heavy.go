package store

import (
	"context"
	"sync"
	"time"
)

// Heavy reads — a recount, a map's grid cells, a list's first total — can
// each hold a read connection for a long time. Were they let in as they
// come, a burst of them would take every read connection of the pool and
// a record page that needs one small read would wait behind them all. So
// at most HeavyLimit heavy reads run at once; the others wait their turn,
// first come first served, for as long as their callers wait, and none is
// refused. A cheap read never waits here.

// HeavyLimit is how many heavy reads run at once: half the read pool of
// SQLite (4 connections), leaving the rest to cheap reads.
const HeavyLimit = 2

// admission is the queue of heavy reads.
type admission struct {
	once  sync.Once
	slots chan struct{}
	stats struct {
		sync.Mutex
		ran, waited int64
		waitedFor   time.Duration
	}
}

func (a *admission) init() { a.once.Do(func() { a.slots = make(chan struct{}, HeavyLimit) }) }

// Heavy runs fn, a heavy read, once fewer than HeavyLimit heavy reads are
// running; it waits for a slot until ctx is done (then it returns ctx's
// error and fn does not run). A Heavy read inside another Heavy read (same
// ctx) takes no second slot, so that a heavy read made of heavy parts
// cannot wait on itself.
func (db *DB) Heavy(ctx context.Context, fn func(context.Context) error) error {
	if ctx.Value(heavyKey{}) != nil {
		return fn(ctx)
	}
	a := &db.heavy
	a.init()
	t0 := time.Now()
	waited := false
	select {
	case a.slots <- struct{}{}:
	default:
		waited = true
		select {
		case a.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-a.slots }()
	a.stats.Lock()
	a.stats.ran++
	if waited {
		a.stats.waited++
		a.stats.waitedFor += time.Since(t0)
	}
	a.stats.Unlock()
	return fn(context.WithValue(ctx, heavyKey{}, true))
}

type heavyKey struct{}

// HeavyStats are how many heavy reads ran, how many of them waited for a
// slot and how long they waited in all.
func (db *DB) HeavyStats() (ran, waited int64, waitedFor time.Duration) {
	a := &db.heavy
	a.stats.Lock()
	defer a.stats.Unlock()
	return a.stats.ran, a.stats.waited, a.stats.waitedFor
}
