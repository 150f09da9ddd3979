package specwitness

import (
	"crypto/sha256"

	"golang.org/x/mod/sumdb/tlog"
)

// emptyRoot is the root of the tree of no leaves: RFC 6962 section 2.1
// defines it as the hash of the empty string.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// interior is RFC 6962's hash of an interior node: SHA-256(0x01 || left || right).
func interior(left, right tlog.Hash) tlog.Hash {
	var buf [1 + 2*tlog.HashSize]byte
	buf[0] = 0x01
	copy(buf[1:], left[:])
	copy(buf[1+tlog.HashSize:], right[:])
	return sha256.Sum256(buf[:])
}

// consistent reports whether proof shows that the tree of size first with
// root firstRoot is a prefix of the tree of size second with root
// secondRoot. It follows the verification algorithm of RFC 9162 section
// 2.1.4.2 step by step, on purpose without x/mod's tlog.CheckTree, so that
// the oracle and the witness it judges do not share that code.
func consistent(first, second int64, firstRoot, secondRoot tlog.Hash, proof []tlog.Hash) bool {
	switch {
	case first < 0 || second < first:
		return false
	case first == second:
		// A tree is consistent with itself and nothing needs proving.
		return len(proof) == 0 && firstRoot == secondRoot
	case first == 0:
		// The empty tree is a prefix of every tree.
		return len(proof) == 0
	case len(proof) == 0:
		// Step 1.
		return false
	}
	// Step 2: when first is a power of two its root is a node of the
	// second tree, the proof's implied first element.
	path := proof
	if first&(first-1) == 0 {
		path = append([]tlog.Hash{firstRoot}, proof...)
	}
	// Steps 3 and 4.
	fn, sn := uint64(first-1), uint64(second-1)
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	// Step 5.
	fr, sr := path[0], path[0]
	// Step 6.
	for _, c := range path[1:] {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			fr = interior(c, fr)
			sr = interior(c, sr)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			sr = interior(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	// Step 7.
	return fr == firstRoot && sr == secondRoot && sn == 0
}
