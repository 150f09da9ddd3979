package incident

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
)

// BenchmarkMapViewAggregated asks for the whole region of the benchmark's
// allegations at zoom 8 with no window, the map's opening view: every
// record is in view, so the answer is grid cells with counts.
//
//	go test ./internal/incident/ -run '^$' -bench MapView -benchtime 20x
func BenchmarkMapViewAggregated(b *testing.B) {
	_, s := openBenchAllegations(b)
	ctx := context.Background()
	p := access.Principal{UserID: "usr_la", Org: "org_a", OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	q := MapQuery{BBox: geo.BBox{MinLat: 38.9, MinLon: 45.6, MaxLat: 40.7, MaxLon: 47.9}, Kinds: []string{MapAllegations}, CellDeg: 360.0 / 256 / 8}
	var took []time.Duration
	cells := 0
	for b.Loop() {
		t0 := time.Now()
		v, err := s.MapView(ctx, p, q)
		took = append(took, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		cells = len(v[MapAllegations].Cells)
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds()), "p95-µs")
	b.ReportMetric(float64(cells), "cells")
}
