package incident

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

// Fusion's index of incidents, built by one server, learns of an incident
// another server (another handle on the database) opened afterwards.
func TestProposalsSeeOtherServersIncidents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other, err := store.Open(ctx, f.db.Dir(), storetest.Database(t, f.db.Dir())...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	agreement.New(other)
	g := geo.New(other, agreement.CheckOrganisation)
	elsewhere := New(other, g, WithClock(func() time.Time { return now }))

	first := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	// The index is built now, with no incident in it.
	if ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, first.ID, 5)); len(ps) != 0 {
		t.Fatalf("proposals before any incident: %+v", ps)
	}
	inc := must[Incident](t)(elsewhere.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Mortar fire", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 2000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z", End: "2021-06-10T04:00:00Z"},
		LabelInput: access.LabelInput{}}))
	ps := must[[]Proposal](t)(f.s.Proposals(ctx, f.monitor, EntityAllegation, first.ID, 5))
	if !slices.Contains(proposed(ps), inc.ID) {
		t.Fatalf("proposals %v: the incident %s opened through the other handle is missing", proposed(ps), inc.ID)
	}
}
