package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// Every allegation, observation and incident below is invented: the events,
// the times, the places near the illustrative line of contact and the
// counts. Their text says so; none of these records has an illustrative
// flag of its own.

// demoAllegation is an allegation lodged by a side's liaison (key AZ or AM).
type demoAllegation struct {
	key, side, against, category string
	lat, lon                     float64
	start, end                   string
	narrative                    string
	killed, injured              int
}

var demoAllegations = []demoAllegation{
	// Mutual accusations about one exchange of fire on 10 June 2021.
	{"az-0610", "AZ", "AM", "small_arms_fire", 39.935, 46.905, "2021-06-10T01:50:00Z", "2021-06-10T03:30:00Z",
		"Armenian units opened fire with small arms and heavy machine guns on our positions near the line of contact north-east of Askeran; our units did not return fire. (illustrative)", 0, 1},
	{"am-0610", "AM", "AZ", "small_arms_fire", 39.925, 46.895, "2021-06-10T02:00:00Z", "2021-06-10T03:45:00Z",
		"Azerbaijani forces fired at our positions near the line of contact east of Askeran with small arms and a grenade launcher; one serviceman was wounded. (illustrative)", 0, 1},
	// Shelling near Khojavend reported by Azerbaijan, 14 June 2021.
	{"az-0614", "AZ", "AM", "heavy_weapons_fire", 39.790, 47.075, "2021-06-14T18:00:00Z", "2021-06-14T19:30:00Z",
		"Mortar rounds landed near our positions west of Khojavend; no casualties. (illustrative)", 0, 0},
	// A new fortification reported by Armenia near Shusha, 20 June 2021.
	{"am-0620", "AM", "AZ", "new_fortification", 39.765, 46.770, "2021-06-20T06:00:00Z", "2021-06-20T12:00:00Z",
		"Azerbaijani forces dug new trenches east of Shushi, closer to the line of contact than agreed. (illustrative)", 0, 0},
	// A claim not yet looked into, 25 June 2021.
	{"am-0625", "AM", "AZ", "drone_or_air_strike", 39.890, 46.940, "2021-06-25T21:00:00Z", "2021-06-25T22:00:00Z",
		"A drone flew over our positions near the line of contact for about an hour. (illustrative)", 0, 0},
}

type demoObservation struct {
	key                 string
	observerLat, obsLon float64
	kind                string
	count               int
	bearingFrom, to     float64
	minM, maxM          float64
	perception          string
	start, end          string
	note                string
}

var demoObservations = []demoObservation{
	{"obs-0610", 39.950, 46.880, "bursts_small_arms", 14, 110, 150, 500, 3000, "heard", "2021-06-10T02:05:00Z", "2021-06-10T03:20:00Z",
		"Bursts of small-arms and heavy machine-gun fire heard south-east of the post, from both sides of the line. (illustrative)"},
	{"obs-0614", 39.800, 47.040, "impact", 3, 80, 110, 1000, 4000, "heard", "2021-06-14T18:10:00Z", "2021-06-14T18:40:00Z",
		"Three impacts heard east of the post, consistent with 82 mm mortar. (illustrative)"},
	{"obs-0620", 39.758, 46.750, "movement", 2, 70, 100, 500, 2500, "seen", "2021-06-20T09:00:00Z", "2021-06-20T09:30:00Z",
		"An excavator and a truck seen working east of the town. (illustrative)"},
}

