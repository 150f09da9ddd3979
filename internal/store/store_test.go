package store

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/pgtest"
)

// note is a toy record used to test the store without a domain package.
type note struct {
	Title string   `json:"title"`
	Count int      `json:"count"`
	Tags  []string `json:"tags,omitempty"`
}

var noteProjection = Projection{
	Entity: "note",
	Tables: []Table{
		{Name: "test_notes", Columns: []string{"id", "title", "count"}},
		{Name: "test_note_tags", Columns: []string{"note_id", "tag"}},
	},
	Rows: func(id string, body []byte) (map[string][][]any, error) {
		var n note
		if err := json.Unmarshal(body, &n); err != nil {
			return nil, err
		}
		out := map[string][][]any{"test_notes": {{id, n.Title, n.Count}}}
		for _, t := range n.Tags {
			out["test_note_tags"] = append(out["test_note_tags"], []any{id, t})
		}
		return out, nil
	},
}

type seqReader struct{ r *rand.ChaCha8 }

func (s seqReader) Read(p []byte) (int, error) { return s.r.Read(p) }

// testDatabase returns the options that put the database of dir where this
// run of the tests keeps it: SQLite in dir, or on PostgreSQL a database
// of its own (pgtest.Main's second run).
func testDatabase(t testing.TB, dir string) []Option {
	if !pgtest.OnPostgres() {
		return nil
	}
	return []Option{WithDatabase(pgtest.ForDir(t, dir))}
}

// skipOnPostgres skips a test that holds only for SQLite; the test's name
// says why (e.g. ..._SQLiteFile).
func skipOnPostgres(t testing.TB) {
	t.Helper()
	if pgtest.OnPostgres() {
		t.Skipf("%s tests SQLite only, as its name says", t.Name())
	}
}

