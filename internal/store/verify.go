package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"hash/maphash"
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
	// Changed counts the records whose rows disagreed with the log as
	// verify read it but that changed while it ran (a server writing
	// beside it), and Later the checkpoints signed meanwhile for changes
	// it did not read: both are left to the next run.
	Changed, Later int
	// LogElapsed is the time of the one pass over the log (bodies,
	// leaves, the tree, the checkpoints, and each record's latest body
	// projected); the rest of Elapsed went on reading the projection
	// tables and comparing them.
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
	tables, err := v.tables()
	if err != nil {
		return v.rep, err
	}
	var size int64
	if err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq) + 1, 0) FROM changes`).Scan(&size); err != nil {
		return v.rep, err
	}
	lp := &logPass{v: v, seed: maphash.MakeSeed(), compared: map[string]*Projection{}, entities: map[string]*entityState{}, blocks: tables["ledger_hash_blocks"]}
	for _, e := range db.projOrder {
		p := db.projections[e]
		if v.hasTables(tables, p.Tables...) {
			lp.compared[e] = p
		}
	}
	// Which changes have a later version: read from the index of
	// (entity, id, version), before the log.
	if err := lp.readVersions(size); err != nil {
		return v.rep, err
	}
	v.rep.Problems = append(v.rep.Problems, lp.versions...)
	v.hashes = make([]tlog.Hash, 0, tlog.StoredHashCount(size))
	if v.attr, err = db.newAttribution(ctx); err != nil {
		return v.rep, err
	}
	if err := lp.run(size); err != nil {
		return v.rep, err
	}
	late, err := v.attr.settle(ctx, db)
	if err != nil {
		return v.rep, err
	}
	v.rep.Problems = append(v.rep.Problems, late...)
	// Which bodies are NULL, read after the log: a body erased while it
	// was read is then known, bodies never coming back.
	nulls, err := v.erasures()
	if err != nil {
		return v.rep, err
	}
	for _, p := range lp.empty {
		if !nulls[p.Seq] {
			v.rep.Problems = append(v.rep.Problems, p)
		}
	}
	if err := v.checkpoints(); err != nil {
		return v.rep, err
	}
	v.rep.LogElapsed = time.Since(start)
	for _, e := range db.projOrder {
		v.missing(tables, e, db.projections[e].Tables...)
	}
	// The projection tables are compared with the log as it was read; a
	// server writing beside verify changes records after that. Those
	// records' rows are left to the next run: their problems are set
	// aside and dropped if the record changed after verify began.
	logProblems := len(v.rep.Problems)
	if err := lp.compareTables(); err != nil {
		return v.rep, err
	}
	if err := lp.settle(); err != nil {
		return v.rep, err
	}
	if err := v.setAsideChanged(logProblems, size); err != nil {
		return v.rep, err
	}
	for _, c := range db.checks {
		if v.missing(tables, c.Entity, Table{Name: c.Table}) {
			continue
		}
		var bad []string
		var rows []Problem
		err := db.ReadSnapshot(ctx, func(snap Snapshot) (err error) {
			if c.Rows != nil {
				rows, err = c.Rows(ctx, snap)
				return err
			}
			bad, err = c.Check(ctx, snap)
			return err
		})
		if err != nil {
			return v.rep, fmt.Errorf("checking %s: %w", c.Table, err)
		}
		for _, b := range bad {
			v.problem(c.Table, "", -1, "%s", b)
		}
		for _, p := range rows {
			if p.Entity == "" {
				p.Entity = c.Table
			}
			v.rep.Problems = append(v.rep.Problems, p)
		}
	}
	sort.SliceStable(v.rep.Problems, func(i, j int) bool { return v.rep.Problems[i].Seq < v.rep.Problems[j].Seq })
	v.rep.Elapsed = time.Since(start)
	return v.rep, nil
}

// setAsideChanged drops, from the problems found from index from on (the
// projection tables'), those of records with a change at seq size or
// later: written after verify began, they may show rows newer than the
// log it read. The log itself is never set aside.
func (v *verifier) setAsideChanged(from int, size int64) error {
	if len(v.rep.Problems) == from {
		return nil
	}
	rows, err := v.db.read.QueryContext(v.ctx, v.db.dialect.Rebind(`SELECT DISTINCT entity, id FROM changes WHERE seq >= ?`), size)
	if err != nil {
		return err
	}
	defer rows.Close()
	changed := map[[2]string]bool{}
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			return err
		}
		changed[k] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	kept, set := v.rep.Problems[:from], map[[2]string]bool{}
	for _, p := range v.rep.Problems[from:] {
		if k := [2]string{p.Entity, p.ID}; changed[k] {
			set[k] = true
			continue
		}
		kept = append(kept, p)
	}
	v.rep.Problems, v.rep.Changed = kept, len(set)
	return nil
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

// hasTables reports whether the database has every one of the tables.
func (v *verifier) hasTables(have map[string]bool, tables ...Table) bool {
	for _, t := range tables {
		if !have[t.Name] {
			return false
		}
	}
	return true
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
	attr     *attribution    // the credentials changes may name in their via; nil: none registered
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

// erasures lists the changes whose body is NULL. A NULL body counts as
// erased only when erased_by names a later change of the same record (the
// tombstone); anything else is a body deleted behind the log's back.
func (v *verifier) erasures() (map[int64]bool, error) {
	rows, err := v.db.read.QueryContext(v.ctx, `SELECT e.seq, e.entity, e.id, e.erased_by, x.seq, x.entity, x.id, x.body IS NULL
		FROM changes e LEFT JOIN changes x ON x.seq = e.erased_by
		WHERE e.body IS NULL ORDER BY e.seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	nulls := map[int64]bool{}
	for rows.Next() {
		var seq int64
		var entity, id string
		var erasedBy, bySeq sql.NullInt64
		var byEntity, byID sql.NullString
		var byErased sql.NullBool
		if err := rows.Scan(&seq, &entity, &id, &erasedBy, &bySeq, &byEntity, &byID, &byErased); err != nil {
			return nil, err
		}
		nulls[seq] = true
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
		case byErased.Bool:
			why = fmt.Sprintf("body was deleted: erasure change %d has no tombstone body", bySeq.Int64)
		default:
			v.rep.Erased = append(v.rep.Erased, Problem{entity, id, seq, fmt.Sprintf("body erased (by change %d)", erasedBy.Int64)})
			continue
		}
		v.problem(entity, id, seq, "%s", why)
	}
	return nulls, rows.Err()
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
	var beyond []int64
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
				beyond = append(beyond, csize)
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
	if len(beyond) > 0 {
		// Signed for more changes than were read: deleted, unless the
		// log holds them now (appended while verify read it, which signs
		// checkpoints as it goes). Checkpoints are signed after their
		// changes commit, so the log read now holds every change of a
		// checkpoint read before.
		var now int64
		if err := v.db.read.QueryRowContext(v.ctx, `SELECT COALESCE(MAX(seq) + 1, 0) FROM changes`).Scan(&now); err != nil {
			return err
		}
		for _, csize := range beyond {
			if csize > now {
				v.problem("", "", v.rep.Changes, "checkpoint signed for %d changes but the log holds %d: changes were deleted", csize, now)
			} else {
				v.rep.Later++
			}
		}
	}
	if v.rep.Checkpoints == 0 {
		v.problem("", "", -1, "no signed checkpoint")
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

func canonRow(vals []any) string { return string(appendCanonRow(nil, vals)) }

// canonSeparator separates the columns of a canonical row.
const canonSeparator = '\x1f'

// appendCanonRow renders a row's values, separated by canonSeparator.
func appendCanonRow(b []byte, vals []any) []byte {
	for i, v := range vals {
		if i > 0 {
			b = append(b, canonSeparator)
		}
		b = appendCanonValue(b, v)
	}
	return b
}

// appendCanonValue renders a column value so that the database's types and
// Go's compare equal: numbers by value, text and blobs by content.
func appendCanonValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "n:"...)
	case string:
		return append(append(b, "s:"...), x...)
	case []byte:
		return append(append(b, "s:"...), x...)
	case bool:
		if x {
			return append(b, "i:1"...)
		}
		return append(b, "i:0"...)
	case int:
		return appendCanonInt(b, int64(x))
	case int64:
		return appendCanonInt(b, x)
	case int32:
		return appendCanonInt(b, int64(x))
	case float64:
		return appendCanonFloat(b, x)
	case float32:
		return appendCanonValue(b, float64(x))
	case time.Time:
		return x.UTC().AppendFormat(append(b, "s:"...), ledger.TimeLayout)
	default:
		return fmt.Appendf(b, "?:%v", x)
	}
}

func joinColumns(cols []string) string { return strings.Join(cols, ", ") }
