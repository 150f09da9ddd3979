package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// On PostgreSQL several processes (servers on several machines, a CLI
// command beside them) share one log. Exactly one of them signs
// checkpoints at a time: the one whose session holds the advisory lock
// signLock. The others try for the lock every pollInterval and take over
// when the holder's session ends (the process died, or its connection was
// lost: PostgreSQL releases a session's locks when it ends). The signer
// checkpoints the database's committed tree, read from the stored hashes,
// not its own writes: every process's appends get checkpoints.

// signLock is the key of the session advisory lock held by the checkpoint
// signer; distinct from logLock, which appends take per transaction.
const signLock = logLock + 1

// pollInterval is how often the signer looks for growth of the log made by
// other processes, and how often the others try for the signer's lock.
const pollInterval = 250 * time.Millisecond

// signChannel is where a process that needs a checkpoint now (an explicit
// Checkpoint) asks the signer for one.
const signChannel = "truce_checkpoint"

// pgSigner is this process's claim on the signer lock.
type pgSigner struct {
	mu     sync.Mutex
	pool   *sql.DB   // one connection at most, none kept idle: closing conn ends its session
	conn   *sql.Conn // the session that holds, or tries for, signLock; nil when none
	holder bool      // conn's session holds signLock
	failed bool      // the last try failed (logged once, not every poll)
	signed time.Time // when this process last stored a checkpoint
}

// openSigner makes the signer's one-connection pool.
func (db *DB) openSigner() {
	s := &db.cp.pg
	s.pool = stdlib.OpenDB(*named(db.pgcfg, "truce signer"))
	s.pool.SetMaxOpenConns(1)
	s.pool.SetMaxIdleConns(0)
}

// drop ends the signer's session (and with it the lock, if held); the
// caller holds s.mu.
func (s *pgSigner) drop() {
	if s.conn != nil {
		s.conn.Close()
	}
	s.conn, s.holder = nil, false
}

// IsSigner reports whether this process signs the log's checkpoints now:
// always on SQLite, on PostgreSQL when it holds the signer lock.
func (db *DB) IsSigner() bool {
	if db.dialect.Name != Postgres.Name {
		return !db.readOnly
	}
	s := &db.cp.pg
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holder
}

// trySign takes the signer lock if it is free and, holding it, signs a
// checkpoint of the committed tree unless one covers it already. It
// reports whether this process holds the lock.
func (db *DB) trySign(ctx context.Context) (bool, error) {
	s := &db.cp.pg
	s.mu.Lock()
	defer s.mu.Unlock()
	held, err := db.trySignLocked(ctx)
	if err != nil {
		if !s.failed {
			db.log.Warn("checkpoint signer", "err", err)
		}
		s.failed = true
		return false, err
	}
	if s.failed {
		db.log.Info("checkpoint signer: the database answers again")
	}
	s.failed = false
	return held, nil
}

func (db *DB) trySignLocked(ctx context.Context) (bool, error) {
	s := &db.cp.pg
	if s.conn == nil {
		c, err := s.pool.Conn(ctx)
		if err != nil {
			return false, fmt.Errorf("connect: %w", err)
		}
		s.conn = c
	}
	if !s.holder {
		var got bool
		if err := s.conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+strconv.Itoa(signLock)+`)`).Scan(&got); err != nil {
			s.drop()
			return false, fmt.Errorf("try the signer lock: %w", err)
		}
		if !got {
			return false, nil
		}
		if _, err := s.conn.ExecContext(ctx, `LISTEN `+signChannel); err != nil {
			s.drop()
			return false, fmt.Errorf("listen for checkpoint requests: %w", err)
		}
		s.holder = true
		db.log.Info("this process signs the log's checkpoints now")
	}
	if err := db.signCommitted(ctx, s.conn); err != nil {
		// Whatever failed, the session may be gone with the lock: start
		// again from a new one.
		s.drop()
		return false, err
	}
	return true, nil
}

// release gives the signer lock up (ending its session).
func (db *DB) releaseSigner() {
	s := &db.cp.pg
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil && s.holder {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+strconv.Itoa(signLock)+`)`)
		cancel()
	}
	s.drop()
	s.pool.Close()
}

