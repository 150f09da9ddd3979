package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/pgtest"
)

// helpCases are every command and subcommand with flags its -h must list.
var helpCases = []struct {
	args  []string
	flags []string
}{
	{[]string{"init"}, []string{"-data", "-db"}},
	{[]string{"serve"}, []string{"-data", "-db", "-addr", "-witness"}},
	{[]string{"demo"}, []string{"-data", "-no-serve", "-quiet"}},
	{[]string{"user"}, []string{"add", "reset-password", "roles"}},
	{[]string{"user", "add"}, []string{"-data", "-db", "-name", "-org", "-role", "-password-stdin"}},
	{[]string{"user", "list"}, []string{"-data", "-db"}},
	{[]string{"user", "disable"}, []string{"-data", "-name"}},
	{[]string{"user", "reset-password"}, []string{"-data", "-name", "-password-stdin"}},
	{[]string{"user", "roles"}, []string{"-data", "-name", "-role", "-org"}},
	{[]string{"token"}, []string{"create", "list", "revoke"}},
	{[]string{"token", "create"}, []string{"-data", "-user", "-expires"}},
	{[]string{"token", "list"}, []string{"-data", "-user"}},
	{[]string{"token", "revoke"}, []string{"-data", "-id"}},
	{[]string{"report"}, []string{"daily", "implementation", "summary"}},
	{[]string{"report", "daily"}, []string{"-data", "-date", "-edition", "-format"}},
	{[]string{"report", "implementation"}, []string{"-data", "-agreement"}},
	{[]string{"report", "summary"}, []string{"-data", "-from", "-to"}},
	{[]string{"export"}, []string{"KIND", "-data", "-format", "-filter", "-quiet"}},
	{[]string{"export", "incidents"}, []string{"-data", "-format", "-filter"}},
	{[]string{"import"}, []string{"KIND", "-data", "-as", "-dry-run", "-quiet"}},
	{[]string{"import", "allegations"}, []string{"-data", "-as", "-partial"}},
	{[]string{"verify"}, []string{"-data", "-db", "-quiet"}},
	{[]string{"audit"}, []string{"-log", "-key", "-state", "-policy", "Exit codes"}},
	{[]string{"proof"}, []string{"verify", "Exit codes"}},
	{[]string{"proof", "verify"}, []string{"-key", "-policy", "-file"}},
	{[]string{"backup"}, []string{"-data", "-to", "-quiet"}},
	{[]string{"restore"}, []string{"-from", "-data", "-keys"}},
	{[]string{"store"}, []string{"copy"}},
	{[]string{"store", "copy"}, []string{"-from", "-to", "-to-db", "-quiet"}},
	{[]string{"witness"}, []string{"-state", "-log", "-addr"}},
	{[]string{"bench"}, []string{"log", "fusion", "ceiling"}},
	{[]string{"bench", "log"}, []string{"-changes", "-writers", "-db"}},
	{[]string{"bench", "demo"}, []string{"-runs"}},
	{[]string{"bench", "fusion"}, []string{"-in"}},
	{[]string{"bench", "load"}, []string{"-allegations", "-clients"}},
	{[]string{"bench", "ceiling"}, []string{"-seed", "-events"}},
	{[]string{"bench", "score"}, []string{"-in", "-assign"}},
	{[]string{"simulate"}, []string{"-seed", "-events", "-out", "-quiet"}},
	{[]string{"version"}, nil},
	{[]string{"openapi"}, []string{"-out"}},
}

// -h and --help print the usage and the flags on standard output and
// exit 0 on every command and subcommand: never "--data is required".
func TestHelpOnEveryCommand(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range helpCases {
		covered[strings.Join(tc.args, " ")] = true
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string{}, tc.args...), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errOut := runCmd(t, nil, args...)
				if code != 0 || errOut != "" || !strings.Contains(out, "Usage: truce") {
					t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the usage on stdout", code, out, errOut)
				}
				for _, f := range tc.flags {
					if !strings.Contains(out, f) {
						t.Errorf("the help does not name %s:\n%s", f, out)
					}
				}
				for _, bad := range []string{"is required", "unknown"} {
					if strings.Contains(out, bad) {
						t.Errorf("the help says %q:\n%s", bad, out)
					}
				}
			})
		}
	}
	// Every command and subcommand of the table has a case.
	for _, c := range commands {
		if !covered[c.name] {
			t.Errorf("no -h case for %s", c.name)
		}
		for _, s := range c.subs {
			if !covered[c.name+" "+s] {
				t.Errorf("no -h case for %s %s", c.name, s)
			}
		}
	}
	for _, h := range []string{"help", "-h", "--help"} {
		if code, out, _ := runCmd(t, nil, h); code != 0 || !strings.Contains(out, "Exit codes") || !strings.Contains(out, "init ") {
			t.Errorf("truce %s: exit %d\n%s", h, code, out)
		}
	}
}

