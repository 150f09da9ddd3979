package incident

import (
	"context"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// listed reports whether an incident is in the numbered list.
func (f *fixture) listed(t *testing.T, id string) bool {
	t.Helper()
	got := must[store.Numbered[Incident]](t)(f.s.NumberedIncidents(context.Background(), f.analyst, IncidentFilter{}, store.ListQuery{Size: 100}))
	return slices.ContainsFunc(got.Items, func(inc Incident) bool { return inc.ID == id })
}

// Taking back "new incident" withdraws the incident it opened when that
// leaves it empty: a change, kept in the log, no longer listed, proposed
// or changed. One that holds other reports by then stays.
func TestUndoNewIncidentWithdrawsIt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alg := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	rev := must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, Decision: DecisionNew}))
	opened := rev.NewIncident.ID
	if !f.listed(t, opened) {
		t.Fatal("the new incident is not listed")
	}
	must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{Decision: DecisionUndo, ReviewID: rev.ID, Reason: "Opened by mistake."}))
	inc := f.current(t, opened)
	if inc.Withdrawn == nil || inc.Withdrawn.Reason != "Opened by mistake." || inc.Withdrawn.ByName != f.monitor.Username || len(members(inc)) != 0 {
		t.Fatalf("after undo: withdrawn %+v, members %v", inc.Withdrawn, members(inc))
	}
	if f.listed(t, opened) {
		t.Fatal("the withdrawn incident is still listed")
	}
	// Its history keeps both versions.
	if inc.Version != 2 {
		t.Errorf("version %d, want 2 (opened, withdrawn)", inc.Version)
	}
	// Not proposed for the report any more, and takes no change.
	if ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, alg.ID, 5)); slices.Contains(proposed(ps), opened) {
		t.Errorf("the withdrawn incident is proposed")
	}
	_, err := f.s.Transition(ctx, f.analyst, opened, inc.Version, TransitionInput{To: PreliminaryReview})
	wantErr(t, err, errs.CodeConflict, "status")
	_, err = f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, IncidentID: opened, Decision: DecisionAccept})
	wantErr(t, err, errs.CodeConflict, "status")
	if o := f.s.Offers(f.analyst, inc); len(o.Steps) != 0 || o.AttachReport || o.Undo || o.Note || o.Split {
		t.Errorf("a withdrawn incident offers %+v", o)
	}

	// An incident that gained another report by then is kept.
	rev = must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, Decision: DecisionNew}))
	second := rev.NewIncident.ID
	other := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, f.allegationBy(f.sideB)))
	must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: other.ID, IncidentID: second, Decision: DecisionAccept}))
	must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{Decision: DecisionUndo, ReviewID: rev.ID}))
	if inc := f.current(t, second); inc.Withdrawn != nil || !f.listed(t, second) || !slices.Equal(members(inc), []string{EntityAllegation + ":" + other.ID}) {
		t.Fatalf("the incident with another report: withdrawn %+v, members %v", inc.Withdrawn, members(inc))
	}

	// Undoing a split empties the incident it opened: withdrawn too.
	split := must[Review](t)(f.s.RecordReview(ctx, f.analyst, ReviewInput{ReportKind: EntityAllegation, ReportID: other.ID, IncidentID: second, Decision: DecisionSplit}))
	must[Review](t)(f.s.RecordReview(ctx, f.analyst, ReviewInput{Decision: DecisionUndo, ReviewID: split.ID}))
	if inc := f.current(t, split.NewIncident.ID); inc.Withdrawn == nil || f.listed(t, split.NewIncident.ID) {
		t.Fatalf("the split-off incident after undo: withdrawn %+v", inc.Withdrawn)
	}
}
