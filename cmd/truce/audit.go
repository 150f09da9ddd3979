package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/truce-monitoring/truce/internal/audit"
)

const auditHelp = `
truce audit checks a Truce log from its public endpoints (/log/checkpoint,
/log/tile/...) as an outside monitor: the checkpoint's signature with the
log's key, the witnesses' cosignatures against --policy, that the tree
extends the one accepted last time (kept in --state), and that every new
entry parses and the entries hash to the signed root. It then prints what
is new: how many changes, the kinds of the public ones, the committed ones
as a count.

Get the log's key out of band (from the centre's letter, a side's liaison,
a file you were given): the key served at /log/key by the same server
proves nothing, since whoever could rewrite the log could replace it too.

A policy file is C2SP tlog-policy: log <vkey>, witness <name> <vkey>,
group <name> all|any|<k> <name>..., quorum <name>|none.

Exit codes:
  0  consistent: the checkpoint is accepted and saved
  1  inconsistent: a bad signature, too few cosignatures, a smaller tree, a
     fork (a different root at the same size), a failed consistency proof,
     a malformed entry or entries that do not hash to the signed root
  2  usage: bad flags, a key or a policy that does not parse, a state
     directory that holds another log's state
  3  could not check: the log could not be reached or read (the log is not
     proven inconsistent; run again)
`

func cmdAudit(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit", "audit --log URL --key VKEY|--key-file FILE --state DIR [--policy FILE]")
	withHelp(fs, auditHelp)
	logURL := fs.String("log", "", "the Truce server's URL (the log is under URL/log/)")
	key := fs.String("key", "", "the log's verifier key (note vkey), obtained out of band")
	keyFile := fs.String("key-file", "", "a file holding the log's verifier key (e.g. the centre's log.pub)")
	stateDir := fs.String("state", "", "directory where the last accepted checkpoint is kept")
	policyFile := fs.String("policy", "", "a C2SP tlog-policy file: the witnesses and the quorum of cosignatures required")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long (exit 3)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	usage := func(format string, a ...any) error {
		fmt.Fprintf(e.stderr, "truce audit: "+format+"\n", a...)
		return exitCode(2)
	}
	if *logURL == "" || *stateDir == "" {
		return usage("--log and --state are required (or TRUCE_LOG, TRUCE_STATE)")
	}
	if u, err := url.Parse(*logURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usage("--log %q: want an http or https URL such as https://truce.example.org", *logURL)
	}
	var policy *audit.Policy
	if *policyFile != "" {
		data, err := os.ReadFile(*policyFile)
		if err != nil {
			return usage("--policy: %v", err)
		}
		if policy, err = audit.ParsePolicy(data); err != nil {
			return usage("--policy %s: %v", *policyFile, err)
		}
	}
	vkey := *key
	switch {
	case *key != "" && *keyFile != "":
		return usage("give --key or --key-file, not both")
	case *keyFile != "":
		data, err := os.ReadFile(*keyFile)
		if err != nil {
			return usage("--key-file: %v", err)
		}
		vkey = strings.TrimSpace(string(data))
	case *key == "" && policy != nil && len(policy.Logs) == 1:
		vkey = policy.Logs[0].Key
	case *key == "":
		return usage("--key or --key-file is required (the log's verifier key, obtained out of band)")
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return usage("the log's key %.60q does not parse: %v", vkey, err)
	}
	if policy != nil && len(policy.Logs) > 0 && !policyHasLog(policy, vkey) {
		return usage("the log's key is not one of the logs the policy lists")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rep, err := audit.Run(ctx, audit.Config{URL: *logURL, Key: verifier, Policy: policy, StateDir: *stateDir,
		Client: &http.Client{Transport: http.DefaultTransport}})
	switch {
	case errors.Is(err, audit.ErrInconsistent):
		fmt.Fprintf(e.stderr, "truce audit: %v\n", err)
		return exitCode(1)
	case errors.Is(err, audit.ErrState):
		return usage("%v", err)
	case err != nil:
		fmt.Fprintf(e.stderr, "truce audit: could not check %s: %v\n", *logURL, err)
		return exitCode(3)
	}
	printAudit(e, rep)
	return nil
}

func policyHasLog(p *audit.Policy, vkey string) bool {
	for _, l := range p.Logs {
		if l.Key == vkey {
			return true
		}
	}
	return false
}

func printAudit(e *env, r audit.Report) {
	if r.First {
		fmt.Fprintf(e.stdout, "consistent: %s size %d root %s (first audit: nothing saved before)\n", r.Origin, r.Size, r.Root)
	} else {
		fmt.Fprintf(e.stdout, "consistent: %s size %d root %s (extends size %d)\n", r.Origin, r.Size, r.Root, r.OldSize)
	}
	var kinds []string
	var public int64
	for k, n := range r.Public {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		public += n
	}
	sort.Strings(kinds)
	fmt.Fprintf(e.stdout, "new: %d changes: %d committed, %d public", r.New, r.Committed, public)
	if len(kinds) > 0 {
		fmt.Fprintf(e.stdout, " (%s)", strings.Join(kinds, ", "))
	}
	fmt.Fprintln(e.stdout)
	if names := r.Cosigned.Names(); len(names) > 0 {
		var by []string
		for _, n := range names {
			by = append(by, n+" at "+r.Cosigned.By[n].Format(time.RFC3339))
		}
		fmt.Fprintf(e.stdout, "cosigned by: %s\n", strings.Join(by, ", "))
	}
	if len(r.Cosigned.Invalid) > 0 {
		fmt.Fprintf(e.stdout, "WARNING: invalid cosignatures from: %s\n", strings.Join(r.Cosigned.Invalid, ", "))
	}
	fmt.Fprintf(e.stdout, "read %d requests, %d bytes in %.2fs\n", r.Requests, r.Bytes, r.Elapsed.Seconds())
}
