package specwitness

import (
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// The oracle's own RFC 9162 consistency check accepts exactly the proofs
// x/mod's tlog produces, and nothing changed in them.
func TestConsistentAcceptsTlogProofsOnly(t *testing.T) {
	l, err := NewLog("example.test/consistency")
	if err != nil {
		t.Fatal(err)
	}
	const max = 70
	for i := range max {
		l.Append(string(rune('a' + i%26)))
	}
	for second := int64(1); second <= max; second++ {
		for first := int64(1); first < second; first++ {
			p := l.Proof(first, second)
			r1, r2 := l.Root(first), l.Root(second)
			if !consistent(first, second, r1, r2, p) {
				t.Fatalf("%d→%d: tlog's proof refused", first, second)
			}
			if consistent(first, second, r2, r1, p) {
				t.Fatalf("%d→%d: roots swapped, accepted", first, second)
			}
			if consistent(first, second, r1, r2, p[:len(p)-1]) {
				t.Fatalf("%d→%d: proof short of its last hash, accepted", first, second)
			}
			if consistent(first, second, r1, r2, append(append([]tlog.Hash{}, p...), r1)) {
				t.Fatalf("%d→%d: proof with a hash too many, accepted", first, second)
			}
			for i := range p {
				bad := append([]tlog.Hash{}, p...)
				bad[i][i%32] ^= 1
				if consistent(first, second, r1, r2, bad) {
					t.Fatalf("%d→%d: proof hash %d changed, accepted", first, second, i)
				}
			}
			if first+1 < second && consistent(first+1, second, r1, r2, p) && tlog.CheckTree(p, second, r2, first+1, r1) != nil {
				t.Fatalf("%d→%d: accepted as a proof from %d, which tlog refuses", first, second, first+1)
			}
		}
	}
	if !consistent(0, 5, emptyRoot, l.Root(5), nil) || consistent(0, 5, emptyRoot, l.Root(5), []tlog.Hash{{}}) {
		t.Error("from the empty tree: only the empty proof proves")
	}
	if !consistent(5, 5, l.Root(5), l.Root(5), nil) || consistent(5, 5, l.Root(5), l.Root(5), []tlog.Hash{l.Root(5)}) || consistent(5, 5, l.Root(5), l.Root(4), nil) {
		t.Error("same size: only the empty proof and the same root prove")
	}
}
