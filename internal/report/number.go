package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Report numbers (docs/reports.md): one scheme for every kind and edition,
// unique across all of them.
//
//	D<E>-<day of year>/<year>  daily report of a day (DP-163/2021, DM-163/2021)
//	S<E>-<n>/<year>            the n-th summary of that edition issued for a range ending in <year>
//	I<E>-<n>/<year>            the n-th implementation report of that edition issued as of a day in <year>
//
// <E> is P for the public edition, M for the mission edition. A daily
// report's number follows from its day, so its drafts carry it; a summary
// or implementation report gets its number when it is issued (a draft has
// none). The issuing transaction refuses a number some issued report
// already has; appends are serialised (SQLite's write lock, PostgreSQL's
// advisory lock on the log), so two racing issues cannot both take one.

func editionLetter(edition string) string {
	if edition == EditionMission {
		return "M"
	}
	return "P"
}

// dailyNumber is the number of the daily report of day in edition.
func dailyNumber(edition string, day time.Time) string {
	return fmt.Sprintf("D%s-%d/%d", editionLetter(edition), day.YearDay(), day.Year())
}

// seqPrefix is the number's prefix of a numbered-on-issue kind.
func seqPrefix(kind, edition string) string {
	k := "S"
	if kind == KindImplementation {
		k = "I"
	}
	return k + editionLetter(edition) + "-"
}

// nextNumber is the number issuing rep takes, read in tx (under the
// log's write lock): its daily number, or the next in its kind, edition
// and year.
func nextNumber(tx *store.Tx, rep *Report, year int) (string, error) {
	if rep.Number != "" {
		return rep.Number, nil
	}
	prefix, suffix := seqPrefix(rep.Kind, rep.Edition), "/"+strconv.Itoa(year)
	rows, err := tx.Query(`SELECT number FROM reports WHERE kind = ? AND edition = ?`, rep.Kind, rep.Edition)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	last := 0
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return "", err
		}
		mid, ok := strings.CutPrefix(n, prefix)
		if !ok {
			continue
		}
		if mid, ok = strings.CutSuffix(mid, suffix); !ok {
			continue
		}
		if v, err := strconv.Atoi(mid); err == nil && v > last {
			last = v
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return prefix + strconv.Itoa(last+1) + suffix, nil
}

// checkNumberFree refuses a number an issued report already has.
func checkNumberFree(tx *store.Tx, number string) error {
	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM reports WHERE number = ?`, number).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errs.Conflict("number", "report number %s is already taken by an issued report", number)
	}
	return nil
}
