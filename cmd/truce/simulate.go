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
	out := fs.String("out", "", "file to write (JSON Lines); - for standard output (required)")
	quiet := fs.Bool("quiet", false, "no progress on the terminal")
	noise := fs.String("noise", "default", "noise profile: "+strings.Join(simulate.ProfileNames(), ", ")+" (docs/stream-format.md)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	nz, err := simulate.Profile(*noise)
	if err != nil {
		return usagef(fs, "--noise: %v", err)
	}
	if *out == "" {
		return usagef(fs, "--out is required (a file, or - for standard output)")
	}
	if *events < 1 || *days < 1 || *line <= 0 {
		return usagef(fs, "--events, --days and --line-km must be positive")
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
	counted := &countingWriter{w: w}
	prog := newProgress(e, *quiet)
	stop := prog.watch(ctx, "simulate: lines written", counted.count)
	err = simulate.Write(counted, simulate.Config{Seed: *seed, Events: *events, Days: *days, LineKm: *line, Noise: nz})
	stop()
	prog.done()
	return err
}

// benchFusion runs the batch fusion over a stream with ground truth and
// prints its figures as JSON.
func benchFusion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench fusion", "bench fusion --in FILE [--fit] [--labelled SHARE] [--model FILE] [--proposals N]")
	in := fs.String("in", "", "a stream written by truce simulate (or any stream in that format with true_event)")
	fit := fs.Bool("fit", false, "estimate the noise model from the stream before grouping")
	labelled := fs.Float64("labelled", 0, "share of reports whose truth is revealed to the fit as reviews, e.g. 0.05 (implies --fit)")
	modelFile := fs.String("model", "", "a model (JSON, as fusion.Model) to start from instead of the hand-set defaults")
	proposals := fs.Int("proposals", 20000, "reports to ask the review queue's proposals about, for recall at 1 and 3 (0: none)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *in == "" {
		return usagef(fs, "--in is required")
	}
	if *labelled < 0 || *labelled > 1 {
		return usagef(fs, "--labelled %v: want a share in [0, 1]", *labelled)
	}
	if *proposals < 0 {
		return usagef(fs, "--proposals must be at least 0")
	}
	opts := fusion.BenchOptions{Fit: *fit, Labelled: *labelled, Proposals: *proposals}
	if *modelFile != "" {
		b, err := os.ReadFile(*modelFile)
		if err != nil {
			return err
		}
		m, err := fusion.DecodeModel(b)
		if err != nil {
			return fmt.Errorf("--model %s: %w", *modelFile, err)
		}
		opts.Start = &m
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	prog := newProgress(e, false)
	counted := &countingReader{r: f}
	stop := prog.watch(ctx, "bench fusion: reading bytes", counted.count)
	_, reports, truth, err := simulate.Read(bufio.NewReaderSize(counted, 1<<20))
	stop()
	prog.stage("bench fusion: reading bytes", counted.count(), size)
	if err != nil {
		prog.done()
		return fmt.Errorf("--in %s: %w", *in, err)
	}
	stop = prog.watch(ctx, "bench fusion: fusing reports, seconds", elapsedSeconds())
	res, err := fusion.RunBenchWith(ctx, reports, truth, opts)
	stop()
	prog.done()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
