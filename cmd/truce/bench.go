package main

import (
	"context"
	"encoding/json"
	"os"
	"runtime/pprof"
	"time"

	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/bench"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/store"
)

const benchUsage = `Usage: truce bench <what> [flags]

  log     build a log of --changes changes and measure appends, verify and proofs,
          then single-change writes: one writer, and --writers at once through
          one and through two servers (store handles); --db for PostgreSQL
  demo    time loading the demo scenario (what 'truce demo --no-serve' does)
  fusion  run the batch fusion over a simulated stream (--in FILE) and score it
  load    serve the demo with --allegations allegations on loopback and drive it
          with --clients concurrent clients for --duration (dashboard, map
          features, list and record pages, writes); p50/p95/p99 per class
  ceiling what an ideal fuser told the true events could reach on a simulated
          stream (--seed, --events, --noise as for truce simulate)
  score   score an assignment of a stream's reports to events (--in STREAM
          --assign FILE), as fusion scores its own: for outside clusterers

Results are printed as JSON on standard output; progress goes to standard
error on a terminal.
`

// benchSubs are the benchmarks, in the order of their usage.
var benchSubs = []string{"log", "demo", "fusion", "load", "ceiling", "score"}

func cmdBench(ctx context.Context, e *env, args []string) error {
	what, args, err := subcommand(e, args, benchUsage)
	if err != nil {
		return err
	}
	switch what {
	case "log":
		return benchLog(ctx, e, args)
	case "demo":
		return benchDemo(ctx, e, args)
	case "fusion":
		return benchFusion(ctx, e, args)
	case "ceiling":
		return benchCeiling(ctx, e, args)
	case "load":
		return benchLoad(ctx, e, args)
	case "score":
		return benchScore(ctx, e, args)
	}
	return unknownSub(e, "bench", what, benchUsage)
}

func benchLog(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench log", "bench log [--changes N] [--batch N] [--record organisation|place] [--writers N] [--one-by-one] [--db URL] [--dir DIR]")
	n := fs.Int64("changes", 1_000_000, "changes to append")
	batch := fs.Int("batch", 1000, "changes per transaction while building the log")
	record := fs.String("record", "organisation", "record kind: organisation (one projection row) or place (four rows, folded names)")
	dir := fs.String("dir", "", "working directory (default: a temporary one, removed afterwards)")
	singles := fs.Int("singles", 2000, "single-change writes for each one-writer figure; four times as many for --writers")
	writers := fs.Int("writers", 8, "concurrent writers for the durable single-change figures: one server with N, two servers with N each, and two with N between them")
	database := fs.String("db", "", "PostgreSQL URL of a database whose user may create databases: each log goes into a new database there, dropped afterwards (default: SQLite files under --dir)")
	oneByOne := fs.Bool("one-by-one", false, "build the log with one Tx.Record call a change instead of Tx.RecordAll a batch")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	if *n < 1 || *batch < 1 || *writers < 1 || *singles < 1 {
		return usagef(fs, "--changes, --batch, --singles and --writers must be positive")
	}
	if *database != "" && !store.IsDatabaseURL(*database) {
		return usagef(fs, "--db %q: want a postgres:// or postgresql:// URL", store.RedactURL(*database))
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "truce-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	prog := newProgress(e, false)
	res, err := bench.Log(ctx, bench.LogConfig{Dir: *dir, Database: *database, Changes: *n, Batch: *batch, Record: *record, Writers: *writers, Singles: *singles, OneByOne: *oneByOne}, prog.stage)
	prog.done()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

func benchDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench demo", "bench demo [--runs N]")
	runs := fs.Int("runs", 5, "how many times to load the demo")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *runs < 1 {
		return usagef(fs, "--runs must be positive")
	}
	prog := newProgress(e, false)
	defer prog.done()
	var secs []float64
	for i := range *runs {
		prog.stage("bench demo: runs", int64(i), int64(*runs))
		d, err := os.MkdirTemp("", "truce-bench-demo-")
		if err != nil {
			return err
		}
		t0 := time.Now()
		a, err := app.Open(ctx, app.Config{Dir: d, Synchronous: "normal"})
		if err != nil {
			return err
		}
		if _, err := demo.Load(ctx, a.Services.Demo()); err != nil {
			a.Close()
			return err
		}
		a.DB.Checkpoint(ctx)
		a.Close()
		secs = append(secs, time.Since(t0).Seconds())
		os.RemoveAll(d)
	}
	prog.done()
	return json.NewEncoder(e.stdout).Encode(map[string]any{"runs": *runs, "seconds": secs})
}

// startCPUProfile writes a CPU profile to path until stop is called; an
// empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
