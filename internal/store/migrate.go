package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// migrate applies the dialect's embedded migrations in name order, each in
// its own transaction, recording its SHA-256. A migration that was applied
// with different content stops start-up: history is not rewritten.
func migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	return migrateSome(ctx, db, d, nil)
}

// migrateSome is migrate applying only the migrations keep accepts (all
// when keep is nil): Copy builds the schema its source has, no newer.
func migrateSome(ctx context.Context, db *sql.DB, d Dialect, keep func(name string) bool) error {
	if d.Name == Postgres.Name {
		// Two servers started at once on a new database: one migrates, the
		// other waits and then finds every migration applied. The lock is
		// the session's, on the writer's one connection.
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+strconv.Itoa(logLock)+`)`); err != nil {
			return fmt.Errorf("lock for migrations: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+strconv.Itoa(logLock)+`)`)
		return migrateOn(ctx, conn, d, keep)
	}
	return migrateOn(ctx, db, d, keep)
}

// migrator is a database or one of its connections.
type migrator interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

func migrateOn(ctx context.Context, db migrator, d Dialect, keep func(string) bool) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	dir := "migrations/" + d.Name
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") && (keep == nil || keep(e.Name())) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	applied := map[string]string{}
	rows, err := db.QueryContext(ctx, `SELECT name, sha256 FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var n, h string
		if err := rows.Scan(&n, &h); err != nil {
			rows.Close()
			return err
		}
		applied[n] = h
	}
	rows.Close()
	known := map[string]bool{}
	for _, name := range names {
		known[name] = true
		text, err := migrationFS.ReadFile(dir + "/" + name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(text)
		h := hex.EncodeToString(sum[:])
		if prev, ok := applied[name]; ok {
			if prev != h {
				return fmt.Errorf("migration %s was applied with SHA-256 %s but the binary has %s: refusing to start", name, prev, h)
			}
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(text)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (name, sha256, applied_at) VALUES (?, ?, CURRENT_TIMESTAMP)`), name, h); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	for name := range applied {
		if !known[name] {
			return fmt.Errorf("database has migration %s that this binary does not know: it was written by a newer Truce", name)
		}
	}
	return nil
}
