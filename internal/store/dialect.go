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
	// Tables lists the tables of the database's current schema.
	Tables string
	// RowID names a table's built-in row number, by which verify reads a
	// large table in ranges on every core; "" where there is none.
	RowID string
}

// SQLite is the embedded default.
var SQLite = Dialect{Name: "sqlite", ByteOrder: `COLLATE BINARY`, Tables: `SELECT name FROM sqlite_master WHERE type = 'table'`, RowID: "rowid"}

// Postgres is for missions that outgrow one machine.
var Postgres = Dialect{Name: "postgres", numbered: true, ByteOrder: `COLLATE "C"`,
	Tables: `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`}

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
