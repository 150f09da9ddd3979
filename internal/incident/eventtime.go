package incident

import (
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// A decision (a workflow step, a note, a review) carries its own time: when
// it was taken. It is the time of its change in the log unless the client
// says it was earlier — a decision taken on paper at a site, or a scenario
// loaded long after its events — so that a timeline reads in the order
// things happened, not in the order they were typed in. The log keeps its
// own time for every change as well.

// earliestEvent bounds the times a client may give.
var earliestEvent = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// clockSkew is how far ahead of the server's clock a given time may be.
const clockSkew = 5 * time.Minute

// eventTime parses a client's decision time (RFC 3339); "" is the zero
// time, which orNow turns into the transaction's time.
func eventTime(field, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errs.Invalid(field, "must be a time like 2021-06-10T14:30:00Z")
	}
	if t.After(now.Add(clockSkew)) {
		return time.Time{}, errs.Invalid(field, "must not be in the future")
	}
	if t.Before(earliestEvent) {
		return time.Time{}, errs.Invalid(field, "must be after 1990")
	}
	return t.UTC(), nil
}

// orNow is t, or the transaction's time when t is zero.
func orNow(t time.Time, tx *store.Tx) time.Time {
	if t.IsZero() {
		return tx.Now()
	}
	return t
}
