package incident

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/pgtest"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

// TestKeptTalliesEqualARecount is a property test: after a random run of
// lodging, editing, withdrawing, observing, grouping, review decisions and
// their undoing, findings, sending findings back and reopening, the
// tallies summed from incident_tallies equal a recount of the records, for
// random whole-day windows, groupings and readers; and verify, which
// recounts every tally (CheckTallies), finds nothing (the fixture's
// clean-up).
func TestKeptTalliesEqualARecount(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { keptTalliesRun(t, seed) })
	}
}

// TestTalliesBackfilledAsKept: migration 0033 counts what a database
// already holds; its counts and labels equal those kept as the records
// were written (labels whose counts all went back to zero are kept, and
// not compared).
func TestTalliesBackfilledAsKept(t *testing.T) {
	f := keptTalliesRun(t, 7)
	ctx := context.Background()
	dump := func() []string {
		var out []string
		for _, q := range []string{
			`SELECT day || ' ' || label || ' ' || kind || ' ' || category || ' ' || side || ' ' || records || ' ' || amount || ' ' || explosions FROM incident_tallies`,
			`SELECT id || ' ' || classification || ' ' || owner_org FROM tally_labels WHERE id IN (SELECT label FROM incident_tallies)`,
			`SELECT record_id || ' ' || org_id FROM tally_label_readers WHERE record_id IN (SELECT label FROM incident_tallies)`,
		} {
			rs, err := f.db.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for rs.Next() {
				var s string
				if err := rs.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			rs.Close()
		}
		slices.Sort(out)
		return out
	}
	kept := dump()
	if len(kept) < 20 || !slices.ContainsFunc(kept, func(s string) bool {
		return strings.HasPrefix(s, "restricted:") && strings.Count(s, ",") == 0 && strings.Count(s, " ") == 1
	}) {
		t.Fatalf("the run kept too little to compare: %q", kept)
	}
	dialect := "sqlite"
	if pgtest.OnPostgres() {
		dialect = "postgres"
	}
	b, err := os.ReadFile(filepath.Join("..", "store", "migrations", dialect, "0033_incident_tallies.sql"))
	if err != nil {
		t.Fatal(err)
	}
	_, backfill, ok := strings.Cut(string(b), "-- What is already recorded is counted once here.")
	if !ok {
		t.Fatal("the migration's backfill is not marked")
	}
	var stmts []string
	for _, s := range strings.Split(backfill, ";\n") {
		if s = strings.TrimSpace(s); s != "" {
			stmts = append(stmts, s)
		}
	}
	storetest.Tamper(t, f.db, `DELETE FROM incident_tallies`, `DELETE FROM tally_label_readers`, `DELETE FROM tally_labels`)
	storetest.Tamper(t, f.db, append([]string{`DELETE FROM incident_tallies`, `DELETE FROM tally_label_readers WHERE record_id IN (SELECT label FROM incident_tallies)`, `DELETE FROM tally_labels`}, stmts...)...)
	if got := dump(); !slices.Equal(got, kept) {
		t.Fatalf("backfilled:\n%q\nkept:\n%q", got, kept)
	}
}

func keptTalliesRun(t *testing.T, seed uint64) *fixture {
	f := newFixture(t)
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(seed, 16))
	day0 := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	start := func() string {
		return day0.Add(time.Duration(rnd.IntN(10*24*60)) * time.Minute).Format(time.RFC3339)
	}
	categories := []string{"heavy_weapons_fire", "small_arms_fire", "drone_or_air_strike"}
	pick := func(xs []string) string { return xs[rnd.IntN(len(xs))] }
	label := func() (string, []string) {
		switch n := rnd.IntN(10); {
		case n < 6:
			return "mission", nil
		case n < 8:
			return "public", nil
		case n < 9:
			return "restricted", nil
		default:
			return "restricted", []string{pick([]string{f.centre, f.guarantor})}
		}
	}
	type lodged struct {
		a Allegation
		p access.Principal
	}
	var allegations []lodged
	var incidents []Incident
	var reviews []Review
	lodge := func() {
		p, side := f.liaisonA, f.sideA
		if rnd.IntN(2) == 1 {
			p, side = f.liaisonB, f.sideB
		}
		in := f.allegationBy(side)
		in.Time, in.Category = TimeInput{Start: start()}, pick(categories)
		in.Classification, in.RestrictedTo = label()
		if rnd.IntN(8) == 0 {
			p = f.monitor
			in.SourceKind, in.OnBehalfOf, in.LodgedBy, in.AllegedPerpetrator = SourceMedia, "", f.media, Unknown
		}
		a, err := f.s.LodgeAllegation(ctx, p, in)
		if err != nil {
			t.Fatalf("lodge: %v", err)
		}
		allegations = append(allegations, lodged{a, p})
	}
	for range 12 {
		lodge()
	}
	for step := range 120 {
		switch op := rnd.IntN(9); op {
		case 0, 1:
			lodge()
		case 2: // edit: another day, category or label
			l := &allegations[rnd.IntN(len(allegations))]
			if l.a.Status != "lodged" {
				continue
			}
			in := f.allegationBy(l.a.OnBehalfOf)
			if l.a.SourceKind != SourceSide {
				in.SourceKind, in.OnBehalfOf, in.LodgedBy, in.AllegedPerpetrator = SourceMedia, "", f.media, Unknown
			}
			in.Time, in.Category = TimeInput{Start: start()}, pick(categories)
			in.Classification, in.RestrictedTo = label()
			a, err := f.s.UpdateAllegation(ctx, l.p, l.a.ID, l.a.Version, in)
			if err != nil {
				t.Fatalf("step %d: update: %v", step, err)
			}
			l.a = a
		case 3: // withdraw
			l := &allegations[rnd.IntN(len(allegations))]
			if l.a.Status != "lodged" {
				continue
			}
			a, err := f.s.WithdrawAllegation(ctx, l.p, l.a.ID, l.a.Version, "Mistaken.")
			if err != nil {
				t.Fatalf("step %d: withdraw: %v", step, err)
			}
			l.a = a
		case 4: // observe
			in := validObservation()
			in.Kind = pick([]string{"undetermined_explosion", "bursts_small_arms", "impact"})
			in.Count, in.Time = 1+rnd.IntN(20), TimeInput{Start: start()}
			in.Classification = pick([]string{"mission", "public", "restricted"})
			if _, err := f.s.RecordObservation(ctx, f.monitor, in); err != nil {
				t.Fatalf("step %d: observe: %v", step, err)
			}
		case 5: // a review decision: a new incident from a report, or undo one
			if len(reviews) > 0 && rnd.IntN(2) == 0 {
				r := reviews[len(reviews)-1]
				reviews = reviews[:len(reviews)-1]
				if _, err := f.s.RecordReview(ctx, f.analyst, ReviewInput{Decision: DecisionUndo, ReviewID: r.ID, Reason: "Too soon."}); err != nil {
					t.Logf("step %d: undo refused: %v", step, err)
				}
				continue
			}
			l := allegations[rnd.IntN(len(allegations))]
			r, err := f.s.RecordReview(ctx, f.analyst, ReviewInput{Decision: DecisionNew, ReportKind: EntityAllegation, ReportID: l.a.ID})
			if err != nil {
				continue // in an incident already, or withdrawn
			}
			reviews = append(reviews, r)
		case 6, 7: // an incident taken to a finding
			inc := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Fire", Category: pick(categories),
				Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: start()}}))
			inc = must[Incident](t)(f.s.Transition(ctx, f.analyst, inc.ID, inc.Version, TransitionInput{To: PreliminaryReview}))
			inc = must[Incident](t)(f.s.Transition(ctx, f.monitor, inc.ID, inc.Version, TransitionInput{To: UnderInvestigation, Team: []string{"usr_mon"}}))
			outcome := pick([]string{Substantiated, Substantiated, NotSubstantiated})
			attribution := AttributionUndetermined
			if outcome == Substantiated {
				attribution = pick([]string{f.sideA, f.sideB, AttributionUndetermined})
			}
			inc = must[Incident](t)(f.s.Transition(ctx, f.analyst, inc.ID, inc.Version, TransitionInput{To: FindingMade,
				Finding: &FindingInput{Outcome: outcome, Attribution: attribution, Summary: "Seen."}}))
			if rnd.IntN(2) == 0 {
				inc = must[Incident](t)(f.s.Transition(ctx, f.cochair, inc.ID, inc.Version, TransitionInput{To: Closed}))
			}
			incidents = append(incidents, inc)
		case 8: // a finding sent back or an incident reopened: its count goes
			if len(incidents) == 0 {
				continue
			}
			i := rnd.IntN(len(incidents))
			inc := incidents[i]
			p := f.analyst
			if inc.Status == Closed {
				p = f.cochair
			}
			inc = must[Incident](t)(f.s.Transition(ctx, p, inc.ID, inc.Version, TransitionInput{To: UnderInvestigation, Reason: "More to see."}))
			incidents = append(incidents[:i], incidents[i+1:]...)
		}
	}
	readers := []access.Principal{f.monitor, f.liaisonA, f.liaisonB, f.cochair, f.observer, {}}
	groups := []string{ByDay, ByWeek, ByCategory}
	for range 40 {
		from := day0.AddDate(0, 0, rnd.IntN(11)-1)
		to := from.AddDate(0, 0, 1+rnd.IntN(12))
		p, group := readers[rnd.IntN(len(readers))], groups[rnd.IntN(len(groups))]
		got, err := f.s.Tallies(ctx, p, from, to, group)
		if err != nil {
			t.Fatal(err)
		}
		want, err := f.s.recount(ctx, p, Window{From: from, To: to}, groupColumns[group])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s %s–%s as %q (%s):\nkept    %+v\nrecount %+v", group, from.Format(time.DateOnly), to.Format(time.DateOnly), p.Username, p.Org, got, want)
		}
	}
	return f
}

