package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// Group commit. A durable commit costs an fsync (SQLite's WAL with
// synchronous=full, PostgreSQL's WAL flush); one a change would cap
// single-change writes at the disk's fsyncs a second. So while one
// transaction commits, the callers that arrive queue, and the first of
// them, the leader, runs every queued fn (up to maxBatch) in one database
// transaction, each inside a savepoint of its own, and commits once. A fn
// that fails rolls back to its savepoint, with the transaction's tree
// state as it was before it, and gets its own error; the others commit.
// Each caller hears of its changes only once the commit is durable. The
// leader takes no time to wait for a batch to fill: only callers already
// waiting join it.

// maxBatch bounds the fns that share one transaction.
const maxBatch = 256

// writeReq is one call of Write.
type writeReq struct {
	ctx      context.Context
	fn       func(tx *Tx) error
	recorded []Recorded
	err      error
	panicked any  // what fn panicked with, re-raised in the caller
	leading  bool // the caller runs the next batch; guarded by writeQueue.mu
	turn     chan struct{}
	done     chan struct{}
}

// writeQueue holds the callers waiting for a batch.
type writeQueue struct {
	mu      sync.Mutex
	waiting []*writeReq // the leader, if any, first
	led     bool        // a leader is running a batch or about to
	commits atomic.Int64
	writes  atomic.Int64
}

// WriteStats counts the database transactions Write has committed and the
// calls of Write they served (group commit makes the second larger).
func (db *DB) WriteStats() (commits, writes int64) {
	return db.queue.commits.Load(), db.queue.writes.Load()
}

// writeGrouped runs fn in a write transaction and commits it if fn returns nil;
// if fn fails, nothing it did is kept and Write returns its error. Writes
// are serialised: fn sees the database with every earlier write, and
// reads its own. The returned slice lists the changes committed, once
// they are durable. Concurrent calls may share one database transaction
// and its commit, each fn in a savepoint of its own.
func (db *DB) writeGrouped(ctx context.Context, fn func(tx *Tx) error) ([]Recorded, error) {
	if db.readOnly {
		return nil, fmt.Errorf("store: opened for audit: no writes")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &writeReq{ctx: ctx, fn: fn, turn: make(chan struct{}), done: make(chan struct{})}
	q := &db.queue
	q.mu.Lock()
	q.waiting = append(q.waiting, r)
	if !q.led {
		q.led, r.leading = true, true
		close(r.turn)
	}
	q.mu.Unlock()
	select {
	case <-r.turn:
	case <-r.done:
	case <-ctx.Done():
		q.mu.Lock()
		if !r.leading {
			// Not yet taken into a batch: leave the queue.
			for i, w := range q.waiting {
				if w == r {
					q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
					break
				}
			}
			q.mu.Unlock()
			return nil, ctx.Err()
		}
		q.mu.Unlock()
		// In a batch, or about to lead one: its outcome is the answer.
		select {
		case <-r.turn:
		case <-r.done:
		}
	}
	select {
	case <-r.done:
	default:
		db.lead()
		<-r.done
	}
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.recorded, r.err
}

// lead runs one batch from the head of the queue (the leader's own call
// is its first) and hands the lead to the next waiting caller.
func (db *DB) lead() {
	q := &db.queue
	var batch []*writeReq
	take := func() []*writeReq {
		q.mu.Lock()
		defer q.mu.Unlock()
		batch = append(batch, q.waiting[:min(len(q.waiting), maxBatch)]...)
		q.waiting = q.waiting[len(batch):]
		for _, r := range batch {
			r.leading = true // out of the queue: no longer cancellable
		}
		return batch
	}
	defer func() {
		p := recover()
		if batch == nil {
			take()
		}
		q.writes.Add(int64(len(batch)))
		for _, r := range batch {
			if p != nil && r.err == nil && r.recorded == nil && r.panicked == nil {
				r.err = fmt.Errorf("store: the write batch failed: %v", p)
			}
			close(r.done)
		}
		q.mu.Lock()
		if len(q.waiting) > 0 {
			next := q.waiting[0]
			next.leading = true
			close(next.turn)
		} else {
			q.led = false
		}
		q.mu.Unlock()
		if p != nil {
			panic(p)
		}
	}()
	db.runBatch(take)
}

// runBatch opens the write transaction, takes the batch, runs its fns and
// commits. Each request's outcome is left in it.
func (db *DB) runBatch(take func() []*writeReq) {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	// The transaction and the lock are taken before the batch, so that
	// callers arriving while another process holds the log join it.
	var batch []*writeReq
	fail := func(err error) {
		if batch == nil {
			batch = take()
		}
		for _, r := range batch {
			r.recorded, r.err = nil, err
		}
	}
	ctx := context.WithoutCancel(db.queue.head().ctx)
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	defer sqltx.Rollback() // after a commit, or a panic: nothing to do, or all to undo
	st := &sharedTx{tx: sqltx, ctx: ctx, stmts: map[string]*sql.Stmt{}}
	defer func() {
		for _, s := range st.stmts {
			s.Close()
		}
		db.keepStatements(ctx, st.fresh)
	}()
	if err := db.lockLog(ctx, sqltx); err != nil {
		sqltx.Rollback()
		fail(err)
		return
	}
	batch = take()
	base := &Tx{
		db:       db,
		shared:   st,
		size:     db.tree.size,
		frontier: db.tree.frontier,
		tail:     db.tree.tail,
	}
	savepoints := len(batch) > 1
	kept := 0
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if savepoints {
			if _, err := st.exec(db, `SAVEPOINT write_fn`); err != nil {
				sqltx.Rollback()
				fail(fmt.Errorf("savepoint: %w", err))
				return
			}
		}
		tx := base.fork(r.ctx)
		err := callFn(r, tx)
		if err == nil {
			if savepoints {
				if _, err := st.exec(db, `RELEASE SAVEPOINT write_fn`); err != nil {
					sqltx.Rollback()
					fail(fmt.Errorf("release savepoint: %w", err))
					return
				}
			}
			base.adopt(tx)
			r.recorded = tx.recorded
			kept++
			continue
		}
		r.err = err
		if !savepoints {
			sqltx.Rollback()
			return
		}
		// The fn's writes go; the transaction's tree state is base's,
		// which fork copied.
		if err := st.rollbackTo(db); err != nil {
			sqltx.Rollback()
			fail(fmt.Errorf("roll back to savepoint: %w", err))
			return
		}
	}
	if kept == 0 || len(base.recorded) == 0 && !base.side {
		// Nothing to keep, or side tables alone untouched: nothing to
		// commit. (Side tables alone — a session's last-seen time, an
		// expired session deleted — commit without touching the log.)
		sqltx.Rollback()
		return
	}
	if len(base.recorded) == 0 {
		if err := sqltx.Commit(); err != nil {
			fail(fmt.Errorf("commit: %w", err))
		}
		db.queue.commits.Add(1)
		return
	}
	if err := base.flushHashes(); err != nil {
		sqltx.Rollback()
		fail(err)
		return
	}
	root, err := tlog.TreeHash(base.size, base)
	if err != nil {
		sqltx.Rollback()
		fail(fmt.Errorf("tree hash: %w", err))
		return
	}
	if err := sqltx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
		return
	}
	db.queue.commits.Add(1)
	db.tree.size, db.tree.frontier, db.tree.root, db.tree.tail = base.size, base.frontier, root, base.tail
	db.sawSize(base.size)
	db.cp.poke()
}

