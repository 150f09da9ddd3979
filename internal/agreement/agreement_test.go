package agreement

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var (
	actor = access.Principal{UserID: "usr_tester", Username: "tester", Via: "cli", Roles: []access.Role{access.Admin, access.CoChair}}
	ctx   = context.Background()
)

type seqReader struct{ r *rand.ChaCha8 }

func (s seqReader) Read(p []byte) (int, error) { return s.r.Read(p) }

// clock is the service's clock, settable by a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(s string)   { c.mu.Lock(); defer c.mu.Unlock(); c.t = mustTime(s) }

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// mustOpen opens a fresh store in a temporary directory and a Service on
// it whose clock reads 2021-06-12T10:00:00Z until the test sets it.
func mustOpen(t testing.TB) (*store.DB, *Service, *clock) {
	t.Helper()
	changeClock := time.Date(2021, 6, 12, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	db, err := store.Open(ctx, dir, append(storetest.Database(t, dir), store.WithRand(seqReader{rand.NewChaCha8([32]byte{7})}), store.WithSynchronous("normal"),
		store.WithClock(func() time.Time { changeClock = changeClock.Add(time.Second); return changeClock }))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{}
	c.set("2021-06-12T10:00:00Z")
	return db, New(db, WithClock(c.now)), c
}

// mustVerify checks that every projection rebuilds exactly from the log.
func mustVerify(t testing.TB, db *store.DB) {
	t.Helper()
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %v", rep.Problems)
	}
	if rep.Records == 0 {
		t.Fatal("verify rebuilt no records")
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// fixture is the November 2020 statement with its sides and signatory.
type fixture struct {
	az, am, ru, icrc Organisation
	agr              Agreement
	p6               Provision
}

func newFixture(t testing.TB, s *Service) fixture {
	t.Helper()
	var f fixture
	org := must[Organisation](t)
	f.az = org(s.CreateOrganisation(ctx, actor, OrganisationInput{Name: "Republic of Azerbaijan", ShortName: "Azerbaijan", Kind: KindSide, Country: "AZ",
		Names: map[string]string{"az": "Azərbaycan Respublikası", "ru": "Азербайджанская Республика"}}))
	f.am = org(s.CreateOrganisation(ctx, actor, OrganisationInput{Name: "Republic of Armenia", ShortName: "Armenia", Kind: KindSide, Country: "AM",
		Names: map[string]string{"hy": "Հայաստանի Հանրապետություն"}}))
	f.ru = org(s.CreateOrganisation(ctx, actor, OrganisationInput{Name: "Russian Federation", ShortName: "Russia", Kind: KindGuarantor, Country: "RU"}))
	f.icrc = org(s.CreateOrganisation(ctx, actor, OrganisationInput{Name: "International Committee of the Red Cross", ShortName: "ICRC", Kind: KindHumanitarian}))
	f.agr = must[Agreement](t)(s.CreateAgreement(ctx, actor, AgreementInput{
		Title:       "Statement by the President of the Republic of Azerbaijan, the Prime Minister of the Republic of Armenia and the President of the Russian Federation",
		SignedAt:    "2020-11-09T20:00:00Z",
		InForceAt:   "2020-11-10T00:00:00+03:00",
		Signatories: []string{f.az.ID, f.am.ID, f.ru.ID},
		Parties:     []string{f.az.ID, f.am.ID},
		Summary:     "Complete ceasefire from 00:00 Moscow time on 10 November 2020.\nNine points.",
		SourceURL:   "http://en.kremlin.ru/events/president/news/64384",
	}))
	f.p6 = must[Provision](t)(s.CreateProvision(ctx, actor, provision6(f)))
	return f
}

// provision6 is the scenario's provision 6: Kalbajar by 15 November
// (postponed to 25 November), Lachin by 1 December 2020, a new route
// within three years.
func provision6(f fixture) ProvisionInput {
	return ProvisionInput{
		AgreementID: f.agr.ID,
		Number:      "6",
		Summary:     "Kalbajar district returned by 15 November (postponed to 25 November), Lachin district by 1 December 2020; Lachin corridor 5 km wide under peacekeeper control; plan for a new route within 3 years.",
		Obligated:   []string{f.am.ID, f.az.ID},
		Deadlines: []DeadlineInput{
			{What: "Kalbajar district returned", Due: "2020-11-25T00:00:00+04:00", OriginalDue: "2020-11-15T00:00:00+04:00"},
			{What: "Lachin district returned", Due: "2020-12-01T00:00:00+04:00"},
			{What: "New route through the Lachin corridor planned", Due: "2023-11-10T00:00:00+04:00"},
		},
		Quantities: []Quantity{{What: "Lachin corridor width", Value: 5, Unit: "km"}},
	}
}

func TestOrganisationCreateGetUpdate(t *testing.T) {
	db, s, _ := mustOpen(t)
	f := newFixture(t, s)
	got := must[Organisation](t)(s.GetOrganisation(ctx, actor, f.az.ID))
	if got.Name != "Republic of Azerbaijan" || got.Version != 1 || got.Names["az"] != "Azərbaycan Respublikası" || !got.CreatedAt.Equal(got.UpdatedAt) {
		t.Fatalf("get = %+v", got)
	}
	if !strings.HasPrefix(got.ID, "org_") {
		t.Fatalf("id = %q", got.ID)
	}
	in := OrganisationInput{Name: "Republic of Azerbaijan", ShortName: "AZ", Kind: KindSide, Country: "AZ", Illustrative: true}
	up := must[Organisation](t)(s.UpdateOrganisation(ctx, actor, f.az.ID, 1, in))
	if up.Version != 2 || up.ShortName != "AZ" || up.Names != nil || !up.CreatedAt.Equal(got.CreatedAt) || !up.UpdatedAt.After(got.UpdatedAt) {
		t.Fatalf("update = %+v (created %v)", up, got.CreatedAt)
	}
	got = must[Organisation](t)(s.GetOrganisation(ctx, actor, f.az.ID))
	if got.Version != 2 || !got.Illustrative || !got.CreatedAt.Equal(up.CreatedAt) || !got.UpdatedAt.Equal(up.UpdatedAt) {
		t.Fatalf("get after update = %+v, want %+v", got, up)
	}

	size := db.Size()
	_, err := s.UpdateOrganisation(ctx, actor, f.az.ID, 1, in)
	if errs.CodeOf(err) != errs.CodeConflict || errs.FieldOf(err) != "version" {
		t.Fatalf("stale update: %v, want conflict on version", err)
	}
	if db.Size() != size {
		t.Fatal("stale update changed the log")
	}
	if _, err := s.GetOrganisation(ctx, actor, "org_missing"); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("get missing: %v", err)
	}

	parties := must[[]Organisation](t)(s.Parties(ctx, actor))
	if len(parties) != 2 || parties[0].ID != f.am.ID || parties[1].ID != f.az.ID {
		t.Fatalf("parties = %+v", parties)
	}
	mustVerify(t, db)
}

// The change body holds the record's state and nothing that the log or
// the clock says.
func TestBodyHoldsOnlyTheRecord(t *testing.T) {
	db, s, _ := mustOpen(t)
	f := newFixture(t, s)
	for _, r := range []struct{ entity, id string }{{EntityOrganisation, f.az.ID}, {EntityAgreement, f.agr.ID}, {EntityProvision, f.p6.ID}} {
		body, _, err := db.Body(ctx, r.entity, r.id)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "version", "created_at", "updated_at", "status"} {
			if _, ok := m[k]; ok {
				t.Errorf("%s body has %q: %s", r.entity, k, body)
			}
		}
	}
	body, _, _ := db.Body(ctx, EntityProvision, f.p6.ID)
	want := `"deadlines":[{"what":"Kalbajar district returned","due":"2020-11-24T20:00:00Z","original_due":"2020-11-14T20:00:00Z"},`
	if !strings.Contains(string(body), want) {
		t.Errorf("provision body = %s\nwant it to contain %s", body, want)
	}
	if !strings.Contains(string(body), `"status_history":[]`) {
		t.Errorf("provision body = %s, want an empty status history", body)
	}
}

func TestListOrganisationsPaginates(t *testing.T) {
	_, s, _ := mustOpen(t)
	var want []string
	for i := range 7 {
		kind := KindSide
		if i%2 == 1 {
			kind = KindMedia
		}
		o := must[Organisation](t)(s.CreateOrganisation(ctx, actor, OrganisationInput{Name: "Org " + string(rune('A'+i)), Kind: kind}))
		want = append(want, o.ID)
	}
	sort.Strings(want)
	var got []string
	pages := 0
	req := store.PageRequest{Limit: 3}
	for {
		p := must[store.Page[Organisation]](t)(s.ListOrganisations(ctx, actor, OrganisationFilter{}, req))
		pages++
		for _, o := range p.Items {
			got = append(got, o.ID)
		}
		if p.Next == "" {
			break
		}
		req.Cursor = p.Next
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Fatalf("%d pages, ids %v, want 3 pages of %v", pages, got, want)
	}
	media := must[store.Page[Organisation]](t)(s.ListOrganisations(ctx, actor, OrganisationFilter{Kind: KindMedia}, store.PageRequest{}))
	if len(media.Items) != 3 || media.Next != "" {
		t.Fatalf("media = %+v", media)
	}
	for _, o := range media.Items {
		if o.Kind != KindMedia || o.Version != 1 {
			t.Fatalf("media item %+v", o)
		}
	}
	if _, err := s.ListOrganisations(ctx, actor, OrganisationFilter{}, store.PageRequest{Cursor: "!!"}); errs.FieldOf(err) != "cursor" {
		t.Fatalf("bad cursor: %v", err)
	}
	if _, err := s.ListOrganisations(ctx, actor, OrganisationFilter{}, store.PageRequest{Cursor: store.Cursor("a", "b")}); errs.FieldOf(err) != "cursor" {
		t.Fatalf("two-key cursor: %v", err)
	}
	if _, err := s.ListOrganisations(ctx, actor, OrganisationFilter{Kind: "army"}, store.PageRequest{}); errs.FieldOf(err) != "kind" {
		t.Fatalf("bad kind filter: %v", err)
	}
}

func TestAgreementAndProvisionLifecycle(t *testing.T) {
	db, s, c := mustOpen(t)
	f := newFixture(t, s)
	a := must[Agreement](t)(s.GetAgreement(ctx, actor, f.agr.ID))
	if !a.InForceAt.Equal(mustTime("2020-11-09T21:00:00Z")) || len(a.Parties) != 2 || a.Version != 1 {
		t.Fatalf("agreement = %+v", a)
	}
	list := must[store.Page[Agreement]](t)(s.ListAgreements(ctx, actor, store.PageRequest{}))
	if len(list.Items) != 1 || list.Items[0].ID != a.ID {
		t.Fatalf("agreements = %+v", list)
	}
	in := AgreementInput{Title: a.Title, SignedAt: "2020-11-09T19:30:00Z", InForceAt: "2020-11-09T21:00:00Z",
		Signatories: a.Signatories, Parties: a.Parties}
	a2 := must[Agreement](t)(s.UpdateAgreement(ctx, actor, a.ID, 1, in))
	if a2.Version != 2 || a2.Summary != "" || !a2.SignedAt.Equal(mustTime("2020-11-09T19:30:00Z")) {
		t.Fatalf("updated agreement = %+v", a2)
	}

	// Kalbajar was returned on 25 November: mark the deadline met.
	c.set("2020-11-26T12:00:00Z")
	p := must[Provision](t)(s.GetProvision(ctx, actor, f.p6.ID))
	if p.Status != StatusOverdue {
		t.Fatalf("status on 26 November = %s, want overdue", p.Status)
	}
	pin := provision6(f)
	pin.Deadlines[0].MetAt = "2020-11-25T00:00:00+04:00"
	p = must[Provision](t)(s.UpdateProvision(ctx, actor, f.p6.ID, 1, pin))
	if p.Status != StatusNotStarted || p.Version != 2 {
		t.Fatalf("after Kalbajar: %s v%d", p.Status, p.Version)
	}
	p = must[Provision](t)(s.AddProvisionStatus(ctx, actor, f.p6.ID, 2, StatusInput{
		Status: StatusInProgress, At: "2020-11-25T00:00:00+04:00", Note: "Kalbajar handed over.",
		Evidence: []Evidence{{Kind: EvidenceURL, Ref: "https://example.org/kalbajar", Title: "News report"}, {Kind: EvidenceRecord, Ref: "inc_0123456789abcdefghjk"}},
	}))
	if p.Version != 3 || p.RecordedStatus() != StatusInProgress || len(p.StatusHistory) != 1 {
		t.Fatalf("after status: %+v", p)
	}
	// An update keeps the history.
	p = must[Provision](t)(s.UpdateProvision(ctx, actor, f.p6.ID, 3, pin))
	if len(p.StatusHistory) != 1 || p.Version != 4 {
		t.Fatalf("update dropped the history: %+v", p)
	}
	size := db.Size()
	if _, err := s.AddProvisionStatus(ctx, actor, f.p6.ID, 3, StatusInput{Status: StatusImplemented, At: "2020-11-26T00:00:00Z"}); errs.CodeOf(err) != errs.CodeConflict {
		t.Fatalf("stale status: %v", err)
	}
	if _, err := s.AddProvisionStatus(ctx, actor, "prv_missing", 1, StatusInput{Status: StatusImplemented, At: "2020-11-26T00:00:00Z"}); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("status of missing provision: %v", err)
	}
	if _, err := s.UpdateProvision(ctx, actor, "prv_missing", 1, pin); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("update of missing provision: %v", err)
	}
	if db.Size() != size {
		t.Fatal("refused writes changed the log")
	}

	// 2 December: Lachin not yet marked met, so the provision is overdue.
	c.set("2020-12-02T00:00:00Z")
	if p := must[Provision](t)(s.GetProvision(ctx, actor, f.p6.ID)); p.Status != StatusOverdue || len(p.Overdue(c.now())) != 1 {
		t.Fatalf("on 2 December: %s, overdue %v", p.Status, p.Overdue(c.now()))
	}
	overdue := must[store.Page[Provision]](t)(s.ListProvisions(ctx, actor, ProvisionFilter{Status: StatusOverdue}, store.PageRequest{}))
	if len(overdue.Items) != 1 || overdue.Items[0].ID != f.p6.ID {
		t.Fatalf("overdue list = %+v", overdue.Items)
	}
	p = must[Provision](t)(s.AddProvisionStatus(ctx, actor, f.p6.ID, 4, StatusInput{Status: StatusImplemented, At: "2020-12-01T00:00:00Z"}))
	if p.Status != StatusImplemented {
		t.Fatalf("implemented provision shows %s", p.Status)
	}
	if _, err := s.GetProvision(ctx, actor, "prv_missing"); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("get missing: %v", err)
	}
	if _, err := s.GetAgreement(ctx, actor, "agr_missing"); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("get missing: %v", err)
	}
	mustVerify(t, db)
}

