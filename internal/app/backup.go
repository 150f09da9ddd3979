package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/store"
)

// BackupResult is a backup or a restore and its proof: the log's head
// read from the backup (or the restored directory) and a full verify.
type BackupResult struct {
	Head    store.Head
	Verify  store.VerifyReport
	Files   int // files copied by a restore: keys, attachments, reports
	Elapsed time.Duration
}

// Backup writes an online backup of the SQLite database of the data
// directory dir to file (a server may be writing meanwhile), then proves
// it: the backup is verified in full, its checkpoints against the key in
// dir. A backup that does not verify is removed and the error says why.
func Backup(ctx context.Context, dir, database, file string, progress store.Progress) (BackupResult, error) {
	start := time.Now()
	var res BackupResult
	var opts []store.Option
	if database != "" {
		opts = append(opts, store.WithDatabase(database))
	}
	db, err := store.OpenForAudit(ctx, dir, opts...)
	if err != nil {
		return res, err
	}
	err = db.Backup(ctx, file)
	db.Close()
	if err != nil {
		return res, err
	}
	if res, err = verifyBackup(ctx, dir, file, progress); err != nil {
		os.Remove(file)
		return res, fmt.Errorf("%w (the backup was removed)", err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// RestoreBackup makes the data directory dir from the SQLite backup file
// and the log's keys (and attachments and reports) in keysDir; keysDir ""
// or dir itself: dir holds them already (the database was lost, the keys
// were not). The backup is verified before it is restored and the
// restored directory after.
func RestoreBackup(ctx context.Context, file, keysDir, dir string, progress store.Progress) (BackupResult, error) {
	start := time.Now()
	if keysDir == "" {
		keysDir = dir
	}
	res, err := verifyBackup(ctx, keysDir, file, progress)
	if err != nil {
		return res, err
	}
	if _, err := os.Stat(dir); err == nil {
		if _, err := os.Stat(dir + "/" + store.DBFile); err == nil {
			return res, fmt.Errorf("%s holds a database already (%s): restore into a directory without one", dir, store.DBFile)
		}
	}
	if keysDir != dir {
		if res.Files, err = store.CopyDataFiles(keysDir, dir); err != nil {
			return res, err
		}
	}
	if err := store.Restore(ctx, file, dir); err != nil {
		return res, err
	}
	db, err := OpenForAudit(ctx, dir, "")
	if err != nil {
		return res, err
	}
	defer db.Close()
	if res.Head, err = db.Head(ctx); err != nil {
		return res, fmt.Errorf("the restored log in %s: %w", dir, err)
	}
	if res.Verify, err = db.Verify(ctx, progress); err != nil {
		return res, err
	}
	if !res.Verify.OK() {
		return res, &BrokenError{Which: "restored database", Where: db.Where(), Report: res.Verify}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// verifyBackup verifies the SQLite database file with the keys of the
// data directory dir.
func verifyBackup(ctx context.Context, dir, file string, progress store.Progress) (BackupResult, error) {
	var res BackupResult
	db, err := store.OpenForAudit(ctx, dir, store.WithSQLiteFile(file))
	if err != nil {
		return res, err
	}
	defer db.Close()
	newServices(db, time.Now, slog.New(slog.DiscardHandler), account.Limits{}, 0, 0, nil) // registers every projection
	if res.Head, err = db.Head(ctx); err != nil {
		return res, fmt.Errorf("the backup %s: %w", file, err)
	}
	if res.Verify, err = db.Verify(ctx, progress); err != nil {
		return res, fmt.Errorf("verify the backup %s: %w", file, err)
	}
	if !res.Verify.OK() {
		return res, &BrokenError{Which: "backup", Where: file, Report: res.Verify}
	}
	return res, nil
}
