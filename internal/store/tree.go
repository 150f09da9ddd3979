package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
)

// treeState is the committed Merkle tree as the writer knows it.
type treeState struct {
	size     int64
	root     tlog.Hash
	frontier map[int64]tlog.Hash
	// tail is the last block of stored hashes as committed (see
	// hashBlock), kept so that an append need not read it back; nil when
	// not known.
	tail *hashTail
}

type hashTail struct {
	n      int64
	hashes []byte
}

// loadTree reads the tree's size and frontier at start-up and signs the
// first checkpoint of a new log.
func (db *DB) loadTree(ctx context.Context) error {
	var maxSeq sql.NullInt64
	if err := db.write.QueryRowContext(ctx, `SELECT MAX(seq) FROM changes`).Scan(&maxSeq); err != nil {
		return err
	}
	size := int64(0)
	if maxSeq.Valid {
		size = maxSeq.Int64 + 1
	}
	stored, err := storedHashCount(ctx, db.write)
	if err != nil {
		return err
	}
	if tlog.StoredHashCount(size) != stored {
		return fmt.Errorf("the change log has %d changes but %d stored hashes (want %d): the database was altered; run truce verify", size, stored, tlog.StoredHashCount(size))
	}
	t, err := readTree(ctx, dbHashReader{db: db.write, d: db.dialect}, size)
	if err != nil {
		return err
	}
	db.tree = t
	db.sawSize(size)
	var n int
	if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM checkpoints`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return db.Checkpoint(ctx)
	}
	return nil
}

// readTree reads the frontier and root of the tree of the given size.
func readTree(ctx context.Context, r tlog.HashReader, size int64) (treeState, error) {
	t := treeState{size: size, frontier: map[int64]tlog.Hash{}}
	idx := frontierIndexes(size)
	hs, err := r.ReadHashes(idx)
	if err != nil {
		return t, fmt.Errorf("read the tree's frontier: %w", err)
	}
	for i, h := range hs {
		t.frontier[idx[i]] = h
	}
	// The root is the frontier's subtrees combined: no second read.
	if t.root, err = tlog.TreeHash(size, frontierReader(t.frontier)); err != nil {
		return t, err
	}
	return t, nil
}

// frontierReader reads stored hashes from a tree's frontier only, which
// is all that tlog.TreeHash asks for.
type frontierReader map[int64]tlog.Hash

func (f frontierReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := f[idx]
		if !ok {
			return nil, fmt.Errorf("stored hash %d is not on the frontier", idx)
		}
		out[i] = h
	}
	return out, nil
}

// dbHashReader reads stored hashes with one query.
type dbHashReader struct {
	db  querier
	ctx context.Context
	d   Dialect
}

func (r dbHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	ctx := r.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return readHashBlocks(ctx, r.db, r.d, indexes)
}

func (db *DB) hashReader(ctx context.Context) tlog.HashReader {
	return cachedHashReader{cache: &db.upper, r: dbHashReader{db: db.read, ctx: ctx, d: db.dialect}}
}

// cachedLevel is the lowest level of the tree whose stored hashes the
// read pool keeps in memory: one in 64 of them, 2 MB for a million
// changes. A proof needs one hash per level and, on the tree's right
// edge, more; with the levels above cachedLevel in memory it reads a
// handful of blocks instead of some 40.
const cachedLevel = 6

// hashCache holds stored hashes of the upper levels as the read pool
// reads them. A stored hash never changes once committed (the tree only
// grows, and readers see only committed data), so it is never stale.
type hashCache struct {
	mu     sync.RWMutex
	hashes map[int64]tlog.Hash
}

// cachedHashReader reads stored hashes through the cache.
type cachedHashReader struct {
	cache *hashCache
	r     tlog.HashReader
}

func (c cachedHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	var at []int
	c.cache.mu.RLock()
	for i, idx := range indexes {
		if h, ok := c.cache.hashes[idx]; ok {
			out[i] = h
		} else {
			missing, at = append(missing, idx), append(at, i)
		}
	}
	c.cache.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := c.r.ReadHashes(missing)
	if err != nil {
		return nil, err
	}
	if len(got) != len(missing) {
		return nil, fmt.Errorf("read %d stored hashes, asked for %d", len(got), len(missing))
	}
	c.cache.mu.Lock()
	defer c.cache.mu.Unlock()
	if c.cache.hashes == nil {
		c.cache.hashes = map[int64]tlog.Hash{}
	}
	for j, idx := range missing {
		out[at[j]] = got[j]
		if level, _ := tlog.SplitStoredHashIndex(idx); level >= cachedLevel {
			c.cache.hashes[idx] = got[j]
		}
	}
	return out, nil
}

// Checkpoint signs a checkpoint of the current tree now, unless the latest
// checkpoint already covers it.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.dialect.Name == Postgres.Name {
		return db.checkpointPostgres(ctx)
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	size, root := db.tree.size, db.tree.root
	var have int
	if err := db.write.QueryRowContext(ctx, db.dialect.Rebind(`SELECT COUNT(*) FROM checkpoints WHERE size = ?`), size).Scan(&have); err != nil {
		return err
	}
	if have > 0 {
		return nil
	}
	if size == 0 {
		root = sha256.Sum256(nil)
	}
	signed, err := db.keys.SignCheckpoint(size, root)
	if err != nil {
		return fmt.Errorf("sign checkpoint: %w", err)
	}
	_, err = db.write.ExecContext(ctx, db.dialect.Rebind(`INSERT INTO checkpoints (size, at, note) VALUES (?, ?, ?) ON CONFLICT (size) DO NOTHING`),
		size, db.now().UTC().Format(ledger.TimeLayout), string(signed))
	if err != nil {
		return err
	}
	// Whoever submits checkpoints to witnesses follows the signer.
	db.hooks.signed(size)
	return nil
}

// SignedCheckpoint is a checkpoint as stored.
type SignedCheckpoint struct {
	Size int64
	At   time.Time
	// Note is the checkpoint as served: the log's signed note followed by
	// the witnesses' cosignature lines collected so far.
	Note []byte
	// Signed is the note as the log signed it, without cosignatures: what
	// is submitted to witnesses.
	Signed       []byte
	Cosignatures []Cosignature // by witness name
}

// LatestCheckpoint returns the newest signed checkpoint with the
// cosignatures it has so far.
func (db *DB) LatestCheckpoint(ctx context.Context) (SignedCheckpoint, error) {
	var c SignedCheckpoint
	var at, note string
	err := db.QueryRow(ctx, `SELECT size, at, note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&c.Size, &at, &note)
	if err != nil {
		return c, fmt.Errorf("latest checkpoint: %w", err)
	}
	c.At, _ = time.Parse(ledger.TimeLayout, at)
	c.Signed = []byte(note)
	return c, db.withCosignatures(ctx, &c)
}

