package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/pgtest"
)

var headLine = regexp.MustCompile(`: (\d+) changes, root (\S+), latest checkpoint at size (\d+)`)

// head returns "size root" from a backup or restore summary.
func head(t *testing.T, out string) string {
	t.Helper()
	m := headLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no size and root in\n%s", out)
	}
	return m[1] + " " + m[2]
}

// A backup taken while a server writes is a consistent log that verify
// accepts; restored with the keys into a new directory it has the root
// the backup reported, verifies, and takes new writes.
func TestBackupWhileWritingThenRestore(t *testing.T) {
	dir := demoDir(t)
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	written := make(chan int, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		n := 0
		defer func() { written <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, err := a.Geo.CreatePlace(ctx, access.System, geo.PlaceInput{Kind: "settlement", Location: &geo.Point{Lat: 39.7, Lon: 46.7},
				Names: []geo.PlaceName{{Lang: "en", Name: fmt.Sprintf("Written during the backup %d", n)}}})
			if err != nil {
				t.Error(err)
				return
			}
			n++
		}
	}()
	// Let the writer get going, then back up beside it.
	deadline := time.Now().Add(10 * time.Second)
	for a.DB.Size() < 400 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	file := filepath.Join(t.TempDir(), "truce-backup.db")
	code, out, errOut := runCmd(t, nil, "backup", "--data", dir, "--to", file)
	close(stop)
	wg.Wait()
	n := <-written
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if code != 0 || !strings.Contains(out, "the backup is intact") {
		t.Fatalf("backup: %d\n%s%s", code, out, errOut)
	}
	if n == 0 {
		t.Fatal("nothing was written during the backup")
	}
	backedUp := head(t, out)
	t.Logf("%d places written beside the backup; backup: %s", n, backedUp)
	verified(t, "--data", dir)

	// A backup never replaces a file.
	if code, _, errOut := runCmd(t, nil, "backup", "--data", dir, "--to", file); code != 1 || !strings.Contains(errOut, "exists") {
		t.Fatalf("backup over a file: %d %q", code, errOut)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	code, out, errOut = runCmd(t, nil, "restore", "--from", file, "--keys", dir, "--data", restored)
	if code != 0 || !strings.Contains(out, "verify: intact") {
		t.Fatalf("restore: %d\n%s%s", code, out, errOut)
	}
	if got := head(t, out); got != backedUp {
		t.Fatalf("restored %s, backed up %s", got, backedUp)
	}
	verified(t, "--data", restored)
	if code, _, errOut := runCmd(t, nil, "token", "create", "--data", restored, "--user", "analyst", "--expires", "1h"); code != 0 {
		t.Fatalf("a write to the restored directory: %s", errOut)
	}
	verified(t, "--data", restored)
	// Restoring over a database is refused.
	if code, _, errOut := runCmd(t, nil, "restore", "--from", file, "--data", restored); code != 1 || !strings.Contains(errOut, "holds a database already") {
		t.Fatalf("restore over a database: %d %q", code, errOut)
	}
}

// The usual loss: the database is gone, the keys are not. The backup
// restores in place, and the server's start-up refusal ("keys but no
// database") is lifted.
func TestRestoreInPlace(t *testing.T) {
	dir := demoDir(t)
	file := filepath.Join(t.TempDir(), "b.db")
	code, out, errOut := runCmd(t, nil, "backup", "--data", dir, "--to", file)
	if code != 0 {
		t.Fatalf("backup: %s%s", out, errOut)
	}
	backedUp := head(t, out)
	os.Remove(filepath.Join(dir, "truce.db"))
	if code, _, errOut := runCmd(t, nil, "user", "list", "--data", dir); code != 1 || !strings.Contains(errOut, "restore it") {
		t.Fatalf("a directory without its database: %d %q", code, errOut)
	}
	code, out, errOut = runCmd(t, nil, "restore", "--from", file, "--data", dir)
	if code != 0 || head(t, out) != backedUp {
		t.Fatalf("restore in place: %d\n%s%s", code, out, errOut)
	}
	verified(t, "--data", dir)
}

// A backup or restore is refused with a reason: on PostgreSQL (pg_dump's
// work), with another log's keys, from a file that is not a backup.
func TestBackupRefused(t *testing.T) {
	dir := demoDir(t)
	other := demoDir(t)
	file := filepath.Join(t.TempDir(), "b.db")
	if code, _, errOut := runCmd(t, nil, "backup", "--data", dir, "--to", file); code != 0 {
		t.Fatal(errOut)
	}
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notDB, []byte("not a database"), 0o600)
	missing := filepath.Join(t.TempDir(), "missing")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"PostgreSQL", []string{"backup", "--data", dir, "--db", "postgres://truce:topsecret@127.0.0.1:1/truce", "--to", filepath.Join(t.TempDir(), "x")}, 1, "pg_dump --format=custom"},
		{"no --to", []string{"backup", "--data", dir}, 2, "--to is required"},
		{"no --data", []string{"backup", "--to", file}, 2, "--data is required"},
		{"a missing data directory", []string{"backup", "--data", missing, "--to", filepath.Join(t.TempDir(), "x")}, 1, "truce init --data " + missing},
		{"another log's keys", []string{"restore", "--from", file, "--keys", other, "--data", filepath.Join(t.TempDir(), "r")}, 1, "does not open with the key"},
		{"not a backup", []string{"restore", "--from", notDB, "--keys", dir, "--data", filepath.Join(t.TempDir(), "r")}, 1, "not a database"},
		{"no backup", []string{"restore", "--from", filepath.Join(t.TempDir(), "none.db"), "--keys", dir, "--data", filepath.Join(t.TempDir(), "r")}, 1, "no Truce database"},
		{"no --from", []string{"restore", "--data", dir}, 2, "--from is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Contains(out+errOut, "topsecret") {
				t.Fatalf("exit %d, %q; want %d and %q", code, errOut, tc.code, tc.want)
			}
		})
	}
}