// mustOpen opens a fresh store in a temporary directory with the toy
// projection registered.
func mustOpen(t testing.TB, dir string) *DB {
	t.Helper()
	ctx := context.Background()
	clock := time.Date(2021, 6, 12, 10, 0, 0, 0, time.UTC)
	db, err := Open(ctx, dir, append(testDatabase(t, dir), WithRand(seqReader{rand.NewChaCha8([32]byte{1})}), WithSynchronous("normal"),
		WithClock(func() time.Time { clock = clock.Add(time.Second); return clock }))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS test_notes (id TEXT PRIMARY KEY, title TEXT NOT NULL, count INTEGER NOT NULL);
		CREATE TABLE IF NOT EXISTS test_note_tags (note_id TEXT NOT NULL, tag TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	db.Register(noteProjection)
	t.Cleanup(func() { db.Close() })
	return db
}

func writeNote(t testing.TB, db *DB, id string, n note) Recorded {
	t.Helper()
	recs, err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Record(Change{Entity: "note", ID: id, Actor: Actor{User: "u1", Org: "o1", Via: "cli"}, Body: n})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs[0]
}

func TestRecordWritesChangeProjectionAndLeaf(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	ctx := context.Background()
	r1 := writeNote(t, db, "n1", note{Title: "first", Count: 1, Tags: []string{"a", "b"}})
	r2 := writeNote(t, db, "n1", note{Title: "second", Count: 2, Tags: []string{"c"}})
	if r1.Seq != 0 || r2.Seq != 1 || r2.Version != 2 {
		t.Fatalf("seq/version = %d/%d, %d/%d", r1.Seq, r1.Version, r2.Seq, r2.Version)
	}
	var title string
	var count int
	if err := db.QueryRow(ctx, `SELECT title, count FROM test_notes WHERE id = ?`, "n1").Scan(&title, &count); err != nil {
		t.Fatal(err)
	}
	if title != "second" || count != 2 {
		t.Fatalf("projection = %q %d", title, count)
	}
	var tags int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM test_note_tags WHERE note_id = ?`, "n1").Scan(&tags)
	if tags != 1 {
		t.Fatalf("child rows = %d, want 1 (old tags replaced)", tags)
	}
	hist, err := db.History(ctx, "note", "n1", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Actor != "u1" || hist[1].LeafHash != r2.LeafHash || !strings.Contains(string(hist[0].Body), "first") {
		t.Fatalf("history = %+v", hist)
	}
	if db.Size() != 2 {
		t.Fatalf("size = %d", db.Size())
	}
}

func TestStaleVersionIsConflictAndChangesNothing(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	writeNote(t, db, "n1", note{Title: "a"})
	writeNote(t, db, "n1", note{Title: "b"})
	_, err := db.Write(context.Background(), func(tx *Tx) error {
		if _, err := tx.Record(Change{Entity: "note", ID: "n2", Actor: System, Body: note{Title: "other"}}); err != nil {
			return err
		}
		_, err := tx.Record(Change{Entity: "note", ID: "n1", Version: 2, Actor: System, Body: note{Title: "stale"}})
		return err
	})
	if errs.CodeOf(err) != errs.CodeConflict || errs.FieldOf(err) != "version" {
		t.Fatalf("err = %v, want conflict on version", err)
	}
	if db.Size() != 2 {
		t.Fatalf("size after failed tx = %d, want 2", db.Size())
	}
	if _, _, err := db.Body(context.Background(), "note", "n2"); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("n2 exists after rollback: %v", err)
	}
	// The tree state survives the rollback: the next write verifies.
	writeNote(t, db, "n3", note{Title: "c"})
	rep, err := db.Verify(context.Background(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

func TestReopenContinuesTheTree(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	for i := range 300 {
		writeNote(t, db, "n"+strings.Repeat("x", i%7), note{Title: "t", Count: i})
	}
	db.Close()
	db = mustOpen(t, dir)
	writeNote(t, db, "after", note{Title: "z"})
	if err := db.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Verify(context.Background(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify after reopen: %v %v", err, rep.Problems)
	}
	if rep.Changes != 301 {
		t.Fatalf("changes = %d", rep.Changes)
	}
}

func TestProofsAgreeWithCheckpoint(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	ctx := context.Background()
	var recs []Recorded
	for i := range 1000 {
		recs = append(recs, writeNote(t, db, "n", note{Count: i}))
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	cp, err := db.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	size, root, err := ledger.OpenCheckpoint(cp.Note, db.Keys().Origin, db.Keys().Verifier)
	if err != nil || size != 1000 {
		t.Fatalf("checkpoint: %v size %d", err, size)
	}
	for _, seq := range []int64{0, 1, 255, 256, 511, 999} {
		p, leaf, err := db.InclusionProof(ctx, seq, size)
		if err != nil {
			t.Fatal(err)
		}
		if leaf != recs[seq].LeafHash {
			t.Fatalf("leaf %d hash differs", seq)
		}
		if err := tlog.CheckRecord(p, size, root, seq, leaf); err != nil {
			t.Fatalf("inclusion %d: %v", seq, err)
		}
	}
	old, _ := db.TreeHashAt(ctx, 300)
	tp, err := db.ConsistencyProof(ctx, 300, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(tp, 1000, root, 300, old); err != nil {
		t.Fatalf("consistency: %v", err)
	}
	// Tiles: the first full level-0 tile hashes to the level-1 hash, and
	// the entry bundle holds leaves whose hashes are the tile's.
	tile, err := ledger.ParseTilePath("tile/0/000")
	if err != nil {
		t.Fatal(err)
	}
	data, err := db.Tile(ctx, tile)
	if err != nil || len(data) != 256*32 {
		t.Fatalf("tile: %v, %d bytes", err, len(data))
	}
	et, _ := ledger.ParseTilePath("tile/entries/000")
	bundle, err := db.Tile(ctx, et)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ledger.SplitEntries(bundle)
	if err != nil || len(entries) != 256 {
		t.Fatalf("entries: %v %d", err, len(entries))
	}
	for i, e := range entries {
		if h := tlog.RecordHash(e); string(h[:]) != string(data[i*32:(i+1)*32]) {
			t.Fatalf("entry %d does not hash to the tile's leaf", i)
		}
	}
	if _, err := db.Tile(ctx, tlog.Tile{H: 8, L: 0, N: 3, W: 256}); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("tile beyond the log: %v", err)
	}
	pt, _ := ledger.ParseTilePath("tile/0/003.p/232")
	if d, err := db.Tile(ctx, pt); err != nil || len(d) != 232*32 {
		t.Fatalf("partial tile: %v %d", err, len(d))
	}
}

func TestCheckpointerSignsAfterWrites(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	writeNote(t, db, "n", note{})
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		cp, err := db.LatestCheckpoint(context.Background())
		if err == nil && cp.Size == 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no checkpoint of size 1 within 3 s of the write")
}

func TestChangedMigrationStopsStartup(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	if _, err := db.write.Exec(`UPDATE schema_migrations SET sha256 = 'x' WHERE name = '0001_log.sql'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(context.Background(), dir, testDatabase(t, dir)...)
	if err == nil || !strings.Contains(err.Error(), "0001_log.sql") {
		t.Fatalf("open with changed migration: %v", err)
	}
}

func TestRebind(t *testing.T) {
	got := Postgres.Rebind(`SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)`)
	want := `SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)`
	if got != want {
		t.Fatalf("got %s", got)
	}
	if SQLite.Rebind(want) != want {
		t.Fatal("sqlite rebind changed the query")
	}
}

var _ = errors.New

// TestTwoProcessesShareTheLog writes through two handles on one directory,
// as a CLI command does beside a running server: the tree stays whole.
func TestTwoProcessesShareTheLog(t *testing.T) {
	dir := t.TempDir()
	a := mustOpen(t, dir)
	b := mustOpen(t, dir)
	for i := range 50 {
		db := a
		if i%3 == 0 {
			db = b
		}
		writeNote(t, db, "n"+strings.Repeat("y", i%5), note{Count: i})
	}
	a.Checkpoint(context.Background())
	// b writes last: a, which has not written since, still proves b's
	// changes against the checkpoint b signed.
	last := writeNote(t, b, "from-b", note{Title: "b"})
	if err := b.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	cp, err := a.LatestCheckpoint(context.Background())
	if err != nil || cp.Size != last.Seq+1 {
		t.Fatalf("latest checkpoint %d (%v), want %d", cp.Size, err, last.Seq+1)
	}
	_, root, err := ledger.OpenCheckpoint(cp.Note, a.Keys().Origin, a.Keys().Verifier)
	if err != nil {
		t.Fatal(err)
	}
	proof, leaf, err := a.InclusionProof(context.Background(), last.Seq, cp.Size)
	if err != nil || leaf != last.LeafHash {
		t.Fatalf("proof through the other handle: %v", err)
	}
	if err := tlog.CheckRecord(proof, cp.Size, root, last.Seq, leaf); err != nil {
		t.Fatal(err)
	}
	rep, err := a.Verify(context.Background(), nil)
	if err != nil || !rep.OK() || rep.Changes != 51 {
		t.Fatalf("verify: %v %+v", err, rep.Problems)
	}
}

// A data directory's database lives inside it, whatever characters its
// path holds: SQLite's URI filenames give '?', '#' and '%' a meaning.
func TestDataDirectoryNamesInSQLiteURIs(t *testing.T) {
	skipOnPostgres(t)
	parent := t.TempDir()
	for _, name := range []string{"Mission #2", "Mission #3", "a?b", "100%25 sure", "sp ace", "ünï"} {
		dir := filepath.Join(parent, name, "data")
		db := mustOpen(t, dir)
		writeNote(t, db, "n1", note{Title: name})
		db.Close()
		if _, err := os.Stat(filepath.Join(dir, DBFile)); err != nil {
			t.Fatalf("%q: the database is not inside the data directory: %v", name, err)
		}
		rep := auditReport(t, dir)
		if !rep.OK() || rep.Changes != 1 {
			t.Fatalf("%q: verify read %d changes, problems %v: another directory's database?", name, rep.Changes, rep.Problems)
		}
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 6 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("the data directories' parent holds %q: a database escaped its directory", names)
	}
}

// A data directory whose database is gone but whose keys remain does not
// quietly start a new, empty log.
func TestKeysWithoutDatabaseSQLiteFile(t *testing.T) {
	skipOnPostgres(t)
	dir := t.TempDir()
	db := mustOpen(t, dir)
	writeNote(t, db, "n1", note{Title: "x"})
	db.Close()
	for _, f := range []string{DBFile, DBFile + "-wal", DBFile + "-shm"} {
		os.Remove(filepath.Join(dir, f))
	}
	if _, err := Open(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("opened a data directory whose database is gone: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, DBFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refused start left a database behind: %v", err)
	}
}
