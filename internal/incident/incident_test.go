package incident

import (
	"context"
	"encoding/json"
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

// now is the service clock in every test: two days after the events.
var now = time.Date(2021, 6, 12, 12, 0, 0, 0, time.UTC)

func mustOpen(t testing.TB) *store.DB {
	t.Helper()
	clock := time.Date(2021, 6, 12, 10, 0, 0, 0, time.UTC)
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

// fixture is a store with two sides, the mission, a guarantor, a media
// outlet, a line of contact between the sides, a zone east of it and a
// place, and a principal for each role.
type fixture struct {
	db  *store.DB
	s   *Service
	geo *geo.Service

	sideA, sideB, centre, guarantor, media string
	zone, line, place                      string

	liaisonA, liaisonB, monitor, analyst, cochair, observer access.Principal
}

var (
	inZone   = geo.Point{Lat: 40.10, Lon: 46.88} // east of the line, in the zone
	westSide = geo.Point{Lat: 40.00, Lon: 46.70}
	farAway  = geo.Point{Lat: 10, Lon: 10}
)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db := mustOpen(t)
	ag := agreement.New(db)
	g := geo.New(db, agreement.CheckOrganisation)
	f := &fixture{db: db, geo: g, s: New(db, g, WithClock(func() time.Time { return now }))}
	org := func(name, kind string) string {
		o, err := ag.CreateOrganisation(ctx, access.System, agreement.OrganisationInput{Name: name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	// The ids are random: sort the sides so that side A is the smaller id,
	// as Sides orders them.
	a, b := org("Side One", "side"), org("Side Two", "side")
	if b < a {
		a, b = b, a
	}
	f.sideA, f.sideB = a, b
	f.centre = org("Joint Monitoring Centre", "monitoring_centre")
	f.guarantor = org("Guarantor", "guarantor")
	f.media = org("Daily Wire", "media")
	layer := func(in geo.LayerInput) string {
		l, err := g.CreateLayer(ctx, access.System, in)
		if err != nil {
			t.Fatal(err)
		}
		return l.ID
	}
	f.line = layer(geo.LayerInput{Kind: geo.KindLineOfContact, Name: "Line", ValidFrom: "2020-11-09T21:00:00Z",
		Geometry: json.RawMessage(`{"type":"LineString","coordinates":[[46.8,40.2],[46.8,40.0],[46.8,39.8]]}`), LeftParty: f.sideA, RightParty: f.sideB})
	f.zone = layer(geo.LayerInput{Kind: geo.KindZone, Subkind: "buffer", Name: "Buffer east", ValidFrom: "2020-11-09T21:00:00Z",
		Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[46.82,40.02],[46.95,40.02],[46.95,40.18],[46.82,40.18],[46.82,40.02]]]}`)})
	pl, err := g.CreatePlace(ctx, access.System, geo.PlaceInput{Kind: "settlement", Location: &geo.Point{Lat: 39.758, Lon: 46.750},
		Names: []geo.PlaceName{{Lang: "en", Name: "Shusha"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.place = pl.ID
	pr := func(user, org, kind string, roles ...access.Role) access.Principal {
		return access.Principal{UserID: user, Username: user, Org: org, OrgKind: kind, Roles: roles, Via: "session"}
	}
	f.liaisonA = pr("usr_la", f.sideA, "side", access.Liaison)
	f.liaisonB = pr("usr_lb", f.sideB, "side", access.Liaison)
	f.monitor = pr("usr_mon", f.centre, "monitoring_centre", access.Monitor)
	f.analyst = pr("usr_ana", f.centre, "monitoring_centre", access.Analyst)
	f.cochair = pr("usr_cc", f.guarantor, "guarantor", access.CoChair)
	f.observer = pr("usr_obs", f.centre, "monitoring_centre", access.Observer)
	t.Cleanup(func() { mustVerify(t, db) })
	return f
}

// allegationBy is a valid allegation in side's name against the other.
func (f *fixture) allegationBy(side string) AllegationInput {
	other := f.sideB
	if side == f.sideB {
		other = f.sideA
	}
	low, high := 0, 3
	return AllegationInput{SourceKind: SourceSide, OnBehalfOf: side, AllegedPerpetrator: other, Category: "heavy_weapons_fire",
		Location:   LocationInput{Point: &geo.Point{Lat: inZone.Lat, Lon: inZone.Lon}, Precision: PrecisionExact},
		Time:       TimeInput{Start: "2021-06-10T03:10:00Z", End: "2021-06-10T03:40:00Z"},
		Casualties: &CasualtiesInput{Injured: TollInput{Civilians: &EstimateInput{Best: 1, Low: &low, High: &high}}},
		Narrative:  "Mortar fire on the village from the west.\nԱկանատեսներ: 3.", Reliability: "B", Credibility: 3}
}

func wantErr(t *testing.T, err error, code errs.Code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want %s at %q", code, field)
	}
	if c := errs.CodeOf(err); c != code {
		t.Fatalf("code = %q, want %q (error: %v)", c, code, err)
	}
	if got := errs.FieldOf(err); got != field {
		t.Fatalf("field = %q, want %q (error: %v)", got, field, err)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestAllegationLodgeReadWithdraw(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, err := f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.ID, "alg_") || a.Version != 1 || a.Status != StatusLodged || a.OwnerOrg != f.sideA || a.LodgedBy != f.sideA {
		t.Fatalf("lodged %+v", a)
	}
	if a.Location.RadiusM != 100 || a.Classification != access.Mission {
		t.Errorf("radius %v, classification %q", a.Location.RadiusM, a.Classification)
	}
	g := a.Geography
	if len(g.Zones) != 1 || g.Zones[0].ID != f.zone || g.LineOfContact == nil || g.LineOfContact.ID != f.line || g.OutsideLayers {
		t.Fatalf("geography %+v", g)
	}
	if g.LineOfContact.SideParty == "" || g.LineOfContact.DistanceM < 5000 || g.NearestPlace == nil || g.NearestPlace.ID != f.place {
		t.Errorf("line hit %+v, place %+v", g.LineOfContact, g.NearestPlace)
	}
	if c := a.Casualties.Injured.Civilians; c != (Estimate{Best: 1, Low: 0, High: 3}) {
		t.Errorf("casualties %+v", c)
	}

	// Everyone in the mission reads a mission-level allegation, the other
	// side included.
	for _, p := range []access.Principal{f.liaisonB, f.monitor, f.observer, f.cochair} {
		got, err := f.s.GetAllegation(ctx, p, a.ID)
		if err != nil || got.Narrative != a.Narrative {
			t.Fatalf("%s: %v", p.UserID, err)
		}
	}

	// A restricted allegation of side A, shared with the mission only.
	in := f.allegationBy(f.sideA)
	in.Classification, in.RestrictedTo = "restricted", []string{f.centre}
	r := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, in))
	_, err = f.s.GetAllegation(ctx, f.liaisonB, r.ID)
	wantErr(t, err, errs.CodeNotFound, "")
	if _, err := f.s.GetAllegation(ctx, f.monitor, r.ID); err != nil {
		t.Fatalf("monitor of a named reader: %v", err)
	}
	_, err = f.s.GetAllegation(ctx, f.cochair, r.ID)
	wantErr(t, err, errs.CodeNotFound, "")
	pg := must[store.Page[Allegation]](t)(f.s.ListAllegations(ctx, f.liaisonB, AllegationFilter{}, store.PageRequest{}))
	if len(pg.Items) != 1 || pg.Items[0].ID != a.ID {
		t.Fatalf("side B lists %d allegations, want only the mission-level one", len(pg.Items))
	}
	pg = must[store.Page[Allegation]](t)(f.s.ListAllegations(ctx, f.liaisonA, AllegationFilter{}, store.PageRequest{}))
	if len(pg.Items) != 2 {
		t.Fatalf("side A lists %d allegations, want 2", len(pg.Items))
	}

	// Side B may neither withdraw nor edit side A's allegation; nor may the
	// mission.
	_, err = f.s.WithdrawAllegation(ctx, f.liaisonB, a.ID, 1, "not ours")
	wantErr(t, err, errs.CodeForbidden, "")
	_, err = f.s.WithdrawAllegation(ctx, f.monitor, a.ID, 1, "duplicate")
	wantErr(t, err, errs.CodeForbidden, "")
	_, err = f.s.UpdateAllegation(ctx, f.liaisonB, a.ID, 1, f.allegationBy(f.sideB))
	wantErr(t, err, errs.CodeForbidden, "")
	_, err = f.s.WithdrawAllegation(ctx, f.liaisonB, r.ID, 1, "not ours")
	wantErr(t, err, errs.CodeNotFound, "")

	// Side A edits, then withdraws; the allegation stays, as withdrawn.
	upd := f.allegationBy(f.sideA)
	upd.Narrative = "Mortar fire, corrected time."
	a2 := must[Allegation](t)(f.s.UpdateAllegation(ctx, f.liaisonA, a.ID, 1, upd))
	if a2.Version != 2 || !a2.LodgedAt.Equal(a.LodgedAt) {
		t.Fatalf("updated %d, lodged at %v (was %v)", a2.Version, a2.LodgedAt, a.LodgedAt)
	}
	_, err = f.s.WithdrawAllegation(ctx, f.liaisonA, a.ID, 1, "stale")
	wantErr(t, err, errs.CodeConflict, "version")
	_, err = f.s.WithdrawAllegation(ctx, f.liaisonA, a.ID, 2, "")
	wantErr(t, err, errs.CodeInvalid, "reason")
	w := must[Allegation](t)(f.s.WithdrawAllegation(ctx, f.liaisonA, a.ID, 2, "Reported twice."))
	if w.Status != StatusWithdrawn || w.Withdrawal == nil || w.Withdrawal.By != "usr_la" {
		t.Fatalf("withdrawn %+v", w)
	}
	got := must[Allegation](t)(f.s.GetAllegation(ctx, f.liaisonB, a.ID))
	if got.Status != StatusWithdrawn || got.Version != 3 {
		t.Fatalf("read back %s v%d", got.Status, got.Version)
	}
	_, err = f.s.WithdrawAllegation(ctx, f.liaisonA, a.ID, 3, "again")
	wantErr(t, err, errs.CodeConflict, "status")
	_, err = f.s.UpdateAllegation(ctx, f.liaisonA, a.ID, 3, upd)
	wantErr(t, err, errs.CodeConflict, "status")
	h, err := f.db.History(ctx, EntityAllegation, a.ID, false)
	if err != nil || len(h) != 3 || h[2].Actor != "usr_la" || h[2].Org != f.sideA {
		t.Fatalf("history %+v %v", h, err)
	}

	// Filters: status, side, bounding box, window.
	pg = must[store.Page[Allegation]](t)(f.s.ListAllegations(ctx, f.monitor, AllegationFilter{Status: StatusWithdrawn}, store.PageRequest{}))
	if len(pg.Items) != 1 {
		t.Errorf("withdrawn: %d", len(pg.Items))
	}
	box := &geo.BBox{MinLat: 40.0, MinLon: 46.8, MaxLat: 40.2, MaxLon: 47}
	win := Window{From: time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 6, 11, 0, 0, 0, 0, time.UTC)}
	pg = must[store.Page[Allegation]](t)(f.s.ListAllegations(ctx, f.monitor, AllegationFilter{Window: win, BBox: box}, store.PageRequest{}))
	if len(pg.Items) != 2 {
		t.Errorf("in box and window: %d", len(pg.Items))
	}
	win.From = win.To
	win.To = win.To.Add(24 * time.Hour)
	pg = must[store.Page[Allegation]](t)(f.s.ListAllegations(ctx, f.monitor, AllegationFilter{Window: win, BBox: box}, store.PageRequest{}))
	if len(pg.Items) != 0 {
		t.Errorf("next day: %d", len(pg.Items))
	}
}

func TestAllegationSourcesAndPrecision(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Near a named place: the point is the place's.
	in := AllegationInput{SourceKind: SourceMedia, LodgedBy: f.media, AllegedPerpetrator: Unknown, Category: "drone_or_air_strike",
		Location: LocationInput{Precision: PrecisionNearPlace, PlaceID: f.place}, Time: TimeInput{Start: "2021-06-09", Precision: TimeDay},
		Narrative: "Report of a drone strike near the town."}
	a := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.analyst, in))
	if a.Location.Point != (geo.Point{Lat: 39.758, Lon: 46.750}) || a.Location.RadiusM != 10_000 {
		t.Errorf("location %+v", a.Location)
	}
	if a.Time.End == nil || a.Time.End.Sub(a.Time.Start) != 24*time.Hour || a.Grading != (Grading{}) || a.Grading.Graded() {
		t.Errorf("time %+v grading %+v", a.Time, a.Grading)
	}
	// Outside every layer: accepted and flagged.
	in = AllegationInput{SourceKind: SourcePublic, AllegedPerpetrator: f.sideB, Category: "other",
		Location: LocationInput{Point: &farAway, Precision: PrecisionRegion}, Time: TimeInput{Start: "2021-06-10T00:00:00Z"},
		Narrative: "Far away."}
	a = must[Allegation](t)(f.s.LodgeAllegation(ctx, f.monitor, in))
	if !a.Geography.OutsideLayers || a.LodgedBy != "" {
		t.Errorf("outside %v, lodged_by %q", a.Geography.OutsideLayers, a.LodgedBy)
	}
	// The mission's own: lodged by the user's organisation.
	in.SourceKind = SourceMission
	a = must[Allegation](t)(f.s.LodgeAllegation(ctx, f.monitor, in))
	if a.LodgedBy != f.centre {
		t.Errorf("mission lodged_by %q", a.LodgedBy)
	}
	// A liaison's source and side default to its own.
	in = f.allegationBy(f.sideB)
	in.SourceKind, in.OnBehalfOf = "", ""
	a = must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, in))
	if a.SourceKind != SourceSide || a.OnBehalfOf != f.sideB {
		t.Errorf("liaison defaults: %q %q", a.SourceKind, a.OnBehalfOf)
	}
}

func TestAllegationRejects(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ip := func(n int) *int { return &n }
	tests := []struct {
		name  string
		p     access.Principal
		edit  func(*AllegationInput)
		code  errs.Code
		field string
	}{
		{"window ends before it starts", f.liaisonA, func(in *AllegationInput) { in.Time.End = "2021-06-10T03:00:00Z" }, errs.CodeInvalid, "time.end"},
		{"start beyond clock skew", f.liaisonA, func(in *AllegationInput) { in.Time = TimeInput{Start: "2021-06-12T12:06:00Z"} }, errs.CodeInvalid, "time.start"},
		{"end beyond clock skew", f.liaisonA, func(in *AllegationInput) { in.Time.End = "2021-06-12T12:10:00Z" }, errs.CodeInvalid, "time.end"},
		{"start within skew is fine but exact with end", f.liaisonA, func(in *AllegationInput) { in.Time.Precision = TimeExact }, errs.CodeInvalid, "time.end"},
		{"window without end", f.liaisonA, func(in *AllegationInput) { in.Time = TimeInput{Start: "2021-06-10T03:00:00Z", Precision: TimeWindow} }, errs.CodeInvalid, "time.end"},
		{"bad time", f.liaisonA, func(in *AllegationInput) { in.Time.Start = "yesterday" }, errs.CodeInvalid, "time.start"},
		{"low above best", f.liaisonA, func(in *AllegationInput) {
			in.Casualties.Killed.Civilians = &EstimateInput{Best: 2, Low: ip(5), High: ip(9)}
		}, errs.CodeInvalid, "casualties.killed.civilians.low"},
		{"best above high", f.liaisonA, func(in *AllegationInput) {
			in.Casualties.Killed.Civilians = &EstimateInput{Best: 5, Low: ip(1), High: ip(3)}
		}, errs.CodeInvalid, "casualties.killed.civilians.high"},
		{"low > best > high", f.liaisonA, func(in *AllegationInput) {
			in.Casualties.Injured.Civilians = &EstimateInput{Best: 3, Low: ip(4), High: ip(2)}
		}, errs.CodeInvalid, "casualties.injured.civilians.low"},
		{"negative count", f.liaisonA, func(in *AllegationInput) { in.Casualties.Killed.Civilians = &EstimateInput{Best: -1} }, errs.CodeInvalid, "casualties.killed.civilians.low"},
		{"military of a non-side", f.liaisonA, func(in *AllegationInput) {
			in.Casualties.Killed.Military = append(in.Casualties.Killed.Military, struct {
				Side string `json:"side"`
				EstimateInput
			}{f.media, EstimateInput{Best: 1}})
		}, errs.CodeInvalid, "casualties.killed.military[0].side"},
		{"perpetrator not a side", f.liaisonA, func(in *AllegationInput) { in.AllegedPerpetrator = f.media }, errs.CodeInvalid, "alleged_perpetrator"},
		{"perpetrator unknown organisation", f.liaisonA, func(in *AllegationInput) { in.AllegedPerpetrator = "org_nope" }, errs.CodeInvalid, "alleged_perpetrator"},
		{"perpetrator missing", f.liaisonA, func(in *AllegationInput) { in.AllegedPerpetrator = "" }, errs.CodeInvalid, "alleged_perpetrator"},
		{"perpetrator is the accuser", f.liaisonA, func(in *AllegationInput) { in.AllegedPerpetrator = f.sideA }, errs.CodeInvalid, "alleged_perpetrator"},
		{"liaison in the other side's name", f.liaisonA, func(in *AllegationInput) {
			in.OnBehalfOf, in.AllegedPerpetrator = f.sideB, f.sideA
		}, errs.CodeForbidden, "on_behalf_of"},
		{"liaison as the public", f.liaisonA, func(in *AllegationInput) { in.SourceKind, in.OnBehalfOf = SourcePublic, "" }, errs.CodeForbidden, "source_kind"},
		{"side source without a side", f.monitor, func(in *AllegationInput) { in.OnBehalfOf = "" }, errs.CodeInvalid, "on_behalf_of"},
		{"on behalf of a non-side", f.monitor, func(in *AllegationInput) { in.OnBehalfOf = f.media }, errs.CodeInvalid, "on_behalf_of"},
		{"side lodged by another organisation", f.monitor, func(in *AllegationInput) { in.LodgedBy = f.centre }, errs.CodeInvalid, "lodged_by"},
		{"media without outlet", f.monitor, func(in *AllegationInput) { in.SourceKind, in.OnBehalfOf = SourceMedia, "" }, errs.CodeInvalid, "lodged_by"},
		{"media outlet not media", f.monitor, func(in *AllegationInput) { in.SourceKind, in.OnBehalfOf, in.LodgedBy = SourceMedia, "", f.centre }, errs.CodeInvalid, "lodged_by"},
		{"public in a side's name", f.monitor, func(in *AllegationInput) { in.SourceKind = SourcePublic }, errs.CodeInvalid, "on_behalf_of"},
		{"bad source kind", f.monitor, func(in *AllegationInput) { in.SourceKind = "rumour" }, errs.CodeInvalid, "source_kind"},
		{"bad category", f.liaisonA, func(in *AllegationInput) { in.Category = "shelling" }, errs.CodeInvalid, "category"},
		{"exact with a place only", f.liaisonA, func(in *AllegationInput) { in.Location = LocationInput{Precision: PrecisionExact, PlaceID: f.place} }, errs.CodeInvalid, "location.point"},
		{"district without a point", f.liaisonA, func(in *AllegationInput) { in.Location = LocationInput{Precision: PrecisionDistrict} }, errs.CodeInvalid, "location.point"},
		{"near place without a place", f.liaisonA, func(in *AllegationInput) { in.Location = LocationInput{Precision: PrecisionNearPlace} }, errs.CodeInvalid, "location.place_id"},
		{"near an unknown place", f.liaisonA, func(in *AllegationInput) {
			in.Location = LocationInput{Precision: PrecisionNearPlace, PlaceID: "plc_nope"}
		}, errs.CodeInvalid, "location.place_id"},
		{"bad precision", f.liaisonA, func(in *AllegationInput) { in.Location.Precision = "approximate" }, errs.CodeInvalid, "location.precision"},
		{"lat out of range", f.liaisonA, func(in *AllegationInput) { in.Location.Point = &geo.Point{Lat: 91, Lon: 46} }, errs.CodeInvalid, "location.point.lat"},
		{"lon out of range", f.liaisonA, func(in *AllegationInput) { in.Location.Point = &geo.Point{Lat: 40, Lon: 181} }, errs.CodeInvalid, "location.point.lon"},
		{"blank narrative", f.liaisonA, func(in *AllegationInput) { in.Narrative = " \n" }, errs.CodeInvalid, "narrative"},
		{"narrative too long", f.liaisonA, func(in *AllegationInput) { in.Narrative = strings.Repeat("ш", MaxNarrative+1) }, errs.CodeInvalid, "narrative"},
		{"trojan source", f.liaisonA, func(in *AllegationInput) { in.Narrative = "abc\u202edef" }, errs.CodeInvalid, "narrative"},
		{"reliability G", f.liaisonA, func(in *AllegationInput) { in.Reliability = "G" }, errs.CodeInvalid, "reliability"},
		{"credibility 7", f.liaisonA, func(in *AllegationInput) { in.Credibility = 7 }, errs.CodeInvalid, "credibility"},
		{"attachment hash", f.liaisonA, func(in *AllegationInput) {
			in.Attachments = []Attachment{{SHA256: "abc", Name: "photo.jpg", MediaType: "image/jpeg", Size: 10}}
		}, errs.CodeInvalid, "attachments[0].sha256"},
		{"attachment type", f.liaisonA, func(in *AllegationInput) {
			in.Attachments = []Attachment{{SHA256: strings.Repeat("a", 64), Name: "photo.jpg", MediaType: "jpeg", Size: 10}}
		}, errs.CodeInvalid, "attachments[0].media_type"},
		{"restricted_to unknown", f.liaisonA, func(in *AllegationInput) {
			in.Classification, in.RestrictedTo = "restricted", []string{"org_nope"}
		}, errs.CodeInvalid, "restricted_to[0]"},
		{"personal", f.liaisonA, func(in *AllegationInput) { in.Classification = "personal" }, errs.CodeInvalid, "classification"},
		{"observer writes", f.observer, func(in *AllegationInput) {}, errs.CodeForbidden, ""},
		{"anonymous", access.Anonymous, func(in *AllegationInput) {}, errs.CodeUnauthenticated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := f.allegationBy(f.sideA)
			tt.edit(&in)
			before := f.db.Size()
			_, err := f.s.LodgeAllegation(ctx, tt.p, in)
			wantErr(t, err, tt.code, tt.field)
			if f.db.Size() != before {
				t.Fatalf("log grew from %d to %d", before, f.db.Size())
			}
		})
	}
}

// investigate opens an incident grouping members and takes it to
// under_investigation.
func (f *fixture) investigate(t *testing.T, allegations, observations []string) Incident {
	t.Helper()
	ctx := context.Background()
	inc := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Shelling east of the line", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z", End: "2021-06-10T04:00:00Z"},
		Allegations: allegations, Observations: observations}))
	inc = must[Incident](t)(f.s.Transition(ctx, f.analyst, inc.ID, inc.Version, TransitionInput{To: PreliminaryReview}))
	return must[Incident](t)(f.s.Transition(ctx, f.monitor, inc.ID, inc.Version, TransitionInput{To: UnderInvestigation, Team: []string{"usr_mon", "usr_ana"}}))
}

func TestIncidentWorkflow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	inc := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Shelling", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}, Allegations: []string{a.ID}}))
	if inc.Status != Received || len(inc.StatusHistory) != 1 || inc.StatusHistory[0].By != "usr_ana" {
		t.Fatalf("opened %+v", inc.IncidentBody)
	}
	if got := must[Allegation](t)(f.s.GetAllegation(ctx, f.liaisonB, a.ID)); got.IncidentID != inc.ID || got.Version != 1 {
		t.Fatalf("allegation's incident %q (version %d): the link must not edit the allegation", got.IncidentID, got.Version)
	}
	good := &FindingInput{Outcome: Substantiated, Attribution: f.sideB, Reliability: "A", Credibility: 2, Summary: "Craters and fragments consistent with 82 mm mortar fire from the west."}
	v := inc.Version
	step := func(p access.Principal, in TransitionInput) (Incident, error) {
		t.Helper()
		before := f.db.Size()
		got, err := f.s.Transition(ctx, p, inc.ID, v, in)
		if err == nil {
			v = got.Version
			inc = got
		} else if f.db.Size() != before {
			t.Fatalf("refused step wrote to the log")
		}
		return got, err
	}
	type bad struct {
		name  string
		p     access.Principal
		in    TransitionInput
		code  errs.Code
		field string
	}
	refuse := func(cases ...bad) {
		t.Helper()
		for _, c := range cases {
			_, err := step(c.p, c.in)
			if err == nil || errs.CodeOf(err) != c.code || errs.FieldOf(err) != c.field {
				t.Fatalf("%s (at %s): got %v (%s, %q), want %s at %q", c.name, inc.Status, err, errs.CodeOf(err), errs.FieldOf(err), c.code, c.field)
			}
		}
	}
	// received
	refuse(
		bad{"finding before investigation", f.analyst, TransitionInput{To: FindingMade, Finding: good}, errs.CodeConflict, "status"},
		bad{"investigation before review", f.analyst, TransitionInput{To: UnderInvestigation}, errs.CodeConflict, "status"},
		bad{"close before finding", f.cochair, TransitionInput{To: Closed}, errs.CodeConflict, "status"},
		bad{"suspend before review", f.analyst, TransitionInput{To: Suspended, Reason: "x"}, errs.CodeConflict, "status"},
		bad{"back to received", f.analyst, TransitionInput{To: Received}, errs.CodeInvalid, "to"},
		bad{"unknown status", f.analyst, TransitionInput{To: "verified"}, errs.CodeInvalid, "to"},
		bad{"liaison steps", f.liaisonA, TransitionInput{To: PreliminaryReview}, errs.CodeForbidden, ""},
		bad{"observer steps", f.observer, TransitionInput{To: PreliminaryReview}, errs.CodeForbidden, ""},
	)
	_, err := f.s.AddNote(ctx, f.monitor, inc.ID, v, NoteInput{Kind: "note", Text: "x"})
	wantErr(t, err, errs.CodeConflict, "status")
	must[Incident](t)(step(f.analyst, TransitionInput{To: PreliminaryReview}))
	// preliminary_review
	refuse(bad{"suspend without reason", f.analyst, TransitionInput{To: Suspended}, errs.CodeInvalid, "reason"})
	must[Incident](t)(step(f.analyst, TransitionInput{To: Suspended, Reason: "Access to the site denied at the checkpoint."}))
	// suspended
	refuse(bad{"resume elsewhere", f.analyst, TransitionInput{To: UnderInvestigation}, errs.CodeConflict, "status"},
		bad{"finding while suspended", f.analyst, TransitionInput{To: FindingMade, Finding: good}, errs.CodeConflict, "status"})
	must[Incident](t)(step(f.analyst, TransitionInput{To: PreliminaryReview}))
	must[Incident](t)(step(f.monitor, TransitionInput{To: UnderInvestigation, Team: []string{"usr_mon", "Team Bravo"}}))
	if !slices.Equal(inc.Team, []string{"usr_mon", "Team Bravo"}) {
		t.Errorf("team %v", inc.Team)
	}
	// under_investigation: notes
	for _, k := range []string{"task", "site_visit", "interview", "note"} {
		inc = must[Incident](t)(f.s.AddNote(ctx, f.monitor, inc.ID, v, NoteInput{Kind: k, Text: "Step: " + k}))
		v = inc.Version
	}
	_, err = f.s.AddNote(ctx, f.monitor, inc.ID, v, NoteInput{Kind: "gossip", Text: "x"})
	wantErr(t, err, errs.CodeInvalid, "kind")
	_, err = f.s.AddNote(ctx, f.liaisonA, inc.ID, v, NoteInput{Kind: "note", Text: "x"})
	wantErr(t, err, errs.CodeForbidden, "")
	refuse(
		bad{"finding without finding", f.analyst, TransitionInput{To: FindingMade}, errs.CodeInvalid, "finding"},
		bad{"bad outcome", f.analyst, TransitionInput{To: FindingMade, Finding: &FindingInput{Outcome: "true", Attribution: f.sideB, Summary: "x"}}, errs.CodeInvalid, "finding.outcome"},
		bad{"attribution not a side", f.analyst, TransitionInput{To: FindingMade, Finding: &FindingInput{Outcome: Substantiated, Attribution: f.media, Summary: "x"}}, errs.CodeInvalid, "finding.attribution"},
		bad{"attributing the unsubstantiated", f.analyst, TransitionInput{To: FindingMade, Finding: &FindingInput{Outcome: NotSubstantiated, Attribution: f.sideB, Summary: "x"}}, errs.CodeInvalid, "finding.attribution"},
		bad{"grading", f.analyst, TransitionInput{To: FindingMade, Finding: &FindingInput{Outcome: Substantiated, Attribution: f.sideB, Credibility: 9, Summary: "x"}}, errs.CodeInvalid, "finding.credibility"},
		bad{"close from investigation", f.cochair, TransitionInput{To: Closed}, errs.CodeConflict, "status"},
	)
	must[Incident](t)(step(f.analyst, TransitionInput{To: FindingMade, Finding: good}))
	if inc.Finding == nil || inc.Finding.Grading != (Grading{"A", 2}) {
		t.Fatalf("finding %+v", inc.Finding)
	}
	// finding: only a co-chair seals.
	refuse(bad{"monitor seals", f.monitor, TransitionInput{To: Closed}, errs.CodeForbidden, ""},
		bad{"analyst seals", f.analyst, TransitionInput{To: Closed}, errs.CodeForbidden, ""})
	must[Incident](t)(step(f.cochair, TransitionInput{To: Closed}))
	// closed and sealed: every edit is a conflict.
	_, err = f.s.AddNote(ctx, f.monitor, inc.ID, v, NoteInput{Kind: "note", Text: "late"})
	wantErr(t, err, errs.CodeConflict, "status")
	before := f.db.Size()
	_, err = f.s.UpdateIncident(ctx, f.analyst, inc.ID, v, IncidentInput{Title: "Renamed", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}})
	wantErr(t, err, errs.CodeConflict, "status")
	if f.db.Size() != before {
		t.Fatal("refused edit wrote")
	}
	refuse(
		bad{"finding again", f.analyst, TransitionInput{To: FindingMade, Finding: good}, errs.CodeConflict, "status"},
		bad{"suspend sealed", f.analyst, TransitionInput{To: Suspended, Reason: "x"}, errs.CodeConflict, "status"},
		bad{"analyst reopens", f.analyst, TransitionInput{To: UnderInvestigation, Reason: "new evidence"}, errs.CodeForbidden, ""},
		bad{"reopen without reason", f.cochair, TransitionInput{To: UnderInvestigation}, errs.CodeInvalid, "reason"},
		bad{"reopen to review", f.cochair, TransitionInput{To: PreliminaryReview, Reason: "x"}, errs.CodeConflict, "status"},
	)
	_, err = f.s.Transition(ctx, f.cochair, inc.ID, v-1, TransitionInput{To: UnderInvestigation, Reason: "x"})
	wantErr(t, err, errs.CodeConflict, "version")
	must[Incident](t)(step(f.cochair, TransitionInput{To: UnderInvestigation, Reason: "Side B submitted new imagery."}))
	// Reopened: editable again; the earlier finding is no longer in force.
	inc = must[Incident](t)(f.s.UpdateIncident(ctx, f.analyst, inc.ID, v, IncidentInput{Title: "Shelling of the village", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 1000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}, Allegations: []string{a.ID}}))
	v = inc.Version
	if inc.Status != UnderInvestigation || len(inc.Notes) != 4 || inc.Title != "Shelling of the village" {
		t.Fatalf("after update: %s, %d notes", inc.Status, len(inc.Notes))
	}
	pg := must[store.Page[Incident]](t)(f.s.ListIncidents(ctx, f.monitor, IncidentFilter{Outcome: Substantiated}, store.PageRequest{}))
	if len(pg.Items) != 0 {
		t.Error("a reopened incident still counts its old finding")
	}
	must[Incident](t)(step(f.analyst, TransitionInput{To: FindingMade, Finding: good}))
	refuse(bad{"send back without reason", f.analyst, TransitionInput{To: UnderInvestigation}, errs.CodeInvalid, "reason"})
	must[Incident](t)(step(f.cochair, TransitionInput{To: Closed}))
	want := []string{Received, PreliminaryReview, Suspended, PreliminaryReview, UnderInvestigation, FindingMade, Closed, UnderInvestigation, FindingMade, Closed}
	var got []string
	for _, h := range inc.StatusHistory {
		got = append(got, h.Status)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	if h := inc.StatusHistory[7]; h.By != "usr_cc" || h.Reason == "" {
		t.Errorf("reopening recorded as %+v", h)
	}
	pg = must[store.Page[Incident]](t)(f.s.ListIncidents(ctx, f.liaisonB, IncidentFilter{Status: Closed, Outcome: Substantiated}, store.PageRequest{}))
	if len(pg.Items) != 1 {
		t.Errorf("closed substantiated: %d", len(pg.Items))
	}
	// Each step is a change by its actor.
	hist := must[[]store.Version](t)(f.db.History(ctx, EntityIncident, inc.ID, false))
	if len(hist) != int(v) || hist[len(hist)-1].Actor != "usr_cc" {
		t.Errorf("%d changes, last by %s", len(hist), hist[len(hist)-1].Actor)
	}
}

func TestIncidentMembers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	in := f.allegationBy(f.sideB)
	in.Classification, in.RestrictedTo = "restricted", []string{f.guarantor}
	hidden := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, in))
	f.investigate(t, []string{a.ID}, nil)
	base := IncidentInput{Title: "Other", Category: "other", Location: PointRadius{Point: inZone}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}}
	for _, tt := range []struct {
		name        string
		allegations []string
		code        errs.Code
		field       string
	}{
		{"already in an incident", []string{a.ID}, errs.CodeConflict, "allegations[0]"},
		{"unknown", []string{"alg_nope"}, errs.CodeInvalid, "allegations[0]"},
		{"not visible to the analyst", []string{hidden.ID}, errs.CodeInvalid, "allegations[0]"},
		{"twice", []string{hidden.ID, hidden.ID}, errs.CodeInvalid, "allegations[1]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			in.Allegations = tt.allegations
			before := f.db.Size()
			_, err := f.s.OpenIncident(ctx, f.analyst, in)
			wantErr(t, err, tt.code, tt.field)
			if f.db.Size() != before {
				t.Fatal("log grew")
			}
		})
	}
	pg := must[store.Page[Allegation]](t)(f.s.ListAllegations(ctx, f.cochair, AllegationFilter{Unlinked: true}, store.PageRequest{}))
	if len(pg.Items) != 1 || pg.Items[0].ID != hidden.ID {
		t.Errorf("unlinked: %d", len(pg.Items))
	}
}

func TestSides(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	aa := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	ab := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonB, f.allegationBy(f.sideB)))
	media := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.monitor, AllegationInput{SourceKind: SourceMedia, LodgedBy: f.media, AllegedPerpetrator: Unknown,
		Category: "heavy_weapons_fire", Location: LocationInput{Point: &inZone, Precision: PrecisionDistrict}, Time: TimeInput{Start: "2021-06-10", Precision: TimeDay},
		Narrative: "Exchange of fire reported."}))
	bf, bt := 80.0, 100.0
	obs := must[Observation](t)(f.s.RecordObservation(ctx, f.monitor, ObservationInput{Observer: Observer{Kind: "post", Position: westSide},
		Kind: "undetermined_explosion", Count: 4, BearingFrom: &bf, BearingTo: &bt, DistanceMinM: 5000, DistanceMaxM: 10000, Perception: "heard",
		Time: TimeInput{Start: "2021-06-10T03:12:00Z"}}))
	inc := f.investigate(t, []string{media.ID, ab.ID, aa.ID}, []string{obs.ID})
	sb := must[SideBySide](t)(f.s.Sides(ctx, f.liaisonA, inc.ID))
	if sb.SideA != f.sideA || sb.SideB != f.sideB {
		t.Fatalf("sides %q %q", sb.SideA, sb.SideB)
	}
	if len(sb.SideAAllegations) != 1 || sb.SideAAllegations[0].ID != aa.ID || len(sb.SideBAllegations) != 1 || sb.SideBAllegations[0].ID != ab.ID ||
		len(sb.OtherAllegations) != 1 || len(sb.Observations) != 1 || sb.Finding != nil {
		t.Fatalf("side by side: %d / %d / %d / %d", len(sb.SideAAllegations), len(sb.SideBAllegations), len(sb.OtherAllegations), len(sb.Observations))
	}
	if sb.Observations[0].IncidentID != inc.ID {
		t.Error("observation does not know its incident")
	}
	inc = must[Incident](t)(f.s.Transition(ctx, f.analyst, inc.ID, inc.Version, TransitionInput{To: FindingMade,
		Finding: &FindingInput{Outcome: Substantiated, Attribution: AttributionBoth, Summary: "Both sides fired."}}))
	sb = must[SideBySide](t)(f.s.Sides(ctx, f.liaisonB, inc.ID))
	if sb.Finding == nil || sb.Finding.Attribution != AttributionBoth {
		t.Fatalf("finding %+v", sb.Finding)
	}
}
