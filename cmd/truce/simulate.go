package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/simulate"
)

// cmdSimulate writes a simulated report stream with its ground truth
// (format: docs/stream-format.md).
func cmdSimulate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "simulate", "simulate --seed N --events E --days D [--noise PROFILE] --out FILE")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same stream")
	events := fs.Int("events", 10000, "true events (reports are about 1.6 to 2 times as many)")
	days := fs.Int("days", 365, "length of the period in days")
	line := fs.Float64("line-km", 300, "length of the line of contact in km")
	out := fs.String("out", "", "file to write (JSON Lines); - for standard output")
	noise := fs.String("noise", "default", "noise profile: "+strings.Join(simulate.ProfileNames(), ", ")+" (docs/stream-format.md)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	nz, err := simulate.Profile(*noise)
	if err != nil {
		return fmt.Errorf("--noise: %w", err)
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if *events < 1 || *days < 1 || *line <= 0 {
		return fmt.Errorf("--events, --days and --line-km must be positive")
	}
	w := e.stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	return simulate.Write(w, simulate.Config{Seed: *seed, Events: *events, Days: *days, LineKm: *line, Noise: nz})
}

// benchFusion runs the batch fusion over a stream with ground truth and
// prints its figures as JSON.
func benchFusion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench fusion", "bench fusion --in FILE")
	in := fs.String("in", "", "a stream written by truce simulate (or any stream in that format with true_event)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *in == "" {
		return fmt.Errorf("--in is required")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	_, reports, truth, err := simulate.Read(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("--in %s: %w", *in, err)
	}
	res, err := fusion.RunBench(reports, truth)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
