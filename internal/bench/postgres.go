package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// databases creates a PostgreSQL database for each log a benchmark builds
// and drops them all at the end; with no server (admin ""), every log is
// an SQLite file in its data directory and create returns "".
type databases struct {
	admin   string
	created []string
}

func (d *databases) create(ctx context.Context) (string, error) {
	if d.admin == "" {
		return "", nil
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "truce_bench_" + hex.EncodeToString(b)
	if err := d.exec(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		return "", fmt.Errorf("create a database for the benchmark at %s: %w", redact(d.admin), err)
	}
	d.created = append(d.created, name)
	u, err := url.Parse(d.admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// size returns the size of the database at u, in bytes.
func (d *databases) size(ctx context.Context, u string) (int64, error) {
	db, err := sql.Open("pgx", u)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
	return n, err
}

func (d *databases) drop() error {
	var errs []error
	for _, name := range d.created {
		errs = append(errs, d.exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`))
	}
	d.created = nil
	return errors.Join(errs...)
}

func (d *databases) exec(ctx context.Context, q string) error {
	db, err := sql.Open("pgx", d.admin)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, q)
	return err
}

// withParam adds a run-time parameter to a PostgreSQL URL.
func withParam(s, key, value string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Redacted()
}
