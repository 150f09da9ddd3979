package incident

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/truce-monitoring/truce/internal/store"
)

// The tallies that Tallies sums are kept in incident_tallies (migration
// 0033) as allegations, observations and incidents change: each change's
// transaction takes the record's old rows out of the counts and puts its
// new rows in (store.Projection.Tally), so a window's figures are a sum
// of at most days × labels × categories × sides rows. Each count is kept
// under a label (tally_labels): the columns the need-to-know filter reads,
// so that a reader's sums are filtered by the very rule its records are.

// Kinds of count in incident_tallies.
const (
	tallyAlleged  = "alleged"
	tallyObserved = "observed"
	tallyVerified = "verified"
)

type tallyKey struct{ day, label, kind, category, side string }

type tallyCount struct{ records, amount, explosions int64 }

// tallyLabel is a label's columns and readers.
type tallyLabel struct {
	classification, owner string
	readers               []string
}

// labelOf returns the label a record with this classification, owner and
// readers counts under. Public and mission records are read by whoever
// may read their classification, so each shares one label.
func labelOf(classification, owner string, readers []string) (string, tallyLabel) {
	if classification == "public" || classification == "mission" {
		return classification, tallyLabel{classification: classification}
	}
	rs := slices.Clone(readers)
	sort.Strings(rs)
	rs = slices.Compact(rs)
	return classification + ":" + owner + ":" + strings.Join(rs, ","), tallyLabel{classification, owner, rs}
}

// tallySpec says how one projection's rows are counted.
type tallySpec struct {
	table, readers string
	columns        []string // the table's columns, as the projection declares them
	// count returns the key (without its label) and the counts of a row,
	// ok false when the row is not counted; col gives a column's value.
	count func(col func(name string) any) (k tallyKey, c tallyCount, ok bool)
}

func tallySpecs() map[string]tallySpec {
	str := func(col func(string) any, name string) string { return asString(col(name)) }
	return map[string]tallySpec{
		EntityAllegation: {table: "allegations", readers: "allegation_readers",
			count: func(col func(string) any) (tallyKey, tallyCount, bool) {
				if str(col, "source_kind") != "side" || str(col, "status") != "lodged" {
					return tallyKey{}, tallyCount{}, false
				}
				return tallyKey{day: str(col, "day"), kind: tallyAlleged, category: str(col, "category"), side: str(col, "on_behalf_of")},
					tallyCount{records: 1}, true
			}},
		EntityObservation: {table: "observations", readers: "observation_readers",
			count: func(col func(string) any) (tallyKey, tallyCount, bool) {
				n := asInt(col("count"))
				c := tallyCount{records: 1, amount: n}
				if asInt(col("explosion")) == 1 {
					c.explosions = n
				}
				return tallyKey{day: str(col, "day"), kind: tallyObserved, category: str(col, "category")}, c, true
			}},
		EntityIncident: {table: "incidents", readers: "incident_readers",
			count: func(col func(string) any) (tallyKey, tallyCount, bool) {
				if str(col, "outcome") != "substantiated" {
					return tallyKey{}, tallyCount{}, false
				}
				return tallyKey{day: str(col, "day"), kind: tallyVerified, category: str(col, "category"), side: str(col, "attribution")},
					tallyCount{records: 1}, true
			}},
	}
}

// withTallies sets the Tally of the projections that tallies count.
func withTallies(ps []store.Projection) []store.Projection {
	specs := tallySpecs()
	for i := range ps {
		spec, ok := specs[ps[i].Entity]
		if !ok {
			continue
		}
		for _, t := range ps[i].Tables {
			if t.Name == spec.table {
				spec.columns = t.Columns
			}
		}
		ps[i].Tally = spec.tally
	}
	return ps
}

// tallies accumulates changes to the counts.
type tallies struct {
	counts map[tallyKey]tallyCount
	labels map[string]tallyLabel
}

func newTallies() *tallies {
	return &tallies{counts: map[tallyKey]tallyCount{}, labels: map[string]tallyLabel{}}
}