// CheckpointAt returns the signed checkpoint of the given size with the
// cosignatures it has so far.
func (db *DB) CheckpointAt(ctx context.Context, size int64) (SignedCheckpoint, error) {
	var c SignedCheckpoint
	var at, note string
	err := db.QueryRow(ctx, `SELECT size, at, note FROM checkpoints WHERE size = ?`, size).Scan(&c.Size, &at, &note)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFound("no checkpoint was signed at size %d", size)
	}
	if err != nil {
		return c, err
	}
	c.At, _ = time.Parse(ledger.TimeLayout, at)
	c.Signed = []byte(note)
	return c, db.withCosignatures(ctx, &c)
}

// Size returns the number of leaves committed.
func (db *DB) Size() int64 {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	return db.tree.size
}

// logSize reads the committed size of the log from the database, not from
// this process's writer: another process (a CLI command beside the
// server) may have appended, and a proof must not wait for a write in
// progress.
func (db *DB) logSize(ctx context.Context) (int64, error) {
	var n int64
	if err := db.QueryRow(ctx, `SELECT COALESCE(MAX(seq) + 1, 0) FROM changes`).Scan(&n); err != nil {
		return 0, fmt.Errorf("log size: %w", err)
	}
	return n, nil
}

// sawSize notes that the log has at least n leaves committed.
func (db *DB) sawSize(n int64) {
	for {
		c := db.committed.Load()
		if n <= c || db.committed.CompareAndSwap(c, n) {
			return
		}
	}
}

// logCovers reports whether the log has at least size leaves committed:
// from what this process knows without a query when it can, otherwise
// from the database (logSize).
func (db *DB) logCovers(ctx context.Context, size int64) (bool, error) {
	if size <= db.committed.Load() {
		return true, nil
	}
	n, err := db.logSize(ctx)
	if err != nil {
		return false, err
	}
	db.sawSize(n)
	return size <= n, nil
}

// InclusionProof proves that leaf seq is in the tree of the given size.
func (db *DB) InclusionProof(ctx context.Context, seq, size int64) (tlog.RecordProof, tlog.Hash, error) {
	if size <= 0 || seq < 0 || seq >= size {
		return nil, tlog.Hash{}, errs.Invalid("seq", "leaf %d is not in a tree of size %d", seq, size)
	}
	if ok, err := db.logCovers(ctx, size); err != nil {
		return nil, tlog.Hash{}, err
	} else if !ok {
		return nil, tlog.Hash{}, errs.Invalid("size", "the log has fewer than %d entries", size)
	}
	r := &withLeaf{r: db.hashReader(ctx), idx: tlog.StoredHashIndex(0, seq)}
	p, err := tlog.ProveRecord(size, seq, r)
	if err != nil {
		return nil, tlog.Hash{}, err
	}
	if !r.read {
		leaf, err := r.r.ReadHashes([]int64{r.idx})
		if err != nil {
			return nil, tlog.Hash{}, err
		}
		r.leaf = leaf[0]
	}
	return p, r.leaf, nil
}

// withLeaf reads the leaf's own stored hash with the first hashes a proof
// asks for, sparing a query.
type withLeaf struct {
	r    tlog.HashReader
	idx  int64
	leaf tlog.Hash
	read bool
}

