package returns_test

import (
	"context"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
	"github.com/truce-monitoring/truce/internal/transit"
)

// now is the tests' clock: a year after the demo's returns.
var now = time.Date(2022, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	db     *store.DB
	svc    *returns.Service
	loaded *demo.Loaded
	staff  access.Principal // a monitor of the monitoring centre
	hum    access.Principal // a humanitarian officer
}

// mustOpen loads the demo scenario (without accounts) into a new database.
func mustOpen(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir, append(storetest.Database(t, dir), store.WithSynchronous("normal"), store.WithClock(func() time.Time { return now }))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := geo.New(db, agreement.CheckOrganisation)
	svc := returns.New(db, returns.WithClock(func() time.Time { return now }))
	l, err := demo.Load(ctx, demo.Services{Agreements: agreement.New(db), Geo: g, Returns: svc, Transit: transit.New(db, g)})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, svc: svc, loaded: l,
		staff: access.Principal{UserID: "u_monitor", Username: "monitor", Org: l.Orgs["JMC"], Roles: []access.Role{access.Monitor}, Via: "token"},
		hum:   access.Principal{UserID: "u_hum", Username: "hum", Org: l.Orgs["ICRC"], Roles: []access.Role{access.Humanitarian}, Via: "token"}}
}

func (f fixture) movement() returns.MovementInput {
	return returns.MovementInput{Date: "2021-05-01T10:00:00Z", OriginText: "Goris", DestinationPlaceID: f.loaded.Places["Khojaly"], Kind: returns.KindOrganised,
		People: []returns.PeopleCount{{Sex: "female", Age: "18-59", Count: 10}, {Sex: "male", Age: "18-59", Count: 8}, {Sex: "female", Age: "0-4", Count: 2}},
		Total:  20, EscortOrg: f.loaded.Orgs["PKF"], VerifiedBy: f.loaded.Orgs["UNHCR"]}
}

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != field {
		t.Fatalf("got %v (code %s, field %q), want invalid at %q", err, errs.CodeOf(err), errs.FieldOf(err), field)
	}
}

func TestMovementBadInput(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		edit  func(*returns.MovementInput)
		field string
	}{
		{"counts not adding up to the total", func(in *returns.MovementInput) { in.Total = 21 }, "total"},
		{"a negative count", func(in *returns.MovementInput) {
			in.People[2].Count = -2
			in.Total = 16
		}, "people[2].count"},
		{"a future date", func(in *returns.MovementInput) { in.Date = "2022-03-02T00:00:00Z" }, "date"},
		{"no date", func(in *returns.MovementInput) { in.Date = "" }, "date"},
		{"a total of none", func(in *returns.MovementInput) { in.People, in.Total = nil, 0 }, "total"},
		{"an unknown age band", func(in *returns.MovementInput) { in.People[0].Age = "adult" }, "people[0].age"},
		{"an unknown sex", func(in *returns.MovementInput) { in.People[0].Sex = "x" }, "people[0].sex"},
		{"the same group twice", func(in *returns.MovementInput) { in.People[1] = in.People[0] }, "people[1]"},
		{"an unknown kind", func(in *returns.MovementInput) { in.Kind = "forced" }, "kind"},
		{"an organised return nobody verified as voluntary", func(in *returns.MovementInput) { in.VerifiedBy = "" }, "voluntariness_verified_by"},
		{"a destination outside the gazetteer", func(in *returns.MovementInput) { in.DestinationPlaceID = "plc_nowhere" }, "destination_place_id"},
		{"no destination", func(in *returns.MovementInput) { in.DestinationPlaceID = "" }, "destination_place_id"},
		{"an unknown escort", func(in *returns.MovementInput) { in.EscortOrg = "org_nobody" }, "escort_org"},
		{"a period that starts after its date", func(in *returns.MovementInput) { in.Since = "2021-06-01T00:00:00Z" }, "since"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := f.movement()
			c.edit(&in)
			_, err := f.svc.RecordMovement(ctx, f.staff, in)
			wantInvalid(t, err, c.field)
		})
	}
	page, err := f.svc.ListMovements(ctx, f.staff, returns.MovementFilter{DestinationPlaceID: f.loaded.Places["Khojaly"], Window: returns.Window{From: time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)}}, store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 0 {
		t.Fatalf("bad input changed something: %d movements", len(page.Items))
	}
}

