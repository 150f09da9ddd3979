package transit

import (
	"slices"
	"testing"
	"time"

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
	_, err := CrossingInput{At: "then", Direction: "up"}.body(allErrorsNow, "org_1")
	wantAll(t, "crossing", err, "at", "checkpoint_id", "direction")
	_, err = RestrictionInput{Kind: "wall", Start: "then"}.body(allErrorsNow, "org_1")
	wantAll(t, "restriction", err, "kind", "checkpoint_id", "reason", "start")
}
