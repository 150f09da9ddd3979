package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/store"
)

func cmdBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup", "backup --data DIR --to FILE")
	dir := fs.String("data", "", "data directory whose SQLite database to back up (a server may be running on it; required)")
	database := dbFlag(fs)
	to := fs.String("to", "", "the backup file to write (never replaced)")
	quiet := fs.Bool("quiet", false, "print only the summary")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if err := needData(fs, *dir, *database); err != nil {
		return err
	}
	if *to == "" {
		return usagef(fs, "--to is required: the backup file (or TRUCE_TO)")
	}
	if *database != "" {
		return store.ErrBackupPostgres
	}
	prog := newProgress(e, *quiet)
	res, err := app.Backup(ctx, *dir, *database, *to, prog.stage)
	prog.done()
	err = dataDirError("--data", *dir, err)
	printBroken(e, err)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s in %.2fs: %d changes, root %s, latest checkpoint at size %d\n",
		*dir, *to, res.Elapsed.Seconds(), res.Head.Size, base64.StdEncoding.EncodeToString(res.Head.Root[:]), res.Head.Checkpoint)
	fmt.Fprintf(e.stdout, "verify: the backup is intact (%d changes, %d records, %d checkpoints, %d erased)\n",
		res.Verify.Changes, res.Verify.Records, res.Verify.Checkpoints, len(res.Verify.Erased))
	fmt.Fprintf(e.stdout, "the backup holds the database only: keep %s's log.key, log.pub, attachments/ and reports/ with it\n", *dir)
	return nil
}

func cmdRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "restore", "restore --from FILE --data DIR [--keys KEYDIR]")
	from := fs.String("from", "", "the backup file (truce backup's)")
	dir := fs.String("data", "", "data directory to restore into; it must hold no database")
	keys := fs.String("keys", "", "data directory (or a copy of it) holding the log's keys, attachments and reports, copied into --data (default: --data holds them)")
	quiet := fs.Bool("quiet", false, "print only the summary")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *from == "" {
		return usagef(fs, "--from is required: the backup file (or TRUCE_FROM)")
	}
	if *dir == "" {
		return usagef(fs, "--data is required (or TRUCE_DATA): the data directory to restore into")
	}
	prog := newProgress(e, *quiet)
	res, err := app.RestoreBackup(ctx, *from, *keys, *dir, prog.stage)
	prog.done()
	printBroken(e, err)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored %s into %s (%d files copied) in %.2fs: %d changes, root %s, latest checkpoint at size %d\n",
		*from, *dir, res.Files, res.Elapsed.Seconds(), res.Head.Size, base64.StdEncoding.EncodeToString(res.Head.Root[:]), res.Head.Checkpoint)
	fmt.Fprintf(e.stdout, "verify: intact (%d changes, %d records, %d checkpoints, %d erased)\n",
		res.Verify.Changes, res.Verify.Records, res.Verify.Checkpoints, len(res.Verify.Erased))
	return nil
}

// printBroken prints the problems of a log that did not verify.
func printBroken(e *env, err error) {
	var broken *app.BrokenError
	if errors.As(err, &broken) {
		for _, p := range broken.Report.Problems {
			fmt.Fprintf(e.stdout, "BROKEN %s %s\n", broken.Which, p)
		}
	}
}
