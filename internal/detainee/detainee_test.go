package detainee

import (
	"context"
	"fmt"
	"math/rand/v2"
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
var now = time.Date(2021, 12, 31, 12, 0, 0, 0, time.UTC)

func mustOpen(t testing.TB) *store.DB {
	t.Helper()
	clock := time.Date(2021, 12, 31, 10, 0, 0, 0, time.UTC)
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

// fixture: two sides, the ICRC, the monitoring centre, an agreement in
// force from 2020-11-09T21:00Z, and a principal for each kind of reader.
type fixture struct {
	db                         *store.DB
	s                          *Service
	az, am, icrc, centre       string
	agreement                  string
	humanitarian, liaisonAZ    access.Principal
	liaisonAM, analyst, viewer access.Principal
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db := mustOpen(t)
	ag := agreement.New(db)
	f := &fixture{db: db, s: New(db, WithClock(func() time.Time { return now }))}
	org := func(name, kind string) string {
		o, err := ag.CreateOrganisation(ctx, access.System, agreement.OrganisationInput{Name: name, ShortName: name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	f.az, f.am, f.icrc, f.centre = org("Side A", "side"), org("Side B", "side"), org("ICRC", "humanitarian"), org("Centre", "monitoring_centre")
	a, err := ag.CreateAgreement(ctx, access.System, agreement.AgreementInput{Title: "Ceasefire", SignedAt: "2020-11-09T00:00:00Z", InForceAt: "2020-11-09T21:00:00Z",
		Signatories: []string{f.az, f.am}, Parties: []string{f.az, f.am}})
	if err != nil {
		t.Fatal(err)
	}
	f.agreement = a.ID
	pr := func(user, org, kind string, role access.Role) access.Principal {
		return access.Principal{UserID: user, Username: user, Org: org, OrgKind: kind, Roles: []access.Role{role}, Via: "token"}
	}
	f.humanitarian = pr("u_hum", f.icrc, "humanitarian", access.Humanitarian)
	f.liaisonAZ = pr("u_az", f.az, "side", access.Liaison)
	f.liaisonAM = pr("u_am", f.am, "side", access.Liaison)
	f.analyst = pr("u_an", f.centre, "monitoring_centre", access.Analyst)
	f.viewer = pr("u_ob", f.centre, "monitoring_centre", access.Observer)
	return f
}

func (f *fixture) input(captured string) PersonInput {
	return PersonInput{
		Identity: Identity{Surname: "Fictitious", FirstNames: "Test Person", Rank: "private", DateOfBirth: "1999-01-02", PlaceOfBirth: "Somewhere",
			ServiceNumber: "X-1", FatherFirstName: "Father", MotherMaidenName: "Mother", PersonToInform: "Relative", PersonToInformAddress: "Street 1",
			CorrespondenceAddress: "Street 2"},
		Category: "prisoner_of_war", HeldBy: f.az, Nationality: f.am, CapturedAt: captured,
	}
}

// held registers a person held by side A with nationality B.
func (f *fixture) held(t testing.TB, events ...EventInput) Person {
	t.Helper()
	in := f.input("2020-12-20T10:00:00Z")
	in.Events = events
	p, err := f.s.RegisterPerson(context.Background(), f.humanitarian, in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) event(t testing.TB, who access.Principal, p Person, e EventInput) Person {
	t.Helper()
	got, err := f.s.AddEvent(context.Background(), who, p.ID, p.Version, e)
	if err != nil {
		t.Fatalf("%s: %v", e.Kind, err)
	}
	return got
}

func wantErr(t *testing.T, err error, code errs.Code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s on %q", code, field)
	}
	if errs.CodeOf(err) != code || errs.FieldOf(err) != field {
		t.Fatalf("got %v (code %s, field %q), want %s on %q", err, errs.CodeOf(err), errs.FieldOf(err), code, field)
	}
}

func TestStatusIsDerivedFromEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.s.RegisterPerson(ctx, f.liaisonAZ, f.input("2020-12-20T10:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != StatusHeld || p.HeldBy != f.az || p.CapturedAfterAgreement == nil || !*p.CapturedAfterAgreement || p.AgreementID != f.agreement {
		t.Fatalf("registered: %+v", p.PersonBody)
	}
	if !strings.HasPrefix(p.ID, "det_") || strings.Contains(p.ID, "fictitious") {
		t.Fatalf("id %q is not pseudonymous", p.ID)
	}
	before, err := f.s.RegisterPerson(ctx, f.humanitarian, f.input("2020-10-20T10:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if *before.CapturedAfterAgreement {
		t.Fatal("a capture in October 2020 counted as after the agreement")
	}
	p = f.event(t, f.liaisonAZ, p, EventInput{Kind: "registered", At: "2020-12-21T10:00:00Z"})
	p = f.event(t, f.humanitarian, p, EventInput{Kind: "visited", By: f.icrc, At: "2021-01-05T10:00:00Z"})
	p = f.event(t, f.analyst, p, EventInput{Kind: "hospitalised", At: "2021-01-10T10:00:00Z"})
	if p.Status != StatusHospitalised {
		t.Fatalf("status %s, want hospitalised", p.Status)
	}
	p = f.event(t, f.analyst, p, EventInput{Kind: "discharged", At: "2021-01-20T10:00:00Z"})
	p = f.event(t, f.humanitarian, p, EventInput{Kind: "consent_confirmed", At: "2021-02-01T10:00:00Z"})
	p = f.event(t, f.analyst, p, EventInput{Kind: "repatriated", At: "2021-02-03T10:00:00Z"})
	if p.Status != StatusRepatriated || !p.Consent || len(p.Periods) != 4 {
		t.Fatalf("after repatriation: status %s, periods %+v", p.Status, p.Periods)
	}
	st, held, err := f.s.Status(ctx, f.viewer, p.ID)
	if err != nil || st != StatusRepatriated || held != f.az {
		t.Fatalf("Status = %s %s %v", st, held, err)
	}
	c, err := f.s.Counts(ctx, f.viewer, time.Date(2021, 1, 15, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if c.ByStatus[StatusHospitalised] != 1 || c.ByStatus[StatusHeld] != 1 || c.ByHeldBy[f.az][StatusHeld] != 1 || c.ByNationality[f.am][StatusHospitalised] != 1 {
		t.Fatalf("counts on 2021-01-15: %+v", c)
	}
	c, _ = f.s.Counts(ctx, f.viewer, time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC))
	if c.ByStatus[StatusRepatriated] != 1 || c.ByStatus[StatusHeld] != 1 || c.Total != 2 {
		t.Fatalf("counts on 2021-03-01: %+v", c)
	}
	c, _ = f.s.Counts(ctx, f.viewer, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if c.Total != 0 {
		t.Fatalf("counts before any capture: %+v", c)
	}
	mustVerify(t, f.db)
}

func mustVerify(t testing.TB, db *store.DB) store.VerifyReport {
	t.Helper()
	rep, err := db.Verify(context.Background(), nil)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("verify found problems: %v", rep.Problems)
	}
	return rep
}

func TestBadPersonInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	consented := func() Person {
		return f.held(t, EventInput{Kind: "consent_confirmed", At: "2021-01-01T00:00:00Z"})
	}
	mod := func(m func(*PersonInput)) PersonInput {
		in := f.input("2020-12-20T10:00:00Z")
		m(&in)
		return in
	}
	register := func(who access.Principal, in PersonInput) func() error {
		return func() error { _, err := f.s.RegisterPerson(ctx, who, in); return err }
	}
	add := func(who access.Principal, p Person, e EventInput) func() error {
		return func() error { _, err := f.s.AddEvent(ctx, who, p.ID, p.Version, e); return err }
	}
	released := f.event(t, f.analyst, f.held(t), EventInput{Kind: "released", At: "2021-01-01T00:00:00Z"})
	repatriated := f.event(t, f.analyst, consented(), EventInput{Kind: "repatriated", At: "2021-01-02T00:00:00Z"})
	stale := f.held(t)
	f.event(t, f.analyst, stale, EventInput{Kind: "registered", At: "2021-01-01T00:00:00Z"})
	dead := f.event(t, f.analyst, f.held(t), EventInput{Kind: "deceased", Death: &Death{Date: "2021-01-01", Cause: "illness"}})
	cases := []struct {
		name  string
		do    func() error
		code  errs.Code
		field string
	}{
		{"released twice", add(f.analyst, released, EventInput{Kind: "released", At: "2021-01-02T00:00:00Z"}), errs.CodeConflict, "kind"},
		{"event after deceased", add(f.humanitarian, dead, EventInput{Kind: "visited", By: f.icrc, At: "2021-01-02T00:00:00Z"}), errs.CodeConflict, "kind"},
		{"death record without date", add(f.analyst, f.held(t), EventInput{Kind: "deceased", At: "2021-01-02T00:00:00Z", Death: &Death{Cause: "wounds"}}), errs.CodeInvalid, "death.date"},
		{"death without a death record", add(f.analyst, f.held(t), EventInput{Kind: "deceased", At: "2021-01-02T00:00:00Z"}), errs.CodeInvalid, "death.date"},
		{"repatriation without confirmed consent", add(f.analyst, f.held(t), EventInput{Kind: "repatriated", At: "2021-01-02T00:00:00Z"}), errs.CodeConflict, "consent"},
		{"consent confirmed by an analyst", add(f.analyst, f.held(t), EventInput{Kind: "consent_confirmed", At: "2021-01-02T00:00:00Z"}), errs.CodeForbidden, ""},
		{"consent confirmed by the detaining side", add(f.liaisonAZ, f.held(t), EventInput{Kind: "consent_confirmed", At: "2021-01-02T00:00:00Z"}), errs.CodeForbidden, ""},
		{"event before the previous one", add(f.analyst, f.held(t), EventInput{Kind: "registered", At: "2020-12-01T00:00:00Z"}), errs.CodeInvalid, "at"},
		{"event in the future", add(f.analyst, f.held(t), EventInput{Kind: "registered", At: "2030-01-01T00:00:00Z"}), errs.CodeInvalid, "at"},
		{"unknown event kind", add(f.analyst, f.held(t), EventInput{Kind: "interrogated", At: "2021-01-02T00:00:00Z"}), errs.CodeInvalid, "kind"},
		{"discharged while held", add(f.analyst, f.held(t), EventInput{Kind: "discharged", At: "2021-01-02T00:00:00Z"}), errs.CodeConflict, "kind"},
		{"transfer to the side already holding", add(f.analyst, f.held(t), EventInput{Kind: "transferred", ToSide: f.az, At: "2021-01-02T00:00:00Z"}), errs.CodeInvalid, "to_side"},
		{"visit without visitor", add(f.humanitarian, f.held(t), EventInput{Kind: "visited", At: "2021-01-02T00:00:00Z"}), errs.CodeInvalid, "by"},
		{"repatriated twice", add(f.analyst, repatriated, EventInput{Kind: "repatriated", At: "2021-01-03T00:00:00Z"}), errs.CodeConflict, "kind"},
		{"stale version", add(f.analyst, stale, EventInput{Kind: "registered", At: "2021-01-02T00:00:00Z"}), errs.CodeConflict, "version"},
		{"event on another side's detainee by a liaison", add(f.liaisonAM, f.held(t), EventInput{Kind: "registered", At: "2021-01-02T00:00:00Z"}), errs.CodeForbidden, ""},
		{"liaison registers a person the other side holds", register(f.liaisonAM, f.input("2020-12-20T10:00:00Z")), errs.CodeForbidden, ""},
		{"observer registers", register(f.viewer, f.input("2020-12-20T10:00:00Z")), errs.CodeForbidden, ""},
		{"no surname", register(f.humanitarian, mod(func(in *PersonInput) { in.Identity.Surname = "" })), errs.CodeInvalid, "identity.surname"},
		{"date of birth not a date", register(f.humanitarian, mod(func(in *PersonInput) { in.Identity.DateOfBirth = "1999-02-30" })), errs.CodeInvalid, "identity.date_of_birth"},
		{"unknown category", register(f.humanitarian, mod(func(in *PersonInput) { in.Category = "spy" })), errs.CodeInvalid, "category"},
		{"held by a humanitarian organisation", register(f.humanitarian, mod(func(in *PersonInput) { in.HeldBy = f.icrc })), errs.CodeInvalid, "held_by"},
		{"held by an unknown organisation", register(f.humanitarian, mod(func(in *PersonInput) { in.HeldBy = "org_nobody" })), errs.CodeInvalid, "held_by"},
		{"nationality of the detaining side", register(f.humanitarian, mod(func(in *PersonInput) { in.Nationality = f.az })), errs.CodeInvalid, "nationality"},
		{"capture in the future", register(f.humanitarian, mod(func(in *PersonInput) { in.CapturedAt = "2030-01-01T00:00:00Z" })), errs.CodeInvalid, "captured_at"},
		{"unknown agreement", register(f.humanitarian, mod(func(in *PersonInput) { in.AgreementID = "agr_nobody" })), errs.CodeInvalid, "agreement_id"},
		{"history released twice", register(f.humanitarian, mod(func(in *PersonInput) {
			in.Events = []EventInput{{Kind: "released", At: "2021-01-01T00:00:00Z"}, {Kind: "released", At: "2021-01-02T00:00:00Z"}}
		})), errs.CodeConflict, "events[1].kind"},
		{"capture place off the Earth", register(f.humanitarian, mod(func(in *PersonInput) { in.CapturePlace = &geo.Point{Lat: 91} })), errs.CodeInvalid, "capture_place.lat"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before int64
			f.db.QueryRow(ctx, `SELECT COUNT(*) FROM changes`).Scan(&before)
			wantErr(t, tc.do(), tc.code, tc.field)
			var after int64
			f.db.QueryRow(ctx, `SELECT COUNT(*) FROM changes`).Scan(&after)
			if after != before {
				t.Fatalf("a refused change wrote %d changes", after-before)
			}
		})
	}
}

func TestIdentityIsMaskedForOthers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.held(t)
	for _, tc := range []struct {
		who  access.Principal
		name string
		sees bool
	}{
		{f.humanitarian, "humanitarian officer", true},
		{f.liaisonAZ, "detaining side", true},
		{f.liaisonAM, "side of nationality", true},
		{f.analyst, "mission analyst", false},
		{f.viewer, "observer", false},
	} {
		got, err := f.s.GetPerson(ctx, tc.who, p.ID)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if sees := got.Identity != nil && got.Identity.Surname == "Fictitious"; sees != tc.sees || got.Masked == tc.sees {
			t.Fatalf("%s: identity %+v masked %v, want seen %v", tc.name, got.Identity, got.Masked, tc.sees)
		}
		if !tc.sees && (got.Status != StatusHeld || got.HeldBy != f.az || got.Nationality != f.am || got.Category != "prisoner_of_war") {
			t.Fatalf("%s: masked record lost what everyone may see: %+v", tc.name, got.PersonBody)
		}
		page, err := f.s.ListPersons(ctx, tc.who, PersonFilter{HeldBy: f.az}, store.PageRequest{})
		if err != nil || len(page.Items) != 1 || (page.Items[0].Identity != nil) != tc.sees {
			t.Fatalf("%s: list %+v %v", tc.name, page, err)
		}
	}
	if _, err := f.s.GetPerson(ctx, access.Anonymous, p.ID); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("anonymous read: %v", err)
	}
}

func TestExchangeIsAtomic(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	consent := EventInput{Kind: "consent_confirmed", At: "2021-01-01T00:00:00Z"}
	var ready []string
	for range 3 {
		ready = append(ready, f.held(t, consent).ID)
	}
	noConsent := f.held(t).ID
	heldByB := func() string {
		in := f.input("2020-12-20T10:00:00Z")
		in.HeldBy, in.Nationality = f.am, f.az
		in.Events = []EventInput{consent}
		p, err := f.s.RegisterPerson(ctx, f.humanitarian, in)
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}()
	repatriated := f.event(t, f.analyst, f.held(t, consent), EventInput{Kind: "repatriated", At: "2021-01-02T00:00:00Z"}).ID
	exchange := func(all bool, persons ...string) ExchangeInput {
		return ExchangeInput{At: "2021-06-12T12:00:00Z", Moves: []MoveInput{{FromSide: f.az, ToSide: f.am, Persons: persons}}, AllForAll: all}
	}
	cases := []struct {
		name  string
		in    ExchangeInput
		code  errs.Code
		field string
	}{
		{"person not held by the giving side", exchange(false, ready[0], heldByB), errs.CodeInvalid, "moves[0].persons[1]"},
		{"same person twice", exchange(false, ready[0], ready[1], ready[0]), errs.CodeInvalid, "moves[0].persons[2]"},
		{"repatriation without confirmed consent", exchange(false, ready[0], noConsent), errs.CodeConflict, "moves[0].persons[1]"},
		{"person already repatriated", exchange(false, ready[0], repatriated), errs.CodeConflict, "moves[0].persons[1]"},
		{"unknown person", exchange(false, ready[0], "det_nobody"), errs.CodeInvalid, "moves[0].persons[1]"},
		{"all for all leaving persons out", exchange(true, ready...), errs.CodeInvalid, "all_for_all"},
		{"to the giving side", ExchangeInput{At: "2021-06-12T12:00:00Z", Moves: []MoveInput{{FromSide: f.az, ToSide: f.az, Persons: ready}}}, errs.CodeInvalid, "moves[0].to_side"},
		{"no moves", ExchangeInput{At: "2021-06-12T12:00:00Z"}, errs.CodeInvalid, "moves"},
		{"before the persons' last event", func() ExchangeInput { in := exchange(false, ready...); in.At = "2020-12-25T00:00:00Z"; return in }(), errs.CodeInvalid, "moves[0].persons[0].at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.RecordExchange(ctx, f.analyst, tc.in)
			wantErr(t, err, tc.code, tc.field)
			for _, id := range ready {
				if st, _, _ := f.s.Status(ctx, f.analyst, id); st != StatusHeld {
					t.Fatalf("refused exchange changed %s to %s", id, st)
				}
			}
		})
	}
	if _, err := f.s.RecordExchange(ctx, f.liaisonAZ, exchange(false, ready...)); errs.CodeOf(err) != errs.CodeForbidden {
		t.Fatalf("liaison recorded an exchange: %v", err)
	}
	x, err := f.s.RecordExchange(ctx, f.analyst, exchange(false, ready...))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ready {
		p, _ := f.s.GetPerson(ctx, f.humanitarian, id)
		if p.Status != StatusRepatriated || p.Events[len(p.Events)-1].ExchangeID != x.ID {
			t.Fatalf("%s after the exchange: %s", id, p.Status)
		}
	}
	// Applying it again is releasing the same persons twice.
	_, err = f.s.RecordExchange(ctx, f.analyst, exchange(false, ready...))
	wantErr(t, err, errs.CodeConflict, "moves[0].persons[0]")
	mustVerify(t, f.db)
}

func TestAllForAll(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	consent := EventInput{Kind: "consent_confirmed", At: "2021-01-01T00:00:00Z"}
	a, b := f.held(t, consent).ID, f.held(t, consent).ID
	in := f.input("2020-12-20T10:00:00Z")
	in.HeldBy, in.Nationality, in.Events = f.am, f.az, []EventInput{consent}
	c, err := f.s.RegisterPerson(ctx, f.humanitarian, in)
	if err != nil {
		t.Fatal(err)
	}
	// Captured after the exchange: not owed by it.
	later := f.input("2021-07-01T00:00:00Z")
	if _, err := f.s.RegisterPerson(ctx, f.humanitarian, later); err != nil {
		t.Fatal(err)
	}
	x, err := f.s.RecordExchange(ctx, f.humanitarian, ExchangeInput{At: "2021-06-12T12:00:00Z", AllForAll: true,
		Moves: []MoveInput{{FromSide: f.az, ToSide: f.am, Persons: []string{a, b}}, {FromSide: f.am, ToSide: f.az, Persons: []string{c.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	if x.Total != 3 || x.Moves[0].Count != 2 || x.Moves[1].Count != 1 {
		t.Fatalf("exchange: %+v", x)
	}
}

func TestErasureKeepsCountsAndExchanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.held(t, EventInput{Kind: "visited", By: f.icrc, At: "2021-01-01T00:00:00Z"}, EventInput{Kind: "consent_confirmed", At: "2021-01-02T00:00:00Z"})
	x, err := f.s.RecordExchange(ctx, f.analyst, ExchangeInput{At: "2021-06-12T12:00:00Z", Moves: []MoveInput{{FromSide: f.az, ToSide: f.am, Persons: []string{p.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)
	countsBefore, _ := f.s.Counts(ctx, f.viewer, at)
	cur, _ := f.s.GetPerson(ctx, f.humanitarian, p.ID)
	for _, who := range []access.Principal{f.analyst, f.liaisonAZ, f.liaisonAM, f.viewer} {
		if _, err := f.s.ErasePerson(ctx, who, p.ID, cur.Version, EraseInput{Reason: "protection"}); errs.CodeOf(err) != errs.CodeForbidden {
			t.Fatalf("%s erased: %v", who.UserID, err)
		}
	}
	_, err = f.s.ErasePerson(ctx, f.humanitarian, p.ID, cur.Version, EraseInput{Reason: "because"})
	wantErr(t, err, errs.CodeInvalid, "reason")
	erased, err := f.s.ErasePerson(ctx, f.humanitarian, p.ID, cur.Version, EraseInput{Reason: "lawful_request"})
	if err != nil {
		t.Fatal(err)
	}
	if erased.Identity != nil || erased.Erased == nil || erased.Erased.Reason != "lawful_request" || erased.Status != StatusRepatriated {
		t.Fatalf("tombstone: %+v", erased.PersonBody)
	}
	_, err = f.s.ErasePerson(ctx, f.humanitarian, p.ID, erased.Version, EraseInput{Reason: "protection"})
	wantErr(t, err, errs.CodeConflict, "id")
	// Nobody sees identity any more, not even a humanitarian officer.
	got, _ := f.s.GetPerson(ctx, f.humanitarian, p.ID)
	if got.Identity != nil || !got.Masked {
		t.Fatalf("identity after erasure: %+v", got.Identity)
	}
	hist, err := f.db.History(ctx, EntityPerson, p.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range hist[:len(hist)-1] {
		if !v.Erased || v.Body != nil {
			t.Fatalf("version %d keeps its body", v.Version)
		}
	}
	if strings.Contains(string(hist[len(hist)-1].Body), "Fictitious") {
		t.Fatal("the tombstone holds identity")
	}
	if countsAfter, _ := f.s.Counts(ctx, f.viewer, at); fmt.Sprint(countsAfter) != fmt.Sprint(countsBefore) {
		t.Fatalf("counts changed by erasure: %+v -> %+v", countsBefore, countsAfter)
	}
	xs, err := f.s.ListExchanges(ctx, f.viewer, ExchangeFilter{PersonID: p.ID}, store.PageRequest{})
	if err != nil || len(xs.Items) != 1 || xs.Items[0].ID != x.ID || xs.Items[0].Moves[0].Persons[0] != p.ID {
		t.Fatalf("exchanges of the erased person: %+v %v", xs, err)
	}
	rep := mustVerify(t, f.db)
	if len(rep.Erased) != len(hist)-1 {
		t.Fatalf("verify reports %d erased entries, want %d", len(rep.Erased), len(hist)-1)
	}
}

func TestRemains(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.s.RecordRemains(ctx, f.humanitarian, RemainsInput{Count: 10, RecoveredAt: "2020-12-01T00:00:00Z", RecoveredBy: f.icrc,
		Identification: &IdentificationInput{Method: "dna", Identified: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateRemains(ctx, f.humanitarian, r.ID, r.Version, RemainsInput{Count: 10, RecoveredAt: "2020-12-01T00:00:00Z", RecoveredBy: f.icrc,
		Identification: &IdentificationInput{Method: "dna", Identified: 4, At: "2020-12-10T00:00:00Z"},
		Handover:       &HandoverInput{At: "2020-12-20T00:00:00Z", FromSide: f.az, ToSide: f.am}}); err != nil {
		t.Fatal(err)
	}
	c, err := f.s.CountRemains(ctx, f.viewer, time.Date(2020, 12, 15, 0, 0, 0, 0, time.UTC))
	if err != nil || c.Recovered != 10 || c.DNA != 10 || c.Identified != 4 || c.HandedOver != 0 {
		t.Fatalf("counts on 2020-12-15: %+v %v", c, err)
	}
	c, _ = f.s.CountRemains(ctx, f.viewer, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	if c.HandedOver != 10 {
		t.Fatalf("counts on 2021-01-01: %+v", c)
	}
	for _, tc := range []struct {
		name  string
		in    RemainsInput
		field string
	}{
		{"more identified than recovered", RemainsInput{Count: 2, RecoveredAt: "2020-12-01T00:00:00Z", Identification: &IdentificationInput{Method: "dna", Identified: 3, At: "2020-12-02T00:00:00Z"}}, "identification.identified"},
		{"identified without date", RemainsInput{RecoveredAt: "2020-12-01T00:00:00Z", Identification: &IdentificationInput{Method: "dna", Identified: 1}}, "identification.at"},
		{"unknown method", RemainsInput{RecoveredAt: "2020-12-01T00:00:00Z", Identification: &IdentificationInput{Method: "guess"}}, "identification.method"},
		{"handed over before recovery", RemainsInput{RecoveredAt: "2020-12-01T00:00:00Z", Handover: &HandoverInput{At: "2020-11-01T00:00:00Z", FromSide: f.az, ToSide: f.am}}, "handover.at"},
		{"handed over to an unknown exchange", RemainsInput{RecoveredAt: "2020-12-01T00:00:00Z", Handover: &HandoverInput{At: "2020-12-02T00:00:00Z", FromSide: f.az, ToSide: f.am, ExchangeID: "xch_nobody"}}, "handover.exchange_id"},
		{"negative count", RemainsInput{Count: -1, RecoveredAt: "2020-12-01T00:00:00Z"}, "count"},
	} {
		_, err := f.s.RecordRemains(ctx, f.humanitarian, tc.in)
		if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != tc.field {
			t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
		}
	}
	if _, err := f.s.RecordRemains(ctx, f.liaisonAZ, RemainsInput{RecoveredAt: "2020-12-01T00:00:00Z"}); errs.CodeOf(err) != errs.CodeForbidden {
		t.Fatalf("liaison recorded remains: %v", err)
	}
	mustVerify(t, f.db)
}

// TestCountsMatchPeriods checks the day-delta counting against a plain
// count of the periods containing each time, after registrations, events,
// an exchange and an erasure have all moved the deltas.
func TestCountsMatchPeriods(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	gen := &benchRegistry{a: f.az, b: f.am}
	rng := rand.New(rand.NewPCG(1, 2))
	var ins []PersonInput
	for i := range 300 {
		in := gen.person(i, rng)
		if last := in.Events[len(in.Events)-1].At; last > now.Format(time.RFC3339) {
			continue
		}
		ins = append(ins, in)
	}
	ps, err := f.s.RegisterPersons(ctx, f.humanitarian, ins)
	if err != nil {
		t.Fatal(err)
	}
	var moving []string
	for _, p := range ps {
		switch {
		case p.Status == StatusHeld && p.HeldBy == f.az && len(moving) < 20:
			moving = append(moving, p.ID)
		case p.Status == StatusHeld:
			f.event(t, f.analyst, p, EventInput{Kind: "transferred", ToSide: f.am, At: "2021-12-31T06:00:00Z"})
		}
	}
	if _, err := f.s.RecordExchange(ctx, f.analyst, ExchangeInput{At: "2021-12-31T08:00:00Z", Moves: []MoveInput{{FromSide: f.az, ToSide: f.am, Persons: moving}}}); err != nil {
		t.Fatal(err)
	}
	last, _ := f.s.GetPerson(ctx, f.humanitarian, moving[0])
	if _, err := f.s.ErasePerson(ctx, f.humanitarian, last.ID, last.Version, EraseInput{Reason: "protection"}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for page := (store.PageRequest{Limit: 37}); ; {
		got, err := f.s.ListPersons(ctx, f.viewer, PersonFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range got.Items {
			if seen[p.ID] || p.Identity != nil {
				t.Fatalf("page lists %s twice or unmasked", p.ID)
			}
			seen[p.ID] = true
		}
		if got.Next == "" {
			break
		}
		page.Cursor = got.Next
	}
	if len(seen) != len(ps) {
		t.Fatalf("pages listed %d of %d persons", len(seen), len(ps))
	}
	if bad, err := f.s.CheckCounts(ctx, f.db); err != nil || len(bad) > 0 {
		t.Fatalf("delta table disagrees with the periods: %v %v", bad, err)
	}
	times := []time.Time{time.Date(2021, 12, 31, 6, 0, 0, 0, time.UTC), time.Date(2021, 12, 31, 7, 59, 59, 0, time.UTC), time.Date(2021, 12, 31, 8, 0, 0, 0, time.UTC)}
	for range 40 {
		times = append(times, benchStart.Add(time.Duration(rng.Int64N(int64(500*24*time.Hour)))))
	}
	for _, at := range times {
		got, err := f.s.Counts(ctx, f.viewer, at)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		rows, err := f.db.Query(ctx, `SELECT status, COUNT(*) FROM detainee_periods WHERE from_at <= ? AND to_at > ? GROUP BY status`, fmtTime(at), fmtTime(at))
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for rows.Next() {
			var st string
			var n int
			rows.Scan(&st, &n)
			want[st] = n
			total += n
		}
		rows.Close()
		if fmt.Sprint(got.ByStatus) != fmt.Sprint(want) || got.Total != total {
			t.Fatalf("counts at %s: %v (total %d), periods give %v (total %d)", at, got.ByStatus, got.Total, want, total)
		}
	}
}

// The per-day count deltas are derived from every person's periods, not
// from one body: truce verify recomputes them and names an edited table.
func TestVerifyChecksCountDeltas(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, at := range []string{"2020-12-20T10:00:00Z", "2021-01-05T10:00:00Z"} {
		if _, err := f.s.RegisterPerson(ctx, f.liaisonAZ, f.input(at)); err != nil {
			t.Fatal(err)
		}
	}
	mustVerify(t, f.db)
	storetest.Tamper(t, f.db, `UPDATE detainee_count_deltas SET delta = delta + 5 WHERE day = (SELECT MIN(day) FROM detainee_count_deltas) AND status = (SELECT MIN(status) FROM detainee_count_deltas WHERE day = (SELECT MIN(day) FROM detainee_count_deltas))`)
	rep, err := f.db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Problems[0].Entity != "detainee_count_deltas" {
		t.Fatalf("an edited count table verified: %v", rep.Problems)
	}
	storetest.Tamper(t, f.db, `UPDATE detainee_count_deltas SET delta = delta - 5 WHERE day = (SELECT MIN(day) FROM detainee_count_deltas) AND status = (SELECT MIN(status) FROM detainee_count_deltas WHERE day = (SELECT MIN(day) FROM detainee_count_deltas))`)
	mustVerify(t, f.db)
}
