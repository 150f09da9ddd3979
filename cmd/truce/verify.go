package main

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/app"
)

func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "verify --data DIR [--db URL]")
	dir := fs.String("data", "", "data directory to check")
	database := dbFlag(fs)
	quiet := fs.Bool("quiet", false, "print only problems and the summary")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	if *dir == "" {
		return fmt.Errorf("--data is required (or TRUCE_DATA)")
	}
	if err := checkDB(*database); err != nil {
		return err
	}
	db, err := app.OpenForAudit(ctx, *dir, *database)
	if err != nil {
		return err
	}
	defer db.Close()
	tty := isTerminal(e.stderr) && !*quiet
	last := time.Now()
	rep, err := db.Verify(ctx, func(stage string, done, total int64) {
		if tty && time.Since(last) > 200*time.Millisecond {
			last = time.Now()
			if total > 0 {
				fmt.Fprintf(e.stderr, "\r%s: %d/%d ", stage, done, total)
			} else {
				fmt.Fprintf(e.stderr, "\r%s: %d ", stage, done)
			}
		}
	})
	if tty {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(e.stdout, "BROKEN %s\n", p)
	}
	if !*quiet {
		for _, p := range rep.Erased {
			fmt.Fprintf(e.stdout, "erased %s\n", p)
		}
	}
	status := "intact"
	if !rep.OK() {
		status = "BROKEN"
	}
	if rep.Changed > 0 || rep.Later > 0 {
		fmt.Fprintf(e.stdout, "written while checking (left to the next run): %d records changed, %d checkpoints signed\n", rep.Changed, rep.Later)
	}
	fmt.Fprintf(e.stdout, "%s: %d changes, %d records, %d checkpoints, %d erased, %d problems (%.2fs)\n",
		status, rep.Changes, rep.Records, rep.Checkpoints, len(rep.Erased), len(rep.Problems), rep.Elapsed.Seconds())
	if !rep.OK() {
		return exitCode(1)
	}
	return nil
}
