package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// batchChanges returns n changes of notes: mostly creations, with every
// seventh an update of a note created earlier in the batch (which breaks
// the runs of creations RecordAll writes together).
func batchChanges(n int, public bool) []Change {
	var cs []Change
	for i := range n {
		c := Change{Entity: "note", ID: fmt.Sprintf("b%04d", i), Version: 1, Actor: Actor{User: "u1", Org: "o1", Via: "cli"},
			Body: note{Title: fmt.Sprintf("note %d", i), Count: i, Tags: []string{"x", fmt.Sprint(i % 3)}}, Public: public || i%5 == 0}
		if i%7 == 6 {
			c.ID, c.Version, c.Body = fmt.Sprintf("b%04d", i-3), 0, note{Title: fmt.Sprintf("updated %d", i), Count: -i}
		}
		cs = append(cs, c)
	}
	return cs
}

func TestRecordAllIsRecordInOrder(t *testing.T) {
	ctx := context.Background()
	// All public, so that the leaves do not depend on which salt each
	// change drew: the two logs must then be the same tree.
	cs := batchChanges(300, true)
	one, all := mustOpen(t, t.TempDir()), mustOpen(t, t.TempDir())
	want, err := one.Write(ctx, func(tx *Tx) error {
		for _, c := range cs {
			if _, err := tx.Record(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var fromAll []Recorded
	got, err := all.Write(ctx, func(tx *Tx) error {
		var err error
		fromAll, err = tx.RecordAll(cs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(fromAll) != len(want) {
		t.Fatalf("recorded %d (RecordAll returned %d), want %d", len(got), len(fromAll), len(want))
	}
	for i := range want {
		if got[i] != want[i] || fromAll[i] != want[i] {
			t.Fatalf("change %d: RecordAll recorded %+v, Record %+v", i, got[i], want[i])
		}
	}
	r1, _ := one.TreeHashAt(ctx, one.Size())
	r2, _ := all.TreeHashAt(ctx, all.Size())
	if r1 != r2 {
		t.Fatalf("roots differ: %x and %x", r1, r2)
	}
	var title string
	if err := all.QueryRow(ctx, `SELECT title FROM test_notes WHERE id = ?`, "b0003").Scan(&title); err != nil || title != "updated 6" {
		t.Fatalf("projection of an updated note: %q, %v", title, err)
	}
	// With salts (most changes not public) the log verifies too.
	if _, err := all.Write(ctx, func(tx *Tx) error {
		cs := batchChanges(130, false)
		for i := range cs {
			cs[i].ID = "s" + cs[i].ID
		}
		_, err := tx.RecordAll(cs)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := all.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	if rep.Changes != 430 {
		t.Fatalf("verify counted %d changes, want 430", rep.Changes)
	}
}

func TestRecordAllFailsWhole(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	writeNote(t, db, "b0100", note{Title: "exists"})
	size := db.Size()
	for _, tc := range []struct {
		name  string
		bad   func(cs []Change)
		field string
	}{
		{"a creation that exists", func(cs []Change) {}, "id"},
		{"a body with NUL", func(cs []Change) { cs[40].Body = note{Title: "a\x00b"} }, "title"},
		{"a stale version", func(cs []Change) { cs[20].ID, cs[20].Version = "b0100", 5 }, "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := batchChanges(150, false)
			if tc.field != "id" {
				cs[100].ID = "c0100" // no conflict but the one set up
			}
			tc.bad(cs)
			recs, err := db.Write(ctx, func(tx *Tx) error {
				_, err := tx.RecordAll(cs)
				return err
			})
			var e *errs.Error
			if !errors.As(err, &e) || e.Field != tc.field {
				t.Fatalf("err = %v, want an error naming %s", err, tc.field)
			}
			if recs != nil || db.Size() != size {
				t.Fatalf("recorded %d, size %d (want %d)", len(recs), db.Size(), size)
			}
			var n int
			db.QueryRow(ctx, `SELECT COUNT(*) FROM test_notes`).Scan(&n)
			if n != 1 {
				t.Fatalf("%d notes after a failed batch, want 1", n)
			}
		})
	}
}
