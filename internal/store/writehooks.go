package store

import (
	"sync"
	"time"
)

// writeHooks are told of each Write that appended changes to the log.
type writeHooks struct {
	mu sync.Mutex
	fs []func(took time.Duration, changes int)
}

// OnWrite registers f to be called after each Write that appended
// changes, once they are durable, with how long the Write took (its wait
// for a group commit included: the append latency a caller sees) and how
// many changes it appended. f runs in the writer's goroutine and must not
// block (the server's metrics observe a histogram).
func (db *DB) OnWrite(f func(took time.Duration, changes int)) {
	db.writeHooks.mu.Lock()
	defer db.writeHooks.mu.Unlock()
	db.writeHooks.fs = append(db.writeHooks.fs, f)
}

func (h *writeHooks) wrote(took time.Duration, changes int) {
	h.mu.Lock()
	fs := h.fs
	h.mu.Unlock()
	for _, f := range fs {
		f(took, changes)
	}
}
