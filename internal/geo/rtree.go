package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/golang/geo/s2"
)

// box is a latitude/longitude box in radians that does not wrap, holding
// (at level 0 of an rtree) one segment of a ring.
type box struct {
	minLat, maxLat, minLon, maxLon float64
	segment                        int
}

func (b box) overlaps(o box) bool {
	return b.minLat <= o.maxLat && o.minLat <= b.maxLat && b.minLon <= o.maxLon && o.minLon <= b.maxLon
}

func (b box) union(o box) box {
	return box{
		minLat: math.Min(b.minLat, o.minLat), maxLat: math.Max(b.maxLat, o.maxLat),
		minLon: math.Min(b.minLon, o.minLon), maxLon: math.Max(b.maxLon, o.maxLon),
	}
}

// boxesOf returns the boxes covering rect r of segment i: one, or two when r
// crosses the antimeridian.
func boxesOf(r s2.Rect, i int) []box {
	withLon := func(lo, hi float64) box {
		return box{minLat: r.Lat.Lo, maxLat: r.Lat.Hi, minLon: lo, maxLon: hi, segment: i}
	}
	switch {
	case r.Lng.IsFull():
		return []box{withLon(-math.Pi, math.Pi)}
	case r.Lng.IsInverted():
		return []box{withLon(r.Lng.Lo, math.Pi), withLon(-math.Pi, r.Lng.Hi)}
	}
	return []box{withLon(r.Lng.Lo, r.Lng.Hi)}
}

// rtree is a static R-tree: finding the boxes that overlap a query box
// costs O(log n + k) for k overlaps, however the boxes are laid out.
type rtree struct {
	// levels[0] holds the boxes; each box at levels[k] bounds fanout boxes
	// of levels[k-1], in order.
	levels [][]box
}

const fanout = 16

func newRTree(boxes []box) rtree {
	capacity := fanout
	for capacity < len(boxes) {
		capacity *= fanout
	}
	pack(boxes, capacity)
	t := rtree{levels: [][]box{boxes}}
	for below := boxes; len(below) > 1; below = t.levels[len(t.levels)-1] {
		above := make([]box, 0, (len(below)+fanout-1)/fanout)
		for start := 0; start < len(below); start += fanout {
			b := below[start]
			for _, c := range below[start+1 : min(start+fanout, len(below))] {
				b = b.union(c)
			}
			above = append(above, b)
		}
		t.levels = append(t.levels, above)
	}
	return t
}

// pack orders boxes so that each run of fanout^k of them starting at a
// multiple of fanout^k (a node of the tree) covers a compact area: it cuts
// along whichever axis the boxes spread further, into fanout slabs, and
// packs each slab the same way. Cutting along the wider axis keeps nodes
// compact for long thin shapes, where fixed strips would not.
func pack(boxes []box, capacity int) {
	if len(boxes) <= fanout {
		return
	}
	var latLo, latHi, lonLo, lonHi = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, b := range boxes {
		latLo, latHi = math.Min(latLo, b.minLat+b.maxLat), math.Max(latHi, b.minLat+b.maxLat)
		lonLo, lonHi = math.Min(lonLo, b.minLon+b.maxLon), math.Max(lonHi, b.minLon+b.maxLon)
	}
	if lonHi-lonLo > latHi-latLo {
		slices.SortFunc(boxes, func(a, b box) int { return cmp.Compare(a.minLon+a.maxLon, b.minLon+b.maxLon) })
	} else {
		slices.SortFunc(boxes, func(a, b box) int { return cmp.Compare(a.minLat+a.maxLat, b.minLat+b.maxLat) })
	}
	slab := capacity / fanout
	for start := 0; start < len(boxes); start += slab {
		pack(boxes[start:min(start+slab, len(boxes))], slab)
	}
}

// search calls found with the segment of every box overlapping q.
func (t rtree) search(q box, found func(segment int)) {
	type node struct{ level, index int }
	top := len(t.levels) - 1
	stack := make([]node, 0, 4*fanout)
	for i := range t.levels[top] {
		stack = append(stack, node{top, i})
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.level == 0 {
			if b := t.levels[0][n.index]; b.overlaps(q) {
				found(b.segment)
			}
			continue
		}
		if !t.levels[n.level][n.index].overlaps(q) {
			continue
		}
		for c := n.index * fanout; c < min((n.index+1)*fanout, len(t.levels[n.level-1])); c++ {
			stack = append(stack, node{n.level - 1, c})
		}
	}
}
