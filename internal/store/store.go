// Package store opens Truce's database and is the only way to change it:
// every write is a change recorded by Tx.Record, which in one transaction
// writes the change row, updates the record's projection and appends the
// change's leaf to the Merkle tree (see package ledger).
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/truce-monitoring/truce/internal/ledger"
)

// DBFile is the SQLite file inside a data directory.
const DBFile = "truce.db"

// DB is an open Truce database: a single writer connection (SQLite allows one
// writer at a time; serialising in Go avoids busy waits) and a reader pool.
type DB struct {
	heavy admission // the queue of heavy reads (heavy.go)
	// scanIdle keeps the read-only connections of verify's scans on
	// SQLite between scans (scan.go).
	scanIdle chan *sqliteConn
	// writerCacheMiB is the writer connection's page cache; 0: 64 MiB.
	writerCacheMiB int
	dir            string
	url            string // PostgreSQL's; "" for SQLite in dir
	pgcfg          *pgx.ConnConfig
	where          string // the database, for messages: the SQLite file, or PostgreSQL's host and database (no password)
	dialect        Dialect
	write          *sql.DB
	read           *sql.DB
	keys           *ledger.Keys
	// signingSecret is the signing key file's text, from which DeriveKey
	// derives the secrets all servers of the log share.
	signingSecret []byte
	now           func() time.Time
	rand          io.Reader
	log           *slog.Logger
	sync          string
	origin        string
	// readOnly opens an existing database for auditing: no migrations, no
	// key creation, no tree state, no checkpoints; it may be damaged.
	readOnly bool
	// existing refuses to start a new log: the data directory (and the
	// PostgreSQL database) must hold one already (WithExisting).
	existing bool
	// copyTarget opens a database that Copy is about to fill: its data
	// directory may hold keys before the database holds their log.
	copyTarget bool
	// file is the SQLite file when it is not DBFile in dir (a backup
	// checked with the keys of dir).
	file   string
	randMu sync.Mutex

	projections map[string]*Projection
	projOrder   []string
	checks      []DerivedCheck
	credentials []CredentialSource // for verify's attribution check

	queue  writeQueue           // callers of Write waiting for a batch (group.go)
	wmu    sync.Mutex           // held for the whole of a write transaction
	wstmts map[string]*sql.Stmt // prepared on the writer; guarded by wmu
	tree   treeState            // guarded by wmu
	// committed is a size the log is known to have reached: what this
	// process last committed or read as committed. Proofs of sizes
	// within it need not ask the database for the log's size.
	committed atomic.Int64
	upper     hashCache // the upper levels' stored hashes, read through by proofs and tiles

	// extraMigrations run after the embedded ones (a test's failing one).
	extraMigrations []migration

	cp    checkpointer
	hooks checkpointHooks // called after each checkpoint signed (cosign.go)
	watch logWatch        // which kinds of record changed, for caches (watch.go)

	counts countCache // the numbered lists' totals (numbered.go)

	writeHooks writeHooks // called after each Write that appended changes (writehooks.go)
}

// Option configures Open.
type Option func(*DB)

// WithClock sets the clock used for change times and checkpoints.
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// WithRand sets the source of randomness for ids and keys.
func WithRand(r io.Reader) Option { return func(db *DB) { db.rand = r } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(db *DB) { db.log = l } }

// WithSynchronous sets SQLite's synchronous pragma: "full" (default: a
// committed change survives power loss) or "normal" (survives a crash of
// the process, may lose the last commits on power loss; faster).
func WithSynchronous(mode string) Option { return func(db *DB) { db.sync = mode } }

// WithWriterCacheMiB sets the SQLite writer's page cache (default 64 MiB).
// A bulk load into tables larger than the cache dirties index pages all
// over them; a cache that holds them writes each once per transaction
// instead of spilling it again and again (truce bench load seeds with 1 GiB).
func WithWriterCacheMiB(mib int) Option { return func(db *DB) { db.writerCacheMiB = mib } }

// WithOrigin sets the log origin used when a new data directory is
// initialised. It is ignored for an existing one.
func WithOrigin(origin string) Option {
	return func(db *DB) { db.origin = origin }
}

// OpenForAudit opens an existing data directory for truce verify. It does
// not write and does not trust the database to be consistent.
func OpenForAudit(ctx context.Context, dir string, opts ...Option) (*DB, error) {
	return Open(ctx, dir, append(opts, func(db *DB) { db.readOnly = true })...)
}

// WithDatabase keeps the database in PostgreSQL at url (postgres://... or
// postgresql://...) instead of the SQLite file in the data directory. The
// data directory still holds the log's keys (log.key, log.pub) and the
// files records point to (attachments, reports): a signing key never goes
// into the database it signs for.
func WithDatabase(url string) Option { return func(db *DB) { db.url = url } }

// WithSQLiteFile reads the SQLite database in file instead of DBFile in
// the data directory, whose keys check its checkpoints: a backup is
// verified before it is restored. For OpenForAudit.
func WithSQLiteFile(file string) Option { return func(db *DB) { db.file = file } }

