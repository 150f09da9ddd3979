package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"

	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/store"
)

const storeUsage = `Usage: truce store copy --from DIR [--from-db URL] --to DIR2|postgres://... [--to-db URL]

Copies the whole database — the change log, the tree's stored hashes, the
checkpoints, every projection and side table — to a new, empty database,
then proves the copy: the same tree root, the latest checkpoint opening
with the log's key, and truce verify clean on the copy. The source is
verified first; a broken log is not copied.

  --to postgres://...           the same data directory's keys, the database moved to PostgreSQL
  --to DIR2                     SQLite in DIR2 (keys and files copied there)
  --to DIR2 --to-db URL         PostgreSQL at URL, keys and files in DIR2
  --from DIR --from-db URL      the source is in PostgreSQL (keys in DIR); --to DIR: back to SQLite
`

func cmdStore(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand(e, args, storeUsage)
	if err != nil {
		return err
	}
	if sub == "copy" {
		return cmdStoreCopy(ctx, e, args)
	}
	return unknownSub(e, "store", sub, storeUsage)
}

func cmdStoreCopy(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "store copy", "store copy --from DIR [--from-db URL] --to DIR2|postgres://... [--to-db URL]")
	from := fs.String("from", "", "data directory of the source (its keys and files; its database unless --from-db)")
	fromDB := fs.String("from-db", "", "PostgreSQL URL of the source's database (default: SQLite in --from)")
	to := fs.String("to", "", "data directory of the copy, or a postgres:// URL: the database moved there, the keys staying in --from")
	toDB := fs.String("to-db", "", "PostgreSQL URL of the copy's database (default: SQLite in --to)")
	quiet := fs.Bool("quiet", false, "print only the summary")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *from == "" {
		return usagef(fs, "--from is required (the source's data directory, or TRUCE_FROM)")
	}
	if *to == "" {
		return usagef(fs, "--to is required (a data directory or a postgres:// URL, or TRUCE_TO)")
	}
	if err := checkNamedDB(fs, "--from-db", *fromDB); err != nil {
		return err
	}
	if err := checkNamedDB(fs, "--to-db", *toDB); err != nil {
		return err
	}
	target := app.Place{Dir: *to, Database: *toDB}
	if store.IsDatabaseURL(*to) {
		if *toDB != "" {
			return usagef(fs, "--to names a database already; --to-db is for --to DIR")
		}
		target = app.Place{Dir: *from, Database: *to}
	}
	prog := newProgress(e, *quiet)
	res, err := app.CopyStore(ctx, app.Place{Dir: *from, Database: *fromDB}, target, prog.stage)
	prog.done()
	err = dataDirError("--from", *from, err)
	printBroken(e, err)
	if err != nil {
		return err
	}
	rate := float64(res.Changes) / res.Elapsed.Seconds()
	fmt.Fprintf(e.stdout, "copied %d changes (%d rows, %d tables, %d files) from %s to %s in %.2fs (%.0f changes/s)\n",
		res.Changes, res.Rows, res.Tables, res.Files, res.From, res.To, res.Elapsed.Seconds(), rate)
	fmt.Fprintf(e.stdout, "same root: %s at size %d; latest checkpoint (size %d) opens with the log's key\n",
		base64.StdEncoding.EncodeToString(res.Root[:]), res.Changes, res.Checkpoint)
	fmt.Fprintf(e.stdout, "verify: source intact (%d changes, %.2fs), copy intact (%d changes, %d records, %d checkpoints, %.2fs)\n",
		res.Source.Changes, res.Source.Elapsed.Seconds(), res.Target.Changes, res.Target.Records, res.Target.Checkpoints, res.Target.Elapsed.Seconds())
	return nil
}

// checkNamedDB refuses a database flag that is not a PostgreSQL URL.
func checkNamedDB(fs *flag.FlagSet, name, s string) error {
	if s != "" && !store.IsDatabaseURL(s) {
		return usagef(fs, "%s: %s is not a postgres:// or postgresql:// URL", name, store.RedactURL(s))
	}
	return nil
}
