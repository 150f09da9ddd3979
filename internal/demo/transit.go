package demo

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/transit"
)

// loadTransit records illustrative crossings at the corridor's
// (illustrative) checkpoints and one illustrative closure of the
// checkpoint past Lachin, lifted by a reopening; a crossing made while it
// was closed is recorded and flagged.
func loadTransit(ctx context.Context, svc *transit.Service, l *Loaded) error {
	if svc == nil {
		return nil
	}
	monitor := demoPrincipal(l, "monitor")
	// op-corridor-3 lies just past Lachin, op-corridor-4 towards Kornidzor;
	// the corridor's centre line runs from Khankendi to Kornidzor, so
	// towards_end is towards Armenia.
	lachin, kornidzor := l.Layers["op-corridor-3"], l.Layers["op-corridor-4"]
	closure, err := svc.RecordRestriction(ctx, monitor, transit.RestrictionInput{Kind: transit.KindClosure, CheckpointID: lachin,
		Reason: "Road blocked by a landslide; repairs under way. (illustrative)", ByOrg: l.Orgs["PKF"], Start: "2021-03-01T06:00:00Z", Illustrative: true})
	if err != nil {
		return fmt.Errorf("closure: %w", err)
	}
	l.Records["transit/closure"] = closure.ID
	if _, err := svc.RecordRestriction(ctx, monitor, transit.RestrictionInput{Kind: transit.KindReopening, CheckpointID: lachin,
		Reason: "Road cleared. (illustrative)", ByOrg: l.Orgs["PKF"], Start: "2021-03-01T13:30:00Z", Illustrative: true}); err != nil {
		return fmt.Errorf("reopening of %s: %w", closure.ID, err)
	}
	type crossing struct {
		checkpoint, at, direction string
		people, vehicles          int64
		tonnes                    float64
		cargo                     string
		humanitarian              bool
	}
	for i, c := range []crossing{
		{kornidzor, "2021-03-01T08:10:00Z", transit.TowardsStart, 46, 3, 0, "", false},
		{kornidzor, "2021-03-01T09:40:00Z", transit.TowardsStart, 4, 6, 62.5, "food and medicines", true},
		{lachin, "2021-03-01T10:15:00Z", transit.TowardsStart, 2, 1, 0, "", false}, // while closed: flagged
		{lachin, "2021-03-01T15:00:00Z", transit.TowardsEnd, 31, 4, 12, "personal belongings", false},
	} {
		in := transit.CrossingInput{At: c.at, CheckpointID: c.checkpoint, Direction: c.direction, People: c.people, Vehicles: c.vehicles,
			CargoTonnes: c.tonnes, CargoType: c.cargo, Humanitarian: c.humanitarian, EscortOrg: l.Orgs["PKF"], Illustrative: true,
			Note: "An invented crossing to show the register (illustrative)."}
		rec, err := svc.RecordCrossing(ctx, monitor, in)
		if err != nil {
			return fmt.Errorf("crossing %d: %w", i+1, err)
		}
		l.Records[fmt.Sprintf("crossing/%d", i+1)] = rec.ID
	}
	return nil
}
