package agreement

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

// fakeRecords stands for a registry package: records by id, each with its
// access view.
type fakeRecords map[string]access.Resource

func (f fakeRecords) resolve(_ context.Context, id string) (access.Resource, string, error) {
	res, ok := f[id]
	if !ok {
		return access.Resource{}, "", errs.NotFound("exchange %s not found", id)
	}
	return res, "exchange " + id, nil
}

func TestEvidenceLinks(t *testing.T) {
	db, s, _ := mustOpen(t)
	f := newFixture(t, s)
	analyst := access.Principal{UserID: "usr_a", Org: "org_centre", OrgKind: "monitoring_centre", Roles: []access.Role{access.Analyst}, Via: "token"}
	liaisonAZ := access.Principal{UserID: "usr_az", Org: f.az.ID, OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	liaisonAM := access.Principal{UserID: "usr_am", Org: f.am.ID, OrgKind: "side", Roles: []access.Role{access.Liaison}, Via: "token"}
	records := fakeRecords{
		"exc_public":   {Kind: "exchange", Classification: access.Public},
		"exc_toaz":     {Kind: "exchange", Classification: access.Restricted, Owner: "org_centre", ReadersOrgs: []string{f.az.ID}},
		"exc_hiddenaz": {Kind: "exchange", Classification: access.Restricted, Owner: f.az.ID},
	}
	s.RegisterEvidenceKind("exchange", records.resolve)
	p := f.p6.ID

	bad := []struct {
		name  string
		who   access.Principal
		prov  string
		in    EvidenceLinkInput
		code  errs.Code
		field string
	}{
		{"unknown record_kind", analyst, p, EvidenceLinkInput{RecordKind: "weather", RecordID: "wx_1"}, errs.CodeInvalid, "record_kind"},
		{"record_kind not a kind", analyst, p, EvidenceLinkInput{RecordKind: "Exchange", RecordID: "exc_public"}, errs.CodeInvalid, "record_kind"},
		{"missing record", analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_nosuch"}, errs.CodeInvalid, "record_id"},
		{"record the writer may not read", analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_hiddenaz"}, errs.CodeInvalid, "record_id"},
		{"record id of no shape", analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "x y"}, errs.CodeInvalid, "record_id"},
		{"note with a bidi override", analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_public", Note: "a\u202eb"}, errs.CodeInvalid, "note"},
		{"time in the future", analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_public", At: "2030-01-01T00:00:00Z"}, errs.CodeInvalid, "at"},
		{"missing provision", analyst, "prv_nosuch", EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_public"}, errs.CodeNotFound, ""},
		{"a liaison may not link", liaisonAZ, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_public"}, errs.CodeForbidden, ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			before := db.Size()
			_, err := s.AddEvidence(ctx, tc.who, tc.prov, tc.in)
			if errs.CodeOf(err) != tc.code || errs.FieldOf(err) != tc.field {
				t.Fatalf("got %v (code %s, field %q); want %s at %q", err, errs.CodeOf(err), errs.FieldOf(err), tc.code, tc.field)
			}
			if db.Size() != before {
				t.Fatal("bad input changed the log")
			}
		})
	}
	// Missing and unreadable read alike.
	_, e1 := s.AddEvidence(ctx, analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_hiddenaz"})
	_, e2 := s.AddEvidence(ctx, analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_nosuchz"})
	if e1 == nil || strings.ReplaceAll(errs.MessageOf(e1), "exc_hiddenaz", "ID") != strings.ReplaceAll(errs.MessageOf(e2), "exc_nosuchz", "ID") {
		t.Errorf("hidden and missing records answer differently: %q, %q", errs.MessageOf(e1), errs.MessageOf(e2))
	}

	pub, err := s.AddEvidence(ctx, analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_public", At: "2020-12-14T00:00:00Z", Note: "All for all."})
	if err != nil {
		t.Fatal(err)
	}
	if pub.Description != "exchange exc_public" {
		t.Errorf("description %q", pub.Description)
	}
	if _, err := s.AddEvidence(ctx, analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_public"}); errs.CodeOf(err) != errs.CodeConflict {
		t.Errorf("second link of one record: %v", err)
	}
	toAZ, err := s.AddEvidence(ctx, analyst, p, EvidenceLinkInput{RecordKind: "exchange", RecordID: "exc_toaz"})
	if err != nil {
		t.Fatal(err)
	}
	if !toAZ.At.Equal(time.Date(2021, 6, 12, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("at without a time given: %s, want the service clock", toAZ.At)
	}
	for _, c := range []struct {
		who  access.Principal
		want []string
	}{{analyst, []string{toAZ.ID, pub.ID}}, {liaisonAZ, []string{toAZ.ID, pub.ID}}, {liaisonAM, []string{pub.ID}}, {access.Anonymous, []string{pub.ID}}} {
		page, err := s.ListEvidence(ctx, c.who, p, store.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range page.Items {
			got = append(got, l.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s sees %v, want %v (newest first)", c.who.Username+c.who.Org, got, c.want)
		}
		n, err := s.CountEvidence(ctx, c.who, p)
		if err != nil || n != len(c.want) {
			t.Errorf("count %d %v, want %d", n, err, len(c.want))
		}
		if _, err := s.GetEvidence(ctx, c.who, toAZ.ID); (len(c.want) == 2) != (err == nil) {
			t.Errorf("get restricted link: %v", err)
		}
	}

	// A status event cites a link of its own provision, not another's.
	other := must[Provision](t)(s.CreateProvision(ctx, actor, ProvisionInput{AgreementID: f.agr.ID, Number: "8", Summary: "Exchange of detainees."}))
	if _, err := s.AddProvisionStatus(ctx, actor, other.ID, other.Version, StatusInput{Status: StatusInProgress, At: "2021-01-01T00:00:00Z",
		Evidence: []Evidence{{Kind: EvidenceLinkRef, Ref: pub.ID}}}); errs.FieldOf(err) != "evidence[0].ref" {
		t.Errorf("status citing another provision's link: %v", err)
	}
	cur := must[Provision](t)(s.GetProvision(ctx, actor, p))
	if _, err := s.AddProvisionStatus(ctx, actor, p, cur.Version, StatusInput{Status: StatusInProgress, At: "2021-01-01T00:00:00Z",
		Evidence: []Evidence{{Kind: EvidenceLinkRef, Ref: pub.ID}}}); err != nil {
		t.Errorf("status citing its link: %v", err)
	}
	mustVerify(t, db)
}

func FuzzEvidenceLinkInput(f *testing.F) {
	for _, s := range []string{
		`{"record_kind":"exchange","record_id":"exc_0123456789abcdefghjk","note":"All for all.\nFirst exchange.","at":"2020-12-14T12:00:00+04:00"}`,
		`{"record_kind":"statement","record_id":"stm_x"}`,
		`{"record_kind":"transit_restriction","record_id":"trs_a-b","at":"2020-12-14"}`,
		`{"record_kind":"_x","record_id":"x"}`,
		`{"record_kind":"incident","record_id":"inc_1","note":"\u202e"}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2021, 6, 12, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckStrictInput(t, data, func(in EvidenceLinkInput) (EvidenceLinkBody, error) { return in.body("prv_x", now) }, storetest.Projection(projections(), EntityEvidenceLink))
	})
}
