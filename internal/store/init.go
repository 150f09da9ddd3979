package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// initQuerier is the database, or on PostgreSQL the one session that holds
// logLock while a process initialises.
type initQuerier interface {
	migrator
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// initialise migrates the database, chooses the log's origin on first use,
// loads (or creates) the keys and checks that they are the log's. On
// PostgreSQL it all happens holding logLock in one session, so that of two
// servers started at once on a new database one initialises it and the
// other then finds it initialised: one origin, one key.
func (db *DB) initialise(ctx context.Context) error {
	if db.dialect.Name != Postgres.Name {
		return db.initialiseOn(ctx, db.write)
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("PostgreSQL at %s: %w", db.where, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+strconv.Itoa(logLock)+`)`); err != nil {
		return fmt.Errorf("lock the log to initialise it: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+strconv.Itoa(logLock)+`)`)
	return db.initialiseOn(ctx, conn)
}

func (db *DB) initialiseOn(ctx context.Context, q initQuerier) error {
	if err := migrateOn(ctx, q, db.dialect, nil, db.extraMigrations); err != nil {
		return err
	}
	origin, existed, err := db.initOrigin(ctx, q)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(db.dir, ledger.SignerKeyFile)); existed && db.dialect.Name == Postgres.Name && errors.Is(err, os.ErrNotExist) {
		// A new key for an existing log would sign checkpoints that no
		// auditor holding the old one accepts.
		return fmt.Errorf("the database at %s holds log %q but %s has no log key (%s): give --data the directory the log was started with, or copy its key files", db.where, origin, db.dir, ledger.SignerKeyFile)
	}
	if db.keys, err = ledger.LoadOrCreateKeys(db.dir, origin, db.rand); err != nil {
		return err
	}
	if db.keys.Origin != origin {
		return fmt.Errorf("log key is for origin %q but the database is %q", db.keys.Origin, origin)
	}
	if err := db.loadSigningSecret(); err != nil {
		return err
	}
	return db.checkKey(ctx, q)
}

// initOrigin returns the log origin, choosing one on first use, and
// whether the database had one.
func (db *DB) initOrigin(ctx context.Context, q initQuerier) (string, bool, error) {
	var origin string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'origin'`).Scan(&origin)
	if err == nil {
		return origin, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", false, err
	}
	origin = db.origin
	if origin == "" {
		b := make([]byte, 6)
		if _, err := io.ReadFull(db.rand, b); err != nil {
			return "", false, err
		}
		origin = fmt.Sprintf("truce.local/log/%x", b)
	}
	if _, err := q.ExecContext(ctx, db.dialect.Rebind(`INSERT INTO meta (key, value) VALUES ('origin', ?)`), origin); err != nil {
		return "", false, err
	}
	return origin, false, nil
}

// metaLogKey is the meta entry that holds the public key of the log's
// signer, recorded by the first process that opens the log.
const metaLogKey = "log_key"

// checkKey refuses a signing key that is not the log's: a second server
// started with another key on the same database would otherwise publish
// checkpoints no auditor accepts. The log's public key is recorded in the
// database when the log is initialised (a log from before it was recorded
// has it recorded once its latest checkpoint proves the key signed it), so
// that an empty log, or one whose first server has not yet signed, refuses
// a second key too.
func (db *DB) checkKey(ctx context.Context, q initQuerier) error {
	var recorded string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = '`+metaLogKey+`'`).Scan(&recorded)
	switch {
	case err == nil:
		if recorded != db.keys.Public {
			return fmt.Errorf("the log in %s is signed by the key %s, but %s holds the key %s: it is not this log's key; give --data a copy of the log's key files", db.where, recorded, db.dir, db.keys.Public)
		}
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("the log's key: %w", err)
	}
	var note string
	err = q.QueryRowContext(ctx, `SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&note)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("latest checkpoint: %w", err)
	}
	if err == nil {
		if _, _, err := ledger.OpenCheckpoint([]byte(note), db.keys.Origin, db.keys.Verifier); err != nil {
			return fmt.Errorf("the log key in %s did not sign the latest checkpoint in %s (%v): it is not this log's key", db.dir, db.where, err)
		}
	}
	if _, err := q.ExecContext(ctx, db.dialect.Rebind(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`), metaLogKey, db.keys.Public); err != nil {
		return fmt.Errorf("record the log's key: %w", err)
	}
	// On SQLite two processes could race here; the one that lost finds
	// the winner's key.
	if err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = '`+metaLogKey+`'`).Scan(&recorded); err != nil {
		return fmt.Errorf("the log's key: %w", err)
	}
	if recorded != db.keys.Public {
		return fmt.Errorf("the log in %s is signed by the key %s, but %s holds the key %s: it is not this log's key", db.where, recorded, db.dir, db.keys.Public)
	}
	return nil
}