// exec runs a statement that takes no arguments, prepared once.
func (st *sharedTx) exec(db *DB, q string) (sql.Result, error) {
	s, err := st.stmt(db, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(st.ctx)
}

// rollbackTo undoes a failed fn's writes and ends its savepoint.
func (st *sharedTx) rollbackTo(db *DB) error {
	if _, err := st.exec(db, `ROLLBACK TO SAVEPOINT write_fn`); err != nil {
		return err
	}
	_, err := st.exec(db, `RELEASE SAVEPOINT write_fn`)
	return err
}

// head returns the first waiting request (the leader's).
func (q *writeQueue) head() *writeReq {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.waiting[0]
}

// lockLog takes the log for this transaction and brings the writer's tree
// up to date: another process (a CLI command beside the server, a second
// server) may have appended since this one last wrote.
func (db *DB) lockLog(ctx context.Context, sqltx *sql.Tx) error {
	// On PostgreSQL, appends of every process take one lock (SQLite's
	// immediate transaction already holds the database's write lock).
	if db.dialect.Name == Postgres.Name {
		if _, err := sqltx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+strconv.Itoa(logLock)+`)`); err != nil {
			return fmt.Errorf("lock the log: %w", err)
		}
	}
	var maxSeq sql.NullInt64
	if err := sqltx.QueryRowContext(ctx, `SELECT MAX(seq) FROM changes`).Scan(&maxSeq); err != nil {
		return fmt.Errorf("log size: %w", err)
	}
	size := int64(0)
	if maxSeq.Valid {
		size = maxSeq.Int64 + 1
	}
	if size != db.tree.size {
		t, err := readTree(ctx, dbHashReader{db: sqltx, ctx: ctx, d: db.dialect}, size)
		if err != nil {
			return err
		}
		db.tree = t
		db.sawSize(size)
	}
	return nil
}

// callFn runs the request's fn, turning a panic into a failure of this fn
// alone; Write raises it again in the caller.
func callFn(r *writeReq, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked = p
			err = fmt.Errorf("store: write panicked: %v", p)
		}
	}()
	return r.fn(tx)
}

// fork returns a Tx for one fn that starts from base's state. It copies
// what the fn's appends change in place (the frontier, the pending
// hashes), so that base is still the state to go back to if the fn fails.
func (base *Tx) fork(ctx context.Context) *Tx {
	tx := &Tx{
		ctx:         ctx,
		db:          base.db,
		shared:      base.shared,
		size:        base.size,
		frontier:    maps.Clone(base.frontier),
		at:          base.db.now().UTC().Truncate(time.Microsecond),
		pendingFrom: base.pendingFrom,
		pending:     append([]byte(nil), base.pending...),
		tail:        base.tail,
	}
	if tx.frontier == nil {
		tx.frontier = map[int64]tlog.Hash{}
	}
	tx.atText = tx.at.Format(ledger.TimeLayout)
	return tx
}

// adopt makes a fn's committed state base's.
func (base *Tx) adopt(tx *Tx) {
	base.size, base.frontier, base.tail = tx.size, tx.frontier, tx.tail
	base.pendingFrom, base.pending = tx.pendingFrom, tx.pending
	base.recorded = append(base.recorded, tx.recorded...)
	base.side = base.side || tx.side
}