func TestEffectiveStatus(t *testing.T) {
	due := mustTime("2020-12-01T00:00:00Z")
	before, after := due.Add(-time.Hour), due.Add(time.Hour)
	unmet := []Deadline{{What: "x", Due: due}}
	met := []Deadline{{What: "x", Due: due, MetAt: due.Add(-time.Minute)}}
	metLate := []Deadline{{What: "x", Due: due, MetAt: due.Add(time.Minute)}}
	history := func(ss ...string) []StatusEvent {
		var h []StatusEvent
		for _, s := range ss {
			h = append(h, StatusEvent{Status: s, At: before})
		}
		return h
	}
	tests := []struct {
		name      string
		deadlines []Deadline
		history   []StatusEvent
		now       time.Time
		want      string
		overdue   int
	}{
		{"no deadline, no status", nil, nil, after, StatusNotStarted, 0},
		{"no deadline, in progress", nil, history(StatusInProgress), after, StatusInProgress, 0},
		{"deadline not yet passed", unmet, nil, before, StatusNotStarted, 0},
		{"deadline at this instant has not passed", unmet, nil, due, StatusNotStarted, 0},
		{"deadline passed unmet", unmet, nil, after, StatusOverdue, 1},
		{"deadline passed unmet, in progress", unmet, history(StatusInProgress), after, StatusOverdue, 1},
		{"deadline met", met, nil, after, StatusNotStarted, 0},
		{"deadline met late", metLate, history(StatusInProgress), after, StatusInProgress, 0},
		{"implemented", unmet, history(StatusInProgress, StatusImplemented), after, StatusImplemented, 1},
		{"superseded", unmet, history(StatusSuperseded), after, StatusSuperseded, 1},
		{"violated stays violated", unmet, history(StatusViolated), after, StatusViolated, 1},
		{"latest event counts", unmet, history(StatusImplemented, StatusInProgress), after, StatusOverdue, 1},
		{"one of two unmet", append(slices.Clone(met), Deadline{What: "y", Due: due.Add(time.Minute)}), nil, after, StatusOverdue, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Provision{Deadlines: tt.deadlines, StatusHistory: tt.history}
			if got := p.EffectiveStatus(tt.now); got != tt.want {
				t.Errorf("EffectiveStatus = %s, want %s", got, tt.want)
			}
			if got := len(p.Overdue(tt.now)); got != tt.overdue {
				t.Errorf("Overdue has %d deadlines, want %d", got, tt.overdue)
			}
		})
	}
}

