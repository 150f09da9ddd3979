package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress is the one progress line of the long commands: redrawn on
// standard error while it is a terminal (and not --quiet), at most five
// times a second; nothing at all when standard error is a pipe or a file,
// so that scripts and logs get only the result.
type progress struct {
	mu    sync.Mutex
	w     io.Writer // nil: quiet
	last  time.Time
	drawn bool
}

// newProgress returns the progress line of a command run by e.
func newProgress(e *env, quiet bool) *progress {
	p := &progress{}
	if !quiet && isTerminal(e.stderr) {
		p.w = e.stderr
	}
	return p
}

// on reports whether progress is shown.
func (p *progress) on() bool { return p.w != nil }

// stage shows how far a stage is; total 0 when it is not known. Its
// signature is store.Progress's and bench.Progress's.
func (p *progress) stage(stage string, done, total int64) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 200*time.Millisecond && (total == 0 || done != total) {
		return
	}
	p.last = time.Now()
	p.drawn = true
	if total > 0 {
		fmt.Fprintf(p.w, "\r\033[K%s: %d/%d", stage, done, total)
	} else {
		fmt.Fprintf(p.w, "\r\033[K%s: %d", stage, done)
	}
}

// count is a progress function for a count of things (rows, records).
func (p *progress) count(stage string) func(int) {
	if p.w == nil {
		return nil
	}
	return func(n int) { p.stage(stage, int64(n), 0) }
}

// watch shows read() under stage every 200 ms until the returned function
// is called (for work that reports no progress of its own, such as the
// demo's loader: read is how far it is).
func (p *progress) watch(ctx context.Context, stage string, read func() int64) (stop func()) {
	if p.w == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			p.stage(stage, read(), 0)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// done clears the line, before the result is printed.
func (p *progress) done() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// countingWriter counts the lines written through it, for progress.
type countingWriter struct {
	w     io.Writer
	lines atomic.Int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.lines.Add(int64(bytes.Count(b[:n], []byte{'\n'})))
	return n, err
}

func (c *countingWriter) count() int64 { return c.lines.Load() }

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) count() int64 { return c.n.Load() }

// elapsedSeconds counts the seconds since it was called, for watch over
// work that cannot say how far it is.
func elapsedSeconds() func() int64 {
	start := time.Now()
	return func() int64 { return int64(time.Since(start).Seconds()) }
}
