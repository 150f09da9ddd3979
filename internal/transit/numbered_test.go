package transit_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
)

// The numbered crossings list: the demo's crossings and five more, counted,
// paged from both ends, sorted by people, filtered, and bad values refused.
func TestNumberedCrossings(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	for i := range 5 {
		in := f.crossing(fmt.Sprintf("2021-07-0%dT09:00:00Z", i+2))
		in.People = int64(100 + i)
		if _, err := f.svc.RecordCrossing(ctx, f.staff, in); err != nil {
			t.Fatal(err)
		}
	}
	all, err := f.svc.NumberedCrossings(ctx, f.staff, transit.CrossingFilter{}, store.ListQuery{Size: store.MaxLimit})
	if err != nil || all.Total < 5 || len(all.Items) != all.Total {
		t.Fatalf("all: %d of %d, %v", len(all.Items), all.Total, err)
	}
	var walked []string
	for page := 1; ; page++ {
		got, err := f.svc.NumberedCrossings(ctx, f.staff, transit.CrossingFilter{}, store.ListQuery{Page: page, Size: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got.Items {
			walked = append(walked, c.ID)
		}
		if page >= got.Pages {
			break
		}
	}
	var want []string
	for _, c := range all.Items {
		want = append(want, c.ID)
	}
	if !slices.Equal(walked, want) {
		t.Fatalf("pages of 2: %v\nwant %v", walked, want)
	}
	top, err := f.svc.NumberedCrossings(ctx, f.staff, transit.CrossingFilter{}, store.ListQuery{Size: 2, Sort: "people", Desc: true})
	if err != nil || top.Items[0].People != 104 || top.Items[1].People != 103 || top.Sort != "-people" {
		t.Fatalf("most people first: %+v, %v", top.Items, err)
	}
	july, err := f.svc.NumberedCrossings(ctx, f.staff, transit.CrossingFilter{Window: transit.Window{From: now.AddDate(0, -8, 0), To: now.AddDate(0, -7, 0)}}, store.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range july.Items {
		if c.At.Month() != 7 {
			t.Errorf("crossing of %s in July's list", c.At)
		}
	}
	_, err = f.svc.NumberedCrossings(ctx, f.staff, transit.CrossingFilter{Direction: "north"}, store.ListQuery{})
	wantInvalid(t, err, "direction")
	_, err = f.svc.NumberedCrossings(ctx, f.staff, transit.CrossingFilter{}, store.ListQuery{Sort: "cargo"})
	wantInvalid(t, err, "sort")
}
