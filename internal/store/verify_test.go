package store

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// tamper opens the SQLite file directly, as someone with access to the
// disk would, and runs the statements. On PostgreSQL it runs them on the
// directory's database, with SQLite's functions the tests use defined
// there and its literals translated.
func tamper(t *testing.T, dir string, stmts ...string) {
	t.Helper()
	if pgtest.OnPostgres() {
		pgtest.Tamper(t, pgtest.ForDir(t, dir), stmts...)
		return
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name  string
		stmts []string
		want  string // substring of a reported problem
	}{
		{"projection row edited", []string{`UPDATE test_notes SET title = 'forged' WHERE id = 'n3'`}, `note n3 seq 7: test_notes row was edited: column title is "forged"`},
		{"projection row inserted", []string{`INSERT INTO test_notes (id, title, count) VALUES ('n9', 'ghost', 0)`}, "note n9: test_notes row has no change behind it"},
		{"projection row inserted at the last SQLite row id", []string{`INSERT INTO test_notes (rowid, id, title, count) VALUES (9223372036854775807, 'n9', 'ghost', 0)`}, "note n9: test_notes row has no change behind it"},
		{"projection row inserted at a negative SQLite row id", []string{`INSERT INTO test_notes (rowid, id, title, count) VALUES (-5, 'n8', 'ghost', 0)`}, "note n8: test_notes row has no change behind it"},
		{"projection row deleted", []string{`DELETE FROM test_notes WHERE id = 'n2'`}, "note n2 seq 6: test_notes row was deleted"},
		{"child row inserted", []string{`INSERT INTO test_note_tags (note_id, tag) VALUES ('n1', 'extra')`}, "note n1 seq 5: test_note_tags has 2 rows, the log gives 1"},
		{"change body edited", []string{`UPDATE changes SET body = CAST('{"title":"forged","count":1}' AS BLOB) WHERE seq = 2`}, "seq 2: body was edited"},
		{"change body and its hash edited", []string{`UPDATE changes SET body = CAST('{"title":"forged","count":1}' AS BLOB), body_sha256 = X'00' WHERE seq = 2`}, "seq 2: leaf hash was edited"},
		{"change deleted in the middle", []string{`DELETE FROM changes WHERE seq = 4`}, "log seq 4: changes 4 to 4 are missing"},
		{"change deleted at the tail", []string{`DELETE FROM changes WHERE seq = 7`}, "checkpoint signed for 8 changes but the log holds 7"},
		{"leaf hash edited", []string{`UPDATE ledger_hash_blocks SET hashes = unhex(hex(randomblob(32)) || substr(hex(hashes), 65)) WHERE n = 0`}, "note n0 seq 0: leaf hash was edited"},
		{"tree hash edited", []string{`UPDATE ledger_hash_blocks SET hashes = unhex(substr(hex(hashes), 1, 128) || hex(randomblob(32)) || substr(hex(hashes), 193)) WHERE n = 0`}, "tree hash at level 1, index 0 was edited"},
		{"checkpoint edited", []string{`UPDATE checkpoints SET note = replace(note, char(10) || '8' || char(10), char(10) || '9' || char(10)) WHERE size = 8`}, "checkpoint at size 8: signature or format is not valid"},
		{"change body emptied", []string{`UPDATE changes SET body = X'' WHERE seq = 2`}, "seq 2: body was edited: it is empty"},
		{"change body deleted", []string{`UPDATE changes SET body = NULL WHERE seq = 2`}, "seq 2: body was deleted: no erasure names it"},
		{"two stored hashes swapped", []string{`UPDATE ledger_hash_blocks SET hashes = unhex(substr(hex(hashes), 1, 192) || substr(hex(hashes), 257, 64) || substr(hex(hashes), 193, 64) || substr(hex(hashes), 321)) WHERE n = 0`}, "was edited: it does not match the change"},
		{"stored hashes cut short", []string{`UPDATE ledger_hash_blocks SET hashes = substr(hashes, 1, 64) WHERE n = 0`}, "tree hash at level 1, index 0 is missing"},
		{"stored hash block garbled", []string{`UPDATE ledger_hash_blocks SET hashes = unhex(hex(hashes) || '00') WHERE n = 0`}, "stored hash block 0 holds"},
		{"version renumbered", []string{`UPDATE changes SET version = 3 WHERE seq = 4`}, "note n0 seq 4: version 3 follows no version 2"},
		{"actor rewritten", []string{`UPDATE changes SET actor = 'someone-else' WHERE seq = 1`}, "note n1 seq 1: leaf hash was edited"},
	}
	// The log is read in one range and in ranges of 3 changes; tables
	// whole, and in ranges of one row id.
	for _, small := range []bool{false, true} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/small ranges %v", tc.name, small), func(t *testing.T) {
				if strings.Contains(tc.name, "SQLite") {
					skipOnPostgres(t)
				}
				defer func(r, c int64) { verifyRowRange, verifyChunk = r, c }(verifyRowRange, verifyChunk)
				if small {
					verifyRowRange, verifyChunk = 1, 3
				}
				dir := t.TempDir()
				db := mustOpen(t, dir)
				for i := range 8 {
					writeNote(t, db, fmt.Sprintf("n%d", i%4), note{Title: fmt.Sprintf("t%d", i), Count: i, Tags: []string{"x"}})
				}
				db.Close()
				tamper(t, dir, tc.stmts...)
				rep := auditReport(t, dir)
				if rep.OK() {
					t.Fatal("verify found nothing")
				}
				var all []string
				for _, p := range rep.Problems {
					all = append(all, p.String())
				}
				if !strings.Contains(strings.Join(all, "\n"), tc.want) {
					t.Fatalf("problems:\n%s\nwant one containing %q", strings.Join(all, "\n"), tc.want)
				}
			})
		}
	}
}

