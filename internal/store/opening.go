package store

import (
	"context"
	"fmt"
	"io"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
)

// A change to a record that is not public is a committed leaf in the log
// (ledger.CommittedLeaf): the change row keeps the salt, so that the
// opening — the salt and the change's fields — can be given to a reader
// entitled to the record, and verify can recompute the leaf. A public
// change has no salt and its leaf is the fields in clear.

// readRand fills b from the store's source of randomness.
func (db *DB) readRand(b []byte) error {
	db.randMu.Lock()
	defer db.randMu.Unlock()
	_, err := io.ReadFull(db.rand, b)
	return err
}

// leafData returns the leaf the log holds for a change with the given
// fields and salt (nil: a public change), and the opening of a committed
// one.
func leafData(l ledger.Leaf, salt []byte) (leaf, opening []byte, err error) {
	if salt == nil {
		return l.Encode(), nil, nil
	}
	if len(salt) != ledger.SaltSize {
		return nil, nil, fmt.Errorf("change %d: salt of %d bytes", l.Seq, len(salt))
	}
	o := ledger.Opening{Leaf: l}
	copy(o.Salt[:], salt)
	return o.Committed().Encode(), o.Encode(), nil
}

// LogEntry is one change as the log holds it, with its opening.
type LogEntry struct {
	Seq    int64
	Entity string
	ID     string
	// Leaf is the leaf data in the log: a public leaf or a committed one.
	Leaf []byte
	// Opening is the committed leaf's opening (ledger.Opening's text,
	// whose SHA-256 is the leaf's commitment); nil for a public leaf. Give
	// it only to a reader entitled to the record.
	Opening []byte
}

// Entry returns change seq as the log holds it, with its opening; the
// caller decides, by the record it names, whether the reader may have it.
func (db *DB) Entry(ctx context.Context, seq int64) (LogEntry, error) {
	row := db.QueryRow(ctx, `SELECT seq, entity, id, version, actor, org, via, at, body_sha256, salt FROM changes WHERE seq = ?`, seq)
	l, salt, err := scanLeafSalt(row)
	if IsNoRows(err) {
		return LogEntry{}, errs.NotFound("no change %d in the log", seq)
	}
	if err != nil {
		return LogEntry{}, err
	}
	e := LogEntry{Seq: l.Seq, Entity: l.Entity, ID: l.ID}
	if e.Leaf, e.Opening, err = leafData(l, salt); err != nil {
		return LogEntry{}, err
	}
	return e, nil
}

// scanLeafSalt scans seq, entity, id, version, actor, org, via, at,
// body_sha256 and salt.
func scanLeafSalt(r rowScanner) (ledger.Leaf, []byte, error) {
	var salt []byte
	l, err := scanLeaf(scanWith{r, &salt})
	return l, salt, err
}

// scanWith scans one more column after the ones asked for.
type scanWith struct {
	r    rowScanner
	more any
}

func (s scanWith) Scan(dest ...any) error { return s.r.Scan(append(dest, s.more)...) }
