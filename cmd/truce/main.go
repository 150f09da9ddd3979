// Command truce is the information system of a joint ceasefire monitoring
// centre. See README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program, with its environment passed in so that tests
// can run it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "truce: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := cmd(ctx, env, args[1:]); err != nil {
		if code, ok := err.(exitCode); ok {
			return int(code)
		}
		fmt.Fprintf(stderr, "truce %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

const usage = `truce — information system of a joint ceasefire monitoring centre

Usage: truce <command> [flags]

Commands:
  serve     serve the API, the log and the web interface
  demo      load the built-in scenario and serve it (--no-serve: load and exit)
  user      manage accounts: add, list, disable, reset-password, roles
  token     manage API tokens: create, list, revoke
  report    generate a daily report, an implementation report or a summary
  export    export one kind of record to GeoJSON, GeoPackage, KML or CSV (with HXL tags), as the kind's list filters it
  import    import allegations, observations, layers or places from a file (CSV, GeoJSON, ACLED, stream…)
  verify    check the change log, the Merkle tree, the checkpoints and every projection
  audit     check a served log from outside: signature, cosignatures, consistency, entries
  proof     verify a proof bundle of a change or an issued report offline (proof verify FILE --key KEY)
  bench     measure the system (log appends, verify, proofs, demo load, fusion)
  simulate  write a simulated report stream with ground truth (docs/stream-format.md)
  store     copy the whole database to another (SQLite to PostgreSQL and back), proving the copy
  backup    an online backup of the SQLite database, proven by verify
  restore   a data directory from a backup and the log's keys, proven by verify
  witness   cosign checkpoints of transparency logs (C2SP tlog-witness), the centre's or any other
  version   print the version and the commit
  openapi   print the API's OpenAPI document (no data directory needed)

Every flag has an environment equivalent: --data is TRUCE_DATA, --addr is TRUCE_ADDR.
The database is SQLite in --data unless --db (TRUCE_DB) names PostgreSQL
(postgres://user:password@host/database); --data then keeps the log's keys and files.
Run 'truce <command> -h' for a command's flags.
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

type command func(ctx context.Context, e *env, args []string) error

var commands = map[string]command{
	"serve":    cmdServe,
	"demo":     cmdDemo,
	"verify":   cmdVerify,
	"audit":    cmdAudit,
	"version":  cmdVersion,
	"bench":    cmdBench,
	"user":     cmdUser,
	"simulate": cmdSimulate,
	"token":    cmdToken,
	"report":   cmdReport,
	"export":   cmdExport,
	"witness":  cmdWitness,
	"store":    cmdStore,
	"backup":   cmdBackup,
	"restore":  cmdRestore,
	"proof":    cmdProof,
	"import":   cmdImport,
}
