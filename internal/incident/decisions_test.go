package incident

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// members lists an incident's reports as "kind:id".
func members(inc Incident) []string {
	var out []string
	for _, a := range inc.Allegations {
		out = append(out, EntityAllegation+":"+a)
	}
	for _, o := range inc.Observations {
		out = append(out, EntityObservation+":"+o)
	}
	return out
}

func (f *fixture) current(t *testing.T, id string) Incident {
	t.Helper()
	return must[Incident](t)(f.s.GetIncident(context.Background(), f.analyst, id))
}

// A report with no proposal is attached to any incident the reviewer
// reads, or starts one of its own; each decision can be taken back, the
// latest first, and none on a sealed incident.
func TestReviewNoDeadEnds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// An incident of another day and place: fusion would never propose it.
	other := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Fire far west", Category: "small_arms_fire",
		Location: PointRadius{Point: westSide, RadiusM: 1000}, Time: TimeInput{Start: "2021-06-01T03:00:00Z", End: "2021-06-01T04:00:00Z"}}))
	alg := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	if ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, alg.ID, 5)); slices.Contains(proposed(ps), other.ID) {
		t.Fatalf("the far incident was proposed: %v", proposed(ps))
	}

	// Attach to any incident.
	decided := "2021-06-11T08:00:00Z"
	rev := must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, IncidentID: other.ID,
		Decision: DecisionAccept, Reason: "same unit", At: decided}))
	if got := members(f.current(t, other.ID)); !slices.Contains(got, EntityAllegation+":"+alg.ID) {
		t.Fatalf("members after accept %v", got)
	}
	if rev.At.Format(time.RFC3339) != decided || rev.ByName != f.monitor.Username {
		t.Errorf("review at %v by %q, want %s by %s", rev.At, rev.ByName, decided, f.monitor.Username)
	}
	// Undo: the report leaves the incident and is back in the queue.
	must[Review](t)(f.s.RecordReview(ctx, f.analyst, ReviewInput{Decision: DecisionUndo, ReviewID: rev.ID, Reason: "wrong incident"}))
	if got := members(f.current(t, other.ID)); len(got) != 0 {
		t.Fatalf("members after undo %v", got)
	}
	_, err := f.s.RecordReview(ctx, f.analyst, ReviewInput{Decision: DecisionUndo, ReviewID: rev.ID})
	wantErr(t, err, errs.CodeConflict, "review_id")

	// Start a new incident from it.
	rev = must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, Decision: DecisionNew, Title: "Mortar fire, 10 June"}))
	if rev.NewIncident == nil || rev.NewIncident.Title != "Mortar fire, 10 June" || rev.NewIncident.Category != alg.Category ||
		!slices.Equal(members(*rev.NewIncident), []string{EntityAllegation + ":" + alg.ID}) || rev.NewIncident.Status != Received {
		t.Fatalf("new incident %+v", rev.NewIncident)
	}
	opened := rev.NewIncident.ID
	if a := must[Allegation](t)(f.s.GetAllegation(ctx, f.monitor, alg.ID)); a.IncidentID != opened {
		t.Fatalf("allegation in %q, want %q", a.IncidentID, opened)
	}
	// A report already in an incident starts no other.
	_, err = f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, Decision: DecisionNew})
	wantErr(t, err, errs.CodeConflict, "report_id")

	// Split it out, then undo the split: it returns to the incident it left.
	split := must[Review](t)(f.s.RecordReview(ctx, f.analyst, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, IncidentID: opened, Decision: DecisionSplit}))
	if split.NewIncident == nil || len(members(f.current(t, opened))) != 0 {
		t.Fatalf("split: new %+v, left %v", split.NewIncident, members(f.current(t, opened)))
	}
	// The earlier decision is no longer the latest: refused.
	_, err = f.s.RecordReview(ctx, f.analyst, ReviewInput{Decision: DecisionUndo, ReviewID: rev.ID})
	wantErr(t, err, errs.CodeConflict, "review_id")
	must[Review](t)(f.s.RecordReview(ctx, f.analyst, ReviewInput{Decision: DecisionUndo, ReviewID: split.ID}))
	if got := members(f.current(t, opened)); !slices.Equal(got, []string{EntityAllegation + ":" + alg.ID}) {
		t.Fatalf("after undoing the split %v", got)
	}
	if got := members(f.current(t, split.NewIncident.ID)); len(got) != 0 {
		t.Fatalf("the split-off incident still holds %v", got)
	}

	// A rejection hides the incident from the proposals; undone, it is
	// proposed again.
	alg2 := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, f.allegationBy(f.sideB)))
	ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, alg2.ID, 5))
	if !slices.Contains(proposed(ps), opened) {
		t.Fatalf("proposals %v lack %s", proposed(ps), opened)
	}
	rej := must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg2.ID, IncidentID: opened, Decision: DecisionReject}))
	if ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, alg2.ID, 5)); slices.Contains(proposed(ps), opened) {
		t.Fatalf("rejected incident still proposed")
	}
	must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{Decision: DecisionUndo, ReviewID: rej.ID}))
	if ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, alg2.ID, 5)); !slices.Contains(proposed(ps), opened) {
		t.Fatalf("undone rejection still hides the incident: %v", proposed(ps))
	}

	// Sealed: the accept of alg2 cannot be taken back, nor can anything
	// be attached.
	acc := must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg2.ID, IncidentID: opened, Decision: DecisionAccept}))
	inc := f.current(t, opened)
	for _, st := range []struct {
		by access.Principal
		in TransitionInput
	}{{f.analyst, TransitionInput{To: PreliminaryReview}}, {f.analyst, TransitionInput{To: UnderInvestigation}},
		{f.analyst, TransitionInput{To: FindingMade, Finding: &FindingInput{Outcome: Inconclusive, Attribution: AttributionUndetermined, Summary: "Unclear."}}},
		{f.cochair, TransitionInput{To: Closed}}} {
		inc = must[Incident](t)(f.s.Transition(ctx, st.by, inc.ID, inc.Version, st.in))
	}
	_, err = f.s.RecordReview(ctx, f.monitor, ReviewInput{Decision: DecisionUndo, ReviewID: acc.ID})
	wantErr(t, err, errs.CodeConflict, "status")
	alg3 := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	_, err = f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg3.ID, IncidentID: opened, Decision: DecisionAccept})
	wantErr(t, err, errs.CodeConflict, "status")

	// Bad input names its field and changes nothing.
	for _, c := range []struct {
		name  string
		in    ReviewInput
		code  errs.Code
		field string
	}{
		{"unknown decision", ReviewInput{ReportKind: EntityAllegation, ReportID: alg3.ID, IncidentID: other.ID, Decision: "merge"}, errs.CodeInvalid, "decision"},
		{"new with an incident", ReviewInput{ReportKind: EntityAllegation, ReportID: alg3.ID, IncidentID: other.ID, Decision: DecisionNew}, errs.CodeInvalid, "incident_id"},
		{"undo without review", ReviewInput{Decision: DecisionUndo}, errs.CodeInvalid, "review_id"},
		{"undo with a report", ReviewInput{Decision: DecisionUndo, ReviewID: acc.ID, ReportID: alg3.ID}, errs.CodeInvalid, "report_id"},
		{"undo of nothing", ReviewInput{Decision: DecisionUndo, ReviewID: "rev_nothing"}, errs.CodeInvalid, "review_id"},
		{"review id to accept", ReviewInput{ReportKind: EntityAllegation, ReportID: alg3.ID, IncidentID: other.ID, Decision: DecisionAccept, ReviewID: acc.ID}, errs.CodeInvalid, "review_id"},
		{"title to accept", ReviewInput{ReportKind: EntityAllegation, ReportID: alg3.ID, IncidentID: other.ID, Decision: DecisionAccept, Title: "x"}, errs.CodeInvalid, "title"},
		{"future time", ReviewInput{ReportKind: EntityAllegation, ReportID: alg3.ID, IncidentID: other.ID, Decision: DecisionAccept, At: "2031-01-01T00:00:00Z"}, errs.CodeInvalid, "at"},
		{"bad time", ReviewInput{ReportKind: EntityAllegation, ReportID: alg3.ID, IncidentID: other.ID, Decision: DecisionAccept, At: "yesterday"}, errs.CodeInvalid, "at"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.s.RecordReview(ctx, f.monitor, c.in)
			wantErr(t, err, c.code, c.field)
		})
	}
	// A liaison does not review.
	_, err = f.s.RecordReview(ctx, f.liaisonA, ReviewInput{ReportKind: EntityAllegation, ReportID: alg3.ID, Decision: DecisionNew})
	wantErr(t, err, errs.CodeForbidden, "")
	if got := members(f.current(t, other.ID)); len(got) != 0 {
		t.Fatalf("refused decisions changed the incident: %v", got)
	}
}

