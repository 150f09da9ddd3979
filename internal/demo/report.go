package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// loadReportDay gives the daily report of 12 June 2021 something to
// report, published as public so that the public edition shows it too:
// mutual allegations of mortar fire on the night of 11 to 12 June, the
// monitors' observation of it, the incident opened on it, a patrol delayed
// at a checkpoint, and the public fact of that day — 15 detainees released
// for maps of about 97,000 mines in Aghdam district — as a status event of
// provision 8. Everything but that fact is illustrative.
func loadReportDay(ctx context.Context, s Services, l *Loaded) error {
	if s.Incidents == nil {
		return nil
	}
	as := func(username string) access.Principal {
		for _, a := range accounts {
			if a.username != username {
				continue
			}
			p := access.Principal{UserID: "demo-" + username, Username: username, Org: l.Orgs[a.org], Roles: []access.Role{a.role}, Via: "system", OrgKind: "monitoring_centre"}
			if a.role == access.Liaison {
				p.OrgKind = "side"
			}
			for _, acc := range l.Accounts {
				if acc.Username == username {
					p.UserID = acc.ID
				}
			}
			return p
		}
		panic("demo: no account " + username)
	}
	public := access.LabelInput{Classification: string(access.Public)}
	var members []string
	for _, a := range []struct{ user, side, against, start, end, narrative string }{
		{"liaison-az", "AZ", "AM", "2021-06-11T22:40:00Z", "2021-06-11T23:30:00Z",
			"Mortar fire from Armenian positions at our positions east of Khojaly; no casualties. (illustrative)"},
		{"liaison-am", "AM", "AZ", "2021-06-11T22:45:00Z", "2021-06-11T23:40:00Z",
			"Azerbaijani units shelled positions near Askeran with mortars; a shelter was damaged. (illustrative)"},
	} {
		rec, err := s.Incidents.LodgeAllegation(ctx, as(a.user), incident.AllegationInput{
			SourceKind: incident.SourceSide, OnBehalfOf: l.Orgs[a.side], AllegedPerpetrator: l.Orgs[a.against], Category: "heavy_weapons_fire",
			Location:  incident.LocationInput{Point: &geo.Point{Lat: 39.945, Lon: 46.875}, Precision: incident.PrecisionNearPlace},
			Time:      incident.TimeInput{Start: a.start, End: a.end},
			Narrative: a.narrative, Reliability: "C", Credibility: 3, LabelInput: public,
			ReportedAt: after(a.end, 90*time.Minute),
		})
		if err != nil {
			return fmt.Errorf("report day allegation: %w", err)
		}
		members = append(members, rec.ID)
	}
	from, to := 120.0, 150.0
	obs, err := s.Incidents.RecordObservation(ctx, as("monitor"), incident.ObservationInput{
		Observer: incident.Observer{Kind: "post", Position: geo.Point{Lat: 39.960, Lon: 46.850}},
		Kind:     "impact", Count: 6, BearingFrom: &from, BearingTo: &to, DistanceMinM: 1000, DistanceMaxM: 4000,
		Perception: "heard", Time: incident.TimeInput{Start: "2021-06-11T22:50:00Z", End: "2021-06-11T23:20:00Z"},
		Note: "Six explosions assessed as impacts, south-east of the post. (illustrative)", LabelInput: public,
	})
	if err != nil {
		return fmt.Errorf("report day observation: %w", err)
	}
	inc, err := s.Incidents.OpenIncident(ctx, as("analyst"), incident.IncidentInput{
		Title: "Mortar fire east of Khojaly, night of 11 to 12 June 2021 (illustrative)", Category: "heavy_weapons_fire",
		Location:    incident.PointRadius{Point: geo.Point{Lat: 39.945, Lon: 46.870}, RadiusM: 3000},
		Time:        incident.TimeInput{Start: "2021-06-11T22:40:00Z", End: "2021-06-11T23:40:00Z"},
		Allegations: members, Observations: []string{obs.ID}, LabelInput: public,
		OpenedAt: "2021-06-12T03:00:00Z",
	})
	if err != nil {
		return fmt.Errorf("report day incident: %w", err)
	}
	if _, err := s.Incidents.Transition(ctx, as("analyst"), inc.ID, inc.Version, incident.TransitionInput{To: incident.PreliminaryReview, At: "2021-06-12T04:00:00Z"}); err != nil {
		return fmt.Errorf("report day incident: %w", err)
	}
	route := geo.Line{{Lat: 39.815, Lon: 46.752}, {Lat: 39.900, Lon: 46.800}, {Lat: 39.936, Lon: 46.830}}
	patrol, err := s.Incidents.RecordPatrol(ctx, as("monitor"), incident.PatrolInput{Team: []string{"Demo monitor"}, Route: route,
		Start: "2021-06-12T05:00:00Z", End: "2021-06-12T11:00:00Z", Note: "Patrol to the site of the night's reported mortar fire. (illustrative)", LabelInput: public})
	if err != nil {
		return fmt.Errorf("report day patrol: %w", err)
	}
	if _, err := s.Incidents.RecordRestriction(ctx, as("monitor"), incident.RestrictionInput{PatrolID: patrol.ID, Kind: "delayed",
		Where: geo.Point{Lat: 39.900, Lon: 46.800}, ByText: "the unit at the checkpoint (illustrative)", Reason: "no instructions received",
		Impact: "the site was reached 90 minutes late", Start: "2021-06-12T06:00:00Z", End: "2021-06-12T07:30:00Z", LabelInput: public}); err != nil {
		return fmt.Errorf("report day restriction: %w", err)
	}
	if id, ok := l.Provisions["8"]; ok {
		p, err := s.Agreements.GetProvision(ctx, Loader, id)
		if err != nil {
			return err
		}
		if _, err := s.Agreements.AddProvisionStatus(ctx, Loader, id, p.Version, agreement.StatusInput{Status: agreement.StatusInProgress, At: "2021-06-12T12:00:00Z",
			Note: "15 detainees released to Armenia in exchange for maps of about 97,000 mines in Aghdam district; mediated by Georgia with US, EU and OSCE support (public reports)."}); err != nil {
			return fmt.Errorf("provision 8 status: %w", err)
		}
	}
	return nil
}
