package statement

import (
	"slices"
	"testing"

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

func TestEveryErrorAtOnce(t *testing.T) {
	_, err := StatementInput{Stance: "angry"}.body("org_1")
	wantAll(t, "statement", err, "speaker", "organisation", "date", "summaries", "stance")
	_, err = SourceInput{URL: "ftp://x"}.body("org_1")
	wantAll(t, "source", err, "outlet", "date", "url", "title")
}
