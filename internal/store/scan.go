package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// Verify reads every change and every projection row. Through
// database/sql, or even through the driver's rows, each column of each row
// costs three locked calls into SQLite, a copy and an allocation: half of
// what reading the log cost. On SQLite, verify's two big scans (the
// changes, the projection tables) therefore read rows straight from the
// SQLite library the driver is built on, on a connection of their own
// opened read-only and without SQLite's mutex (one goroutine uses it),
// and look at each column where SQLite holds it. Other databases go
// through the driver.

// scanRow is one row of a scan. The bytes it gives are valid only until
// the function it was handed to returns.
type scanRow interface {
	// bytes is a TEXT or BLOB column's content, empty for NULL, and
	// other types as text.
	bytes(i int) []byte
	// integer is an INTEGER column's value, 0 for another type.
	integer(i int) int64
	// appendCanon appends the column as appendCanonValue renders the
	// value the driver gives for it.
	appendCanon(b []byte, i int) []byte
}

// scanFunc runs q, whose arguments are integers, and hands each row to
// row.
type scanFunc func(ctx context.Context, q string, args []int64, row func(scanRow) error) error

// scan runs q, whose arguments are integers, and hands each row to row.
func (db *DB) scan(ctx context.Context, q string, args []int64, row func(scanRow) error) error {
	if db.dialect.Name == SQLite.Name && db.dir != "" {
		return db.scanSQLite(ctx, q, args, row)
	}
	return scanDriver(ctx, db.read, db.dialect.Rebind(q), args, row)
}

// scanDriver is scan through the driver's rows, sparing database/sql's
// copies and conversions.
func scanDriver(ctx context.Context, db *sql.DB, q string, args []int64, row func(scanRow) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("the database driver (%T) cannot run a query directly", dc)
		}
		named := make([]driver.NamedValue, len(args))
		for i, a := range args {
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rows, err := qc.QueryContext(ctx, q, named)
		if err != nil {
			return err
		}
		defer rows.Close()
		vals := driverRow(make([]driver.Value, len(rows.Columns())))
		for n := 1; ; n++ {
			// A cancelled query stops at once here: the server's own
			// cancellation arrives later, after rows already on their way.
			if n%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := rows.Next(vals); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if err := row(vals); err != nil {
				return err
			}
		}
	})
}

