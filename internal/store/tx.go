package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
)

// Actor is who makes a change and how it came in. Every change carries one.
type Actor struct {
	User string // user id, or "system"
	Org  string // organisation id the user acts for, or "" for the system
	Via  string // session, token, cli, system
}

// System is the actor for changes made by Truce itself (initialisation,
// scheduled checks, the demo loader).
var System = Actor{User: "system", Org: "", Via: "system"}

// Change is a new version of one record.
type Change struct {
	Entity string
	ID     string
	// Version is the version this change creates: the current version + 1.
	// Zero means "whatever comes next"; a non-zero version that is not next
	// is refused as a conflict (optimistic concurrency).
	Version int64
	Actor   Actor
	// Body is the record's full state after the change. A json.RawMessage is
	// compacted and stored as is; anything else is marshalled with
	// encoding/json.
	Body any
	// Public says the record is public after this change: its leaf names
	// the record, the author and the body's hash in clear. Otherwise (the
	// default, so that a writer that forgets fails closed) the leaf is a
	// commitment to them under a fresh random salt, which only a reader
	// entitled to the record is given (DB.Entry, DB.History).
	Public bool
}

// Recorded is what Record returns about a committed change.
type Recorded struct {
	Seq        int64
	Entity     string
	ID         string
	Version    int64
	At         time.Time
	BodySHA256 [32]byte
	LeafHash   tlog.Hash
}

// Tx is one caller's part of a write transaction: the changes its fn
// records commit together or not at all. Concurrent callers of Write
// share one database transaction (see group.go), each fn inside a
// savepoint of its own.
type Tx struct {
	ctx         context.Context // the caller's, for Context
	db          *DB
	shared      *sharedTx
	size        int64
	frontier    map[int64]tlog.Hash
	recorded    []Recorded
	at          time.Time
	atText      string
	pendingFrom int64     // the stored-hash index of pending's first hash
	pending     []byte    // stored hashes not yet written, 32 bytes each
	tail        *hashTail // the last block of stored hashes as this transaction leaves it; nil: not known
	side        bool      // ExecSide wrote to a side table
}

// sharedTx is the database transaction that the fns of one batch share.
type sharedTx struct {
	tx *sql.Tx
	// ctx runs the statements: the leader's without its cancellation,
	// since one caller giving up must not interrupt the others' shared
	// transaction (an interrupted statement can roll back all of it). A
	// context that is never done also spares the SQLite driver a watcher
	// goroutine per statement.
	ctx   context.Context
	stmts map[string]*sql.Stmt
	fresh []string // statements first used by this transaction
}

// keepStatements prepares on the writer the statements that a finished
// transaction used for the first time.
func (db *DB) keepStatements(ctx context.Context, qs []string) {
	for _, q := range qs {
		if _, ok := db.wstmts[q]; ok {
			continue
		}
		if ps, err := db.write.PrepareContext(ctx, db.dialect.Rebind(q)); err == nil {
			db.wstmts[q] = ps
		}
	}
}

// maxRowsPerInsert bounds a multi-row projection INSERT (SQLite allows
// 32,766 parameters a statement).
const maxRowsPerInsert = 64

// flushHashes writes the pending stored hashes.
func (tx *Tx) flushHashes() error {
	if len(tx.pending) == 0 {
		return nil
	}
	if err := tx.appendHashes(tx.pendingFrom, tx.pending); err != nil {
		return err
	}
	tx.pendingFrom += int64(len(tx.pending) / 32)
	tx.pending = tx.pending[:0]
	return nil
}

// isUniqueViolation reports whether err is a unique-constraint failure.
func isUniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "duplicate key value")
}

// Write runs fn in a write transaction and commits it if fn returns nil
// (see writeGrouped). A connection lost in the middle leaves nothing
// half-written (the transaction did not commit) and is the database's
// absence, not a fault of the request: it reads as unavailable.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) ([]Recorded, error) {
	start := time.Now()
	recs, err := db.writeGrouped(ctx, fn)
	if err == nil && len(recs) > 0 {
		db.writeHooks.wrote(time.Since(start), len(recs))
	}
	return recs, db.unavailable(err)
}

