package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/pgtest"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/search"
	"github.com/truce-monitoring/truce/internal/store"
)

var (
	benchOnce sync.Once
	benchSvc  *search.Service
	benchN    = 100_000
	benchErr  error
	benchDir  string // removed when the tests end
)

// Words of the benchmark's narratives: places in four scripts, each in
// about one narrative in 40, and common words.
var (
	benchPlaces = []string{"Ağdam", "Şuşa", "Xocavənd", "Füzuli", "Laçın", "Kəlbəcər", "Qubadlı", "Zəngilan", "Tərtər", "Goranboy",
		"Агдам", "Шуша", "Ходжавенд", "Физули", "Лачин", "Кельбаджар", "Губадлы", "Зангилан", "Тертер", "Геранбой",
		"Ստեփանակերտ", "Շուշի", "Մարտունի", "Հադրութ", "Քարվաճառ", "Ասկերան", "Մարտակերտ", "Բերձոր", "Քաշաթաղ", "Վարանդա",
		"أغدام", "شوشا", "فضولي", "لاتشين", "كلبجار", "قوبادلي", "زنغيلان", "ترتر", "غورانبوي", "خوجافند"}
	benchWords = strings.Fields("shelling small arms fire mortar drone heard seen near the village road post line night morning evening " +
		"houses damaged civilians injured reported by liaison patrol observed flashes explosions artillery positions trench movement vehicles")
)

// openBench writes (once per process) benchN allegations straight through
// store transactions of 10,000 changes, each indexed in its transaction:
// 80% mission, 15% restricted to the side that filed it, 5% public; a
// narrative of 12 to 40 common words, a place name and a reference word
// of its own. TRUCE_BENCH_ALLEGATIONS sets the count; at a million:
//
//	TRUCE_BENCH_ALLEGATIONS=1000000 go test ./internal/search/ -run '^$' -bench Search -benchtime 200x -timeout 1h
func openBench(b *testing.B) *search.Service {
	benchOnce.Do(func() {
		if s := os.Getenv("TRUCE_BENCH_ALLEGATIONS"); s != "" {
			benchN, _ = strconv.Atoi(s)
		}
		dir, err := os.MkdirTemp("", "truce-search-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchDir = dir
		ctx := context.Background()
		opts := []store.Option{store.WithSynchronous("normal")}
		if pgtest.OnPostgres() {
			opts = append(opts, store.WithDatabase(pgtest.Database(b, dir)))
		}
		db, err := store.Open(ctx, dir, opts...)
		if benchErr = err; err != nil {
			return
		}
		inc := incident.New(db, nil)
		records := record.NewRegistry(db, inc.Kinds())
		// TRUCE_BENCH_NOINDEX=1 leaves the index out, to measure what it
		// costs the writes (the searches then find nothing).
		if os.Getenv("TRUCE_BENCH_NOINDEX") != "1" {
			search.Register(db, records.Kinds())
		}
		benchSvc = search.New(db, records, nil)
		rng := rand.New(rand.NewPCG(1, 2))
		sides := []string{"org_a", "org_b"}
		start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
		began := time.Now()
		for n := 0; n < benchN && benchErr == nil; n += 10_000 {
			_, benchErr = db.Write(ctx, func(tx *store.Tx) error {
				for i := n; i < min(n+10_000, benchN); i++ {
					side := sides[i%2]
					at := start.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
					words := make([]string, 12+rng.IntN(29))
					for w := range words {
						words[w] = benchWords[rng.IntN(len(benchWords))]
					}
					words = append(words, benchPlaces[rng.IntN(len(benchPlaces))], "ref"+strconv.FormatInt(int64(i), 36))
					rng.Shuffle(len(words), func(x, y int) { words[x], words[y] = words[y], words[x] })
					label := access.Label{Classification: access.Mission, OwnerOrg: side}
					switch r := rng.IntN(100); {
					case r < 15:
						label.Classification = access.Restricted
					case r < 20:
						label.Classification = access.Public
					}
					body := incident.AllegationBody{SourceKind: incident.SourceSide, LodgedBy: side, OnBehalfOf: side, AllegedPerpetrator: sides[1-i%2],
						Category: incident.Categories[i%len(incident.Categories)].Code, Status: incident.StatusLodged,
						Location:  incident.Location{Point: geo.Point{Lat: 39.5 + rng.Float64(), Lon: 46 + 1.5*rng.Float64()}, Precision: incident.PrecisionExact, RadiusM: 100},
						Time:      incident.TimeSpan{Start: at, Precision: incident.TimeExact},
						Narrative: strings.Join(words, " "), Grading: incident.Grading{Reliability: "F", Credibility: 6}, LodgedAt: at, Label: label}
					if _, err := tx.Record(store.Change{Entity: incident.EntityAllegation, ID: fmt.Sprintf("alg_%08d", i), Version: 1, Actor: store.System, Body: body}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		fmt.Fprintf(os.Stderr, "search bench: %d allegations written and indexed in %s\n", benchN, time.Since(began).Round(time.Second))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSvc
}

// BenchmarkSearch answers the first page (20 hits) of a query with its
// count, as the search page does, for a liaison of one side, and reports
// the 50th and 95th percentiles.
func BenchmarkSearch(b *testing.B) {
	svc := openBench(b)
	liaison := access.Principal{UserID: "usr_bench", Org: "org_a", OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	cases := []struct{ name, q string }{
		{"one record by its reference", "ref" + strconv.FormatInt(int64(benchN/2), 36)},
		{"a place, Latin with diacritics", "agdam"},
		{"a place, Cyrillic", "АГДАМ"},
		{"a place and a word", "шуша mortar"},
		{"a place, Arabic", "أغدام"},
		{"two common words", "mortar night"},
		{"a common word", "shelling"},
		{"a prefix", "sh"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			var took []time.Duration
			var total int
			for b.Loop() {
				t0 := time.Now()
				res, err := svc.Search(ctx, liaison, c.q, store.PageRequest{Limit: 20})
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t0))
				total = res.Total
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(total), "matches")
		})
	}
}
