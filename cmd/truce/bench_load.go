package main

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/truce-monitoring/truce/internal/bench"
	"github.com/truce-monitoring/truce/internal/store"
)

// benchLoad serves a data directory with the demo and many allegations on
// loopback and drives it with concurrent clients (bench.Load).
func benchLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench load", "bench load --dir DIR [--allegations N] [--clients N] [--duration D] [--db URL]")
	dir := fs.String("dir", "", "data directory: made with the demo and the allegations when new, reused when not (default: a temporary one, removed afterwards)")
	allegations := fs.Int("allegations", 1_000_000, "allegations the database holds at least (generated through the domain service)")
	clients := fs.Int("clients", 150, "concurrent clients")
	duration := fs.Duration("duration", 60*time.Second, "how long the clients run")
	writes := fs.Float64("writes", 0.05, "the part of requests that lodge an allegation")
	think := fs.Duration("think", 0, "each client's mean pause between an answer and its next request (exponentially distributed; 0: none, a closed loop)")
	seed := fs.Uint64("seed", 1, "random seed")
	database := fs.String("db", "", "PostgreSQL URL of the database to keep the data in (default: SQLite under --dir)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *allegations < 0 || *clients < 1 || *duration <= 0 || *writes < 0 || *writes >= 1 || *think < 0 {
		return usagef(fs, "--allegations must not be negative, --clients and --duration must be positive, --writes in [0, 1), --think not negative")
	}
	if *database != "" && !store.IsDatabaseURL(*database) {
		return usagef(fs, "--db %q: want a postgres:// or postgresql:// URL", store.RedactURL(*database))
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	if *dir == "" {
		d, err := os.MkdirTemp("", "truce-bench-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	prog := newProgress(e, false)
	res, err := bench.Load(ctx, bench.LoadConfig{Dir: *dir, Database: *database, Allegations: *allegations, Clients: *clients,
		Duration: *duration, Seed: *seed, WriteShare: *writes, Think: *think}, prog.stage)
	prog.done()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
