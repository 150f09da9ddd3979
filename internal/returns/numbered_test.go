package returns_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/store"
)

// The numbered lists of movements and visits: each agrees with its cursor
// list (the same conditions), pages walk one order, sorts, the overdue
// filter, and bad values refused naming their field.
func TestNumberedReturns(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	for _, d := range []string{"2021-05-01T10:00:00Z", "2021-05-03T10:00:00Z"} {
		in := f.movement()
		in.Date = d
		if _, err := f.svc.RecordMovement(ctx, f.staff, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []access.Principal{f.staff, access.Anonymous} {
		cursor, err := f.svc.ListMovements(ctx, who, returns.MovementFilter{}, store.PageRequest{Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		all, err := f.svc.NumberedMovements(ctx, who, returns.MovementFilter{}, store.ListQuery{Size: store.MaxLimit})
		if err != nil || all.Total != len(cursor.Items) || all.Sort != "-date" {
			t.Fatalf("%s: numbered %d (%v), cursor list %d", who.Username, all.Total, err, len(cursor.Items))
		}
		var a, b []string
		for i := range cursor.Items {
			a, b = append(a, cursor.Items[i].ID), append(b, all.Items[i].ID)
		}
		if !slices.Equal(a, b) {
			t.Fatalf("%s: numbered order %v, cursor order %v", who.Username, b, a)
		}
	}
	all, _ := f.svc.NumberedMovements(ctx, f.staff, returns.MovementFilter{}, store.ListQuery{Size: store.MaxLimit})
	var walked []string
	for page := 1; page <= all.Total; page++ {
		got, err := f.svc.NumberedMovements(ctx, f.staff, returns.MovementFilter{}, store.ListQuery{Page: page, Size: 1})
		if err != nil || len(got.Items) != 1 || got.Pages != all.Total {
			t.Fatalf("page %d: %+v %v", page, got, err)
		}
		walked = append(walked, got.Items[0].ID)
	}
	for i, m := range all.Items {
		if walked[i] != m.ID {
			t.Fatalf("pages of one differ from one page at %d", i)
		}
	}
	big, err := f.svc.NumberedMovements(ctx, f.staff, returns.MovementFilter{}, store.ListQuery{Sort: "people", Desc: true, Size: 1})
	if err != nil || big.Items[0].Total != 52351 {
		t.Fatalf("most people first: %+v %v", big.Items, err)
	}
	org, err := f.svc.NumberedMovements(ctx, f.staff, returns.MovementFilter{Kind: returns.KindOrganised, Window: returns.Window{From: time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)}}, store.ListQuery{})
	if err != nil || org.Total != 2 {
		t.Fatalf("organised since 2021-04: %+v %v", org, err)
	}
	_, err = f.svc.NumberedMovements(ctx, f.staff, returns.MovementFilter{}, store.ListQuery{Sort: "kind"})
	wantInvalid(t, err, "sort")
	_, err = f.svc.NumberedMovements(ctx, f.staff, returns.MovementFilter{Window: returns.Window{From: now, To: now.AddDate(0, 0, -1)}}, store.ListQuery{})
	if err == nil {
		t.Fatal("a window that ends before it starts was accepted")
	}

	over, err := f.svc.ListVisits(ctx, f.staff, returns.VisitFilter{Overdue: true}, store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	nover, err := f.svc.NumberedVisits(ctx, f.staff, returns.VisitFilter{Overdue: true}, store.ListQuery{})
	if err != nil || nover.Total != len(over.Items) || nover.Total == 0 {
		t.Fatalf("overdue: numbered %d (%v), cursor %d", nover.Total, err, len(over.Items))
	}
	for _, v := range nover.Items {
		if !v.Overdue {
			t.Fatalf("visit %s in the overdue list is not overdue", v.ID)
		}
	}
	visits, err := f.svc.NumberedVisits(ctx, f.staff, returns.VisitFilter{}, store.ListQuery{Sort: "date"})
	if err != nil || visits.Total < 2 || visits.Sort != "date" || visits.Items[0].Date.After(visits.Items[1].Date) {
		t.Fatalf("visits oldest first: %+v %v", visits, err)
	}
	_, err = f.svc.NumberedVisits(ctx, f.staff, returns.VisitFilter{}, store.ListQuery{Sort: "team"})
	wantInvalid(t, err, "sort")
}