// An unknown flag is a usage error on every command and subcommand: exit 2,
// the usage on standard error.
func TestUnknownFlagEveryCommand(t *testing.T) {
	for _, tc := range helpCases {
		if len(tc.args) == 1 && findCommand(tc.args[0]).subs != nil {
			continue // the flag would be taken for a subcommand (tested below)
		}
		args := append(append([]string{}, tc.args...), "--no-such-flag")
		if tc.args[0] == "import" && len(tc.args) == 1 {
			args = []string{"import", "allegations", "f.csv", "--no-such-flag"}
		}
		if tc.args[0] == "export" && len(tc.args) == 1 {
			args = []string{"export", "incidents", "--no-such-flag"}
		}
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, nil, args...)
			if code != 2 || !strings.Contains(errOut, "no-such-flag") || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 2 naming the flag on stderr", code, out, errOut)
			}
		})
	}
	for _, c := range commands {
		if c.subs == nil {
			continue
		}
		if code, _, errOut := runCmd(t, nil, c.name, "no-such-subcommand"); code != 2 || !strings.Contains(errOut, "no-such-subcommand") {
			t.Errorf("%s no-such-subcommand: exit %d %q", c.name, code, errOut)
		}
		if code, _, _ := runCmd(t, nil, c.name); code != 2 {
			t.Errorf("%s alone: exit %d, want 2", c.name, code)
		}
	}
}

// needsData are the commands that work on an existing log, each with the
// rest of a command line that would otherwise be good.
func needsData(t *testing.T, dir string) [][]string {
	file := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(file, []byte("external_id,occurred_at,lat,lon,category\n"), 0o644)
	return [][]string{
		{"user", "add", "--data", dir, "--name", "eve", "--org", "Azerbaijan", "--role", "observer"},
		{"user", "list", "--data", dir},
		{"user", "disable", "--data", dir, "--name", "eve"},
		{"user", "reset-password", "--data", dir, "--name", "eve"},
		{"user", "roles", "--data", dir, "--name", "eve", "--role", "observer"},
		{"token", "create", "--data", dir, "--user", "eve"},
		{"token", "list", "--data", dir},
		{"token", "revoke", "--data", dir, "--id", "tok_x"},
		{"report", "daily", "--data", dir, "--date", "2021-06-01"},
		{"report", "implementation", "--data", dir},
		{"report", "summary", "--data", dir, "--from", "2021-06-01", "--to", "2021-06-02"},
		{"export", "incidents", "--data", dir},
		{"import", "allegations", file, "--as", "eve", "--data", dir},
		{"verify", "--data", dir},
		{"backup", "--data", dir, "--to", filepath.Join(t.TempDir(), "b.db")},
		{"store", "copy", "--from", dir, "--to", filepath.Join(t.TempDir(), "copy")},
	}
}

// A command given a data directory that does not exist refuses it with a
// message that names it and says how to make one, exits 1, and creates
// nothing: the path still does not exist afterwards. (truce report there
// used to make a new log with new keys and exit 0.)
func TestMissingDataDirRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mistyped")
	for _, args := range needsData(t, dir) {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, nil, args...)
			if code != 1 || !strings.Contains(errOut, dir+" does not exist") || !strings.Contains(errOut, "truce init --data "+dir) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 1 naming %s and truce init", code, out, errOut, dir)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("%s exists after the command: %v", dir, err)
			}
			for _, a := range args {
				if strings.HasSuffix(a, "b.db") || strings.HasSuffix(a, "copy") {
					if _, err := os.Stat(a); !os.IsNotExist(err) {
						t.Fatalf("%s was made: %v", a, err)
					}
				}
			}
		})
	}
}

