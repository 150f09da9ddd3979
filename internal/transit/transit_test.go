package transit_test

import (
	"context"
	"slices"
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

var now = time.Date(2022, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	svc        *transit.Service
	loaded     *demo.Loaded
	staff      access.Principal
	checkpoint string // op-corridor-1
	corridor   string
}

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
	svc := transit.New(db, g, transit.WithClock(func() time.Time { return now }))
	l, err := demo.Load(ctx, demo.Services{Agreements: agreement.New(db), Geo: g, Returns: returns.New(db), Transit: svc})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, loaded: l, checkpoint: l.Layers["op-corridor-1"], corridor: l.Layers["corridor"],
		staff: access.Principal{UserID: "u_monitor", Username: "monitor", Org: l.Orgs["JMC"], Roles: []access.Role{access.Monitor}, Via: "token"}}
}

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != field {
		t.Fatalf("got %v (code %s, field %q), want invalid at %q", err, errs.CodeOf(err), errs.FieldOf(err), field)
	}
}

func (f fixture) crossing(at string) transit.CrossingInput {
	return transit.CrossingInput{At: at, CheckpointID: f.checkpoint, Direction: transit.TowardsEnd, People: 12, Vehicles: 2, CargoTonnes: 3.5, CargoType: "flour"}
}

func TestCrossingBadInput(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		edit  func(*transit.CrossingInput)
		field string
	}{
		{"an unknown direction", func(in *transit.CrossingInput) { in.Direction = "inbound" }, "direction"},
		{"a future time", func(in *transit.CrossingInput) { in.At = "2022-03-02T00:00:00Z" }, "at"},
		{"negative people", func(in *transit.CrossingInput) { in.People = -1 }, "people"},
		{"negative vehicles", func(in *transit.CrossingInput) { in.Vehicles = -3 }, "vehicles"},
		{"negative cargo", func(in *transit.CrossingInput) { in.CargoTonnes = -0.5 }, "cargo_tonnes"},
		{"cargo of no kind", func(in *transit.CrossingInput) { in.CargoType = "" }, "cargo_type"},
		{"nobody and nothing", func(in *transit.CrossingInput) { in.People, in.Vehicles = 0, 0 }, "people"},
		{"a layer that is not a checkpoint", func(in *transit.CrossingInput) { in.CheckpointID = f.loaded.Layers["op-line-1"] }, "checkpoint_id"},
		{"a checkpoint that does not exist", func(in *transit.CrossingInput) { in.CheckpointID = "lyr_nothing" }, "checkpoint_id"},
		{"a checkpoint before it existed", func(in *transit.CrossingInput) { in.At = "2020-11-01T00:00:00Z" }, "checkpoint_id"},
		{"an unknown escort", func(in *transit.CrossingInput) { in.EscortOrg = "org_nobody" }, "escort_org"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := f.crossing("2021-06-01T10:00:00Z")
			c.edit(&in)
			_, err := f.svc.RecordCrossing(ctx, f.staff, in)
			wantInvalid(t, err, c.field)
		})
	}
}