func TestMovementSpontaneousNeedsNoVerification(t *testing.T) {
	f := mustOpen(t)
	in := f.movement()
	in.Kind, in.VerifiedBy, in.People = returns.KindSpontaneous, "", nil
	m, err := f.svc.RecordMovement(context.Background(), f.hum, in)
	if err != nil {
		t.Fatal(err)
	}
	if m.DestinationName == "" || m.OwnerOrg != f.loaded.Orgs["ICRC"] {
		t.Fatalf("got %+v", m.MovementBody)
	}
}

func TestMovementWriters(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	for _, p := range []access.Principal{
		{UserID: "u_l", Org: f.loaded.Orgs["AZ"], OrgKind: "side", Roles: []access.Role{access.Liaison}},
		{UserID: "u_o", Org: f.loaded.Orgs["OSCE"], Roles: []access.Role{access.Observer}},
		{UserID: "u_a", Org: f.loaded.Orgs["JMC"], Roles: []access.Role{access.Admin}},
	} {
		if _, err := f.svc.RecordMovement(ctx, p, f.movement()); errs.CodeOf(err) != errs.CodeForbidden {
			t.Errorf("%s recorded a movement: %v", p.Roles, err)
		}
	}
}

func TestTotals(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	all := returns.Window{}
	rows, err := f.svc.Totals(ctx, access.Anonymous, all, "month")
	if err != nil {
		t.Fatal(err)
	}
	// Anonymous readers see the public figure alone.
	if len(rows) != 1 || rows[0].Key != "2021-02" || rows[0].People != 52351 || rows[0].Mixed != 52351 {
		t.Fatalf("public totals: %+v", rows)
	}
	for _, d := range []string{"2021-05-01T10:00:00Z", "2021-05-03T10:00:00Z"} {
		in := f.movement()
		in.Date = d
		if _, err := f.svc.RecordMovement(ctx, f.staff, in); err != nil {
			t.Fatal(err)
		}
	}
	may := returns.Window{From: time.Date(2021, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)}
	rows, err = f.svc.Totals(ctx, f.staff, may, "week")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Key != "2021-W17" || rows[0].People != 20 || rows[1].Key != "2021-W18" || rows[1].Organised != 20 {
		t.Fatalf("weekly totals: %+v", rows)
	}
	rows, err = f.svc.Totals(ctx, f.staff, all, "destination")
	if err != nil {
		t.Fatal(err)
	}
	var people int64
	for _, r := range rows {
		people += r.People
		if r.Key == f.loaded.Places["Khojaly"] && (r.Name != "Khojaly" || r.Movements != 3) {
			t.Errorf("Khojaly: %+v", r)
		}
	}
	// The public figure, the demo's illustrative movements (74+20+...)
	// and the two above.
	if people != 52351+112+70+16+40 {
		t.Fatalf("people by destination add up to %d", people)
	}
	if _, err := f.svc.Totals(ctx, f.staff, all, "year"); errs.FieldOf(err) != "group" {
		t.Fatalf("group year: %v", err)
	}
}

