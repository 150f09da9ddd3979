package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Caches of records (the geography's layers, the pages' names, fusion's
// index of incidents) must not serve a record older than a change another
// process has acknowledged: several servers share one PostgreSQL database,
// and a CLI command may write beside a server. The change log says what
// changed: Version is a cheap check of it that a cache makes on every
// read, and ChangesSince lists what changed for a cache that follows the
// log instead of reloading. Committed changes become visible in seq order
// (appends hold the log's lock until they commit), so a log of n changes
// read once holds every change below n.

// logWatch follows the log for Version.
type logWatch struct {
	mu    sync.Mutex
	began bool
	base  int64            // the log's size when the watch began: no entity's version is lower
	seen  int64            // changes below seen have been looked at
	last  map[string]int64 // entity -> seq+1 of its latest change looked at
}

// maxWatchScan bounds the changes Version reads one by one; past it every
// entity counts as changed.
const maxWatchScan = 10_000

// Version returns a number that changes (it only grows) once a change to
// a record of one of entities has committed, in this process or any other
// on the database. A cache reads it before it loads and loads again when
// it reads another number. It costs one indexed read of the log's size,
// and a read of the kinds of the changes committed since the last call.
func (db *DB) Version(ctx context.Context, entities ...string) (int64, error) {
	n, err := db.logSize(ctx)
	if err != nil {
		return 0, err
	}
	w := &db.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case !w.began:
		w.began, w.base, w.seen, w.last = true, n, n, map[string]int64{}
	case n-w.seen > maxWatchScan:
		w.base, w.seen, w.last = n, n, map[string]int64{}
	case n > w.seen:
		rows, err := db.Query(ctx, `SELECT seq, entity FROM changes WHERE seq >= ? AND seq < ?`, w.seen, n)
		if err != nil {
			return 0, fmt.Errorf("changes since %d: %w", w.seen, err)
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			var entity string
			if err := rows.Scan(&seq, &entity); err != nil {
				return 0, err
			}
			w.last[entity] = max(w.last[entity], seq+1)
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
		w.seen = n
	}
	v := w.base
	for _, e := range entities {
		v = max(v, w.last[e])
	}
	return v, nil
}

// ChangeRef names one committed change.
type ChangeRef struct {
	Seq     int64
	Entity  string
	ID      string
	Version int64
}

// ChangesSince lists the committed changes to records of entities from
// log position from (a seq) on, oldest first, at most limit of them, and
// the position to ask from next time. A follower starts from LogSize,
// read before it loads.
func (db *DB) ChangesSince(ctx context.Context, from int64, limit int, entities ...string) ([]ChangeRef, int64, error) {
	n, err := db.logSize(ctx)
	if err != nil {
		return nil, from, err
	}
	if n <= from || len(entities) == 0 {
		return nil, max(from, n), nil
	}
	n = min(n, from+int64(limit))
	args := []any{from, n}
	for _, e := range entities {
		args = append(args, e)
	}
	rows, err := db.Query(ctx, `SELECT seq, entity, id, version FROM changes WHERE seq >= ? AND seq < ? AND entity IN (?`+strings.Repeat(", ?", len(entities)-1)+`) ORDER BY seq`, args...)
	if err != nil {
		return nil, from, fmt.Errorf("changes since %d: %w", from, err)
	}
	defer rows.Close()
	var out []ChangeRef
	for rows.Next() {
		var c ChangeRef
		if err := rows.Scan(&c.Seq, &c.Entity, &c.ID, &c.Version); err != nil {
			return nil, from, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, from, err
	}
	return out, n, nil
}

// LogSize returns the number of changes committed to the log, by any
// process on the database.
func (db *DB) LogSize(ctx context.Context) (int64, error) { return db.logSize(ctx) }
