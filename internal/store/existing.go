package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// ErrNoDataDir is returned by Open WithExisting (and by OpenForAudit) when
// the data directory, or the PostgreSQL database it names, holds no Truce
// log: nothing was created.
var ErrNoDataDir = errors.New("not a Truce data directory")

// WithExisting makes Open refuse a data directory that does not hold a
// Truce log — a missing directory, one without the log's key, a
// PostgreSQL database without the log's tables — instead of starting a
// new log there. Only the commands that start a log (serve, demo, init)
// open without it; everything else would otherwise make a new, empty log
// with new keys wherever a path was mistyped.
func WithExisting() Option { return func(db *DB) { db.existing = true } }

// checkExisting refuses a data directory that does not exist or, opened
// WithExisting, holds no log key. It runs before anything is created.
func (db *DB) checkExisting() error {
	fi, err := os.Stat(db.dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %s does not exist", ErrNoDataDir, db.dir)
	case err != nil:
		return fmt.Errorf("data directory: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("%w: %s is not a directory", ErrNoDataDir, db.dir)
	}
	if !db.existing {
		return nil
	}
	if _, err := os.Stat(filepath.Join(db.dir, ledger.SignerKeyFile)); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %s holds no log key (%s)", ErrNoDataDir, db.dir, ledger.SignerKeyFile)
	} else if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	return nil
}
