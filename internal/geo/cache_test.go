package geo

import (
	"context"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

// The layers cache sees a layer written through another handle on the
// same database (another server, or a CLI command beside one) at once.
func TestLayersCacheSeesOtherServersWrites(t *testing.T) {
	s, db := newService(t)
	other, err := store.Open(context.Background(), db.Dir(), storetest.Database(t, db.Dir())...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	writer := New(other, nil)
	ctx := context.Background()
	p, at := Point{40.10, 46.85}, time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	loc, err := s.locate(ctx, nil, p, at)
	if err != nil || len(loc.Zones) != 0 {
		t.Fatalf("before: %+v, %v", loc.Zones, err)
	}
	zone, err := writer.CreateLayer(ctx, testActor, validZone())
	if err != nil {
		t.Fatal(err)
	}
	loc, err = s.locate(ctx, nil, p, at)
	if err != nil || len(loc.Zones) != 1 || loc.Zones[0].ID != zone.ID {
		t.Fatalf("after the other handle wrote zone %s: zones %+v, %v", zone.ID, loc.Zones, err)
	}
}
