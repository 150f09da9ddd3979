package main

import (
	"context"
	"encoding/json"

	"github.com/truce-monitoring/truce/internal/simulate"
)

// benchCeiling measures what an ideal fuser, told the true events and the
// generator's noise model, could reach on the stream the flags describe.
func benchCeiling(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench ceiling", "bench ceiling --seed N --events E [--days D] [--line-km KM] [--noise PROFILE]")
	seed := fs.Int64("seed", 1, "random seed, as for truce simulate")
	events := fs.Int("events", 10000, "true events, as for truce simulate")
	days := fs.Int("days", 365, "length of the period in days")
	line := fs.Float64("line-km", 300, "length of the line of contact in km")
	noise := fs.String("noise", "default", "noise profile, as for truce simulate")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	nz, err := simulate.Profile(*noise)
	if err != nil {
		return usagef(fs, "--noise: %v", err)
	}
	if *events < 1 || *days < 1 || *line <= 0 {
		return usagef(fs, "--events, --days and --line-km must be positive")
	}
	prog := newProgress(e, false)
	stop := prog.watch(ctx, "bench ceiling: seconds", elapsedSeconds())
	res, err := simulate.Ceiling(simulate.Config{Seed: *seed, Events: *events, Days: *days, LineKm: *line, Noise: nz})
	stop()
	prog.done()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
