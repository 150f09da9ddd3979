package exchange

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// The GeoPackage spatial index is an SQLite R*Tree virtual table. Filling
// it one row at a time costs most of an export's time (the R* algorithm
// chooses a leaf and splits nodes at each insert), so the writer stages
// each row's box in a temporary table, with the box centre's position on
// a Hilbert curve, and at the end of the table writes the tree's nodes
// itself, packed in Hilbert order (as GDAL and FlatGeobuf do), into the
// R*Tree's shadow tables: rtree_<t>_<c>_node (the node blobs),
// rtree_<t>_<c>_rowid (each row's leaf) and rtree_<t>_<c>_parent (each
// node's parent). The node layout is SQLite's (ext/rtree/rtree.c): a
// 2-byte tree depth (meaningful in the root only), a 2-byte cell count,
// then cells of an 8-byte id and minx, maxx, miny, maxy as 4-byte floats,
// all big-endian, the floats rounded outward. SQLite's rtreecheck()
// verifies the result in the tests.

// rtreeStageBatch is how many boxes one INSERT stages.
const rtreeStageBatch = 200

// rtreeBox is one row's box and Hilbert position.
type rtreeBox struct {
	id                     int64
	minx, maxx, miny, maxy float64
	h                      int64
}

// rtreeStage collects a table's boxes in a temporary table.
type rtreeStage struct {
	batch []rtreeBox
	full  *sql.Stmt // an INSERT of rtreeStageBatch boxes
	args  []any
}

func (s *rtreeStage) create(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS truce_rtree_stage (h INTEGER NOT NULL, id INTEGER NOT NULL, minx REAL, maxx REAL, miny REAL, maxy REAL)"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM temp.truce_rtree_stage"); err != nil {
		return err
	}
	var err error
	s.full, err = tx.PrepareContext(ctx, stageInsert(rtreeStageBatch))
	s.batch = s.batch[:0]
	return err
}

func stageInsert(n int) string {
	return "INSERT INTO temp.truce_rtree_stage VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ")
}

// add stages one box, writing a batch when it is full.
func (s *rtreeStage) add(ctx context.Context, b rtreeBox) error {
	b.h = hilbert((b.minx+b.maxx)/2, (b.miny+b.maxy)/2)
	s.batch = append(s.batch, b)
	if len(s.batch) < rtreeStageBatch {
		return nil
	}
	return s.flush(ctx, nil)
}

// flush writes the staged boxes: with the prepared statement when the
// batch is full, otherwise with one made for its size in tx.
func (s *rtreeStage) flush(ctx context.Context, tx *sql.Tx) error {
	if len(s.batch) == 0 {
		return nil
	}
	s.args = s.args[:0]
	for _, b := range s.batch {
		s.args = append(s.args, b.h, b.id, b.minx, b.maxx, b.miny, b.maxy)
	}
	var err error
	if len(s.batch) == rtreeStageBatch {
		_, err = s.full.ExecContext(ctx, s.args...)
	} else {
		_, err = tx.ExecContext(ctx, stageInsert(len(s.batch)), s.args...)
	}
	s.batch = s.batch[:0]
	return err
}

// hilbert returns the position of (lon, lat) on a Hilbert curve filling
// the globe's longitude-latitude rectangle on a 2¹⁶ × 2¹⁶ grid.
func hilbert(lon, lat float64) int64 {
	const n = 1 << 16
	x := uint32(math.Min(math.Max((lon+180)/360*n, 0), n-1))
	y := uint32(math.Min(math.Max((lat+90)/180*n, 0), n-1))
	var d int64
	for s := uint32(n / 2); s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += int64(s) * int64(s) * int64((3*rx)^ry)
		if ry == 0 {
			if rx == 1 {
				x, y = n-1-x, n-1-y
			}
			x, y = y, x
		}
	}
	return d
}

// rtreeNode is a node being built: its number and box.
type rtreeNode struct {
	no                     int64
	minx, maxx, miny, maxy float64
}

