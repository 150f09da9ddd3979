package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/truce-monitoring/truce/internal/store"
)

// newFlags returns a flag set for a command.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("truce "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: truce %s\n\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintln(e.stderr, "\nEach flag can also be set as TRUCE_<NAME> in the environment (e.g. --data is TRUCE_DATA).")
	}
	return fs
}

// parse parses args, then fills every flag not given on the command line
// from its TRUCE_* environment variable. Positional arguments are refused.
func parse(fs *flag.FlagSet, e *env, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitCode(0)
		}
		return exitCode(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "truce: unexpected argument %q\n", fs.Arg(0))
		return exitCode(2)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		key := "TRUCE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := e.getenv(key); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = fmt.Errorf("%s: %v", key, serr)
			}
		}
	})
	return err
}

// dbFlag adds --db: PostgreSQL for the database, the data directory
// keeping the log's keys and the files records point to.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "PostgreSQL URL (postgres://user:password@host:port/database) to keep the database in; --data still holds the log's keys and files (default: SQLite in --data)")
}

// checkDB refuses a --db that is not a PostgreSQL URL.
func checkDB(s string) error {
	if s != "" && !store.IsDatabaseURL(s) {
		return fmt.Errorf("--db: %s is not a postgres:// or postgresql:// URL (leave --db unset for SQLite in --data)", store.RedactURL(s))
	}
	return nil
}

// newLogger returns the structured logger: text on a terminal, JSON when
// piped (for log collectors), at the given level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
