package transit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

// BenchmarkStatusAt: the corridor's status at a random time with 10,000
// restrictions on record (TRUCE_BENCH_RESTRICTIONS sets the count) over
// three years: closures and partial restrictions of the whole corridor and
// of four checkpoints, an hour to three days long, a few never ended.
//
//	go test ./internal/transit/ -run '^$' -bench StatusAt -benchtime 2000x
func BenchmarkStatusAt(b *testing.B) {
	n := 10_000
	if s := os.Getenv("TRUCE_BENCH_RESTRICTIONS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, b.TempDir(), store.WithSynchronous("normal"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := New(db, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2020, 12, 1, 0, 0, 0, 0, time.UTC)
	span := 3 * 365 * 24 * time.Hour
	kinds := []string{KindClosure, KindPartial}
	checkpoints := []string{"", "lyr_cp1", "lyr_cp2", "lyr_cp3", "lyr_cp4"}
	if _, err := db.Write(ctx, func(tx *store.Tx) error {
		for i := range n {
			r := RestrictionBody{Kind: kinds[rng.IntN(2)], CheckpointID: checkpoints[rng.IntN(len(checkpoints))], CorridorID: "lyr_corridor", ScopeName: "x",
				Reason: "r", Start: start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second),
				Label: access.Label{Classification: access.Mission, OwnerOrg: "org_centre"}}
			if rng.IntN(100) != 0 {
				end := r.Start.Add(time.Hour + time.Duration(rng.Int64N(int64(71*time.Hour)))).Truncate(time.Second)
				d := int64(end.Sub(r.Start) / time.Second)
				r.End, r.DurationS = &end, &d
			}
			if _, err := tx.Record(store.Change{Entity: EntityRestriction, ID: fmt.Sprintf("trr_%08d", i), Version: 1, Actor: store.System, Body: r}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	p := access.Principal{UserID: "u", Org: "org_centre", Roles: []access.Role{access.Analyst}}
	in := 0
	for b.Loop() {
		at := start.Add(time.Duration(rng.Int64N(int64(span))))
		st, err := svc.StatusAt(ctx, p, at, "", "")
		if err != nil {
			b.Fatal(err)
		}
		in += len(st.Restrictions)
	}
	b.ReportMetric(float64(in)/float64(b.N), "in-force/op")
}
