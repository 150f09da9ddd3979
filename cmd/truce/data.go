package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/store"
)

// openApp opens an existing data directory (c.Dir, and c.Database when
// set) for a command that works on a log: a missing directory, or one
// that holds no log, is refused and nothing is created. Only init, serve
// and demo open with app.Open directly, to start a log.
func openApp(ctx context.Context, fs *flag.FlagSet, c app.Config) (*app.App, error) {
	if err := needData(fs, c.Dir, c.Database); err != nil {
		return nil, err
	}
	c.Existing = true
	a, err := app.Open(ctx, c)
	return a, dataDirError("--data", c.Dir, err)
}

// openAudit opens an existing data directory for verify, trusting nothing
// in it; as openApp, it creates nothing.
func openAudit(ctx context.Context, fs *flag.FlagSet, dir, database string) (*store.DB, error) {
	if err := needData(fs, dir, database); err != nil {
		return nil, err
	}
	db, err := app.OpenForAudit(ctx, dir, database)
	return db, dataDirError("--data", dir, err)
}

// needData refuses a command line without --data or with a --db that is
// not PostgreSQL's.
func needData(fs *flag.FlagSet, dir, database string) error {
	if dir == "" {
		return usagef(fs, "--data is required (or TRUCE_DATA): the data directory truce init, serve or demo made")
	}
	return checkDB(fs, database)
}

// dataDirError says how to make a data directory when dir, given as
// flag, is not one.
func dataDirError(flag, dir string, err error) error {
	if errors.Is(err, store.ErrNoDataDir) {
		return fmt.Errorf("%s: %w\n  nothing was created; give the data directory the log was started in, or make a new one with 'truce init --data %s' (or 'truce serve', 'truce demo')", flag, err, dir)
	}
	return err
}
