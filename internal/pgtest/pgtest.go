// Package pgtest gives tests a fresh PostgreSQL database, and runs a
// package's tests a second time on PostgreSQL.
//
// TRUCE_TEST_POSTGRES names a server by the URL of a database there that
// may create and drop databases (postgres://user@/postgres?host=/tmp/pg).
// Without it the PostgreSQL run is skipped, loudly; with
// TRUCE_REQUIRE_POSTGRES=1 (as CI sets it) its absence is a failure, as in
// pkgsite's database tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// The environment variables that name the server and require it.
const (
	EnvServer  = "TRUCE_TEST_POSTGRES"
	EnvRequire = "TRUCE_REQUIRE_POSTGRES"
	// envRun is set in the second run of a package's tests, on PostgreSQL.
	envRun = "TRUCE_TEST_ON_POSTGRES"
)

// OnPostgres reports whether this run of the tests is the PostgreSQL one
// (see Main): the store helpers then open PostgreSQL databases.
func OnPostgres() bool {
	// Read in every test that opens a store, so that go test's cache
	// keys the package's result by them: a result without PostgreSQL is
	// not reused with it (reads outside a test are not recorded).
	os.Getenv(EnvServer)
	os.Getenv(EnvRequire)
	return os.Getenv(envRun) == "1"
}

// Main runs a package's tests on SQLite and then, in a second process of
// the same test binary with the same flags, on PostgreSQL. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	server, require, second := os.Getenv(EnvServer), os.Getenv(EnvRequire), OnPostgres()
	code := m.Run()
	if second {
		return code
	}
	if server == "" {
		msg := fmt.Sprintf("pgtest: %s is not set: the tests did NOT run on PostgreSQL", EnvServer)
		if require == "1" {
			fmt.Fprintf(os.Stderr, "FAIL: %s, and %s=1 requires them\n", msg, EnvRequire)
			return 1
		}
		fmt.Fprintf(os.Stderr, "SKIP: %s (set it to a PostgreSQL URL, e.g. postgres://postgres@/postgres?host=/tmp/pg)\n", msg)
		return code
	}
	fmt.Fprintln(os.Stdout, "=== the same tests on PostgreSQL")
	// The same flags, but not go test's log of what the tests read: the
	// first run's is the one go test keys its cache by.
	var args []string
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-test.testlogfile") {
			args = append(args, a)
		}
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envRun+"=1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: the tests on PostgreSQL: %v\n", err)
		return 1
	}
	return code
}

// Server returns the URL of the test server's admin database, or skips
// the test (fails it when TRUCE_REQUIRE_POSTGRES=1) when none is set.
func Server(t testing.TB) string {
	t.Helper()
	s := os.Getenv(EnvServer)
	if s == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s is not set, and %s=1 requires the PostgreSQL tests", EnvServer, EnvRequire)
		}
		t.Skipf("SKIPPED ON POSTGRESQL: %s is not set (a URL of an admin database, e.g. postgres://postgres@/postgres?host=/tmp/pg)", EnvServer)
	}
	return s
}

// NewDatabase creates a database with a random name on the test server
// and returns its URL; it is dropped when the test and its cleanups end.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := Server(t)
	b := make([]byte, 8)
	rand.Read(b)
	name := "truce_test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("%s: %v", EnvServer, err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Text sorts by bytes in every database (the schema says so column by
	// column too); template0 lets the collation differ from the server's.
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer db.Close()
		if _, err := db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("%s: %v", EnvServer, err)
	}
	return u
}

// withDatabase returns the connection string s naming database name.
func withDatabase(s, name string) (string, error) {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return s + " dbname=" + name, nil
}

var (
	dirsMu sync.Mutex
	dirs   = map[string]string{}
)

// ForDir returns the database that stands for the data directory dir in
// this test process, created on the first call for dir (and dropped when
// that test ends): a test that reopens a directory reopens its database.
func ForDir(t testing.TB, dir string) string {
	t.Helper()
	dirsMu.Lock()
	u, ok := dirs[dir]
	dirsMu.Unlock()
	if ok {
		return u
	}
	u = NewDatabase(t)
	dirsMu.Lock()
	dirs[dir] = u
	dirsMu.Unlock()
	t.Cleanup(func() {
		dirsMu.Lock()
		delete(dirs, dir)
		dirsMu.Unlock()
	})
	return u
}

// Exec runs statements on the database at u directly, as someone with
// access to the server would (tests that tamper with the log).
func Exec(t testing.TB, u string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// SkipOnPostgres skips, in the PostgreSQL run, a test that holds for
// SQLite only; its name must say why (..._SQLiteFile, ..._SQLitePlanner).
func SkipOnPostgres(t testing.TB) {
	t.Helper()
	if OnPostgres() {
		t.Skipf("%s tests SQLite only, as its name says", t.Name())
	}
}

// sqliteFunctions are SQLite's functions that tests tampering with a
// database use, defined on PostgreSQL.
var sqliteFunctions = []string{
	`CREATE OR REPLACE FUNCTION unhex(text) RETURNS bytea AS $$ SELECT decode($1, 'hex') $$ LANGUAGE SQL`,
	`CREATE OR REPLACE FUNCTION hex(bytea) RETURNS text AS $$ SELECT upper(encode($1, 'hex')) $$ LANGUAGE SQL`,
	`CREATE OR REPLACE FUNCTION randomblob(int) RETURNS bytea AS $$ SELECT decode(substr(md5(random()::text) || md5(random()::text), 1, $1 * 2), 'hex') $$ LANGUAGE SQL`,
}

var blobLiteral = regexp.MustCompile(`X'([0-9A-Fa-f]*)'`)

// Tamper runs statements written for SQLite on the PostgreSQL database at
// u, as someone with access to the server would: SQLite's blob literals
// (X'00'), CAST(... AS BLOB), char(n), hex, unhex and randomblob are
// translated or defined.
func Tamper(t testing.TB, u string, stmts ...string) {
	t.Helper()
	r := strings.NewReplacer("AS BLOB)", "AS BYTEA)", "char(10)", "chr(10)")
	all := append([]string(nil), sqliteFunctions...)
	for _, s := range stmts {
		all = append(all, blobLiteral.ReplaceAllString(r.Replace(s), `'\x$1'::bytea`))
	}
	Exec(t, u, all...)
}

// Database is the PostgreSQL URL for app.Config.Database in this run of
// the tests: "" (SQLite in the data directory) in the first run; in the
// PostgreSQL run the database of the data directory dir (ForDir), or a
// new one for dir "".
func Database(t testing.TB, dir string) string {
	t.Helper()
	if !OnPostgres() {
		return ""
	}
	if dir == "" {
		return NewDatabase(t)
	}
	return ForDir(t, dir)
}
