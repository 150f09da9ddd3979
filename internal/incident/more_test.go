package incident

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

func fp(x float64) *float64 { return &x }

func validObservation() ObservationInput {
	return ObservationInput{Observer: Observer{Kind: "patrol", Position: westSide}, Kind: "undetermined_explosion", Count: 3,
		BearingFrom: fp(80), BearingTo: fp(100), DistanceMinM: 5000, DistanceMaxM: 10000, Perception: "heard",
		Time: TimeInput{Start: "2021-06-10T03:10:00Z", End: "2021-06-10T03:25:00Z"}}
}

func TestObservation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := must[Observation](t)(f.s.RecordObservation(ctx, f.monitor, validObservation()))
	if len(o.Area) != 2*(sectorSteps+1)+1 || o.Area[0] != o.Area[len(o.Area)-1] {
		t.Fatalf("area has %d points", len(o.Area))
	}
	// The centre lies east of the post, 7.5 km out on bearing 90.
	if d := geo.Distance(westSide, o.Centre); math.Abs(d-7500) > 1 || o.Centre.Lon <= westSide.Lon {
		t.Errorf("centre %v at %.0f m", o.Centre, d)
	}
	if !o.Area.Contains(o.Centre) || o.Area.Contains(westSide) {
		t.Error("the area holds its centre and not the observer")
	}
	// A single bearing spreads ±5°; no bearing is a disc round the observer.
	in := validObservation()
	in.BearingTo = nil
	single := must[Observation](t)(f.s.RecordObservation(ctx, f.monitor, in))
	if !single.Area.Contains(geo.Destination(westSide, 84, 6000)) || single.Area.Contains(geo.Destination(westSide, 70, 6000)) {
		t.Error("single bearing spread")
	}
	in = validObservation()
	in.BearingFrom, in.BearingTo, in.DistanceMinM = nil, nil, 0
	disc := must[Observation](t)(f.s.RecordObservation(ctx, f.analyst, in))
	if disc.Centre != westSide || !disc.Area.Contains(geo.Destination(westSide, 200, 9000)) {
		t.Error("disc")
	}
	pg := must[store.Page[Observation]](t)(f.s.ListObservations(ctx, f.liaisonA, ObservationFilter{BBox: &geo.BBox{MinLat: 39.9, MinLon: 46.75, MaxLat: 40.1, MaxLon: 46.85}}, store.PageRequest{}))
	if len(pg.Items) != 2 {
		t.Errorf("observations in box: %d, want the two sectors", len(pg.Items))
	}
	tests := []struct {
		name  string
		p     access.Principal
		edit  func(*ObservationInput)
		code  errs.Code
		field string
	}{
		{"distance min above max", f.monitor, func(in *ObservationInput) { in.DistanceMinM, in.DistanceMaxM = 4500, 1000 }, errs.CodeInvalid, "distance_min_m"},
		{"distance min equals max", f.monitor, func(in *ObservationInput) { in.DistanceMinM, in.DistanceMaxM = 1000, 1000 }, errs.CodeInvalid, "distance_min_m"},
		{"negative distance", f.monitor, func(in *ObservationInput) { in.DistanceMinM = -1 }, errs.CodeInvalid, "distance_min_m"},
		{"distance beyond range", f.monitor, func(in *ObservationInput) { in.DistanceMaxM = 200_000 }, errs.CodeInvalid, "distance_max_m"},
		{"bearing 360", f.monitor, func(in *ObservationInput) { in.BearingFrom = fp(360) }, errs.CodeInvalid, "bearing_from"},
		{"bearing negative", f.monitor, func(in *ObservationInput) { in.BearingTo = fp(-0.5) }, errs.CodeInvalid, "bearing_to"},
		{"bearing NaN", f.monitor, func(in *ObservationInput) { in.BearingTo = fp(math.NaN()) }, errs.CodeInvalid, "bearing_to"},
		{"bearing_to alone", f.monitor, func(in *ObservationInput) { in.BearingFrom = nil }, errs.CodeInvalid, "bearing_from"},
		{"disc with a minimum", f.monitor, func(in *ObservationInput) { in.BearingFrom, in.BearingTo = nil, nil }, errs.CodeInvalid, "distance_min_m"},
		{"observer lat out of range", f.monitor, func(in *ObservationInput) { in.Observer.Position.Lat = -91 }, errs.CodeInvalid, "observer.position.lat"},
		{"observer kind", f.monitor, func(in *ObservationInput) { in.Observer.Kind = "satellite" }, errs.CodeInvalid, "observer.kind"},
		{"unknown site", f.monitor, func(in *ObservationInput) { in.Observer.SiteID = f.zone }, errs.CodeInvalid, "observer.site_id"},
		{"kind", f.monitor, func(in *ObservationInput) { in.Kind = "boom" }, errs.CodeInvalid, "kind"},
		{"count zero", f.monitor, func(in *ObservationInput) { in.Count = 0 }, errs.CodeInvalid, "count"},
		{"perception", f.monitor, func(in *ObservationInput) { in.Perception = "felt" }, errs.CodeInvalid, "perception"},
		{"window ending before it starts", f.monitor, func(in *ObservationInput) { in.Time.End = "2021-06-10T03:00:00Z" }, errs.CodeInvalid, "time.end"},
		{"in the future", f.monitor, func(in *ObservationInput) { in.Time = TimeInput{Start: "2021-06-13T00:00:00Z"} }, errs.CodeInvalid, "time.start"},
		{"a whole day", f.monitor, func(in *ObservationInput) { in.Time = TimeInput{Start: "2021-06-10", Precision: TimeDay} }, errs.CodeInvalid, "time.precision"},
		{"liaison observes", f.liaisonA, func(in *ObservationInput) {}, errs.CodeForbidden, ""},
		{"observer role", f.observer, func(in *ObservationInput) {}, errs.CodeForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validObservation()
			tt.edit(&in)
			before := f.db.Size()
			_, err := f.s.RecordObservation(ctx, tt.p, in)
			wantErr(t, err, tt.code, tt.field)
			if f.db.Size() != before {
				t.Fatal("log grew")
			}
		})
	}
}