// pgTool finds a PostgreSQL client program: the newest in Debian's
// /usr/lib/postgresql/*/bin, else on PATH. Without it the test skips,
// loudly, unless TRUCE_REQUIRE_POSTGRES=1.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) < versionOf(dirs[j]) })
	if len(dirs) > 0 {
		return dirs[len(dirs)-1]
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv(pgtest.EnvRequire) == "1" {
		t.Fatalf("%s is not installed (neither in /usr/lib/postgresql/*/bin nor on PATH), and %s=1 requires it", name, pgtest.EnvRequire)
	}
	t.Skipf("SKIPPED: %s is not installed (neither in /usr/lib/postgresql/*/bin nor on PATH)", name)
	return ""
}

func versionOf(path string) int {
	var v int
	fmt.Sscanf(strings.TrimPrefix(path, "/usr/lib/postgresql/"), "%d", &v)
	return v
}

// The README's PostgreSQL backup: pg_dump --format=custom of a live Truce
// database, pg_restore into a fresh database, and verify accepts the
// restored one with the same root.
func TestPostgresDumpAndRestore(t *testing.T) {
	pgDump, pgRestore := pgTool(t, "pg_dump"), pgTool(t, "pg_restore")
	src, dst := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	dir := filepath.Join(t.TempDir(), "demo")
	if code, _, errOut := runCmd(t, nil, "demo", "--no-serve", "--data", dir, "--db", src); code != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	dump := filepath.Join(t.TempDir(), "truce.dump")
	if out, err := exec.Command(pgDump, "--format=custom", "--file="+dump, "--dbname="+src).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	if out, err := exec.Command(pgRestore, "--no-owner", "--exit-on-error", "--dbname="+dst, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	verified(t, "--data", dir, "--db", dst)
	ctx := context.Background()
	heads := map[string]string{}
	for _, u := range []string{src, dst} {
		db, err := app.OpenForAudit(ctx, dir, u)
		if err != nil {
			t.Fatal(err)
		}
		h, err := db.Head(ctx)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		heads[u] = fmt.Sprintf("%d %s %d", h.Size, h.Root, h.Checkpoint)
	}
	if heads[src] != heads[dst] {
		t.Fatalf("dumped %s, restored %s", heads[src], heads[dst])
	}
	// The restored database serves with the keys in the data directory.
	if code, out, errOut := runCmd(t, nil, "user", "list", "--data", dir, "--db", dst); code != 0 || !strings.Contains(out, "admin") {
		t.Fatalf("user list on the restored database: %d %s %s", code, out, errOut)
	}
}
