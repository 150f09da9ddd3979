package incident

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

// Numbered lists at scale (issue 16): 1,000,000 allegations labelled as
// in the need-to-know benchmark, listed by a liaison of side B with a
// filter, page 1, page 500 and the total. Loading a million allegations
// through the change log takes minutes, so the store is kept in
// TRUCE_BENCH_LIST_DIR when it is set (built on the first run, reused
// after), and in a temporary directory otherwise. TRUCE_BENCH_LIST_POSTGRES
// names a PostgreSQL database to hold it instead (the directory then keeps
// the keys and the mark that the load finished).
//
//	TRUCE_BENCH_LIST_DIR=/tmp/lists-bench go test ./internal/incident/ -run '^$' -bench 'NumberedAllegations$' -benchtime 3x

const listBenchCount = 1_000_000

var listBench struct {
	once sync.Once
	db   *store.DB
	svc  *Service
	err  error
}

func openListBench(b *testing.B) *Service {
	s := &listBench
	s.once.Do(func() {
		ctx := context.Background()
		dir := os.Getenv("TRUCE_BENCH_LIST_DIR")
		if dir == "" {
			dir = b.TempDir()
		}
		done := filepath.Join(dir, "loaded")
		opts := []store.Option{store.WithSynchronous("normal")}
		if url := os.Getenv("TRUCE_BENCH_LIST_POSTGRES"); url != "" {
			opts = append(opts, store.WithDatabase(url))
		}
		if s.db, s.err = store.Open(ctx, dir, opts...); s.err != nil {
			return
		}
		s.svc = New(s.db, nil)
		if _, err := os.Stat(done); err == nil {
			return
		}
		actor := store.Actor{User: "usr_loader", Org: ntkCentre, Via: "cli"}
		const batch = 5_000
		for n := 0; n < listBenchCount && s.err == nil; n += batch {
			_, s.err = s.db.Write(ctx, func(tx *store.Tx) error {
				for i := n; i < min(n+batch, listBenchCount); i++ {
					body := ntkBody(i)
					c := store.Change{Entity: EntityAllegation, ID: fmt.Sprintf("alg_%08d", i), Version: 1, Actor: actor, Body: body, Public: body.Classification == access.Public}
					if _, err := tx.Record(c); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if s.err == nil {
			s.err = os.WriteFile(done, []byte("1000000\n"), 0o600)
		}
	})
	if s.err != nil {
		b.Fatalf("build %d allegations: %v", listBenchCount, s.err)
	}
	return s.svc
}

// BenchmarkNumberedAllegationsLoad only builds the store (run it once with
// TRUCE_BENCH_LIST_DIR set to keep it).
func BenchmarkNumberedAllegationsLoad(b *testing.B) {
	openListBench(b)
	for range b.N {
	}
}

// BenchmarkNumberedAllegations reads page 1, page 500 and the total alone
// (a page past the end) of the allegations a liaison of side B and an
// observer may read, all of them and of one category (1 in 14). "cold"
// empties the totals' cache before each read (the first look at a list);
// "warm" keeps it (the next page of the same list, nothing written since).
func BenchmarkNumberedAllegations(b *testing.B) {
	s := openListBench(b)
	ctx := context.Background()
	all, category := AllegationFilter{}, AllegationFilter{Category: "small_arms_fire"}
	for _, c := range []struct {
		name string
		who  access.Principal
		f    AllegationFilter
		q    store.ListQuery
		warm bool
	}{
		{"liaison/all/page1/cold", ntkLiaison, all, store.ListQuery{Page: 1}, false},
		{"liaison/all/page500/cold", ntkLiaison, all, store.ListQuery{Page: 500}, false},
		{"liaison/all/page500/warm", ntkLiaison, all, store.ListQuery{Page: 500}, true},
		{"liaison/all/total/cold", ntkLiaison, all, store.ListQuery{Page: store.MaxPage}, false},
		{"liaison/category/page1/cold", ntkLiaison, category, store.ListQuery{Page: 1}, false},
		{"liaison/category/page500/cold", ntkLiaison, category, store.ListQuery{Page: 500}, false},
		{"liaison/category/total/cold", ntkLiaison, category, store.ListQuery{Page: store.MaxPage}, false},
		{"observer/all/page1/cold", ntkObserver, all, store.ListQuery{Page: 1}, false},
		{"observer/all/page500/cold", ntkObserver, all, store.ListQuery{Page: 500}, false},
		{"observer/all/page500/warm", ntkObserver, all, store.ListQuery{Page: 500}, true},
		{"observer/all/total/cold", ntkObserver, all, store.ListQuery{Page: store.MaxPage}, false},
		{"observer/all/page500-by-category/warm", ntkObserver, all, store.ListQuery{Page: 500, Sort: "category"}, true},
		{"observer/category/page500/cold", ntkObserver, category, store.ListQuery{Page: 500}, false},
		{"observer/category/page500-by-status/warm", ntkObserver, category, store.ListQuery{Page: 500, Sort: "status"}, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			var total int
			if _, err := s.NumberedAllegations(ctx, c.who, c.f, c.q); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if !c.warm {
					s.db.ForgetCounts()
				}
				got, err := s.NumberedAllegations(ctx, c.who, c.f, c.q)
				if err != nil {
					b.Fatal(err)
				}
				total = got.Total
			}
			b.ReportMetric(float64(total), "total")
		})
	}
}
