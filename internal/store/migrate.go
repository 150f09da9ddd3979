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

// migrateSome applies, holding logLock on PostgreSQL, only the embedded
// migrations keep accepts: Copy builds the schema its source has, no newer.
func migrateSome(ctx context.Context, db *sql.DB, d Dialect, keep func(name string) bool) error {
	if d.Name == Postgres.Name {
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+strconv.Itoa(logLock)+`)`); err != nil {
			return fmt.Errorf("lock for migrations: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+strconv.Itoa(logLock)+`)`)
		return migrateOn(ctx, conn, d, keep, nil)
	}
	return migrateOn(ctx, db, d, keep, nil)
}

// migrator is a database or one of its connections.
type migrator interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// migrateOn applies the dialect's embedded migrations that keep accepts
// (all when keep is nil; and a test's extra ones, after them) in name
// order, each in its own transaction, recording its SHA-256: one that
// fails half-way is rolled back, leaving the schema and schema_migrations
// as they were. A migration that was
// applied with different content stops start-up: history is not
// rewritten. On PostgreSQL the caller holds logLock (see initialise).
func migrateOn(ctx context.Context, db migrator, d Dialect, keep func(string) bool, extra []migration) error {
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
	texts := map[string][]byte{}
	for _, m := range extra {
		names = append(names, m.name)
		texts[m.name] = []byte(m.text)
	}
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
		text, ok := texts[name]
		if !ok {
			if text, err = migrationFS.ReadFile(dir + "/" + name); err != nil {
				return err
			}
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

// migration is one migration's name and SQL.
type migration struct{ name, text string }
