package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/pgtest"

	_ "modernc.org/sqlite"
)

// runCmd runs the program as a user would, with a controlled environment.
func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "truce ") || !strings.Contains(out, "commit") {
		t.Fatalf("version: %d %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"verify", "--nope"}, {"verify", "extra"}, {"bench"}, {"bench", "nothing"}} {
		if code, _, _ := runCmd(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := runCmd(t, nil, "verify"); code != 2 || !strings.Contains(errOut, "--data") {
		t.Errorf("verify without --data: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, nil, "serve", "--data", t.TempDir(), "--addr", "not an address"); code != 1 || !strings.Contains(errOut, "--addr") {
		t.Errorf("serve with a bad address: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, map[string]string{"TRUCE_LOG_LEVEL": "loud"}, "serve", "--data", t.TempDir()); code != 2 || !strings.Contains(errOut, "log-level") {
		t.Errorf("serve with a bad TRUCE_LOG_LEVEL: %d %q", code, errOut)
	}
}

func TestDemoThenVerifyThenTamper(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errOut := runCmd(t, nil, "demo", "--no-serve", "--data", dir)
	if code != 0 || !strings.Contains(out, "9 provisions") {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	if strings.Contains(errOut, "\r") || strings.Contains(errOut, "\033[") {
		t.Fatalf("demo drew progress on a standard error that is not a terminal: %q", errOut)
	}
	if code, _, _ := runCmd(t, nil, "demo", "--no-serve", "--data", dir); code != 1 {
		t.Fatalf("demo into a non-empty directory: exit %d", code)
	}
	// The data directory comes from the environment as well as the flag.
	code, out, _ = runCmd(t, map[string]string{"TRUCE_DATA": dir}, "verify")
	if code != 0 || !strings.HasPrefix(out, "intact:") {
		t.Fatalf("verify: %d %s", code, out)
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "truce.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE provisions SET number = '99' WHERE number = '6'`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	code, out, _ = runCmd(t, nil, "verify", "--data", dir)
	if code != 1 || !strings.Contains(out, "BROKEN provision prv_") || !strings.Contains(out, "column number") {
		t.Fatalf("verify after tampering: %d\n%s", code, out)
	}
}

func TestUserAndTokenCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	if code, _, errOut := runCmd(t, nil, "demo", "--no-serve", "--data", dir); code != 0 {
		t.Fatal(errOut)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"user", "add", "--data", dir, "--name", "bob", "--org", "Azerbaijan", "--role", "liaison", "--password-stdin"},
		func(string) string { return "" }, strings.NewReader("correct horse battery staple\n"), &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "created user bob") || strings.Contains(out.String(), "password:") {
		t.Fatalf("user add: %d %s %s", code, out.String(), errOut.String())
	}
	for _, bad := range [][]string{
		{"user", "add", "--data", dir, "--name", "eve", "--org", "Azerbaijan", "--role", "liaison,admin"},
		{"user", "add", "--data", dir, "--name", "eve", "--org", "Nowhere", "--role", "admin"},
		{"user", "add", "--data", dir, "--name", "eve", "--org", "Azerbaijan", "--role", "king"},
		{"user", "add", "--data", dir, "--name", "bob", "--org", "Azerbaijan", "--role", "liaison"},
		{"token", "create", "--data", dir, "--user", "nobody"},
	} {
		if code, _, _ := runCmd(t, nil, bad...); code != 1 {
			t.Errorf("%v: exit %d, want 1", bad, code)
		}
	}
	if code, _, _ := runCmd(t, nil, "token", "create", "--data", dir, "--user", "bob", "--expires", "-1h"); code != 2 {
		t.Errorf("token create --expires -1h: exit %d, want 2 (usage)", code)
	}
	code, tok, _ := runCmd(t, nil, "token", "create", "--data", dir, "--user", "bob", "--expires", "1h")
	if code != 0 || !strings.HasPrefix(tok, "truce_tok_") {
		t.Fatalf("token create: %d %q", code, tok)
	}
	code, list, _ := runCmd(t, nil, "token", "list", "--data", dir, "--user", "bob")
	if code != 0 || !strings.Contains(list, "active") {
		t.Fatalf("token list: %s", list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if code, out, _ := runCmd(t, nil, "token", "revoke", "--data", dir, "--id", id); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %s", out)
	}
	if code, out, _ := runCmd(t, nil, "user", "disable", "--data", dir, "--name", "bob"); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %s", out)
	}
	if code, out, _ := runCmd(t, nil, "user", "list", "--data", dir); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("list: %s", out)
	}
	if code, out, _ := runCmd(t, nil, "verify", "--data", dir); code != 0 {
		t.Fatalf("verify after account commands: %s", out)
	}
}

func TestSimulateAndBenchFusion(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.jsonl")
	if code, _, errOut := runCmd(t, nil, "simulate", "--seed", "7", "--events", "300", "--days", "30", "--out", out); code != 0 {
		t.Fatalf("simulate: %s", errOut)
	}
	code, res, errOut := runCmd(t, nil, "bench", "fusion", "--in", out)
	if code != 0 || !strings.Contains(res, `"pair_f1"`) || !strings.Contains(res, `"singleton_bcubed_f1"`) {
		t.Fatalf("bench fusion: %d %s %s", code, res, errOut)
	}
	if code, _, _ := runCmd(t, nil, "simulate", "--events", "0", "--out", out); code != 2 {
		t.Fatalf("simulate with no events: exit %d", code)
	}
	if code, _, _ := runCmd(t, nil, "bench", "fusion", "--in", filepath.Join(t.TempDir(), "missing")); code != 1 {
		t.Fatalf("bench fusion of a missing file: exit %d", code)
	}
}

// A basemap that is not there stops serve before it listens, by the flag
// or by its environment variable.
func TestServeBasemapMissing(t *testing.T) {
	missing := t.TempDir() + "/none.pmtiles"
	if code, _, errOut := runCmd(t, nil, "serve", "--data", t.TempDir(), "--basemap", missing); code != 1 || !strings.Contains(errOut, "--basemap") {
		t.Errorf("serve --basemap missing: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, map[string]string{"TRUCE_BASEMAP": missing}, "serve", "--data", t.TempDir()); code != 1 || !strings.Contains(errOut, "--basemap") {
		t.Errorf("TRUCE_BASEMAP missing: %d %q", code, errOut)
	}
}

// --db (TRUCE_DB) takes a PostgreSQL URL; anything else is refused naming
// the flag, and a server that does not answer stops start-up naming its
// address, never the password.
func TestDatabaseFlag(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"serve, not a URL", nil, []string{"serve", "--data", t.TempDir(), "--db", "truce.db"}, 2, "--db: truce.db is not a postgres://"},
		{"verify, another database", map[string]string{"TRUCE_DB": "mysql://u:topsecret@db/truce"}, []string{"verify", "--data", t.TempDir()}, 2, "--db: mysql://u:xxxxx@db/truce is not"},
		{"user, not a URL", nil, []string{"user", "list", "--data", t.TempDir(), "--db", "sqlite"}, 2, "--db"},
		{"serve, no server", nil, []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--db", "postgres://truce:topsecret@127.0.0.1:1/truce?connect_timeout=3"}, 1, "cannot reach PostgreSQL at 127.0.0.1 port 1"},
		{"demo, no server", map[string]string{"TRUCE_DB": "postgresql://truce:topsecret@127.0.0.1:1/truce?connect_timeout=3"}, []string{"demo", "--no-serve", "--data", filepath.Join(t.TempDir(), "d")}, 1, "cannot reach PostgreSQL at 127.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "topsecret") {
				t.Fatalf("exit %d, %q; want %d and %q, without the password", code, errOut, tc.code, tc.want)
			}
		})
	}
}

// The demo loads into PostgreSQL with its keys in --data, and verify
// finds the log intact there.
func TestDemoOnPostgres(t *testing.T) {
	u := pgtest.NewDatabase(t)
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errOut := runCmd(t, nil, "demo", "--no-serve", "--data", dir, "--db", u)
	if code != 0 || !strings.Contains(out, "9 provisions") {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "log.key")); err != nil {
		t.Fatalf("the log key is not in --data: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "truce.db")); err == nil {
		t.Fatal("an SQLite database was made in --data beside PostgreSQL")
	}
	code, out, errOut = runCmd(t, map[string]string{"TRUCE_DB": u}, "verify", "--data", dir)
	if code != 0 || !strings.HasPrefix(out, "intact:") {
		t.Fatalf("verify: %d %s %s", code, out, errOut)
	}
}
