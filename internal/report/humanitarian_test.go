package report_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/report"
)

// liaison is a party's liaison officer, as the demo's accounts would be.
func (f *fixture) liaison(side string) access.Principal {
	return access.Principal{UserID: "test-liaison-" + side, Username: "liaison-" + side, Org: f.loaded.Orgs[side], OrgKind: "side",
		Roles: []access.Role{access.Liaison}, Via: "session"}
}

// personal fails if out holds anything that identifies a detained person:
// the demo's fictitious identities or a person's pseudonymous id.
func personal(t *testing.T, name string, out []byte) {
	t.Helper()
	for _, s := range []string{"Fictitious-", "Illustrative Person", `"det_`, ">det_", ",det_"} {
		if strings.Contains(string(out), s) {
			t.Errorf("%s shows personal data (%q)", name, s)
		}
	}
}

// The daily report of 12 June 2021 shows the exchange of 15 detainees
// mediated by Georgia and the handover of the records of about 97,000
// mines, read from the registries; no edition names a person.
func TestDailyHumanitarianFromRegistries(t *testing.T) {
	f := open(t)
	day := report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionMission}
	for _, reader := range []struct {
		name string
		p    access.Principal
	}{
		{"analyst", f.as(access.Analyst)},
		{"liaison of Azerbaijan", f.liaison("AZ")},
		{"liaison of Armenia", f.liaison("AM")},
	} {
		t.Run(reader.name, func(t *testing.T) {
			rep := f.generate(t, reader.p, day)
			h := rep.Humanitarian
			if h == nil || !h.Available {
				t.Fatalf("humanitarian section: %+v", h)
			}
			if len(h.Exchanges) != 1 {
				t.Fatalf("exchanges: %+v", h.Exchanges)
			}
			x := h.Exchanges[0]
			if x.ID != f.loaded.Exchanges["2021-06-12"] || x.ToSide["Republic of Armenia"] != 15 || len(x.ToSide) != 1 || !strings.HasPrefix(x.Mediator, "Georgia") {
				t.Errorf("exchange: %+v", x)
			}
			if len(h.Handovers) != 1 || h.Handovers[0].Mines != 97000 || h.Handovers[0].From != "Republic of Armenia" || !strings.HasPrefix(h.Handovers[0].Mediator, "Georgia") {
				t.Errorf("handovers: %+v", h.Handovers)
			}
			if len(h.Releases) != 0 {
				t.Errorf("releases outside an exchange on the day of an exchange: %+v", h.Releases)
			}
			for _, format := range []string{report.FormatJSON, report.FormatHTML, report.FormatCSV} {
				personal(t, format, render(t, rep, format))
			}
		})
	}
	// The public edition shows only what anyone may read: the exchange
	// and the handover were publicly reported and are public records; the
	// restricted minefield record the handover lists is not counted.
	t.Run("public", func(t *testing.T) {
		rep := f.generate(t, access.Anonymous, report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionPublic})
		h := rep.Humanitarian
		if h == nil || !h.Available || len(h.Releases)+len(h.Remains) != 0 {
			t.Fatalf("public humanitarian section: %+v", h)
		}
		if len(h.Exchanges) != 1 || h.Exchanges[0].ToSide["Republic of Armenia"] != 15 || !strings.HasPrefix(h.Exchanges[0].Mediator, "Georgia") {
			t.Errorf("public exchanges: %+v", h.Exchanges)
		}
		if len(h.Handovers) != 1 || h.Handovers[0].Mines != 97000 || h.Handovers[0].Records != 0 {
			t.Errorf("public handovers: %+v", h.Handovers)
		}
		for _, format := range []string{report.FormatJSON, report.FormatHTML, report.FormatCSV} {
			personal(t, format, render(t, rep, format))
		}
	})
	// The day before had neither.
	rep := f.generate(t, f.as(access.Analyst), report.Request{Kind: report.KindDaily, Date: "2021-06-11", Edition: report.EditionMission})
	if n := len(rep.Humanitarian.Exchanges) + len(rep.Humanitarian.Handovers); n != 0 {
		t.Errorf("11 June shows the exchange or handover of 12 June: %+v", rep.Humanitarian)
	}
}

// The implementation report lists the exchanges the demo links to
// provision 8 as registry evidence, up to the day it is as of.
func TestImplementationEvidenceFromRegistries(t *testing.T) {
	f := open(t)
	provision := func(rep *report.Report, number string) report.ProvisionLine {
		t.Helper()
		for _, p := range rep.Implementation.Provisions {
			if p.Number == number {
				return p
			}
		}
		t.Fatalf("no provision %s", number)
		return report.ProvisionLine{}
	}
	exchanges := func(p report.ProvisionLine) map[string]bool {
		out := map[string]bool{}
		for _, e := range p.Evidence {
			if e.Kind == "exchange" && e.Source == "registry" {
				out[e.Ref] = true
			}
		}
		return out
	}
	req := report.Request{Kind: report.KindImplementation, Agreement: f.loaded.Agreement, Date: "2021-06-12", Edition: report.EditionMission}
	rep := f.generate(t, f.as(access.Analyst), req)
	got := exchanges(provision(rep, "8"))
	want := 0
	for d, id := range f.loaded.Exchanges {
		if d <= "2021-06-12" {
			want++
			if !got[id] {
				t.Errorf("the exchange of %s (%s) is not evidence of provision 8: %+v", d, id, provision(rep, "8").Evidence)
			}
		} else if got[id] {
			t.Errorf("the exchange of %s, after the report's date, is evidence", d)
		}
	}
	if want == 0 || len(got) != want {
		t.Errorf("provision 8 has %d exchanges as evidence, want %d", len(got), want)
	}
	js, _ := json.Marshal(rep)
	personal(t, "implementation", js)

	// Anyone reads the public edition: the demo's exchanges were publicly
	// reported, as was the returns figure linked to provision 7.
	req.Edition = report.EditionPublic
	pub := f.generate(t, access.Anonymous, req)
	if got := exchanges(provision(pub, "8")); len(got) != want {
		t.Errorf("public edition shows %d public exchanges, want %d", len(got), want)
	}
	if ev := provision(pub, "7").Evidence; len(ev) != 1 || ev[0].Kind != "return_movement" {
		t.Errorf("public evidence of provision 7: %+v", ev)
	}
}
