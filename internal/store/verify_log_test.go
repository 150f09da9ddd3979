package store

import (
	"hash/maphash"
	"testing"
)

// Records are found by the hash of their id; two ids with the same hash
// must still be two records.
func TestEntityStateHashCollision(t *testing.T) {
	e := &entityState{name: "note", seed: maphash.MakeSeed(), ids: map[uint64]int32{}}
	a := e.record("a")
	if e.record("a") != a {
		t.Fatal("the same id gave two records")
	}
	// Make "b" collide with "a".
	e.ids[maphash.String(e.seed, "b")] = a
	b := e.record("b")
	if b == a || e.record("b") != b {
		t.Fatalf("colliding ids share a record: a=%d b=%d", a, b)
	}
	for id, want := range map[string]int32{"a": a, "b": b} {
		if got, ok := e.lookup([]byte(id)); !ok || got != want {
			t.Errorf("lookup(%q) = %d, %v; want %d", id, got, ok, want)
		}
	}
	if _, ok := e.lookup([]byte("c")); ok {
		t.Error("lookup found a record never added")
	}
	if len(e.recs) != 2 || e.recs[a].id != "a" || e.recs[b].id != "b" {
		t.Fatalf("records: %+v", e.recs)
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