// Offers say what each reader may do; a sealed incident offers only
// reopening, and only to a co-chair.
func TestOffers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	inc := f.investigate(t, nil, nil)
	o := f.s.Offers(f.analyst, inc)
	if !o.Note || !o.Split || !o.AttachReport || !o.AttachFile || !o.Undo || len(o.Steps) == 0 {
		t.Fatalf("analyst's offers on an open incident: %+v", o)
	}
	if o := f.s.Offers(f.liaisonA, inc); o.Note || o.Split || o.AttachReport || o.Undo || len(o.Steps) != 0 {
		t.Fatalf("liaison's offers: %+v", o)
	}
	inc = must[Incident](t)(f.s.Transition(ctx, f.analyst, inc.ID, inc.Version, TransitionInput{To: FindingMade,
		Finding: &FindingInput{Outcome: Inconclusive, Attribution: AttributionUndetermined, Summary: "Unclear."}}))
	inc = must[Incident](t)(f.s.Transition(ctx, f.cochair, inc.ID, inc.Version, TransitionInput{To: Closed}))
	for _, p := range []access.Principal{f.analyst, f.monitor, f.cochair, f.liaisonA, f.observer} {
		o := f.s.Offers(p, inc)
		if o.Note || o.Split || o.AttachReport || o.AttachFile || o.Undo {
			t.Errorf("%s may edit a sealed incident: %+v", p.UserID, o)
		}
		wantSteps := []Step(nil)
		if p.UserID == f.cochair.UserID {
			wantSteps = []Step{{To: UnderInvestigation, NeedsReason: true}}
		}
		if !slices.Equal(o.Steps, wantSteps) && !(len(o.Steps) == 0 && wantSteps == nil) {
			t.Errorf("%s steps %+v, want %+v", p.UserID, o.Steps, wantSteps)
		}
	}
	got := must[Offers](t)(f.s.IncidentOffers(ctx, f.cochair, inc.ID))
	if len(got.Steps) != 1 {
		t.Errorf("IncidentOffers %+v", got)
	}
}

