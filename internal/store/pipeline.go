package store

import (
	"context"
	"runtime"
)

// inOrder runs produce in one goroutine, which hands batches to emit; work
// runs on every core, one batch at a time; consume receives the batches in
// the order they were produced. It returns the first error of produce or
// consume. Verify uses it to decode and hash on both cores while the tree
// and the merge advance in log order.
func inOrder[T any](ctx context.Context, produce func(ctx context.Context, emit func([]T) bool) error, work func([]T), consume func([]T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		items []T
		done  chan struct{}
	}
	jobs := make(chan *job, 8)
	ordered := make(chan *job, 32)
	errc := make(chan error, 1)
	go func() {
		defer close(jobs)
		defer close(ordered)
		emit := func(items []T) bool {
			j := &job{items: items, done: make(chan struct{})}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return false
			}
			select {
			case ordered <- j:
			case <-ctx.Done():
				return false
			}
			return true
		}
		if err := produce(ctx, emit); err != nil {
			errc <- err
		}
	}()
	for range max(runtime.GOMAXPROCS(0), 1) {
		go func() {
			for j := range jobs {
				work(j.items)
				close(j.done)
			}
		}()
	}
	for j := range ordered {
		<-j.done
		if err := consume(j.items); err != nil {
			return err
		}
	}
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}
