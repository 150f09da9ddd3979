package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// Verify reads the change log once. The log is cut into ranges of seq that
// workers read on their own connections, one range at a time and on every
// core: each worker recomputes the body hashes and the leaves, reads the
// stored tree hashes of its range, and projects the bodies that are the
// latest version of their record into a digest of the rows they should
// have. The ranges are consumed in log order, where the tree is extended,
// the stored hashes compared and each record's versions checked. The
// stored projection tables are then read once each and compared, record by
// record, with the digests; only a record whose rows disagree is read
// again, to say how.

// verifyChunk is the number of changes a worker reads at a time (a
// variable for the tests).
var verifyChunk int64 = 16384

// digest sums the hashes of a record's rows in one table: order does not
// matter, a repeated row counts twice, and the count catches what the sum
// alone might not.
type digest struct {
	n   uint32
	sum uint64
}

func (d *digest) add(seed maphash.Seed, row []byte) {
	d.n++
	d.sum += maphash.Bytes(seed, row)
}

// addAtomic is add for a digest that readers of other row ranges of the
// same table may be adding to at the same time.
func (d *digest) addAtomic(seed maphash.Seed, row []byte) {
	atomic.AddUint32(&d.n, 1)
	atomic.AddUint64(&d.sum, maphash.Bytes(seed, row))
}

// entityState is what Verify knows of one entity's records: for an
// entity whose rows are compared, the latest change of each record.
type entityState struct {
	name string
	proj *Projection // nil: its rows are not compared (no projection, or a table is missing)
	seed maphash.Seed
	recs []recState
	want []digest // len(recs) × tables: the rows the log gives
	got  []digest // the same, of the stored rows
	keys []keyAt  // the records by the hash of their id, sorted, once the log is read
}

type recState struct {
	id    string
	seq   int64 // the change the rows come from
	state uint8
}

const (
	recProjected  uint8 = iota // want holds the body's rows
	recErased                  // the latest body is erased: nothing to compare
	recBroken                  // the latest body does not project (reported)
	recSuperseded              // a later change of the same record is also here (a gap in its versions)
)

// add appends a record's latest change.
func (e *entityState) add(id string, seq int64, state uint8, digests []digest) {
	e.recs = append(e.recs, recState{id: id, seq: seq, state: state})
	if state == recProjected {
		e.want = append(e.want, digests...)
	} else {
		e.want = append(e.want, make([]digest, len(e.proj.Tables))...)
	}
	e.got = append(e.got, make([]digest, len(e.proj.Tables))...)
}

// index sorts the records by the hash of their id. Where a record has two
// changes here (a later version is missing, and reported), the later one
// counts and the earlier is set aside.
func (e *entityState) index() {
	e.keys = make([]keyAt, len(e.recs))
	for i := range e.recs {
		e.keys[i] = keyAt{maphash.String(e.seed, e.recs[i].id), int32(i)}
	}
	slices.SortFunc(e.keys, func(a, b keyAt) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.at, b.at)
	})
	for i := 1; i < len(e.keys); i++ {
		for j := i - 1; j >= 0 && e.keys[j].key == e.keys[i].key; j-- {
			a, b := &e.recs[e.keys[j].at], &e.recs[e.keys[i].at]
			if a.state != recSuperseded && a.id == b.id {
				a.state = recSuperseded // the earlier change: at sorts in log order
			}
		}
	}
}

// keyAt is a record's place in the records, by the hash of its id.
type keyAt struct {
	key uint64
	at  int32
}

// lookup finds a record by id once the records are indexed. The record
// after the one found last is tried first: tables are mostly stored in
// the order the log wrote them, and so are the records.
func (e *entityState) lookup(id []byte, last int32) (int32, bool) {
	for _, r := range [2]int32{last + 1, last} {
		if r >= 0 && int(r) < len(e.recs) && e.recs[r].id == string(id) && e.recs[r].state != recSuperseded {
			return r, true
		}
	}
	return e.lookupKey(maphash.Bytes(e.seed, id), id)
}

