package demo

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/returns"
)

// demoPrincipal acts as a demo account; without accounts (a loader that
// creates none) the user id is the account's name.
func demoPrincipal(l *Loaded, username string) access.Principal {
	p := access.Principal{UserID: "demo-" + username, Username: username, Via: "system"}
	for _, a := range accounts {
		if a.username != username {
			continue
		}
		p = access.Principal{UserID: "demo-" + username, Username: username, Org: l.Orgs[a.org], Roles: []access.Role{a.role}, Via: "system"}
		for _, acc := range l.Accounts {
			if acc.Username == username {
				p.UserID = acc.ID
			}
		}
	}
	return p
}

// loadReturns records the peacekeepers' public returns figure as one
// aggregate movement, then a few illustrative movements after it (so that
// totals never count the same people twice) and monitoring visits, one of
// whose follow-ups is overdue.
func loadReturns(ctx context.Context, svc *returns.Service, l *Loaded) error {
	if svc == nil {
		return nil
	}
	humanitarian, monitor := demoPrincipal(l, "humanitarian"), demoPrincipal(l, "monitor")
	// The public fact. The bulletin gives no destinations: the figure is
	// counted at Khankendi/Stepanakert, where the corridor ends, and the
	// record says so.
	aggregate, err := svc.RecordMovement(ctx, monitor, returns.MovementInput{
		Date: "2021-02-08T00:00:00Z", Since: "2020-11-14T00:00:00Z", OriginText: "Armenia (not broken down in the source)",
		DestinationPlaceID: l.Places["Khankendi"], Total: 52351, Kind: returns.KindMixed,
		Source:     "Russian peacekeepers' daily bulletin, as of 8 February 2021 (public)",
		Note:       "People who returned since 14 November 2020, as the peacekeepers counted them; the bulletin gives no breakdown by destination, sex or age, so the figure is kept here against Khankendi/Stepanakert, the corridor's end.",
		LabelInput: access.LabelInput{Classification: "public"},
	})
	if err != nil {
		return fmt.Errorf("returns figure: %w", err)
	}
	type movement struct {
		key, date, dest, kind   string
		women, men, girls, boys int64
	}
	illustrative := []movement{
		{"mov-martakert", "2021-02-15T10:00:00Z", "Aghdara", returns.KindOrganised, 41, 33, 18, 20},
		{"mov-martuni", "2021-02-22T11:30:00Z", "Khojavend", returns.KindOrganised, 27, 22, 9, 12},
		{"mov-askeran", "2021-03-03T09:00:00Z", "Khojaly", returns.KindSpontaneous, 6, 5, 3, 2},
	}
	ids := map[string]string{"aggregate": aggregate.ID}
	l.Records["return/aggregate"] = aggregate.ID
	for _, m := range illustrative {
		in := returns.MovementInput{Date: m.date, OriginText: "Yerevan (illustrative)", DestinationPlaceID: l.Places[m.dest], Kind: m.kind,
			People: []returns.PeopleCount{{Sex: "female", Age: "18-59", Count: m.women}, {Sex: "male", Age: "18-59", Count: m.men},
				{Sex: "female", Age: "5-17", Count: m.girls}, {Sex: "male", Age: "5-17", Count: m.boys}},
			Total: m.women + m.men + m.girls + m.boys, Illustrative: true, Note: "An invented movement to show the register (illustrative)."}
		if m.kind == returns.KindOrganised {
			in.EscortOrg, in.VerifiedBy = l.Orgs["PKF"], l.Orgs["UNHCR"]
		}
		rec, err := svc.RecordMovement(ctx, humanitarian, in)
		if err != nil {
			return fmt.Errorf("movement %s: %w", m.key, err)
		}
		ids[m.key] = rec.ID
	}
	first, err := svc.RecordVisit(ctx, humanitarian, returns.VisitInput{MovementID: ids["mov-martakert"], Date: "2021-03-15T10:00:00Z",
		Findings: []returns.Finding{
			{Topic: "documentation", Rating: "some_concern", Note: "Several families lack birth certificates for children born while displaced. (illustrative)"},
			{Topic: "shelter", Rating: "serious_concern", Note: "Roofs damaged; families share two houses. (illustrative)"},
			{Topic: "access_to_services", Rating: "no_concern"},
		},
		FollowUpDue: "2021-04-15T00:00:00Z", Team: "Demo humanitarian team (illustrative)", Illustrative: true})
	if err != nil {
		return fmt.Errorf("visit: %w", err)
	}
	if _, err := svc.RecordVisit(ctx, humanitarian, returns.VisitInput{MovementID: ids["mov-martakert"], Date: "2021-04-12T10:00:00Z", FollowsUp: first.ID,
		Findings: []returns.Finding{
			{Topic: "shelter", Rating: "some_concern", Note: "Roofs repaired on one of the two houses. (illustrative)"},
			{Topic: "livelihoods", Rating: "serious_concern", Note: "Fields near the village not yet surveyed for mines. (illustrative)"},
		},
		Team: "Demo humanitarian team (illustrative)", Illustrative: true}); err != nil {
		return fmt.Errorf("follow-up visit: %w", err)
	}
	// Its follow-up was never made: it reads as overdue.
	if _, err := svc.RecordVisit(ctx, humanitarian, returns.VisitInput{MovementID: ids["mov-martuni"], Date: "2021-03-20T09:00:00Z",
		Findings: []returns.Finding{
			{Topic: "protection_risks", Rating: "serious_concern", Note: "Returnees report unexploded ordnance near the school. (illustrative)"},
			{Topic: "access_to_services", Rating: "some_concern", Note: "The clinic opens two days a week. (illustrative)"},
		},
		FollowUpDue: "2021-04-20T00:00:00Z", Team: "Demo humanitarian team (illustrative)", Illustrative: true}); err != nil {
		return fmt.Errorf("visit: %w", err)
	}
	return nil
}
