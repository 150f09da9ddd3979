package store

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// benchBody is a body of typical size (about 300 bytes of JSON).
var benchBody = note{Title: "Exchange of fire reported near the line of contact north of the village; monitors heard bursts of small-arms fire and two explosions assessed as mortar impacts", Count: 7, Tags: []string{"shelling", "night"}}

func benchAppend(b *testing.B, batch int) { benchAppendWith(b, batch, false) }

func benchAppendWith(b *testing.B, batch int, all bool) {
	db := mustOpen(b, b.TempDir())
	ctx := context.Background()
	b.ResetTimer()
	n := 0
	for n < b.N {
		k := min(batch, b.N-n)
		_, err := db.Write(ctx, func(tx *Tx) error {
			if all {
				cs := make([]Change, k)
				for i := range cs {
					cs[i] = Change{Entity: "note", ID: "n" + strconv.Itoa(n+i), Version: 1, Actor: Actor{User: "u", Org: "o", Via: "token"}, Body: benchBody}
				}
				_, err := tx.RecordAll(cs)
				return err
			}
			for i := range k {
				if _, err := tx.Record(Change{Entity: "note", ID: "n" + strconv.Itoa(n+i), Version: 1, Actor: Actor{User: "u", Org: "o", Via: "token"}, Body: benchBody}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		n += k
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
}

// BenchmarkAppendBatch1000 commits changes in transactions of 1,000.
func BenchmarkAppendBatch1000(b *testing.B) { benchAppend(b, 1000) }

// BenchmarkAppendBatch1000All is BenchmarkAppendBatch1000 with one
// Tx.RecordAll a transaction.
func BenchmarkAppendBatch1000All(b *testing.B) { benchAppendWith(b, 1000, true) }

// BenchmarkAppendSingle commits one change per transaction (synchronous=normal).
func BenchmarkAppendSingle(b *testing.B) { benchAppend(b, 1) }

// BenchmarkAppendSingleFull is BenchmarkAppendSingle with synchronous=full.
func BenchmarkAppendSingleFull(b *testing.B) {
	db, err := Open(context.Background(), b.TempDir(), WithSynchronous("full"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.write.Exec(`CREATE TABLE test_notes (id TEXT PRIMARY KEY, title TEXT NOT NULL, count INTEGER NOT NULL); CREATE TABLE test_note_tags (note_id TEXT NOT NULL, tag TEXT NOT NULL)`)
	db.Register(noteProjection)
	b.ResetTimer()
	for i := range b.N {
		_, err := db.Write(context.Background(), func(tx *Tx) error {
			_, err := tx.Record(Change{Entity: "note", ID: "n" + strconv.Itoa(i), Actor: System, Body: benchBody})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
}

var (
	bigLogOnce sync.Once
	bigLog     *DB
	bigLogDir  string
	bigLogSize = int64(1_000_000)
)

// TestMain removes the big log, which outlives the benchmarks that share
// it (some 600 MB at a million changes).
// TestMain runs the tests on SQLite, then on PostgreSQL (pgtest.Main).
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if bigLog != nil {
		bigLog.Close()
		os.RemoveAll(bigLogDir)
	}
	os.Exit(code)
}

// openBigLog builds (once per process) a log of a million changes in a
// temporary directory. Set TRUCE_BENCH_LOG_SIZE to change the size.
func openBigLog(b *testing.B) *DB {
	bigLogOnce.Do(func() {
		if s := os.Getenv("TRUCE_BENCH_LOG_SIZE"); s != "" {
			bigLogSize, _ = strconv.ParseInt(s, 10, 64)
		}
		dir, err := os.MkdirTemp("", "truce-bench-")
		if err != nil {
			b.Fatal(err)
		}
		bigLogDir = dir
		bigLog = mustOpen(keepOpen{b}, dir)
		ctx := context.Background()
		for n := int64(0); n < bigLogSize; n += 10000 {
			_, err := bigLog.Write(ctx, func(tx *Tx) error {
				var cs []Change
				for i := n; i < min(n+10000, bigLogSize); i++ {
					cs = append(cs, Change{Entity: "note", ID: fmt.Sprintf("n%07d", i), Version: 1, Actor: System, Body: benchBody})
				}
				_, err := tx.RecordAll(cs)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	return bigLog
}

// keepOpen keeps the big log open for the whole process: the cleanup of
// the benchmark run that built it would close it before the next run.
type keepOpen struct{ testing.TB }

func (keepOpen) Cleanup(func()) {}

// BenchmarkInclusionProof proves a random leaf at a log of a million.
func BenchmarkInclusionProof(b *testing.B) {
	db := openBigLog(b)
	ctx := context.Background()
	size := db.Size()
	root, err := db.TreeHashAt(ctx, size)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		seq := int64(i*7919) % size
		p, leaf, err := db.InclusionProof(ctx, seq, size)
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			if err := tlog.CheckRecord(p, size, root, seq, leaf); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkVerify runs the whole verification of the million-change log.
func BenchmarkVerify(b *testing.B) {
	db := openBigLog(b)
	b.ResetTimer()
	for range b.N {
		rep, err := db.Verify(context.Background(), nil)
		if err != nil || !rep.OK() {
			b.Fatal(err, rep.Problems)
		}
	}
	b.ReportMetric(float64(db.Size())*float64(b.N)/b.Elapsed().Seconds(), "changes/s")
}
