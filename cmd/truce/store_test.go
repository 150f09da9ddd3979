package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/pgtest"
)

// demoDir loads the demo into a new data directory (SQLite) and returns it.
func demoDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	if code, _, errOut := runCmd(t, nil, "demo", "--no-serve", "--data", dir); code != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	return dir
}

var rootLine = regexp.MustCompile(`same root: (\S+) at size (\d+); latest checkpoint \(size (\d+)\) opens`)

// copied runs truce store copy, which must succeed, and returns the root
// and size it reports.
func copied(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCmd(t, nil, append([]string{"store", "copy"}, args...)...)
	if code != 0 {
		t.Fatalf("store copy %v: exit %d\n%s%s", args, code, out, errOut)
	}
	m := rootLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "copy intact") {
		t.Fatalf("store copy %v: no proof in\n%s", args, out)
	}
	return m[1] + " " + m[2]
}

func verified(t *testing.T, args ...string) {
	t.Helper()
	code, out, errOut := runCmd(t, nil, append([]string{"verify"}, args...)...)
	if code != 0 || !strings.HasPrefix(out, "intact:") {
		t.Fatalf("verify %v: exit %d\n%s%s", args, code, out, errOut)
	}
}

// SQLite to PostgreSQL (the short form: the keys stay in --from)
// and back to SQLite in another directory: the same root at every step,
// verify clean on each copy, and the copy serves as its source did.
func TestStoreCopyToPostgresAndBack(t *testing.T) {
	pg := pgtest.NewDatabase(t)
	src := demoDir(t)
	// A file a record points to goes with the keys to a new directory.
	if err := os.MkdirAll(filepath.Join(src, "attachments", "ab"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "attachments", "ab", "abcdef"), []byte("evidence"), 0o600); err != nil {
		t.Fatal(err)
	}
	there := copied(t, "--from", src, "--to", pg)
	verified(t, "--data", src, "--db", pg)
	back := filepath.Join(t.TempDir(), "back")
	again := copied(t, "--from", src, "--from-db", pg, "--to", back)
	if there != again {
		t.Fatalf("root and size: SQLite→PostgreSQL %s, PostgreSQL→SQLite %s", there, again)
	}
	verified(t, "--data", back)
	if b, err := os.ReadFile(filepath.Join(back, "attachments", "ab", "abcdef")); err != nil || string(b) != "evidence" {
		t.Fatalf("attachment not copied: %q %v", b, err)
	}
	for _, f := range []string{"log.key", "log.pub"} {
		a, _ := os.ReadFile(filepath.Join(src, f))
		b, err := os.ReadFile(filepath.Join(back, f))
		if err != nil || string(a) != string(b) {
			t.Fatalf("%s not copied: %v", f, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(back, "log.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log.key mode: %v %v", fi.Mode(), err)
	}
	// Both copies open as a server opens them (keys checked against the
	// latest checkpoint) and take new changes.
	for _, args := range [][]string{{"--data", back}, {"--data", src, "--db", pg}} {
		if code, out, errOut := runCmd(t, nil, append([]string{"user", "list"}, args...)...); code != 0 || !strings.Contains(out, "admin") {
			t.Fatalf("user list %v: %d %s %s", args, code, out, errOut)
		}
	}
	if code, _, errOut := runCmd(t, nil, "token", "create", "--data", back, "--user", "analyst", "--expires", "1h"); code != 0 {
		t.Fatalf("a write to the copy: %s", errOut)
	}
	verified(t, "--data", back)
	// And to a new PostgreSQL database with keys in a new directory.
	pg2 := pgtest.NewDatabase(t)
	third := copied(t, "--from", src, "--from-db", pg, "--to", filepath.Join(t.TempDir(), "k"), "--to-db", pg2)
	if third != there {
		t.Fatalf("PostgreSQL→PostgreSQL: %s, want %s", third, there)
	}
}

// Without PostgreSQL: SQLite to SQLite in another directory.
func TestStoreCopySQLite(t *testing.T) {
	src := demoDir(t)
	dst := filepath.Join(t.TempDir(), "copy")
	copied(t, "--from", src, "--to", dst)
	verified(t, "--data", dst)
	// A second copy finds the first: the target holds rows (and this
	// log's keys, which are no reason to refuse).
	if code, _, errOut := runCmd(t, nil, "store", "copy", "--from", src, "--to", dst); code != 1 || !strings.Contains(errOut, "is not empty (table ") {
		t.Fatalf("copy into a copy: %d %q", code, errOut)
	}
	verified(t, "--data", dst)
	code, out, _ := runCmd(t, map[string]string{"TRUCE_FROM": src, "TRUCE_TO": filepath.Join(t.TempDir(), "env")}, "store", "copy")
	if code != 0 || !rootLine.MatchString(out) {
		t.Fatalf("store copy from the environment: %d %s", code, out)
	}
}

// A copy is refused, with nothing written, into a target that holds rows
// or another log's key, from a source that is not there, to a server that
// does not answer (named, without the password), and on bad flags.
func TestStoreCopyRefused(t *testing.T) {
	src := demoDir(t)
	other := demoDir(t)
	foreignKeys := filepath.Join(t.TempDir(), "foreign")
	os.MkdirAll(foreignKeys, 0o700)
	for _, f := range []string{"log.key", "log.pub"} {
		b, _ := os.ReadFile(filepath.Join(other, f))
		os.WriteFile(filepath.Join(foreignKeys, f), b, 0o600)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"another log's directory", []string{"--from", src, "--to", other}, 1, "holds another log's key"},
		{"another log's key", []string{"--from", src, "--to", foreignKeys}, 1, "holds another log's key"},
		{"the same directory", []string{"--from", src, "--to", src}, 1, "the target is the source"},
		{"no source", []string{"--from", filepath.Join(t.TempDir(), "none"), "--to", filepath.Join(t.TempDir(), "x")}, 1, "not a Truce data directory"},
		{"unreachable server", []string{"--from", src, "--to", "postgres://truce:topsecret@127.0.0.1:1/truce?connect_timeout=3"}, 1, "cannot reach PostgreSQL at 127.0.0.1 port 1"},
		{"unreachable source", []string{"--from", src, "--from-db", "postgresql://truce:topsecret@127.0.0.1:1/truce?connect_timeout=3", "--to", filepath.Join(t.TempDir(), "x")}, 1, "cannot reach PostgreSQL at 127.0.0.1 port 1"},
		{"--to-db not a URL", []string{"--from", src, "--to", filepath.Join(t.TempDir(), "x"), "--to-db", "mysql://u:topsecret@h/d"}, 2, "--to-db: mysql://u:xxxxx@h/d is not"},
		{"--to a URL and --to-db", []string{"--from", src, "--to", "postgres://h/d", "--to-db", "postgres://h/e"}, 2, "--to-db is for --to DIR"},
		{"no --to", []string{"--from", src}, 2, "--to is required"},
		{"no --from", []string{"--to", src}, 2, "--from is required"},
		{"unknown flag", []string{"--from", src, "--to", "x", "--nope"}, 2, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, nil, append([]string{"store", "copy"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Contains(errOut+out, "topsecret") {
				t.Fatalf("exit %d, %q; want %d and %q, without the password", code, errOut, tc.code, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(foreignKeys, "truce.db")); err == nil {
		t.Fatal("a refused copy left a database behind")
	}
	verified(t, "--data", other)
	if code, _, _ := runCmd(t, nil, "store"); code != 2 {
		t.Fatalf("store without a subcommand: exit %d", code)
	}
	if code, _, _ := runCmd(t, nil, "store", "move"); code != 2 {
		t.Fatalf("store move: exit %d", code)
	}
}

// A copy into a PostgreSQL database that holds a log is refused naming
// the database, and changes nothing there.
func TestStoreCopyRefusesNonEmptyPostgres(t *testing.T) {
	pg := pgtest.NewDatabase(t)
	src := demoDir(t)
	copied(t, "--from", src, "--to", pg)
	code, _, errOut := runCmd(t, nil, "store", "copy", "--from", src, "--to", pg)
	if code != 1 || !strings.Contains(errOut, "is not empty") || !strings.Contains(errOut, "database \"truce_test_") {
		t.Fatalf("second copy: %d %q", code, errOut)
	}
	verified(t, "--data", src, "--db", pg)
}

// A tampered log is not copied: the source is verified first, the copy
// refused with the source's problems, and no target is made.
func TestStoreCopyRefusesTamperedSource(t *testing.T) {
	src := demoDir(t)
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(src, "truce.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE changes SET body = CAST(replace(CAST(body AS TEXT), 'Lachin', 'Lachyn') AS BLOB) WHERE seq = (SELECT MIN(seq) FROM changes WHERE CAST(body AS TEXT) LIKE '%Lachin%')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	dst := filepath.Join(t.TempDir(), "copy")
	code, out, errOut := runCmd(t, nil, "store", "copy", "--from", src, "--to", dst)
	if code != 1 || !strings.Contains(errOut, "the source") || !strings.Contains(errOut, "does not verify") || !strings.Contains(out, "BROKEN source") {
		t.Fatalf("copy of a tampered log: %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(dst); err == nil {
		t.Fatal("a refused copy made its target")
	}
}
