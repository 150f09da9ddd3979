package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// Copy moves a whole Truce database to another place: SQLite to
// PostgreSQL, PostgreSQL to SQLite, or either to a new one of its kind.
// Every table is copied row for row, in one transaction of the target,
// from one snapshot of the source; then the target's tree root is
// recomputed from its own stored hashes and compared with the source's,
// and its latest checkpoint is opened with the log's key. The caller runs
// the full verification on both (package app's CopyStore does).

// CopyReport is what Copy did and proved.
type CopyReport struct {
	Tables  int   // tables copied
	Rows    int64 // rows copied, every table
	Changes int64 // the log's size as copied
	// Root is the tree root of Changes leaves, read from the source's
	// stored hashes and again, equal, from the target's.
	Root tlog.Hash
	// Checkpoint is the size of the latest signed checkpoint, opened with
	// the key in the target's data directory.
	Checkpoint int64
	// Files are the files copied to another data directory: the log's
	// keys, attachments and reports.
	Files   int
	Elapsed time.Duration
	From    string // the source database, for messages (no password)
	To      string // the target database, for messages (no password)
}

// copyBatchParams bounds the parameters of one INSERT: SQLite takes
// 32,766, PostgreSQL 65,535.
const copyBatchParams = 30000

// copyBatchRows bounds the rows of one INSERT: beyond a few hundred,
// longer statements save nothing.
const copyBatchRows = 500

// dataSubdirs are the directories of a data directory that records point
// into, copied with the database to another data directory.
var dataSubdirs = []string{"attachments", "reports"}

