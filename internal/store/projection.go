package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	fastjson "github.com/segmentio/encoding/json"
)

// Table is one projection table. Its first column holds the id of the
// record the row belongs to; a record may own several rows (child tables
// such as a place's names).
type Table struct {
	Name    string
	Columns []string
	// Where, when set, is an SQL condition that picks this projection's
	// rows out of a table several kinds share (the search index): rows
	// are deleted, and verify reads them, under it.
	Where string
}

// where returns the table's condition joined to cond with AND.
func (t Table) where(cond string) string {
	switch {
	case t.Where == "":
		return cond
	case cond == "":
		return t.Where
	}
	return cond + " AND (" + t.Where + ")"
}

// Projection turns a record's body into its rows in the projection tables.
// Rows must be a pure function of (id, body): truce verify rebuilds every
// projection from the change log with it and compares with the tables.
type Projection struct {
	Entity string
	Tables []Table
	// Rows returns, per table name, the rows that the record's current body
	// projects to. Each row has one value per column, in column order. A
	// body that deletes the record returns no rows.
	Rows func(id string, body []byte) (map[string][][]any, error)
	// RowsOf, when set, computes the same rows from the body value the
	// change was built from, sparing the write path a JSON decode. It
	// returns ok false for a value of another type. Typed sets both.
	RowsOf func(id string, body any) (rows map[string][][]any, ok bool, err error)
	// NewBody, when set, returns a pointer to a new value of the body
	// type, for tests that check DecodeBody against encoding/json on every
	// kind of body. Typed sets it.
	NewBody func() any
	// Tally, when set, keeps side tables derived from the projection's
	// rows (running counts) in step with them, in the change's
	// transaction, through tx.ExecSide. Store calls it before it replaces
	// rows: with replacing true for one record (ids has one id) whose
	// rows are still in the tables, for the hook to read and take out,
	// and false for records being created, which have none. rows[i] are
	// the new rows of ids[i] (none when the record is deleted). Verify
	// does not rebuild such tables: their owner registers a DerivedCheck.
	Tally func(tx *Tx, replacing bool, ids []string, rows []map[string][][]any) error

	deletes []string   // DELETE statement per table
	inserts [][]string // INSERT statement per table and row count, built on demand under the write lock
}

// DecodeBody decodes a stored change body into v. It is
// github.com/segmentio/encoding/json, made to behave as encoding/json does
// and four times faster on our bodies: verify decodes the latest body of
// every record, and this was a third of its time. The fuzz targets of
// every body type (storetest.CheckInput, app's FuzzDecodeBody) check that
// it decodes what encoding/json decodes, to the same value.
func DecodeBody(body []byte, v any) error { return fastjson.Unmarshal(body, v) }

// Typed returns a projection whose Rows decodes the body into a T and
// whose RowsOf takes a T (or *T) directly, both through f.
func Typed[T any](entity string, tables []Table, f func(id string, body *T) (map[string][][]any, error)) Projection {
	return Projection{
		Entity:  entity,
		Tables:  tables,
		NewBody: func() any { return new(T) },
		Rows: func(id string, body []byte) (map[string][][]any, error) {
			var v T
			if err := DecodeBody(body, &v); err != nil {
				return nil, err
			}
			return f(id, &v)
		},
		RowsOf: func(id string, body any) (map[string][][]any, bool, error) {
			switch v := body.(type) {
			case T:
				rows, err := f(id, &v)
				return rows, true, err
			case *T:
				rows, err := f(id, v)
				return rows, true, err
			}
			return nil, false, nil
		},
	}
}

// CanonicalRows renders rows as verify compares them, one string per row
// led by its table's name, sorted: two projections of a record store the
// same rows exactly when their canonical rows are equal.
func (p *Projection) CanonicalRows(rows map[string][][]any) []string {
	var out []string
	for _, tb := range p.Tables {
		for _, r := range rows[tb.Name] {
			out = append(out, string(appendCanonRow([]byte(tb.Name+"\x1e"), r)))
		}
	}
	slices.Sort(out)
	return out
}

// insertSQL returns the INSERT statement for n rows of table t.
func insertSQL(t Table, n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", t.Name, strings.Join(t.Columns, ", "), strings.TrimSuffix(strings.Repeat(row+", ", n), ", "))
}

// Register adds a projection. Domain packages register theirs when they are
// constructed; registering the same entity twice is a programming error.
func (db *DB) Register(p Projection) {
	if p.Entity == "" || p.Rows == nil || len(p.Tables) == 0 {
		panic("store: incomplete projection")
	}
	if _, dup := db.projections[p.Entity]; dup {
		panic("store: projection registered twice: " + p.Entity)
	}
	for _, t := range p.Tables {
		p.deletes = append(p.deletes, fmt.Sprintf("DELETE FROM %s WHERE %s", t.Name, t.where(t.Columns[0]+" = ?")))
		p.inserts = append(p.inserts, make([]string, maxRowsPerInsert+1))
	}
	db.projections[p.Entity] = &p
	db.projOrder = append(db.projOrder, p.Entity)
}

// DerivedCheck checks a table derived from projections rather than from
// one record's body (so that Verify cannot rebuild it row by row), such as
// running totals; it returns a line per disagreement.
type DerivedCheck struct {
	Entity string // the records the table is derived from
	Table  string
	// Check reads through q, one read transaction, so that a server
	// writing beside verify cannot show it a table and the projections
	// it is derived from at different moments.
	Check func(ctx context.Context, q Querier) ([]string, error)
	// Rows, when set, is used instead of Check: it reports each broken row
	// as a Problem naming the row's id (Entity "" is the table's name),
	// for side tables checked row by row against the log (credentials,
	// sessions).
	Rows func(ctx context.Context, q Querier) ([]Problem, error)
}

// Querier runs read queries with '?' placeholders: a DB, or a Snapshot.
type Querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// Snapshot is a read transaction: every query through it sees the
// database as it was at its first.
type Snapshot struct {
	tx *sql.Tx
	d  Dialect
}

// Query runs a read query in the snapshot.
func (s Snapshot) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.tx.QueryContext(ctx, s.d.Rebind(q), s.d.args(args)...)
}

// ReadSnapshot runs fn with a snapshot of the database.
func (db *DB) ReadSnapshot(ctx context.Context, fn func(Snapshot) error) error {
	tx, err := db.read.BeginTx(ctx, db.dialect.snapshotOptions())
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(Snapshot{tx: tx, d: db.dialect})
}

// RegisterCheck adds a derived table's check to Verify, which runs it after
// the projections it is derived from have been compared.
func (db *DB) RegisterCheck(c DerivedCheck) { db.checks = append(db.checks, c) }

// Projection returns the projection registered for entity.
func (db *DB) Projection(entity string) (Projection, bool) {
	p, ok := db.projections[entity]
	if !ok {
		return Projection{}, false
	}
	return *p, true
}

// Projections returns the registered entities in registration order.
func (db *DB) Projections() []string { return append([]string(nil), db.projOrder...) }

// insert returns the cached INSERT statement for n rows of table i. Only
// the writer calls it, under the write lock.
func (p *Projection) insert(i, n int) string {
	q := p.inserts[i][n]
	if q == "" {
		q = insertSQL(p.Tables[i], n)
		p.inserts[i][n] = q
	}
	return q
}