func (e *entityState) lookupKey(h uint64, id []byte) (int32, bool) {
	i, _ := slices.BinarySearchFunc(e.keys, h, func(k keyAt, h uint64) int { return cmp.Compare(k.key, h) })
	for ; i < len(e.keys) && e.keys[i].key == h; i++ {
		if r := e.keys[i].at; e.recs[r].state != recSuperseded && e.recs[r].id == string(id) {
			return r, true
		}
	}
	return 0, false
}

// chunkChange is one change as a worker saw it.
type chunkChange struct {
	seq, version int64
	entity, id   string
	emptyBody    bool // the body read as NULL or empty: settled against the NULL bodies
	emptyOK      bool // an empty body would match its hash
	latest       bool // projected: the latest version of its record
	committed    bool // its leaf is a commitment (the change has a salt)
	erased       bool
	projErr      error
	digests      int32 // where the record's digests start in the range's digests, one per table
}

type storedHash struct {
	idx  int64
	hash tlog.Hash
}

type verifyChunkResult struct {
	lo, hi   int64 // seq range; hi < 0: to the end
	changes  []chunkChange
	leaves   []tlog.Hash
	digests  []digest
	stored   []storedHash
	problems []Problem
	err      error
}

// logPass is the state of the single pass over the log.
type logPass struct {
	v          *verifier
	seed       maphash.Seed
	compared   map[string]*Projection // entities whose rows are compared
	superseded []uint64               // bitset over seq: a later version of the record exists
	versions   []Problem              // records whose versions do not run 1, 2, 3...
	empty      []Problem              // changes read with an empty body that does not match its hash: broken unless erased
	entities   map[string]*entityState
	order      []*entityState
	next       int64 // the seq expected next
	gap        bool
	hashes     storedCompare
	blocks     bool  // stored hashes are kept in blocks (ledger_hash_blocks), not a row each
	size       int64 // one more than the highest seq when the pass began
}

func (lp *logPass) isSuperseded(seq int64) bool {
	if seq < 0 || seq >= int64(len(lp.superseded))*64 {
		return false
	}
	return lp.superseded[seq/64]&(1<<(seq%64)) != 0
}

// readVersions marks every change that a later version of its record
// follows, and checks that each record's versions run 1, 2, 3... in log
// order. It reads the index of (entity, id, version), not the bodies, and
// only the changes after a first version.
func (lp *logPass) readVersions(size int64) error {
	lp.superseded = make([]uint64, (size+63)/64)
	rows, err := lp.v.db.read.QueryContext(lp.v.ctx, `SELECT c.seq, c.entity, c.id, c.version, p.seq FROM changes c
		LEFT JOIN changes p ON p.entity = c.entity AND p.id = c.id AND p.version = c.version - 1 WHERE c.version <> 1`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq, version int64
		var entity, id string
		var prev sql.NullInt64
		if err := rows.Scan(&seq, &entity, &id, &version, &prev); err != nil {
			return err
		}
		bad := func(format string, args ...any) {
			lp.versions = append(lp.versions, Problem{entity, id, seq, fmt.Sprintf(format, args...)})
		}
		switch {
		case version < 1:
			bad("version %d: versions start at 1", version)
		case !prev.Valid:
			bad("version %d follows no version %d", version, version-1)
		case prev.Int64 > seq:
			bad("version %d comes before version %d in the log", version, version-1)
		}
		if s := prev.Int64; prev.Valid && s >= 0 && s < size {
			lp.superseded[s/64] |= 1 << (s % 64)
		}
	}
	return rows.Err()
}

// readChunk is a worker's part: one range of the log.
func (lp *logPass) readChunk(ctx context.Context, c *verifyChunkResult) {
	db := lp.v.db
	if c.hi < 0 {
		lp.readLastChunk(ctx, c)
		return
	}
	// A closed range is read first without its seq column, one column
	// less on a million rows, each row taking the seq after the one
	// before: seq is the table's integer key, so a range that holds hi−lo
	// rows holds every seq in it, in order. A range with fewer has a gap
	// (a change deleted) and is read again with the column.
	n, err := lp.readChanges(ctx, db.scan, c, false)
	if err == nil && n != c.hi-c.lo {
		c.changes, c.leaves, c.digests, c.problems = c.changes[:0], c.leaves[:0], c.digests[:0], c.problems[:0]
		_, err = lp.readChanges(ctx, db.scan, c, true)
	}
	if c.err = err; err == nil {
		lp.readChunkHashes(ctx, db.read, c)
	}
}