// The timeline reads in the order things happened, by their own times,
// with who decided by name; reviews and their undoing are on it.
func TestTimelineEventTime(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := f.allegationBy(f.sideA)
	in.ReportedAt = "2021-06-10T06:00:00Z"
	alg := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, in))
	inc := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Shelling", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z", End: "2021-06-10T04:00:00Z"},
		OpenedAt: "2021-06-10T12:00:00Z"}))
	rev := must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, IncidentID: inc.ID,
		Decision: DecisionAccept, At: "2021-06-10T13:00:00Z"}))
	inc = *rev.Incident
	inc = must[Incident](t)(f.s.Transition(ctx, f.analyst, inc.ID, inc.Version, TransitionInput{To: PreliminaryReview, At: "2021-06-11T09:00:00Z"}))
	// A note typed in now about a visit the day before.
	inc = must[Incident](t)(f.s.AddNote(ctx, f.monitor, inc.ID, inc.Version, NoteInput{Kind: "site_visit", Text: "Craters seen.", At: "2021-06-11T08:00:00Z"}))
	tl := must[[]TimelineEvent](t)(f.s.Timeline(ctx, f.analyst, inc.ID))
	var got []string
	for _, ev := range tl {
		got = append(got, ev.At.Format("02T15:04")+" "+ev.Kind+" "+ev.ByName)
	}
	want := []string{
		"10T03:10 occurred ",
		"10T06:00 reported ",
		"10T12:00 status usr_ana",
		"10T13:00 review usr_mon",
		"11T08:00 note usr_mon",
		"11T09:00 status usr_ana",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("timeline\n%q\nwant\n%q", got, want)
	}
	if !tl[3].Undoable || tl[3].Decision != DecisionAccept {
		t.Errorf("the accept is not offered for undoing: %+v", tl[3])
	}
	// Staff notes are not on a liaison's timeline.
	for _, ev := range must[[]TimelineEvent](t)(f.s.Timeline(ctx, f.liaisonA, inc.ID)) {
		if ev.Kind == EventNote {
			t.Errorf("a liaison reads a staff note: %+v", ev)
		}
	}
	// Undone, the decision stays with its undoing after it.
	must[Review](t)(f.s.RecordReview(ctx, f.analyst, ReviewInput{Decision: DecisionUndo, ReviewID: rev.ID, At: "2021-06-11T10:00:00Z"}))
	tl = must[[]TimelineEvent](t)(f.s.Timeline(ctx, f.analyst, inc.ID))
	last := tl[len(tl)-1]
	if last.Kind != EventUndo || last.ByName != f.analyst.Username || last.Decision != DecisionAccept {
		t.Fatalf("last event %+v, want the undo", last)
	}
	for _, ev := range tl {
		if ev.Kind == EventReview && ev.Undoable {
			t.Errorf("an undone decision is offered for undoing: %+v", ev)
		}
	}
	// Times in the future are refused.
	_, err := f.s.AddNote(ctx, f.monitor, inc.ID, inc.Version+1, NoteInput{Kind: "note", Text: "x", At: "2022-01-01T00:00:00Z"})
	wantErr(t, err, errs.CodeInvalid, "at")
	_, err = f.s.Transition(ctx, f.analyst, inc.ID, inc.Version+1, TransitionInput{To: UnderInvestigation, At: "not a time"})
	wantErr(t, err, errs.CodeInvalid, "at")
}

