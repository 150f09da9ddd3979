package audit

import (
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// compactRange is the right edge of an RFC 6962 tree: the roots of the
// perfect subtrees that make up its leaves, largest first (one for each bit
// set in the size). It is all an auditor needs to extend a tree it has
// checked with new leaves and recompute the root, without the old leaves.
type compactRange struct {
	size   int64
	hashes []tlog.Hash
}

// append adds a leaf hash, merging the subtrees that become perfect.
func (r *compactRange) append(h tlog.Hash) {
	r.hashes = append(r.hashes, h)
	for s := r.size; s&1 == 1; s >>= 1 {
		n := len(r.hashes)
		r.hashes[n-2] = tlog.NodeHash(r.hashes[n-2], r.hashes[n-1])
		r.hashes = r.hashes[:n-1]
	}
	r.size++
}

// root returns the tree's RFC 6962 root hash (tlog's for the empty tree).
func (r *compactRange) root() tlog.Hash {
	if len(r.hashes) == 0 {
		h, _ := tlog.TreeHash(0, nil)
		return h
	}
	h := r.hashes[len(r.hashes)-1]
	for i := len(r.hashes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(r.hashes[i], h)
	}
	return h
}

// valid reports whether the range has one hash per subtree of its size.
func (r *compactRange) valid() bool {
	return r.size >= 0 && len(r.hashes) == bits.OnesCount64(uint64(r.size))
}
