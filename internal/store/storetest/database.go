package storetest

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/truce-monitoring/truce/internal/pgtest"
	"github.com/truce-monitoring/truce/internal/store"
)

// Database returns the store options that put the database of the data
// directory dir where this run of a package's tests keeps it: nothing
// (SQLite in dir) in the first run, and in the PostgreSQL run
// (pgtest.Main) a database of its own. Pass them to store.Open in the
// package's mustOpen:
//
//	db, err := store.Open(ctx, dir, append(storetest.Database(t, dir), ...)...)
func Database(t testing.TB, dir string) []store.Option {
	if !pgtest.OnPostgres() {
		return nil
	}
	return []store.Option{store.WithDatabase(pgtest.ForDir(t, dir))}
}

// Tamper runs statements on db's database directly, as someone with
// access to the disk or the server would: on the SQLite file, or (in the
// PostgreSQL run) on the PostgreSQL database, SQLite's literals and
// functions translated (pgtest.Tamper).
func Tamper(t testing.TB, db *store.DB, stmts ...string) {
	t.Helper()
	if pgtest.OnPostgres() {
		pgtest.Tamper(t, pgtest.ForDir(t, db.Dir()), stmts...)
		return
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(db.Dir(), store.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