// add counts one row in (sign 1) or out (sign -1).
func (t *tallies) add(spec tallySpec, row []any, readers []string, sign int64) {
	col := func(name string) any {
		if i := slices.Index(spec.columns, name); i >= 0 && i < len(row) {
			return row[i]
		}
		return nil
	}
	k, c, ok := spec.count(col)
	if !ok {
		return
	}
	var l tallyLabel
	k.label, l = labelOf(asString(col("classification")), asString(col("owner_org")), readers)
	t.labels[k.label] = l
	have := t.counts[k]
	have.records += sign * c.records
	have.amount += sign * c.amount
	have.explosions += sign * c.explosions
	t.counts[k] = have
}

// tally is a store.Projection's Tally.
func (spec tallySpec) tally(tx *store.Tx, replacing bool, ids []string, rows []map[string][][]any) error {
	t := newTallies()
	if replacing {
		for _, id := range ids {
			if err := spec.takeOut(tx, t, id); err != nil {
				return err
			}
		}
	}
	for i, id := range ids {
		var readers []string
		for _, r := range rows[i][spec.readers] {
			if len(r) == 2 && asString(r[0]) == id {
				readers = append(readers, asString(r[1]))
			}
		}
		for _, r := range rows[i][spec.table] {
			t.add(spec, r, readers, 1)
		}
	}
	return t.flush(tx)
}

// takeOut counts out a record's rows as the tables hold them.
func (spec tallySpec) takeOut(tx *store.Tx, t *tallies, id string) error {
	readers, err := queryStrings(tx, `SELECT org_id FROM `+spec.readers+` WHERE record_id = ?`, id)
	if err != nil {
		return err
	}
	rs, err := tx.Query(`SELECT `+strings.Join(spec.columns, ", ")+` FROM `+spec.table+` WHERE `+spec.columns[0]+` = ?`, id)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		row := make([]any, len(spec.columns))
		ptrs := make([]any, len(row))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return err
		}
		t.add(spec, row, readers, -1)
	}
	return rs.Err()
}

func queryStrings(tx *store.Tx, q string, args ...any) ([]string, error) {
	rs, err := tx.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var s string
		if err := rs.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rs.Err()
}

