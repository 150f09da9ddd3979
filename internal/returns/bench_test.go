package returns

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

var (
	benchOnce sync.Once
	benchSvc  *Service
	benchN    = 100_000
	benchErr  error
)

// openBenchMovements writes (once per process) benchN movements spread
// over two years and 50 destinations, straight through store transactions
// of 10,000 changes. TRUCE_BENCH_MOVEMENTS sets the count.
func openBenchMovements(b *testing.B) *Service {
	benchOnce.Do(func() {
		if s := os.Getenv("TRUCE_BENCH_MOVEMENTS"); s != "" {
			benchN, _ = strconv.Atoi(s)
		}
		dir, err := os.MkdirTemp("", "truce-returns-bench-")
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		db, err := store.Open(ctx, dir, store.WithSynchronous("normal"))
		if err != nil {
			benchErr = err
			return
		}
		benchSvc = New(db)
		rng := rand.New(rand.NewPCG(1, 2))
		start := time.Date(2020, 11, 14, 0, 0, 0, 0, time.UTC)
		kinds := []string{KindOrganised, KindSpontaneous}
		began := time.Now()
		for n := 0; n < benchN && benchErr == nil; n += 10_000 {
			_, benchErr = db.Write(ctx, func(tx *store.Tx) error {
				for i := n; i < min(n+10_000, benchN); i++ {
					women, men, children := rng.Int64N(40), rng.Int64N(40), rng.Int64N(30)
					body := MovementBody{Date: start.Add(time.Duration(rng.Int64N(int64(730 * 24 * time.Hour)))).Truncate(time.Second),
						OriginText: "Goris", DestinationPlaceID: fmt.Sprintf("plc_%02d", rng.IntN(50)), DestinationName: "Somewhere",
						People: []PeopleCount{{Sex: "female", Age: "18-59", Count: women}, {Sex: "male", Age: "18-59", Count: men}, {Sex: "unknown", Age: "5-17", Count: children}},
						Total:  women + men + children + 1, Kind: kinds[i%2], Label: access.Label{Classification: access.Mission, OwnerOrg: "org_centre"}}
					body.People = append(body.People, PeopleCount{Sex: "unknown", Age: "unknown", Count: 1})
					if _, err := tx.Record(store.Change{Entity: EntityMovement, ID: fmt.Sprintf("ret_%08d", i), Version: 1, Actor: store.System, Body: body}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		fmt.Fprintf(os.Stderr, "wrote %d movements in %s\n", benchN, time.Since(began).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSvc
}

// BenchmarkTotals: the totals over every movement (the whole two years)
// and over one quarter, per month and per destination, as a mission
// account reads them.
//
//	go test ./internal/returns/ -run '^$' -bench Totals -benchtime 50x
func BenchmarkTotals(b *testing.B) {
	svc := openBenchMovements(b)
	p := access.Principal{UserID: "u", Org: "org_centre", Roles: []access.Role{access.Analyst}}
	quarter := Window{From: time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name  string
		w     Window
		group string
	}{{"all/month", Window{}, "month"}, {"all/destination", Window{}, "destination"}, {"quarter/day", quarter, "day"}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := svc.Totals(context.Background(), p, c.w, c.group)
				if err != nil || len(rows) == 0 {
					b.Fatal(len(rows), err)
				}
			}
		})
	}
}