func TestCrossingAtClosedCheckpointIsFlagged(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	if _, err := f.svc.RecordRestriction(ctx, f.staff, transit.RestrictionInput{Kind: transit.KindClosure, CheckpointID: f.checkpoint,
		Reason: "Security incident nearby.", ByOrg: f.loaded.Orgs["PKF"], Start: "2021-06-01T06:00:00Z", End: "2021-06-01T18:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	during, err := f.svc.RecordCrossing(ctx, f.staff, f.crossing("2021-06-01T10:00:00Z"))
	if err != nil {
		t.Fatalf("a crossing at a closed checkpoint is allowed: %v", err)
	}
	if !slices.Equal(during.Flags, []string{transit.FlagCheckpointClosed}) {
		t.Fatalf("flags %v", during.Flags)
	}
	after, err := f.svc.RecordCrossing(ctx, f.staff, f.crossing("2021-06-01T18:00:00Z"))
	if err != nil || len(after.Flags) != 0 {
		t.Fatalf("at the end of the closure: flags %v, %v", after.Flags, err)
	}
	// A closure of the whole corridor closes its checkpoints too.
	if _, err := f.svc.RecordRestriction(ctx, f.staff, transit.RestrictionInput{Kind: transit.KindClosure, CorridorID: f.corridor,
		Reason: "Corridor closed.", Start: "2021-07-01T00:00:00Z", End: "2021-07-02T00:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	whole, err := f.svc.RecordCrossing(ctx, f.staff, f.crossing("2021-07-01T09:00:00Z"))
	if err != nil || !slices.Equal(whole.Flags, []string{transit.FlagCheckpointClosed}) {
		t.Fatalf("corridor closed: flags %v, %v", whole.Flags, err)
	}
	flagged, err := f.svc.ListCrossings(ctx, f.staff, transit.CrossingFilter{Flagged: true, CheckpointID: f.checkpoint}, store.PageRequest{})
	if err != nil || len(flagged.Items) != 2 {
		t.Fatalf("flagged crossings: %d, %v", len(flagged.Items), err)
	}
}

func TestRestrictionBadInput(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	cases := []struct {
		name string
		in   transit.RestrictionInput
		want string
	}{
		{"ends before it starts", transit.RestrictionInput{Kind: transit.KindClosure, CheckpointID: f.checkpoint, Reason: "r", Start: "2021-06-02T00:00:00Z", End: "2021-06-01T00:00:00Z"}, "end"},
		{"an unknown kind", transit.RestrictionInput{Kind: "blockade", CheckpointID: f.checkpoint, Reason: "r", Start: "2021-06-02T00:00:00Z"}, "kind"},
		{"no scope", transit.RestrictionInput{Kind: transit.KindClosure, Reason: "r", Start: "2021-06-02T00:00:00Z"}, "checkpoint_id"},
		{"both scopes", transit.RestrictionInput{Kind: transit.KindClosure, CheckpointID: f.checkpoint, CorridorID: f.corridor, Reason: "r", Start: "2021-06-02T00:00:00Z"}, "corridor_id"},
		{"a closure without a reason", transit.RestrictionInput{Kind: transit.KindClosure, CheckpointID: f.checkpoint, Start: "2021-06-02T00:00:00Z"}, "reason"},
		{"a reopening with an end", transit.RestrictionInput{Kind: transit.KindReopening, CheckpointID: f.checkpoint, Start: "2021-06-02T00:00:00Z", End: "2021-06-03T00:00:00Z"}, "end"},
		{"a future start", transit.RestrictionInput{Kind: transit.KindClosure, CheckpointID: f.checkpoint, Reason: "r", Start: "2023-01-01T00:00:00Z"}, "start"},
		{"a corridor that is a checkpoint", transit.RestrictionInput{Kind: transit.KindClosure, CorridorID: f.checkpoint, Reason: "r", Start: "2021-06-02T00:00:00Z"}, "corridor_id"},
		{"an unknown imposer", transit.RestrictionInput{Kind: transit.KindClosure, CheckpointID: f.checkpoint, Reason: "r", ByOrg: "org_nobody", Start: "2021-06-02T00:00:00Z"}, "by_org"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.RecordRestriction(ctx, f.staff, c.in)
			wantInvalid(t, err, c.want)
		})
	}
}

func TestCorridorStatusAndReopening(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	status := func(when, corridor, checkpoint string) transit.Status {
		t.Helper()
		st, err := f.svc.StatusAt(ctx, f.staff, at(when), corridor, checkpoint)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// The demo closed op-corridor-3 from 06:00 to 13:30 on 1 March 2021.
	if st := status("2021-03-01T10:00:00Z", "", ""); st.Status != transit.StatusPartial || len(st.Restrictions) != 1 || st.Restrictions[0].InForceS != 4*3600 {
		t.Fatalf("corridor during the demo's closure: %+v", st)
	}
	if st := status("2021-03-01T10:00:00Z", "", f.loaded.Layers["op-corridor-3"]); st.Status != transit.StatusClosed {
		t.Fatalf("checkpoint during the demo's closure: %+v", st)
	}
	if st := status("2021-03-01T14:00:00Z", f.corridor, ""); st.Status != transit.StatusOpen {
		t.Fatalf("after the reopening: %+v", st)
	}
	partial, err := f.svc.RecordRestriction(ctx, f.staff, transit.RestrictionInput{Kind: transit.KindPartial, CorridorID: f.corridor,
		Reason: "Cargo only by day.", Start: "2021-08-01T00:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	closure, err := f.svc.RecordRestriction(ctx, f.staff, transit.RestrictionInput{Kind: transit.KindClosure, CorridorID: f.corridor,
		Reason: "Closed.", Start: "2021-08-10T00:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	if st := status("2021-08-05T00:00:00Z", f.corridor, ""); st.Status != transit.StatusPartial {
		t.Fatalf("partial: %+v", st)
	}
	if st := status("2021-08-11T00:00:00Z", f.corridor, ""); st.Status != transit.StatusClosed || len(st.Restrictions) != 2 {
		t.Fatalf("closed: %+v", st)
	}
	if st := status("2021-08-11T00:00:00Z", "", f.checkpoint); st.Status != transit.StatusClosed {
		t.Fatalf("a checkpoint of a closed corridor: %+v", st)
	}
	reopening, err := f.svc.RecordRestriction(ctx, f.staff, transit.RestrictionInput{Kind: transit.KindReopening, CorridorID: f.corridor,
		Start: "2021-08-12T06:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(reopening.Ends, []string{partial.ID, closure.ID}) && !slices.Equal(reopening.Ends, []string{closure.ID, partial.ID}) {
		t.Fatalf("the reopening ended %v", reopening.Ends)
	}
	ended, err := f.svc.GetRestriction(ctx, f.staff, closure.ID)
	if err != nil || ended.Version != 2 || ended.EndedBy != reopening.ID || ended.DurationS == nil || *ended.DurationS != 2*86400+6*3600 {
		t.Fatalf("the closure after the reopening: %+v, %v", ended, err)
	}
	if st := status("2021-08-12T07:00:00Z", f.corridor, ""); st.Status != transit.StatusOpen {
		t.Fatalf("after the reopening: %+v", st)
	}
	// A reader who may not read a restriction does not see its effect.
	if st, err := f.svc.StatusAt(ctx, access.Anonymous, at("2021-08-11T00:00:00Z"), "", ""); err != nil || st.Status != transit.StatusOpen {
		t.Fatalf("anonymous: %+v, %v", st, err)
	}
}

func TestWriters(t *testing.T) {
	f := mustOpen(t)
	ctx := context.Background()
	for _, p := range []access.Principal{
		{UserID: "u_l", Org: f.loaded.Orgs["AM"], OrgKind: "side", Roles: []access.Role{access.Liaison}},
		{UserID: "u_h", Org: f.loaded.Orgs["ICRC"], Roles: []access.Role{access.Humanitarian}},
		{UserID: "u_o", Org: f.loaded.Orgs["OSCE"], Roles: []access.Role{access.Observer}},
	} {
		if _, err := f.svc.RecordCrossing(ctx, p, f.crossing("2021-06-01T10:00:00Z")); errs.CodeOf(err) != errs.CodeForbidden {
			t.Errorf("%s recorded a crossing: %v", p.Roles, err)
		}
	}
}
