package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
)

// Cosignature is a witness's cosignature of a signed checkpoint
// (c2sp.org/tlog-cosignature) as the centre keeps it. The store does not
// know the witnesses' keys: whoever adds one has verified it.
type Cosignature struct {
	Size       int64
	Witness    string    // the witness's key name, as in its signature line
	Line       string    // the note signature line, "— <name> <base64>\n"
	SignedAt   time.Time // the cosignature's own timestamp
	ReceivedAt time.Time // when the centre stored it
}

// AddCosignature stores a cosignature of the checkpoint of its size. A
// witness's second cosignature of the same size is ignored: the first is
// kept. The checkpoint must have been signed here.
func (db *DB) AddCosignature(ctx context.Context, c Cosignature) error {
	switch {
	case c.Witness == "":
		return errs.Invalid("witness", "is empty")
	case !strings.HasPrefix(c.Line, "— "+c.Witness+" ") || !strings.HasSuffix(c.Line, "\n") || strings.Count(c.Line, "\n") != 1:
		return errs.Invalid("line", "is not one signature line of %s", c.Witness)
	case c.SignedAt.IsZero():
		return errs.Invalid("signed_at", "is missing")
	}
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = db.now()
	}
	if _, err := db.CheckpointAt(ctx, c.Size); err != nil {
		return err
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	_, err := db.write.ExecContext(ctx, db.dialect.Rebind(`INSERT INTO cosignatures (size, witness, line, signed_at, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (size, witness) DO NOTHING`),
		c.Size, c.Witness, c.Line, c.SignedAt.UTC().Format(ledger.TimeLayout), c.ReceivedAt.UTC().Format(ledger.TimeLayout))
	if err != nil {
		return fmt.Errorf("store the cosignature of %s at size %d: %w", c.Witness, c.Size, err)
	}
	return nil
}

// cosignaturesAt returns the cosignatures of the checkpoint of size, by
// witness name.
func (db *DB) cosignaturesAt(ctx context.Context, size int64) ([]Cosignature, error) {
	return db.queryCosignatures(ctx, `SELECT size, witness, line, signed_at, received_at FROM cosignatures WHERE size = ? ORDER BY witness`, size)
}

// LatestCosignatures returns, for each witness that ever cosigned, its
// cosignature of the largest checkpoint, by witness name.
func (db *DB) LatestCosignatures(ctx context.Context) ([]Cosignature, error) {
	return db.queryCosignatures(ctx, `SELECT c.size, c.witness, c.line, c.signed_at, c.received_at FROM cosignatures c
		JOIN (SELECT witness, MAX(size) AS size FROM cosignatures GROUP BY witness) m ON m.witness = c.witness AND m.size = c.size
		ORDER BY c.witness`)
}

// FirstCosignatures returns, for each witness, its cosignature of the
// smallest checkpoint that includes the change seq (a tree of a size
// greater than seq), by witness name.
func (db *DB) FirstCosignatures(ctx context.Context, seq int64) ([]Cosignature, error) {
	return db.queryCosignatures(ctx, `SELECT c.size, c.witness, c.line, c.signed_at, c.received_at FROM cosignatures c
		JOIN (SELECT witness, MIN(size) AS size FROM cosignatures WHERE size > ? GROUP BY witness) m ON m.witness = c.witness AND m.size = c.size
		ORDER BY c.witness`, seq)
}

// CosignedSizes returns the sizes of the largest checkpoints that carry at
// least one cosignature, largest first, at most limit of them.
func (db *DB) CosignedSizes(ctx context.Context, limit int) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT DISTINCT size FROM cosignatures ORDER BY size DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("cosigned checkpoints: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func (db *DB) queryCosignatures(ctx context.Context, q string, args ...any) ([]Cosignature, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cosignatures: %w", err)
	}
	defer rows.Close()
	var out []Cosignature
	for rows.Next() {
		var c Cosignature
		var signed, received string
		if err := rows.Scan(&c.Size, &c.Witness, &c.Line, &signed, &received); err != nil {
			return nil, err
		}
		c.SignedAt, _ = time.Parse(ledger.TimeLayout, signed)
		c.ReceivedAt, _ = time.Parse(ledger.TimeLayout, received)
		out = append(out, c)
	}
	return out, rows.Err()
}

// withCosignatures fills c.Cosignatures and c.Note from c.Signed: the
// signed note followed by the cosignature lines, which is a signed note
// still (c2sp.org/signed-note: signature lines in any order, unknown keys
// ignored by verifiers).
func (db *DB) withCosignatures(ctx context.Context, c *SignedCheckpoint) error {
	cs, err := db.cosignaturesAt(ctx, c.Size)
	if err != nil {
		return err
	}
	c.Cosignatures = cs
	c.Note = c.Signed
	if len(cs) > 0 {
		var b bytes.Buffer
		b.Write(c.Signed)
		for _, x := range cs {
			b.WriteString(x.Line)
		}
		c.Note = b.Bytes()
	}
	return nil
}

// checkpointHooks are called after each checkpoint this process signs.
type checkpointHooks struct {
	mu sync.Mutex
	fs []func(size int64)
}

// OnCheckpoint registers f to be called, in the signing goroutine, after
// each checkpoint this process signs. f must not block: it should only
// wake whoever waits for checkpoints (writes wait for the signer).
func (db *DB) OnCheckpoint(f func(size int64)) {
	db.hooks.mu.Lock()
	defer db.hooks.mu.Unlock()
	db.hooks.fs = append(db.hooks.fs, f)
}

func (h *checkpointHooks) signed(size int64) {
	h.mu.Lock()
	fs := h.fs
	h.mu.Unlock()
	for _, f := range fs {
		f(size)
	}
}
