package mines

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

// benchDistricts are the districts the benchmark's areas lie in.
var benchDistricts = []string{"Aghdam", "Fuzuli", "Zangilan", "Jabrayil", "Gubadli", "Lachin", "Kalbajar", "Khojavend", "Khojaly", "Shusha", "Aghdara", "Hadrut"}

// benchRegistry fills a store with areas hazard areas, each with one to
// three land-release events (devices on the surveys and clearances), one
// in twenty restricted to side A, and handovers handovers; it writes them
// in large transactions so that the set-up is quick.
func benchRegistry(b *testing.B, areas, handovers int) *fixture {
	b.Helper()
	f := newFixture(b)
	r := rand.New(rand.NewPCG(1, 2))
	day0 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 2000
	for start := 0; start < areas; start += batch {
		_, err := f.db.Write(context.Background(), func(tx *store.Tx) error {
			for i := start; i < min(start+batch, areas); i++ {
				in := HazardAreaInput{District: benchDistricts[r.IntN(len(benchDistricts))], Evidence: "local_report", RecordedOn: day0.Format(dateText),
					Polygon: square(39.3+r.Float64()*0.9, 46.3+r.Float64()*0.9, 100+r.Float64()*900)}
				if i%20 == 0 {
					in.LabelInput = access.LabelInput{Classification: "restricted", RestrictedTo: []string{f.sideA}}
				}
				h, err := in.body(now, f.centre)
				if err != nil {
					return err
				}
				day := day0
				for range 1 + r.IntN(3) {
					if !h.Open() {
						break
					}
					day = day.Add(time.Duration(1+r.IntN(60)) * 24 * time.Hour)
					method := Methods[r.IntN(len(Methods))]
					ev := EventInput{Kind: EventRelease, Date: day.Format(dateText), Method: method, AreaM2: h.RemainingM2 * (0.2 + 0.8*r.Float64())}
					if method != NonTechnicalSurvey {
						ev.Devices = []Device{{Category: deviceCategories[r.IntN(len(deviceCategories))], Count: int64(1 + r.IntN(20))}}
					}
					if h, err = h.apply(now, ev); err != nil {
						return err
					}
				}
				if _, err := tx.Record(store.Change{Entity: EntityHazardArea, ID: fmt.Sprintf("haz_%06d", i), Version: 1, Actor: store.System, Body: h}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	claimed := int64(1000)
	for i := range handovers {
		in := HandoverInput{FromSide: f.sideB, ToSide: f.sideA, Date: day0.Add(time.Duration(i%180) * 24 * time.Hour).Format(dateText), MinesClaimed: &claimed,
			Districts: []string{benchDistricts[i%len(benchDistricts)]}}
		if _, err := f.s.RecordHandover(context.Background(), f.analyst, in); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// BenchmarkSummary times the summary over a registry of 10,000 hazard
// areas (about 20,000 releases) and 100 handovers, for the whole period
// and for one quarter, as a mission reader and as a side's liaison (who
// also reads the areas restricted to its side).
func BenchmarkSummary(b *testing.B) {
	f := benchRegistry(b, 10_000, 100)
	ctx := context.Background()
	quarter := Window{From: time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name string
		p    access.Principal
		w    Window
	}{
		{"all/observer", f.observer, Window{}},
		{"all/liaison", f.liaisonA, Window{}},
		{"quarter/observer", f.observer, quarter},
		{"quarter/liaison", f.liaisonA, quarter},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				sum, err := f.s.Summary(ctx, c.p, c.w)
				if err != nil {
					b.Fatal(err)
				}
				if sum.ReleasedM2 == 0 {
					b.Fatal("nothing released")
				}
			}
		})
	}
}
