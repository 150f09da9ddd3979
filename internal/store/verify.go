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
	v := &verifier{db: db, ctx: ctx, progress: progress}
	if err := v.changes(); err != nil {
		return v.rep, err
	}
	if err := v.storedHashes(); err != nil {
		return v.rep, err
	}
	if err := v.checkpoints(); err != nil {
		return v.rep, err
	}
	v.rep.LogElapsed = time.Since(start)
	for _, e := range db.projOrder {
		if err := v.projection(db.projections[e]); err != nil {
			return v.rep, err
		}
	}
	sort.SliceStable(v.rep.Problems, func(i, j int) bool { return v.rep.Problems[i].Seq < v.rep.Problems[j].Seq })
	v.rep.Elapsed = time.Since(start)
	return v.rep, nil
}

type verifier struct {
	db       *DB
	ctx      context.Context
	progress Progress
	rep      VerifyReport
	size     int64       // leaves recomputed (highest contiguous seq + 1)
	hashes   []tlog.Hash // recomputed stored hashes, by stored index
	known    map[string]bool
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
func (v *verifier) changes() error {
	var total int64
	if err := v.db.read.QueryRowContext(v.ctx, `SELECT COUNT(*) FROM changes`).Scan(&total); err != nil {
		return err
	}
	v.hashes = make([]tlog.Hash, 0, tlog.StoredHashCount(total))
	rows, err := v.db.read.QueryContext(v.ctx, `SELECT seq, entity, id, version, actor, org, via, at, body_sha256, body, erased_by FROM changes ORDER BY seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	next := int64(0)
	gap := false
	var body []byte
	var erasedBy sql.NullInt64
	var sum []byte
	var at string
	var l ledger.Leaf
	dest := []any{&l.Seq, &l.Entity, &l.ID, &l.Version, &l.Actor, &l.Org, &l.Via, &at, &sum, &body, &erasedBy}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if l.Seq != next {
			if l.Seq > next {
				v.problem("", "", next, "changes %d to %d are missing from the log", next, l.Seq-1)
			}
			gap = true
		}
		next = l.Seq + 1
		v.rep.Changes++
		if v.rep.Changes%65536 == 0 {
			v.progress("changes", v.rep.Changes, total)
		}
		t, err := time.Parse(ledger.TimeLayout, at)
		if err != nil {
			v.problem(l.Entity, l.ID, l.Seq, "change time %q does not parse", at)
		}
		l.At = t
		if len(sum) != sha256.Size {
			v.problem(l.Entity, l.ID, l.Seq, "body hash has %d bytes", len(sum))
		}
		copy(l.BodySHA256[:], sum)
		if body == nil {
			v.rep.Erased = append(v.rep.Erased, Problem{Entity: l.Entity, ID: l.ID, Seq: l.Seq, What: fmt.Sprintf("body erased (by change %d)", erasedBy.Int64)})
		} else if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
			v.problem(l.Entity, l.ID, l.Seq, "body was edited: its SHA-256 is %x, the log recorded %x", got[:6], sum[:min(6, len(sum))])
		}
		if gap {
			continue // the tree cannot be recomputed past a missing leaf
		}
		hs, err := tlog.StoredHashes(l.Seq, l.Encode(), v)
		if err != nil {
			return err
		}
		v.hashes = append(v.hashes, hs...)
		v.size = l.Seq + 1
	}
	v.progress("changes", v.rep.Changes, total)
	return rows.Err()
}

// storedHashes compares the stored tree with the recomputed one.
func (v *verifier) storedHashes() error {
	rows, err := v.db.read.QueryContext(v.ctx, `SELECT idx, hash FROM ledger_hashes ORDER BY idx`)
	if err != nil {
		return err
	}
	defer rows.Close()
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
	var idx int64
	var h []byte
	for rows.Next() {
		if err := rows.Scan(&idx, &h); err != nil {
			return err
		}
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
	return rows.Err()
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
func (v *verifier) projection(p *Projection) error {
	ctx := v.ctx
	bo := v.db.dialect.ByteOrder
	type cursor struct {
		rows *sql.Rows
		vals []any
		ok   bool
		key  string
	}
	curs := make([]*cursor, len(p.Tables))
	for i, t := range p.Tables {
		rows, err := v.db.read.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s ORDER BY %s %s", strings.Join(t.Columns, ", "), t.Name, t.Columns[0], bo))
		if err != nil {
			return fmt.Errorf("read %s: %w", t.Name, err)
		}
		defer rows.Close()
		c := &cursor{rows: rows, vals: make([]any, len(t.Columns))}
		curs[i] = c
	}
	advance := func(c *cursor) error {
		ptrs := make([]any, len(c.vals))
		for i := range c.vals {
			ptrs[i] = &c.vals[i]
		}
		c.ok = c.rows.Next()
		if !c.ok {
			return c.rows.Err()
		}
		if err := c.rows.Scan(ptrs...); err != nil {
			return err
		}
		c.key = canonValue(c.vals[0])[2:]
		return nil
	}
	for _, c := range curs {
		if err := advance(c); err != nil {
			return err
		}
	}
	// take returns the stored rows of table i whose key is id, reporting
	// rows with a smaller key as having no change behind them.
	take := func(i int, id string) ([]string, error) {
		c, t := curs[i], p.Tables[i]
		var got []string
		for c.ok && c.key <= id {
			if c.key < id {
				v.problem(p.Entity, c.key, -1, "%s row has no change behind it (inserted behind the log's back)", t.Name)
			} else {
				got = append(got, canonRow(c.vals))
			}
			if err := advance(c); err != nil {
				return nil, err
			}
		}
		return got, nil
	}
	changes, err := v.db.read.QueryContext(ctx, v.db.dialect.Rebind(fmt.Sprintf("SELECT id, version, seq, body FROM changes WHERE entity = ? ORDER BY id %s, version", bo)), p.Entity)
	if err != nil {
		return err
	}
	defer changes.Close()
	var (
		id, prevID string
		version    int64
		seq        int64
		body       []byte
		lastSeq    int64
		lastBody   []byte
		lastVer    int64
		have       bool
	)
	flush := func() error {
		if !have {
			return nil
		}
		v.rep.Records++
		var want map[string][][]any
		if lastBody != nil {
			var err error
			if want, err = p.Rows(prevID, lastBody); err != nil {
				v.problem(p.Entity, prevID, lastSeq, "body does not project: %v", err)
				want = nil
			}
		}
		for i, t := range p.Tables {
			got, err := take(i, prevID)
			if err != nil {
				return err
			}
			if lastBody == nil {
				continue // erased: nothing to compare against
			}
			exp := make([]string, 0, len(want[t.Name]))
			for _, r := range want[t.Name] {
				exp = append(exp, canonRow(r))
			}
			sort.Strings(got)
			sort.Strings(exp)
			if what := diffRows(t, got, exp); what != "" {
				v.problem(p.Entity, prevID, lastSeq, "%s %s", t.Name, what)
			}
		}
		return nil
	}
	n := int64(0)
	for changes.Next() {
		if err := changes.Scan(&id, &version, &seq, &body); err != nil {
			return err
		}
		if !have || id != prevID {
			if err := flush(); err != nil {
				return err
			}
			prevID, have, lastVer = id, true, 0
		}
		if version != lastVer+1 {
			v.problem(p.Entity, id, seq, "version %d follows version %d", version, lastVer)
		}
		lastVer, lastSeq, lastBody = version, seq, body
		if n++; n%65536 == 0 {
			v.progress("projection "+p.Entity, n, 0)
		}
	}
	if err := changes.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	for i, t := range p.Tables {
		c := curs[i]
		for c.ok {
			v.problem(p.Entity, c.key, -1, "%s row has no change behind it (inserted behind the log's back)", t.Name)
			if err := advance(c); err != nil {
				return err
			}
		}
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
