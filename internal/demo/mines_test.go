package demo

import (
	"context"
	"testing"

	"github.com/truce-monitoring/truce/internal/app"
)

// BenchmarkLoadMines times the mine-action part of the demo alone, on a
// store holding the rest of the scenario (without accounts, whose password
// hashing is slow on purpose).
func BenchmarkLoadMines(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		a, err := app.Open(ctx, app.Config{Dir: b.TempDir(), Synchronous: "normal"})
		if err != nil {
			b.Fatal(err)
		}
		l, err := Load(ctx, Services{Agreements: a.Agreements, Geo: a.Geo, Incidents: a.Incidents})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := loadMines(ctx, a.Mines, l, map[string]string{"2021-06-12": "exc_demo"}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		a.Close()
		b.StartTimer()
	}
}
