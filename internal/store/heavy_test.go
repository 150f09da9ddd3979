package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestHeavyReadsWaitTheirTurn: at most HeavyLimit heavy reads run at once;
// the next waits (it is not refused) and runs when one ends; a cheap read
// is served meanwhile; a waiting caller that gives up gets its context's
// error and its read never runs; a heavy read inside a heavy read takes no
// second slot.
func TestHeavyReadsWaitTheirTurn(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	ctx := context.Background()
	release := make(chan struct{})
	running := make(chan struct{}, HeavyLimit)
	var wg sync.WaitGroup
	for range HeavyLimit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Heavy(ctx, func(ctx context.Context) error {
				// Nested: no second slot, so this does not wait on itself.
				return db.Heavy(ctx, func(ctx context.Context) error {
					running <- struct{}{}
					<-release
					return nil
				})
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	for range HeavyLimit {
		<-running
	}
	queued := make(chan error, 1)
	ran := make(chan struct{})
	go func() {
		queued <- db.Heavy(ctx, func(ctx context.Context) error { close(ran); return nil })
	}()
	// A cheap read does not wait for a slot.
	var n int
	if err := db.QueryRow(ctx, `SELECT 1`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("cheap read: %d, %v", n, err)
	}
	gaveUp, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err := db.Heavy(gaveUp, func(context.Context) error {
		t.Error("a caller that gave up still ran")
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("gave up: %v", err)
	}
	select {
	case <-ran:
		t.Fatal("a third heavy read ran beside two")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	if err := <-queued; err != nil {
		t.Fatal(err)
	}
	<-ran
	total, waited, _ := db.HeavyStats()
	if total != HeavyLimit+1 || waited != 1 {
		t.Fatalf("stats: %d ran, %d waited; want %d and 1", total, waited, HeavyLimit+1)
	}
}
