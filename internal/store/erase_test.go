package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func auditReport(t *testing.T, dir string) VerifyReport {
	t.Helper()
	audit, err := OpenForAudit(context.Background(), dir, testDatabase(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	audit.Register(noteProjection)
	rep, err := audit.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestEraseLeavesTombstoneAndVerifies(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	ctx := context.Background()
	for i := range 3 {
		writeNote(t, db, "n1", note{Title: fmt.Sprintf("secret %d", i), Count: i})
		writeNote(t, db, "n2", note{Title: fmt.Sprintf("other %d", i), Count: i})
	}
	var erasure Recorded
	if _, err := db.Write(ctx, func(tx *Tx) error {
		var err error
		erasure, err = tx.Erase("note", "n1", System, note{Title: "erased", Count: 2})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if erasure.Version != 4 {
		t.Fatalf("tombstone version = %d, want 4", erasure.Version)
	}
	hist, err := db.History(ctx, "note", "n1", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range hist[:3] {
		if !v.Erased || v.Body != nil {
			t.Fatalf("version %d keeps its body after erasure: %s", v.Version, v.Body)
		}
	}
	if last := hist[3]; last.Erased || !strings.Contains(string(last.Body), "erased") {
		t.Fatalf("tombstone = %+v", last)
	}
	other, _ := db.History(ctx, "note", "n2", true)
	for _, v := range other {
		if v.Erased {
			t.Fatal("erasure touched another record")
		}
	}
	// Erasing a record that does not exist changes nothing.
	if _, err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Erase("note", "nobody", System, note{Title: "x"})
		return err
	}); err == nil {
		t.Fatal("erasing a missing record succeeded")
	}
	db.Close()
	rep := auditReport(t, dir)
	if !rep.OK() {
		t.Fatalf("verify after erasure: %v", rep.Problems)
	}
	if len(rep.Erased) != 3 {
		t.Fatalf("erased entries = %v, want the 3 earlier versions of n1", rep.Erased)
	}
}

func TestVerifyRefusesBodiesDeletedWithoutErasure(t *testing.T) {
	// seq: n1 v1=0, n2 v1=1, n1 v2=2, n2 v2=3, n1 v3=4, n2 v3=5.
	cases := []struct {
		name string
		stmt string
		want string
	}{
		{"no erasure named", `UPDATE changes SET body = NULL WHERE seq = 0`, "note n1 seq 0: body was deleted: no erasure names it"},
		{"erasure of another record", `UPDATE changes SET body = NULL, erased_by = 5 WHERE seq = 0`, "which is of note n2, not this record"},
		{"erasure that comes before", `UPDATE changes SET body = NULL, erased_by = 0 WHERE seq = 2`, "which does not come after it"},
		{"erasure not in the log", `UPDATE changes SET body = NULL, erased_by = 99 WHERE seq = 0`, "which is not in the log"},
		{"erasure without tombstone", `UPDATE changes SET body = NULL, erased_by = 4 WHERE seq IN (0, 4)`, "has no tombstone body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := mustOpen(t, dir)
			for i := range 3 {
				writeNote(t, db, "n1", note{Title: fmt.Sprintf("t%d", i), Count: i})
				writeNote(t, db, "n2", note{Title: fmt.Sprintf("u%d", i), Count: i})
			}
			db.Close()
			tamper(t, dir, tc.stmt)
			rep := auditReport(t, dir)
			var all []string
			for _, p := range rep.Problems {
				all = append(all, p.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.want) {
				t.Fatalf("problems:\n%s\nwant one containing %q", strings.Join(all, "\n"), tc.want)
			}
			for _, e := range rep.Erased {
				if strings.Contains(tc.want, fmt.Sprintf("seq %d", e.Seq)) {
					t.Fatalf("deleted body also listed as erased: %v", e)
				}
			}
		})
	}
}