// Record writes one change: the change row, the record's projection rows
// and the Merkle leaf, all in this transaction.
func (tx *Tx) Record(c Change) (Recorded, error) {
	var pc prepared
	if err := tx.prepare(c, &pc); err != nil {
		return Recorded{}, err
	}
	return tx.apply(&pc)
}

// prepared is a change made ready for the database: what Record computes
// before it touches the transaction (the body, its hash, the projection
// rows, the salt) and, once the version and sequence number are known,
// the leaf. RecordAll prepares changes on every core.
type prepared struct {
	c    Change
	p    *Projection
	body []byte
	sum  [32]byte
	salt []byte // nil for a public change
	rows map[string][][]any
	// The leaf as computed for seq and version; data is nil until then.
	seq, version int64
	data         []byte
	leaf         tlog.Hash
	err          error
	panicked     any
}

// prepare checks a change and computes what needs neither the
// transaction's data nor its tree. It is safe to call from several
// goroutines at once.
func (tx *Tx) prepare(c Change, pc *prepared) error {
	pc.c = c
	pc.p = tx.db.projections[c.Entity]
	if pc.p == nil {
		return fmt.Errorf("store: no projection for entity %q", c.Entity)
	}
	if c.ID == "" {
		return fmt.Errorf("store: change without id")
	}
	if c.Actor.User == "" || c.Actor.Via == "" {
		return fmt.Errorf("store: change without actor")
	}
	body, err := canonicalBody(c.Body)
	if err != nil {
		return err
	}
	if err := checkNUL(body); err != nil {
		return err
	}
	pc.body = body
	ok := false
	if pc.p.RowsOf != nil {
		pc.rows, ok, err = pc.p.RowsOf(c.ID, c.Body)
	}
	if !ok && err == nil {
		pc.rows, err = pc.p.Rows(c.ID, body)
	}
	if err != nil {
		return fmt.Errorf("project %s %s: %w", c.Entity, c.ID, err)
	}
	pc.sum = sha256.Sum256(body)
	if !c.Public {
		var salt [ledger.SaltSize]byte
		if err := tx.db.readRand(salt[:]); err != nil {
			return fmt.Errorf("salt: %w", err)
		}
		pc.salt = salt[:]
	}
	return nil
}

// computeLeaf computes the change's leaf data and hash as leaf seq at the
// given version.
func (tx *Tx) computeLeaf(pc *prepared, seq, version int64) {
	leaf := ledger.Leaf{
		Seq: seq, Entity: pc.c.Entity, ID: pc.c.ID, Version: version,
		Actor: pc.c.Actor.User, Org: pc.c.Actor.Org, Via: pc.c.Actor.Via,
		At: tx.at, BodySHA256: pc.sum,
	}
	if pc.salt == nil {
		pc.data = leaf.Encode()
	} else {
		o := ledger.Opening{Leaf: leaf}
		copy(o.Salt[:], pc.salt)
		pc.data = o.Committed().Encode()
	}
	pc.seq, pc.version = seq, version
	pc.leaf = tlog.RecordHash(pc.data)
}

// version reads the record's current version and returns the one this
// change creates, or a conflict. A creation (Version 1) needs no
// look-up: the unique index on (entity, id, version) refuses a second
// version 1.
func (tx *Tx) versionOf(c Change) (int64, error) {
	if c.Version == 1 {
		return 1, nil
	}
	current, err := tx.CurrentVersion(c.Entity, c.ID)
	if err != nil {
		return 0, err
	}
	version := current + 1
	if c.Version != 0 && c.Version != version {
		return 0, errs.Conflict("version", "%s %s is at version %d; this change was made against version %d", c.Entity, c.ID, current, c.Version-1)
	}
	return version, nil
}

