package store

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
)

// Verify reads SQLite in place and other databases through the driver:
// both must see the same bytes, integers and canonical values, for every
// type a column can hold.
func TestScanSQLiteIsDriver(t *testing.T) {
	skipOnPostgres(t)
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE kinds (k INTEGER PRIMARY KEY, v ANY) STRICT`); err != nil {
		t.Fatal(err)
	}
	values := []any{nil, int64(0), int64(-7), int64(math.MaxInt64), int64(math.MinInt64), 1.5, 2.0, -0.0, 1e300, 3.0000000000000004, float64(1 << 53), float64(1<<53) * 4,
		"", "text", "ünï\u202e", strings.Repeat("long ", 2000), "a\x00b", []byte{}, []byte{0, 1, 2, 255}, []byte("blob")}
	for i, v := range values {
		if _, err := db.write.ExecContext(ctx, `INSERT INTO kinds (k, v) VALUES (?, ?)`, i, v); err != nil {
			t.Fatal(err)
		}
	}
	type seen struct {
		bytes   []byte
		integer int64
		canon   string
	}
	read := func(scan func(context.Context, string, []int64, func(scanRow) error) error) []seen {
		var out []seen
		err := scan(ctx, `SELECT k, v FROM kinds WHERE k >= ? ORDER BY k`, []int64{0}, func(r scanRow) error {
			out = append(out, seen{bytes.Clone(r.bytes(1)), r.integer(1), string(r.appendCanon(r.appendCanon(nil, 0), 1))})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	direct := read(db.scan)
	viaDriver := read(func(ctx context.Context, q string, args []int64, row func(scanRow) error) error {
		return scanDriver(ctx, db.read, q, args, row)
	})
	if len(direct) != len(values) || len(viaDriver) != len(values) {
		t.Fatalf("read %d rows in place and %d through the driver, want %d", len(direct), len(viaDriver), len(values))
	}
	for i := range values {
		d, v := direct[i], viaDriver[i]
		if d.canon != v.canon || d.integer != v.integer || !bytes.Equal(d.bytes, v.bytes) {
			t.Errorf("%#v: in place %+v, through the driver %+v", values[i], d, v)
		}
	}
	if got := direct[0].canon; got != "i:0n:" {
		t.Errorf("NULL reads as %q", got)
	}
}

// A scan stops at the first error its function returns, and when its
// context ends.
func TestScanStops(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	q := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i FROM n`
	rows := 0
	err := db.scan(ctx, q, []int64{100000}, func(r scanRow) error {
		if rows++; rows == 10 {
			cancel()
		}
		return nil
	})
	if err != context.Canceled || rows > 4096+10 {
		t.Fatalf("after cancelling at row 10: %d rows, %v", rows, err)
	}
	stop := fmt.Errorf("stop")
	rows = 0
	if err := db.scan(context.Background(), q, []int64{100}, func(scanRow) error { rows++; return stop }); err != stop || rows != 1 {
		t.Fatalf("a failing row: %d rows, %v", rows, err)
	}
	if err := db.scan(context.Background(), `SELECT nope FROM nowhere`, nil, func(scanRow) error { return nil }); err == nil || !strings.Contains(err.Error(), "no such table") && !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("a bad query: %v", err)
	}
}
