package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/detainee"
)

// demoExchanges are the public exchanges of SCENARIO.md: date, who handed
// over how many to whom, and the mediators. The persons are fictitious:
// each gets an illustrative record (capture, registration, an ICRC visit,
// consent confirmed two days before) so that the exchange can be applied
// as any other would be.
var demoExchanges = []struct {
	key        string // as SCENARIO.md dates it
	at         string
	toAM, toAZ int
	mediators  []string
	place      string
	allForAll  bool
	dayGuessed bool // the public report gives only the month
	captured   string
	note       string
}{
	{"2020-12-14", "2020-12-14T12:00:00Z", 44, 12, []string{"PKF"}, "handed over by the peacekeeping commander", true, false, "2020-10-20T00:00:00Z",
		`"All for all" exchange: 44 people to Armenia, 12 to Azerbaijan.`},
	{"2021-02", "2021-02-15T12:00:00Z", 5, 1, nil, "", false, true, "2020-12-20T00:00:00Z",
		"5 people returned to Armenia and 1 to Azerbaijan in February 2021 (the day is illustrative)."},
	{"2021-06-12", "2021-06-12T12:00:00Z", 15, 0, []string{"GE", "US", "EU", "OSCE"}, "Azerbaijan–Georgia border", false, false, "2020-12-21T00:00:00Z",
		"15 Armenian detainees released in exchange for maps of about 97,000 anti-tank and anti-personnel mines in Aghdam district; mediated by Georgia with US, EU and OSCE support."},
	{"2021-07-03", "2021-07-03T12:00:00Z", 15, 0, []string{"RU"}, "", false, false, "2020-12-22T00:00:00Z",
		"15 more released for maps of about 92,000 mines in Fuzuli and Zangilan districts, Russian mediation."},
	{"2021-12-04", "2021-12-04T12:00:00Z", 10, 0, []string{"RU"}, "", false, false, "2020-12-23T00:00:00Z",
		"10 servicemen handed over with further mine maps, Russian mediation."},
	{"2021-12-19", "2021-12-19T12:00:00Z", 10, 0, []string{"EU"}, "", false, false, "2020-12-24T00:00:00Z",
		"10 servicemen handed over, EU mediation."},
}

// stillHeld is how many fictitious servicemen the demo leaves held by
// Azerbaijan after the last exchange (the statement of 31 August 2021 urges
// the release of "the remaining" ones; their number here is illustrative).
const stillHeld = 5