func TestPatrolAndRestriction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pin := PatrolInput{Team: []string{"usr_mon", "Interpreter"}, Route: geo.Line{westSide, {Lat: 40.05, Lon: 46.75}, {Lat: 40.1, Lon: 46.78}},
		Start: "2021-06-10T06:00:00Z"}
	pat := must[Patrol](t)(f.s.RecordPatrol(ctx, f.monitor, pin))
	pin.End = "2021-06-10T14:00:00Z"
	pat = must[Patrol](t)(f.s.UpdatePatrol(ctx, f.monitor, pat.ID, pat.Version, pin))
	if pat.Version != 2 || pat.End == nil {
		t.Fatalf("patrol %+v", pat)
	}
	rin := RestrictionInput{PatrolID: pat.ID, Kind: "delayed", Where: geo.Point{Lat: 40.05, Lon: 46.75}, ByOrg: f.sideA,
		ByText: "Soldiers at the bridge checkpoint", Reason: "No orders from command.", Start: "2021-06-10T08:00:00Z", End: "2021-06-10T09:30:00Z"}
	r := must[Restriction](t)(f.s.RecordRestriction(ctx, f.monitor, rin))
	if r.DurationS == nil || *r.DurationS != 5400 {
		t.Fatalf("duration %v", r.DurationS)
	}
	open := rin
	open.Kind, open.End = "denied", ""
	r = must[Restriction](t)(f.s.RecordRestriction(ctx, f.monitor, open))
	if r.DurationS != nil {
		t.Fatal("an open restriction has no duration")
	}
	if _, err := f.s.GetRestriction(ctx, f.liaisonB, r.ID); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		p     access.Principal
		edit  func(*RestrictionInput)
		code  errs.Code
		field string
	}{
		{"ends before it starts", f.monitor, func(in *RestrictionInput) { in.End = "2021-06-10T07:00:00Z" }, errs.CodeInvalid, "end"},
		{"future", f.monitor, func(in *RestrictionInput) { in.Start, in.End = "2021-06-14T07:00:00Z", "" }, errs.CodeInvalid, "start"},
		{"kind", f.monitor, func(in *RestrictionInput) { in.Kind = "blocked" }, errs.CodeInvalid, "kind"},
		{"unknown patrol", f.monitor, func(in *RestrictionInput) { in.PatrolID = "pat_nope" }, errs.CodeInvalid, "patrol_id"},
		{"unknown organisation", f.monitor, func(in *RestrictionInput) { in.ByOrg = "org_nope" }, errs.CodeInvalid, "by_org"},
		{"where", f.monitor, func(in *RestrictionInput) { in.Where.Lat = 100 }, errs.CodeInvalid, "where.lat"},
		{"liaison", f.liaisonA, func(in *RestrictionInput) {}, errs.CodeForbidden, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := rin
			tt.edit(&in)
			before := f.db.Size()
			_, err := f.s.RecordRestriction(ctx, tt.p, in)
			wantErr(t, err, tt.code, tt.field)
			if f.db.Size() != before {
				t.Fatal("log grew")
			}
		})
	}
	bad := pin
	bad.Route = geo.Line{westSide}
	_, err := f.s.RecordPatrol(ctx, f.monitor, bad)
	wantErr(t, err, errs.CodeInvalid, "route.coordinates")
}

