package incident

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// lodgeMany lodges n allegations, alternating sides (A first) and two
// categories, an hour apart, and returns their ids oldest first.
func (f *fixture) lodgeMany(t *testing.T, n int) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := range n {
		side, who := f.sideA, f.liaisonA
		if i%2 == 1 {
			side, who = f.sideB, f.liaisonB
		}
		in := f.allegationBy(side)
		in.Time = TimeInput{Start: fmt.Sprintf("2021-06-09T%02d:00:00Z", i)}
		if i%3 == 0 {
			in.Category = "small_arms_fire"
		}
		ids = append(ids, must[Allegation](t)(f.s.LodgeAllegation(ctx, who, in)).ID)
	}
	return ids
}

func allegationIDs(items []Allegation) []string {
	out := make([]string, len(items))
	for i, a := range items {
		out[i] = a.ID
	}
	return out
}

// readAll walks every numbered page of size n and returns the ids in order.
func readAll(t *testing.T, list func(store.ListQuery) (store.Numbered[Allegation], error), q store.ListQuery) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 1
	total := -1
	for q.Page = 1; q.Page <= pages; q.Page++ {
		got := must[store.Numbered[Allegation]](t)(list(q))
		if total >= 0 && got.Total != total {
			t.Fatalf("page %d: total %d, was %d", q.Page, got.Total, total)
		}
		total, pages = got.Total, got.Pages
		if q.Page < pages && len(got.Items) != q.Size {
			t.Fatalf("page %d of %d has %d rows, want %d", q.Page, pages, len(got.Items), q.Size)
		}
		ids = append(ids, allegationIDs(got.Items)...)
	}
	return ids, total
}

func TestNumberedAllegations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := f.lodgeMany(t, 13)
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)
	list := func(p access.Principal, fl AllegationFilter) func(store.ListQuery) (store.Numbered[Allegation], error) {
		return func(q store.ListQuery) (store.Numbered[Allegation], error) {
			return f.s.NumberedAllegations(ctx, p, fl, q)
		}
	}

	t.Run("every page, newest first, the later pages read from the end", func(t *testing.T) {
		got, total := readAll(t, list(f.analyst, AllegationFilter{}), store.ListQuery{Size: 4})
		if total != 13 || !slices.Equal(got, newestFirst) {
			t.Fatalf("total %d, ids %v\nwant %v", total, got, newestFirst)
		}
		asc, _ := readAll(t, list(f.analyst, AllegationFilter{}), store.ListQuery{Size: 5, Sort: "start"})
		if !slices.Equal(asc, ids) {
			t.Fatalf("ascending %v\nwant %v", asc, ids)
		}
	})
	t.Run("page past the end is empty with the total", func(t *testing.T) {
		got := must[store.Numbered[Allegation]](t)(f.s.NumberedAllegations(ctx, f.analyst, AllegationFilter{}, store.ListQuery{Page: 9, Size: 5}))
		if len(got.Items) != 0 || got.Total != 13 || got.Pages != 3 {
			t.Fatalf("got %d items, total %d, pages %d", len(got.Items), got.Total, got.Pages)
		}
	})
	t.Run("sort by category, then newest", func(t *testing.T) {
		got, _ := readAll(t, list(f.analyst, AllegationFilter{}), store.ListQuery{Size: 3, Sort: "category", Desc: true})
		var want []string
		for _, cat := range []string{"small_arms_fire", "heavy_weapons_fire"} {
			for i := len(ids) - 1; i >= 0; i-- {
				if (i%3 == 0) == (cat == "small_arms_fire") {
					want = append(want, ids[i])
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v\nwant %v", got, want)
		}
	})
	t.Run("filters count what they keep", func(t *testing.T) {
		got := must[store.Numbered[Allegation]](t)(f.s.NumberedAllegations(ctx, f.analyst, AllegationFilter{Category: "small_arms_fire", OnBehalfOf: f.sideA}, store.ListQuery{}))
		if got.Total != 3 || len(got.Items) != 3 { // 0, 6, 12
			t.Fatalf("total %d, %d items", got.Total, len(got.Items))
		}
		got = must[store.Numbered[Allegation]](t)(f.s.NumberedAllegations(ctx, f.analyst, AllegationFilter{Zone: f.zone}, store.ListQuery{}))
		if got.Total != 13 {
			t.Fatalf("in the zone: total %d", got.Total)
		}
	})
	t.Run("a liaison sees its own side's first", func(t *testing.T) {
		got, total := readAll(t, list(f.liaisonB, AllegationFilter{}), store.ListQuery{Size: 4})
		var want []string
		for _, own := range []bool{true, false} {
			for i := len(ids) - 1; i >= 0; i-- {
				if (i%2 == 1) == own {
					want = append(want, ids[i])
				}
			}
		}
		if total != 13 || !slices.Equal(got, want) {
			t.Fatalf("total %d, got %v\nwant %v", total, got, want)
		}
	})
	t.Run("a total counted again once the list changes", func(t *testing.T) {
		q := store.ListQuery{Size: 5}
		before := must[store.Numbered[Allegation]](t)(f.s.NumberedAllegations(ctx, f.analyst, AllegationFilter{}, q))
		again := must[store.Numbered[Allegation]](t)(f.s.NumberedAllegations(ctx, f.analyst, AllegationFilter{}, q))
		must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
		after := must[store.Numbered[Allegation]](t)(f.s.NumberedAllegations(ctx, f.analyst, AllegationFilter{}, q))
		if before.Total != 13 || again.Total != 13 || after.Total != 14 {
			t.Fatalf("totals %d, %d, then %d after one more", before.Total, again.Total, after.Total)
		}
	})
	t.Run("bad values name their field", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			f     AllegationFilter
			q     store.ListQuery
			field string
		}{
			{"unknown category", AllegationFilter{Category: "bombing"}, store.ListQuery{}, "category"},
			{"unknown status", AllegationFilter{Status: "pending"}, store.ListQuery{}, "status"},
			{"side not an id", AllegationFilter{OnBehalfOf: "side a'"}, store.ListQuery{}, "on_behalf_of"},
			{"unknown sort", AllegationFilter{}, store.ListQuery{Sort: "narrative"}, "sort"},
			{"page too large", AllegationFilter{}, store.ListQuery{Page: store.MaxPage + 1}, "page"},
			{"size too large", AllegationFilter{}, store.ListQuery{Size: store.MaxLimit + 1}, "size"},
		} {
			_, err := f.s.NumberedAllegations(ctx, f.analyst, c.f, c.q)
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != c.field {
				t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
			}
		}
		for _, c := range []struct{ query, field string }{{"page=0", "page"}, {"page=x", "page"}, {"size=501", "size"}, {"page=99999999", "page"}} {
			v, _ := url.ParseQuery(c.query)
			if _, err := store.ParseListQuery(v); errs.FieldOf(err) != c.field {
				t.Errorf("%s: %v, want invalid %s", c.query, err, c.field)
			}
		}
		v, _ := url.ParseQuery("page=3&size=20&sort=-category")
		q, err := store.ParseListQuery(v)
		if err != nil || q != (store.ListQuery{Page: 3, Size: 20, Sort: "category", Desc: true}) || q.Values().Encode() != v.Encode() {
			t.Errorf("parsed %+v (%v), values %s", q, err, q.Values().Encode())
		}
	})
}