// readLastChunk reads the last, open range of the log and the stored
// hashes to the end in one read transaction: a server may be appending
// beside verify, and each commit adds changes and their hashes together.
func (lp *logPass) readLastChunk(ctx context.Context, c *verifyChunkResult) {
	tx, err := lp.v.db.read.BeginTx(ctx, lp.v.db.dialect.snapshotOptions())
	if err != nil {
		c.err = err
		return
	}
	defer tx.Rollback()
	scan := func(ctx context.Context, q string, args []int64, row func(scanRow) error) error {
		return scanSQL(ctx, tx, lp.v.db.dialect.Rebind(q), args, row)
	}
	if _, c.err = lp.readChanges(ctx, scan, c, true); c.err == nil {
		lp.readChunkHashes(ctx, tx, c)
	}
}

// readChunkHashes reads the stored tree hashes of a range.
func (lp *logPass) readChunkHashes(ctx context.Context, q querier, c *verifyChunkResult) {
	var problems []Problem
	c.stored, problems, c.err = lp.readStoredHashes(ctx, q, c.lo, c.hi)
	c.problems = append(c.problems, problems...)
}

// joinedColumns is the actor, org, via and at of a change read as one
// column, as its leaf writes them.
var joinedColumns = ledger.JoinedSQL("actor", "org", "via", "at")

// readChanges reads a range's changes, with their seq column or without,
// and returns how many rows it read.
func (lp *logPass) readChanges(ctx context.Context, scan scanFunc, c *verifyChunkResult, withSeq bool) (int64, error) {
	cols := `entity, id, version, ` + joinedColumns + `, body_sha256, body, salt`
	if withSeq {
		cols = `seq, ` + cols
	}
	q, args := `SELECT `+cols+` FROM changes WHERE seq >= ?`, []int64{c.lo}
	if c.hi >= 0 {
		q += ` AND seq < ?`
		args = append(args, c.hi)
	}
	var (
		leaf, row  []byte
		opening    []byte
		lastEntity string
		n          int64
	)
	seq := c.lo - 1
	emptySum := sha256.Sum256(nil)
	base := 0
	if withSeq {
		base = 1
	}
	err := scan(ctx, q+` ORDER BY seq`, args, func(r scanRow) error {
		n++
		if withSeq {
			seq = r.integer(0)
		} else {
			seq++
		}
		entity, id, version := r.bytes(base), string(r.bytes(base+1)), r.integer(base+2)
		joined, sum, body, salt := r.bytes(base+3), r.bytes(base+4), r.bytes(base+5), r.bytes(base+6)
		if string(entity) != lastEntity {
			lastEntity = string(entity)
		}
		ch := chunkChange{seq: seq, version: version, entity: lastEntity, id: id}
		lp.v.attr.check(c, seq, ch.entity, ch.id, joined)
		if at, ok := ledger.JoinedTime(joined); !ok {
			c.problems = append(c.problems, Problem{ch.entity, ch.id, seq, fmt.Sprintf("change time %q does not parse", at)})
		}
		if len(sum) != sha256.Size {
			c.problems = append(c.problems, Problem{ch.entity, ch.id, seq, fmt.Sprintf("body hash has %d bytes", len(sum))})
		}
		if len(body) == 0 {
			// NULL (an erasure, settled against the NULL bodies later) or
			// an empty body, which must match its hash.
			ch.emptyBody, ch.emptyOK = true, bytes.Equal(emptySum[:], sum)
		} else if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
			c.problems = append(c.problems, Problem{ch.entity, ch.id, seq, fmt.Sprintf("body was edited: its SHA-256 is %x, the log recorded %x", got[:6], sum[:min(6, len(sum))])})
		}
		if len(salt) == 0 {
			leaf = ledger.AppendJoined(leaf[:0], seq, lastEntity, id, version, joined, sum)
		} else {
			// A committed leaf: the commitment recomputed from the salt
			// and the fields, so that an edited salt, an edited field or
			// a swapped commitment all leave a leaf hash that differs.
			ch.committed = true
			if len(salt) != ledger.SaltSize {
				c.problems = append(c.problems, Problem{ch.entity, ch.id, seq, fmt.Sprintf("salt has %d bytes, not %d", len(salt), ledger.SaltSize)})
			}
			opening = ledger.AppendOpeningHead(opening[:0], salt)
			opening = ledger.AppendJoined(opening, seq, lastEntity, id, version, joined, sum)
			commitment := sha256.Sum256(opening)
			at, _ := ledger.JoinedTime(joined)
			leaf = ledger.AppendCommitted(leaf[:0], seq, at, commitment[:])
		}
		c.leaves = append(c.leaves, tlog.RecordHash(leaf))
		if p := lp.compared[ch.entity]; p != nil && !lp.isSuperseded(seq) {
			ch.latest = true
			if len(body) == 0 {
				ch.erased = true
			} else if rows, err := p.Rows(ch.id, body); err != nil {
				ch.projErr = err
			} else {
				ch.digests = int32(len(c.digests))
				for _, tb := range p.Tables {
					var d digest
					for _, r := range rows[tb.Name] {
						row = appendCanonRow(row[:0], r)
						d.add(lp.seed, row)
					}
					c.digests = append(c.digests, d)
				}
			}
		}
		c.changes = append(c.changes, ch)
		return nil
	})
	return n, err
}

