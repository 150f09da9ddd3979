package detainee

import (
	"context"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Releases counts the persons who left detention in a window other than by
// an exchange, once each, per detaining side; exchanges are listed by
// their own window.
func TestReleasesAndExchangeWindow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	consent := EventInput{Kind: "consent_confirmed", At: "2021-01-01T00:00:00Z"}
	// Two released on 5 June, one of them repatriated on 6 June.
	a := f.event(t, f.analyst, f.held(t, consent), EventInput{Kind: "released", At: "2021-06-05T10:00:00Z"})
	f.event(t, f.analyst, f.held(t), EventInput{Kind: "released", At: "2021-06-05T10:00:00Z"})
	f.event(t, f.analyst, a, EventInput{Kind: "repatriated", At: "2021-06-06T10:00:00Z"})
	// One repatriated straight from detention on 6 June.
	f.event(t, f.analyst, f.held(t, consent), EventInput{Kind: "repatriated", At: "2021-06-06T11:00:00Z"})
	// Two exchanged on 12 June: not releases.
	x1, x2 := f.held(t, consent), f.held(t, consent)
	x, err := f.s.RecordExchange(ctx, f.analyst, ExchangeInput{At: "2021-06-12T12:00:00Z", PlaceName: "the border",
		Moves: []MoveInput{{FromSide: f.az, ToSide: f.am, Persons: []string{x1.ID, x2.ID}}}})
	if err != nil {
		t.Fatal(err)
	}

	got, err := f.s.Releases(ctx, f.viewer, day("2021-06-01T00:00:00Z"), day("2021-07-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ReleaseCount{
		{At: day("2021-06-05T10:00:00Z"), HeldBy: f.az, Status: StatusReleased, Persons: 2},
		{At: day("2021-06-06T11:00:00Z"), HeldBy: f.az, Status: StatusRepatriated, Persons: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("releases in June: %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].At.Equal(want[i].At) || got[i].HeldBy != want[i].HeldBy || got[i].Status != want[i].Status || got[i].Persons != want[i].Persons {
			t.Errorf("release %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if got, _ := f.s.Releases(ctx, f.viewer, day("2021-06-06T00:00:00Z"), day("2021-06-06T11:00:00Z")); len(got) != 0 {
		t.Errorf("the repatriation of a person already released counted as a release: %+v", got)
	}
	if _, err := f.s.Releases(ctx, access.Anonymous, day("2021-06-01T00:00:00Z"), day("2021-07-01T00:00:00Z")); err == nil {
		t.Error("anonymous read releases")
	}
	if _, err := f.s.Releases(ctx, f.viewer, day("2021-07-01T00:00:00Z"), day("2021-06-01T00:00:00Z")); errs.CodeOf(err) != errs.CodeInvalid {
		t.Errorf("window ending before it starts: %v", err)
	}

	list := func(filter ExchangeFilter) []Exchange {
		t.Helper()
		page, err := f.s.ListExchanges(ctx, f.viewer, filter, store.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return page.Items
	}
	if got := list(ExchangeFilter{From: day("2021-06-11T15:30:00Z"), To: day("2021-06-12T15:30:00Z")}); len(got) != 1 || got[0].ID != x.ID {
		t.Errorf("exchanges in the day's window: %+v", got)
	}
	if got := list(ExchangeFilter{From: day("2021-06-12T12:00:01Z"), To: day("2021-06-13T00:00:00Z")}); len(got) != 0 {
		t.Errorf("exchanges after it: %+v", got)
	}
	if got := list(ExchangeFilter{To: day("2021-06-12T12:00:00Z")}); len(got) != 0 {
		t.Errorf("exchanges before it (the end is excluded): %+v", got)
	}
	_, err = f.s.ListExchanges(ctx, f.viewer, ExchangeFilter{From: day("2021-06-13T00:00:00Z"), To: day("2021-06-12T00:00:00Z")}, store.PageRequest{})
	wantErr(t, err, errs.CodeInvalid, "to")
}

func TestRemainsEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.s.RecordRemains(ctx, f.humanitarian, RemainsInput{Count: 10, RecoveredAt: "2020-12-01T00:00:00Z", RecoveredBy: f.icrc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateRemains(ctx, f.humanitarian, r.ID, r.Version, RemainsInput{Count: 10, RecoveredAt: "2020-12-01T00:00:00Z", RecoveredBy: f.icrc,
		Identification: &IdentificationInput{Method: "dna", Identified: 4, At: "2020-12-10T00:00:00Z"},
		Handover:       &HandoverInput{At: "2020-12-20T00:00:00Z", FromSide: f.az, ToSide: f.am}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.RecordRemains(ctx, f.humanitarian, RemainsInput{Count: 3, RecoveredAt: "2020-12-10T08:00:00Z", RecoveredBy: f.icrc}); err != nil {
		t.Fatal(err)
	}
	events := func(from, to string) []RemainsEvent {
		t.Helper()
		got, err := f.s.RemainsEvents(ctx, f.viewer, day(from), day(to))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := events("2020-12-01T00:00:00Z", "2021-01-01T00:00:00Z")
	want := []RemainsEvent{{r.ID, RemainsRecovered, day("2020-12-01T00:00:00Z"), 10}, {r.ID, RemainsIdentified, day("2020-12-10T00:00:00Z"), 4}}
	if len(got) != 4 {
		t.Fatalf("remains events in December: %+v", got)
	}
	for i, w := range want {
		if got[i].RemainsID != w.RemainsID || got[i].Event != w.Event || !got[i].At.Equal(w.At) || got[i].Count != w.Count {
			t.Errorf("event %d: %+v, want %+v", i, got[i], w)
		}
	}
	if got[2].Count != 3 || got[2].Event != RemainsRecovered || got[3].Event != RemainsHandedOver || got[3].Count != 10 {
		t.Errorf("later events: %+v", got[2:])
	}
	if got := events("2020-12-10T00:00:00Z", "2020-12-10T08:00:00Z"); len(got) != 1 || got[0].Event != RemainsIdentified {
		t.Errorf("events of the morning of 10 December: %+v", got)
	}
	if _, err := f.s.RemainsEvents(ctx, access.Anonymous, day("2020-12-01T00:00:00Z"), day("2021-01-01T00:00:00Z")); err == nil {
		t.Error("anonymous read remains events")
	}
	mustVerify(t, f.db)
}
