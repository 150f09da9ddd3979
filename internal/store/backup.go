package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBackupPostgres is Backup's answer on PostgreSQL, whose own tools
// make a consistent dump of a live database.
var ErrBackupPostgres = errors.New("the database is in PostgreSQL: back it up with pg_dump --format=custom and restore it with pg_restore (README, \"Backups\"); the keys and files in the data directory are backed up apart")

// Backup writes a consistent copy of the SQLite database to file while
// writers go on: SQLite's VACUUM INTO reads one snapshot, as any reader
// does in WAL mode, and writes a compact database file. The file is
// written beside its final name, synced, and renamed into place, so that
// file is a whole backup or absent. It refuses to replace a file.
//
// The backup holds the database only: the log's keys and the files
// records point to (attachments, reports) stay in the data directory and
// are backed up apart.
func (db *DB) Backup(ctx context.Context, file string) error {
	if db.dialect.Name == Postgres.Name {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s exists: a backup never replaces a file", file)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+".partial")
	os.Remove(tmp) // a partial backup left by an interrupted run
	if _, err := db.read.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("back up %s: %w", db.where, err)
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	// A hard link, unlike a rename, fails when file appeared meanwhile.
	if err := os.Link(tmp, abs); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("back up to %s: %w", file, err)
	}
	os.Remove(tmp)
	return syncFile(filepath.Dir(abs))
}

// syncFile flushes a file or directory to stable storage.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return f.Close()
}

// Restore places the SQLite database backup (a file Backup wrote, or any
// copy of a Truce SQLite database) in the data directory dir, which must
// hold no database yet: copied beside its final name, synced, and linked
// into place. The caller verifies it (package app's RestoreBackup does).
func Restore(ctx context.Context, backup, dir string) error {
	target := filepath.Join(dir, DBFile)
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("%s holds a database already (%s): restore into a directory without one", dir, DBFile)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+DBFile+".restoring")
	os.Remove(tmp)
	if _, err := copyFile(backup, tmp, 0o600); err != nil {
		return err
	}
	if err := os.Link(tmp, target); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore to %s: %w", target, err)
	}
	os.Remove(tmp)
	return syncFile(dir)
}

// CopyDataFiles copies the log's keys and the files records point to
// (attachments, reports) from one data directory to another, refusing to
// replace a file that differs and another log's key. It returns how many
// files it copied.
func CopyDataFiles(srcDir, dstDir string) (int, error) {
	if err := checkKeysFor(srcDir, dstDir); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dstDir, 0o700); err != nil {
		return 0, err
	}
	return copyFiles(srcDir, dstDir)
}
