package demo_test

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
)

// TestDemoExchanges loads the demo and checks the exchanges of SCENARIO.md:
// their ids by date, the persons each moved and the counts after them.
func TestDemoExchanges(t *testing.T) {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{Dir: t.TempDir(), Database: pgtest.Database(t, ""), Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	start := time.Now()
	l, err := demo.Load(ctx, demo.Services{Agreements: a.Agreements, Geo: a.Geo, Incidents: a.Incidents, Detainees: a.Detainees})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo without accounts loaded in %v", time.Since(start))
	want := map[string][2]int{"2020-12-14": {44, 12}, "2021-02": {5, 1}, "2021-06-12": {15, 0}, "2021-07-03": {15, 0}, "2021-12-04": {10, 0}, "2021-12-19": {10, 0}}
	reader := access.Principal{UserID: "u", Org: l.Orgs["OSCE"], Roles: []access.Role{access.Observer}, Via: "token"}
	for date, n := range want {
		id := l.Exchanges[date]
		x, err := a.Detainees.GetExchange(ctx, reader, id)
		if err != nil {
			t.Fatalf("exchange %s: %v", date, err)
		}
		if len(l.Detainees[date+"/AM"]) != n[0] || len(l.Detainees[date+"/AZ"]) != n[1] || x.Total != n[0]+n[1] {
			t.Fatalf("exchange %s moved %d, want %v", date, x.Total, n)
		}
	}
	c, err := a.Detainees.Counts(ctx, reader, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if c.ByStatus["repatriated"] != 112 || c.ByHeldBy[l.Orgs["AZ"]]["held"] != 5 {
		t.Fatalf("counts at the start of 2022: %+v", c)
	}
	r, err := a.Detainees.CountRemains(ctx, reader, time.Date(2020, 12, 6, 0, 0, 0, 0, time.UTC))
	if err != nil || r.Recovered != 600 || r.DNA != 500 || r.Identified != 135 {
		t.Fatalf("remains by 6 December 2020: %+v %v", r, err)
	}
}
