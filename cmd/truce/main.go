// Command truce is the information system of a joint ceasefire monitoring
// centre. See README.md and docs/cli.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes, the same for every command (audit adds 3: could not check).
const (
	exitOK     = 0 // done; a check found nothing wrong
	exitFailed = 1 // a check failed, or the operation could not be done (a missing data directory included)
	exitUsage  = 2 // the command line is wrong: unknown command or flag, a required flag missing, a bad value
)

// run is the whole program, with its environment passed in so that tests
// can run it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	if isHelp(args[0]) {
		fmt.Fprint(stdout, usage())
		return exitOK
	}
	cmd := findCommand(args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "truce: unknown command %q\n\n%s", args[0], usage())
		return exitUsage
	}
	err := cmd.run(ctx, e, args[1:])
	var code exitCode
	var usageErr *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "truce %s: %s\nRun 'truce %s -h' for its flags.\n", usageErr.cmd(args[0]), usageErr.msg, usageErr.cmd(args[0]))
		return exitUsage
	}
	fmt.Fprintf(stderr, "truce %s: %v\n", args[0], err)
	return exitFailed
}

// isHelp reports whether a word asks for help.
func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" || s == "help" }

// A command is one word of the command line: its one-line summary (for
// truce help) and, for a command made of subcommands, their names (for
// docs/cli.md, which the tests generate from each one's -h).
type commandInfo struct {
	name    string
	summary string
	subs    []string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands are listed in the order truce help and docs/cli.md show them.
var commands = []commandInfo{
	{"init", "make a new data directory: the log's keys and the database's schema", nil, cmdInit},
	{"serve", "serve the API, the log and the web interface (makes --data on first start)", nil, cmdServe},
	{"demo", "load the built-in scenario and serve it (--no-serve: load and exit)", nil, cmdDemo},
	{"user", "manage accounts: add, list, disable, reset-password, roles", userSubs, cmdUser},
	{"token", "manage API tokens: create, list, revoke", tokenSubs, cmdToken},
	{"report", "generate a daily report, an implementation report or a summary", []string{"daily", "implementation", "summary"}, cmdReport},
	{"export", "export one kind of record to GeoJSON, GeoPackage, KML or CSV (with HXL tags), as the kind's list filters it", nil, cmdExport},
	{"import", "import allegations, observations, layers or places from a file (CSV, GeoJSON, ACLED, stream…)", nil, cmdImport},
	{"verify", "check the change log, the Merkle tree, the checkpoints and every projection", nil, cmdVerify},
	{"audit", "check a served log from outside: signature, cosignatures, consistency, entries", nil, cmdAudit},
	{"proof", "verify a proof bundle of a change or an issued report offline", []string{"verify"}, cmdProof},
	{"backup", "an online backup of the SQLite database, proven by verify", nil, cmdBackup},
	{"restore", "a data directory from a backup and the log's keys, proven by verify", nil, cmdRestore},
	{"store", "copy the whole database to another (SQLite to PostgreSQL and back), proving the copy", []string{"copy"}, cmdStore},
	{"witness", "cosign checkpoints of transparency logs (C2SP tlog-witness), the centre's or any other", nil, cmdWitness},
	{"bench", "measure the system (log appends, verify, proofs, demo load, fusion, load)", benchSubs, cmdBench},
	{"simulate", "write a simulated report stream with ground truth (docs/stream-format.md)", nil, cmdSimulate},
	{"version", "print the version and the commit", nil, cmdVersion},
	{"openapi", "print the API's OpenAPI document (no data directory needed)", nil, cmdOpenAPI},
}

func findCommand(name string) *commandInfo {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// usage is truce help: the commands, the data directory, the exit codes.
func usage() string {
	var b strings.Builder
	b.WriteString("truce — information system of a joint ceasefire monitoring centre\n\nUsage: truce <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString(usageNotes)
	return b.String()
}

const usageNotes = `
Every flag has an environment equivalent: --data is TRUCE_DATA, --addr is TRUCE_ADDR.
The database is SQLite in --data unless --db (TRUCE_DB) names PostgreSQL
(postgres://user:password@host/database); --data then keeps the log's keys and files.

Only init, serve and demo start a new log in --data (restore and store copy
write a copy of an existing one); every other command refuses a data
directory that does not hold one, and creates nothing.

Exit codes:
  0  done; a check found nothing wrong
  1  a check failed (verify, audit, proof verify), or the operation could
     not be done: a missing data directory, a refused record, an
     unreachable database
  2  usage: an unknown command or flag, a required flag missing, a value
     that does not parse
  (audit also exits 3 when the log could not be reached: nothing proven)

Run 'truce <command> -h' for a command's flags; docs/cli.md has them all.
`

type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// exitCode ends the program with a code and no further message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// usageError is a command line that is wrong: run prints it with a
// pointer to the command's -h and exits 2.
type usageError struct {
	command string // "user add"; "" for the first word of the command line
	msg     string
}

func (u *usageError) Error() string { return u.msg }

func (u *usageError) cmd(first string) string {
	if u.command != "" {
		return u.command
	}
	return first
}

// usagef is a usage error of the command whose flags are fs (nil: the
// first word of the command line).
func usagef(fs *flag.FlagSet, format string, a ...any) error {
	u := &usageError{msg: fmt.Sprintf(format, a...)}
	if fs != nil {
		u.command = strings.TrimPrefix(fs.Name(), "truce ")
	}
	return u
}
