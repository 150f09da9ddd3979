package incident

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/geo"
)

// BenchmarkProposals measures one proposal (the fusion index's part of
// Proposals: candidates, scores, reasons, the reader's filter) against
// 100,000 incidents of one or two allegations each, spread over a year and
// a 1° × 1.5° box, and reports the 99th percentile. The incidents go into
// the index directly, not through the store: the store's part (reading the
// report, the rejections) is one indexed look-up each. TRUCE_BENCH_INCIDENTS
// sets the count; at a million:
//
//	TRUCE_BENCH_INCIDENTS=1000000 go test ./internal/incident/ -run '^$' -bench Proposals -benchtime 5000x -timeout 1h
func BenchmarkProposals(b *testing.B) {
	n := 100_000
	if s := os.Getenv("TRUCE_BENCH_INCIDENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sides := []string{"org_side_a", "org_side_b"}
	cats := []string{"small_arms_fire", "heavy_weapons_fire", "drone_or_air_strike"}
	year := benchStart
	claim := func(id string) fusion.Report {
		start := year.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		side := rng.IntN(2)
		prec := []string{PrecisionExact, PrecisionNearPlace, PrecisionDistrict}[rng.IntN(3)]
		end := start.Add(time.Duration(rng.IntN(180)+1) * time.Minute)
		b := AllegationBody{SourceKind: SourceSide, OnBehalfOf: sides[side], AllegedPerpetrator: sides[1-side], Category: cats[rng.IntN(3)],
			Location: Location{Point: geo.Point{Lat: 39.5 + rng.Float64(), Lon: 46.2 + 1.5*rng.Float64()}, Precision: prec, RadiusM: PrecisionRadiusM[prec]},
			Time:     TimeSpan{Start: start, End: &end, Precision: TimeWindow}}
		return allegationReport(id, &b)
	}
	x := newFusionIndex()
	x.reset()
	t0 := time.Now()
	for i := range n {
		first := claim("alg_" + strconv.Itoa(i))
		end := first.End
		inc := IncidentBody{Category: first.Category, Location: PointRadius{Point: geo.Point{Lat: first.Lat, Lon: first.Lon}, RadiusM: first.RadiusM},
			Time: TimeSpan{Start: first.Start, End: &end, Precision: TimeWindow}, Label: access.Label{Classification: access.Mission}}
		members := []fusion.Report{first}
		if rng.IntN(2) == 0 { // the other side's counter-claim
			second := first
			second.ID = "alg_b" + strconv.Itoa(i)
			second.Source, second.Perpetrator = first.Perpetrator, first.Source
			members = append(members, second)
		}
		x.put("inc_"+strconv.Itoa(i), 1, &inc, members)
	}
	x.built = true
	b.Logf("%d incidents indexed in %s", n, time.Since(t0).Round(time.Millisecond))
	p := access.Principal{UserID: "usr_mon", Org: "org_centre", Roles: []access.Role{access.Monitor}, Via: "token"}
	queries := make([]fusion.Report, 4096)
	for i := range queries {
		queries[i] = claim("alg_q" + strconv.Itoa(i))
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := x.propose(p, queries[i%len(queries)], 5, nil); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	}
}