// flush writes the accumulated changes: new labels, then the counts; a
// count that falls to zero is removed, so that the table holds exactly
// what a recount gives (CheckTallies).
func (t *tallies) flush(tx *store.Tx) error {
	labels := make([]string, 0, len(t.labels))
	for id := range t.labels {
		labels = append(labels, id)
	}
	sort.Strings(labels)
	for _, id := range labels {
		l := t.labels[id]
		if _, err := tx.ExecSide(`INSERT INTO tally_labels (id, classification, owner_org) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			id, l.classification, l.owner); err != nil {
			return fmt.Errorf("tally labels: %w", err)
		}
		for _, org := range l.readers {
			if _, err := tx.ExecSide(`INSERT INTO tally_label_readers (record_id, org_id) VALUES (?, ?) ON CONFLICT (record_id, org_id) DO NOTHING`, id, org); err != nil {
				return fmt.Errorf("tally labels: %w", err)
			}
		}
	}
	keys := make([]tallyKey, 0, len(t.counts))
	for k, c := range t.counts {
		if c != (tallyCount{}) {
			keys = append(keys, k)
		}
	}
	// One order for every writer, so that two PostgreSQL transactions
	// never take the same rows' locks in opposite orders.
	slices.SortFunc(keys, func(a, b tallyKey) int {
		return strings.Compare(a.day+"\x00"+a.label+"\x00"+a.kind+"\x00"+a.category+"\x00"+a.side,
			b.day+"\x00"+b.label+"\x00"+b.kind+"\x00"+b.category+"\x00"+b.side)
	})
	for _, k := range keys {
		c := t.counts[k]
		if _, err := tx.ExecSide(`INSERT INTO incident_tallies (day, label, kind, category, side, records, amount, explosions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (day, label, kind, category, side) DO UPDATE SET records = incident_tallies.records + excluded.records,
			amount = incident_tallies.amount + excluded.amount, explosions = incident_tallies.explosions + excluded.explosions`,
			k.day, k.label, k.kind, k.category, k.side, c.records, c.amount, c.explosions); err != nil {
			return fmt.Errorf("tallies: %w", err)
		}
		if c.records < 0 {
			if _, err := tx.ExecSide(`DELETE FROM incident_tallies WHERE day = ? AND label = ? AND kind = ? AND category = ? AND side = ? AND records = 0`,
				k.day, k.label, k.kind, k.category, k.side); err != nil {
				return fmt.Errorf("tallies: %w", err)
			}
		}
	}
	return nil
}

// CheckTallies recounts the tallies from the projections, both read
// through q (verify gives a snapshot), and returns each count and label
// that disagrees: incident_tallies is a side table, which truce verify
// does not rebuild row by row.
func (s *Service) CheckTallies(ctx context.Context, q store.Querier) ([]string, error) {
	want := newTallies()
	specs := tallySpecs()
	for _, e := range []string{EntityAllegation, EntityObservation, EntityIncident} {
		spec := specs[e]
		p, _ := s.db.Projection(e)
		for _, t := range p.Tables {
			if t.Name == spec.table {
				spec.columns = t.Columns
			}
		}
		readers := map[string][]string{}
		if err := scanRows(ctx, q, `SELECT record_id, org_id FROM `+spec.readers, 2, func(v []any) {
			id := asString(v[0])
			readers[id] = append(readers[id], asString(v[1]))
		}); err != nil {
			return nil, err
		}
		if err := scanRows(ctx, q, `SELECT `+strings.Join(spec.columns, ", ")+` FROM `+spec.table, len(spec.columns), func(v []any) {
			want.add(spec, v, readers[asString(v[0])], 1)
		}); err != nil {
			return nil, err
		}
	}
	var bad []string
	have := map[tallyKey]tallyCount{}
	if err := scanRows(ctx, q, `SELECT day, label, kind, category, side, records, amount, explosions FROM incident_tallies`, 8, func(v []any) {
		k := tallyKey{asString(v[0]), asString(v[1]), asString(v[2]), asString(v[3]), asString(v[4])}
		have[k] = tallyCount{asInt(v[5]), asInt(v[6]), asInt(v[7])}
	}); err != nil {
		return nil, err
	}
	name := func(k tallyKey) string {
		return fmt.Sprintf("%s %s %s/%s/%s", k.day, k.label, k.kind, k.category, k.side)
	}
	for k, c := range want.counts {
		if have[k] != c {
			bad = append(bad, fmt.Sprintf("%s: %+v, the records give %+v", name(k), have[k], c))
		}
	}
	for k, c := range have {
		if _, ok := want.counts[k]; !ok {
			bad = append(bad, fmt.Sprintf("%s: %+v, the records give none", name(k), c))
		}
	}
	// Each label must say what its id says: a label whose columns were
	// changed would show its counts to readers of another label.
	labelReaders := map[string][]string{}
	if err := scanRows(ctx, q, `SELECT record_id, org_id FROM tally_label_readers`, 2, func(v []any) {
		id := asString(v[0])
		labelReaders[id] = append(labelReaders[id], asString(v[1]))
	}); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	if err := scanRows(ctx, q, `SELECT id, classification, owner_org FROM tally_labels`, 3, func(v []any) {
		id := asString(v[0])
		seen[id] = true
		owner := asString(v[2])
		key, l := labelOf(asString(v[1]), owner, labelReaders[id])
		if key != id || l.owner != owner {
			bad = append(bad, fmt.Sprintf("label %s: its columns and readers say %s (owner %q)", id, key, owner))
		}
	}); err != nil {
		return nil, err
	}
	for k := range have {
		if !seen[k.label] {
			bad = append(bad, fmt.Sprintf("%s: no such label", name(k)))
		}
	}
	sort.Strings(bad)
	return bad, nil
}

func scanRows(ctx context.Context, q store.Querier, query string, n int, f func([]any)) error {
	rs, err := q.Query(ctx, query)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		v := make([]any, n)
		ptrs := make([]any, n)
		for i := range v {
			ptrs[i] = &v[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return err
		}
		f(v)
	}
	return rs.Err()
}
