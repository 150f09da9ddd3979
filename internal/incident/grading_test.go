package incident

import (
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// A finding nobody graded stays "not graded": not the most confident
// grade, and not F/6, which is a grader's "cannot be judged".
func TestFindingGrading(t *testing.T) {
	base := FindingInput{Outcome: Inconclusive, Attribution: AttributionUndetermined, Summary: "Unclear."}
	f, err := base.finding()
	if err != nil || f.Grading.Graded() || f.Grading != (Grading{}) {
		t.Fatalf("ungraded: %+v, %v", f.Grading, err)
	}
	graded := base
	graded.Reliability, graded.Credibility = "F", 6
	if f, err := graded.finding(); err != nil || !f.Grading.Graded() || f.Grading != (Grading{"F", 6}) {
		t.Fatalf("F/6: %+v, %v", f.Grading, err)
	}
	for name, c := range map[string]struct {
		rel   string
		cred  int
		field string
	}{
		"reliability alone": {"B", 0, "credibility"},
		"credibility alone": {"", 2, "reliability"},
		"a bad letter":      {"G", 2, "reliability"},
		"a bad number":      {"B", 7, "credibility"},
	} {
		in := base
		in.Reliability, in.Credibility = c.rel, c.cred
		_, err := in.finding()
		if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != c.field {
			t.Errorf("%s: %v, want invalid %s", name, err, c.field)
		}
	}
}