// buildRTree writes the packed tree of the staged boxes into the shadow
// tables of the (empty) R*Tree rtree, in tx.
func buildRTree(ctx context.Context, tx *sql.Tx, rtree string) error {
	q := func(suffix string) string { return quoteIdent(rtree + suffix) }
	var nodeSize int
	if err := tx.QueryRowContext(ctx, "SELECT length(data) FROM "+q("_node")+" WHERE nodeno = 1").Scan(&nodeSize); err != nil {
		return fmt.Errorf("spatial index root: %w", err)
	}
	const cellSize = 8 + 4*4
	perNode := (nodeSize - 4) / cellSize
	if perNode < 2 {
		return fmt.Errorf("spatial index node of %d bytes", nodeSize)
	}
	var n int64
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM temp.truce_rtree_stage").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	// Nodes per level, leaves first; the last level is the root.
	counts := []int64{ceilDiv(n, int64(perNode))}
	for counts[len(counts)-1] > 1 {
		counts = append(counts, ceilDiv(counts[len(counts)-1], int64(perNode)))
	}
	depth := len(counts) - 1
	// The root is node 1; the others are numbered from 2, leaves first.
	next := int64(2)
	number := func(level int) int64 {
		if level == depth {
			return 1
		}
		next++
		return next - 1
	}
	insNode, err := tx.PrepareContext(ctx, "INSERT OR REPLACE INTO "+q("_node")+" (nodeno, data) VALUES (?, ?)")
	if err != nil {
		return err
	}
	defer insNode.Close()
	insParent, err := tx.PrepareContext(ctx, "INSERT INTO "+q("_parent")+" (nodeno, parentnode) VALUES (?, ?)")
	if err != nil {
		return err
	}
	defer insParent.Close()
	blob := make([]byte, nodeSize)
	// write writes one node of level from its cells, returning it.
	write := func(level int, cells []rtreeNode) (rtreeNode, error) {
		clear(blob)
		if level == depth {
			binary.BigEndian.PutUint16(blob, uint16(depth))
		}
		binary.BigEndian.PutUint16(blob[2:], uint16(len(cells)))
		node := rtreeNode{no: number(level), minx: math.Inf(1), maxx: math.Inf(-1), miny: math.Inf(1), maxy: math.Inf(-1)}
		for i, c := range cells {
			cell := blob[4+i*cellSize:]
			binary.BigEndian.PutUint64(cell, uint64(c.no))
			binary.BigEndian.PutUint32(cell[8:], math.Float32bits(float32Down(c.minx)))
			binary.BigEndian.PutUint32(cell[12:], math.Float32bits(float32Up(c.maxx)))
			binary.BigEndian.PutUint32(cell[16:], math.Float32bits(float32Down(c.miny)))
			binary.BigEndian.PutUint32(cell[20:], math.Float32bits(float32Up(c.maxy)))
			node.minx, node.maxx = min(node.minx, c.minx), max(node.maxx, c.maxx)
			node.miny, node.maxy = min(node.miny, c.miny), max(node.maxy, c.maxy)
		}
		if _, err := insNode.ExecContext(ctx, node.no, blob); err != nil {
			return node, err
		}
		if level > 0 {
			for _, c := range cells {
				if _, err := insParent.ExecContext(ctx, c.no, node.no); err != nil {
					return node, err
				}
			}
		}
		return node, nil
	}
	// The leaves, streamed from the stage in Hilbert order; the level
	// above them is kept (one box per leaf).
	rows, err := tx.QueryContext(ctx, "SELECT id, minx, maxx, miny, maxy FROM temp.truce_rtree_stage ORDER BY h, id")
	if err != nil {
		return err
	}
	var level []rtreeNode
	cells := make([]rtreeNode, 0, perNode)
	firstLeaf := next
	for rows.Next() {
		var c rtreeNode
		if err := rows.Scan(&c.no, &c.minx, &c.maxx, &c.miny, &c.maxy); err != nil {
			rows.Close()
			return err
		}
		cells = append(cells, c)
		if len(cells) == perNode {
			node, err := write(0, cells)
			if err != nil {
				rows.Close()
				return err
			}
			level, cells = append(level, node), cells[:0]
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(cells) > 0 {
		node, err := write(0, cells)
		if err != nil {
			return err
		}
		level = append(level, node)
	}
	// Each row's leaf follows from its rank in the same order.
	if depth == 0 {
		firstLeaf = 1
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+q("_rowid")+" (rowid, nodeno) SELECT id, CASE WHEN ? = 1 THEN 1 ELSE ? + (row_number() OVER (ORDER BY h, id) - 1) / ? END FROM temp.truce_rtree_stage",
		firstLeaf, firstLeaf, perNode); err != nil {
		return err
	}
	for l := 1; l <= depth; l++ {
		var up []rtreeNode
		for i := 0; i < len(level); i += perNode {
			node, err := write(l, level[i:min(i+perNode, len(level))])
			if err != nil {
				return err
			}
			up = append(up, node)
		}
		level = up
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM temp.truce_rtree_stage")
	return err
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// float32Down and float32Up round v to a float32 no greater (no smaller)
// than v, so that a box rounded to float32 still holds its geometry.
func float32Down(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func float32Up(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}