// A directory that exists but holds no log (empty, or someone else's
// files) is refused the same way, and left as it was.
func TestDirWithoutLogRefused(t *testing.T) {
	for _, files := range [][]string{nil, {"notes.txt"}} {
		dir := t.TempDir()
		for _, f := range files {
			os.WriteFile(filepath.Join(dir, f), []byte("mine"), 0o600)
		}
		for _, args := range needsData(t, dir) {
			code, _, errOut := runCmd(t, nil, args...)
			if code != 1 || !strings.Contains(errOut, dir) || !strings.Contains(errOut, "truce init") {
				t.Errorf("%v: exit %d %q; want 1 naming the directory and truce init", args[:2], code, errOut)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(files) {
				t.Fatalf("%v wrote into %s: %v", args[:2], dir, entries)
			}
		}
	}
}

// On PostgreSQL too: a data directory without a log is refused before
// the database is touched: no table is made there.
func TestDataDirRefusedOnPostgres(t *testing.T) {
	u := pgtest.NewDatabase(t)
	for _, dir := range []string{filepath.Join(t.TempDir(), "missing"), t.TempDir()} {
		code, _, errOut := runCmd(t, map[string]string{"TRUCE_DB": u}, "user", "list", "--data", dir)
		if code != 1 || !strings.Contains(errOut, "not a Truce data directory") {
			t.Fatalf("user list --data %s on PostgreSQL: exit %d %q", dir, code, errOut)
		}
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d tables made in a database the command refused", n)
	}
	// init makes the log there; then the commands work.
	dir := filepath.Join(t.TempDir(), "new")
	if code, out, errOut := runCmd(t, nil, "init", "--data", dir, "--db", u); code != 0 || !strings.Contains(out, "PostgreSQL") {
		t.Fatalf("init --db: exit %d %s %s", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, map[string]string{"TRUCE_DB": u}, "verify", "--data", dir); code != 0 || !strings.HasPrefix(out, "intact:") {
		t.Fatalf("verify after init: exit %d %s %s", code, out, errOut)
	}
	// A second init on a database that holds a log is refused, leaving
	// no half-made directory.
	other := filepath.Join(t.TempDir(), "other")
	if code, _, errOut := runCmd(t, nil, "init", "--data", other, "--db", u); code != 1 || !strings.Contains(errOut, "holds log") {
		t.Fatalf("init on a database with a log: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Fatalf("a refused init left %s: %v", other, err)
	}
}

// truce init makes the directory, the keys and the schema, says so, and
// refuses a directory that is not empty; the other commands then work on
// it.
func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "centre")
	code, out, errOut := runCmd(t, nil, "init", "--data", dir)
	if code != 0 {
		t.Fatalf("init: exit %d %s", code, errOut)
	}
	for _, want := range []string{"made data directory " + dir, "log.key", "log.pub", "truce.db", "verifier key: ", "truce serve --data " + dir} {
		if !strings.Contains(out, want) {
			t.Errorf("init does not say %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"log.key", "log.pub", "truce.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("init made no %s: %v", f, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "log.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("log.key: %v %v, want mode 0600", fi, err)
	}
	key, _ := os.ReadFile(filepath.Join(dir, "log.key"))
	if code, _, errOut := runCmd(t, nil, "init", "--data", dir); code != 1 || !strings.Contains(errOut, "not empty") {
		t.Fatalf("init again: exit %d %q", code, errOut)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "log.key")); string(again) != string(key) {
		t.Fatal("a second init replaced the key")
	}
	if code, out, _ := runCmd(t, nil, "verify", "--data", dir); code != 0 || !strings.HasPrefix(out, "intact: 0 changes") {
		t.Fatalf("verify after init: exit %d %s", code, out)
	}
	if code, out, errOut := runCmd(t, nil, "user", "list", "--data", dir); code != 0 || !strings.Contains(out, "USER") {
		t.Fatalf("user list after init: exit %d %s %s", code, out, errOut)
	}
	empty := t.TempDir()
	if code, _, errOut := runCmd(t, nil, "init", "--data", empty); code != 0 {
		t.Fatalf("init into an empty directory: exit %d %s", code, errOut)
	}
	if code, _, _ := runCmd(t, nil, "init"); code != 2 {
		t.Fatalf("init without --data: exit %d, want 2", code)
	}
}

// The long commands write no progress when standard error is not a
// terminal (here a buffer, as a pipe or a file would be): only the result.
func TestNoProgressWhenPiped(t *testing.T) {
	// (truce demo's stderr is checked in TestDemoThenVerifyThenTamper.)
	dir := filepath.Join(t.TempDir(), "d")
	if code, _, errOut := runCmd(t, nil, "init", "--data", dir); code != 0 {
		t.Fatalf("init: exit %d, stderr %q", code, errOut)
	}
	stream := filepath.Join(t.TempDir(), "s.jsonl")
	for _, args := range [][]string{
		{"simulate", "--events", "200", "--days", "10", "--out", stream},
		{"bench", "fusion", "--in", stream},
		{"verify", "--data", dir},
		{"backup", "--data", dir, "--to", filepath.Join(t.TempDir(), "b.db")},
		{"export", "incidents", "--data", dir, "--out", filepath.Join(t.TempDir(), "i.geojson")},
	} {
		code, _, errOut := runCmd(t, nil, args...)
		if code != 0 || strings.Contains(errOut, "\r") || strings.Contains(errOut, "\033[") {
			t.Errorf("%v: exit %d, stderr %q; want no progress", args[:2], code, errOut)
		}
	}
}