// Copy copies the database of src, every table, into a new database for
// the data directory dir: SQLite in dir when url is "", else the
// PostgreSQL database at url. The target must hold no rows. When dir is
// not src's data directory, the log's keys and the files records point to
// are copied too; a key already there must be this log's. The source is
// read in one snapshot: a server may keep writing to it.
func Copy(ctx context.Context, src *DB, dir, url string, progress Progress) (CopyReport, error) {
	start := time.Now()
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	rep := CopyReport{From: src.where}
	sameDir, err := sameDirectory(src.dir, dir)
	if err != nil {
		return rep, err
	}
	if !sameDir {
		if err := checkKeysFor(src.dir, dir); err != nil {
			return rep, err
		}
	}
	dst := &DB{dir: dir, url: url, dialect: SQLite, now: time.Now, rand: rand.Reader, log: slog.New(slog.DiscardHandler), sync: "full",
		projections: map[string]*Projection{}, wstmts: map[string]*sql.Stmt{}, copyTarget: true}
	if url != "" {
		if !IsDatabaseURL(url) {
			return rep, fmt.Errorf("target database %q: want a postgres:// or postgresql:// URL", redactURL(url))
		}
		dst.dialect = Postgres
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return rep, fmt.Errorf("create data directory: %w", err)
	}
	sqliteFile := ""
	if dst.dialect.Name == SQLite.Name {
		if _, err := os.Stat(filepath.Join(dir, DBFile)); errors.Is(err, os.ErrNotExist) {
			sqliteFile = filepath.Join(dir, DBFile) // ours to remove if the copy fails
		}
		err = dst.openSQLite(ctx)
	} else {
		err = dst.openPostgres(ctx)
	}
	if err != nil {
		return rep, err
	}
	rep.To = dst.where
	closeDst := func() { dst.write.Close(); dst.read.Close() } // no checkpointer runs on it
	if dst.where == src.where {
		closeDst()
		return rep, fmt.Errorf("the target is the source (%s)", src.where)
	}
	committed := false
	defer func() {
		closeDst()
		if !committed && sqliteFile != "" {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(sqliteFile + suffix)
			}
		}
	}()

	err = src.ReadSnapshot(ctx, func(snap Snapshot) error {
		return copyTables(ctx, snap.tx, src.dialect, dst, &rep, progress)
	})
	if err != nil {
		return rep, err
	}
	committed = true
	if dst.dialect.Name == Postgres.Name {
		// The planner's statistics, which a bulk load leaves empty.
		if _, err := dst.write.ExecContext(ctx, `ANALYZE`); err != nil {
			return rep, fmt.Errorf("analyze the copy at %s: %w", dst.where, err)
		}
	}
	if !sameDir {
		n, err := copyFiles(src.dir, dir)
		rep.Files = n
		if err != nil {
			return rep, fmt.Errorf("the database was copied but its files were not: %w", err)
		}
	}
	if err := proveCopy(ctx, dst, &rep); err != nil {
		return rep, err
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// copyTables copies every table of the source snapshot into the target,
// in one transaction of the target.
func copyTables(ctx context.Context, from *sql.Tx, fd Dialect, dst *DB, rep *CopyReport, progress Progress) error {
	migrations, err := columnStrings(ctx, from, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return fmt.Errorf("read the source's migrations: %w", err)
	}
	known := map[string]bool{}
	names, err := fs.ReadDir(migrationFS, "migrations/"+dst.dialect.Name)
	if err != nil {
		return err
	}
	for _, e := range names {
		known[e.Name()] = true
	}
	for _, m := range migrations {
		if !known[m] {
			return fmt.Errorf("the source has migration %s that this Truce does not know: copy it with the Truce that wrote it", m)
		}
	}
	// The target must be empty before anything is written to it.
	if err := checkEmpty(ctx, dst, migrations); err != nil {
		return err
	}
	if err := migrateSome(ctx, dst.write, dst.dialect, func(name string) bool { return slices.Contains(migrations, name) }); err != nil {
		return fmt.Errorf("create the schema at %s: %w", dst.where, err)
	}
	if err := from.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq) + 1, 0) FROM changes`).Scan(&rep.Changes); err != nil {
		return err
	}
	rep.Root = tlog.Hash(sha256.Sum256(nil))
	if rep.Changes > 0 {
		if rep.Root, err = tlog.TreeHash(rep.Changes, dbHashReader{db: from, ctx: ctx, d: fd}); err != nil {
			return fmt.Errorf("the source's tree root at size %d: %w", rep.Changes, err)
		}
	}
	tables, err := columnStrings(ctx, from, fd.Tables)
	if err != nil {
		return err
	}
	targetTables, err := columnStrings(ctx, dst.write, dst.dialect.Tables)
	if err != nil {
		return err
	}
	tables = slices.DeleteFunc(tables, skipTable)
	slices.Sort(tables)
	var total int64
	counts := make([]int64, len(tables))
	for i, t := range tables {
		if !slices.Contains(targetTables, t) {
			return fmt.Errorf("table %s of the source has no counterpart at %s", t, dst.where)
		}
		if err := from.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&counts[i]); err != nil {
			return fmt.Errorf("count %s: %w", t, err)
		}
		total += counts[i]
	}
	var done int64
	err = dst.inOneTransaction(ctx, func(sink copySink) error {
		for i, t := range tables {
			n, err := copyTable(ctx, from, sink, t, func(n int64) { progress("copy "+t, done+n, total) })
			if err != nil {
				return fmt.Errorf("copy table %s to %s: %w", t, dst.where, err)
			}
			if n != counts[i] {
				return fmt.Errorf("copy table %s: %d rows read, %d counted in the same snapshot", t, n, counts[i])
			}
			done += n
		}
		return nil
	})
	if err != nil {
		return err
	}
	rep.Tables, rep.Rows = len(tables), done
	return nil
}

// skipTable reports whether a table is not copied: the migrations'
// record, which each database keeps for its own dialect, and SQLite's
// own tables.
func skipTable(name string) bool {
	return name == "schema_migrations" || strings.HasPrefix(name, "sqlite_")
}

// checkEmpty refuses a target that holds any row, or a schema newer than
// the source's.
func checkEmpty(ctx context.Context, dst *DB, migrations []string) error {
	tables, err := columnStrings(ctx, dst.write, dst.dialect.Tables)
	if err != nil {
		return fmt.Errorf("list the tables at %s: %w", dst.where, err)
	}
	slices.Sort(tables)
	for _, t := range tables {
		if skipTable(t) {
			continue
		}
		var any int
		err := dst.write.QueryRowContext(ctx, `SELECT 1 FROM `+quoteIdent(t)+` LIMIT 1`).Scan(&any)
		if err == nil {
			return fmt.Errorf("the target %s is not empty (table %s has rows): copy into a new, empty database", dst.where, t)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read table %s at %s: %w", t, dst.where, err)
		}
	}
	if slices.Contains(tables, "schema_migrations") {
		applied, err := columnStrings(ctx, dst.write, `SELECT name FROM schema_migrations`)
		if err != nil {
			return err
		}
		for _, m := range applied {
			if !slices.Contains(migrations, m) {
				return fmt.Errorf("the target %s has migration %s, which the source has not: copy into a new database, or open the source with this Truce first", dst.where, m)
			}
		}
	}
	return nil
}

// copySink writes a table's rows into the target, inside the one
// transaction of the copy.
type copySink interface {
	kinds(ctx context.Context, table string) (map[string]byte, error)
	write(ctx context.Context, table string, cols []string, rows *rowSource) error
}

// inOneTransaction runs fn with a sink writing in one transaction of the
// target, committed when fn succeeds: PostgreSQL's through COPY on pgx's
// own connection (ten times the rows a second of INSERTs), SQLite's
// through multi-row INSERTs.
func (db *DB) inOneTransaction(ctx context.Context, fn func(copySink) error) error {
	if db.dialect.Name != Postgres.Name {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := fn(insertSink{tx: tx, d: db.dialect}); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit the copy at %s: %w", db.where, err)
		}
		return nil
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("PostgreSQL connection is a %T, not pgx's", dc)
		}
		tx, err := sc.Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if err := fn(pgCopySink{tx: tx}); err != nil {
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("commit the copy at %s: %w", db.where, err)
		}
		return nil
	})
}

// insertSink writes rows with multi-row INSERTs.
type insertSink struct {
	tx *sql.Tx
	d  Dialect
}

func (s insertSink) kinds(ctx context.Context, table string) (map[string]byte, error) {
	return columnKinds(ctx, s.tx, s.d, table)
}

func (s insertSink) write(ctx context.Context, table string, cols []string, rows *rowSource) error {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(c)
	}
	batch := max(1, min(copyBatchRows, copyBatchParams/len(cols)))
	insert := func(n int) string {
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		return s.d.Rebind(`INSERT INTO ` + quoteIdent(table) + ` (` + strings.Join(quoted, ", ") + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", n), ", "))
	}
	full, err := s.tx.PrepareContext(ctx, insert(batch))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, batch*len(cols))
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		var err error
		if len(args) == cap(args) {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = s.tx.ExecContext(ctx, insert(len(args)/len(cols)), args...)
		}
		args = args[:0]
		return err
	}
	for rows.Next() {
		vals, _ := rows.Values()
		args = append(args, vals...)
		if len(args) == cap(args) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// pgCopySink writes rows with PostgreSQL's COPY.
type pgCopySink struct{ tx pgx.Tx }

func (s pgCopySink) kinds(ctx context.Context, table string) (map[string]byte, error) {
	rows, err := s.tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanKinds(table, rows)
}

func (s pgCopySink) write(ctx context.Context, table string, cols []string, rows *rowSource) error {
	_, err := s.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, rows)
	if err == nil {
		err = rows.Err()
	}
	return err
}

// rowSource reads a source table's rows, each converted to the Go types
// the target's columns take (pgx's CopyFromSource).
type rowSource struct {
	rows     *sql.Rows
	cols     []string
	want     []byte
	vals     []any
	ptrs     []any
	out      []any
	n        int64
	err      error
	progress func(int64)
}

func (r *rowSource) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	if r.err = r.rows.Scan(r.ptrs...); r.err != nil {
		return false
	}
	for i, v := range r.vals {
		cv, err := convertValue(v, r.want[i])
		if err != nil {
			r.err = fmt.Errorf("row %d, column %s: %w", r.n+1, r.cols[i], err)
			return false
		}
		r.out[i] = cv
	}
	r.n++
	if r.n%copyBatchRows == 0 {
		r.progress(r.n)
	}
	return true
}

func (r *rowSource) Values() ([]any, error) { return r.out, r.err }

func (r *rowSource) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// copyTable copies one table's rows into the sink and returns how many it
// copied.
func copyTable(ctx context.Context, from *sql.Tx, to copySink, table string, progress func(int64)) (int64, error) {
	kinds, err := to.kinds(ctx, table)
	if err != nil {
		return 0, err
	}
	if len(kinds) == 0 {
		return 0, fmt.Errorf("table %s has no columns in the target", table)
	}
	probe, err := from.QueryContext(ctx, `SELECT * FROM `+quoteIdent(table)+` WHERE 1 = 0`)
	if err != nil {
		return 0, err
	}
	cols, err := probe.Columns()
	probe.Close()
	if err != nil {
		return 0, err
	}
	want := make([]byte, len(cols))
	for i, c := range cols {
		k, ok := kinds[c]
		if !ok {
			return 0, fmt.Errorf("column %s has no counterpart in the target", c)
		}
		want[i] = k
	}
	if len(kinds) != len(cols) {
		return 0, fmt.Errorf("the target has %d columns, the source %d", len(kinds), len(cols))
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(c)
	}
	rows, err := from.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+quoteIdent(table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	src := &rowSource{rows: rows, cols: cols, want: want, vals: make([]any, len(cols)), ptrs: make([]any, len(cols)), out: make([]any, len(cols)), progress: progress}
	for i := range src.vals {
		src.ptrs[i] = &src.vals[i]
	}
	if err := to.write(ctx, table, cols, src); err != nil {
		return src.n, err
	}
	progress(src.n)
	return src.n, nil
}

// Column kinds, as the target stores them.
const (
	kindInteger = 'i'
	kindReal    = 'r'
	kindText    = 't'
	kindBlob    = 'b'
)

// columnKinds returns the kind of every column of a target table.
func columnKinds(ctx context.Context, q querier, d Dialect, table string) (map[string]byte, error) {
	query := `SELECT name, type FROM pragma_table_info(?)`
	if d.Name == Postgres.Name {
		query = `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`
	}
	rows, err := q.QueryContext(ctx, d.Rebind(query), table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanKinds(table, rows)
}

// columnRows is a result of (name, type) rows: database/sql's or pgx's.
type columnRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanKinds maps each column named in rows to its kind.
func scanKinds(table string, rows columnRows) (map[string]byte, error) {
	out := map[string]byte{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		var err error
		if out[name], err = kindOf(table, name, typ); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// kindOf maps a column's declared type to its kind.
func kindOf(table, column, typ string) (byte, error) {
	switch strings.ToLower(typ) {
	case "integer", "bigint", "int", "smallint":
		return kindInteger, nil
	case "real", "double precision":
		return kindReal, nil
	case "text":
		return kindText, nil
	case "blob", "bytea":
		return kindBlob, nil
	}
	return 0, fmt.Errorf("column %s.%s has type %s, which copy does not know", table, column, typ)
}

// convertValue gives a value read from one database the Go type the other
// stores in a column of the kind: SQLite hands back what was stored, so
// text and bytes may come either way.
func convertValue(v any, kind byte) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		switch kind {
		case kindText:
			return string(x), nil
		case kindBlob:
			return bytes.Clone(x), nil
		}
	case string:
		switch kind {
		case kindText:
			return x, nil
		case kindBlob:
			return []byte(x), nil
		}
	case int64:
		switch kind {
		case kindInteger:
			return x, nil
		case kindReal:
			return float64(x), nil
		}
	case bool:
		if kind == kindInteger {
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case float64:
		if kind == kindReal {
			return x, nil
		}
	}
	return nil, fmt.Errorf("a %T value does not fit a column of kind %c", v, kind)
}

// proveCopy reads the committed target back: its tree root, recomputed
// from its own stored hashes, must be the source's.
func proveCopy(ctx context.Context, dst *DB, rep *CopyReport) error {
	opts := []Option{}
	if dst.url != "" {
		opts = append(opts, WithDatabase(dst.url))
	}
	db, err := OpenForAudit(ctx, dst.dir, opts...)
	if err != nil {
		return fmt.Errorf("reopen the copy: %w", err)
	}
	defer db.Close()
	head, err := db.Head(ctx)
	if err != nil {
		return fmt.Errorf("the copy at %s: %w", db.where, err)
	}
	if head.Size != rep.Changes {
		return fmt.Errorf("the copy at %s holds %d changes, the source %d", db.where, head.Size, rep.Changes)
	}
	if head.Root != rep.Root {
		return fmt.Errorf("the copy's tree root %s is not the source's %s", head.Root, rep.Root)
	}
	rep.Checkpoint = head.Checkpoint
	return nil
}

// Head is a log's size and tree root as its stored hashes give them, and
// its latest signed checkpoint.
type Head struct {
	Size       int64
	Root       tlog.Hash
	Checkpoint int64 // the latest checkpoint's size
}

// Head reads the log's size, computes its tree root from the stored
// hashes, and checks that the latest checkpoint opens with the public key
// in the data directory and signs the tree's root at its size. It is the
// quick proof that a copy or a backup is the log it came from; Verify
// recomputes everything.
func (db *DB) Head(ctx context.Context) (Head, error) {
	var h Head
	var err error
	if h.Size, err = db.logSize(ctx); err != nil {
		return h, err
	}
	hashes := dbHashReader{db: db.read, ctx: ctx, d: db.dialect}
	h.Root = tlog.Hash(sha256.Sum256(nil))
	if h.Size > 0 {
		if h.Root, err = tlog.TreeHash(h.Size, hashes); err != nil {
			return h, fmt.Errorf("tree root: %w", err)
		}
	}
	cp, err := db.LatestCheckpoint(ctx)
	if err != nil {
		return h, err
	}
	verifier, _, err := ledger.LoadVerifier(db.dir)
	if err != nil {
		return h, err
	}
	var origin string
	if err := db.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'origin'`).Scan(&origin); err != nil {
		return h, fmt.Errorf("log origin: %w", err)
	}
	csize, croot, err := ledger.OpenCheckpoint(cp.Note, origin, verifier)
	if err != nil {
		return h, fmt.Errorf("the latest checkpoint (size %d) does not open with the key in %s: %v", cp.Size, db.dir, err)
	}
	if csize > h.Size {
		return h, fmt.Errorf("the latest checkpoint is signed for %d changes but the log holds %d", csize, h.Size)
	}
	want := tlog.Hash(sha256.Sum256(nil))
	if csize > 0 {
		if want, err = tlog.TreeHash(csize, hashes); err != nil {
			return h, err
		}
	}
	if croot != want {
		return h, fmt.Errorf("the latest checkpoint signs root %s at size %d, the tree has %s", croot, csize, want)
	}
	h.Checkpoint = csize
	return h, nil
}

