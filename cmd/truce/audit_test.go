package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/store"
)

// serveApp opens a new data directory, lets fill write to it, serves it
// on a loopback port until the test ends and returns its URL and
// directory.
func serveApp(t *testing.T, fill func(ctx context.Context, a *app.App)) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	a, err := app.Open(ctx, app.Config{Dir: dir, Synchronous: "normal", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	fill(ctx, a)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Server.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})
	return "http://" + ln.Addr().String(), dir
}

// writeOrganisation records a public organisation and signs a checkpoint.
func writeOrganisation(t *testing.T, ctx context.Context, a *app.App, id string, body agreement.OrganisationBody) {
	t.Helper()
	_, err := a.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Record(store.Change{Entity: "organisation", ID: id, Version: 1, Public: true,
			Actor: store.Actor{User: "usr_test", Via: "cli"}, Body: body})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DB.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
}

// serveLog serves a new log holding a few changes on a loopback port and
// returns its URL and data directory.
func serveLog(t *testing.T) (string, string) {
	return serveApp(t, func(ctx context.Context, a *app.App) {
		writeOrganisation(t, ctx, a, "org_press", agreement.OrganisationBody{Name: "Press", ShortName: "P", Kind: "media", Country: "GE"})
	})
}

func TestAuditCommand(t *testing.T) {
	url, dir := serveLog(t)
	keyFile := filepath.Join(dir, ledger.VerifierKeyFile)
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	code, out, errOut := runCmd(t, nil, "audit", "--log", url, "--key-file", keyFile, "--state", state)
	if code != 0 || !strings.HasPrefix(out, "consistent: ") || !strings.Contains(out, "size 1 ") || !strings.Contains(out, "new: 1 changes: 0 committed, 1 public (organisation 1)") {
		t.Fatalf("audit: exit %d\n%s%s", code, out, errOut)
	}
	// Flags from the environment; the key as text; nothing new.
	env := map[string]string{"TRUCE_LOG": url, "TRUCE_KEY": strings.TrimSpace(string(key)), "TRUCE_STATE": state}
	if code, out, errOut := runCmd(t, env, "audit"); code != 0 || !strings.Contains(out, "(extends size 1)") || !strings.Contains(out, "new: 0 changes") {
		t.Fatalf("second audit: exit %d\n%s%s", code, out, errOut)
	}
	// A policy naming the log and requiring no witness gives the key.
	policy := filepath.Join(t.TempDir(), "policy")
	if err := os.WriteFile(policy, []byte("log "+string(key)+"quorum none\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, nil, "audit", "--log", url, "--policy", policy, "--state", state); code != 0 {
		t.Fatalf("audit with a policy: exit %d\n%s%s", code, out, errOut)
	}

	// Another key of the same name: the checkpoint is refused, exit 1.
	other := t.TempDir()
	if _, err := ledger.LoadOrCreateKeys(other, strings.SplitN(string(key), "+", 2)[0], nil); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCmd(t, nil, "audit", "--log", url, "--key-file", filepath.Join(other, ledger.VerifierKeyFile), "--state", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "unverified checkpoint claiming size 1") || !strings.Contains(errOut, "does not verify") {
		t.Fatalf("audit with another key: exit %d, %s", code, errOut)
	}
	// A policy that wants a witness nobody asked: exit 1.
	if err := os.WriteFile(policy, []byte("witness w "+witnessVKey+"\nquorum w\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCmd(t, nil, "audit", "--log", url, "--key-file", keyFile, "--policy", policy, "--state", state); code != 1 || !strings.Contains(errOut, "quorum w not met") {
		t.Fatalf("audit without the quorum: exit %d, %s", code, errOut)
	}
}

// witnessVKey is a cosignature/v1 key (type 0x04) of witness.example, from
// the Ed25519 seed of 32 zero bytes.
const witnessVKey = "witness.example+2f6d70a4+BDtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"

func TestAuditUsageAndUnreachable(t *testing.T) {
	url, dir := serveLog(t)
	keyFile := filepath.Join(dir, ledger.VerifierKeyFile)
	state := t.TempDir()
	badPolicy := filepath.Join(t.TempDir(), "policy")
	os.WriteFile(badPolicy, []byte("quorum everyone\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no flags", nil, "--log and --state are required"},
		{"no state", []string{"--log", url, "--key-file", keyFile}, "--log and --state are required"},
		{"no key", []string{"--log", url, "--state", state}, "--key or --key-file is required"},
		{"both keys", []string{"--log", url, "--state", state, "--key", "x", "--key-file", keyFile}, "not both"},
		{"a key that does not parse", []string{"--log", url, "--state", state, "--key", "truce.local/log/x+1234+AAAA"}, "does not parse"},
		{"a key file that is missing", []string{"--log", url, "--state", state, "--key-file", filepath.Join(dir, "nothing")}, "--key-file"},
		{"not a URL", []string{"--log", "127.0.0.1:8080", "--state", state, "--key-file", keyFile}, "want an http or https URL"},
		{"a bad policy", []string{"--log", url, "--state", state, "--key-file", keyFile, "--policy", badPolicy}, `quorum "everyone" is not defined`},
		{"an unknown flag", []string{"--logs", url}, "flag provided but not defined"},
		{"an argument", []string{"--log", url, "extra"}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, nil, append([]string{"audit"}, tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
	// A state directory of another log: usage.
	if code, _, errOut := runCmd(t, nil, "audit", "--log", url, "--key-file", keyFile, "--state", state); code != 0 {
		t.Fatalf("audit: exit %d %s", code, errOut)
	}
	otherURL, otherDir := serveLog(t)
	if code, _, errOut := runCmd(t, nil, "audit", "--log", otherURL, "--key-file", filepath.Join(otherDir, ledger.VerifierKeyFile), "--state", state); code != 2 || !strings.Contains(errOut, "audit state") {
		t.Fatalf("audit with another log's state: exit %d, %s", code, errOut)
	}
	// Nobody listening: could not check, exit 3.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	if code, _, errOut := runCmd(t, nil, "audit", "--log", dead, "--key-file", keyFile, "--state", state); code != 3 || !strings.Contains(errOut, "could not check") {
		t.Fatalf("audit of a log that is down: exit %d, %s", code, errOut)
	}
	// Help, on standard output, lists the exit codes.
	if code, out, _ := runCmd(t, nil, "audit", "-h"); code != 0 || !strings.Contains(out, "3  could not check") || !strings.Contains(out, "/log/key") {
		t.Fatalf("audit -h: exit %d, %s", code, out)
	}
}
