package store

import (
	"context"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// A data directory from before the stored hashes moved into blocks
// (migration 0017) verifies as it is, and converts on its next start to
// the same tree.
func TestHashBlocksMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := mustOpen(t, dir)
	// 300 changes, 598 stored hashes: nine full blocks and a partial one.
	// Some in one transaction, so that a write crosses a block boundary.
	if _, err := db.Write(ctx, func(tx *Tx) error {
		for i := range 200 {
			if _, err := tx.Record(Change{Entity: "note", ID: fmt.Sprintf("n%d", i%7), Actor: Actor{User: "u1", Org: "o1", Via: "cli"}, Body: note{Title: "t", Count: i}}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		writeNote(t, db, fmt.Sprintf("m%d", i), note{Title: "u", Count: i})
	}
	root, err := db.TreeHashAt(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := storedHashCount(ctx, db.read); err != nil || n != tlog.StoredHashCount(300) {
		t.Fatalf("stored hashes: %d, %v; want %d", n, err, tlog.StoredHashCount(300))
	}
	db.Close()

	// Back to one hash a row, as an older Truce wrote them.
	tamper(t, dir,
		`CREATE TABLE ledger_hashes (idx INTEGER PRIMARY KEY, hash BLOB NOT NULL) STRICT`,
		`WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 62)
		 INSERT INTO ledger_hashes SELECT n * 63 + k, substr(hashes, k * 32 + 1, 32) FROM ledger_hash_blocks, i WHERE k * 32 < length(hashes)`,
		`DROP TABLE ledger_hash_blocks`,
		`DELETE FROM schema_migrations WHERE name LIKE '0017%'`)

	audit, err := OpenForAudit(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	audit.Register(noteProjection)
	rep, err := audit.Verify(ctx, nil)
	audit.Close()
	if err != nil || !rep.OK() || rep.Changes != 300 {
		t.Fatalf("the older layout does not verify: %v %+v", err, rep.Problems)
	}

	db = mustOpen(t, dir)
	defer db.Close()
	if got, err := db.TreeHashAt(ctx, 300); err != nil || got != root {
		t.Fatalf("after the migration the root is %v (%v), was %v", got, err, root)
	}
	writeNote(t, db, "after", note{Title: "v", Count: 1})
	rep, err = db.Verify(ctx, nil)
	if err != nil || !rep.OK() || rep.Changes != 301 {
		t.Fatalf("after the migration: %v %+v", err, rep.Problems)
	}
}