func TestScenarioProvision6(t *testing.T) {
	_, s, c := mustOpen(t)
	f := newFixture(t, s)
	p := f.p6
	if len(p.Deadlines) != 3 || !p.Deadlines[0].OriginalDue.Equal(mustTime("2020-11-14T20:00:00Z")) {
		t.Fatalf("deadlines = %+v", p.Deadlines)
	}
	tests := []struct {
		now     string
		want    string
		overdue int
	}{
		{"2020-11-10T00:00:00Z", StatusNotStarted, 0},
		{"2020-11-16T00:00:00Z", StatusNotStarted, 0}, // the original date passed, but it was postponed
		{"2020-11-24T20:00:00Z", StatusNotStarted, 0}, // due exactly now: not yet passed
		{"2020-11-24T20:00:01Z", StatusOverdue, 1},
		{"2020-12-02T00:00:00Z", StatusOverdue, 2},
		{"2023-11-11T00:00:00Z", StatusOverdue, 3},
	}
	for _, tt := range tests {
		c.set(tt.now)
		got := must[Provision](t)(s.GetProvision(ctx, actor, p.ID))
		if got.Status != tt.want || len(got.Overdue(c.now())) != tt.overdue {
			t.Errorf("at %s: status %s with %d overdue, want %s with %d", tt.now, got.Status, len(got.Overdue(c.now())), tt.want, tt.overdue)
		}
	}
}

