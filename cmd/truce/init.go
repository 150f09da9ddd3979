package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/store"
)

const initHelp = `
init makes a new data directory: the directory (mode 0700), the log's
signing key (log.key, mode 0600) and verifier key (log.pub), and the
database's schema (SQLite's truce.db in --data, or the tables in the
PostgreSQL database --db names). It refuses a directory that is not empty
and a database that holds a log already. truce serve does the same on its
first start; every other command needs a data directory made this way.
`

// cmdInit makes a new, empty data directory and says what it made.
func cmdInit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "init", "init --data DIR [--db URL]")
	withHelp(fs, initHelp)
	dir := fs.String("data", "", "the data directory to make: new, or empty (required)")
	database := dbFlag(fs)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef(fs, "--data is required (or TRUCE_DATA): the directory to make")
	}
	if err := checkDB(fs, *database); err != nil {
		return err
	}
	entries, err := os.ReadDir(*dir)
	existed := err == nil
	switch {
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("--data: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("--data: %s is not empty: init makes a new data directory (to use this one, give it to the other commands as it is)", *dir)
	}
	a, err := app.Open(ctx, app.Config{Dir: *dir, Database: *database, Version: version})
	if err != nil {
		if !existed {
			os.RemoveAll(*dir) // made by this command, half way
		}
		return err
	}
	keys, where := a.DB.Keys(), a.DB.Where()
	if err := a.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "made data directory %s\n", *dir)
	fmt.Fprintf(e.stdout, "  %-9s the log's signing key (mode 0600): keep it secret, and back it up with the database\n", ledger.SignerKeyFile)
	fmt.Fprintf(e.stdout, "  %-9s the log's verifier key: give it to the sides and auditors (truce audit --key-file)\n", ledger.VerifierKeyFile)
	if *database == "" {
		fmt.Fprintf(e.stdout, "  %-9s the database (SQLite), its schema made\n", store.DBFile)
	} else {
		fmt.Fprintf(e.stdout, "  the database's schema made in PostgreSQL at %s\n", where)
	}
	fmt.Fprintf(e.stdout, "log origin: %s\nverifier key: %s\n", keys.Origin, keys.Public)
	db := ""
	if *database != "" {
		db = " --db " + store.RedactURL(*database)
	}
	fmt.Fprintf(e.stdout, "next: truce serve --data %s%s\n", filepath.Clean(*dir), db)
	return nil
}
