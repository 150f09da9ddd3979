package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/truce-monitoring/truce/internal/store"
)

// newFlags returns a flag set for a command; synopsis follows "Usage: truce".
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("truce "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: truce %s\n\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\nEach flag can also be set as TRUCE_<NAME> in the environment (e.g. --data is TRUCE_DATA).")
	}
	return fs
}

// withHelp adds text after a flag set's usage (what the command does, its
// exit codes).
func withHelp(fs *flag.FlagSet, text string) {
	base := fs.Usage
	fs.Usage = func() { base(); fmt.Fprint(fs.Output(), text) }
}

// parse parses args, then fills every flag not given on the command line
// from its TRUCE_* environment variable. Positional arguments are refused.
// -h prints the usage on standard output and ends with 0; a bad flag
// prints it on standard error and ends with 2.
func parse(fs *flag.FlagSet, e *env, args []string) error {
	pos, err := parseInterspersed(fs, e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef(fs, "unexpected argument %q", pos[0])
	}
	return fromEnv(fs, e)
}

// parseInterspersed parses flags with positional arguments before, between
// or after them, and returns the positional ones. It does not read the
// environment (parse, or fromEnv, does).
func parseInterspersed(fs *flag.FlagSet, e *env, args []string) ([]string, error) {
	var pos []string
	for {
		var msg bytes.Buffer
		fs.SetOutput(&msg)
		err := fs.Parse(args)
		fs.SetOutput(e.stderr)
		switch {
		case err == flag.ErrHelp:
			io.Copy(e.stdout, &msg)
			return nil, exitCode(exitOK)
		case err != nil:
			io.Copy(e.stderr, &msg)
			return nil, exitCode(exitUsage)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		if n := len(args) - fs.NArg(); n > 0 && args[n-1] == "--" {
			return append(pos, fs.Args()...), nil // after --, nothing is a flag
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// fromEnv fills every flag not given on the command line from its TRUCE_*
// environment variable.
func fromEnv(fs *flag.FlagSet, e *env) error {
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
				err = usagef(fs, "%s: %v", key, serr)
			}
		}
	})
	return err
}

// subcommand takes the first word of args for a command made of
// subcommands: none prints the command's usage on standard error (exit 2),
// -h or help on standard output (exit 0).
func subcommand(e *env, args []string, usage string) (string, []string, error) {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return "", nil, exitCode(exitUsage)
	}
	if isHelp(args[0]) {
		fmt.Fprint(e.stdout, usage)
		return "", nil, exitCode(exitOK)
	}
	return args[0], args[1:], nil
}

// unknownSub refuses a subcommand that is not one.
func unknownSub(e *env, command, sub, usage string) error {
	fmt.Fprintf(e.stderr, "truce %s: unknown command %q\n\n%s", command, sub, usage)
	return exitCode(exitUsage)
}

// dataFlags adds --data and --db, for a command that works on an existing
// data directory.
func dataFlags(fs *flag.FlagSet) (dir, database *string) {
	return fs.String("data", "", "data directory (made by truce init, serve or demo; required)"), dbFlag(fs)
}

// dbFlag adds --db: PostgreSQL for the database, the data directory
// keeping the log's keys and the files records point to.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "PostgreSQL URL (postgres://user:password@host:port/database) to keep the database in; --data still holds the log's keys and files (default: SQLite in --data)")
}

// checkDB refuses a --db that is not a PostgreSQL URL.
func checkDB(fs *flag.FlagSet, s string) error {
	if s != "" && !store.IsDatabaseURL(s) {
		return usagef(fs, "--db: %s is not a postgres:// or postgresql:// URL (leave --db unset for SQLite in --data)", store.RedactURL(s))
	}
	return nil
}

// newLogger returns the structured logger: text on a terminal, JSON when
// piped (for log collectors), at the given level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef(nil, "--log-level: %q is not debug, info, warn or error", level)
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
