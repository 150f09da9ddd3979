package main

import (
	"context"
	"fmt"
)

func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "verify --data DIR [--db URL]")
	dir := fs.String("data", "", "data directory to check (required)")
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
	db, err := openAudit(ctx, fs, *dir, *database)
	if err != nil {
		return err
	}
	defer db.Close()
	prog := newProgress(e, *quiet)
	rep, err := db.Verify(ctx, prog.stage)
	prog.done()
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
		return exitCode(exitFailed)
	}
	return nil
}
