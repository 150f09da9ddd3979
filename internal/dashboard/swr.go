package dashboard

import (
	"context"
	"sync"
	"time"
)

// swr is a cache of values computed per key and tagged with the log's
// version (store.DB.Version) when computed. A value of the current
// version is served as is; one of an older version is served too while it
// is younger than fresh, and past that one request starts a refresh in the
// background and every request meanwhile gets the older value: under a
// steady stream of writes each key is recounted at most once per fresh
// interval instead of once per request, and a reader waits for a count
// only when nothing was counted for the key yet. A value is therefore at
// most fresh plus one recount behind the log; it carries the time it was
// counted so that a page can say so.
type swr[T any] struct {
	mu    sync.Mutex
	fresh time.Duration
	max   int
	now   func() time.Time
	slots map[string]*slot[T]
}

type slot[T any] struct {
	ready      chan struct{} // closed once the first value (or error) is in
	version    int64
	at         time.Time
	val        T
	err        error
	refreshing bool
}

func newSWR[T any](fresh time.Duration, max int, now func() time.Time) *swr[T] {
	return &swr[T]{fresh: fresh, max: max, now: now, slots: map[string]*slot[T]{}}
}

// get returns the value for key at version, computing it when needed.
func (c *swr[T]) get(ctx context.Context, key string, version int64, compute func(context.Context) (T, error)) (T, error) {
	for {
		c.mu.Lock()
		s := c.slots[key]
		if s == nil {
			if len(c.slots) >= c.max {
				c.slots = map[string]*slot[T]{}
			}
			s = &slot[T]{ready: make(chan struct{}), version: version}
			c.slots[key] = s
			c.mu.Unlock()
			val, err := compute(context.WithoutCancel(ctx))
			c.mu.Lock()
			s.val, s.err, s.at = val, err, c.now()
			if err != nil && c.slots[key] == s {
				delete(c.slots, key)
			}
			c.mu.Unlock()
			close(s.ready)
			return val, err
		}
		c.mu.Unlock()
		select {
		case <-s.ready:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		c.mu.Lock()
		if s.err != nil {
			// The first count failed: that slot is gone, count again.
			c.mu.Unlock()
			if err := ctx.Err(); err != nil {
				var zero T
				return zero, err
			}
			continue
		}
		val := s.val
		if s.version < version && c.now().Sub(s.at) >= c.fresh && !s.refreshing {
			s.refreshing = true
			go c.refresh(context.WithoutCancel(ctx), s, version, compute)
		}
		c.mu.Unlock()
		return val, nil
	}
}

func (c *swr[T]) refresh(ctx context.Context, s *slot[T], version int64, compute func(context.Context) (T, error)) {
	val, err := compute(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	s.refreshing = false
	if err == nil {
		s.val, s.version, s.at = val, version, c.now()
	}
}
