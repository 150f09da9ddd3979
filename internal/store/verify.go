package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// Problem is one broken item found by Verify.
type Problem struct {
	Entity string // "" for the log itself
	ID     string
	Seq    int64 // -1 when the problem is not tied to one change
	What   string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Entity != "" {
		fmt.Fprintf(&b, "%s %s", p.Entity, p.ID)
	} else {
		b.WriteString("log")
	}
	if p.Seq >= 0 {
		fmt.Fprintf(&b, " seq %d", p.Seq)
	}
	b.WriteString(": ")
	b.WriteString(p.What)
	return b.String()
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Changes     int64
	Checkpoints int
	Records     int64     // records whose projection was rebuilt and compared
	Erased      []Problem // entries whose body was erased lawfully: not failures
	Problems    []Problem
	Elapsed     time.Duration
	// LogElapsed is the time spent on bodies, leaves, the tree and the
	// checkpoints; the rest of Elapsed went on rebuilding projections.
	LogElapsed time.Duration
}

// OK reports whether nothing is broken.
func (r VerifyReport) OK() bool { return len(r.Problems) == 0 }

// Progress receives a stage name and how far it has got.
type Progress func(stage string, done, total int64)

// Verify checks the whole log: every body hash, every leaf, every stored
// hash of the tree, every signed checkpoint, and every projection rebuilt
// from the changes and compared with the stored tables. It works on a
// database that may have been tampered with behind Truce's back.
func (db *DB) Verify(ctx context.Context, progress Progress) (VerifyReport, error) {
	start := time.Now()
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	v := &verifier{db: db, ctx: ctx, progress: progress, recorded: map[string]bool{}}
	stored := make(chan storedTree, 1)
	go v.readStoredHashes(stored)
	if err := v.changes(); err != nil {
		<-stored
		return v.rep, err
	}
	if err := v.erasures(); err != nil {
		<-stored
		return v.rep, err
	}
	if err := v.storedHashes(stored); err != nil {
		return v.rep, err
	}
	if err := v.checkpoints(); err != nil {
		return v.rep, err
	}
	v.rep.LogElapsed = time.Since(start)
	tables, err := v.tables()
	if err != nil {
		return v.rep, err
	}
	for _, e := range db.projOrder {
		p := db.projections[e]
		if missing := v.missing(tables, e, p.Tables...); missing {
			continue
		}
		if err := v.projection(p); err != nil {
			return v.rep, err
		}
	}
	for _, c := range db.checks {
		if v.missing(tables, c.Entity, Table{Name: c.Table}) {
			continue
		}
		bad, err := c.Check(ctx)
		if err != nil {
			return v.rep, fmt.Errorf("checking %s: %w", c.Table, err)
		}
		for _, b := range bad {
			v.problem(c.Table, "", -1, "%s", b)
		}
	}
	sort.SliceStable(v.rep.Problems, func(i, j int) bool { return v.rep.Problems[i].Seq < v.rep.Problems[j].Seq })
	v.rep.Elapsed = time.Since(start)
	return v.rep, nil
}

// tables lists the tables the database has.
func (v *verifier) tables() (map[string]bool, error) {
	rows, err := v.db.read.QueryContext(v.ctx, v.db.dialect.Tables)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out[name] = true
	}
	return out, rows.Err()
}

// missing reports whether one of the tables an entity's rows belong in is
// absent. A data directory written by an older Truce lacks the tables of
// kinds added since; that is no fault while the log holds no record of
// those kinds, and the tables' loss when it does.
func (v *verifier) missing(have map[string]bool, entity string, tables ...Table) bool {
	for _, t := range tables {
		if have[t.Name] {
			continue
		}
		if v.recorded[entity] {
			v.problem(entity, "", -1, "table %s is missing, yet the log holds %s records", t.Name, entity)
		}
		return true
	}
	return false
}

type verifier struct {
	db       *DB
	ctx      context.Context
	progress Progress
	rep      VerifyReport
	size     int64           // leaves recomputed (highest contiguous seq + 1)
	hashes   []tlog.Hash     // recomputed stored hashes, by stored index
	recorded map[string]bool // the entities the log holds changes of
}

func (v *verifier) problem(entity, id string, seq int64, format string, args ...any) {
	v.rep.Problems = append(v.rep.Problems, Problem{Entity: entity, ID: id, Seq: seq, What: fmt.Sprintf(format, args...)})
}

func (v *verifier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		if idx < 0 || idx >= int64(len(v.hashes)) {
			return nil, fmt.Errorf("hash %d not computed", idx)
		}
		out[i] = v.hashes[idx]
	}
	return out, nil
}

