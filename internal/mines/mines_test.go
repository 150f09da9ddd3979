package mines

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

// now is the service clock in every test.
var now = time.Date(2021, 7, 10, 12, 0, 0, 0, time.UTC)

func mustOpen(t testing.TB) *store.DB {
	t.Helper()
	clock := time.Date(2021, 7, 10, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir, append(storetest.Database(t, dir), store.WithSynchronous("normal"),
		store.WithClock(func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Second)
			return clock
		}))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustVerify(t testing.TB, db *store.DB) {
	t.Helper()
	rep, err := db.Verify(context.Background(), nil)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("verify found problems: %v", rep.Problems)
	}
}

// fixture is a store with two sides, the mission, a mediator and a
// principal for each role that matters here.
type fixture struct {
	db *store.DB
	s  *Service

	sideA, sideB, centre, mediator string

	liaisonA, liaisonB, monitor, analyst, observer access.Principal
}

func newFixture(t testing.TB, opts ...Option) *fixture {
	t.Helper()
	ctx := context.Background()
	db := mustOpen(t)
	ag := agreement.New(db)
	f := &fixture{db: db, s: New(db, append([]Option{WithClock(func() time.Time { return now })}, opts...)...)}
	org := func(name, kind string) string {
		o, err := ag.CreateOrganisation(ctx, access.System, agreement.OrganisationInput{Name: name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	f.sideA, f.sideB = org("Side A", "side"), org("Side B", "side")
	f.centre, f.mediator = org("Monitoring centre", "monitoring_centre"), org("Mediator", "mediator")
	person := func(name, org, kind string, role access.Role) access.Principal {
		return access.Principal{UserID: "usr_" + name, Username: name, Org: org, OrgKind: kind, Roles: []access.Role{role}, Via: "token"}
	}
	f.liaisonA = person("liaison-a", f.sideA, "side", access.Liaison)
	f.liaisonB = person("liaison-b", f.sideB, "side", access.Liaison)
	f.monitor = person("monitor", f.centre, "monitoring_centre", access.Monitor)
	f.analyst = person("analyst", f.centre, "monitoring_centre", access.Analyst)
	f.observer = person("observer", f.mediator, "mediator", access.Observer)
	return f
}

// square returns a closed ring around (lat, lon) with sides of about
// side metres.
func square(lat, lon, side float64) geo.Polygon {
	dLat := side / 2 / (geo.EarthRadius * math.Pi / 180)
	dLon := dLat / math.Cos(lat*math.Pi/180)
	return geo.Polygon{{Lat: lat - dLat, Lon: lon - dLon}, {Lat: lat - dLat, Lon: lon + dLon}, {Lat: lat + dLat, Lon: lon + dLon},
		{Lat: lat + dLat, Lon: lon - dLon}, {Lat: lat - dLat, Lon: lon - dLon}}
}

func (f *fixture) minefield(laidBy string) MinefieldInput {
	return MinefieldInput{
		Designation: "A-1",
		LaidBy:      laidBy,
		District:    "Aghdam",
		ReferencePoints: []ReferencePoint{
			{Point: geo.Point{Lat: 39.99, Lon: 46.92}, Description: "Bridge over the river, east abutment"},
			{Point: geo.Point{Lat: 40.0, Lon: 46.94}, Description: "Water tower"},
		},
		Perimeter:    square(39.995, 46.93, 1000),
		Mines:        []MineType{{Category: "anti_tank", Model: "TM-62M", Count: 120, FuseType: "pressure", FuseLife: "indefinite"}, {Category: "anti_personnel", Model: "PMN-2", Count: 300}},
		Emplacement:  "hand",
		LaidAt:       "2020-10-20",
		AntiHandling: AntiHandling{Present: true, Description: "Some anti-tank mines booby-trapped with a pull fuse."},
		Rows:         []MineRow{{Start: geo.Point{Lat: 39.992, Lon: 46.925}, End: geo.Point{Lat: 39.992, Lon: 46.935}}},
	}
}

func (f *fixture) hazard(district string) HazardAreaInput {
	return HazardAreaInput{District: district, Polygon: square(39.99, 46.93, 200), Evidence: "local_report", RecordedOn: "2021-06-01"}
}

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != field {
		t.Fatalf("got %v (code %s, field %q), want invalid at %q", err, errs.CodeOf(err), errs.FieldOf(err), field)
	}
}

func TestMinefieldAreaIsComputedGeodesically(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, err := f.s.CreateMinefield(ctx, f.liaisonB, f.minefield(f.sideB))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(m.AreaM2-1e6)/1e6 > 0.005 {
		t.Errorf("area of a 1 km square = %v m²", m.AreaM2)
	}
	if m.MinesTotal != 420 || m.Classification != access.Mission || m.OwnerOrg != f.sideB {
		t.Errorf("total %d, label %+v", m.MinesTotal, m.Label)
	}
	if m.Extent.MinLat >= m.Extent.MaxLat || m.Extent.MinLon >= m.Extent.MaxLon {
		t.Errorf("extent %+v", m.Extent)
	}
	got, err := f.s.GetMinefield(ctx, f.observer, m.ID)
	if err != nil || got.AreaM2 != m.AreaM2 || got.Version != 1 {
		t.Fatalf("get: %+v %v", got, err)
	}
	page, err := f.s.ListMinefields(ctx, f.liaisonA, MinefieldFilter{LaidBy: f.sideB}, store.PageRequest{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("list: %+v %v", page, err)
	}
	in := f.minefield(f.sideB)
	in.Note = "Corrected after a site visit."
	if _, err := f.s.UpdateMinefield(ctx, f.liaisonA, m.ID, 1, in); errs.CodeOf(err) != errs.CodeForbidden {
		t.Errorf("the other side's liaison updated the record: %v", err)
	}
	if up, err := f.s.UpdateMinefield(ctx, f.liaisonB, m.ID, 1, in); err != nil || up.Version != 2 {
		t.Errorf("update: %+v %v", up, err)
	}
	if _, err := f.s.UpdateMinefield(ctx, f.liaisonB, m.ID, 1, in); errs.CodeOf(err) != errs.CodeConflict {
		t.Errorf("stale update: %v", err)
	}
	mustVerify(t, f.db)
}

func TestMinefieldWriters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		name string
		p    access.Principal
		side string
		want errs.Code
	}{
		{"a liaison records its own side's minefield", f.liaisonA, f.sideA, ""},
		{"a liaison may not record the other side's", f.liaisonA, f.sideB, errs.CodeForbidden},
		{"the mission records either side's", f.analyst, f.sideB, ""},
		{"an observer records nothing", f.observer, f.sideA, errs.CodeForbidden},
		{"laid_by must be a side", f.analyst, f.mediator, errs.CodeInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.CreateMinefield(ctx, tc.p, f.minefield(tc.side))
			if (tc.want == "" && err != nil) || (tc.want != "" && errs.CodeOf(err) != tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestMinefieldBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		change func(*MinefieldInput)
		field  string
	}{
		{"no reference points", func(in *MinefieldInput) { in.ReferencePoints = nil }, "reference_points"},
		{"one reference point", func(in *MinefieldInput) { in.ReferencePoints = in.ReferencePoints[:1] }, "reference_points"},
		{"reference point off the globe", func(in *MinefieldInput) { in.ReferencePoints[1].Point.Lat = 91 }, "reference_points[1].point.lat"},
		{"reference point without description", func(in *MinefieldInput) { in.ReferencePoints[0].Description = "" }, "reference_points[0].description"},
		{"perimeter that does not close", func(in *MinefieldInput) { in.Perimeter = in.Perimeter[:4] }, "perimeter[3]"},
		{"perimeter that intersects itself", func(in *MinefieldInput) {
			in.Perimeter = geo.Polygon{{Lat: 39.99, Lon: 46.92}, {Lat: 40.0, Lon: 46.94}, {Lat: 39.99, Lon: 46.94}, {Lat: 40.0, Lon: 46.92}, {Lat: 39.99, Lon: 46.92}}
		}, "perimeter"},
		{"perimeter of two points", func(in *MinefieldInput) { in.Perimeter = in.Perimeter[:2] }, "perimeter"},
		{"perimeter corner off the globe", func(in *MinefieldInput) { in.Perimeter[2].Lon = 200 }, "perimeter[2].lon"},
		{"negative mine count", func(in *MinefieldInput) { in.Mines[1].Count = -5 }, "mines[1].count"},
		{"negative mines in a row", func(in *MinefieldInput) { n := int64(-1); in.Rows[0].Mines = &n }, "rows[0].mines"},
		{"no mines listed", func(in *MinefieldInput) { in.Mines = nil }, "mines"},
		{"unknown mine category", func(in *MinefieldInput) { in.Mines[0].Category = "naval" }, "mines[0].category"},
		{"unknown emplacement", func(in *MinefieldInput) { in.Emplacement = "dropped" }, "emplacement"},
		{"laid in the future", func(in *MinefieldInput) { in.LaidAt = "2021-08-01" }, "laid_at"},
		{"date that does not parse", func(in *MinefieldInput) { in.LaidAt = "20/10/2020" }, "laid_at"},
		{"remotely delivered without corners", func(in *MinefieldInput) { in.Emplacement = "remotely_delivered" }, "remote"},
		{"remote block on hand-laid mines", func(in *MinefieldInput) { in.Remote = &RemoteDelivery{Total: 1} }, "remote"},
		{"remotely delivered with two corners", func(in *MinefieldInput) {
			in.Emplacement = "remotely_delivered"
			in.Remote = &RemoteDelivery{Corners: in.Perimeter[:2], Total: 10}
		}, "remote.corners"},
		{"anti-handling described but absent", func(in *MinefieldInput) { in.AntiHandling.Present = false }, "anti_handling.description"},
		{"control character in the district", func(in *MinefieldInput) { in.District = "Agh\u0007dam" }, "district"},
		{"unknown side", func(in *MinefieldInput) { in.LaidBy = "org_nothing" }, "laid_by"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := f.minefield(f.sideA)
			tc.change(&in)
			before := f.changes(t)
			_, err := f.s.CreateMinefield(ctx, f.analyst, in)
			wantInvalid(t, err, tc.field)
			if f.changes(t) != before {
				t.Fatal("a refused record changed the log")
			}
		})
	}
}

func (f *fixture) changes(t testing.TB) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM changes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHandover(t *testing.T) {
	ctx := context.Background()
	exchanges := map[string]bool{"exc_1": true}
	f := newFixture(t, WithExchangeCheck(func(_ context.Context, id string) error {
		if !exchanges[id] {
			return errs.NotFound("exchange %s not found", id)
		}
		return nil
	}))
	secret := f.minefield(f.sideB)
	secret.Classification = "restricted"
	rec, err := f.s.CreateMinefield(ctx, f.liaisonB, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GetMinefield(ctx, f.liaisonA, rec.ID); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("the other side read a restricted record before the handover: %v", err)
	}
	in := HandoverInput{FromSide: f.sideB, ToSide: f.sideA, Date: "2021-06-12", Mediators: []string{f.mediator}, ExchangeID: "exc_1",
		MinefieldIDs: []string{rec.ID}, Districts: []string{"Aghdam"}}
	if _, err := f.s.RecordHandover(ctx, f.liaisonA, in); errs.CodeOf(err) != errs.CodeForbidden {
		t.Fatalf("the receiving side's liaison recorded the other side's handover: %v", err)
	}
	h, err := f.s.RecordHandover(ctx, f.liaisonB, in)
	if err != nil {
		t.Fatal(err)
	}
	if h.MinesClaimed == nil || *h.MinesClaimed != 420 {
		t.Errorf("mines claimed = %v, want the record's 420", h.MinesClaimed)
	}
	got, err := f.s.GetMinefield(ctx, f.liaisonA, rec.ID)
	if err != nil || got.Version != 2 {
		t.Fatalf("after the handover the receiving side reads the record: %+v %v", got, err)
	}
	if _, err := f.s.GetMinefield(ctx, f.monitor, rec.ID); errs.CodeOf(err) != errs.CodeNotFound {
		t.Errorf("the handover opened the record to more than the receiving side: %v", err)
	}
	page, err := f.s.ListHandovers(ctx, f.observer, HandoverFilter{ExchangeID: "exc_1"}, store.PageRequest{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != h.ID {
		t.Fatalf("list: %+v %v", page, err)
	}
	mustVerify(t, f.db)
}

func TestHandoverBadInput(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, WithExchangeCheck(func(_ context.Context, id string) error { return errs.NotFound("no %s", id) }))
	a, err := f.s.CreateMinefield(ctx, f.liaisonA, f.minefield(f.sideA))
	if err != nil {
		t.Fatal(err)
	}
	n := int64(-1)
	cases := []struct {
		name   string
		change func(*HandoverInput)
		field  string
	}{
		{"date in the future", func(in *HandoverInput) { in.Date = "2021-07-11" }, "date"},
		{"time in the future", func(in *HandoverInput) { in.Date = "2021-07-10T13:00:00Z" }, "date"},
		{"to the same side", func(in *HandoverInput) { in.ToSide = in.FromSide }, "to_side"},
		{"to a mediator", func(in *HandoverInput) { in.ToSide = f.mediator }, "to_side"},
		{"negative mines claimed", func(in *HandoverInput) { in.MinesClaimed = &n }, "mines_claimed"},
		{"approximate without a count", func(in *HandoverInput) { in.MinesClaimed = nil; in.Approximate = true }, "approximate"},
		{"unknown exchange", func(in *HandoverInput) { in.ExchangeID = "exc_nothing" }, "exchange_id"},
		{"unknown mediator", func(in *HandoverInput) { in.Mediators = []string{"org_nothing"} }, "mediators[0]"},
		{"mediator twice", func(in *HandoverInput) { in.Mediators = []string{f.mediator, f.mediator} }, "mediators[1]"},
		{"unknown minefield record", func(in *HandoverInput) { in.MinefieldIDs = []string{"mfd_nothing"} }, "minefield_ids[0]"},
		{"a record the other side laid", func(in *HandoverInput) { in.FromSide, in.ToSide = f.sideB, f.sideA; in.MinefieldIDs = []string{a.ID} }, "minefield_ids[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			count := int64(1000)
			in := HandoverInput{FromSide: f.sideA, ToSide: f.sideB, Date: "2021-07-03", MinesClaimed: &count}
			tc.change(&in)
			before := f.changes(t)
			_, err := f.s.RecordHandover(ctx, f.analyst, in)
			wantInvalid(t, err, tc.field)
			if f.changes(t) != before {
				t.Fatal("a refused handover changed the log")
			}
		})
	}
}

func TestHandoverWithoutExchangeCheckAcceptsAnyID(t *testing.T) {
	f := newFixture(t)
	count := int64(97000)
	_, err := f.s.RecordHandover(context.Background(), f.analyst, HandoverInput{FromSide: f.sideA, ToSide: f.sideB, Date: "2021-06-12", ExchangeID: "exc_anything", MinesClaimed: &count, Approximate: true})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHazardAreaLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	h, err := f.s.RecordHazardArea(ctx, f.monitor, f.hazard("Aghdam"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != Suspected || math.Abs(h.AreaM2-40000)/40000 > 0.005 || h.RemainingM2 != h.AreaM2 {
		t.Fatalf("new area: %s %v %v", h.Status, h.AreaM2, h.RemainingM2)
	}
	step := func(in EventInput) HazardArea {
		t.Helper()
		out, err := f.s.AddEvent(ctx, f.analyst, h.ID, h.Version, in)
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		h = out
		return out
	}
	step(EventInput{Kind: EventConfirm, Date: "2021-06-05", Note: "A farmer's tractor struck a mine."})
	if h.Status != Confirmed {
		t.Fatalf("status %s", h.Status)
	}
	step(EventInput{Kind: EventRelease, Date: "2021-06-10", Method: NonTechnicalSurvey, AreaM2: 10000})
	step(EventInput{Kind: EventRelease, Date: "2021-06-20", Method: TechnicalSurvey, AreaM2: 10000,
		Devices: []Device{{Category: "anti_personnel_mine", Model: "PMN-2", Count: 2}}})
	if h.Status != Confirmed || math.Abs(h.RemainingM2-(h.AreaM2-20000)) > 0.01 {
		t.Fatalf("after partial releases: %s %v of %v", h.Status, h.RemainingM2, h.AreaM2)
	}
	depth := 0.15
	step(EventInput{Kind: EventRelease, Date: "2021-07-01", Method: Clearance, AreaM2: h.RemainingM2,
		Devices: []Device{{Category: "anti_tank_mine", Model: "TM-62M", Count: 3, Condition: "corroded", DepthM: &depth, Location: &geo.Point{Lat: 39.99, Lon: 46.93}}}})
	if h.Status != Cleared || h.RemainingM2 != 0 || h.ReleasedM2 != h.AreaM2 {
		t.Fatalf("after clearance: %s remaining %v released %v of %v", h.Status, h.RemainingM2, h.ReleasedM2, h.AreaM2)
	}
	if _, err := f.s.AddEvent(ctx, f.analyst, h.ID, h.Version, EventInput{Kind: EventRelease, Date: "2021-07-02", Method: Clearance, AreaM2: 1}); errs.CodeOf(err) != errs.CodeInvalid {
		t.Errorf("released a cleared area: %v", err)
	}
	if _, err := f.s.AddEvent(ctx, f.liaisonA, h.ID, h.Version, EventInput{Kind: EventConfirm, Date: "2021-07-02"}); errs.CodeOf(err) != errs.CodeForbidden {
		t.Errorf("a liaison changed a hazard area: %v", err)
	}
	sum, err := f.s.Summary(ctx, f.observer, Window{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(sum.ReleasedM2-h.AreaM2) > 0.01 || sum.DevicesDestroyed != 5 || len(sum.Districts) != 1 || sum.Districts[0].DevicesByCategory["anti_tank_mine"] != 3 {
		t.Errorf("summary: %+v", sum)
	}
	if sum.ReleasedByMethod[NonTechnicalSurvey] != 10000 || sum.ReleasedByMethod[TechnicalSurvey] != 10000 {
		t.Errorf("by method: %v", sum.ReleasedByMethod)
	}
	mustVerify(t, f.db)
}

// all stands, in a test's setup, for the whole remaining area.
const all = -2

func TestHazardAreaBadEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		setup []EventInput
		in    EventInput
		field string
	}{
		{"released by more area than it has", nil, EventInput{Kind: EventRelease, Date: "2021-06-10", Method: Clearance, AreaM2: 50000}, "area_m2"},
		{"released by more area than remains", []EventInput{{Kind: EventRelease, Date: "2021-06-10", Method: NonTechnicalSurvey, AreaM2: 30000}},
			EventInput{Kind: EventRelease, Date: "2021-06-11", Method: Clearance, AreaM2: 20000}, "area_m2"},
		{"release of no area", nil, EventInput{Kind: EventRelease, Date: "2021-06-10", Method: Clearance}, "area_m2"},
		{"release of negative area", nil, EventInput{Kind: EventRelease, Date: "2021-06-10", Method: Clearance, AreaM2: -1}, "area_m2"},
		{"unknown event kind", nil, EventInput{Kind: "reopen", Date: "2021-06-10"}, "kind"},
		{"unknown status transition: confirm a confirmed area", []EventInput{{Kind: EventConfirm, Date: "2021-06-02"}}, EventInput{Kind: EventConfirm, Date: "2021-06-03"}, "kind"},
		{"unknown status transition: release a cancelled area", []EventInput{{Kind: EventRelease, Date: "2021-06-02", Method: NonTechnicalSurvey, AreaM2: all}},
			EventInput{Kind: EventRelease, Date: "2021-06-03", Method: Clearance, AreaM2: 1}, "kind"},
		{"unknown method", nil, EventInput{Kind: EventRelease, Date: "2021-06-10", Method: "bulldozer", AreaM2: 10}, "method"},
		{"devices on a non-technical survey", nil, EventInput{Kind: EventRelease, Date: "2021-06-10", Method: NonTechnicalSurvey, AreaM2: 10,
			Devices: []Device{{Category: "uxo", Count: 1}}}, "devices"},
		{"device count of zero", nil, EventInput{Kind: EventRelease, Date: "2021-06-10", Method: Clearance, AreaM2: 10, Devices: []Device{{Category: "uxo"}}}, "devices[0].count"},
		{"negative device depth", nil, EventInput{Kind: EventRelease, Date: "2021-06-10", Method: Clearance, AreaM2: 10,
			Devices: []Device{{Category: "uxo", Count: 1, DepthM: new(float64(-1))}}}, "devices[0].depth_m"},
		{"date in the future", nil, EventInput{Kind: EventConfirm, Date: "2021-07-11"}, "date"},
		{"date before the area was recorded", nil, EventInput{Kind: EventConfirm, Date: "2021-05-01"}, "date"},
		{"date before the previous event", []EventInput{{Kind: EventRelease, Date: "2021-06-10", Method: NonTechnicalSurvey, AreaM2: 10}},
			EventInput{Kind: EventConfirm, Date: "2021-06-05"}, "date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := f.s.RecordHazardArea(ctx, f.monitor, f.hazard("Fuzuli"))
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range tc.setup {
				if ev.AreaM2 == all {
					ev.AreaM2 = h.RemainingM2
				}
				if h, err = f.s.AddEvent(ctx, f.monitor, h.ID, h.Version, ev); err != nil {
					t.Fatal(err)
				}
			}
			before := f.changes(t)
			_, err = f.s.AddEvent(ctx, f.monitor, h.ID, h.Version, tc.in)
			wantInvalid(t, err, tc.field)
			if f.changes(t) != before {
				t.Fatal("a refused event changed the log")
			}
		})
	}
	t.Run("stale version", func(t *testing.T) {
		h, err := f.s.RecordHazardArea(ctx, f.monitor, f.hazard("Fuzuli"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddEvent(ctx, f.monitor, h.ID, h.Version, EventInput{Kind: EventConfirm, Date: "2021-06-02"}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.AddEvent(ctx, f.monitor, h.ID, h.Version, EventInput{Kind: EventConfirm, Date: "2021-06-02"})
		if errs.CodeOf(err) != errs.CodeConflict {
			t.Fatalf("got %v, want conflict", err)
		}
	})
}

func TestListsPageThroughEveryRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	want := map[string]bool{}
	for _, day := range []string{"2021-06-01", "2021-06-01", "2021-06-03", "2021-05-20", "2021-06-02"} {
		in := f.hazard("Aghdam")
		in.RecordedOn = day
		h, err := f.s.RecordHazardArea(ctx, f.monitor, in)
		if err != nil {
			t.Fatal(err)
		}
		want[h.ID] = true
	}
	var got []string
	var days []string
	page := store.PageRequest{Limit: 2}
	for {
		p, err := f.s.ListHazardAreas(ctx, f.observer, HazardAreaFilter{District: "Aghdam", Status: Suspected}, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range p.Items {
			got = append(got, h.ID)
			days = append(days, h.RecordedOn.Format(dateText))
		}
		if p.Next == "" {
			break
		}
		page.Cursor = p.Next
	}
	if len(got) != len(want) || !slices.IsSortedFunc(days, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Fatalf("paged %v (%v), want each of %d once, latest first", got, days, len(want))
	}
	for _, id := range got {
		if !want[id] {
			t.Fatalf("unexpected %s", id)
		}
		delete(want, id)
	}
	if _, err := f.s.ListHazardAreas(ctx, f.observer, HazardAreaFilter{Status: "gone"}, store.PageRequest{}); errs.FieldOf(err) != "status" {
		t.Errorf("unknown status filter: %v", err)
	}
}

func TestHazardAreaBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		change func(*HazardAreaInput)
		field  string
	}{
		{"polygon that does not close", func(in *HazardAreaInput) { in.Polygon = in.Polygon[:4] }, "polygon[3]"},
		{"polygon that intersects itself", func(in *HazardAreaInput) {
			in.Polygon = geo.Polygon{{Lat: 39.99, Lon: 46.92}, {Lat: 40.0, Lon: 46.94}, {Lat: 39.99, Lon: 46.94}, {Lat: 40.0, Lon: 46.92}, {Lat: 39.99, Lon: 46.92}}
		}, "polygon"},
		{"unknown evidence", func(in *HazardAreaInput) { in.Evidence = "rumour" }, "evidence"},
		{"recorded in the future", func(in *HazardAreaInput) { in.RecordedOn = "2022-01-01" }, "recorded_on"},
		{"no district", func(in *HazardAreaInput) { in.District = "" }, "district"},
		{"unknown place", func(in *HazardAreaInput) { in.PlaceID = "plc_nothing" }, "place_id"},
		{"unknown minefield record", func(in *HazardAreaInput) { in.MinefieldID = "mfd_nothing" }, "minefield_id"},
		{"personal classification", func(in *HazardAreaInput) { in.Classification = "personal" }, "classification"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := f.hazard("Aghdam")
			tc.change(&in)
			_, err := f.s.RecordHazardArea(ctx, f.monitor, in)
			wantInvalid(t, err, tc.field)
		})
	}
	in := f.hazard("Aghdam")
	in.Evidence = "device_seen"
	h, err := f.s.RecordHazardArea(ctx, f.monitor, in)
	if err != nil || h.Status != Confirmed {
		t.Fatalf("direct evidence: %v %v", h.Status, err)
	}
	if _, err := f.s.RecordHazardArea(ctx, f.liaisonA, f.hazard("Aghdam")); errs.CodeOf(err) != errs.CodeForbidden {
		t.Errorf("a liaison recorded a hazard area: %v", err)
	}
}

func TestSummaryCountsOnlyWhatTheReaderMayRead(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	release := func(district, method string, m2 float64, label access.LabelInput, date string) {
		t.Helper()
		in := f.hazard(district)
		in.LabelInput = label
		h, err := f.s.RecordHazardArea(ctx, f.monitor, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddEvent(ctx, f.monitor, h.ID, h.Version, EventInput{Kind: EventRelease, Date: date, Method: method, AreaM2: m2,
			Devices: []Device{{Category: "uxo", Count: 1}}}); err != nil {
			t.Fatal(err)
		}
	}
	release("Aghdam", Clearance, 5000, access.LabelInput{}, "2021-06-10")
	release("Aghdam", TechnicalSurvey, 2500, access.LabelInput{}, "2021-06-20")
	release("Fuzuli", Clearance, 1000, access.LabelInput{}, "2021-07-01")
	release("Fuzuli", Clearance, 7000, access.LabelInput{Classification: "restricted", RestrictedTo: []string{f.sideA}}, "2021-07-01")
	claimed := int64(92000)
	if _, err := f.s.RecordHandover(ctx, f.analyst, HandoverInput{FromSide: f.sideB, ToSide: f.sideA, Date: "2021-07-03", MinesClaimed: &claimed,
		Approximate: true, Districts: []string{"Fuzuli", "Zangilan"}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		p        access.Principal
		w        Window
		released float64
		devices  int64
		handed   int64
	}{
		{"mission sees mission records", f.observer, Window{}, 8500, 3, 1},
		{"the owner sees its restricted area", f.monitor, Window{}, 15500, 4, 1},
		{"the named side sees the restricted area too", f.liaisonA, Window{}, 15500, 4, 1},
		{"the other side does not", f.liaisonB, Window{}, 8500, 3, 1},
		{"a window of days", f.monitor, Window{From: time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)}, 2500, 1, 0},
		{"the last day is left out", f.monitor, Window{To: time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC)}, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sum, err := f.s.Summary(ctx, tc.p, tc.w)
			if err != nil {
				t.Fatal(err)
			}
			if sum.ReleasedM2 != tc.released || sum.DevicesDestroyed != tc.devices || sum.Handovers.Handovers != tc.handed {
				t.Fatalf("released %v devices %d handovers %d; want %v %d %d", sum.ReleasedM2, sum.DevicesDestroyed, sum.Handovers.Handovers, tc.released, tc.devices, tc.handed)
			}
			if sum.ReleasedHa != math.Round(tc.released/100)/100 {
				t.Errorf("hectares %v for %v m²", sum.ReleasedHa, tc.released)
			}
		})
	}
	sum, err := f.s.Summary(ctx, f.monitor, Window{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sum.Handovers.ByDistrict); got != "[{Fuzuli 1 92000} {Zangilan 1 92000}]" || sum.Handovers.MinesClaimed != 92000 {
		t.Errorf("handovers by district: %s, claimed %d", got, sum.Handovers.MinesClaimed)
	}
	if _, err := f.s.Summary(ctx, f.monitor, Window{From: now, To: now}); errs.CodeOf(err) != errs.CodeInvalid {
		t.Errorf("empty window: %v", err)
	}
}

func TestRingErrorNamesThePerimeterPosition(t *testing.T) {
	for in, want := range map[string]string{"coordinates[0]": "p", "coordinates[0][3]": "p[3]", "coordinates[0][3][1]": "p[3].lat", "coordinates[0][2][0]": "p[2].lon"} {
		if got := errs.FieldOf(ringError("p", errs.Invalid(in, "x"))); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
	if err := ringError("p", errors.New("plain")); err.Error() != "plain" || !strings.Contains(err.Error(), "plain") {
		t.Errorf("plain error changed: %v", err)
	}
}

// A window of days keeps the handovers dated on those days, both ends
// included; a malformed or reversed window is refused and names its field.
func TestHandoverDayWindow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, d := range []string{"2021-06-11", "2021-06-12", "2021-06-12T20:00:00Z", "2021-07-04"} {
		if _, err := f.s.RecordHandover(ctx, f.analyst, HandoverInput{FromSide: f.sideA, ToSide: f.sideB, Date: d}); err != nil {
			t.Fatal(err)
		}
	}
	dated := func(filter HandoverFilter) []string {
		t.Helper()
		page, err := f.s.ListHandovers(ctx, f.observer, filter, store.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range page.Items {
			out = append(out, h.Date.Format(time.RFC3339))
		}
		slices.Sort(out)
		return out
	}
	if got := dated(HandoverFilter{FromDay: "2021-06-12", ToDay: "2021-06-12"}); !slices.Equal(got, []string{"2021-06-12T00:00:00Z", "2021-06-12T20:00:00Z"}) {
		t.Errorf("handovers of 12 June: %v", got)
	}
	if got := dated(HandoverFilter{FromDay: "2021-06-12"}); len(got) != 3 {
		t.Errorf("handovers from 12 June: %v", got)
	}
	if got := dated(HandoverFilter{ToDay: "2021-06-11"}); !slices.Equal(got, []string{"2021-06-11T00:00:00Z"}) {
		t.Errorf("handovers to 11 June: %v", got)
	}
	for _, c := range []struct {
		name   string
		filter HandoverFilter
		field  string
	}{
		{"from_day not a date", HandoverFilter{FromDay: "12 June"}, "from_day"},
		{"to_day not a date", HandoverFilter{ToDay: "2021-06-31"}, "to_day"},
		{"to_day before from_day", HandoverFilter{FromDay: "2021-06-12", ToDay: "2021-06-11"}, "to_day"},
	} {
		_, err := f.s.ListHandovers(ctx, f.observer, c.filter, store.PageRequest{})
		if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != c.field {
			t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
		}
	}
}
