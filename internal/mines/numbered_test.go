package mines

import (
	"context"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/store"
)

// The numbered lists of minefield records, handovers and hazard areas:
// totals, pages that walk the same order as one long page, sorts, the
// reader's access kept, and bad values refused naming their field.
func TestNumberedMineLists(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i, day := range []string{"2021-06-01", "2021-06-01", "2021-06-03", "2021-05-20", "2021-06-02"} {
		in := f.hazard("Aghdam")
		in.RecordedOn = day
		in.Polygon = square(39.99, 46.93, float64(100+50*i))
		if _, err := f.s.RecordHazardArea(ctx, f.monitor, in); err != nil {
			t.Fatal(err)
		}
	}
	all, err := f.s.NumberedHazardAreas(ctx, f.observer, HazardAreaFilter{District: "Aghdam"}, store.ListQuery{})
	if err != nil || all.Total != 5 || all.Sort != "-recorded" || all.Items[0].RecordedOn.Format(dateText) != "2021-06-03" || all.Items[4].RecordedOn.Format(dateText) != "2021-05-20" {
		t.Fatalf("hazard areas: %+v %v", all, err)
	}
	var walked, want []string
	for _, h := range all.Items {
		want = append(want, h.ID)
	}
	for page := 1; page <= 3; page++ {
		got, err := f.s.NumberedHazardAreas(ctx, f.observer, HazardAreaFilter{District: "Aghdam"}, store.ListQuery{Page: page, Size: 2})
		if err != nil || got.Pages != 3 {
			t.Fatalf("page %d: %+v %v", page, got, err)
		}
		for _, h := range got.Items {
			walked = append(walked, h.ID)
		}
	}
	if !slices.Equal(walked, want) {
		t.Fatalf("pages of 2: %v, want %v", walked, want)
	}
	big, err := f.s.NumberedHazardAreas(ctx, f.observer, HazardAreaFilter{}, store.ListQuery{Sort: "area", Desc: true})
	if err != nil || !slices.IsSortedFunc(big.Items, func(a, b HazardArea) int { return int(b.AreaM2 - a.AreaM2) }) || big.Items[0].AreaM2 <= big.Items[4].AreaM2 {
		t.Fatalf("largest first: %v", err)
	}
	if none, err := f.s.NumberedHazardAreas(ctx, f.observer, HazardAreaFilter{District: "Fuzuli"}, store.ListQuery{}); err != nil || none.Total != 0 || none.Pages != 1 || len(none.Items) != 0 {
		t.Fatalf("empty: %+v %v", none, err)
	}
	_, err = f.s.NumberedHazardAreas(ctx, f.observer, HazardAreaFilter{Status: "gone"}, store.ListQuery{})
	wantInvalid(t, err, "status")
	_, err = f.s.NumberedHazardAreas(ctx, f.observer, HazardAreaFilter{}, store.ListQuery{Sort: "district"})
	wantInvalid(t, err, "sort")

	// Minefield records: a restricted one is counted only for its readers.
	open := f.minefield(f.sideA)
	if _, err := f.s.CreateMinefield(ctx, f.liaisonA, open); err != nil {
		t.Fatal(err)
	}
	secret := f.minefield(f.sideB)
	secret.Classification = "restricted"
	secret.LaidAt = "2020-10-25"
	rec, err := f.s.CreateMinefield(ctx, f.liaisonB, secret)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := f.s.NumberedMinefields(ctx, f.liaisonB, MinefieldFilter{}, store.ListQuery{})
	if err != nil || mb.Total != 2 || mb.Items[0].ID != rec.ID {
		t.Fatalf("side B's minefields: %+v %v", mb, err)
	}
	ma, err := f.s.NumberedMinefields(ctx, f.liaisonA, MinefieldFilter{}, store.ListQuery{Sort: "mines"})
	if err != nil || ma.Total != 1 || ma.Items[0].ID == rec.ID || ma.Sort != "mines" {
		t.Fatalf("side A reads the other side's restricted record: %+v %v", ma, err)
	}
	_, err = f.s.NumberedMinefields(ctx, f.liaisonA, MinefieldFilter{}, store.ListQuery{Sort: "designation"})
	wantInvalid(t, err, "sort")

	// Handovers: latest day first; a bad day names its field.
	for _, day := range []string{"2021-06-12", "2021-06-14"} {
		in := HandoverInput{FromSide: f.sideA, ToSide: f.sideB, Date: day, Districts: []string{"Aghdam"}}
		if _, err := f.s.RecordHandover(ctx, f.liaisonA, in); err != nil {
			t.Fatal(err)
		}
	}
	hs, err := f.s.NumberedHandovers(ctx, f.observer, HandoverFilter{}, store.ListQuery{Page: 2, Size: 1})
	if err != nil || hs.Total != 2 || len(hs.Items) != 1 || hs.Items[0].Date.Format(dateText) != "2021-06-12" {
		t.Fatalf("handovers page 2: %+v %v", hs, err)
	}
	_, err = f.s.NumberedHandovers(ctx, f.observer, HandoverFilter{FromDay: "June"}, store.ListQuery{})
	wantInvalid(t, err, "from_day")
	_, err = f.s.NumberedHandovers(ctx, f.observer, HandoverFilter{}, store.ListQuery{Page: store.MaxPage + 1})
	wantInvalid(t, err, "page")
}
