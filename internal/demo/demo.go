// Package demo loads the built-in scenario: the trilateral statement of
// 9 November 2020 on Nagorno-Karabakh, its parties and guarantors, the
// places with each side's names, an illustrative line of contact, the
// Lachin corridor and the joint monitoring centre with observation posts.
//
// Public facts are entered as such; everything invented to make the demo
// work (the line, the posts, the zone, some status events) is flagged
// illustrative. People in the demo are fictitious.
package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
)

// Actor is who the demo's records are attributed to.
var Actor = store.Actor{User: "demo-loader", Org: "", Via: "system"}

// Loader is the principal that writes the demo's reference data
// (organisations, the agreement, places, layers): the actor above with the
// roles those writes need.
var Loader = access.Principal{UserID: Actor.User, Username: Actor.User, Via: Actor.Via, Roles: []access.Role{access.Admin, access.CoChair}}

// Loaded names the records the demo created, for the command to print and
// for tests.
type Loaded struct {
	Orgs       map[string]string // short key -> organisation id
	Agreement  string
	Provisions map[string]string // number -> id
	Places     map[string]string // English key -> id
	Layers     map[string]string // key -> id
	Accounts   []Account         // one per role, two liaisons
	// Exchanges: SCENARIO.md date ("2020-12-14", "2021-02", ...) -> id;
	// Detainees: "<date>/<receiving side>" and "held/AM" -> person ids;
	// Remains: the aggregated remains records.
	Exchanges map[string]string
	Detainees map[string][]string
	Remains   []string
	// Records names other registry records for the evidence links:
	// "handover/<date>", "return/aggregate", "transit/closure",
	// "crossing/<n>" -> id.
	Records map[string]string
}

// Account is a demo account with its password, printed at start.
type Account struct {
	Username string
	Password string
	Role     access.Role
	Org      string // organisation short key
	ID       string
}

// Services are what the demo writes through.
type Services struct {
	Agreements *agreement.Service
	Geo        *geo.Service
	Accounts   *account.Service
	Incidents  *incident.Service
	Statements *statement.Service
	Mines      *mines.Service
	Detainees  *detainee.Service
	Returns    *returns.Service
	Transit    *transit.Service
}

// accounts are the demo's people: one account per role, and a liaison for
// each side. Their passwords are new random ones each time.
var accounts = []struct {
	username, display string
	role              access.Role
	org               string
}{
	{"admin", "Demo administrator", access.Admin, "JMC"},
	{"cochair", "Demo co-chair", access.CoChair, "JMC"},
	{"monitor", "Demo monitor", access.Monitor, "JMC"},
	{"analyst", "Demo analyst", access.Analyst, "JMC"},
	{"liaison-az", "Demo liaison officer (Azerbaijan)", access.Liaison, "AZ"},
	{"liaison-am", "Demo liaison officer (Armenia)", access.Liaison, "AM"},
	{"humanitarian", "Demo humanitarian officer", access.Humanitarian, "ICRC"},
	{"observer", "Demo observer", access.Observer, "OSCE"},
}