// The status filter in SQL agrees with EffectiveStatus for every provision
// at every time tried.
func TestListProvisionsFilters(t *testing.T) {
	db, s, c := mustOpen(t)
	f := newFixture(t, s)
	c.set("2024-01-01T00:00:00Z")
	mk := func(number string, obligated []string, deadlines []DeadlineInput, statuses ...string) Provision {
		p := must[Provision](t)(s.CreateProvision(ctx, actor, ProvisionInput{AgreementID: f.agr.ID, Number: number, Summary: "Provision " + number,
			Obligated: obligated, Deadlines: deadlines}))
		for i, st := range statuses {
			p = must[Provision](t)(s.AddProvisionStatus(ctx, actor, p.ID, p.Version, StatusInput{Status: st, At: "2020-11-2" + string(rune('0'+i)) + "T00:00:00Z"}))
		}
		return p
	}
	dl := func(due, met string) []DeadlineInput { return []DeadlineInput{{What: "it", Due: due, MetAt: met}} }
	mk("1", []string{f.az.ID, f.am.ID}, nil)
	mk("2", []string{f.am.ID}, dl("2020-11-20T00:00:00Z", ""), StatusInProgress)
	mk("3", []string{f.ru.ID}, dl("2020-11-20T00:00:00Z", ""), StatusImplemented)
	mk("4", []string{f.ru.ID}, dl("2025-11-10T00:00:00Z", ""))
	mk("5", []string{f.ru.ID}, dl("2020-12-01T00:00:00Z", "2020-11-30T00:00:00Z"), StatusInProgress)
	mk("7", nil, dl("2021-01-01T00:00:00Z", ""), StatusInProgress, StatusViolated)
	mk("8", []string{f.icrc.ID}, nil, StatusSuperseded)

	all := func(filter ProvisionFilter) []Provision {
		var out []Provision
		req := store.PageRequest{Limit: 2}
		for {
			p := must[store.Page[Provision]](t)(s.ListProvisions(ctx, actor, filter, req))
			out = append(out, p.Items...)
			if p.Next == "" {
				return out
			}
			req.Cursor = p.Next
		}
	}
	everything := all(ProvisionFilter{})
	if len(everything) != 8 {
		t.Fatalf("%d provisions, want 8", len(everything))
	}
	for _, now := range []string{"2020-11-10T00:00:00Z", "2020-11-20T00:00:00Z", "2020-11-21T00:00:00Z", "2020-12-02T00:00:00Z", "2024-01-01T00:00:00Z", "2026-01-01T00:00:00Z"} {
		c.set(now)
		for _, st := range EffectiveStatuses {
			var want, got []string
			for _, p := range everything {
				if p.EffectiveStatus(c.now()) == st {
					want = append(want, p.Number)
				}
			}
			for _, p := range all(ProvisionFilter{Status: st}) {
				got = append(got, p.Number)
				if p.Status != st {
					t.Errorf("at %s, filter %s returned provision %s showing %s", now, st, p.Number, p.Status)
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Errorf("at %s, status %s: got %v, want %v", now, st, got, want)
			}
		}
	}
	c.set("2024-01-01T00:00:00Z")
	numbers := func(ps []Provision) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Number)
		}
		sort.Strings(out)
		return out
	}
	if got := numbers(all(ProvisionFilter{Obligated: f.ru.ID})); !slices.Equal(got, []string{"3", "4", "5"}) {
		t.Errorf("obligated Russia: %v", got)
	}
	if got := numbers(all(ProvisionFilter{Obligated: f.am.ID, Status: StatusOverdue})); !slices.Equal(got, []string{"2", "6"}) {
		t.Errorf("obligated Armenia and overdue: %v", got)
	}
	if got := all(ProvisionFilter{AgreementID: "agr_other"}); len(got) != 0 {
		t.Errorf("other agreement: %v", got)
	}
	if got := all(ProvisionFilter{AgreementID: f.agr.ID}); len(got) != 8 {
		t.Errorf("this agreement: %d", len(got))
	}
	if _, err := s.ListProvisions(ctx, actor, ProvisionFilter{Status: "late"}, store.PageRequest{}); errs.FieldOf(err) != "status" {
		t.Errorf("bad status filter: %v", err)
	}
	mustVerify(t, db)
}