// readStoredHashes reads the stored tree hashes that the leaves of a range
// of seq add to the tree; the last range reads to the end, so that hashes
// with no change behind them show.
func (lp *logPass) readStoredHashes(ctx context.Context, q querier, lo, hi int64) ([]storedHash, []Problem, error) {
	from, to := tlog.StoredHashIndex(0, lo), int64(math.MaxInt64)
	if hi >= 0 {
		to = tlog.StoredHashIndex(0, hi)
	}
	if !lp.blocks {
		h, err := lp.readStoredRows(ctx, q, from, to)
		return h, nil, err
	}
	d := lp.v.db.dialect
	query := `SELECT n, hashes FROM ledger_hash_blocks WHERE n >= ?`
	args := []any{from / hashBlock}
	if hi >= 0 {
		query += ` AND n <= ?`
		args = append(args, (to-1)/hashBlock)
	}
	rows, err := q.QueryContext(ctx, d.Rebind(query+` ORDER BY n`), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := make([]storedHash, 0, min(to-from, 2*verifyChunk+2*hashBlock))
	var problems []Problem
	var n int64
	var b sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&n, &b); err != nil {
			return nil, nil, err
		}
		if len(b)%32 != 0 || len(b) > hashBlock*32 {
			problems = append(problems, Problem{Seq: -1, What: fmt.Sprintf("stored hash block %d holds %d bytes, not up to %d whole hashes", n, len(b), hashBlock)})
		}
		for i := int64(0); i < hashBlock && (i+1)*32 <= int64(len(b)); i++ {
			if idx := n*hashBlock + i; idx >= from && idx < to {
				s := storedHash{idx: idx}
				copy(s.hash[:], b[i*32:])
				out = append(out, s)
			}
		}
	}
	return out, problems, rows.Err()
}

