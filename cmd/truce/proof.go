package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/proof"
)

const proofHelp = `
truce proof verify checks a proof bundle (truce-proof/v1, docs/log-format.md)
offline, with no network: the checkpoint's signature with the log's key,
every cosignature line (with the policy's witness keys or the keys the
bundle carries) and the policy's quorum, the inclusion of the leaf at its
index under the checkpoint's root, the opening against the committed leaf,
the body against the leaf's hash and, for an issued report, the consistency
from the checkpoint its printed footer names and each --file against the
hashes the report lists.

--key is the log's verifier key as /log/key serves it, or a file holding it;
get it out of band (a letter, a liaison), not from the server that gave the
bundle. A policy file is C2SP tlog-policy (as for truce audit); its log line,
when there is one, may stand for --key.

Get a bundle with GET /api/v1/log/bundle?seq=N (a change you may read) or
GET /api/v1/reports/{id}/bundle (an issued report; a public one without an
account), or the links on the reports and history pages.

Exit codes:
  0  the bundle proves what it says (printed)
  1  the proof fails: a bad signature or cosignature, a quorum not met, a
     proof that does not verify, a bundle that does not parse, a file that
     is not one of the report's
  2  usage: bad flags, a key or policy that does not parse, a file that
     cannot be read
`

// files collects repeated --file flags.
type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func cmdProof(ctx context.Context, e *env, args []string) error {
	const proofUsage = "Usage: truce proof verify FILE --key KEY|FILE [--policy FILE] [--file REPORTFILE]...\n" + proofHelp
	sub, _, err := subcommand(e, args, proofUsage)
	if err != nil {
		return err
	}
	if sub != "verify" {
		return unknownSub(e, "proof", sub, proofUsage)
	}
	fs := newFlags(e, "proof verify", "proof verify FILE --key KEY|FILE [--policy FILE] [--file REPORTFILE]...")
	withHelp(fs, proofHelp)
	key := fs.String("key", "", "the log's verifier key (note vkey, as /log/key serves it) or a file holding it, obtained out of band")
	policyFile := fs.String("policy", "", "a C2SP tlog-policy file: the witnesses and the quorum of cosignatures required")
	var given files
	fs.Var(&given, "file", "a file of the report (PDF, HTML, JSON, CSV) to check against the hashes it lists; repeat for several")
	// The bundle may come before, between or after the flags.
	pos, err := parseInterspersed(fs, e, args[1:])
	if err != nil {
		return err
	}
	if err := fromEnv(fs, e); err != nil {
		return err
	}
	usage := func(format string, a ...any) error {
		fmt.Fprintf(e.stderr, "truce proof verify: "+format+"\n", a...)
		return exitCode(2)
	}
	if len(pos) != 1 {
		return usage("give one bundle file (got %d)", len(pos))
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
	vkey := strings.TrimSpace(*key)
	switch {
	case vkey == "" && policy != nil && len(policy.Logs) == 1:
		vkey = policy.Logs[0].Key
	case vkey == "":
		return usage("--key is required (the log's verifier key or a file holding it, obtained out of band)")
	case fileExists(vkey):
		data, err := os.ReadFile(vkey)
		if err != nil {
			return usage("--key: %v", err)
		}
		vkey = strings.TrimSpace(string(data))
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return usage("the log's key %.60q does not parse: %v", vkey, err)
	}
	if policy != nil && len(policy.Logs) > 0 && !policyHasLog(policy, vkey) {
		return usage("the log's key is not one of the logs the policy lists")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return usage("%v", err)
	}
	var fl []proof.File
	for _, name := range given {
		d, err := os.ReadFile(name)
		if err != nil {
			return usage("--file: %v", err)
		}
		fl = append(fl, proof.File{Name: name, Data: d})
	}
	res, err := proof.Verify(data, proof.Keys{Log: verifier, Policy: policy}, fl)
	if errors.Is(err, proof.ErrFailed) {
		fmt.Fprintf(e.stderr, "truce proof verify: %s: %v\n", pos[0], err)
		return exitCode(1)
	}
	if err != nil {
		return usage("%v", err)
	}
	printProof(e, pos[0], res)
	return nil
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

func printProof(e *env, name string, r proof.Result) {
	w := e.stdout
	fmt.Fprintf(w, "proven: %s\n", name)
	fmt.Fprintf(w, "log:        %s\n", r.Origin)
	fmt.Fprintf(w, "checkpoint: size %d, root %s (signed by the log's key)\n", r.Size, r.Root)
	switch {
	case r.Change != nil:
		c := r.Change
		fmt.Fprintf(w, "change:     log entry %d: %s %s version %d, by %s", r.Index, c.Entity, c.ID, c.Version, c.Actor)
		if c.Org != "" {
			fmt.Fprintf(w, " for %s", c.Org)
		}
		fmt.Fprintf(w, " via %s at %s\n", c.Via, c.At.Format(time.RFC3339Nano))
		how := "public leaf"
		if r.Opened {
			how = "committed leaf, opened"
		}
		fmt.Fprintf(w, "leaf:       %s, in the tree of the checkpoint\n", how)
		if r.BodyChecked {
			fmt.Fprintf(w, "body:       hashes to the leaf's body-sha256 %x\n", c.BodySHA256)
		} else {
			fmt.Fprintln(w, "body:       not in the bundle (erased, or not yours to read whole)")
		}
	default:
		fmt.Fprintf(w, "change:     log entry %d: a committed leaf, not opened (the bundle does not say which record)\n", r.Index)
	}
	for _, c := range r.Cosigners {
		trust := "key from the bundle, not from your policy: proves the line intact, not who signed it"
		if c.Policy != "" {
			trust = "witness " + c.Policy + " of the policy"
		}
		on := "the checkpoint"
		if c.Printed {
			on = "the printed checkpoint"
		}
		fmt.Fprintf(w, "cosigned:   %s on %s at %s (%s)\n", c.Name, on, c.Time.Format(time.RFC3339), trust)
	}
	if r.Quorum != "" {
		fmt.Fprintf(w, "quorum:     %s met\n", r.Quorum)
	} else {
		fmt.Fprintln(w, "quorum:     none required (no --policy)")
	}
	if rp := r.Report; rp != nil {
		b := rp.Body
		fmt.Fprintf(w, "report:     %s", b.Title)
		if b.Number != "" {
			fmt.Fprintf(w, " No. %s", b.Number)
		}
		fmt.Fprintf(w, " (%s edition), issued %s, data SHA-256 %s\n", b.Edition, b.IssuedAt.Format(time.RFC3339), b.DataSHA256)
		if rp.PrintedSize >= 0 {
			fmt.Fprintf(w, "footer:     after checkpoint %d root %x…: the bundle's tree extends it\n", rp.PrintedSize, rp.PrintedRoot[:8])
		}
		for _, f := range rp.Files {
			what := f.Format
			if f.Table != "" {
				what += " table " + f.Table
			}
			fmt.Fprintf(w, "file:       %s is the report's %s\n", f.Name, what)
		}
	}
}
