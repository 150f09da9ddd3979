package search

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/pgtest"
	"github.com/truce-monitoring/truce/internal/store"
)

// BenchmarkSearchIndex answers queries over an index of
// TRUCE_BENCH_DOCS allegations' documents (default 100,000) written
// straight into the index tables — not through the log, which at a
// million records takes longer than a benchmark should — and without
// reading each hit through its kind (BenchmarkSearch in search_test
// measures the whole path, that reading included, over real records):
//
//	TRUCE_BENCH_DOCS=1000000 go test ./internal/search/ -run '^$' -bench SearchIndex -benchtime 100x -timeout 1h
func BenchmarkSearchIndex(b *testing.B) {
	n := 100_000
	if v := os.Getenv("TRUCE_BENCH_DOCS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	// TRUCE_BENCH_INDEX_DIR keeps the data directory, and the documents
	// written into it, from one run to the next: a million take minutes.
	// TRUCE_BENCH_INDEX_POSTGRES names a PostgreSQL database to keep them
	// in instead (otherwise the PostgreSQL half of the tests uses a new one).
	dir := os.Getenv("TRUCE_BENCH_INDEX_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	url := os.Getenv("TRUCE_BENCH_INDEX_POSTGRES")
	if url == "" {
		url = pgtest.Database(b, dir)
	}
	db, err := store.Open(ctx, dir, store.WithSynchronous("normal"), store.WithDatabase(url))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var have int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM search_docs`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have != 0 && have != n {
		b.Fatalf("the database holds %d documents, not %d", have, n)
	}
	if have == 0 {
		began := time.Now()
		var err error
		if url != "" {
			err = writeDocsPostgres(ctx, url, n)
		} else {
			err = writeDocsSQLite(filepath.Join(dir, store.DBFile), n)
		}
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "search index bench: %d documents indexed in %s\n", n, time.Since(began).Round(time.Second))
	}
	svc := &Service{db: db, indexOnly: true}
	liaison := access.Principal{UserID: "usr_bench", Org: "org_a", OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	cases := []struct{ name, q string }{
		{"one record by its reference", "ref" + strconv.FormatInt(int64(n/2), 36)},
		{"a place, Latin with diacritics", "agdam"},
		{"a place, Cyrillic", "АГДАМ"},
		{"a place and a word", "шуша mortar"},
		{"a place, Arabic", "أغدام"},
		{"two common words", "mortar night"},
		{"a common word", "shelling"},
		{"a prefix", "sh"},
		{"no match", "zzzzqqq"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			var total int
			srv0 := serverCPU(ctx, b, db)
			cpu0 := cpuTime() + srv0
			for b.Loop() {
				t0 := time.Now()
				res, err := svc.Search(ctx, liaison, c.q, store.PageRequest{Limit: 20})
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t0))
				total = res.Total
			}
			srv := serverCPU(ctx, b, db)
			b.ReportMetric(float64((cpuTime()+srv-cpu0).Microseconds())/1000/float64(len(took)), "cpu-ms/op")
			if db.Dialect().Name == store.Postgres.Name {
				b.ReportMetric(float64((srv-srv0).Microseconds())/1000/float64(len(took)), "server-cpu-ms/op")
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(total), "matches")
			if b.N > 1 {
				var la [3]float64
				if l, err := os.ReadFile("/proc/loadavg"); err == nil {
					fmt.Sscan(string(l), &la[0], &la[1], &la[2])
				}
				b.ReportMetric(la[0], "loadavg")
			}
		})
	}
}

// cpuTime is the CPU time the process has used, user and system: on a
// machine shared with other work it says what a query costs better than
// the time it waited.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchDocs calls fn with n allegations' documents, in order: a narrative of
// 12 to 40 common words, one of forty place names in four scripts and a
// reference word of its own; 80 % mission, 15 % restricted, 5 % public.
func benchDocs(n int, fn func(row []any) error) error {
	places := strings.Fields("Ağdam Şuşa Xocavənd Füzuli Laçın Kəlbəcər Qubadlı Zəngilan Tərtər Goranboy Агдам Шуша Ходжавенд Физули Лачин Кельбаджар Губадлы Зангилан Тертер Геранбой " +
		"Ստեփանակերտ Շուշի Մարտունի Հադրութ Քարվաճառ Ասկերան Մարտակերտ Բերձոր Քաշաթաղ Վարանդա أغدام شوشا فضولي لاتشين كلبجار قوبادلي زنغيلان ترتر غورانبوي خوجافند")
	common := strings.Fields("shelling small arms fire mortar drone heard seen near the village road post line night morning evening " +
		"houses damaged civilians injured reported by liaison patrol observed flashes explosions artillery positions trench movement vehicles")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		words := make([]string, 12+rng.IntN(29))
		for w := range words {
			words[w] = common[rng.IntN(len(common))]
		}
		words = append(words, places[rng.IntN(len(places))], "ref"+strconv.FormatInt(int64(i), 36))
		rng.Shuffle(len(words), func(x, y int) { words[x], words[y] = words[y], words[x] })
		class := "mission"
		switch r := rng.IntN(100); {
		case r < 15:
			class = "restricted"
		case r < 20:
			class = "public"
		}
		text := strings.Join(words, " ")
		if err := fn([]any{fmt.Sprintf("alg_%08d", i), "allegation", class, []string{"org_a", "org_b"}[i%2], title(text), strings.Join(Words(text), " ")}); err != nil {
			return err
		}
	}
	return nil
}

// writeDocsSQLite writes n documents into the SQLite file, 50,000 a
// transaction; FTS5's triggers index them.
func writeDocsSQLite(file string, n int) error {
	raw, err := sql.Open("sqlite", "file:"+file+"?_pragma=journal_mode(wal)&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer raw.Close()
	var tx *sql.Tx
	var ins *sql.Stmt
	i := 0
	err = benchDocs(n, func(row []any) error {
		if i%50_000 == 0 {
			if tx != nil {
				ins.Close()
				if err := tx.Commit(); err != nil {
					return err
				}
			}
			if tx, err = raw.Begin(); err != nil {
				return err
			}
			if ins, err = tx.Prepare(`INSERT INTO search_docs (id, entity, classification, owner_org, title, body) VALUES (?, ?, ?, ?, ?, ?)`); err != nil {
				return err
			}
		}
		i++
		_, err := ins.Exec(row...)
		return err
	})
	if tx == nil {
		return err
	}
	ins.Close()
	if err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// writeDocsPostgres copies n documents into the PostgreSQL database at url
// (COPY, 50,000 a statement); the GIN index takes them as they come.
func writeDocsPostgres(ctx context.Context, url string, n int) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var rows [][]any
	flush := func() error {
		_, err := conn.CopyFrom(ctx, pgx.Identifier{"search_docs"}, []string{"id", "entity", "classification", "owner_org", "title", "body"}, pgx.CopyFromRows(rows))
		rows = rows[:0]
		return err
	}
	if err := benchDocs(n, func(row []any) error {
		if rows = append(rows, row); len(rows) == 50_000 {
			return flush()
		}
		return nil
	}); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `VACUUM ANALYZE search_docs`)
	return err
}

// serverCPU is the CPU time PostgreSQL's processes serving db's database
// have used (what each has run, from /proc/PID/schedstat: the server is on
// this machine in the benchmarks), zero on SQLite. Connections a pool
// opens during a run count whole; one it closes is lost, so a run keeps
// the pool's connections open (benchmarks query one at a time).
func serverCPU(ctx context.Context, b *testing.B, db *store.DB) time.Duration {
	if db.Dialect().Name != store.Postgres.Name {
		return 0
	}
	rows, err := db.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var total time.Duration
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
		if err != nil {
			b.Fatalf("the PostgreSQL server's CPU time: %v (is it on this machine?)", err)
		}
		ns, _ := strconv.ParseInt(strings.Fields(string(stat))[0], 10, 64)
		total += time.Duration(ns)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return total
}