// sameDirectory reports whether a and b name one directory (b may not
// exist yet).
func sameDirectory(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

// checkKeysFor refuses a target data directory that holds another log's
// key: the copy's checkpoints would not open with it, and the next
// checkpoint would be signed by a key no auditor of this log holds.
func checkKeysFor(srcDir, dstDir string) error {
	for _, name := range []string{ledger.VerifierKeyFile, ledger.SignerKeyFile} {
		have, err := os.ReadFile(filepath.Join(dstDir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		want, err := os.ReadFile(filepath.Join(srcDir, name))
		if err != nil {
			return fmt.Errorf("%s holds %s but the source %s has none: %w", dstDir, name, srcDir, err)
		}
		if !bytes.Equal(bytes.TrimSpace(have), bytes.TrimSpace(want)) {
			return fmt.Errorf("%s holds another log's key (%s differs from %s's): copy into a directory without keys, or with this log's", dstDir, name, srcDir)
		}
	}
	return nil
}

// copyFiles copies the log's keys and the files records point to from one
// data directory to another, refusing to replace a file that differs.
func copyFiles(srcDir, dstDir string) (int, error) {
	n := 0
	for _, name := range []string{ledger.VerifierKeyFile, ledger.SignerKeyFile} {
		mode := os.FileMode(0o600)
		if name == ledger.VerifierKeyFile {
			mode = 0o644
		}
		copied, err := copyFile(filepath.Join(srcDir, name), filepath.Join(dstDir, name), mode)
		if errors.Is(err, os.ErrNotExist) && name == ledger.SignerKeyFile {
			continue // an auditor's copy holds the public key alone
		}
		if err != nil {
			return n, err
		}
		if copied {
			n++
		}
	}
	for _, sub := range dataSubdirs {
		root := filepath.Join(srcDir, sub)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, os.ErrNotExist) && path == root {
					return filepath.SkipDir
				}
				return err
			}
			rel, err := filepath.Rel(srcDir, path)
			if err != nil {
				return err
			}
			target := filepath.Join(dstDir, rel)
			switch {
			case d.IsDir():
				return os.MkdirAll(target, 0o700)
			case d.Type().IsRegular():
				copied, err := copyFile(path, target, 0o600)
				if copied {
					n++
				}
				return err
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// copyFile copies a file, durably, unless the target holds the same
// bytes already; it refuses to replace different ones.
func copyFile(src, dst string, mode os.FileMode) (bool, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return false, err
	}
	if have, err := os.ReadFile(dst); err == nil {
		if bytes.Equal(have, data) {
			return false, nil
		}
		return false, fmt.Errorf("%s exists and differs from %s", dst, src)
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return false, err
	}
	if _, err := io.Copy(f, bytes.NewReader(data)); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, err
	}
	return true, f.Close()
}

// columnStrings runs a query of one text column and returns its values.
func columnStrings(ctx context.Context, q querier, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// quoteIdent quotes a table or column name for either dialect.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
