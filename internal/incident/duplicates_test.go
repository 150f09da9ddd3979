package incident

import (
	"context"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// queued lists the report ids in p's review queue.
func (f *fixture) queued(t *testing.T) []string {
	t.Helper()
	q := must[store.Page[QueueItem]](t)(f.s.ReviewQueue(context.Background(), f.monitor, store.PageRequest{Limit: 100}))
	var out []string
	for _, it := range q.Items {
		if it.Allegation != nil {
			out = append(out, it.Allegation.ID)
		} else {
			out = append(out, it.Observation.ID)
		}
	}
	n, _ := must2(t)(f.s.ReviewQueueLength(context.Background(), f.monitor))
	if n != len(out) {
		t.Fatalf("the queue's length says %d, the queue holds %d", n, len(out))
	}
	return out
}

func must2(t *testing.T) func(int, bool, error) (int, bool) {
	return func(n int, more bool, err error) (int, bool) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n, more
	}
}

// Several reports are marked as repeating one: each leaves the queue on
// its own, the refused ones say why, the original's incident shows the
// decision, and undo puts a duplicate back.
func TestMarkDuplicates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	orig := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	dup1 := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	dup2 := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	inIncident := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, f.allegationBy(f.sideB)))
	opened := must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: orig.ID, Decision: DecisionNew}))
	must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: inIncident.ID,
		IncidentID: opened.NewIncident.ID, Decision: DecisionAccept}))
	if got := f.queued(t); !slices.Contains(got, dup1.ID) || !slices.Contains(got, dup2.ID) {
		t.Fatalf("queue before: %v", got)
	}

	out := must[[]DuplicateOutcome](t)(f.s.MarkDuplicates(ctx, f.monitor, DuplicatesInput{ReportKind: EntityAllegation,
		ReportIDs: []string{dup1.ID, dup2.ID, inIncident.ID, orig.ID, "alg_missing"}, DuplicateOf: orig.ID, Reason: "Lodged twice."}))
	want := []struct {
		code  errs.Code
		field string
	}{{"", ""}, {"", ""}, {errs.CodeConflict, "report_id"}, {errs.CodeInvalid, "duplicate_of"}, {errs.CodeInvalid, "report_id"}}
	for i, o := range out {
		if want[i].code == "" {
			if o.Err != nil || o.ReviewID == "" {
				t.Errorf("%s: %v", o.ReportID, o.Err)
			}
			continue
		}
		if errs.CodeOf(o.Err) != want[i].code || errs.FieldOf(o.Err) != want[i].field || o.Error == "" {
			t.Errorf("%s: %v (%s), want %s on %s", o.ReportID, o.Err, errs.FieldOf(o.Err), want[i].code, want[i].field)
		}
	}
	if got := f.queued(t); slices.Contains(got, dup1.ID) || slices.Contains(got, dup2.ID) {
		t.Fatalf("duplicates still queued: %v", got)
	}
	// The original's incident shows the decisions; the duplicates joined
	// no incident.
	inc := f.current(t, opened.NewIncident.ID)
	if slices.Contains(members(inc), EntityAllegation+":"+dup1.ID) {
		t.Fatalf("a duplicate joined the incident")
	}
	tl := must[[]TimelineEvent](t)(f.s.Timeline(ctx, f.analyst, inc.ID))
	seen := 0
	for _, ev := range tl {
		if ev.Kind == EventReview && ev.Decision == DecisionDuplicate && ev.ByName == f.monitor.Username {
			seen++
		}
	}
	if seen != 2 {
		t.Errorf("the timeline shows %d duplicate decisions, want 2", seen)
	}

	// Marked twice, or a duplicate named as the original: refused.
	_, err := f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: dup1.ID, DuplicateOf: orig.ID, Decision: DecisionDuplicate})
	wantErr(t, err, errs.CodeConflict, "report_id")
	third := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	_, err = f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: third.ID, DuplicateOf: dup1.ID, Decision: DecisionDuplicate})
	wantErr(t, err, errs.CodeConflict, "duplicate_of")

	// Undo: back in the queue.
	must[Review](t)(f.s.RecordReview(ctx, f.analyst, ReviewInput{Decision: DecisionUndo, ReviewID: out[0].ReviewID, Reason: "Not the same event."}))
	if got := f.queued(t); !slices.Contains(got, dup1.ID) {
		t.Fatalf("undone duplicate not queued again: %v", got)
	}

	// Who may, and bad input.
	_, err = f.s.MarkDuplicates(ctx, f.liaisonA, DuplicatesInput{ReportKind: EntityAllegation, ReportIDs: []string{third.ID}, DuplicateOf: orig.ID})
	wantErr(t, err, errs.CodeForbidden, "")
	_, err = f.s.MarkDuplicates(ctx, f.monitor, DuplicatesInput{ReportKind: EntityAllegation, DuplicateOf: orig.ID})
	wantErr(t, err, errs.CodeInvalid, "report_ids")
	_, err = f.s.MarkDuplicates(ctx, f.monitor, DuplicatesInput{ReportKind: "incident", ReportIDs: []string{third.ID}, DuplicateOf: orig.ID})
	wantErr(t, err, errs.CodeInvalid, "report_kind")
	_, err = f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: third.ID, Decision: DecisionReject, IncidentID: inc.ID, DuplicateOf: orig.ID})
	wantErr(t, err, errs.CodeInvalid, "duplicate_of")
}