// Every bad input is refused with the code and field named, and leaves the
// log as it was.
func TestBadInputChangesNothing(t *testing.T) {
	db, s, c := mustOpen(t)
	f := newFixture(t, s)
	c.set("2021-06-12T10:00:00Z")

	org := func(mod func(*OrganisationInput)) func() error {
		return func() error {
			in := OrganisationInput{Name: "Joint Monitoring Centre", Kind: KindMonitoringCentre, Country: "AZ"}
			mod(&in)
			_, err := s.CreateOrganisation(ctx, actor, in)
			return err
		}
	}
	agreementInput := func() AgreementInput {
		return AgreementInput{Title: "Memorandum on the joint monitoring centre", SignedAt: "2020-11-11T12:00:00Z", InForceAt: "2020-11-11T12:00:00Z",
			Signatories: []string{f.ru.ID}, Parties: []string{f.az.ID, f.am.ID}}
	}
	agr := func(mod func(*AgreementInput)) func() error {
		return func() error {
			in := agreementInput()
			mod(&in)
			_, err := s.CreateAgreement(ctx, actor, in)
			return err
		}
	}
	prv := func(mod func(*ProvisionInput)) func() error {
		return func() error {
			in := ProvisionInput{AgreementID: f.agr.ID, Number: "9", Summary: "All economic and transport links unblocked.",
				Obligated: []string{f.az.ID}, Deadlines: []DeadlineInput{{What: "links open", Due: "2021-01-01T00:00:00Z"}, {What: "route", Due: "2021-06-01T00:00:00Z"}}}
			mod(&in)
			_, err := s.CreateProvision(ctx, actor, in)
			return err
		}
	}
	status := func(mod func(*StatusInput)) func() error {
		return func() error {
			in := StatusInput{Status: StatusInProgress, At: "2020-11-20T00:00:00Z", Note: "Withdrawal began.",
				Evidence: []Evidence{{Kind: EvidenceURL, Ref: "https://example.org/a"}}}
			mod(&in)
			_, err := s.AddProvisionStatus(ctx, actor, f.p6.ID, 1, in)
			return err
		}
	}
	long := strings.Repeat("ա", MaxName+1)

	tests := []struct {
		name  string
		run   func() error
		code  errs.Code
		field string
	}{
		{"organisation without name", org(func(in *OrganisationInput) { in.Name = "" }), errs.CodeInvalid, "name"},
		{"organisation name too long", org(func(in *OrganisationInput) { in.Name = long }), errs.CodeInvalid, "name"},
		{"organisation name on two lines", org(func(in *OrganisationInput) { in.Name = "Joint\nCentre" }), errs.CodeInvalid, "name"},
		{"organisation name with bidi override", org(func(in *OrganisationInput) { in.Name = "Centre \u202eertneC" }), errs.CodeInvalid, "name"},
		{"organisation name with bidi isolate", org(func(in *OrganisationInput) { in.Name = "Centre \u2066x\u2069" }), errs.CodeInvalid, "name"},
		{"short name with control character", org(func(in *OrganisationInput) { in.ShortName = "JM\x07C" }), errs.CodeInvalid, "short_name"},
		{"unknown kind", org(func(in *OrganisationInput) { in.Kind = "army" }), errs.CodeInvalid, "kind"},
		{"no kind", org(func(in *OrganisationInput) { in.Kind = "" }), errs.CodeInvalid, "kind"},
		{"country in lower case", org(func(in *OrganisationInput) { in.Country = "az" }), errs.CodeInvalid, "country"},
		{"country not assigned", org(func(in *OrganisationInput) { in.Country = "XX" }), errs.CodeInvalid, "country"},
		{"country alpha-3", org(func(in *OrganisationInput) { in.Country = "AZE" }), errs.CodeInvalid, "country"},
		{"name language not a tag", org(func(in *OrganisationInput) { in.Names = map[string]string{"Armenian": "x"} }), errs.CodeInvalid, "names"},
		{"name in a language blank", org(func(in *OrganisationInput) { in.Names = map[string]string{"hy": " "} }), errs.CodeInvalid, "names.hy"},
		{"name in a language with bidi override", org(func(in *OrganisationInput) { in.Names = map[string]string{"ar": "مركز\u202d"} }), errs.CodeInvalid, "names.ar"},
		{"stale organisation version", func() error {
			_, err := s.UpdateOrganisation(ctx, actor, f.icrc.ID, 2, OrganisationInput{Name: "ICRC", Kind: KindHumanitarian})
			return err
		}, errs.CodeConflict, "version"},
		{"organisation version zero", func() error {
			_, err := s.UpdateOrganisation(ctx, actor, f.icrc.ID, 0, OrganisationInput{Name: "ICRC", Kind: KindHumanitarian})
			return err
		}, errs.CodeInvalid, "version"},
		{"update of missing organisation", func() error {
			_, err := s.UpdateOrganisation(ctx, actor, "org_missing", 1, OrganisationInput{Name: "ICRC", Kind: KindHumanitarian})
			return err
		}, errs.CodeNotFound, ""},
		{"party made a guarantor", func() error {
			_, err := s.UpdateOrganisation(ctx, actor, f.am.ID, 1, OrganisationInput{Name: "Republic of Armenia", Kind: KindGuarantor})
			return err
		}, errs.CodeInvalid, "kind"},

		{"agreement without title", agr(func(in *AgreementInput) { in.Title = "" }), errs.CodeInvalid, "title"},
		{"agreement title too long", agr(func(in *AgreementInput) { in.Title = long }), errs.CodeInvalid, "title"},
		{"signed_at a date only", agr(func(in *AgreementInput) { in.SignedAt = "2020-11-09" }), errs.CodeInvalid, "signed_at"},
		{"signed_at missing", agr(func(in *AgreementInput) { in.SignedAt = "" }), errs.CodeInvalid, "signed_at"},
		{"signed_at before 1900", agr(func(in *AgreementInput) { in.SignedAt = "1899-12-31T00:00:00Z" }), errs.CodeInvalid, "signed_at"},
		{"in_force_at not RFC 3339", agr(func(in *AgreementInput) { in.InForceAt = "10 November 2020" }), errs.CodeInvalid, "in_force_at"},
		{"in force before signed", agr(func(in *AgreementInput) { in.InForceAt = "2020-11-11T11:59:59Z" }), errs.CodeInvalid, "in_force_at"},
		{"no signatories", agr(func(in *AgreementInput) { in.Signatories = nil }), errs.CodeInvalid, "signatories"},
		{"signatory missing", agr(func(in *AgreementInput) { in.Signatories = []string{f.ru.ID, "org_nobody"} }), errs.CodeInvalid, "signatories[1]"},
		{"signatory not an organisation id", agr(func(in *AgreementInput) { in.Signatories = []string{f.agr.ID} }), errs.CodeInvalid, "signatories[0]"},
		{"no parties", agr(func(in *AgreementInput) { in.Parties = []string{} }), errs.CodeInvalid, "parties"},
		{"party missing", agr(func(in *AgreementInput) { in.Parties = []string{f.az.ID, "org_nobody"} }), errs.CodeInvalid, "parties[1]"},
		{"party not a side", agr(func(in *AgreementInput) { in.Parties = []string{f.ru.ID} }), errs.CodeInvalid, "parties[0]"},
		{"party listed twice", agr(func(in *AgreementInput) { in.Parties = []string{f.az.ID, f.am.ID, f.az.ID} }), errs.CodeInvalid, "parties[2]"},
		{"source_url ftp", agr(func(in *AgreementInput) { in.SourceURL = "ftp://example.org/a" }), errs.CodeInvalid, "source_url"},
		{"source_url javascript", agr(func(in *AgreementInput) { in.SourceURL = "javascript:alert(1)" }), errs.CodeInvalid, "source_url"},
		{"source_url relative", agr(func(in *AgreementInput) { in.SourceURL = "/statement" }), errs.CodeInvalid, "source_url"},
		{"source_url with password", agr(func(in *AgreementInput) { in.SourceURL = "https://u:p@example.org/" }), errs.CodeInvalid, "source_url"},
		{"summary with bidi isolate", agr(func(in *AgreementInput) { in.Summary = "a\u2067b" }), errs.CodeInvalid, "summary"},
		{"summary with NUL", agr(func(in *AgreementInput) { in.Summary = "a\x00b" }), errs.CodeInvalid, "summary"},
		{"summary too long", agr(func(in *AgreementInput) { in.Summary = strings.Repeat("x", MaxText+1) }), errs.CodeInvalid, "summary"},
		{"stale agreement version", func() error {
			in := agreementInput()
			in.SignedAt, in.InForceAt = "2020-11-09T20:00:00Z", "2020-11-09T21:00:00Z"
			_, err := s.UpdateAgreement(ctx, actor, f.agr.ID, 2, in)
			return err
		}, errs.CodeConflict, "version"},
		{"signature moved after a provision deadline", func() error {
			in := agreementInput()
			in.SignedAt, in.InForceAt = "2020-11-20T00:00:00Z", "2020-11-20T00:00:00Z"
			_, err := s.UpdateAgreement(ctx, actor, f.agr.ID, 1, in)
			return err
		}, errs.CodeInvalid, "signed_at"},

		{"provision without agreement", prv(func(in *ProvisionInput) { in.AgreementID = "" }), errs.CodeInvalid, "agreement_id"},
		{"provision of missing agreement", prv(func(in *ProvisionInput) { in.AgreementID = "agr_nothing" }), errs.CodeInvalid, "agreement_id"},
		{"provision number blank", prv(func(in *ProvisionInput) { in.Number = " " }), errs.CodeInvalid, "number"},
		{"provision number taken", prv(func(in *ProvisionInput) { in.Number = "6" }), errs.CodeConflict, "number"},
		{"provision without summary", prv(func(in *ProvisionInput) { in.Summary = "" }), errs.CodeInvalid, "summary"},
		{"provision summary with bidi override", prv(func(in *ProvisionInput) { in.Summary = "\u202aa" }), errs.CodeInvalid, "summary"},
		{"obligated organisation missing", prv(func(in *ProvisionInput) { in.Obligated = []string{f.az.ID, "org_nobody"} }), errs.CodeInvalid, "obligated[1]"},
		{"deadline before the signature", prv(func(in *ProvisionInput) { in.Deadlines[1].Due = "2020-11-09T19:59:59Z" }), errs.CodeInvalid, "deadlines[1].due"},
		{"original due before the signature", prv(func(in *ProvisionInput) { in.Deadlines[1].OriginalDue = "2020-11-01T00:00:00Z" }), errs.CodeInvalid, "deadlines[1].original_due"},
		{"deadline not RFC 3339", prv(func(in *ProvisionInput) { in.Deadlines[0].Due = "2021-01-01 00:00" }), errs.CodeInvalid, "deadlines[0].due"},
		{"deadline without due", prv(func(in *ProvisionInput) { in.Deadlines[1].Due = "" }), errs.CodeInvalid, "deadlines[1].due"},
		{"deadline without what", prv(func(in *ProvisionInput) { in.Deadlines[0].What = "" }), errs.CodeInvalid, "deadlines[0].what"},
		{"postponed deadline brought forward", prv(func(in *ProvisionInput) { in.Deadlines[0].OriginalDue = "2021-01-02T00:00:00Z" }), errs.CodeInvalid, "deadlines[0].original_due"},
		{"deadline met in the future", prv(func(in *ProvisionInput) { in.Deadlines[1].MetAt = "2021-06-13T00:00:00Z" }), errs.CodeInvalid, "deadlines[1].met_at"},
		{"met_at not RFC 3339", prv(func(in *ProvisionInput) { in.Deadlines[1].MetAt = "yesterday" }), errs.CodeInvalid, "deadlines[1].met_at"},
		{"period ends before it begins", prv(func(in *ProvisionInput) {
			in.Period = &PeriodInput{From: "2020-11-10T00:00:00Z", To: "2020-11-09T23:00:00Z"}
		}), errs.CodeInvalid, "period.to"},
		{"period without start", prv(func(in *ProvisionInput) { in.Period = &PeriodInput{To: "2025-11-10T00:00:00Z"} }), errs.CodeInvalid, "period.from"},
		{"period before the signature", prv(func(in *ProvisionInput) { in.Period = &PeriodInput{From: "2020-01-01T00:00:00Z"} }), errs.CodeInvalid, "period.from"},
		{"negative quantity", prv(func(in *ProvisionInput) {
			in.Quantities = []Quantity{{What: "troops", Value: 1960}, {What: "vehicles", Value: -1}}
		}), errs.CodeInvalid, "quantities[1].value"},
		{"quantity without what", prv(func(in *ProvisionInput) { in.Quantities = []Quantity{{Value: 90, Unit: "APC"}} }), errs.CodeInvalid, "quantities[0].what"},

		{"status overdue recorded", status(func(in *StatusInput) { in.Status = StatusOverdue }), errs.CodeInvalid, "status"},
		{"unknown status", status(func(in *StatusInput) { in.Status = "done" }), errs.CodeInvalid, "status"},
		{"status time missing", status(func(in *StatusInput) { in.At = "" }), errs.CodeInvalid, "at"},
		{"status before the signature", status(func(in *StatusInput) { in.At = "2020-11-01T00:00:00Z" }), errs.CodeInvalid, "at"},
		{"status in the future", status(func(in *StatusInput) { in.At = "2021-06-12T11:00:00Z" }), errs.CodeInvalid, "at"},
		{"status note with bidi override", status(func(in *StatusInput) { in.Note = "ok\u202e" }), errs.CodeInvalid, "note"},
		{"evidence of unknown kind", status(func(in *StatusInput) { in.Evidence = append(in.Evidence, Evidence{Kind: "photo", Ref: "x"}) }), errs.CodeInvalid, "evidence[1].kind"},
		{"evidence URL not http", status(func(in *StatusInput) { in.Evidence[0].Ref = "file:///etc/passwd" }), errs.CodeInvalid, "evidence[0].ref"},
		{"evidence record not an id", status(func(in *StatusInput) { in.Evidence = []Evidence{{Kind: EvidenceRecord, Ref: "incident 5"}} }), errs.CodeInvalid, "evidence[0].ref"},
		{"evidence title on two lines", status(func(in *StatusInput) { in.Evidence[0].Title = "a\nb" }), errs.CodeInvalid, "evidence[0].title"},
		{"stale provision version", func() error {
			_, err := s.AddProvisionStatus(ctx, actor, f.p6.ID, 2, StatusInput{Status: StatusInProgress, At: "2020-11-20T00:00:00Z"})
			return err
		}, errs.CodeConflict, "version"},
	}
	size := db.Size()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if errs.CodeOf(err) != tt.code || errs.FieldOf(err) != tt.field {
				t.Fatalf("err = %v (code %s, field %q), want code %s on %q", err, errs.CodeOf(err), errs.FieldOf(err), tt.code, tt.field)
			}
			if tt.code == errs.CodeInvalid && errs.MessageOf(err) == "internal error" {
				t.Fatalf("no client message: %v", err)
			}
			if db.Size() != size {
				t.Fatalf("log grew from %d to %d", size, db.Size())
			}
		})
	}

	// A status dated before the latest one is refused too.
	p := must[Provision](t)(s.AddProvisionStatus(ctx, actor, f.p6.ID, 1, StatusInput{Status: StatusInProgress, At: "2020-11-20T00:00:00Z"}))
	size = db.Size()
	_, err := s.AddProvisionStatus(ctx, actor, p.ID, p.Version, StatusInput{Status: StatusImplemented, At: "2020-11-19T00:00:00Z"})
	if errs.FieldOf(err) != "at" || db.Size() != size {
		t.Fatalf("status before the latest: %v", err)
	}
	if !strings.Contains(errs.MessageOf(err), "before the latest recorded status") {
		t.Fatalf("message = %q", errs.MessageOf(err))
	}
	mustVerify(t, db)
}

// The messages for times say what is expected.
func TestTimeMessage(t *testing.T) {
	err := AgreementInput{Title: "x", SignedAt: "9 Nov"}.Validate()
	if errs.MessageOf(err) != "must be an RFC 3339 time such as 2020-11-09T21:00:00Z" {
		t.Fatalf("message = %q", errs.MessageOf(err))
	}
}
