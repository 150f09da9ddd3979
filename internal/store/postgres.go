package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// PostgreSQL is reached through database/sql with pgx's driver. The store
// keeps one writer connection, as on SQLite, so that this process's writes
// are serialised in Go; across processes a write transaction takes the
// advisory lock logLock first (see DB.Write).

// logLock is the key of the advisory lock that serialises appends to the
// log, and migrations, across every process on one database.
const logLock = 0x7472756365 // "truce"

// connectTimeout bounds the first connection at start-up: an unreachable
// server is reported, not waited for.
const connectTimeout = 15 * time.Second

// openPostgres connects to the PostgreSQL database at db.url.
func (db *DB) openPostgres(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(db.url)
	if err != nil {
		return fmt.Errorf("database URL %s: %v", redactURL(db.url), err)
	}
	db.where = describePostgres(cfg)
	db.pgcfg = cfg
	db.write = stdlib.OpenDB(*named(cfg, "truce write"))
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.read = stdlib.OpenDB(*named(cfg, "truce read"))
	db.read.SetMaxOpenConns(8)
	db.read.SetMaxIdleConns(8)
	if db.readOnly {
		db.read.SetMaxOpenConns(16)
		db.read.SetMaxIdleConns(16)
	}
	fail := func(err error) error {
		db.write.Close()
		db.read.Close()
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.write.PingContext(pctx); err != nil {
		return fail(fmt.Errorf("cannot reach PostgreSQL at %s: %s", db.where, scrub(err.Error(), cfg.Password)))
	}
	var hasLog bool
	if err := db.write.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'changes')`).Scan(&hasLog); err != nil {
		return fail(fmt.Errorf("PostgreSQL at %s: %w", db.where, err))
	}
	if db.readOnly && !hasLog {
		return fail(fmt.Errorf("no Truce database at %s", db.where))
	}
	if !db.readOnly && !db.copyTarget && !hasLog {
		// Keys without a database: the log was lost or moved, or this is
		// the wrong database. Starting a new, empty log in its place
		// would hide that.
		if _, err := os.Stat(filepath.Join(db.dir, ledger.SignerKeyFile)); err == nil {
			return fail(fmt.Errorf("%s holds a log's keys but the database at %s holds no log: the log was moved or lost, or this is the wrong database; restore it rather than start a new one", db.dir, db.where))
		} else if !errors.Is(err, os.ErrNotExist) {
			return fail(err)
		}
	}
	return nil
}

// named returns cfg with an application name, which pg_stat_activity shows
// beside each session (an operator's own name in the URL is kept).
func named(cfg *pgx.ConnConfig, name string) *pgx.ConnConfig {
	c := cfg.Copy()
	if c.RuntimeParams["application_name"] == "" {
		c.RuntimeParams["application_name"] = name
	}
	return c
}

// describePostgres names a PostgreSQL database for messages: host (or
// socket directory), port, database and user, never the password.
func describePostgres(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "socket " + host
	}
	return fmt.Sprintf("%s port %d, database %q as %q", host, cfg.Port, cfg.Database, cfg.User)
}

// RedactURL returns a database URL without its password, for messages.
func RedactURL(s string) string { return redactURL(s) }

// redactURL hides a URL's password.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Redacted()
}

// scrub removes secret from msg, in case a driver's message repeats it.
func scrub(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "xxxxx")
}

// snapshotOptions are the options of a read transaction that sees one
// moment: SQLite's deferred transaction does; PostgreSQL's default (read
// committed) would see each statement's moment.
func (d Dialect) snapshotOptions() *sql.TxOptions {
	if d.Name == Postgres.Name {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return nil
}
