package incident

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/fusionmodel"
)

// Reviewers' decisions become labelled pairs; the model learnt from them
// is a record of the log, refused whole when it does not check, and the
// proposals take the stored model's parameters.
func TestDecisionsBecomeLabelsAndTheModelLivesInTheLog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var fits [][]fusion.Label
	fit := func(ctx context.Context, reports []fusion.Report, labels []fusion.Label, start fusion.Model) (fusion.Model, error) {
		fits = append(fits, labels)
		m := start
		m.Fitted = fusion.FitInfo{Reports: len(reports), Labels: len(labels), Iterations: start.Fitted.Iterations + 1}
		return m, nil
	}
	fm := fusionmodel.New(f.db, f.s, fit)
	f.s.SetModelParams(fm.Params)

	algA := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	algB := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, f.allegationBy(f.sideB)))
	algC := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	algD := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, f.allegationBy(f.sideB)))
	in := IncidentInput{Title: "Mortar fire", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z", End: "2021-06-10T04:00:00Z"},
		Allegations: []string{algA.ID}}
	inc := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, in))
	decide := func(report, decision, incID string) Review {
		t.Helper()
		return must[Review](t)(f.s.RecordReview(ctx, f.monitor, ReviewInput{ReportKind: EntityAllegation, ReportID: report, IncidentID: incID, Decision: decision}))
	}
	decide(algB.ID, DecisionAccept, inc.ID) // B is A's event
	decide(algC.ID, DecisionReject, inc.ID) // C is not
	decide(algD.ID, DecisionAccept, inc.ID) // D was, then is split out:
	decide(algD.ID, DecisionSplit, inc.ID)  // not A's nor B's event

	// Who reads them: analysts and co-chairs.
	for _, p := range []access.Principal{f.liaisonA, f.monitor, f.observer} {
		if _, err := f.s.FusionLabels(ctx, p); errs.CodeOf(err) != errs.CodeForbidden {
			t.Errorf("%s: %v, want forbidden", p.UserID, err)
		}
	}
	labels := must[[]fusion.Label](t)(f.s.FusionLabels(ctx, f.analyst))
	pair := func(a, b string, same bool) fusion.Label {
		if b < a {
			a, b = b, a
		}
		return fusion.Label{A: a, B: b, Same: same}
	}
	want := []fusion.Label{pair(algA.ID, algB.ID, true), pair(algC.ID, algA.ID, false), pair(algC.ID, algB.ID, false),
		pair(algD.ID, algA.ID, false), pair(algD.ID, algB.ID, false)}
	slices.SortFunc(want, func(x, y fusion.Label) int {
		if x.A != y.A {
			return cmpStr(x.A, y.A)
		}
		return cmpStr(x.B, y.B)
	})
	if !slices.Equal(labels, want) {
		t.Fatalf("labels\n%v\nwant\n%v", labels, want)
	}
	if n := must[int64](t)(f.s.ReviewDecisions(ctx)); n != 4 {
		t.Errorf("%d decisions, want 4", n)
	}
	reports := must[[]fusion.Report](t)(f.s.FusionReports(ctx, f.analyst))
	if len(reports) != 4 {
		t.Errorf("%d reports to learn from, want 4", len(reports))
	}

	// Before any model: the default, version 0, readable by every account.
	cur := must[fusionmodel.Stored](t)(fm.Current(ctx, f.liaisonB))
	if cur.Version != 0 || !reflect.DeepEqual(cur.Model, fusion.DefaultModel()) {
		t.Fatalf("before any model: %+v", cur)
	}
	if _, err := fm.Current(ctx, access.Anonymous); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Errorf("anonymous reads the model: %v", err)
	}

	// A refit stores version 1 in the log, fitted on the labels.
	size := must[int64](t)(f.db.LogSize(ctx))
	if _, err := fm.Refit(ctx, f.monitor, "try"); errs.CodeOf(err) != errs.CodeForbidden {
		t.Errorf("a monitor refits: %v", err)
	}
	st := must[fusionmodel.Stored](t)(fm.Refit(ctx, f.analyst, "first fit"))
	if st.Version != 1 || st.Model.Fitted.Labels != len(want) || st.Decisions != 4 || st.How != fusionmodel.HowFitted || len(fits) != 1 {
		t.Fatalf("refit stored %+v", st)
	}
	if after := must[int64](t)(f.db.LogSize(ctx)); after != size+1 {
		t.Errorf("log grew by %d, want 1", after-size)
	}
	if _, v := mustParams(t)(fm.Params(ctx)); v != 1 {
		t.Errorf("proposals use model version %d, want 1", v)
	}
	// The proposals rebuild on the new model and go on working.
	must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, algC.ID, 3))
	if f.s.fused.model != 1 {
		t.Errorf("the proposals' engine has model %d, want 1", f.s.fused.model)
	}

	// An analyst sets a model; a stored model round-trips.
	good := fusion.DefaultModel()
	good.Fitted = fusion.FitInfo{Reports: 900, Labels: 12, Iterations: 3, LogLik: -1.5}
	raw, _ := json.Marshal(good)
	set := must[fusionmodel.Stored](t)(fm.Set(ctx, f.analyst, fusionmodel.SetInput{Model: raw, Version: 1, Reason: "fitted offline"}))
	back := must[fusionmodel.Stored](t)(fm.Current(ctx, f.observer))
	if set.Version != 2 || back.Version != 2 || !reflect.DeepEqual(back.Model, good) || back.How != fusionmodel.HowSet || back.By != f.analyst.UserID {
		t.Fatalf("set %+v, read back %+v", set, back)
	}
	// A stale version is a conflict; bad models are refused naming the
	// field; nothing changes.
	size = must[int64](t)(f.db.LogSize(ctx))
	_, err := fm.Set(ctx, f.analyst, fusionmodel.SetInput{Model: raw, Version: 1})
	if errs.CodeOf(err) != errs.CodeConflict {
		t.Errorf("stale version: %v", err)
	}
	for _, c := range []struct{ body, field string }{
		{`{"version":1,"fitted":{"reports":-3}}`, "model.fitted.reports"},
		{`{"version":7}`, "model.version"},
		{`{"version":1,"colour":"red"}`, "model"},
		{`not json`, "model"},
		{`{"version":1} {}`, "model"},
	} {
		_, err := fm.Set(ctx, f.analyst, fusionmodel.SetInput{Model: json.RawMessage(c.body), Version: 2})
		if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != c.field {
			t.Errorf("%s: %v (field %q), want invalid naming %s", c.body, err, errs.FieldOf(err), c.field)
		}
	}
	for _, p := range []access.Principal{f.liaisonA, f.monitor, f.cochair, f.observer} {
		if _, err := fm.Set(ctx, p, fusionmodel.SetInput{Model: raw, Version: 2}); err == nil {
			t.Errorf("%s set the model", p.UserID)
		}
	}
	if after := must[int64](t)(f.db.LogSize(ctx)); after != size {
		t.Errorf("refused changes grew the log by %d", after-size)
	}
	if back := must[fusionmodel.Stored](t)(fm.Current(ctx, f.analyst)); back.Version != 2 {
		t.Errorf("after refusals the model is version %d", back.Version)
	}
	hist := must[[]fusionmodel.Stored](t)(fm.History(ctx, f.liaisonA))
	if len(hist) != 2 || hist[0].Version != 2 || hist[1].Version != 1 || hist[1].How != fusionmodel.HowFitted {
		t.Errorf("history %+v", hist)
	}

	// The background refit: due after N new decisions, and it stores the
	// next version as the system.
	sc := fusionmodel.Schedule{After: 2}
	if err := fm.RefitIfDue(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if back := must[fusionmodel.Stored](t)(fm.Current(ctx, f.analyst)); back.Version != 2 {
		t.Fatalf("refit without new decisions: version %d", back.Version)
	}
	algE := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	decide(algE.ID, DecisionReject, inc.ID)
	algF := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	decide(algF.ID, DecisionReject, inc.ID)
	if err := fm.RefitIfDue(ctx, sc); err != nil {
		t.Fatal(err)
	}
	back = must[fusionmodel.Stored](t)(fm.Current(ctx, f.analyst))
	if back.Version != 3 || back.By != "system" || back.Decisions != 6 || back.Model.Fitted.Labels != len(want)+4 {
		t.Fatalf("background refit stored %+v", back)
	}
	mustVerify(t, f.db)
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func mustParams(t *testing.T) func(fusion.Params, int64, error) (fusion.Params, int64) {
	return func(p fusion.Params, v int64, err error) (fusion.Params, int64) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p, v
	}
}
