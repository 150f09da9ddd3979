package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/truce-monitoring/truce/internal/witness"
)

// logList is the repeatable --log flag.
type logList []witness.Log

func (l *logList) String() string {
	var s []string
	for _, g := range *l {
		s = append(s, g.Origin+"="+strings.Join(g.Keys, ","))
	}
	return strings.Join(s, " ")
}

func (l *logList) Set(v string) error {
	g, err := witness.ParseLog(v)
	if err != nil {
		return err
	}
	*l = append(*l, g)
	return nil
}

func cmdWitness(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "witness", "witness --state DIR --log ORIGIN=VERIFIERKEY [--log ...] [--logs FILE] [--name NAME] [--addr HOST:PORT]")
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
	state := fs.String("state", "", "state directory: the witness key (created at first start, mode 0600), witness.pub and the latest cosigned checkpoint of each log")
	name := fs.String("name", "", "the witness's key name, e.g. witness.side-a.example (needed at first start; then read from the key)")
	var logs logList
	fs.Var(&logs, "log", "a log to cosign for, as ORIGIN=VERIFIERKEY (repeatable; a log with several keys is named once per key)")
	logsFile := fs.String("logs", "", "a file of logs to cosign for, one ORIGIN=VERIFIERKEY a line (# comments)")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *state == "" {
		return usagef(fs, "--state is required (or TRUCE_STATE)")
	}
	if *logsFile != "" {
		f, err := os.Open(*logsFile)
		if err != nil {
			return fmt.Errorf("--logs: %w", err)
		}
		more, err := witness.ParseLogs(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--logs %s: %w", *logsFile, err)
		}
		logs = append(logs, more...)
	}
	if len(logs) == 0 {
		return usagef(fs, "no log to cosign for: give --log ORIGIN=VERIFIERKEY or --logs FILE")
	}
	log, err := newLogger(e.stderr, *level)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	defer ln.Close()
	w, err := witness.Open(ctx, witness.Config{Dir: *state, Name: *name, Logs: logs, Log: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "witness %s\nverifier key %s (in %s)\n", w.Name(), w.VerifierKey(), filepath.Join(*state, witness.VerifierKeyFile))
	for _, l := range logs {
		fmt.Fprintf(e.stdout, "cosigning for %s\n", l.Origin)
	}
	fmt.Fprintf(e.stdout, "serving on http://%s/add-checkpoint\n", ln.Addr())
	log.Info("witness serving", "addr", ln.Addr().String(), "name", w.Name(), "state", *state, "logs", len(logs))
	return w.Serve(ctx, ln)
}