func (w *withLeaf) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	if w.read {
		return w.r.ReadHashes(indexes)
	}
	hs, err := w.r.ReadHashes(append(indexes[:len(indexes):len(indexes)], w.idx))
	if err != nil {
		return nil, err
	}
	w.leaf, w.read = hs[len(indexes)], true
	return hs[:len(indexes)], nil
}

// ConsistencyProof proves that the tree of size from is a prefix of the tree
// of size to.
func (db *DB) ConsistencyProof(ctx context.Context, from, to int64) (tlog.TreeProof, error) {
	if from < 0 || from > to {
		return nil, errs.Invalid("from", "from (%d) must be between 0 and to (%d)", from, to)
	}
	if ok, err := db.logCovers(ctx, to); err != nil {
		return nil, err
	} else if !ok {
		return nil, errs.Invalid("to", "the log has fewer than %d entries", to)
	}
	return tlog.ProveTree(to, from, db.hashReader(ctx))
}

// TreeHashAt returns the root hash of the tree of the given size.
func (db *DB) TreeHashAt(ctx context.Context, size int64) (tlog.Hash, error) {
	if ok, err := db.logCovers(ctx, size); err != nil {
		return tlog.Hash{}, err
	} else if !ok {
		return tlog.Hash{}, errs.Invalid("size", "the log has fewer than %d entries", size)
	}
	return tlog.TreeHash(size, db.hashReader(ctx))
}

// Tile returns the data of a C2SP tile (hashes, or entries when t.L == -1),
// or not_found when the log does not yet cover it.
func (db *DB) Tile(ctx context.Context, t tlog.Tile) ([]byte, error) {
	size, err := db.logSize(ctx)
	if err != nil {
		return nil, err
	}
	width := int64(t.W)
	if t.L < 0 {
		lo := t.N * ledger.TileWidth
		if lo+width > size {
			return nil, errs.NotFound("tile beyond the log")
		}
		rows, err := db.Query(ctx, `SELECT seq, entity, id, version, actor, org, via, at, body_sha256, salt FROM changes WHERE seq >= ? AND seq < ? ORDER BY seq`, lo, lo+width)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var bundle []byte
		n := int64(0)
		for rows.Next() {
			l, salt, err := scanLeafSalt(rows)
			if err != nil {
				return nil, err
			}
			if l.Seq != lo+n {
				return nil, fmt.Errorf("change %d is missing", lo+n)
			}
			// A committed change's leaf, never its opening.
			leaf, _, err := leafData(l, salt)
			if err != nil {
				return nil, err
			}
			if bundle, err = ledger.AppendEntry(bundle, leaf); err != nil {
				return nil, err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if n != width {
			return nil, fmt.Errorf("changes %d..%d are incomplete", lo, lo+width)
		}
		return bundle, nil
	}
	// A tile at level L covers 256^(L+1) leaves per full tile.
	leavesPerHash := int64(1) << (uint(t.L) * ledger.TileHeight)
	if (t.N*ledger.TileWidth+width)*leavesPerHash > size {
		return nil, errs.NotFound("tile beyond the log")
	}
	return tlog.ReadTileData(t, db.hashReader(ctx))
}

type rowScanner interface{ Scan(dest ...any) error }

func scanLeaf(r rowScanner) (ledger.Leaf, error) {
	var l ledger.Leaf
	var at string
	var sum []byte
	if err := r.Scan(&l.Seq, &l.Entity, &l.ID, &l.Version, &l.Actor, &l.Org, &l.Via, &at, &sum); err != nil {
		return l, err
	}
	t, err := time.Parse(ledger.TimeLayout, at)
	if err != nil {
		return l, fmt.Errorf("change %d: bad time %q", l.Seq, at)
	}
	l.At = t
	copy(l.BodySHA256[:], sum)
	return l, nil
}

// checkpointer signs a checkpoint after each burst of writes: at most one a
// second under load, and always one within a second of the last write.
// On PostgreSQL one process of all those on the database signs (signer.go).
type checkpointer struct {
	wake chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
	pg   pgSigner
}

func (c *checkpointer) start(db *DB) {
	c.wake = make(chan struct{}, 1)
	c.done = make(chan struct{})
	c.wg.Add(1)
	if db.dialect.Name == Postgres.Name {
		go func() {
			defer c.wg.Done()
			c.runPostgresSigner(db)
		}()
		return
	}
	go func() {
		defer c.wg.Done()
		sign := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := db.Checkpoint(ctx); err != nil {
				db.log.Error("sign checkpoint", "err", err)
			}
		}
		for {
			select {
			case <-c.wake:
			case <-c.done:
				sign()
				return
			}
			sign()
			select {
			case <-time.After(time.Second):
			case <-c.done:
				sign()
				return
			}
		}
	}()
}

func (c *checkpointer) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) stop() {
	if c.done == nil { // never started: Open failed
		return
	}
	c.once.Do(func() { close(c.done) })
	c.wg.Wait()
}