func TestNumberedObservationsAndIncidents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.lodgeMany(t, 4)
	inc1 := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Bravo", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}, Allegations: []string{a[0]}}))
	inc2 := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Alpha", Category: "small_arms_fire",
		Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: "2021-06-10T05:00:00Z"}, Allegations: []string{a[1]}}))
	got := must[store.Numbered[Incident]](t)(f.s.NumberedIncidents(ctx, f.observer, IncidentFilter{}, store.ListQuery{Sort: "title"}))
	if got.Total != 2 || got.Items[0].ID != inc2.ID || got.Items[1].ID != inc1.ID || got.Sort != "title" {
		t.Fatalf("by title: %+v", got)
	}
	got = must[store.Numbered[Incident]](t)(f.s.NumberedIncidents(ctx, f.observer, IncidentFilter{Category: "small_arms_fire"}, store.ListQuery{}))
	if got.Total != 1 || got.Items[0].ID != inc2.ID {
		t.Fatalf("by category: %+v", got)
	}
	if _, err := f.s.NumberedIncidents(ctx, f.observer, IncidentFilter{Status: "open"}, store.ListQuery{}); errs.FieldOf(err) != "status" {
		t.Fatalf("bad status: %v", err)
	}

	// Bulk: the analyst moves both; a liaison may move neither; a second
	// try finds both already past received.
	out := must[[]Outcome](t)(f.s.TransitionMany(ctx, f.liaisonA, []string{inc1.ID, inc2.ID}, TransitionInput{To: PreliminaryReview}))
	for _, o := range out {
		if errs.CodeOf(o.Err) != errs.CodeForbidden && errs.CodeOf(o.Err) != errs.CodeNotFound {
			t.Fatalf("liaison's bulk step on %s: %v", o.ID, o.Err)
		}
	}
	out = must[[]Outcome](t)(f.s.TransitionMany(ctx, f.analyst, []string{inc1.ID, inc2.ID}, TransitionInput{To: PreliminaryReview}))
	if out[0].Err != nil || out[1].Err != nil {
		t.Fatalf("analyst's bulk step: %+v", out)
	}
	got = must[store.Numbered[Incident]](t)(f.s.NumberedIncidents(ctx, f.observer, IncidentFilter{Status: PreliminaryReview}, store.ListQuery{}))
	if got.Total != 2 {
		t.Fatalf("after the bulk step %d at preliminary review", got.Total)
	}
	if _, err := f.s.TransitionMany(ctx, f.analyst, nil, TransitionInput{To: PreliminaryReview}); errs.FieldOf(err) != "ids" {
		t.Fatalf("no ids: %v", err)
	}

	// Withdrawing many: side A's own are withdrawn, side B's refused.
	out = must[[]Outcome](t)(f.s.WithdrawMany(ctx, f.liaisonA, []string{a[2], a[3]}, "Lodged twice."))
	if out[0].Err != nil || errs.CodeOf(out[1].Err) != errs.CodeForbidden {
		t.Fatalf("withdraw many: %v, %v", out[0].Err, out[1].Err)
	}
	al := must[store.Numbered[Allegation]](t)(f.s.NumberedAllegations(ctx, f.analyst, AllegationFilter{Status: StatusWithdrawn}, store.ListQuery{}))
	if al.Total != 1 || al.Items[0].ID != a[2] {
		t.Fatalf("withdrawn: %+v", allegationIDs(al.Items))
	}

	obs := must[store.Numbered[Observation]](t)(f.s.NumberedObservations(ctx, f.observer, ObservationFilter{}, store.ListQuery{}))
	if obs.Total != 0 || obs.Pages != 1 {
		t.Fatalf("observations: %+v", obs)
	}
	if _, err := f.s.NumberedObservations(ctx, f.observer, ObservationFilter{Kind: "bang"}, store.ListQuery{}); errs.FieldOf(err) != "kind" {
		t.Fatalf("bad kind: %v", err)
	}
}
