package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/truce-monitoring/truce/internal/store"
)

// Place names a Truce database: a data directory (the log's keys and
// files) and, unless Database is "", the PostgreSQL database at Database
// instead of the SQLite file in Dir.
type Place struct {
	Dir      string
	Database string
}

// CopyResult is what CopyStore did and what it proved.
type CopyResult struct {
	store.CopyReport
	Source, Target store.VerifyReport
}

// BrokenError is a log that truce verify finds broken.
type BrokenError struct {
	Which  string // "source" or "copy"
	Where  string // the database
	Report store.VerifyReport
}

func (e *BrokenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the %s (%s) does not verify: %d problems", e.Which, e.Where, len(e.Report.Problems))
	for i, p := range e.Report.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "; …")
			break
		}
		fmt.Fprintf(&b, "; %s", p)
	}
	return b.String()
}

// CopyStore copies a whole Truce database, every table, from one place to
// another (SQLite to PostgreSQL or back) and proves the copy. The source
// is verified first, as truce verify does: a broken log is refused, never
// copied. store.Copy then copies it from one snapshot into an empty
// target and checks the target's tree root and latest checkpoint; the
// target is verified in full last.
func CopyStore(ctx context.Context, from, to Place, progress store.Progress) (CopyResult, error) {
	var res CopyResult
	src, err := OpenForAudit(ctx, from.Dir, from.Database)
	if err != nil {
		return res, fmt.Errorf("the source: %w", err)
	}
	defer src.Close()
	if res.Source, err = src.Verify(ctx, progress); err != nil {
		return res, fmt.Errorf("verify the source: %w", err)
	}
	if !res.Source.OK() {
		return res, &BrokenError{Which: "source", Where: src.Where(), Report: res.Source}
	}
	if res.CopyReport, err = store.Copy(ctx, src, to.Dir, to.Database, progress); err != nil {
		return res, err
	}
	dst, err := OpenForAudit(ctx, to.Dir, to.Database)
	if err != nil {
		return res, fmt.Errorf("the copy: %w", err)
	}
	defer dst.Close()
	if res.Target, err = dst.Verify(ctx, progress); err != nil {
		return res, fmt.Errorf("verify the copy: %w", err)
	}
	if !res.Target.OK() {
		return res, &BrokenError{Which: "copy", Where: dst.Where(), Report: res.Target}
	}
	return res, nil
}
