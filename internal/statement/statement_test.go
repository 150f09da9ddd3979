package statement

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var ctx = context.Background()

type fixture struct {
	db       *store.DB
	ag       *agreement.Service
	s        *Service
	ru, az   string
	media    string
	prov8    string
	analyst  access.Principal
	liaison  access.Principal
	observer access.Principal
}

// mustOpen opens a fresh store with an agreement signed on 9 November 2020
// and its provision 8; the services' clock reads 2021-09-01T12:00:00Z.
func mustOpen(t testing.TB) fixture {
	t.Helper()
	changeClock := time.Date(2021, 9, 1, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	dir := t.TempDir()
	db, err := store.Open(ctx, dir, append(storetest.Database(t, dir), store.WithSynchronous("normal"), store.WithClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		changeClock = changeClock.Add(time.Second)
		return changeClock
	}))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := func() time.Time { return time.Date(2021, 9, 1, 12, 0, 0, 0, time.UTC) }
	ag := agreement.New(db, agreement.WithClock(now))
	f := fixture{db: db, ag: ag, s: New(db, ag, WithClock(now))}
	ag.RegisterEvidenceKind(EntityStatement, f.s.evidenceOf) // as the application does from Kinds
	actor := access.System
	org := func(in agreement.OrganisationInput) string {
		o, err := ag.CreateOrganisation(ctx, actor, in)
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	f.ru = org(agreement.OrganisationInput{Name: "Russian Federation", Kind: "guarantor", Country: "RU"})
	f.az = org(agreement.OrganisationInput{Name: "Republic of Azerbaijan", Kind: "side", Country: "AZ"})
	am := org(agreement.OrganisationInput{Name: "Republic of Armenia", Kind: "side", Country: "AM"})
	f.media = org(agreement.OrganisationInput{Name: "An agency", Kind: "media"})
	centre := org(agreement.OrganisationInput{Name: "Monitoring centre", Kind: "monitoring_centre"})
	agr, err := ag.CreateAgreement(ctx, actor, agreement.AgreementInput{Title: "Trilateral statement", SignedAt: "2020-11-09T00:00:00Z", InForceAt: "2020-11-09T21:00:00Z",
		Signatories: []string{f.ru, f.az, am}, Parties: []string{f.az, am}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ag.CreateProvision(ctx, actor, agreement.ProvisionInput{AgreementID: agr.ID, Number: "8", Summary: "Exchange of detained persons."})
	if err != nil {
		t.Fatal(err)
	}
	f.prov8 = p.ID
	f.analyst = access.Principal{UserID: "usr_an", Org: centre, OrgKind: "monitoring_centre", Roles: []access.Role{access.Analyst}, Via: "token"}
	f.liaison = access.Principal{UserID: "usr_li", Org: am, OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	f.observer = access.Principal{UserID: "usr_ob", Org: centre, Roles: []access.Role{access.Observer}, Via: "token"}
	return f
}

func (f fixture) statement(date, stance string, summaries ...Summary) StatementInput {
	return StatementInput{Speaker: "Minister of Foreign Affairs", Organisation: f.ru, Date: date, Language: "ru", Summaries: summaries,
		Stance: stance, Provisions: []string{f.prov8}}
}

func TestStatementRules(t *testing.T) {
	f := mustOpen(t)
	en := Summary{Language: "en", Text: "Urges the release of the remaining servicemen."}
	src, err := f.s.RecordSource(ctx, f.analyst, SourceInput{OutletOrg: f.media, Date: "2021-08-31", Language: "ar", URL: "https://news.example/ar/1",
		Title: "روسيا تدعو أذربيجان", Text: "نص المقال"})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.ContentSHA256) != 64 {
		t.Fatalf("content hash %q", src.ContentSHA256)
	}
	in := f.statement("2021-08-31", StanceAppeal, en, Summary{Language: "ar", Text: "تحث روسيا أذربيجان على الإفراج عن العسكريين"})
	in.Sources = []string{src.ID}
	st, err := f.s.RecordStatement(ctx, f.analyst, in)
	if err != nil {
		t.Fatal(err)
	}
	if st.BeforeAgreement || st.DatePrecision != PrecisionDay {
		t.Errorf("statement %+v", st.StatementBody)
	}

	cases := []struct {
		name  string
		who   access.Principal
		in    StatementInput
		code  errs.Code
		field string
	}{
		{"future date refused (service clock)", f.analyst, f.statement("2021-09-02", StanceAppeal, en), errs.CodeInvalid, "date"},
		{"future time refused beyond the clock skew", f.analyst, f.statement("2021-09-01T12:06:00Z", StanceAppeal, en), errs.CodeInvalid, "date"},
		{"unknown stance", f.analyst, f.statement("2021-08-31", "praise", en), errs.CodeInvalid, "stance"},
		{"bad summary language", f.analyst, f.statement("2021-08-31", StanceAppeal, Summary{Language: "e", Text: "x"}), errs.CodeInvalid, "summaries[0].language"},
		{"bidi embedding in a summary", f.analyst, f.statement("2021-08-31", StanceAppeal, Summary{Language: "ar", Text: "أ\u202bب"}), errs.CodeInvalid, "summaries[0].text"},
		{"byte order mark in a summary", f.analyst, f.statement("2021-08-31", StanceAppeal, Summary{Language: "en", Text: "a\ufeffb"}), errs.CodeInvalid, "summaries[0].text"},
		{"a liaison does not write statements", f.liaison, f.statement("2021-08-31", StanceAppeal, en), errs.CodeForbidden, ""},
		{"an observer does not write statements", f.observer, f.statement("2021-08-31", StanceAppeal, en), errs.CodeForbidden, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.db.Size()
			_, err := f.s.RecordStatement(ctx, tc.who, tc.in)
			if errs.CodeOf(err) != tc.code || errs.FieldOf(err) != tc.field {
				t.Fatalf("got %v; want %s at %q", err, tc.code, tc.field)
			}
			if f.db.Size() != before {
				t.Fatal("refused input changed the log")
			}
		})
	}
	early, err := f.s.RecordStatement(ctx, f.analyst, f.statement("2020-10-20", StanceCommitment, en))
	if err != nil || !early.BeforeAgreement {
		t.Fatalf("statement before the agreement: %v %+v", err, early)
	}
	// An update keeps the owner and recomputes the flag.
	upd := f.statement("2021-01-20", StanceCommitment, en)
	early2, err := f.s.UpdateStatement(ctx, f.analyst, early.ID, early.Version, upd)
	if err != nil || early2.BeforeAgreement || early2.Version != 2 || early2.OwnerOrg != f.analyst.Org {
		t.Fatalf("update: %v %+v", err, early2)
	}
	if _, err := f.s.UpdateStatement(ctx, f.analyst, early.ID, early.Version, upd); errs.CodeOf(err) != errs.CodeConflict {
		t.Errorf("stale update: %v", err)
	}

	// Search folds case and marks in every script.
	for q, want := range map[string]int{"RELEASE": 2, "العسكريين": 1, "الإفراج": 1, "الافراج": 1, "nothing like this": 0} {
		page, err := f.s.ListStatements(ctx, f.observer, StatementFilter{Query: q}, store.PageRequest{})
		if err != nil || len(page.Items) != want {
			t.Errorf("search %q: %d items, %v; want %d", q, len(page.Items), err, want)
		}
	}
	page, err := f.s.ListStatements(ctx, f.observer, StatementFilter{Source: src.ID}, store.PageRequest{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != st.ID {
		t.Errorf("by source: %+v %v", page.Items, err)
	}
	// Pages in date order, newest first.
	page, err = f.s.ListStatements(ctx, f.observer, StatementFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != st.ID || page.Next == "" {
		t.Fatalf("first page %+v %v", page, err)
	}
	page, err = f.s.ListStatements(ctx, f.observer, StatementFilter{}, store.PageRequest{Limit: 1, Cursor: page.Next})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != early.ID {
		t.Fatalf("second page %+v %v", page, err)
	}

	// The statement is evidence a provision can link.
	link, err := f.ag.AddEvidence(ctx, f.analyst, f.prov8, agreement.EvidenceLinkInput{RecordKind: EntityStatement, RecordID: st.ID})
	if err != nil || !strings.HasPrefix(link.Description, "appeal by Minister of Foreign Affairs, 2021-08-31: Urges") {
		t.Fatalf("link %+v %v", link, err)
	}

	if err := f.db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := f.db.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

func TestSourceRules(t *testing.T) {
	f := mustOpen(t)
	ok := SourceInput{Outlet: "Agency", Date: "2021-08-31", Language: "ru", URL: "https://news.example/1", Title: "Заголовок"}
	with := func(change func(*SourceInput)) SourceInput { in := ok; change(&in); return in }
	cases := []struct {
		name  string
		in    SourceInput
		field string
	}{
		{"non-http URL", with(func(in *SourceInput) { in.URL = "file:///etc/passwd" }), "url"},
		{"relative URL", with(func(in *SourceInput) { in.URL = "/news/1" }), "url"},
		{"bad language tag", with(func(in *SourceInput) { in.Language = "russian" }), "language"},
		{"future date", with(func(in *SourceInput) { in.Date = "2021-09-02" }), "date"},
		{"outlet organisation unknown", with(func(in *SourceInput) { in.OutletOrg = "org_nosuch" }), "outlet_org"},
		{"outlet organisation is a side", with(func(in *SourceInput) { in.OutletOrg = f.az }), "outlet_org"},
		{"upper-case hash", with(func(in *SourceInput) { in.ContentSHA256 = strings.Repeat("A", 64) }), "content_sha256"},
		{"restricted to an unknown organisation", with(func(in *SourceInput) {
			in.Classification, in.RestrictedTo = "restricted", []string{"org_nosuch"}
		}), "restricted_to[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.RecordSource(ctx, f.analyst, tc.in)
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != tc.field {
				t.Fatalf("got %v; want invalid at %q", err, tc.field)
			}
		})
	}
	hidden, err := f.s.RecordSource(ctx, f.analyst, with(func(in *SourceInput) { in.Classification = "restricted" }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GetSource(ctx, f.liaison, hidden.ID); errs.CodeOf(err) != errs.CodeNotFound {
		t.Errorf("restricted source read by a liaison: %v", err)
	}
	// A writer from elsewhere cannot cite a source it may not read.
	otherStaff := access.Principal{UserID: "usr_x", Org: f.ru, Roles: []access.Role{access.CoChair}, Via: "token"}
	in := f.statement("2021-08-31", StanceWelcome, Summary{Language: "en", Text: "Welcomes the maps."})
	in.Sources = []string{hidden.ID}
	if _, err := f.s.RecordStatement(ctx, otherStaff, in); errs.FieldOf(err) != "sources[0]" {
		t.Errorf("citing a hidden source: %v", err)
	}
	if _, err := f.s.UpdateSource(ctx, otherStaff, hidden.ID, 1, ok); errs.CodeOf(err) != errs.CodeNotFound {
		t.Errorf("updating a hidden source: %v", err)
	}
	page, err := f.s.ListSources(ctx, f.liaison, SourceFilter{Language: "RU"}, store.PageRequest{})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("liaison's sources: %+v %v", page.Items, err)
	}
	page, err = f.s.ListSources(ctx, f.analyst, SourceFilter{Language: "ru"}, store.PageRequest{})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("analyst's sources: %+v %v", page.Items, err)
	}
}