// loadDetainees registers the fictitious persons in one transaction,
// applies the exchanges in date order and records the remains figures of
// December 2020.
func loadDetainees(ctx context.Context, svc *detainee.Service, l *Loaded) error {
	// The loader acts as a humanitarian officer of the ICRC, who alone may
	// record visits and consent.
	p := access.Principal{UserID: Actor.User, Username: Actor.User, Org: l.Orgs["ICRC"], OrgKind: "humanitarian",
		Roles: []access.Role{access.Humanitarian}, Via: Actor.Via}
	az, am := l.Orgs["AZ"], l.Orgs["AM"]
	type group struct {
		key        string
		from, to   string
		n          int
		captured   time.Time
		consentFor time.Time // zero: no consent recorded
	}
	var groups []group
	for _, x := range demoExchanges {
		at := mustTime(x.at)
		groups = append(groups, group{x.key + "/AM", az, am, x.toAM, mustTime(x.captured), at.Add(-48 * time.Hour)},
			group{x.key + "/AZ", am, az, x.toAZ, mustTime(x.captured), at.Add(-48 * time.Hour)})
	}
	groups = append(groups, group{"held/AM", az, am, stillHeld, mustTime("2020-12-25T00:00:00Z"), time.Time{}})
	var ins []detainee.PersonInput
	seq := 0
	for _, g := range groups {
		for i := range g.n {
			seq++
			captured := g.captured.Add(time.Duration(i) * time.Hour)
			in := detainee.PersonInput{
				Identity: detainee.Identity{Surname: fmt.Sprintf("Fictitious-%03d", seq), FirstNames: "Illustrative Person", Rank: "private",
					ServiceNumber: fmt.Sprintf("DEMO-%05d", seq), DateOfBirth: fmt.Sprintf("199%d-0%d-1%d", seq%10, 1+seq%9, seq%10),
					PersonToInform: "Fictitious relative", PersonToInformAddress: "An illustrative address"},
				Category: "prisoner_of_war", HeldBy: g.from, Nationality: g.to, CapturedAt: captured.Format(time.RFC3339),
				AgreementID: l.Agreement, Illustrative: true,
				Events: []detainee.EventInput{
					{Kind: "registered", At: captured.Add(24 * time.Hour).Format(time.RFC3339)},
					{Kind: "visited", By: l.Orgs["ICRC"], At: captured.Add(10 * 24 * time.Hour).Format(time.RFC3339)},
				},
			}
			if !g.consentFor.IsZero() {
				in.Events = append(in.Events, detainee.EventInput{Kind: "consent_confirmed", At: g.consentFor.Format(time.RFC3339)})
			}
			ins = append(ins, in)
		}
	}
	persons, err := svc.RegisterPersons(ctx, p, ins)
	if err != nil {
		return fmt.Errorf("detainees: %w", err)
	}
	next := 0
	take := func(g group) []string {
		ids := make([]string, g.n)
		for i := range ids {
			ids[i] = persons[next].ID
			next++
		}
		l.Detainees[g.key] = ids
		return ids
	}
	for i, x := range demoExchanges {
		toAM, toAZ := take(groups[2*i]), take(groups[2*i+1])
		// Every one of them was publicly reported: public, though the
		// persons' ids stay with readers who may read the persons.
		in := detainee.ExchangeInput{At: x.at, PlaceName: x.place, AllForAll: x.allForAll, Note: x.note, Illustrative: x.dayGuessed,
			Classification: string(access.Public)}
		for _, m := range x.mediators {
			in.Mediators = append(in.Mediators, l.Orgs[m])
		}
		if len(toAM) > 0 {
			in.Moves = append(in.Moves, detainee.MoveInput{FromSide: az, ToSide: am, Persons: toAM})
		}
		if len(toAZ) > 0 {
			in.Moves = append(in.Moves, detainee.MoveInput{FromSide: am, ToSide: az, Persons: toAZ})
		}
		rec, err := svc.RecordExchange(ctx, p, in)
		if err != nil {
			return fmt.Errorf("exchange %s: %w", x.key, err)
		}
		l.Exchanges[x.key] = rec.ID
	}
	take(groups[len(groups)-1])

	// More than 600 bodies recovered, about 500 needing DNA, 135 identified
	// by 5 December 2020: only the totals are public, so two aggregated
	// records carry them; how the 135 split between the two is illustrative.
	for _, r := range []detainee.RemainsInput{
		{Count: 500, RecoveredAt: "2020-12-05T00:00:00Z", Identification: &detainee.IdentificationInput{Method: "dna", Identified: 35, At: "2020-12-05T00:00:00Z"},
			Illustrative: true, Note: "Public figure: about 500 of the more than 600 bodies recovered by December 2020 needed DNA identification. Recovery date: by 5 December 2020."},
		{Count: 100, RecoveredAt: "2020-12-05T00:00:00Z", Identification: &detainee.IdentificationInput{Method: "visual", Identified: 100, At: "2020-12-05T00:00:00Z"},
			Illustrative: true, Note: "The rest of the more than 600 recovered; with the record above, 135 identified by 5 December 2020 (public figure)."},
	} {
		rec, err := svc.RecordRemains(ctx, p, r)
		if err != nil {
			return fmt.Errorf("remains: %w", err)
		}
		l.Remains = append(l.Remains, rec.ID)
	}
	return nil
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