func TestTallies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	lodge := func(p access.Principal, side string, at geo.Point, start, category string, edit func(*AllegationInput)) Allegation {
		t.Helper()
		in := f.allegationBy(side)
		in.Location.Point = &at
		in.Time = TimeInput{Start: start}
		in.Category = category
		if edit != nil {
			edit(&in)
		}
		return must[Allegation](t)(f.s.LodgeAllegation(ctx, p, in))
	}
	const hw, sa = "heavy_weapons_fire", "small_arms_fire"
	lodge(f.liaisonA, f.sideA, inZone, "2021-06-10T03:00:00Z", hw, nil)
	lodge(f.liaisonA, f.sideA, westSide, "2021-06-10T05:00:00Z", hw, nil)
	lodge(f.liaisonB, f.sideB, inZone, "2021-06-10T03:05:00Z", hw, nil)
	lodge(f.liaisonB, f.sideB, westSide, "2021-06-11T22:00:00Z", sa, nil)
	lodge(f.liaisonA, f.sideA, inZone, "2021-06-10T07:00:00Z", hw, func(in *AllegationInput) {
		in.Classification, in.RestrictedTo = "restricted", []string{f.centre}
	})
	w := lodge(f.liaisonA, f.sideA, inZone, "2021-06-10T08:00:00Z", hw, nil)
	must[Allegation](t)(f.s.WithdrawAllegation(ctx, f.liaisonA, w.ID, w.Version, "Mistaken."))
	lodge(f.monitor, "", inZone, "2021-06-10T09:00:00Z", hw, func(in *AllegationInput) {
		in.SourceKind, in.OnBehalfOf, in.LodgedBy, in.AllegedPerpetrator = SourceMedia, "", f.media, Unknown
	})
	lodge(f.liaisonA, f.sideA, inZone, "2021-06-12T01:00:00Z", hw, nil) // outside the window

	obs := func(kind string, count int, at geo.Point, start string) {
		t.Helper()
		in := validObservation()
		in.Kind, in.Count, in.Observer.Position, in.Time = kind, count, at, TimeInput{Start: start}
		if at != westSide {
			in.BearingFrom, in.BearingTo, in.DistanceMinM, in.DistanceMaxM = fp(90), nil, 1000, 3000
		}
		must[Observation](t)(f.s.RecordObservation(ctx, f.monitor, in))
	}
	obs("undetermined_explosion", 4, westSide, "2021-06-10T03:10:00Z")
	obs("bursts_small_arms", 10, geo.Point{Lat: 40.10, Lon: 46.86}, "2021-06-10T04:00:00Z")
	obs("impact", 1, westSide, "2021-06-11T23:59:59Z")

	inc := f.investigate(t, nil, nil)
	inc = must[Incident](t)(f.s.Transition(ctx, f.analyst, inc.ID, inc.Version, TransitionInput{To: FindingMade,
		Finding: &FindingInput{Outcome: Substantiated, Attribution: f.sideB, Summary: "Confirmed."}}))
	must[Incident](t)(f.s.Transition(ctx, f.cochair, inc.ID, inc.Version, TransitionInput{To: Closed}))
	other := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Small arms", Category: sa,
		Location: PointRadius{Point: westSide}, Time: TimeInput{Start: "2021-06-11T22:00:00Z"}}))
	other = must[Incident](t)(f.s.Transition(ctx, f.analyst, other.ID, other.Version, TransitionInput{To: PreliminaryReview}))
	other = must[Incident](t)(f.s.Transition(ctx, f.analyst, other.ID, other.Version, TransitionInput{To: UnderInvestigation}))
	must[Incident](t)(f.s.Transition(ctx, f.analyst, other.ID, other.Version, TransitionInput{To: FindingMade,
		Finding: &FindingInput{Outcome: NotSubstantiated, Attribution: AttributionUndetermined, Summary: "No trace."}}))

	from, to := time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC), time.Date(2021, 6, 12, 0, 0, 0, 0, time.UTC)
	A, B := f.sideA, f.sideB
	type m = map[string]int
	tests := []struct {
		name  string
		p     access.Principal
		group string
		want  []TallyRow
	}{
		{"day, mission", f.monitor, ByDay, []TallyRow{
			{Key: "2021-06-10", AllegedBy: m{A: 3, B: 1}, Observations: 2, Observed: 14, Explosions: 4, Verified: m{B: 1}},
			{Key: "2021-06-11", AllegedBy: m{B: 1}, Observations: 1, Observed: 1, Explosions: 1, Verified: m{}},
		}},
		{"day, side B does not count A's restricted claim", f.liaisonB, ByDay, []TallyRow{
			{Key: "2021-06-10", AllegedBy: m{A: 2, B: 1}, Observations: 2, Observed: 14, Explosions: 4, Verified: m{B: 1}},
			{Key: "2021-06-11", AllegedBy: m{B: 1}, Observations: 1, Observed: 1, Explosions: 1, Verified: m{}},
		}},
		{"week", f.monitor, ByWeek, []TallyRow{
			{Key: "2021-W23", AllegedBy: m{A: 3, B: 2}, Observations: 3, Observed: 15, Explosions: 5, Verified: m{B: 1}},
		}},
		{"zone", f.monitor, ByZone, []TallyRow{
			{Key: "", AllegedBy: m{A: 1, B: 1}, Observations: 2, Observed: 5, Explosions: 5, Verified: m{}},
			{Key: f.zone, AllegedBy: m{A: 2, B: 1}, Observations: 1, Observed: 10, Explosions: 0, Verified: m{B: 1}},
		}},
		{"category", f.monitor, ByCategory, []TallyRow{
			{Key: hw, AllegedBy: m{A: 3, B: 1}, Observations: 2, Observed: 5, Explosions: 5, Verified: m{B: 1}},
			{Key: sa, AllegedBy: m{B: 1}, Observations: 1, Observed: 10, Explosions: 0, Verified: m{}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.Tallies(ctx, tt.p, from, to, tt.group)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	_, err := f.s.Tallies(ctx, f.monitor, from, to, "month")
	wantErr(t, err, errs.CodeInvalid, "group")
	_, err = f.s.Tallies(ctx, f.monitor, to, from, ByDay)
	wantErr(t, err, errs.CodeInvalid, "to")
}
