package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/truce-monitoring/truce/internal/errs"
)

// connectionLost reports whether err says the database could not be
// reached or the connection to it ended (the server went away, was
// restarted, or ended this session): the transaction did not commit, and
// the same request may succeed once the database is back.
func connectionLost(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-57P03: the server is
		// shutting down, ended the session, or cannot take connections.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &connectErr) || errors.As(err, &netErr)
}

// unavailable gives a lost connection the code errs.CodeUnavailable (503
// over HTTP), keeping the cause for the log; other errors pass unchanged.
func (db *DB) unavailable(err error) error { return Unavailable(err) }

// Unavailable gives an error without a code of its own that says the
// connection to the database was lost the code errs.CodeUnavailable (503
// over HTTP), keeping the cause for the log; other errors pass unchanged.
// The HTTP faces apply it to every error they answer, so that a connection
// lost in a read (a row's Scan, rows.Err) answers 503 as a write does.
func Unavailable(err error) error {
	if err == nil || !connectionLost(err) || errs.CodeOf(err) != errs.CodeInternal {
		return err
	}
	return fmt.Errorf("%w: %w", errs.Unavailable("the database does not answer; a change asked for was not made, or its commit was not confirmed; try again shortly"), err)
}
