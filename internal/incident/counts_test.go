package incident

import (
	"context"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

// LodgeAllegations lodges all or none; the queue's length and the report
// days follow what each reader may read.
func TestBatchQueueLengthReportDays(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if n, more, err := f.s.ReviewQueueLength(ctx, f.monitor); err != nil || n != 0 || more {
		t.Fatalf("empty queue: %d %v %v", n, more, err)
	}
	if first, last, err := f.s.ReportDays(ctx, f.monitor); err != nil || !first.IsZero() || !last.IsZero() {
		t.Fatalf("no reports: %v %v %v", first, last, err)
	}
	a := f.allegationBy(f.sideA)
	b := f.allegationBy(f.sideA)
	b.Time = TimeInput{Start: "2021-06-08T10:00:00Z"}
	bad := f.allegationBy(f.sideA)
	bad.Category = "no_such_category"
	// One bad input: nothing is lodged, the error names its index.
	_, err := f.s.LodgeAllegations(ctx, f.liaisonA, []AllegationInput{a, bad, b})
	wantErr(t, err, errs.CodeInvalid, "allegations[1].category")
	if n, _, _ := f.s.ReviewQueueLength(ctx, f.monitor); n != 0 {
		t.Fatalf("a refused batch left %d in the queue", n)
	}
	// A liaison lodges only in its own side's name, in a batch too.
	_, err = f.s.LodgeAllegations(ctx, f.liaisonB, []AllegationInput{a})
	wantErr(t, err, errs.CodeForbidden, "allegations[0].on_behalf_of")
	got, err := f.s.LodgeAllegations(ctx, f.liaisonA, []AllegationInput{a, b})
	if err != nil || len(got) != 2 || got[0].ID == got[1].ID {
		t.Fatalf("batch: %v %v", got, err)
	}
	if _, err := f.s.GetAllegation(ctx, f.monitor, got[1].ID); err != nil {
		t.Fatal(err)
	}
	if n, more, err := f.s.ReviewQueueLength(ctx, f.monitor); err != nil || n != 2 || more {
		t.Fatalf("queue: %d %v %v", n, more, err)
	}
	if _, _, err := f.s.ReviewQueueLength(ctx, f.liaisonA); errs.CodeOf(err) != errs.CodeForbidden {
		t.Fatalf("a liaison's queue: %v", err)
	}
	first, last, err := f.s.ReportDays(ctx, f.monitor)
	if err != nil || first != time.Date(2021, 6, 8, 0, 0, 0, 0, time.UTC) || last != time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("report days: %v %v %v", first, last, err)
	}
	if _, err := f.s.LodgeAllegations(ctx, f.liaisonA, make([]AllegationInput, MaxBatch+1)); errs.FieldOf(err) != "allegations" {
		t.Fatalf("an oversized batch: %v", err)
	}
}