func TestVisitOverdueAtTheClock(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	m, err := f.svc.RecordMovement(ctx, f.staff, f.movement())
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.RecordVisit(ctx, f.hum, returns.VisitInput{MovementID: m.ID, Date: "2022-01-10T10:00:00Z",
		Findings: []returns.Finding{{Topic: "shelter", Rating: "critical", Note: "Roof collapsed."}}, FollowUpDue: "2022-02-10T00:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	if v.PlaceID != f.loaded.Places["Khojaly"] {
		t.Fatalf("place %q, want the movement's destination", v.PlaceID)
	}
	got, err := f.svc.GetVisit(ctx, f.staff, v.ID)
	if err != nil || !got.Overdue {
		t.Fatalf("a month past due and not followed up: overdue %v, %v", got.Overdue, err)
	}
	over, err := f.svc.ListVisits(ctx, f.staff, returns.VisitFilter{Overdue: true}, store.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// This one and the demo's unfollowed visit.
	if len(over.Items) != 2 {
		t.Fatalf("%d overdue visits, want 2", len(over.Items))
	}
	if _, err := f.svc.RecordVisit(ctx, f.hum, returns.VisitInput{PlaceID: v.PlaceID, Date: "2022-02-20T10:00:00Z", FollowsUp: v.ID,
		Findings: []returns.Finding{{Topic: "shelter", Rating: "some_concern"}}}); err != nil {
		t.Fatal(err)
	}
	got, err = f.svc.GetVisit(ctx, f.staff, v.ID)
	if err != nil || got.Overdue || len(got.FollowedUpBy) != 1 {
		t.Fatalf("followed up: overdue %v, by %v, %v", got.Overdue, got.FollowedUpBy, err)
	}
}

func TestVisitBadInput(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	good := func() returns.VisitInput {
		return returns.VisitInput{PlaceID: f.loaded.Places["Khojaly"], Date: "2021-05-10T10:00:00Z",
			Findings: []returns.Finding{{Topic: "documentation", Rating: "no_concern"}}, FollowUpDue: "2021-06-10T00:00:00Z"}
	}
	cases := []struct {
		name  string
		edit  func(*returns.VisitInput)
		field string
	}{
		{"neither movement nor place", func(in *returns.VisitInput) { in.PlaceID = "" }, "place_id"},
		{"a future date", func(in *returns.VisitInput) { in.Date = "2023-01-01T00:00:00Z" }, "date"},
		{"no findings", func(in *returns.VisitInput) { in.Findings = nil }, "findings"},
		{"an unknown topic", func(in *returns.VisitInput) { in.Findings[0].Topic = "weather" }, "findings[0].topic"},
		{"the same topic twice", func(in *returns.VisitInput) { in.Findings = append(in.Findings, in.Findings[0]) }, "findings[1].topic"},
		{"an unknown rating", func(in *returns.VisitInput) { in.Findings[0].Rating = "fine" }, "findings[0].rating"},
		{"a follow-up due before the visit", func(in *returns.VisitInput) { in.FollowUpDue = "2021-05-01T00:00:00Z" }, "follow_up_due"},
		{"an unknown movement", func(in *returns.VisitInput) { in.MovementID = "ret_nothing" }, "movement_id"},
		{"following up a visit that does not exist", func(in *returns.VisitInput) { in.FollowsUp = "rvi_nothing" }, "follows_up"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := good()
			c.edit(&in)
			_, err := f.svc.RecordVisit(ctx, f.hum, in)
			wantInvalid(t, err, c.field)
		})
	}
}

func TestRestrictedMovementsAreListedToTheirReadersOnly(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	in := f.movement()
	in.Date = "2021-05-20T10:00:00Z"
	in.LabelInput = access.LabelInput{Classification: "restricted", RestrictedTo: []string{f.loaded.Orgs["AZ"]}}
	m, err := f.svc.RecordMovement(ctx, f.staff, in)
	if err != nil {
		t.Fatal(err)
	}
	window := returns.Window{From: time.Date(2021, 5, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 5, 21, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		side string
		want int
	}{{"AZ", 1}, {"AM", 0}} {
		p := access.Principal{UserID: "u_" + c.side, Org: f.loaded.Orgs[c.side], OrgKind: "side", Roles: []access.Role{access.Liaison}}
		page, err := f.svc.ListMovements(ctx, p, returns.MovementFilter{Window: window}, store.PageRequest{})
		if err != nil || len(page.Items) != c.want {
			t.Errorf("liaison of %s lists %d, want %d (%v)", c.side, len(page.Items), c.want, err)
		}
		rows, err := f.svc.Totals(ctx, p, window, "day")
		if err != nil || len(rows) != c.want {
			t.Errorf("liaison of %s totals %+v, want %d rows (%v)", c.side, rows, c.want, err)
		}
	}
	if _, err := f.svc.GetMovement(ctx, access.Principal{UserID: "u", Org: f.loaded.Orgs["AM"], OrgKind: "side", Roles: []access.Role{access.Liaison}}, m.ID); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("the other side reads it: %v", err)
	}
}
