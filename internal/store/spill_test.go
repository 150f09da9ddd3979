package store

import (
	"context"
	"errors"
	"testing"
)

// A transaction that spills between chunks builds the same tree as one
// that does not, and one that fails after spilling leaves nothing.
func TestSpillKeepsTheTreeAndRollsBack(t *testing.T) {
	ctx := context.Background()
	cs := batchChanges(300, true)
	plain, spilled := mustOpen(t, t.TempDir()), mustOpen(t, t.TempDir())
	// The same history on both (a failed write, then the changes), so
	// that the times stamped in the leaves agree.
	for _, fail := range []bool{true, false} {
		_, err := plain.Write(ctx, func(tx *Tx) error {
			if _, err := tx.RecordAll(cs); err != nil || !fail {
				return err
			}
			return errors.New("injected")
		})
		if (err != nil) != fail {
			t.Fatal(err)
		}
	}
	inChunks := func(fail bool) ([]Recorded, error) {
		return spilled.Write(ctx, func(tx *Tx) error {
			for i := 0; i < len(cs); i += 50 {
				if _, err := tx.RecordAll(cs[i : i+50]); err != nil {
					return err
				}
				if err := tx.Spill(); err != nil {
					return err
				}
				if fail && i == 200 {
					return errors.New("injected after 250 changes")
				}
			}
			return nil
		})
	}
	if _, err := inChunks(true); err == nil {
		t.Fatal("the failing fn did not fail")
	}
	var n int
	if err := spilled.QueryRow(ctx, `SELECT COUNT(*) FROM changes`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after the failed fn: %d changes (%v)", n, err)
	}
	recs, err := inChunks(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Seq != int64(len(cs)-1) {
		t.Errorf("Write returned %d records (last %+v), want the last alone", len(recs), recs)
	}
	if spilled.tree.size != plain.tree.size || spilled.tree.root != plain.tree.root {
		t.Errorf("tree after spills: size %d root %x; without: size %d root %x", spilled.tree.size, spilled.tree.root, plain.tree.size, plain.tree.root)
	}
	for _, db := range []*DB{plain, spilled} {
		if rep, err := db.Verify(ctx, nil); err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	}
}
