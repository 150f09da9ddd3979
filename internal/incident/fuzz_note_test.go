package incident

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// FuzzNote sends arbitrary note input to an incident under review: a note
// refused changes nothing and names its field; a note accepted is stored
// with a known classification, and a liaison reads the incident without
// any staff note, in its history too.
func FuzzNote(f *testing.F) {
	for _, s := range []string{
		`{"kind":"interview","text":"A witness at the checkpoint."}`,
		`{"kind":"site_visit","text":"Craters east of the post.","classification":"mission"}`,
		`{"kind":"task","text":"x","classification":"staff"}`,
		`{"kind":"note","text":"x","classification":"secret"}`,
		`{"kind":"rumour","text":"x"}`,
		`{"kind":"note","text":""}`,
		`{"kind":"note","text":"\u202e reversed"}`,
	} {
		f.Add(s)
	}
	fx := newFixture(f)
	ctx := context.Background()
	inc, err := fx.s.OpenIncident(ctx, fx.analyst, IncidentInput{Title: "Fuzzed notes", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}})
	if err == nil {
		inc, err = fx.s.Transition(ctx, fx.analyst, inc.ID, inc.Version, TransitionInput{To: PreliminaryReview})
	}
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var in NoteInput
		if json.Unmarshal([]byte(data), &in) != nil {
			return
		}
		before := must[Incident](t)(fx.s.GetIncident(ctx, fx.monitor, inc.ID))
		after, err := fx.s.AddNote(ctx, fx.monitor, inc.ID, before.Version, in)
		if err != nil {
			if errs.CodeOf(err) == errs.CodeInternal || errs.FieldOf(err) == "" {
				t.Fatalf("note %q refused without a field: %v", data, err)
			}
			if now := must[Incident](t)(fx.s.GetIncident(ctx, fx.monitor, inc.ID)); now.Version != before.Version {
				t.Fatalf("a refused note changed the incident: version %d -> %d", before.Version, now.Version)
			}
			return
		}
		last := after.Notes[len(after.Notes)-1]
		if !slices.Contains(noteClassifications, last.Classification) {
			t.Fatalf("note stored with classification %q", last.Classification)
		}
		seen := must[Incident](t)(fx.s.GetIncident(ctx, fx.liaisonA, inc.ID))
		for _, n := range seen.Notes {
			if n.Classification != NoteMission {
				t.Fatalf("a liaison reads a %q note", n.Classification)
			}
		}
		for _, v := range fx.historyBodies(t, inc.ID) {
			b, err := redactIncident(ctx, fx.liaisonA, inc.ID, v)
			if err != nil {
				t.Fatal(err)
			}
			var body IncidentBody
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatal(err)
			}
			for _, n := range body.Notes {
				if n.Classification != NoteMission {
					t.Fatalf("a %q note reaches a liaison in the history", n.Classification)
				}
			}
		}
	})
}

// historyBodies returns the bodies of every version of a record.
func (f *fixture) historyBodies(t testing.TB, id string) []json.RawMessage {
	vs, err := f.db.History(context.Background(), EntityIncident, id, true)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]json.RawMessage, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Body)
	}
	return out
}
