package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

func proposed(ps []Proposal) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.IncidentID
	}
	return out
}

// Side A accuses side B; an analyst opens an incident for it. Side B then
// accuses side A of the same exchange: fusion proposes the incident first,
// for the mutual accusation, and the reviewers accept, reject and split.
func TestProposalsAndReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	algA := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	incBody := func(label access.LabelInput, members ...string) IncidentInput {
		return IncidentInput{Title: "Mortar fire", Category: "heavy_weapons_fire",
			Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z", End: "2021-06-10T04:00:00Z"},
			Allegations: members, LabelInput: label}
	}
	inc := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, incBody(access.LabelInput{}, algA.ID)))
	// The same place and time, restricted to the centre: side B never sees it.
	hidden := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, incBody(access.LabelInput{Classification: "restricted", RestrictedTo: []string{f.guarantor}})))
	// Another day: not proposed at all.
	other := incBody(access.LabelInput{})
	other.Time = TimeInput{Start: "2021-06-01T03:00:00Z", End: "2021-06-01T04:00:00Z"}
	far := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, other))

	// A monitor's observation whose sector holds the place is proposed the
	// incident, for that reason.
	from, to := 80.0, 100.0
	obs := must[Observation](t)(f.s.RecordObservation(ctx, f.monitor, ObservationInput{
		Observer: Observer{Kind: "post", Position: geo.Point{Lat: 40.10, Lon: 46.85}}, Kind: "impact", Count: 2,
		BearingFrom: &from, BearingTo: &to, DistanceMinM: 1000, DistanceMaxM: 4000, Perception: "heard",
		Time: TimeInput{Start: "2021-06-10T03:15:00Z", End: "2021-06-10T03:30:00Z"}}))
	ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.liaisonA, EntityObservation, obs.ID, 5))
	if len(ps) == 0 || ps[0].IncidentID != inc.ID ||
		!slices.ContainsFunc(ps[0].Reasons, func(r string) bool { return strings.Contains(r, "observation agrees") }) {
		t.Fatalf("observation proposals %+v, want %s first with the observation's agreement", ps, inc.ID)
	}

	algB := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, f.allegationBy(f.sideB)))
	for _, p := range []access.Principal{f.liaisonB, f.monitor} {
		ps := must[[]Proposal](t)(f.s.Proposals(ctx, p, EntityAllegation, algB.ID, 5))
		if len(ps) == 0 || ps[0].IncidentID != inc.ID {
			t.Fatalf("%s: proposals %+v, want %s first", p.UserID, ps, inc.ID)
		}
		if !slices.ContainsFunc(ps[0].Reasons, func(r string) bool { return strings.Contains(r, "mutual accusation") }) {
			t.Errorf("reasons %q name no mutual accusation", ps[0].Reasons)
		}
		if slices.ContainsFunc(ps[0].Reasons, func(r string) bool { return strings.Contains(r, "#") }) {
			t.Errorf("reasons %q quote the index's keys", ps[0].Reasons)
		}
		if slices.Contains(proposed(ps), far.ID) {
			t.Errorf("%s: proposed an incident of another day: %v", p.UserID, proposed(ps))
		}
		if got := slices.Contains(proposed(ps), hidden.ID); got != (p.UserID == f.monitor.UserID) {
			t.Errorf("%s: restricted incident proposed %v, want %v (%v)", p.UserID, got, !got, proposed(ps))
		}
	}
	// A report the reader may not read has no proposals.
	restricted := f.allegationBy(f.sideA)
	restricted.Classification = "restricted"
	algAOnly := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, restricted))
	_, err := f.s.Proposals(ctx, f.liaisonB, EntityAllegation, algAOnly.ID, 5)
	wantErr(t, err, errs.CodeNotFound, "")

	// The queue lists side B's allegation with the incident proposed.
	q := must[store.Page[QueueItem]](t)(f.s.ReviewQueue(ctx, f.monitor, store.PageRequest{}))
	i := slices.IndexFunc(q.Items, func(it QueueItem) bool { return it.Allegation != nil && it.Allegation.ID == algB.ID })
	if i < 0 || len(q.Items[i].Proposals) == 0 || q.Items[i].Proposals[0].IncidentID != inc.ID {
		t.Fatalf("queue %+v", q.Items)
	}
	if slices.ContainsFunc(q.Items, func(it QueueItem) bool { return it.Allegation != nil && it.Allegation.ID == algA.ID }) {
		t.Errorf("a linked allegation is queued")
	}

	// Who reviews: the mission's staff, not the sides nor observers.
	decide := func(p access.Principal, decision, incID string) (Review, error) {
		return f.s.RecordReview(ctx, p, ReviewInput{ReportKind: EntityAllegation, ReportID: algB.ID, IncidentID: incID, Decision: decision, Reason: "checked"})
	}
	for _, p := range []access.Principal{f.liaisonA, f.liaisonB, f.observer} {
		_, err := decide(p, DecisionAccept, inc.ID)
		wantErr(t, err, errs.CodeForbidden, "")
	}
	_, err = decide(f.monitor, "maybe", inc.ID)
	wantErr(t, err, errs.CodeInvalid, "decision")

	// Reject: never proposed again for this report.
	must[Review](t)(decide(f.monitor, DecisionReject, hidden.ID))
	if ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, algB.ID, 5)); slices.Contains(proposed(ps), hidden.ID) {
		t.Errorf("rejected incident proposed again: %v", proposed(ps))
	}

	// Accept: linked, in the same change as the incident's.
	rev := must[Review](t)(decide(f.analyst, DecisionAccept, inc.ID))
	if rev.Incident == nil || !slices.Contains(rev.Incident.Allegations, algB.ID) || rev.Incident.Version != inc.Version+1 {
		t.Fatalf("accepted: %+v", rev.Incident)
	}
	if a := must[Allegation](t)(f.s.GetAllegation(ctx, f.liaisonB, algB.ID)); a.IncidentID != inc.ID {
		t.Fatalf("allegation in %q, want %s", a.IncidentID, inc.ID)
	}
	_, err = decide(f.analyst, DecisionAccept, inc.ID)
	wantErr(t, err, errs.CodeConflict, "report_id")
	q = must[store.Page[QueueItem]](t)(f.s.ReviewQueue(ctx, f.monitor, store.PageRequest{}))
	if slices.ContainsFunc(q.Items, func(it QueueItem) bool { return it.Allegation != nil && it.Allegation.ID == algB.ID }) {
		t.Errorf("an accepted allegation is still queued")
	}
	// A third claim by side B is not proposed to an incident that holds one.
	algB2 := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, f.allegationBy(f.sideB)))
	if ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, algB2.ID, 5)); slices.Contains(proposed(ps), inc.ID) {
		t.Errorf("incident with side B's claim proposed for another: %v", proposed(ps))
	}

	// Split: out of the incident, into one of its own.
	rev = must[Review](t)(decide(f.cochair, DecisionSplit, inc.ID))
	if rev.NewIncident == nil || !slices.Equal(rev.NewIncident.Allegations, []string{algB.ID}) || slices.Contains(rev.Incident.Allegations, algB.ID) {
		t.Fatalf("split: %+v / %+v", rev.Incident, rev.NewIncident)
	}
	if a := must[Allegation](t)(f.s.GetAllegation(ctx, f.liaisonB, algB.ID)); a.IncidentID != rev.NewIncidentID {
		t.Fatalf("allegation in %q, want %s", a.IncidentID, rev.NewIncidentID)
	}
	// The index follows: side B's claim fits the old incident again.
	if ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, algB2.ID, 5)); !slices.Contains(proposed(ps), inc.ID) {
		t.Errorf("after the split, %s not proposed: %v", inc.ID, proposed(ps))
	}

	// A sealed incident refuses accept and split.
	cur := must[Incident](t)(f.s.GetIncident(ctx, f.analyst, inc.ID))
	for _, step := range []struct {
		p  access.Principal
		in TransitionInput
	}{
		{f.analyst, TransitionInput{To: PreliminaryReview}},
		{f.analyst, TransitionInput{To: UnderInvestigation}},
		{f.analyst, TransitionInput{To: FindingMade, Finding: &FindingInput{Outcome: Inconclusive, Attribution: AttributionUndetermined, Summary: "Unclear."}}},
		{f.cochair, TransitionInput{To: Closed}},
	} {
		cur = must[Incident](t)(f.s.Transition(ctx, step.p, inc.ID, cur.Version, step.in))
	}
	_, err = f.s.RecordReview(ctx, f.analyst, ReviewInput{ReportKind: EntityAllegation, ReportID: algB2.ID, IncidentID: inc.ID, Decision: DecisionAccept})
	wantErr(t, err, errs.CodeConflict, "status")
	_, err = f.s.RecordReview(ctx, f.analyst, ReviewInput{ReportKind: EntityAllegation, ReportID: algA.ID, IncidentID: inc.ID, Decision: DecisionSplit})
	wantErr(t, err, errs.CodeConflict, "status")

	// A fresh service builds its index from the store and agrees.
	s2 := &Service{db: f.db, geo: f.geo, now: f.s.now, fused: newFusionIndex()}
	a := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, algB2.ID, 5))
	b := must[[]Proposal](t)(s2.Proposals(ctx, f.monitor, EntityAllegation, algB2.ID, 5))
	if !slices.Equal(proposed(a), proposed(b)) {
		t.Errorf("incremental index proposes %v, rebuilt %v", proposed(a), proposed(b))
	}
}

func TestMarkAmbiguous(t *testing.T) {
	for _, c := range []struct {
		name   string
		scores []float64
		want   []bool
	}{
		{"one clear incident", []float64{4}, []bool{false}},
		{"one weak incident, no likelier than a new one", []float64{0}, []bool{true}},
		{"a clear leader", []float64{6, 1, 0.5}, []bool{false, true, true}},
		{"two equal", []float64{3, 3}, []bool{true, true}},
		{"a narrow lead is enough", []float64{3, 2.9}, []bool{false, true}},
		{"none", nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps := make([]Proposal, len(c.scores))
			for i, s := range c.scores {
				ps[i] = Proposal{IncidentID: fmt.Sprint(i), Score: s}
			}
			for i, p := range markAmbiguous(ps) {
				if p.Ambiguous != c.want[i] {
					t.Errorf("proposal %d (score %v): ambiguous %v, want %v", i, p.Score, p.Ambiguous, c.want[i])
				}
			}
		})
	}
}