// apply writes a prepared change: its change row, its projection rows
// and its leaf.
func (tx *Tx) apply(pc *prepared) (Recorded, error) {
	c, p := pc.c, pc.p
	version, err := tx.versionOf(c)
	if err != nil {
		return Recorded{}, err
	}
	seq := tx.size
	if pc.data == nil || pc.seq != seq || pc.version != version {
		tx.computeLeaf(pc, seq, version)
	}
	if _, err := tx.exec(`INSERT INTO changes (seq, entity, id, version, actor, org, via, at, body, body_sha256, salt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		seq, c.Entity, c.ID, version, c.Actor.User, c.Actor.Org, c.Actor.Via, tx.atText, pc.body, pc.sum[:], pc.salt); err != nil {
		if version == 1 && isUniqueViolation(err) {
			return Recorded{}, errs.Conflict("id", "%s %s already exists", c.Entity, c.ID)
		}
		return Recorded{}, fmt.Errorf("insert change: %w", err)
	}
	if p.Tally != nil {
		if err := p.Tally(tx, version > 1, []string{c.ID}, []map[string][][]any{pc.rows}); err != nil {
			return Recorded{}, fmt.Errorf("tally %s: %w", c.Entity, err)
		}
	}
	for i, t := range p.Tables {
		if version > 1 {
			if _, err := tx.exec(p.deletes[i], c.ID); err != nil {
				return Recorded{}, fmt.Errorf("project %s: %w", t.Name, err)
			}
		}
		// All of a table's rows go in one statement.
		if err := tx.insertRows(p, i, pc.rows[t.Name]); err != nil {
			return Recorded{}, err
		}
	}
	return tx.appendLeaf(pc)
}

// insertRows inserts projection rows into table i of p, up to
// maxRowsPerInsert a statement.
func (tx *Tx) insertRows(p *Projection, i int, trows [][]any) error {
	if len(trows) == 0 {
		return nil
	}
	t := p.Tables[i]
	args := make([]any, 0, len(trows)*len(t.Columns))
	for _, r := range trows {
		if len(r) != len(t.Columns) {
			return fmt.Errorf("project %s: row has %d values for %d columns", t.Name, len(r), len(t.Columns))
		}
		args = append(args, r...)
	}
	for len(args) > 0 {
		n := min(len(args)/len(t.Columns), maxRowsPerInsert)
		if _, err := tx.exec(p.insert(i, n), args[:n*len(t.Columns)]...); err != nil {
			return fmt.Errorf("project %s: %w", t.Name, err)
		}
		args = args[n*len(t.Columns):]
	}
	return nil
}

// appendLeaf adds the change's leaf (computed for the next sequence
// number) to the transaction's tree and records the change as done.
func (tx *Tx) appendLeaf(pc *prepared) (Recorded, error) {
	seq := pc.seq
	hashes, err := tlog.StoredHashesForRecordHash(seq, pc.leaf, tx)
	if err != nil {
		return Recorded{}, fmt.Errorf("merkle: %w", err)
	}
	base := tlog.StoredHashIndex(0, seq)
	if len(tx.pending) == 0 {
		tx.pendingFrom = base
	} else if next := tx.pendingFrom + int64(len(tx.pending)/32); next != base {
		return Recorded{}, fmt.Errorf("stored hash %d follows %d", base, next-1)
	}
	for _, h := range hashes {
		tx.pending = append(tx.pending, h[:]...)
	}
	tx.advance(seq, base, hashes)
	c := pc.c
	r := Recorded{Seq: seq, Entity: c.Entity, ID: c.ID, Version: pc.version, At: tx.at, BodySHA256: pc.sum, LeafHash: hashes[0]}
	tx.recorded = append(tx.recorded, r)
	return r, nil
}

// advance moves the transaction's tree to size seq+1, keeping only the
// stored hashes of the complete subtrees on the right edge (the frontier):
// the next append and the root need nothing else. Leaf seq's hashes are
// its own and those of the k subtrees it completes (k the trailing ones
// of seq): the highest of them joins the frontier and replaces the k
// subtrees of the levels below, which were the frontier's. The map is the
// transaction's own (fork copied it), so it is changed in place.
func (tx *Tx) advance(seq, base int64, hashes []tlog.Hash) {
	k := len(hashes) - 1
	for l := range k {
		delete(tx.frontier, tlog.StoredHashIndex(l, seq>>l-1))
	}
	tx.frontier[base+int64(k)] = hashes[k]
	tx.size = seq + 1
}

// frontierIndexes returns the stored-hash indexes of the complete subtrees
// that make up a tree of n leaves: one per set bit of n.
func frontierIndexes(n int64) []int64 {
	var out []int64
	for l := 0; n>>l != 0; l++ {
		if (n>>l)&1 == 1 {
			out = append(out, tlog.StoredHashIndex(l, (n>>l)-1))
		}
	}
	return out
}

// ReadHashes implements tlog.HashReader over the transaction's view.
func (tx *Tx) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := tx.frontier[idx]
		if !ok {
			if err := tx.flushHashes(); err != nil {
				return nil, err
			}
			var b []byte
			if err := tx.queryRow(`SELECT hashes FROM ledger_hash_blocks WHERE n = ?`, idx/hashBlock).Scan(&b); err != nil {
				return nil, fmt.Errorf("read stored hash %d: %w", idx, err)
			}
			if h, ok = hashInBlock(b, idx%hashBlock); !ok {
				return nil, fmt.Errorf("stored hash %d is missing", idx)
			}
		}
		out[i] = h
	}
	return out, nil
}

// ExecSide runs a statement on a side table: one that is not a projection
// (credentials, sessions), kept beside the log and not rebuilt by verify.
// Never use it on a projection table.
func (tx *Tx) ExecSide(q string, args ...any) (sql.Result, error) {
	tx.side = true
	return tx.exec(q, args...)
}

// CurrentVersion returns the record's current version, 0 when it has none.
func (tx *Tx) CurrentVersion(entity, id string) (int64, error) {
	var v sql.NullInt64
	if err := tx.queryRow(`SELECT MAX(version) FROM changes WHERE entity = ? AND id = ?`, entity, id).Scan(&v); err != nil {
		return 0, fmt.Errorf("current version: %w", err)
	}
	return v.Int64, nil
}

// Now is the time stamped on every change of this transaction.
func (tx *Tx) Now() time.Time { return tx.at }

// Context returns the transaction's context.
func (tx *Tx) Context() context.Context { return tx.ctx }

// Query runs a query inside the transaction (reads see its own writes).
func (tx *Tx) Query(q string, args ...any) (*sql.Rows, error) {
	s, err := tx.stmt(q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(tx.shared.ctx, tx.db.dialect.args(args)...)
}

// QueryRow runs a single-row query inside the transaction.
func (tx *Tx) QueryRow(q string, args ...any) *sql.Row { return tx.queryRow(q, args...) }

func (tx *Tx) queryRow(q string, args ...any) *sql.Row {
	s, err := tx.stmt(q)
	if err != nil {
		// Surface the prepare error through Scan.
		return tx.shared.tx.QueryRowContext(tx.shared.ctx, tx.db.dialect.Rebind(q), tx.db.dialect.args(args)...)
	}
	return s.QueryRowContext(tx.shared.ctx, tx.db.dialect.args(args)...)
}

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) {
	s, err := tx.stmt(q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(tx.shared.ctx, tx.db.dialect.args(args)...)
}

func (tx *Tx) stmt(q string) (*sql.Stmt, error) { return tx.shared.stmt(tx.db, q) }

func (st *sharedTx) stmt(db *DB, q string) (*sql.Stmt, error) {
	if s, ok := st.stmts[q]; ok {
		return s, nil
	}
	// Statements are prepared once on the writer connection and reused by
	// every transaction (database/sql rebinds them to the transaction). The
	// one connection is busy with this transaction, so a new statement is
	// prepared for the transaction now and on the writer after it ends.
	if ps, ok := db.wstmts[q]; ok {
		s := st.tx.StmtContext(st.ctx, ps)
		st.stmts[q] = s
		return s, nil
	}
	s, err := st.tx.PrepareContext(st.ctx, db.dialect.Rebind(q))
	if err != nil {
		return nil, err
	}
	st.stmts[q] = s
	st.fresh = append(st.fresh, q)
	return s, nil
}

// canonicalBody returns the compact JSON of a change body.
func canonicalBody(v any) ([]byte, error) {
	var raw []byte
	switch b := v.(type) {
	case json.RawMessage:
		raw = b
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("store: marshal body: %w", err)
		}
		return raw, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("store: body is not JSON: %w", err)
	}
	return buf.Bytes(), nil
}

var errNoRows = sql.ErrNoRows

// IsNoRows reports whether err is database/sql's "no rows".
func IsNoRows(err error) bool { return errors.Is(err, errNoRows) }