// loadIncidents lodges the sides' allegations as their liaisons, records
// the monitors' observations and takes incidents through the workflow as
// the analyst and the co-chair.
func loadIncidents(ctx context.Context, svc *incident.Service, l *Loaded) error {
	// principal acts as a demo account; without accounts (a loader that
	// creates none) the user id is the account's name.
	principal := func(username string) access.Principal {
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
			if a.role == access.Liaison {
				p.OrgKind = "side"
			} else {
				p.OrgKind = "monitoring_centre"
			}
		}
		return p
	}
	liaison := map[string]access.Principal{"AZ": principal("liaison-az"), "AM": principal("liaison-am")}
	monitor, analyst, cochair := principal("monitor"), principal("analyst"), principal("cochair")

	allegations := map[string]string{}
	for _, a := range demoAllegations {
		in := incident.AllegationInput{
			SourceKind: incident.SourceSide, OnBehalfOf: l.Orgs[a.side], AllegedPerpetrator: l.Orgs[a.against], Category: a.category,
			Location:  incident.LocationInput{Point: &geo.Point{Lat: a.lat, Lon: a.lon}, Precision: incident.PrecisionNearPlace},
			Time:      incident.TimeInput{Start: a.start, End: a.end},
			Narrative: a.narrative, Reliability: "C", Credibility: 3,
			// The liaison reported it two hours after it ended.
			ReportedAt: after(a.end, 2*time.Hour),
		}
		if a.injured > 0 {
			in.Casualties = &incident.CasualtiesInput{}
			in.Casualties.Injured.Military = append(in.Casualties.Injured.Military, struct {
				Side string `json:"side"`
				incident.EstimateInput
			}{Side: l.Orgs[a.side], EstimateInput: incident.EstimateInput{Best: a.injured}})
		}
		rec, err := svc.LodgeAllegation(ctx, liaison[a.side], in)
		if err != nil {
			return fmt.Errorf("allegation %s: %w", a.key, err)
		}
		allegations[a.key] = rec.ID
	}
	observations := map[string]string{}
	for _, o := range demoObservations {
		from, to := o.bearingFrom, o.to
		rec, err := svc.RecordObservation(ctx, monitor, incident.ObservationInput{
			Observer: incident.Observer{Kind: "post", Position: geo.Point{Lat: o.observerLat, Lon: o.obsLon}},
			Kind:     o.kind, Count: o.count, BearingFrom: &from, BearingTo: &to, DistanceMinM: o.minM, DistanceMaxM: o.maxM,
			Perception: o.perception, Time: incident.TimeInput{Start: o.start, End: o.end}, Note: o.note,
		})
		if err != nil {
			return fmt.Errorf("observation %s: %w", o.key, err)
		}
		observations[o.key] = rec.ID
	}

	type step struct {
		by   access.Principal
		to   string
		why  string
		note string
		find *incident.FindingInput
	}
	incidents := []struct {
		key          string
		in           incident.IncidentInput
		allegations  []string
		observations []string
		steps        []step
	}{
		{key: "exchange-0610", in: incident.IncidentInput{Title: "Exchange of fire east of Askeran, 10 June 2021 (illustrative)", Category: "small_arms_fire",
			Location: incident.PointRadius{Point: geo.Point{Lat: 39.930, Lon: 46.900}, RadiusM: 3000},
			Time:     incident.TimeInput{Start: "2021-06-10T01:50:00Z", End: "2021-06-10T03:45:00Z"}, Team: []string{"Demo monitor", "Demo analyst"}},
			allegations: []string{"az-0610", "am-0610"}, observations: []string{"obs-0610"},
			steps: []step{
				{by: analyst, to: incident.PreliminaryReview, note: "Both sides allege the other opened fire; the post's log agrees on time and direction. (illustrative)"},
				{by: analyst, to: incident.UnderInvestigation},
				{by: analyst, to: incident.FindingMade, find: &incident.FindingInput{Outcome: incident.Substantiated, Attribution: incident.AttributionBoth,
					Reliability: "B", Credibility: 2, Summary: "Fire was exchanged across the line of contact from both sides; who fired first could not be established. (illustrative)"}},
				{by: cochair, to: incident.Closed},
			}},
		{key: "shelling-0614", in: incident.IncidentInput{Title: "Mortar fire west of Khojavend, 14 June 2021 (illustrative)", Category: "heavy_weapons_fire",
			Location: incident.PointRadius{Point: geo.Point{Lat: 39.795, Lon: 47.070}, RadiusM: 4000},
			Time:     incident.TimeInput{Start: "2021-06-14T18:00:00Z", End: "2021-06-14T19:30:00Z"}},
			allegations: []string{"az-0614"}, observations: []string{"obs-0614"},
			steps: []step{
				{by: analyst, to: incident.PreliminaryReview},
				{by: analyst, to: incident.UnderInvestigation, note: "Site visit requested through both liaisons. (illustrative)"},
			}},
		{key: "fortification-0620", in: incident.IncidentInput{Title: "Reported new trenches east of Shusha, 20 June 2021 (illustrative)", Category: "new_fortification",
			Location: incident.PointRadius{Point: geo.Point{Lat: 39.765, Lon: 46.770}, RadiusM: 2500},
			Time:     incident.TimeInput{Start: "2021-06-20T06:00:00Z", End: "2021-06-20T12:00:00Z"}},
			allegations: []string{"am-0620"}, observations: []string{"obs-0620"}},
	}
	for _, c := range incidents {
		in := c.in
		for _, k := range c.allegations {
			in.Allegations = append(in.Allegations, allegations[k])
		}
		for _, k := range c.observations {
			in.Observations = append(in.Observations, observations[k])
		}
		// Decisions carry the scenario's times, not the loading's: the
		// incident is opened six hours after the event ended and each step
		// is taken a day after the one before, a note an hour after its step.
		in.OpenedAt = after(in.Time.End, 6*time.Hour)
		inc, err := svc.OpenIncident(ctx, analyst, in)
		if err != nil {
			return fmt.Errorf("incident %s: %w", c.key, err)
		}
		for i, st := range c.steps {
			at := after(in.OpenedAt, time.Duration(i+1)*24*time.Hour)
			if inc, err = svc.Transition(ctx, st.by, inc.ID, inc.Version, incident.TransitionInput{To: st.to, Reason: st.why, Finding: st.find, At: at}); err != nil {
				return fmt.Errorf("incident %s to %s: %w", c.key, st.to, err)
			}
			if st.note != "" {
				if inc, err = svc.AddNote(ctx, st.by, inc.ID, inc.Version, incident.NoteInput{Kind: "note", Text: st.note, At: after(at, time.Hour)}); err != nil {
					return fmt.Errorf("incident %s note: %w", c.key, err)
				}
			}
		}
	}
	return nil
}

// after is the RFC 3339 time d after t (an RFC 3339 time of the scenario).
func after(t string, d time.Duration) string {
	at, err := time.Parse(time.RFC3339, t)
	if err != nil {
		panic("demo: bad time " + t)
	}
	return at.Add(d).UTC().Format(time.RFC3339)
}
