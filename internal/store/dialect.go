package store

import (
	"strconv"
	"strings"
)

// Dialect is the small set of differences between the SQL databases Truce
// runs on. Domain packages write SQL with '?' placeholders and portable
// syntax (INSERT ... ON CONFLICT, LIMIT, ORDER BY); Rebind and the fields
// below cover the rest.
type Dialect struct {
	Name string // "sqlite" or "postgres"
	// Numbered placeholders ($1, $2, ...) instead of '?'.
	numbered bool
	// ByteOrder is the COLLATE clause that makes text sort by bytes, the way
	// Go compares strings.
	ByteOrder string
	// Tables lists the tables of the database's current schema; in SQLite
	// not virtual tables (FTS5) nor the shadow tables their module keeps.
	Tables string
	// RowID names a table's built-in row number, by which verify reads a
	// large table in ranges on every core; "" where there is none.
	RowID string
	// Join is the join that keeps its left side the outer loop: SQLite's
	// CROSS JOIN (which its planner never reorders); PostgreSQL, which
	// refuses CROSS JOIN with ON, plans a plain JOIN itself.
	Join string
}

// SQLite is the embedded default.
var SQLite = Dialect{Name: "sqlite", ByteOrder: `COLLATE BINARY`, Tables: `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'`, RowID: "rowid", Join: "CROSS JOIN"}

// Postgres is for missions that outgrow one machine.
var Postgres = Dialect{Name: "postgres", numbered: true, ByteOrder: `COLLATE "C"`,
	Tables: `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`, Join: "JOIN"}

// TruncInt is the integer part of the numeric expression expr, truncated
// toward zero as SQLite's CAST to INTEGER does (PostgreSQL's CAST rounds).
func (d Dialect) TruncInt(expr string) string {
	if d.Name == Postgres.Name {
		return "CAST(TRUNC(" + expr + ") AS BIGINT)"
	}
	return "CAST(" + expr + " AS INTEGER)"
}

// IsDatabaseURL reports whether s names a PostgreSQL database
// (postgres:// or postgresql://) rather than leaving the default SQLite
// file in the data directory.
func IsDatabaseURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// args converts arguments the dialect's driver does not take for the
// columns the schema gives them: a Go bool, which SQLite stores as 0 or 1
// in an INTEGER column, is 0 or 1 for PostgreSQL's BIGINT too (the same
// scan into a bool or an int then reads both).
func (d Dialect) args(args []any) []any {
	if !d.numbered {
		return args
	}
	var out []any
	for i, a := range args {
		if b, ok := a.(bool); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = int64(0)
			if b {
				out[i] = int64(1)
			}
		}
	}
	if out == nil {
		return args
	}
	return out
}

// Rebind rewrites '?' placeholders for the dialect. Question marks inside
// single-quoted strings are left alone.
func (d Dialect) Rebind(q string) string {
	if !d.numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