// Open opens (and on first use initialises) the data directory dir: the
// database (SQLite in dir, or PostgreSQL given WithDatabase), its
// migrations and the log keys.
func Open(ctx context.Context, dir string, opts ...Option) (*DB, error) {
	db := &DB{
		dir:         dir,
		dialect:     SQLite,
		now:         time.Now,
		rand:        rand.Reader,
		log:         slog.New(slog.DiscardHandler),
		sync:        "full",
		projections: map[string]*Projection{},
		wstmts:      map[string]*sql.Stmt{},
		scanIdle:    make(chan *sqliteConn, 4),
	}
	for _, o := range opts {
		o(db)
	}
	if db.sync != "full" && db.sync != "normal" {
		return nil, fmt.Errorf("synchronous mode %q: want full or normal", db.sync)
	}
	if db.url != "" {
		if !IsDatabaseURL(db.url) {
			return nil, fmt.Errorf("database %q: want a postgres:// or postgresql:// URL", redactURL(db.url))
		}
		db.dialect = Postgres
	}
	if db.readOnly || db.existing {
		if err := db.checkExisting(); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	var err error
	if db.dialect.Name == Postgres.Name {
		err = db.openPostgres(ctx)
	} else {
		err = db.openSQLite(ctx)
	}
	if err != nil {
		return nil, err
	}
	if db.readOnly {
		return db, nil
	}
	if db.dialect.Name == Postgres.Name {
		db.openSigner()
	}
	fail := func(err error) (*DB, error) {
		if db.cp.pg.pool != nil {
			db.releaseSigner()
		}
		db.write.Close()
		db.read.Close()
		return nil, err
	}
	if err := db.initialise(ctx); err != nil {
		return fail(err)
	}
	if err := db.loadTree(ctx); err != nil {
		return fail(err)
	}
	db.cp.start(db)
	return db, nil
}

// openSQLite opens the SQLite file in the data directory: one writer
// connection and a pool of readers.
func (db *DB) openSQLite(ctx context.Context) error {
	path := db.sqlitePath()
	db.where = path
	if !db.readOnly && !db.copyTarget {
		// Keys without a database: the log was lost or moved. Starting a
		// new, empty log in its place would hide that.
		_, keyErr := os.Stat(filepath.Join(db.dir, ledger.SignerKeyFile))
		if _, err := os.Stat(path); keyErr == nil && errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s holds the log's keys but no database (%s): the log was moved or lost; restore it rather than start a new one", db.dir, DBFile)
		}
	}
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous("+db.sync+")")
		// A 64 MiB page cache per connection: a transaction of a thousand
		// changes then touches index pages in memory instead of spilling.
		cache := 64
		if txlock == "immediate" && db.writerCacheMiB > 0 {
			cache = db.writerCacheMiB
		}
		q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -cache*1024))
		q.Add("_txlock", txlock)
		return "file:" + uriPath(path) + "?" + q.Encode()
	}
	var err error
	if db.write, err = sql.Open("sqlite", dsn("immediate")); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	if db.read, err = sql.Open("sqlite", dsn("deferred")); err != nil {
		db.write.Close()
		return err
	}
	db.read.SetMaxOpenConns(4)
	db.read.SetMaxIdleConns(4)
	if db.readOnly {
		if _, err := os.Stat(path); err != nil {
			db.write.Close()
			db.read.Close()
			return fmt.Errorf("%w: no Truce database in %s: %v", ErrNoDataDir, db.dir, err)
		}
		db.read.SetMaxOpenConns(16)
	}
	return nil
}

// sqlitePath is the SQLite file: DBFile in the data directory, unless
// WithSQLiteFile named another.
func (db *DB) sqlitePath() string {
	if db.file != "" {
		return db.file
	}
	return filepath.Join(db.dir, DBFile)
}

// uriPath escapes a file path for an SQLite URI filename: the driver cuts
// its parameters at the first '?', SQLite a fragment at '#', and decodes
// %XX. Unescaped, a data directory named "Mission #2" would put its
// database in a file named "Mission " beside it, shared with "Mission #3".
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// Close signs a last checkpoint if the tree has grown and closes the database.
func (db *DB) Close() error {
	if !db.readOnly {
		db.cp.stop()
	}
	db.wmu.Lock()
	for _, s := range db.wstmts {
		s.Close()
	}
	db.wstmts = map[string]*sql.Stmt{}
	db.wmu.Unlock()
	db.closeScanConns()
	err1 := db.write.Close()
	err2 := db.read.Close()
	return errors.Join(err1, err2)
}

// Where names the database for messages: the SQLite file, or
// PostgreSQL's host, port and database (never the password).
func (db *DB) Where() string { return db.where }

// Dir returns the data directory.
func (db *DB) Dir() string { return db.dir }

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Now returns the store's clock reading.
func (db *DB) Now() time.Time { return db.now() }

// Keys returns the log keys.
func (db *DB) Keys() *ledger.Keys { return db.keys }

// Query runs a read-only query on the reader pool; '?' placeholders are
// rebound for the dialect.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := nulArg(args); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.dialect.Rebind(q), db.dialect.args(args)...)
	return rows, db.unavailable(err)
}

// QueryRow runs a read-only single-row query on the reader pool.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.dialect.Rebind(q), db.dialect.args(args)...)
}

// NewID returns a new record id: prefix, an underscore and 20 base32
// characters (100 random bits).
func (db *DB) NewID(prefix string) string {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	b := make([]byte, 20)
	db.randMu.Lock()
	_, err := io.ReadFull(db.rand, b)
	db.randMu.Unlock()
	if err != nil {
		panic("store: random source failed: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return prefix + "_" + string(b)
}

// SetMeta records an installation fact (e.g. that the directory holds the
// demo). Meta facts are not records: they are not in the change log.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	_, err := db.write.ExecContext(ctx, db.dialect.Rebind(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value)
	return err
}

// Ping checks that the database answers a read.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.QueryRow(ctx, `SELECT 1`).Scan(&one)
}