// changes recomputes body hashes, leaves and the tree from the change rows.
// A reader scans the rows, workers hash bodies and leaves, and the tree is
// extended in log order here.
func (v *verifier) changes() error {
	var total int64
	if err := v.db.read.QueryRowContext(v.ctx, `SELECT COUNT(*) FROM changes`).Scan(&total); err != nil {
		return err
	}
	v.hashes = make([]tlog.Hash, 0, tlog.StoredHashCount(total))
	type change struct {
		leaf     ledger.Leaf
		at       string
		sum      []byte
		body     []byte
		erasedBy sql.NullInt64
		leafHash tlog.Hash
		problems []Problem
		erased   *Problem
	}
	produce := func(ctx context.Context, emit func([]change) bool) error {
		rows, err := v.db.read.QueryContext(ctx, `SELECT seq, entity, id, version, actor, org, via, at, body_sha256, body, erased_by FROM changes ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		batch := make([]change, 0, 1024)
		for rows.Next() {
			batch = append(batch, change{})
			c := &batch[len(batch)-1]
			l := &c.leaf
			if err := rows.Scan(&l.Seq, &l.Entity, &l.ID, &l.Version, &l.Actor, &l.Org, &l.Via, &c.at, &c.sum, &c.body, &c.erasedBy); err != nil {
				return err
			}
			if len(batch) == cap(batch) {
				if !emit(batch) {
					return nil
				}
				batch = make([]change, 0, 1024)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) > 0 {
			emit(batch)
		}
		return nil
	}
	work := func(cs []change) {
		for i := range cs {
			c := &cs[i]
			l := &c.leaf
			t, err := time.Parse(ledger.TimeLayout, c.at)
			if err != nil {
				c.problems = append(c.problems, Problem{l.Entity, l.ID, l.Seq, fmt.Sprintf("change time %q does not parse", c.at)})
			}
			l.At = t
			if len(c.sum) != sha256.Size {
				c.problems = append(c.problems, Problem{l.Entity, l.ID, l.Seq, fmt.Sprintf("body hash has %d bytes", len(c.sum))})
			}
			copy(l.BodySHA256[:], c.sum)
			if c.body == nil {
				c.erased = &Problem{l.Entity, l.ID, l.Seq, fmt.Sprintf("body erased (by change %d)", c.erasedBy.Int64)}
			} else if got := sha256.Sum256(c.body); !bytes.Equal(got[:], c.sum) {
				c.problems = append(c.problems, Problem{l.Entity, l.ID, l.Seq, fmt.Sprintf("body was edited: its SHA-256 is %x, the log recorded %x", got[:6], c.sum[:min(6, len(c.sum))])})
			}
			c.body = nil
			c.leafHash = tlog.RecordHash(l.Encode())
		}
	}
	next := int64(0)
	gap := false
	consume := func(cs []change) error {
		for i := range cs {
			c := &cs[i]
			l := &c.leaf
			if l.Seq != next {
				if l.Seq > next {
					v.problem("", "", next, "changes %d to %d are missing from the log", next, l.Seq-1)
				}
				gap = true
			}
			next = l.Seq + 1
			v.rep.Changes++
			if !v.recorded[l.Entity] {
				v.recorded[l.Entity] = true
			}
			v.rep.Problems = append(v.rep.Problems, c.problems...)
			if c.erased != nil {
				v.rep.Erased = append(v.rep.Erased, *c.erased)
			}
			if gap {
				continue // the tree cannot be recomputed past a missing leaf
			}
			hs, err := tlog.StoredHashesForRecordHash(l.Seq, c.leafHash, v)
			if err != nil {
				return err
			}
			v.hashes = append(v.hashes, hs...)
			v.size = l.Seq + 1
		}
		v.progress("changes", v.rep.Changes, total)
		return nil
	}
	return inOrder(v.ctx, produce, work, consume)
}

// erasures checks that every missing body was removed by an erasure: a
// NULL body counts as erased only when erased_by names a later change of
// the same record (the tombstone). Anything else is a body deleted behind
// the log's back, and moves from Erased to Problems.
func (v *verifier) erasures() error {
	rows, err := v.db.read.QueryContext(v.ctx, `SELECT e.seq, e.entity, e.id, e.erased_by, x.seq, x.entity, x.id, x.body IS NULL
		FROM changes e LEFT JOIN changes x ON x.seq = e.erased_by
		WHERE e.body IS NULL AND (x.seq IS NULL OR x.seq <= e.seq OR x.entity <> e.entity OR x.id <> e.id OR x.body IS NULL)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	bad := map[int64]bool{}
	for rows.Next() {
		var seq int64
		var entity, id string
		var erasedBy, bySeq sql.NullInt64
		var byEntity, byID sql.NullString
		var byErased sql.NullBool
		if err := rows.Scan(&seq, &entity, &id, &erasedBy, &bySeq, &byEntity, &byID, &byErased); err != nil {
			return err
		}
		bad[seq] = true
		var why string
		switch {
		case !erasedBy.Valid:
			why = "body was deleted: no erasure names it"
		case !bySeq.Valid:
			why = fmt.Sprintf("body was deleted: it names erasure change %d, which is not in the log", erasedBy.Int64)
		case bySeq.Int64 <= seq:
			why = fmt.Sprintf("body was deleted: it names change %d, which does not come after it", bySeq.Int64)
		case byEntity.String != entity || byID.String != id:
			why = fmt.Sprintf("body was deleted: it names change %d, which is of %s %s, not this record", bySeq.Int64, byEntity.String, byID.String)
		default:
			why = fmt.Sprintf("body was deleted: erasure change %d has no tombstone body", bySeq.Int64)
		}
		v.problem(entity, id, seq, "%s", why)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(bad) > 0 {
		kept := v.rep.Erased[:0]
		for _, e := range v.rep.Erased {
			if !bad[e.Seq] {
				kept = append(kept, e)
			}
		}
		v.rep.Erased = kept
	}
	return nil
}

// storedHashes compares the stored tree with the recomputed one.
func (v *verifier) storedHashes(stored <-chan storedTree) error {
	st := <-stored
	if st.err != nil {
		return st.err
	}
	next := int64(0)
	want := int64(len(v.hashes))
	reported := 0
	report := func(idx int64, what string) {
		reported++
		if reported > 1000 {
			return
		}
		level, n := tlog.SplitStoredHashIndex(idx)
		if level == 0 {
			v.problem("", "", n, "leaf hash %s", what)
		} else {
			v.problem("", "", -1, "tree hash at level %d, index %d %s", level, n, what)
		}
	}
	for k, idx := range st.idx {
		h := st.hash[k][:]
		for ; next < idx && next < want; next++ {
			report(next, "is missing")
		}
		next = idx + 1
		if idx >= want {
			if v.size == v.rep.Changes { // no gap: the hash has no change behind it
				report(idx, "has no change behind it")
			}
			continue
		}
		if !bytes.Equal(h, v.hashes[idx][:]) {
			report(idx, "was edited: it does not match the change")
		}
	}
	for ; next < want; next++ {
		report(next, "is missing")
	}
	if reported > 1000 {
		v.problem("", "", -1, "%d more broken stored hashes not listed", reported-1000)
	}
	return nil
}

// storedTree is the ledger_hashes table read into memory.
type storedTree struct {
	idx  []int64
	hash [][32]byte
	err  error
}

// readStoredHashes reads every stored hash; it runs beside the change scan.
func (v *verifier) readStoredHashes(out chan<- storedTree) {
	var st storedTree
	defer func() { out <- st }()
	rows, err := v.db.read.QueryContext(v.ctx, `SELECT idx, hash FROM ledger_hashes ORDER BY idx`)
	if err != nil {
		st.err = err
		return
	}
	defer rows.Close()
	var idx int64
	var h []byte
	for rows.Next() {
		if st.err = rows.Scan(&idx, &h); st.err != nil {
			return
		}
		var x [32]byte
		copy(x[:], h)
		if len(h) != 32 {
			x[0] ^= 0xff // a hash of the wrong size never matches
		}
		st.idx = append(st.idx, idx)
		st.hash = append(st.hash, x)
	}
	st.err = rows.Err()
}

// checkpoints checks each signed checkpoint's signature and root.
func (v *verifier) checkpoints() error {
	verifier, _, err := ledger.LoadVerifier(v.db.dir)
	if err != nil {
		return err
	}
	var origin string
	if err := v.db.read.QueryRowContext(v.ctx, `SELECT value FROM meta WHERE key = 'origin'`).Scan(&origin); err != nil {
		return fmt.Errorf("read log origin: %w", err)
	}
	rows, err := v.db.read.QueryContext(v.ctx, `SELECT size, note FROM checkpoints ORDER BY size`)
	if err != nil {
		return err
	}
	defer rows.Close()
	latest := int64(-1)
	for rows.Next() {
		var size int64
		var note string
		if err := rows.Scan(&size, &note); err != nil {
			return err
		}
		v.rep.Checkpoints++
		csize, root, err := ledger.OpenCheckpoint([]byte(note), origin, verifier)
		if err != nil {
			v.problem("", "", -1, "checkpoint at size %d: signature or format is not valid: %v", size, err)
			continue
		}
		if csize != size {
			v.problem("", "", -1, "checkpoint stored at size %d is signed for size %d", size, csize)
		}
		latest = max(latest, csize)
		if csize > v.size {
			if csize > v.rep.Changes {
				v.problem("", "", v.rep.Changes, "checkpoint signed for %d changes but the log holds %d: changes were deleted", csize, v.rep.Changes)
			}
			continue
		}
		want := tlog.Hash(sha256.Sum256(nil))
		if csize > 0 {
			if want, err = tlog.TreeHash(csize, v); err != nil {
				return err
			}
		}
		if want != root {
			v.problem("", "", -1, "checkpoint at size %d: signed root %s does not match the log's %s", csize, root, want)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if v.rep.Checkpoints == 0 {
		v.problem("", "", -1, "no signed checkpoint")
	}
	return nil
}

// projection rebuilds one entity's projection tables from the changes and
// compares them with the stored rows, merging both streams in id order.
// Decoding bodies into rows is the expensive part, so it runs on every core:
// a reader groups each record's changes, workers project the latest body,
// and each table's stored rows are read and rendered in their own goroutine.
func (v *verifier) projection(p *Projection) error {
	ctx, cancel := context.WithCancel(v.ctx)
	defer cancel()
	bo := v.db.dialect.ByteOrder

	// Stored rows, per table: (key, canonical row) in key order.
	type stored struct{ key, row string }
	tables := make([]chan []stored, len(p.Tables))
	errc := make(chan error, len(p.Tables)+2)
	for i, t := range p.Tables {
		ch := make(chan []stored, 4)
		tables[i] = ch
		q := fmt.Sprintf("SELECT %s FROM %s ORDER BY %s %s", strings.Join(t.Columns, ", "), t.Name, t.Columns[0], bo)
		go func() {
			defer close(ch)
			rows, err := v.db.read.QueryContext(ctx, q)
			if err != nil {
				errc <- fmt.Errorf("read %s: %w", t.Name, err)
				return
			}
			defer rows.Close()
			vals := make([]any, len(t.Columns))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			batch := make([]stored, 0, 512)
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					errc <- err
					return
				}
				batch = append(batch, stored{canonValue(vals[0])[2:], canonRow(vals)})
				if len(batch) == cap(batch) {
					select {
					case ch <- batch:
					case <-ctx.Done():
						return
					}
					batch = make([]stored, 0, 512)
				}
			}
			if err := rows.Err(); err != nil {
				errc <- err
				return
			}
			if len(batch) > 0 {
				select {
				case ch <- batch:
				case <-ctx.Done():
				}
			}
		}()
	}

	// Records, each with its latest body, projected by workers in batches
	// that the merge below consumes in order.
	type record struct {
		id       string
		seq      int64
		body     []byte
		problems []Problem
		want     [][]string // per table, sorted canonical rows
		err      error
	}
	produce := func(ctx context.Context, emit func([]record) bool) error {
		q := v.db.dialect.Rebind(fmt.Sprintf("SELECT id, version, seq, body FROM changes WHERE entity = ? ORDER BY id %s, version", bo))
		rows, err := v.db.read.QueryContext(ctx, q, p.Entity)
		if err != nil {
			return err
		}
		defer rows.Close()
		var cur *record
		var lastVer int64
		batch := make([]record, 0, 256)
		var id string
		var version, seq int64
		var body []byte
		for rows.Next() {
			if err := rows.Scan(&id, &version, &seq, &body); err != nil {
				return err
			}
			if cur == nil || id != cur.id {
				if len(batch) == cap(batch) {
					if !emit(batch) {
						return nil
					}
					batch = make([]record, 0, 256)
				}
				batch = append(batch, record{id: id})
				cur, lastVer = &batch[len(batch)-1], 0
			}
			if version != lastVer+1 {
				cur.problems = append(cur.problems, Problem{Entity: p.Entity, ID: id, Seq: seq, What: fmt.Sprintf("version %d follows version %d", version, lastVer)})
			}
			lastVer, cur.seq, cur.body = version, seq, body
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) > 0 {
			emit(batch)
		}
		return nil
	}
	work := func(recs []record) {
		for i := range recs {
			r := &recs[i]
			if r.body == nil {
				continue // erased: nothing to compare against
			}
			want, err := p.Rows(r.id, r.body)
			if err != nil {
				r.err = err
				continue
			}
			r.want = make([][]string, len(p.Tables))
			for t, tb := range p.Tables {
				for _, row := range want[tb.Name] {
					r.want[t] = append(r.want[t], canonRow(row))
				}
				sort.Strings(r.want[t])
			}
		}
	}

	// Merge.
	type cursor struct {
		ch    chan []stored
		batch []stored
		pos   int
		ok    bool
	}
	curs := make([]*cursor, len(p.Tables))
	for i := range curs {
		curs[i] = &cursor{ch: tables[i], ok: true}
	}
	peek := func(c *cursor) (stored, bool) {
		for c.ok && c.pos >= len(c.batch) {
			c.batch, c.ok = <-c.ch
			c.pos = 0
		}
		if !c.ok {
			return stored{}, false
		}
		return c.batch[c.pos], true
	}
	take := func(i int, id string) []string {
		c, t := curs[i], p.Tables[i]
		var got []string
		for {
			st, ok := peek(c)
			if !ok || st.key > id {
				return got
			}
			if st.key < id {
				v.problem(p.Entity, st.key, -1, "%s row has no change behind it (inserted behind the log's back)", t.Name)
			} else {
				got = append(got, st.row)
			}
			c.pos++
		}
	}
	n := int64(0)
	consume := func(recs []record) error {
		select {
		case err := <-errc:
			return err
		default:
		}
		for _, r := range recs {
			v.rep.Records++
			v.rep.Problems = append(v.rep.Problems, r.problems...)
			if r.err != nil {
				v.problem(p.Entity, r.id, r.seq, "body does not project: %v", r.err)
			}
			for i, t := range p.Tables {
				got := take(i, r.id)
				if r.body == nil || r.err != nil {
					continue
				}
				sort.Strings(got)
				if what := diffRows(t, got, r.want[i]); what != "" {
					v.problem(p.Entity, r.id, r.seq, "%s %s", t.Name, what)
				}
			}
		}
		if n += int64(len(recs)); n%65536 < int64(len(recs)) {
			v.progress("projection "+p.Entity, n, 0)
		}
		return nil
	}
	if err := inOrder(ctx, produce, work, consume); err != nil {
		return err
	}
	select {
	case err := <-errc:
		return err
	default:
	}
	for i, t := range p.Tables {
		for {
			st, ok := peek(curs[i])
			if !ok {
				break
			}
			v.problem(p.Entity, st.key, -1, "%s row has no change behind it (inserted behind the log's back)", t.Name)
			curs[i].pos++
		}
	}
	select {
	case err := <-errc:
		return err
	default:
	}
	return nil
}

// diffRows describes how the stored rows differ from the rebuilt ones, or
// returns "" when they agree.
func diffRows(t Table, got, want []string) string {
	switch {
	case len(got) == 0 && len(want) > 0:
		return "row was deleted behind the log's back"
	case len(got) > len(want):
		return fmt.Sprintf("has %d rows, the log gives %d (rows inserted behind the log's back)", len(got), len(want))
	case len(got) < len(want):
		return fmt.Sprintf("has %d rows, the log gives %d (rows deleted behind the log's back)", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			g, w := strings.Split(got[i], "\x1f"), strings.Split(want[i], "\x1f")
			for c := range g {
				if c < len(w) && g[c] != w[c] && c < len(t.Columns) {
					return fmt.Sprintf("row was edited: column %s is %s, the log gives %s", t.Columns[c], shorten(g[c]), shorten(w[c]))
				}
			}
			return "row was edited"
		}
	}
	return ""
}

func shorten(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s[2:])
}

func canonRow(vals []any) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte('\x1f')
		}
		b.WriteString(canonValue(v))
	}
	return b.String()
}

// canonValue renders a column value so that the database's types and Go's
// compare equal: numbers by value, text and blobs by content.
func canonValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "n:"
	case string:
		return "s:" + x
	case []byte:
		return "s:" + string(x)
	case bool:
		if x {
			return "i:1"
		}
		return "i:0"
	case int:
		return "i:" + strconv.FormatInt(int64(x), 10)
	case int64:
		return "i:" + strconv.FormatInt(x, 10)
	case int32:
		return "i:" + strconv.FormatInt(int64(x), 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return "i:" + strconv.FormatInt(int64(x), 10)
		}
		return "f:" + strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return canonValue(float64(x))
	case time.Time:
		return "s:" + x.UTC().Format(ledger.TimeLayout)
	default:
		return fmt.Sprintf("?:%v", x)
	}
}