// scanSQL is scan through database/sql, for a query that must run in a
// transaction (q already rebound).
func scanSQL(ctx context.Context, q querier, query string, args []int64, row func(scanRow) error) error {
	anyArgs := make([]any, len(args))
	for i, a := range args {
		anyArgs[i] = a
	}
	rows, err := q.QueryContext(ctx, query, anyArgs...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals, dest, r := make([]any, len(cols)), make([]any, len(cols)), make(driverRow, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range vals {
			r[i] = v
		}
		if err := row(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// driverRow is a row as a driver gives it.
type driverRow []driver.Value

func (r driverRow) bytes(i int) []byte {
	switch x := r[i].(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	case nil:
		return nil
	case time.Time:
		return x.UTC().AppendFormat(nil, ledger.TimeLayout)
	}
	return fmt.Append(nil, r[i])
}

func (r driverRow) integer(i int) int64 {
	if x, ok := r[i].(int64); ok {
		return x
	}
	return 0
}

func (r driverRow) appendCanon(b []byte, i int) []byte { return appendCanonValue(b, r[i]) }

// scanSQLite is scan on one of the idle connections of db's own kept for
// scans, or on a new one; the connection goes back to the idle ones after
// a scan that did not fail. Opening a connection costs SQLite a reading
// of the whole schema (every table, index and trigger), which verify
// paid for each range of each table before connections were kept.
func (db *DB) scanSQLite(ctx context.Context, q string, args []int64, row func(scanRow) error) error {
	var c *sqliteConn
	select {
	case c = <-db.scanIdle:
	default:
		var err error
		if c, err = openSQLiteConn(db.sqlitePath()); err != nil {
			return err
		}
	}
	if err := c.scan(ctx, q, args, row); err != nil {
		c.close()
		return err
	}
	select {
	case db.scanIdle <- c:
	default:
		c.close()
	}
	return nil
}

// closeScanConns closes the idle scan connections.
func (db *DB) closeScanConns() {
	for {
		select {
		case c := <-db.scanIdle:
			c.close()
		default:
			return
		}
	}
}

// sqliteConn is a read-only connection to a SQLite database, without
// SQLite's mutex: one goroutine at a time uses it. Each scan's statement
// is its own read transaction, as on a new connection.
type sqliteConn struct {
	tls *libc.TLS
	db  uintptr
}

func openSQLiteConn(path string) (*sqliteConn, error) {
	tls := libc.NewTLS()
	c := &sqliteConn{tls: tls}
	zPath, err := libc.CString(path)
	if err != nil {
		tls.Close()
		return nil, err
	}
	defer libc.Xfree(tls, zPath)
	out := tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer tls.Free(int(unsafe.Sizeof(uintptr(0))))
	rc := sqlite3.Xsqlite3_open_v2(tls, zPath, out, sqlite3.SQLITE_OPEN_READONLY|sqlite3.SQLITE_OPEN_NOMUTEX, 0)
	c.db = cptr(out)
	if rc != sqlite3.SQLITE_OK {
		err := (&sqliteRow{tls: tls, db: c.db}).error("open "+path, rc)
		c.close()
		return nil, err
	}
	sqlite3.Xsqlite3_busy_timeout(tls, c.db, 10000)
	return c, nil
}

func (c *sqliteConn) close() {
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	c.tls.Close()
}

// scan runs q, whose arguments are integers, and hands each row to row.
func (c *sqliteConn) scan(ctx context.Context, q string, args []int64, row func(scanRow) error) error {
	r := &sqliteRow{tls: c.tls, db: c.db}
	zq, err := libc.CString(q)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, zq)
	out := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, zq, -1, out, 0); rc != sqlite3.SQLITE_OK {
		return r.error("prepare", rc)
	}
	r.stmt = cptr(out)
	defer sqlite3.Xsqlite3_finalize(c.tls, r.stmt)
	for i, a := range args {
		if rc := sqlite3.Xsqlite3_bind_int64(c.tls, r.stmt, int32(i+1), a); rc != sqlite3.SQLITE_OK {
			return r.error("bind", rc)
		}
	}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		switch rc := sqlite3.Xsqlite3_step(c.tls, r.stmt); rc {
		case sqlite3.SQLITE_ROW:
			if err := row(r); err != nil {
				return err
			}
		case sqlite3.SQLITE_DONE:
			return nil
		default:
			return r.error("step", rc)
		}
	}
}

// sqliteRow is the current row of a statement, read in place.
type sqliteRow struct {
	tls      *libc.TLS
	db, stmt uintptr
}

func (c *sqliteRow) error(what string, rc int32) error {
	msg := sqlite3.Xsqlite3_errstr(c.tls, rc)
	if c.db != 0 {
		msg = sqlite3.Xsqlite3_errmsg(c.tls, c.db)
	}
	return fmt.Errorf("sqlite: %s: %s (%d)", what, libc.GoString(msg), rc)
}

func (c *sqliteRow) bytes(i int) []byte {
	// sqlite3_column_blob before sqlite3_column_bytes, as SQLite asks: the
	// pointer then stays valid (a text value is not converted).
	if sqlite3.Xsqlite3_column_type(c.tls, c.stmt, int32(i)) == sqlite3.SQLITE_FLOAT {
		// As Go prints it, as through the driver: SQLite prints 2.0 as
		// "2.0" where Go prints "2".
		return strconv.AppendFloat(nil, sqlite3.Xsqlite3_column_double(c.tls, c.stmt, int32(i)), 'g', -1, 64)
	}
	p := sqlite3.Xsqlite3_column_blob(c.tls, c.stmt, int32(i))
	n := sqlite3.Xsqlite3_column_bytes(c.tls, c.stmt, int32(i))
	if p == 0 || n <= 0 {
		return nil
	}
	return cmem(p, int(n))
}

func (c *sqliteRow) integer(i int) int64 {
	if sqlite3.Xsqlite3_column_type(c.tls, c.stmt, int32(i)) != sqlite3.SQLITE_INTEGER {
		return 0
	}
	return sqlite3.Xsqlite3_column_int64(c.tls, c.stmt, int32(i))
}

func (c *sqliteRow) appendCanon(b []byte, i int) []byte {
	switch sqlite3.Xsqlite3_column_type(c.tls, c.stmt, int32(i)) {
	case sqlite3.SQLITE_INTEGER:
		return appendCanonInt(b, sqlite3.Xsqlite3_column_int64(c.tls, c.stmt, int32(i)))
	case sqlite3.SQLITE_FLOAT:
		return appendCanonFloat(b, sqlite3.Xsqlite3_column_double(c.tls, c.stmt, int32(i)))
	case sqlite3.SQLITE_NULL:
		return appendCanonValue(b, nil)
	}
	return append(append(b, "s:"...), c.bytes(i)...)
}

// appendCanonInt and appendCanonFloat are appendCanonValue of an int64
// and a float64.
func appendCanonInt(b []byte, x int64) []byte {
	return strconv.AppendInt(append(b, "i:"...), x, 10)
}

func appendCanonFloat(b []byte, x float64) []byte {
	if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
		return appendCanonInt(b, int64(x))
	}
	return strconv.AppendFloat(append(b, "f:"...), x, 'g', -1, 64)
}

// cptr reads the pointer SQLite wrote at p, and cmem views n bytes at p:
// memory of the SQLite library (libc's heap, not Go's), which an address
// reaches only as a uintptr.
func cptr(p uintptr) uintptr { return *(*uintptr)(unsafe.Add(nil, p)) }

func cmem(p uintptr, n int) []byte { return unsafe.Slice((*byte)(unsafe.Add(nil, p)), n) }
