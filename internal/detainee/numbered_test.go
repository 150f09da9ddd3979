package detainee

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// The numbered lists of persons, exchanges and remains: totals, pages
// walked in order from both ends, sorts, identity masked as in the cursor
// list, and bad values refused naming their field.
func TestNumberedRegistry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	consent := EventInput{Kind: "consent_confirmed", At: "2021-01-01T00:00:00Z"}
	var ids []string
	for i := range 5 {
		in := f.input(fmt.Sprintf("2020-12-2%dT10:00:00Z", i))
		in.Events = []EventInput{consent}
		p, err := f.s.RegisterPerson(ctx, f.humanitarian, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	other := f.input("2020-12-01T10:00:00Z")
	other.Category = "civilian_detainee"
	if _, err := f.s.RegisterPerson(ctx, f.humanitarian, other); err != nil {
		t.Fatal(err)
	}

	all, err := f.s.NumberedPersons(ctx, f.humanitarian, PersonFilter{}, store.ListQuery{})
	if err != nil || all.Total != 6 || len(all.Items) != 6 || all.Sort != "-captured" || all.Pages != 1 {
		t.Fatalf("all: %+v %v", all, err)
	}
	if all.Items[0].ID != ids[4] || all.Items[5].CapturedAt.Day() != 1 {
		t.Fatalf("latest capture first: %v", all.Items)
	}
	var walked, want []string
	for _, p := range all.Items {
		want = append(want, p.ID)
	}
	for page := 1; page <= 3; page++ {
		got, err := f.s.NumberedPersons(ctx, f.humanitarian, PersonFilter{}, store.ListQuery{Page: page, Size: 2})
		if err != nil || got.Pages != 3 || got.Total != 6 {
			t.Fatalf("page %d: %+v %v", page, got, err)
		}
		for _, p := range got.Items {
			walked = append(walked, p.ID)
		}
	}
	if !slices.Equal(walked, want) {
		t.Fatalf("pages of 2: %v, want %v", walked, want)
	}
	civ, err := f.s.NumberedPersons(ctx, f.humanitarian, PersonFilter{Category: "civilian_detainee"}, store.ListQuery{})
	if err != nil || civ.Total != 1 || civ.Items[0].Category != "civilian_detainee" {
		t.Fatalf("category filter: %+v %v", civ, err)
	}
	byCat, err := f.s.NumberedPersons(ctx, f.humanitarian, PersonFilter{}, store.ListQuery{Sort: "category"})
	if err != nil || byCat.Items[0].Category != "civilian_detainee" || byCat.Sort != "category" {
		t.Fatalf("by category: %+v %v", byCat.Items, err)
	}

	// The same masking as the cursor list: the analyst sees no identity.
	masked, err := f.s.NumberedPersons(ctx, f.analyst, PersonFilter{}, store.ListQuery{Size: 3})
	if err != nil || masked.Total != 6 || len(masked.Items) != 3 {
		t.Fatalf("analyst: %+v %v", masked, err)
	}
	for _, p := range masked.Items {
		if p.Identity != nil || !p.Masked {
			t.Fatalf("analyst sees an identity: %+v", p)
		}
	}
	seen, _ := f.s.NumberedPersons(ctx, f.liaisonAZ, PersonFilter{}, store.ListQuery{Size: 3})
	for _, p := range seen.Items {
		if p.Identity == nil || p.Masked {
			t.Fatalf("the detaining side does not see the identity: %+v", p)
		}
	}

	for _, c := range []struct {
		f     PersonFilter
		q     store.ListQuery
		field string
	}{
		{PersonFilter{Status: "lost"}, store.ListQuery{}, "status"},
		{PersonFilter{HeldBy: "'; --"}, store.ListQuery{}, "held_by"},
		{PersonFilter{}, store.ListQuery{Sort: "surname"}, "sort"},
		{PersonFilter{}, store.ListQuery{Size: store.MaxLimit + 1}, "size"},
	} {
		_, err := f.s.NumberedPersons(ctx, f.humanitarian, c.f, c.q)
		wantErr(t, err, errs.CodeInvalid, c.field)
	}

	// Exchanges: latest first by default, by persons moved on request.
	if _, err := f.s.RecordExchange(ctx, f.humanitarian, ExchangeInput{At: "2021-06-10T12:00:00Z",
		Moves: []MoveInput{{FromSide: f.az, ToSide: f.am, Persons: ids[:3]}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.RecordExchange(ctx, f.humanitarian, ExchangeInput{At: "2021-06-12T12:00:00Z",
		Moves: []MoveInput{{FromSide: f.az, ToSide: f.am, Persons: ids[3:4]}}}); err != nil {
		t.Fatal(err)
	}
	xs, err := f.s.NumberedExchanges(ctx, f.viewer, ExchangeFilter{}, store.ListQuery{})
	if err != nil || xs.Total != 2 || xs.Items[0].At.Day() != 12 {
		t.Fatalf("exchanges: %+v %v", xs, err)
	}
	big, err := f.s.NumberedExchanges(ctx, f.viewer, ExchangeFilter{}, store.ListQuery{Sort: "persons", Desc: true, Size: 1, Page: 1})
	if err != nil || big.Total != 2 || big.Pages != 2 || big.Items[0].Total != 3 {
		t.Fatalf("most persons first: %+v %v", big, err)
	}
	one, err := f.s.NumberedExchanges(ctx, f.viewer, ExchangeFilter{PersonID: ids[3]}, store.ListQuery{})
	if err != nil || one.Total != 1 {
		t.Fatalf("exchanges of a person: %+v %v", one, err)
	}
	_, err = f.s.NumberedExchanges(ctx, f.viewer, ExchangeFilter{}, store.ListQuery{Sort: "day"})
	wantErr(t, err, errs.CodeInvalid, "sort")

	// Remains: latest recovery first, or the most bodies first.
	for i, n := range []int{3, 7} {
		if _, err := f.s.RecordRemains(ctx, f.humanitarian, RemainsInput{Count: n, RecoveredAt: fmt.Sprintf("2020-12-0%dT00:00:00Z", i+1), RecoveredBy: f.icrc}); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := f.s.NumberedRemains(ctx, f.viewer, struct{}{}, store.ListQuery{Sort: "count"})
	if err != nil || rs.Total != 2 || rs.Items[0].Count != 3 || rs.Items[1].Count != 7 {
		t.Fatalf("remains by count: %+v %v", rs, err)
	}
	rs, err = f.s.NumberedRemains(ctx, f.viewer, struct{}{}, store.ListQuery{Page: 2, Size: 1})
	if err != nil || rs.Total != 2 || len(rs.Items) != 1 || rs.Items[0].Count != 3 {
		t.Fatalf("remains page 2: %+v %v", rs, err)
	}
}