// connQuerier runs queries on one connection (the signer's session).
type connQuerier interface {
	querier
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// signCommitted signs a checkpoint of the tree the database holds
// committed, unless one of that size exists. Stored hashes of a committed
// size never change and are committed with the change that completes
// them, so the size and the root read in two statements agree.
func (db *DB) signCommitted(ctx context.Context, q connQuerier) error {
	var maxSeq sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(seq) FROM changes`).Scan(&maxSeq); err != nil {
		return fmt.Errorf("log size: %w", err)
	}
	size := int64(0)
	if maxSeq.Valid {
		size = maxSeq.Int64 + 1
	}
	var have bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM checkpoints WHERE size = $1)`, size).Scan(&have); err != nil {
		return fmt.Errorf("checkpoint at %d: %w", size, err)
	}
	if have {
		return nil
	}
	root := tlog.Hash(sha256.Sum256(nil))
	if size > 0 {
		var err error
		if root, err = tlog.TreeHash(size, dbHashReader{db: q, ctx: ctx, d: db.dialect}); err != nil {
			return fmt.Errorf("tree hash at %d: %w", size, err)
		}
	}
	signed, err := db.keys.SignCheckpoint(size, root)
	if err != nil {
		return fmt.Errorf("sign checkpoint: %w", err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO checkpoints (size, at, note) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING`,
		size, db.now().UTC().Format(ledger.TimeLayout), string(signed)); err != nil {
		return fmt.Errorf("store checkpoint: %w", err)
	}
	db.cp.pg.signed = time.Now()
	// Whoever submits checkpoints to witnesses follows the signer.
	db.hooks.signed(size)
	return nil
}

// checkpointPostgres signs a checkpoint of the committed tree if this
// process is, or can become, the signer; otherwise it waits for the
// signer to cover the log as committed now.
func (db *DB) checkpointPostgres(ctx context.Context) error {
	held, err := db.trySign(ctx)
	if err != nil || held {
		return err
	}
	size, err := db.logSize(ctx)
	if err != nil {
		return err
	}
	if _, err := db.read.ExecContext(ctx, `SELECT pg_notify('`+signChannel+`', '')`); err != nil {
		return fmt.Errorf("ask the signer for a checkpoint: %w", err)
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		var covered bool
		if err := db.QueryRow(wait, `SELECT EXISTS (SELECT 1 FROM checkpoints WHERE size >= ?)`, size).Scan(&covered); err != nil {
			if errors.Is(wait.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
				return fmt.Errorf("no checkpoint of size %d or more was signed in 10 s: is the signing server stuck?", size)
			}
			return err
		}
		if covered {
			return nil
		}
		// The holder may have died since: take over if the lock is free.
		if held, err := db.trySign(wait); err != nil || held {
			return err
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-wait.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("no checkpoint of size %d or more was signed in 10 s: is the signing server stuck?", size)
		}
	}
}

// waitRequest waits up to d for another process to ask for a checkpoint
// (signChannel), when this process is the signer; it reports whether one
// did.
func (db *DB) waitRequest(stop <-chan struct{}, d time.Duration) bool {
	s := &db.cp.pg
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.holder {
		return false
	}
	asked := false
	err := s.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the signer's connection is a %T", dc)
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		_, err := c.Conn().WaitForNotification(ctx)
		if err == nil {
			asked = true
			return nil
		}
		if ctx.Err() != nil {
			return nil // no request in d
		}
		return err
	})
	if err != nil {
		db.log.Warn("checkpoint signer: wait for requests", "err", err)
		s.drop()
	}
	return asked
}

// runPostgresSigner is the checkpointer's loop on PostgreSQL: try for the
// lock, and while holding it sign after each burst of writes (this
// process's, which poke it, or another's, seen by polling), at most one
// checkpoint a second unless another process asks for one.
func (c *checkpointer) runPostgresSigner(db *DB) {
	sign := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		db.trySign(ctx)
	}
	defer db.releaseSigner()
	for {
		if db.IsSigner() {
			// Sign at most once a second unless asked, then as soon as
			// the log grew.
			if !db.waitRequest(c.done, pollInterval) {
				db.cp.pg.mu.Lock()
				last := db.cp.pg.signed
				db.cp.pg.mu.Unlock()
				if wait := time.Second - time.Since(last); wait > 0 {
					db.waitRequest(c.done, wait)
				}
			}
		} else {
			select {
			case <-c.wake:
			case <-time.After(pollInterval):
			case <-c.done:
			}
		}
		select {
		case <-c.done:
			sign()
			return
		default:
		}
		sign()
	}
}
