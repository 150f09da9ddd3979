package store

import (
	"context"
	"github.com/truce-monitoring/truce/internal/pgtest"

	"database/sql"
	"fmt"
	"hash/maphash"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// Records are found by the hash of their id, and of two changes of one
// record the later counts.
func TestEntityStateLookup(t *testing.T) {
	p := &Projection{Entity: "note", Tables: []Table{{Name: "t", Columns: []string{"id"}}}}
	e := &entityState{name: "note", proj: p, seed: maphash.MakeSeed()}
	for i := range 1000 {
		e.add(fmt.Sprintf("n%d", i), int64(i), recProjected, []digest{{}})
	}
	e.add("n7", 1000, recProjected, []digest{{}}) // a later change of n7
	e.index()
	for i, r := range e.recs[:1000] {
		want := int32(i)
		if r.id == "n7" {
			want = 1000
		}
		// With no hint, a hint on the spot, and a wrong one.
		for _, last := range []int32{-2, want - 1, want, 3} {
			if got, ok := e.lookup([]byte(r.id), last); !ok || got != want {
				t.Fatalf("lookup(%q, %d) = %d, %v; want %d", r.id, last, got, ok, want)
			}
		}
	}
	if e.recs[7].state != recSuperseded || e.recs[1000].state != recProjected {
		t.Fatalf("of n7's two changes the later does not count: %+v %+v", e.recs[7], e.recs[1000])
	}
	if _, ok := e.lookup([]byte("nope"), 5); ok {
		t.Fatal("lookup found a record never added")
	}
}

// Two ids whose hashes collide are still two records.
func TestEntityStateHashCollision(t *testing.T) {
	e := &entityState{recs: []recState{{id: "a"}, {id: "b"}}, keys: []keyAt{{7, 0}, {7, 1}, {9, 0}}}
	for id, want := range map[string]int32{"a": 0, "b": 1} {
		if got, ok := e.lookupKey(7, []byte(id)); !ok || got != want {
			t.Errorf("lookupKey(7, %q) = %d, %v; want %d", id, got, ok, want)
		}
	}
	if _, ok := e.lookupKey(7, []byte("c")); ok {
		t.Error("an id never added was found under a colliding hash")
	}
}

// The digest of a record's rows ignores their order and counts repeats.
func TestDigestOrderAndRepeats(t *testing.T) {
	seed := maphash.MakeSeed()
	sum := func(rows ...string) digest {
		var d digest
		for _, r := range rows {
			d.add(seed, []byte(r))
		}
		return d
	}
	if sum("x", "y") != sum("y", "x") {
		t.Error("order changed the digest")
	}
	if sum("x") == sum("x", "x") || sum("x", "x", "y") == sum("x", "y") {
		t.Error("a repeated row did not change the digest")
	}
	if sum("x", "y") == sum("x", "z") {
		t.Error("an edited row kept the digest")
	}
}

// The tree Verify builds in memory is the one tlog builds.
func TestAppendStoredHashes(t *testing.T) {
	var mine, theirs []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = theirs[x]
		}
		return out, nil
	})
	for n := range int64(1000) {
		leaf := tlog.RecordHash([]byte(fmt.Sprint(n)))
		mine = appendStoredHashes(mine, n, leaf)
		hs, err := tlog.StoredHashesForRecordHash(n, leaf, r)
		if err != nil {
			t.Fatal(err)
		}
		theirs = append(theirs, hs...)
		if len(mine) != len(theirs) || mine[len(mine)-1] != theirs[len(theirs)-1] {
			t.Fatalf("leaf %d: %d hashes, tlog %d", n, len(mine), len(theirs))
		}
	}
	for i := range mine {
		if mine[i] != theirs[i] {
			t.Fatalf("stored hash %d differs", i)
		}
	}
}

// The database joins a change's actor, org, via and at as the leaf does,
// whatever they hold; a NULL joins to NULL.
func TestJoinedColumns(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	cases := [][4]string{
		{"usr_a", "org_b", "session", "2021-06-12T15:30:00.000000Z"},
		{"", "", "", ""},
		{"a\nat x", "'; --", "via", "ünï ’"},
	}
	if !pgtest.OnPostgres() { // PostgreSQL's text holds no NUL
		cases = append(cases, [4]string{"a", "b", "\x00via", "t"})
	}
	for _, c := range cases {
		var got sql.NullString
		q := `SELECT ` + ledger.JoinedSQL("actor", "org", "via", "at") + ` FROM (SELECT CAST(? AS TEXT) AS actor, CAST(? AS TEXT) AS org, CAST(? AS TEXT) AS via, CAST(? AS TEXT) AS at) AS c`
		if err := db.QueryRow(context.Background(), q, c[0], c[1], c[2], c[3]).Scan(&got); err != nil {
			t.Fatal(err)
		}
		want := string(ledger.AppendRaw(nil, 0, "", "", 0, c[0], c[1], c[2], c[3], nil))
		if full := string(ledger.AppendJoined(nil, 0, "", "", 0, got.String, nil)); !got.Valid || full != want {
			t.Errorf("%q joined to %q (valid %v): leaf %q, want %q", c, got.String, got.Valid, full, want)
		}
	}
	var null sql.NullString
	if err := db.read.QueryRow(`SELECT ` + ledger.JoinedSQL("actor", "org", "via", "at") + ` FROM (SELECT 'a' AS actor, CAST(NULL AS TEXT) AS org, 'v' AS via, 't' AS at) AS c`).Scan(&null); err != nil || null.Valid {
		t.Fatalf("a NULL org joins to %q, %v", null.String, err)
	}
}