// Load writes the scenario through the domain services, so that every
// record passes the same validation and the same log as any other.
func Load(ctx context.Context, s Services) (*Loaded, error) {
	l := &Loaded{Orgs: map[string]string{}, Provisions: map[string]string{}, Places: map[string]string{}, Layers: map[string]string{},
		Exchanges: map[string]string{}, Detainees: map[string][]string{}, Records: map[string]string{}}
	for _, o := range organisations {
		rec, err := s.Agreements.CreateOrganisation(ctx, Loader, o.in)
		if err != nil {
			return nil, fmt.Errorf("organisation %s: %w", o.key, err)
		}
		l.Orgs[o.key] = rec.ID
	}
	ids := func(keys ...string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = l.Orgs[k]
		}
		return out
	}
	ag, err := s.Agreements.CreateAgreement(ctx, Loader, agreement.AgreementInput{
		Title:       "Statement by the President of the Republic of Azerbaijan, the Prime Minister of the Republic of Armenia and the President of the Russian Federation",
		SignedAt:    "2020-11-09T00:00:00Z",
		InForceAt:   "2020-11-09T21:00:00Z",
		Signatories: ids("AZ", "AM", "RU"),
		Parties:     ids("AZ", "AM"),
		Summary:     "Trilateral statement on a complete ceasefire and cessation of all hostilities in the zone of the Nagorno-Karabakh conflict, in force from 00:00 Moscow time on 10 November 2020. Signed on 9 November 2020 (the signing time is recorded to the day).",
	})
	if err != nil {
		return nil, fmt.Errorf("agreement: %w", err)
	}
	l.Agreement = ag.ID
	for _, p := range provisions {
		in := p.in
		in.AgreementID = ag.ID
		in.Obligated = ids(p.obligated...)
		rec, err := s.Agreements.CreateProvision(ctx, Loader, in)
		if err != nil {
			return nil, fmt.Errorf("provision %s: %w", in.Number, err)
		}
		for _, ev := range p.events {
			if rec, err = s.Agreements.AddProvisionStatus(ctx, Loader, rec.ID, rec.Version, ev); err != nil {
				return nil, fmt.Errorf("provision %s status: %w", in.Number, err)
			}
		}
		l.Provisions[in.Number] = rec.ID
	}
	for _, p := range places {
		in := geo.PlaceInput{Kind: p.kind, Location: &geo.Point{Lat: p.lat, Lon: p.lon}, Illustrative: p.illustrative}
		for _, n := range append(slices.Clone(p.names), arabicNames[p.key]...) {
			party := ""
			if n.party != "" {
				party = l.Orgs[n.party]
			}
			in.Names = append(in.Names, geo.PlaceName{Lang: n.lang, Party: party, Name: n.name})
		}
		rec, err := s.Geo.CreatePlace(ctx, Loader, in)
		if err != nil {
			return nil, fmt.Errorf("place %s: %w", p.key, err)
		}
		l.Places[p.key] = rec.ID
	}
	if s.Accounts != nil {
		// Password hashing is deliberately slow; hash on every core.
		l.Accounts = make([]Account, len(accounts))
		errc := make(chan error, len(accounts))
		for i, a := range accounts {
			go func() {
				pw := account.GeneratePassword()
				u, _, err := s.Accounts.CreateUser(ctx, account.Operator(Actor), account.UserInput{Username: a.username, DisplayName: a.display, Org: l.Orgs[a.org], Roles: []access.Role{a.role}}, pw)
				if err != nil {
					errc <- fmt.Errorf("account %s: %w", a.username, err)
					return
				}
				l.Accounts[i] = Account{Username: a.username, Password: pw, Role: a.role, Org: a.org, ID: u.ID}
				errc <- nil
			}()
		}
		for range accounts {
			if err := <-errc; err != nil {
				return nil, err
			}
		}
	}
	for _, ly := range layers(l.Orgs) {
		rec, err := s.Geo.CreateLayer(ctx, Loader, ly.in)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", ly.key, err)
		}
		l.Layers[ly.key] = rec.ID
	}
	if s.Incidents != nil {
		if err := loadIncidents(ctx, s.Incidents, l); err != nil {
			return nil, err
		}
	}
	if err := loadStatements(ctx, s, l); err != nil {
		return nil, err
	}
	if s.Detainees != nil {
		if err := loadDetainees(ctx, s.Detainees, l); err != nil {
			return nil, err
		}
	}
	if err := loadMines(ctx, s.Mines, l, l.Exchanges); err != nil {
		return nil, err
	}
	if err := loadReturns(ctx, s.Returns, l); err != nil {
		return nil, err
	}
	if err := loadTransit(ctx, s.Transit, l); err != nil {
		return nil, err
	}
	if s.Detainees != nil && s.Mines != nil && s.Returns != nil && s.Transit != nil {
		if err := linkEvidence(ctx, s, l); err != nil {
			return nil, err
		}
	}
	if err := loadReportDay(ctx, s, l); err != nil {
		return nil, err
	}
	return l, nil
}