// TestKeptTalliesTamperedAreFound: verify names a count or a label that
// was changed behind the application's back.
func TestKeptTalliesTamperedAreFound(t *testing.T) {
	for _, tc := range []struct{ name, sql, undo string }{
		{"a count", `UPDATE incident_tallies SET records = records + 1 WHERE kind = 'alleged'`,
			`UPDATE incident_tallies SET records = records - 1 WHERE kind = 'alleged'`},
		{"a label widened", `UPDATE tally_labels SET classification = 'public' WHERE id LIKE 'restricted:%'`,
			`UPDATE tally_labels SET classification = 'restricted' WHERE id LIKE 'restricted:%'`},
		{"a reader added", `INSERT INTO tally_label_readers (record_id, org_id) SELECT id, 'org_intruder' FROM tally_labels WHERE classification = 'restricted'`,
			`DELETE FROM tally_label_readers WHERE org_id = 'org_intruder'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			in := f.allegationBy(f.sideA)
			in.Classification, in.RestrictedTo = "restricted", []string{f.centre}
			must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, in))
			must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
			storetest.Tamper(t, f.db, tc.sql)
			rep, err := f.db.Verify(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || rep.Problems[0].Entity != "incident_tallies" {
				t.Fatalf("verify: %+v", rep.Problems)
			}
			storetest.Tamper(t, f.db, tc.undo) // for the fixture's clean-up verify
		})
	}
}
