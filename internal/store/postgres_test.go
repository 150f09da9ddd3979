package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/pgtest"
)

// onceOnly runs a test that opens both databases itself in the SQLite run
// of the suite only.
func onceOnly(t *testing.T) {
	t.Helper()
	if pgtest.OnPostgres() {
		t.Skip("opens both databases itself: run once, in the first run")
	}
}

// The migrations of both dialects build the same tables with the same
// columns, of corresponding types and nullability.
func TestSchemasOfBothDialectsAgree(t *testing.T) {
	onceOnly(t)
	ctx := context.Background()
	lite, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := Open(ctx, t.TempDir(), WithDatabase(pgtest.NewDatabase(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()

	type column struct{ table, name, typ, null string }
	var want []column // SQLite's, in PostgreSQL's terms
	rows, err := lite.Query(ctx, `SELECT m.name, p.name, p.type, p."notnull", p.pk FROM pragma_table_list m, pragma_table_info(m.name) p WHERE m.schema = 'main' AND m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	pgType := map[string]string{"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text", "BLOB": "bytea"}
	for rows.Next() {
		var c column
		var notNull, pk int
		if err := rows.Scan(&c.table, &c.name, &c.typ, &notNull, &pk); err != nil {
			t.Fatal(err)
		}
		if pgType[c.typ] == "" {
			t.Errorf("%s.%s: SQLite type %s has no PostgreSQL counterpart here", c.table, c.name, c.typ)
		}
		c.typ = pgType[c.typ]
		// SQLite lets a primary key column other than INTEGER hold NULL;
		// PostgreSQL never does. Truce writes none.
		c.null = "YES"
		if notNull == 1 || pk > 0 {
			c.null = "NO"
		}
		want = append(want, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	var got []column
	rows, err = pg.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.typ, &c.null); err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	order := func(a, b column) int { return strings.Compare(a.table+"."+a.name, b.table+"."+b.name) }
	slices.SortFunc(want, order)
	slices.SortFunc(got, order)
	if len(want) < 100 {
		t.Fatalf("SQLite's schema has only %d columns", len(want))
	}
	if !slices.Equal(got, want) {
		for _, c := range want {
			if !slices.Contains(got, c) {
				t.Errorf("SQLite has %+v, PostgreSQL has not", c)
			}
		}
		for _, c := range got {
			if !slices.Contains(want, c) {
				t.Errorf("PostgreSQL has %+v, SQLite has not", c)
			}
		}
	}
	// Text sorts by bytes, as in SQLite and Go, whatever the database's
	// collation.
	var collated int
	if err := pg.QueryRow(ctx, `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND data_type = 'text' AND table_name <> 'schema_migrations' AND COALESCE(collation_name, '') <> 'C'`).Scan(&collated); err != nil || collated != 0 {
		t.Fatalf("%d text columns do not sort by bytes (%v)", collated, err)
	}
}

// Every migration has its counterpart, numbered alike, in the other
// dialect.
func TestMigrationsNumberedAlike(t *testing.T) {
	names := func(d Dialect) []string {
		entries, err := migrationFS.ReadDir("migrations/" + d.Name)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if lite, pg := names(SQLite), names(Postgres); !slices.Equal(lite, pg) {
		t.Fatalf("sqlite migrations %q, postgres %q", lite, pg)
	}
}

// A bad database URL and an unreachable server are refused at start with
// an error that names the server but never the password.
func TestOpenPostgresRefused(t *testing.T) {
	onceOnly(t)
	cases := []struct {
		name, url string
		want      []string
	}{
		{"not PostgreSQL", "mysql://truce:hunter2secret@db.example/truce", []string{"postgres://", "mysql://truce:xxxxx@db.example/truce"}},
		{"no server there", "postgres://truce:hunter2secret@127.0.0.1:1/truce?connect_timeout=5", []string{"cannot reach PostgreSQL at 127.0.0.1 port 1", `database "truce"`}},
		{"no socket there", "postgres://truce:hunter2secret@/truce?host=" + t.TempDir(), []string{"cannot reach PostgreSQL at socket /", `database "truce"`}},
		{"unparsable", "postgres://truce:hunter2secret@[::1/truce", []string{"database URL"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			start := time.Now()
			db, err := Open(context.Background(), dir, WithDatabase(tc.url))
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2secret") {
				t.Errorf("error %q shows the password", err)
			}
			if d := time.Since(start); d > connectTimeout+5*time.Second {
				t.Errorf("took %v", d)
			}
			if _, err := os.Stat(filepath.Join(dir, ledger.SignerKeyFile)); err == nil {
				t.Error("a refused start made a log key")
			}
		})
	}
}

// The keys stay in the data directory: keys without the database's log,
// a log without its keys, and another log's key are each refused.
func TestPostgresKeysAndDatabaseBelongTogether(t *testing.T) {
	onceOnly(t)
	ctx := context.Background()
	dir, u := t.TempDir(), pgtest.NewDatabase(t)
	db, err := Open(ctx, dir, WithDatabase(u))
	if err != nil {
		t.Fatal(err)
	}
	origin := db.Keys().Origin
	db.Close()
	for _, f := range []string{ledger.SignerKeyFile, ledger.VerifierKeyFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("the key is not in the data directory: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, DBFile)); err == nil {
		t.Fatal("an SQLite file was made beside PostgreSQL")
	}
	refused := func(name, dir, u, want string) {
		t.Helper()
		db, err := Open(ctx, dir, WithDatabase(u))
		if err == nil {
			db.Close()
			t.Fatalf("%s: opened", name)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v, want %q", name, err, want)
		}
	}
	refused("keys, and a database without a log", dir, pgtest.NewDatabase(t), "holds no log")
	refused("the log, and a directory without keys", t.TempDir(), u, fmt.Sprintf("holds log %q but", origin))
	// Another key of the same origin (another server's) did not sign the
	// log's checkpoints.
	other := t.TempDir()
	if _, err := ledger.LoadOrCreateKeys(other, origin, nil); err != nil {
		t.Fatal(err)
	}
	refused("another key", other, u, "it is not this log's key")
	db, err = Open(ctx, dir, WithDatabase(u))
	if err != nil {
		t.Fatalf("the log's own directory: %v", err)
	}
	db.Close()
}
