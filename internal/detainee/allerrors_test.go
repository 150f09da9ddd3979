package detainee

import (
	"slices"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// fieldsOf lists the fields of every error err carries.
func fieldsOf(err error) []string {
	var out []string
	for _, e := range errs.All(err) {
		out = append(out, e.Field)
	}
	return out
}

// wantAll fails unless err names every one of fields (issue 16: a form's
// errors come back all at once, not one per submit).
func wantAll(t *testing.T, name string, err error, fields ...string) {
	t.Helper()
	got := fieldsOf(err)
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Errorf("%s: errors on %v, want %s among them", name, got, f)
		}
	}
}

var allErrorsNow = time.Date(2021, 6, 12, 0, 0, 0, 0, time.UTC)

func TestEveryErrorAtOnce(t *testing.T) {
	_, err := ExchangeInput{At: "yesterday", Classification: "secret"}.body(allErrorsNow)
	wantAll(t, "exchange", err, "classification", "at", "moves")
	_, err = RemainsInput{Count: -2, RecoveredAt: "soon", RecoveredBy: "?"}.body(allErrorsNow)
	wantAll(t, "remains", err, "count", "recovered_at", "recovered_by")
	_, _, err = PersonInput{Category: "spy", HeldBy: "?", Nationality: "!", CapturedAt: "then"}.body(allErrorsNow, access.System)
	wantAll(t, "person", err, "category", "held_by", "nationality", "captured_at")
}