// The finder finds incidents by words of the title in any case and script,
// category, day and place.
func TestFindIncidents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	open := func(title, category, day string, at PointRadius) Incident {
		return must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: title, Category: category, Location: at,
			Time: TimeInput{Start: day + "T03:00:00Z", End: day + "T04:00:00Z"}}))
	}
	shusha := open("Обстрел у Шуши", "heavy_weapons_fire", "2021-06-10", PointRadius{Point: westSide, RadiusM: 1000})
	east := open("Mortar fire east", "heavy_weapons_fire", "2021-06-10", PointRadius{Point: inZone, RadiusM: 1000})
	later := open("Mortar fire again", "small_arms_fire", "2021-06-11", PointRadius{Point: inZone, RadiusM: 1000})
	ids := func(list []Incident) []string {
		var out []string
		for _, i := range list {
			out = append(out, i.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(xs ...string) []string { slices.Sort(xs); return xs }
	for _, c := range []struct {
		name string
		q    IncidentQuery
		want []string
	}{
		{"words any case", IncidentQuery{Text: "MORTAR fire"}, sorted(east.ID, later.ID)},
		{"cyrillic", IncidentQuery{Text: "обстрел"}, sorted(shusha.ID)},
		{"category", IncidentQuery{Category: "small_arms_fire"}, sorted(later.ID)},
		{"day", IncidentQuery{Day: time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC)}, sorted(shusha.ID, east.ID)},
		{"near a place", IncidentQuery{PlaceID: f.place, RadiusM: 30_000}, sorted(shusha.ID)},
		{"all", IncidentQuery{}, sorted(shusha.ID, east.ID, later.ID)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ids(must[[]Incident](t)(f.s.FindIncidents(ctx, f.analyst, c.q, 20)))
			if !slices.Equal(got, c.want) {
				t.Fatalf("found %v, want %v", got, c.want)
			}
		})
	}
	_, err := f.s.FindIncidents(ctx, f.analyst, IncidentQuery{Category: "picnic"}, 20)
	wantErr(t, err, errs.CodeInvalid, "category")
	_, err = f.s.FindIncidents(ctx, f.analyst, IncidentQuery{PlaceID: "plc_nowhere"}, 20)
	wantErr(t, err, errs.CodeInvalid, "place")
	// A liaison finds nothing restricted to others.
	must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Hidden mortar", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 1000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"},
		LabelInput: access.LabelInput{Classification: "restricted", RestrictedTo: []string{f.guarantor}}}))
	if got := must[[]Incident](t)(f.s.FindIncidents(ctx, f.liaisonA, IncidentQuery{Text: "hidden"}, 20)); len(got) != 0 {
		t.Fatalf("a liaison found %v", ids(got))
	}
}

// The latest decision is the one recorded last, even when a decision is
// given an earlier time than the one before it.
func TestUndoOrderIsRecordOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alg := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	opened := must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, Decision: DecisionNew, At: "2021-06-11T12:00:00Z"}))
	split := must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: alg.ID, IncidentID: opened.NewIncident.ID,
		Decision: DecisionSplit, At: "2021-06-11T08:00:00Z"}))
	_, err := f.s.RecordReview(ctx, f.monitor, ReviewInput{Decision: DecisionUndo, ReviewID: opened.ID})
	wantErr(t, err, errs.CodeConflict, "review_id")
	tl := must[[]TimelineEvent](t)(f.s.Timeline(ctx, f.monitor, split.NewIncident.ID))
	if !slices.ContainsFunc(tl, func(ev TimelineEvent) bool { return ev.ReviewID == split.ID && ev.Undoable }) {
		t.Fatalf("the split is not offered for undoing: %+v", tl)
	}
	must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{Decision: DecisionUndo, ReviewID: split.ID}))
	must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{Decision: DecisionUndo, ReviewID: opened.ID}))
	if a := must[Allegation](t)(f.s.GetAllegation(ctx, f.monitor, alg.ID)); a.IncidentID != "" {
		t.Fatalf("after undoing both the allegation is in %s", a.IncidentID)
	}
}