func TestVerifyIntactAndErased(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	for i := range 20 {
		writeNote(t, db, fmt.Sprintf("n%d", i%5), note{Title: fmt.Sprintf("t%d", i), Count: i})
	}
	db.Close()
	check := func() VerifyReport { return auditReport(t, dir) }
	if rep := check(); !rep.OK() || rep.Changes != 20 || rep.Records != 5 || rep.Checkpoints < 2 {
		t.Fatalf("intact log: %+v", rep)
	}
	// An erased body (not the latest version) is reported as erased, not
	// broken, when a later change of the same record (n3: seq 3, 8, 13, 18)
	// erased it.
	tamper(t, dir, `UPDATE changes SET body = NULL, erased_by = 18 WHERE seq = 3`)
	rep := check()
	if !rep.OK() {
		t.Fatalf("erased body reported as broken: %v", rep.Problems)
	}
	if len(rep.Erased) != 1 || rep.Erased[0].Seq != 3 {
		t.Fatalf("erased = %v", rep.Erased)
	}
}

// A data directory written by an older Truce lacks the tables of record
// kinds added since: verify passes over them while the log holds no record
// of those kinds, and reports a missing table that should hold records.
func TestVerifyMissingTables(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	for i := range 4 {
		writeNote(t, db, fmt.Sprintf("n%d", i), note{Title: "t", Count: i})
	}
	db.Close()
	newer := Projection{Entity: "newer_kind", Tables: []Table{{Name: "newer_kinds", Columns: []string{"id"}}},
		Rows: func(id string, body []byte) (map[string][][]any, error) {
			return map[string][][]any{"newer_kinds": {{id}}}, nil
		}}
	check := func() VerifyReport {
		audit, err := OpenForAudit(context.Background(), dir, testDatabase(t, dir)...)
		if err != nil {
			t.Fatal(err)
		}
		defer audit.Close()
		audit.Register(noteProjection)
		audit.Register(newer)
		audit.RegisterCheck(DerivedCheck{Entity: "newer_kind", Table: "newer_totals", Check: func(context.Context, Querier) ([]string, error) {
			return []string{"the check ran on a table that does not exist"}, nil
		}})
		rep, err := audit.Verify(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := check(); !rep.OK() || rep.Records != 4 {
		t.Fatalf("a table of a kind the log does not hold failed verify: %+v", rep)
	}
	tamper(t, dir, `DROP TABLE test_note_tags`)
	rep := check()
	if rep.OK() || !strings.Contains(rep.Problems[0].What, "table test_note_tags is missing") {
		t.Fatalf("a dropped table verified: %+v", rep.Problems)
	}
}
