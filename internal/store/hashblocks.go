package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// hashBlock is how many stored hashes of the Merkle tree one row of
// ledger_hash_blocks holds: row n holds indexes 63n to 63n+62, in order,
// 32 bytes each. The log adds stored hashes in index order, so only the
// last block is ever partial and a block only grows at its end. 63 hashes
// (2,016 bytes) let two blocks share a 4 KiB database page with no
// overflow, so that a write rewrites one page and a proof reads a page per
// hash, while verify reads 63 times fewer rows than with a hash a row.
const hashBlock = 63

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// readHashBlocks reads the stored hashes at the given indexes, in the
// order asked, with one query that cuts each out of its block in the
// database (a proof needs one hash from each of some 40 blocks); a
// missing one is an error.
func readHashBlocks(ctx context.Context, db querier, d Dialect, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	args := make([]any, len(indexes))
	for i, idx := range indexes {
		if idx < 0 {
			return nil, fmt.Errorf("stored hash %d is missing", idx)
		}
		args[i] = idx
	}
	// PostgreSQL types a bare parameter in VALUES as text, and substr
	// takes an int4 offset; SQLite needs neither cast.
	param, offset := "(?)", `(want.idx % `+strconv.Itoa(hashBlock)+`) * 32 + 1`
	if d.Name == Postgres.Name {
		param, offset = "(CAST(? AS BIGINT))", "CAST("+offset+" AS INTEGER)"
	}
	q := `WITH want (idx) AS (VALUES ` + strings.TrimSuffix(strings.Repeat(param+", ", len(indexes)), ", ") + `)
		SELECT want.idx, substr(b.hashes, ` + offset + `, 32)
		FROM want JOIN ledger_hash_blocks b ON b.n = want.idx / ` + strconv.Itoa(hashBlock)
	rows, err := db.QueryContext(ctx, d.Rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return nil, err
		}
		var h tlog.Hash
		if len(b) == len(h) {
			copy(h[:], b)
			got[idx] = h
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := got[idx]
		if !ok {
			return nil, fmt.Errorf("stored hash %d is missing", idx)
		}
		out[i] = h
	}
	return out, nil
}

// hashInBlock returns hash i of a block.
func hashInBlock(block []byte, i int64) (tlog.Hash, bool) {
	var h tlog.Hash
	if i < 0 || i >= hashBlock || int64(len(block)) < (i+1)*int64(len(h)) {
		return h, false
	}
	copy(h[:], block[i*int64(len(h)):])
	return h, true
}

// storedHashCount returns how many stored hashes the blocks hold, checking
// that every block but the last is full.
func storedHashCount(ctx context.Context, db *sql.DB) (int64, error) {
	var n, length sql.NullInt64
	var rows int64
	if err := db.QueryRowContext(ctx, `SELECT MAX(n), COUNT(*), (SELECT length(hashes) FROM ledger_hash_blocks ORDER BY n DESC LIMIT 1) FROM ledger_hash_blocks`).Scan(&n, &rows, &length); err != nil {
		return 0, err
	}
	if !n.Valid {
		return 0, nil
	}
	if rows != n.Int64+1 || length.Int64%32 != 0 || length.Int64 == 0 || length.Int64 > hashBlock*32 {
		return 0, fmt.Errorf("the stored hash blocks are not contiguous or the last is malformed (%d blocks, last %d of %d bytes): the database was altered; run truce verify", rows, n.Int64, length.Int64)
	}
	return n.Int64*hashBlock + length.Int64/32, nil
}

// appendHashes writes stored hashes from index from on, 32 bytes each,
// extending the last block and adding new ones. The caller holds the
// write transaction.
func (tx *Tx) appendHashes(from int64, data []byte) error {
	n, off := from/hashBlock, from%hashBlock
	var block []byte
	if off > 0 {
		if t := tx.tail; t != nil && t.n == n {
			block = append(make([]byte, 0, hashBlock*32), t.hashes...)
		} else if err := tx.queryRow(`SELECT hashes FROM ledger_hash_blocks WHERE n = ?`, n).Scan(&block); err != nil {
			return fmt.Errorf("read stored hash block %d: %w", n, err)
		}
		if int64(len(block)) != off*32 {
			return fmt.Errorf("stored hash block %d holds %d bytes where %d were written: the database was altered; run truce verify", n, len(block), off*32)
		}
	}
	for len(data) > 0 {
		take := min(int((hashBlock-off)*32), len(data))
		block = append(block, data[:take]...)
		data = data[take:]
		q := `INSERT INTO ledger_hash_blocks (hashes, n) VALUES (?, ?)`
		if off > 0 {
			q = `UPDATE ledger_hash_blocks SET hashes = ? WHERE n = ?`
		}
		if _, err := tx.exec(q, block, n); err != nil {
			return fmt.Errorf("write stored hash block %d: %w", n, err)
		}
		tx.tail = &hashTail{n: n, hashes: block}
		n, off, block = n+1, 0, nil
	}
	return nil
}