// readStoredRows reads stored hashes kept one to a row, as data directories
// written before the blocks hold them.
func (lp *logPass) readStoredRows(ctx context.Context, q querier, from, to int64) ([]storedHash, error) {
	rows, err := q.QueryContext(ctx, lp.v.db.dialect.Rebind(`SELECT idx, hash FROM ledger_hashes WHERE idx >= ? AND idx < ? ORDER BY idx`), from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedHash
	var idx int64
	var h sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&idx, &h); err != nil {
			return nil, err
		}
		s := storedHash{idx: idx}
		copy(s.hash[:], h)
		if len(h) != len(s.hash) {
			s.hash[0] ^= 0xff // a hash of the wrong size never matches
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// appendStoredHashes appends the stored hashes that leaf n adds to a tree
// whose stored hashes for leaves 0..n-1 are hashes: the leaf's, then one
// for each subtree it completes. It is tlog.StoredHashesForRecordHash
// without a reader, for the tree Verify holds in memory.
func appendStoredHashes(hashes []tlog.Hash, n int64, leaf tlog.Hash) []tlog.Hash {
	hashes = append(hashes, leaf)
	h := leaf
	for level := 0; n&1 == 1; level++ {
		n >>= 1
		h = tlog.NodeHash(hashes[tlog.StoredHashIndex(level, 2*n)], h)
		hashes = append(hashes, h)
	}
	return hashes
}

// consume takes a worker's range in log order.
func (lp *logPass) consume(c *verifyChunkResult) error {
	if c.err != nil {
		return c.err
	}
	v := lp.v
	v.rep.Problems = append(v.rep.Problems, c.problems...)
	var es *entityState
	for i := range c.changes {
		ch := &c.changes[i]
		if ch.seq != lp.next {
			if ch.seq > lp.next {
				v.problem("", "", lp.next, "changes %d to %d are missing from the log", lp.next, ch.seq-1)
			}
			lp.gap = true
		}
		lp.next = ch.seq + 1
		v.rep.Changes++
		if ch.emptyBody && !ch.emptyOK {
			lp.empty = append(lp.empty, Problem{ch.entity, ch.id, ch.seq, "body was edited: it is empty, the log recorded another"})
		}
		if es == nil || es.name != ch.entity {
			es = lp.entity(ch.entity)
			v.recorded[ch.entity] = true
		}
		if ch.latest {
			switch {
			case ch.erased:
				es.add(ch.id, ch.seq, recErased, nil)
			case ch.projErr != nil:
				es.add(ch.id, ch.seq, recBroken, nil)
				v.problem(ch.entity, ch.id, ch.seq, "body does not project: %v", ch.projErr)
			default:
				es.add(ch.id, ch.seq, recProjected, c.digests[ch.digests:int(ch.digests)+len(es.proj.Tables)])
			}
		}
		if lp.gap {
			continue // the tree cannot be recomputed past a missing leaf
		}
		v.hashes = appendStoredHashes(v.hashes, ch.seq, c.leaves[i])
		v.size = ch.seq + 1
	}
	lp.hashes.feed(v, c.stored, lp.gap, c.changes)
	v.progress("changes", v.rep.Changes, lp.size)
	return nil
}

func (lp *logPass) entity(name string) *entityState {
	if es, ok := lp.entities[name]; ok {
		return es
	}
	es := &entityState{name: name, proj: lp.compared[name], seed: lp.seed}
	lp.entities[name] = es
	lp.order = append(lp.order, es)
	return es
}

// run reads the whole log: size is one more than the highest seq.
func (lp *logPass) run(size int64) error {
	lp.size = size
	produce := func(ctx context.Context, emit func([]verifyChunkResult) bool) error {
		for lo := int64(0); ; lo += verifyChunk {
			c := verifyChunkResult{lo: lo, hi: lo + verifyChunk}
			if c.hi >= size {
				c.hi = -1
			}
			if !emit([]verifyChunkResult{c}) || c.hi < 0 {
				return nil
			}
		}
	}
	work := func(cs []verifyChunkResult) {
		for i := range cs {
			lp.readChunk(lp.v.ctx, &cs[i])
		}
	}
	consume := func(cs []verifyChunkResult) error {
		for i := range cs {
			if err := lp.consume(&cs[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if err := inOrder(lp.v.ctx, produce, work, consume); err != nil {
		return err
	}
	lp.hashes.finish(lp.v)
	return nil
}

// storedCompare compares the stored tree hashes, in index order, with the
// recomputed ones.
type storedCompare struct {
	next     int64
	reported int
}

func (s *storedCompare) report(v *verifier, idx int64, what string) {
	s.reportChange(v, idx, what, nil)
}

// reportChange reports a broken stored hash, naming the record when it is
// a leaf's hash and the change is among changes.
func (s *storedCompare) reportChange(v *verifier, idx int64, what string, changes []chunkChange) {
	s.reported++
	if s.reported > 1000 {
		return
	}
	level, n := tlog.SplitStoredHashIndex(idx)
	if level == 0 {
		i, found := slices.BinarySearchFunc(changes, n, func(c chunkChange, seq int64) int { return cmp.Compare(c.seq, seq) })
		if !found {
			v.problem("", "", n, "leaf hash %s", what)
			return
		}
		ch := &changes[i]
		if ch.committed {
			what += " (a committed leaf: its commitment was swapped, or the change's salt or fields were edited)"
		}
		v.problem(ch.entity, ch.id, n, "leaf hash %s", what)
	} else {
		v.problem("", "", -1, "tree hash at level %d, index %d %s", level, n, what)
	}
}

func (s *storedCompare) feed(v *verifier, stored []storedHash, gap bool, changes []chunkChange) {
	want := int64(len(v.hashes))
	for _, st := range stored {
		for ; s.next < st.idx && s.next < want; s.next++ {
			s.report(v, s.next, "is missing")
		}
		s.next = max(s.next, st.idx+1)
		if st.idx >= want {
			if !gap { // the hash has no change behind it
				s.report(v, st.idx, "has no change behind it")
			}
			continue
		}
		if st.hash != v.hashes[st.idx] {
			s.reportChange(v, st.idx, "was edited: it does not match the change", changes)
		}
	}
}

func (s *storedCompare) finish(v *verifier) {
	for want := int64(len(v.hashes)); s.next < want; s.next++ {
		s.report(v, s.next, "is missing")
	}
	if s.reported > 1000 {
		v.problem("", "", -1, "%d more broken stored hashes not listed", s.reported-1000)
	}
}

// compareTables reads each compared entity's stored rows and sets the
// digests of what is stored; rows of records the log does not hold are
// reported as they are met. A large table is read in ranges of its rows,
// on every core.
func (lp *logPass) compareTables() error {
	type job struct {
		es     *entityState
		t      int
		lo, hi int64 // row id range [lo, hi); math.MinInt64 and math.MaxInt64 leave it open
	}
	var tables []job
	for _, es := range lp.order {
		if es.proj != nil {
			for t := range es.proj.Tables {
				tables = append(tables, job{es: es, t: t, lo: math.MinInt64, hi: math.MaxInt64})
			}
		}
	}
	// Entities with a projection whose records the log does not hold may
	// still have rows inserted behind its back.
	for name, p := range lp.compared {
		if _, ok := lp.entities[name]; !ok {
			es := lp.entity(name)
			for t := range p.Tables {
				tables = append(tables, job{es: es, t: t, lo: math.MinInt64, hi: math.MaxInt64})
			}
		}
	}
	for _, j := range tables {
		if j.t == 0 {
			j.es.index()
		}
	}
	var jobs []job
	for _, j := range tables {
		if int64(len(j.es.recs)) < 4*verifyRowRange || lp.v.db.dialect.RowID == "" {
			jobs = append(jobs, j)
			continue
		}
		var maxID sql.NullInt64
		tb := j.es.proj.Tables[j.t]
		if err := lp.v.db.read.QueryRowContext(lp.v.ctx, fmt.Sprintf("SELECT MAX(%s) FROM %s", lp.v.db.dialect.RowID, tb.Name)).Scan(&maxID); err != nil {
			jobs = append(jobs, j) // a table without row ids (WITHOUT ROWID) is read whole
			continue
		}
		if maxID.Int64/verifyRowRange > 4*int64(len(j.es.recs))/verifyRowRange+16 {
			jobs = append(jobs, j) // row ids far sparser than rows: read whole
			continue
		}
		// The first range has no lower bound and the last no upper one,
		// so that no row id, however placed, escapes.
		for lo := int64(0); ; lo += verifyRowRange {
			r := job{es: j.es, t: j.t, lo: lo, hi: lo + verifyRowRange}
			if lo == 0 {
				r.lo = math.MinInt64
			}
			if r.hi > maxID.Int64 {
				r.hi = math.MaxInt64
			}
			jobs = append(jobs, r)
			if r.hi == math.MaxInt64 {
				break
			}
		}
	}
	problems := make([][]Problem, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int, len(jobs))
	for i := range jobs {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(max(runtime.GOMAXPROCS(0), 1), len(jobs)) {
		wg.Go(func() {
			for i := range next {
				problems[i], errs[i] = lp.readTable(jobs[i].es, jobs[i].t, jobs[i].lo, jobs[i].hi)
			}
		})
	}
	wg.Wait()
	for i := range jobs {
		if errs[i] != nil {
			return errs[i]
		}
		lp.v.rep.Problems = append(lp.v.rep.Problems, problems[i]...)
	}
	return nil
}

// verifyRowRange is how many row ids one reader of a projection table
// takes at a time (a variable for the tests).
var verifyRowRange int64 = 65536

// readTable reads one table's rows with row ids in [lo, hi), and adds each
// to its record's digest.
func (lp *logPass) readTable(es *entityState, t int, lo, hi int64) ([]Problem, error) {
	tb := es.proj.Tables[t]
	nt := len(es.proj.Tables)
	q := fmt.Sprintf("SELECT %s FROM %s", joinColumns(tb.Columns), tb.Name)
	var where []string
	var args []int64
	if lo != math.MinInt64 {
		where, args = append(where, lp.v.db.dialect.RowID+" >= ?"), append(args, lo)
	}
	if hi != math.MaxInt64 {
		where, args = append(where, lp.v.db.dialect.RowID+" < ?"), append(args, hi)
	}
	if w := tb.where(strings.Join(where, " AND ")); w != "" {
		q += " WHERE " + w
	}
	var problems []Problem
	var row []byte
	last := int32(-2)
	err := lp.v.db.scan(lp.v.ctx, q, args, func(r scanRow) error {
		row = row[:0]
		for i := range tb.Columns {
			if i > 0 {
				row = append(row, canonSeparator)
			}
			row = r.appendCanon(row, i)
		}
		id := r.bytes(0)
		found, ok := es.lookup(id, last)
		if !ok {
			problems = append(problems, Problem{Entity: es.name, ID: string(id), Seq: -1,
				What: fmt.Sprintf("%s row has no change behind it (inserted behind the log's back)", tb.Name)})
			return nil
		}
		last = found
		es.got[int(found)*nt+t].addAtomic(lp.seed, row)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", tb.Name, err)
	}
	return problems, nil
}

// explain says how a record's stored rows differ from the log's, reading
// both again; it runs only for records whose digests disagree.
func (lp *logPass) explain(es *entityState, r int32) error {
	rec := &es.recs[r]
	p := es.proj
	var body []byte
	if err := lp.v.db.read.QueryRowContext(lp.v.ctx, lp.v.db.dialect.Rebind(`SELECT body FROM changes WHERE seq = ?`), rec.seq).Scan(&body); err != nil {
		return err
	}
	if len(body) == 0 { // erased since the log was read
		lp.v.problem(es.name, rec.id, rec.seq, "rows differ from the log's")
		return nil
	}
	want, err := p.Rows(rec.id, body)
	if err != nil {
		return err
	}
	nt := len(p.Tables)
	for t, tb := range p.Tables {
		if es.want[int(r)*nt+t] == es.got[int(r)*nt+t] {
			continue
		}
		got, err := lp.storedRows(tb, rec.id)
		if err != nil {
			return err
		}
		var w []string
		for _, row := range want[tb.Name] {
			w = append(w, canonRow(row))
		}
		sort.Strings(w)
		what := diffRows(tb, got, w)
		if what == "" {
			what = "rows differ from the log's"
		}
		lp.v.problem(es.name, rec.id, rec.seq, "%s %s", tb.Name, what)
	}
	return nil
}

func (lp *logPass) storedRows(tb Table, id string) ([]string, error) {
	q := lp.v.db.dialect.Rebind(fmt.Sprintf("SELECT %s FROM %s WHERE %s", joinColumns(tb.Columns), tb.Name, tb.where(tb.Columns[0]+" = ?")))
	rows, err := lp.v.db.read.QueryContext(lp.v.ctx, q, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]any, len(tb.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, canonRow(vals))
	}
	sort.Strings(out)
	return out, rows.Err()
}

// settle compares every record's digests once the stored rows are read.
func (lp *logPass) settle() error {
	explained := 0
	for _, es := range lp.order {
		if es.proj == nil {
			continue
		}
		nt := len(es.proj.Tables)
		for r := range es.recs {
			rec := &es.recs[r]
			if rec.state == recSuperseded {
				continue
			}
			lp.v.rep.Records++
			if rec.state != recProjected {
				continue
			}
			same := true
			for t := range nt {
				if es.want[r*nt+t] != es.got[r*nt+t] {
					same = false
				}
			}
			if same {
				continue
			}
			if explained++; explained > 1000 {
				lp.v.problem(es.name, rec.id, rec.seq, "rows differ from the log's")
				continue
			}
			if err := lp.explain(es, int32(r)); err != nil {
				return err
			}
		}
	}
	return nil
}
