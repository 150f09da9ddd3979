package store

import (
	"fmt"
	"strings"
)

// Table is one projection table. Its first column holds the id of the
// record the row belongs to; a record may own several rows (child tables
// such as a place's names).
type Table struct {
	Name    string
	Columns []string
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

	deletes []string // DELETE statement per table
	inserts []string // INSERT statement per table
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
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ")
		p.deletes = append(p.deletes, fmt.Sprintf("DELETE FROM %s WHERE %s = ?", t.Name, t.Columns[0]))
		p.inserts = append(p.inserts, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", t.Name, strings.Join(t.Columns, ", "), ph))
	}
	db.projections[p.Entity] = &p
	db.projOrder = append(db.projOrder, p.Entity)
}

// Projections returns the registered entities in registration order.
func (db *DB) Projections() []string { return append([]string(nil), db.projOrder...) }
