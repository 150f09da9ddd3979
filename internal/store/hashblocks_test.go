package store

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// A data directory from before the stored hashes moved into blocks
// (migration 0017) verifies as it is, and converts on its next start to
// the same tree.
// PostgreSQL databases began with blocks: there is no older layout.
func TestHashBlocksMigrationOfOlderSQLiteFile(t *testing.T) {
	skipOnPostgres(t)
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

	audit, err := OpenForAudit(ctx, dir, testDatabase(t, dir)...)
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

// countingReader serves stored hashes from memory and counts what it is
// asked for.
type countingReader struct {
	hashes []tlog.Hash
	asked  int
}

func (c *countingReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		if idx < 0 || idx >= int64(len(c.hashes)) {
			return nil, fmt.Errorf("stored hash %d is missing", idx)
		}
		out[i] = c.hashes[idx]
	}
	c.asked += len(indexes)
	return out, nil
}

// The cache of upper levels gives the proofs the uncached reader gives,
// and asks the database again only for the lower levels.
func TestCachedHashReader(t *testing.T) {
	const n = 5000
	var hashes []tlog.Hash
	for i := range int64(n) {
		hashes = appendStoredHashes(hashes, i, tlog.RecordHash(fmt.Appendf(nil, "leaf %d", i)))
	}
	base := &countingReader{hashes: hashes}
	cached := cachedHashReader{cache: &hashCache{}, r: base}
	for round := range 2 {
		before := base.asked
		for _, seq := range []int64{0, 1, 63, 64, 2047, 4095, 4999} {
			for _, size := range []int64{seq + 1, 4096, n} {
				if size <= seq {
					continue
				}
				want, err := tlog.ProveRecord(size, seq, &countingReader{hashes: hashes})
				if err != nil {
					t.Fatal(err)
				}
				got, err := tlog.ProveRecord(size, seq, cached)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("proof of %d in %d differs through the cache", seq, size)
				}
			}
		}
		t.Logf("round %d: %d hashes read from below", round, base.asked-before)
		if round == 1 && base.asked-before >= before {
			t.Fatalf("the second round read %d hashes from below, the first %d: the cache kept nothing", base.asked-before, before)
		}
	}
	for idx := range cached.cache.hashes {
		if level, _ := tlog.SplitStoredHashIndex(idx); level < cachedLevel {
			t.Fatalf("stored hash %d (level %d) is cached", idx, level)
		}
	}
	if _, err := cached.ReadHashes([]int64{int64(len(hashes))}); err == nil {
		t.Fatal("a missing stored hash read through the cache")
	}
}
