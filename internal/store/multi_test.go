package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/pgtest"
)

// secondServer opens, on the database of dir, a second handle from another
// data directory holding a copy of dir's keys: a second server on another
// machine.
func secondServer(t *testing.T, dir string) *DB {
	t.Helper()
	other := t.TempDir()
	for _, f := range []string{ledger.SignerKeyFile, ledger.VerifierKeyFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(other, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if pgtest.OnPostgres() {
		u := pgtest.ForDir(t, dir)
		db, err := Open(context.Background(), other, WithDatabase(u))
		if err != nil {
			t.Fatal(err)
		}
		db.Register(noteProjection)
		t.Cleanup(func() { db.Close() })
		return db
	}
	return mustOpen(t, dir) // SQLite: another handle on the same file
}

// admin is a connection to the test database for killing sessions.
func admin(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.ForDir(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitFor polls cond for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); ; {
		if cond() {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// One of two servers on one PostgreSQL database signs; it checkpoints the
// other's writes too; when its session dies the other takes over.
func TestOneSignerTakesOverFromADeadOne(t *testing.T) {
	if !pgtest.OnPostgres() {
		t.Skip("one process on SQLite: the signer lock is PostgreSQL's")
	}
	dir := t.TempDir()
	a := mustOpen(t, dir)
	b := secondServer(t, dir)
	if !a.IsSigner() || b.IsSigner() {
		t.Fatalf("signers: a %v, b %v; want a alone", a.IsSigner(), b.IsSigner())
	}
	ctx := context.Background()
	latest := func(db *DB) int64 {
		cp, err := db.LatestCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return cp.Size
	}
	// b's writes get checkpoints from a, within the poll and the rate limit.
	last := writeNote(t, b, "from-b", note{Title: "b"})
	waitFor(t, 3*time.Second, "a did not checkpoint b's write", func() bool { return latest(a) == last.Seq+1 })
	// An explicit checkpoint through b asks a, and returns once signed.
	last = writeNote(t, b, "from-b-2", note{Title: "b"})
	start := time.Now()
	if err := b.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if got := latest(b); got != last.Seq+1 {
		t.Fatalf("after b.Checkpoint the latest checkpoint is %d, want %d", got, last.Seq+1)
	}
	t.Logf("a checkpoint asked of the other server took %v", time.Since(start))
	// Kill a's signer session: b takes over and signs its own writes.
	var pid int
	adm := admin(t, dir)
	if err := adm.QueryRow(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`, signLock&0xffffffff).Scan(&pid); err != nil {
		t.Fatalf("the signer lock's holder: %v", err)
	}
	if _, err := adm.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "b did not take over the signer lock", func() bool { return b.IsSigner() || a.IsSigner() })
	last = writeNote(t, b, "from-b-3", note{Title: "b"})
	waitFor(t, 5*time.Second, "no checkpoint after the signer's session died", func() bool { return latest(b) == last.Seq+1 })
	cp, _ := b.LatestCheckpoint(ctx)
	if _, _, err := ledger.OpenCheckpoint(cp.Note, b.Keys().Origin, b.Keys().Verifier); err != nil {
		t.Fatal(err)
	}
	rep, err := b.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

// A second server with another key is refused, even on a log with no
// change and before the first has signed anything but its empty tree.
func TestSecondKeyRefusedOnEmptyLog(t *testing.T) {
	dir := t.TempDir()
	a := mustOpen(t, dir)
	other := t.TempDir()
	if _, err := ledger.LoadOrCreateKeys(other, a.Keys().Origin, nil); err != nil {
		t.Fatal(err)
	}
	var opts []Option
	if pgtest.OnPostgres() {
		opts = append(opts, WithDatabase(pgtest.ForDir(t, dir)))
	} else {
		// SQLite: the other key file in the log's own directory.
		for _, f := range []string{ledger.SignerKeyFile, ledger.VerifierKeyFile} {
			b, _ := os.ReadFile(filepath.Join(other, f))
			os.WriteFile(filepath.Join(dir, f), b, 0o600)
		}
		other = dir
	}
	db, err := Open(context.Background(), other, opts...)
	if err == nil {
		db.Close()
		t.Fatal("a second key opened the log")
	}
	if !strings.Contains(err.Error(), "it is not this log's key") {
		t.Fatalf("got %v", err)
	}
}

// A cache's version moves when another handle writes a record of its
// kind, and only then.
func TestVersionSeesOtherHandlesWrites(t *testing.T) {
	dir := t.TempDir()
	a := mustOpen(t, dir)
	b := secondServer(t, dir)
	ctx := context.Background()
	v0, err := a.Version(ctx, "note")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Version(ctx, "note"); v != v0 {
		t.Fatalf("version moved without a write: %d, %d", v0, v)
	}
	rec := writeNote(t, b, "n1", note{Title: "through b"})
	v1, err := a.Version(ctx, "note")
	if err != nil || v1 == v0 {
		t.Fatalf("a's version of notes did not move after b wrote one: %d, %d (%v)", v0, v1, err)
	}
	if other, _ := a.Version(ctx, "nothing_written"); other >= v1 {
		t.Fatalf("an unwritten kind's version %d moved with notes' (%d)", other, v1)
	}
	refs, next, err := a.ChangesSince(ctx, rec.Seq, 100, "note")
	if err != nil || len(refs) != 1 || refs[0].ID != "n1" || next != rec.Seq+1 {
		t.Fatalf("ChangesSince: %+v, %d, %v", refs, next, err)
	}
}

// The connection lost in the middle of a write: the write fails as
// unavailable, nothing of it is written, and the next write succeeds.
func TestConnectionLostMidWrite(t *testing.T) {
	if !pgtest.OnPostgres() {
		t.Skip("PostgreSQL's: SQLite has no connection to lose")
	}
	dir := t.TempDir()
	db := mustOpen(t, dir)
	writeNote(t, db, "n0", note{Title: "before"})
	adm := admin(t, dir)
	ctx := context.Background()
	before := db.Size()
	_, err := db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Record(Change{Entity: "note", ID: "lost", Actor: System, Body: note{Title: "half"}}); err != nil {
			return err
		}
		var pid int
		if err := tx.QueryRow(`SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return err
		}
		if _, err := adm.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
			return err
		}
		_, err := tx.Record(Change{Entity: "note", ID: "lost-2", Actor: System, Body: note{Title: "half"}})
		return err
	})
	if errs.CodeOf(err) != errs.CodeUnavailable {
		t.Fatalf("got %v (code %s), want unavailable", err, errs.CodeOf(err))
	}
	var n int
	if err := adm.QueryRow(`SELECT COUNT(*) FROM changes WHERE id IN ('lost', 'lost-2')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d changes of the lost write are stored (%v)", n, err)
	}
	if db.Size() != before {
		t.Fatalf("the tree moved to %d from %d", db.Size(), before)
	}
	for i := range 3 {
		writeNote(t, db, "after"+strconv.Itoa(i), note{Title: "after"})
	}
	rep, err := db.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

// A migration that fails half-way leaves the schema and the record of
// migrations as they were.
func TestFailedMigrationIsRolledBack(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	writeNote(t, db, "n1", note{Title: "kept"})
	db.Close()
	opts := append(testDatabase(t, dir), func(db *DB) {
		db.extraMigrations = []migration{{name: "9999_half.sql", text: `CREATE TABLE half_done (x INTEGER); INSERT INTO half_done VALUES (1); SELECT no_such_column FROM changes;`}}
	})
	if _, err := Open(context.Background(), dir, opts...); err == nil || !strings.Contains(err.Error(), "migration 9999_half.sql") {
		t.Fatalf("got %v, want the migration's failure", err)
	}
	db = mustOpen(t, dir)
	var tables []string
	rows, err := db.Query(context.Background(), db.Dialect().Tables)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	for _, n := range tables {
		if n == "half_done" {
			t.Fatal("the failed migration's table is there")
		}
	}
	var applied int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM schema_migrations WHERE name = '9999_half.sql'`).Scan(&applied); err != nil || applied != 0 {
		t.Fatalf("the failed migration is recorded as applied (%d, %v)", applied, err)
	}
	rep, err := db.Verify(context.Background(), nil)
	if err != nil || !rep.OK() || rep.Changes != 1 {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

// BenchmarkVersion measures the check a cache makes on every read when
// nothing changed (the common case), and when one change came in since.
func BenchmarkVersion(b *testing.B) {
	dir := b.TempDir()
	db := mustOpen(b, dir)
	for i := range 100 {
		writeNote(b, db, "n"+strconv.Itoa(i), note{Title: "x"})
	}
	ctx := context.Background()
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Version(ctx, "note"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one change since", func(b *testing.B) {
		i := 0
		for b.Loop() {
			b.StopTimer()
			writeNote(b, db, "m"+strconv.Itoa(i), note{Title: "y"})
			i++
			b.StartTimer()
			if _, err := db.Version(ctx, "note"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A read whose connection is lost (its backend ended while it runs) fails
// with an error that Unavailable marks unavailable, as a write's does:
// the HTTP faces then answer 503, not 500.
func TestConnectionLostMidRead(t *testing.T) {
	if !pgtest.OnPostgres() {
		t.Skip("PostgreSQL's: SQLite has no connection to lose")
	}
	dir := t.TempDir()
	db := mustOpen(t, dir)
	writeNote(t, db, "n0", note{Title: "before"})
	adm := admin(t, dir)
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		var v string
		done <- db.QueryRow(ctx, `SELECT CAST(pg_sleep(10) AS TEXT)`).Scan(&v)
	}()
	waitFor(t, 5*time.Second, "the read to start", func() bool {
		var n int
		adm.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(10)%' AND pid <> pg_backend_pid()`).Scan(&n)
		return n == 1
	})
	if _, err := adm.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(10)%' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	err := <-done
	if err == nil {
		t.Fatal("the read survived its backend's end")
	}
	if got := Unavailable(err); errs.CodeOf(got) != errs.CodeUnavailable {
		t.Fatalf("got %v (code %s), want unavailable", got, errs.CodeOf(got))
	}
	// The next read takes another connection and succeeds.
	var n int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM changes`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the next read: %d %v", n, err)
	}
	// An error of the request's own stays what it was.
	if bad := Unavailable(errs.Invalid("title", "is required")); errs.CodeOf(bad) != errs.CodeInvalid {
		t.Fatalf("an invalid input became %s", errs.CodeOf(bad))
	}
}
