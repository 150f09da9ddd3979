package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// The ceiling for appends: what SQLite itself takes to insert the rows an
// append writes, with nothing of the store around it. Each benchmark
// commits in transactions of 1,000 on the store's own writer connection
// (WAL, synchronous=full, the same page cache) and reports rows/s.
//
//	go test -run '^$' -bench RawInsert -benchtime 200000x -count 3 ./internal/store/

// BenchmarkRawInsertTable inserts into a table of an integer key and a
// 300-byte blob, one prepared single-row INSERT per row: SQLite's plain
// insert speed on this machine.
func BenchmarkRawInsertTable(b *testing.B) {
	db := rawOpen(b)
	if _, err := db.write.Exec(`CREATE TABLE raw_rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 300)
	rawBatches(b, db, func(tx *sql.Tx, from, to int) error {
		st, err := tx.Prepare(`INSERT INTO raw_rows (id, body) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := from; i < to; i++ {
			if _, err := st.Exec(i, body); err != nil {
				return err
			}
		}
		return nil
	})
}

// rawChange is one append's rows as Tx.Record writes them for an
// organisation: the change row and the one projection row.
type rawChange struct {
	seq               int64
	id                string
	body              []byte
	sum, salt         []byte
	name, short, kind string
}

func rawChanges(n int) []rawChange {
	out := make([]rawChange, n)
	for i := range out {
		body := fmt.Sprintf(`{"name":"Media outlet %d","short_name":"M%d","kind":"media","country":"GE","illustrative":false}`, i, i)
		sum := sha256.Sum256([]byte(body))
		salt := sha256.Sum256(sum[:])
		out[i] = rawChange{seq: int64(i), id: fmt.Sprintf("org_%012d", i), body: []byte(body), sum: sum[:], salt: salt[:],
			name: fmt.Sprintf("Media outlet %d", i), short: fmt.Sprintf("M%d", i), kind: "media"}
	}
	return out
}

const rawChangeSQL = `INSERT INTO changes (seq, entity, id, version, actor, org, via, at, body, body_sha256, salt) VALUES `
const rawChangeRow = `(?, 'organisation', ?, 1, 'bench', 'org_bench', 'cli', '2026-12-07T10:00:00.000000000Z', ?, ?, ?)`
const rawOrgSQL = `INSERT INTO organisations (id, kind, name, short_name, country) VALUES `
const rawOrgRow = `(?, ?, ?, ?, 'GE')`

// BenchmarkRawInsertChanges writes the change row and the organisation row
// of each append with one prepared single-row INSERT each, the
// statements Tx.Record runs, without the store's work around them (JSON,
// hashes, the tree). b.N rows of each.
func BenchmarkRawInsertChanges(b *testing.B) {
	db := rawOpen(b)
	cs := rawChanges(b.N)
	rawBatches(b, db, func(tx *sql.Tx, from, to int) error {
		ch, err := tx.Prepare(rawChangeSQL + rawChangeRow)
		if err != nil {
			return err
		}
		defer ch.Close()
		org, err := tx.Prepare(rawOrgSQL + rawOrgRow)
		if err != nil {
			return err
		}
		defer org.Close()
		for _, c := range cs[from:to] {
			if _, err := ch.Exec(c.seq, c.id, c.body, c.sum, c.salt); err != nil {
				return err
			}
			if _, err := org.Exec(c.id, c.kind, c.name, c.short); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkRawInsertChangesMultiRow is BenchmarkRawInsertChanges with 50
// rows to an INSERT.
func BenchmarkRawInsertChangesMultiRow(b *testing.B) {
	const per = 50
	db := rawOpen(b)
	cs := rawChanges(b.N)
	rows := func(row string, n int) string { return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") }
	rawBatches(b, db, func(tx *sql.Tx, from, to int) error {
		for len(cs[from:to]) > 0 {
			k := min(per, to-from)
			var a1, a2 []any
			for _, c := range cs[from : from+k] {
				a1 = append(a1, c.seq, c.id, c.body, c.sum, c.salt)
				a2 = append(a2, c.id, c.kind, c.name, c.short)
			}
			if _, err := tx.Exec(rawChangeSQL+rows(rawChangeRow, k), a1...); err != nil {
				return err
			}
			if _, err := tx.Exec(rawOrgSQL+rows(rawOrgRow, k), a2...); err != nil {
				return err
			}
			from += k
		}
		return nil
	})
}

// rawOpen opens a store with its schema (synchronous=full) whose writer
// connection the raw benchmarks use directly.
func rawOpen(b *testing.B) *DB {
	b.Helper()
	skipOnPostgres(b)
	db, err := Open(context.Background(), b.TempDir(), WithSynchronous("full"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// rawBatches calls write for rows [from, to) in transactions of 1,000 and
// reports rows/s.
func rawBatches(b *testing.B, db *DB, write func(tx *sql.Tx, from, to int) error) {
	b.ResetTimer()
	for from := 0; from < b.N; from += 1000 {
		tx, err := db.write.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if err := write(tx, from, min(from+1000, b.N)); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
