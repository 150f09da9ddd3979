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
	if pgtest.OnPostgres() {
		b.Skip("SQLite only: the documents are written through SQLite's file")
	}
	n := 100_000
	if v := os.Getenv("TRUCE_BENCH_DOCS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	dir := b.TempDir()
	db, err := store.Open(ctx, dir, store.WithSynchronous("normal"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.DBFile)+"?_pragma=journal_mode(wal)&_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	began := time.Now()
	places := strings.Fields("Ağdam Şuşa Xocavənd Füzuli Laçın Kəlbəcər Qubadlı Zəngilan Tərtər Goranboy Агдам Шуша Ходжавенд Физули Лачин Кельбаджар Губадлы Зангилан Тертер Геранбой " +
		"Ստեփանակերտ Շուշի Մարտունի Հադրութ Քարվաճառ Ասկերան Մարտակերտ Բերձոր Քաշաթաղ Վարանդա أغدام شوشا فضولي لاتشين كلبجار قوبادلي زنغيلان ترتر غورانبوي خوجافند")
	common := strings.Fields("shelling small arms fire mortar drone heard seen near the village road post line night morning evening " +
		"houses damaged civilians injured reported by liaison patrol observed flashes explosions artillery positions trench movement vehicles")
	rng := rand.New(rand.NewPCG(1, 2))
	for lo := 0; lo < n; lo += 50_000 {
		tx, err := raw.Begin()
		if err != nil {
			b.Fatal(err)
		}
		ins, err := tx.Prepare(`INSERT INTO search_docs (id, entity, classification, owner_org, title, body) VALUES (?, 'allegation', ?, ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		for i := lo; i < min(lo+50_000, n); i++ {
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
			if _, err := ins.Exec(fmt.Sprintf("alg_%08d", i), class, []string{"org_a", "org_b"}[i%2], title(text), strings.Join(Words(text), " ")); err != nil {
				b.Fatal(err)
			}
		}
		ins.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "search index bench: %d documents indexed in %s\n", n, time.Since(began).Round(time.Second))
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
			cpu0 := cpuTime()
			for b.Loop() {
				t0 := time.Now()
				res, err := svc.Search(ctx, liaison, c.q, store.PageRequest{Limit: 20})
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t0))
				total = res.Total
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(took)), "cpu-ms/op")
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(total), "matches")
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
