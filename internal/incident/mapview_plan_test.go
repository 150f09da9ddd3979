package incident

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/geo"
)

// TestMapViewPlans guards the plans the map's figures depend on: a view
// over all time reads only the map index (migration 0015); a view of a
// few days ranges over the (day, lat, lon, ...) index.
func TestMapViewPlansSQLitePlanner(t *testing.T) {
	pgtest.SkipOnPostgres(t)
	f := newFixture(t)
	box := geo.BBox{MinLat: 38.9, MinLon: 45.6, MaxLat: 40.7, MaxLon: 47.9}
	from := time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		q    MapQuery
		want string
	}{
		{"all time", MapQuery{BBox: box, CellDeg: 0.17}, "COVERING INDEX allegations_map"},
		{"a year", MapQuery{BBox: box, CellDeg: 0.17, Window: Window{From: from, To: from.AddDate(1, 0, 0)}}, "COVERING INDEX allegations_map"},
		{"a day", MapQuery{BBox: box, CellDeg: 0.17, Window: Window{From: from, To: from.AddDate(0, 0, 1)}}, "allegations_day_lat_lon"},
	} {
		where, args, _, err := mapWhere(f.liaisonA, c.q, mapTables[MapAllegations])
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.db.Query(context.Background(), "EXPLAIN QUERY PLAN "+mapCellsSQL(f.db.Dialect(), mapTables[MapAllegations], where), append([]any{0.17, 0.17}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "\n"), c.want) {
			t.Errorf("%s: plan does not use %s:\n%s", c.name, c.want, strings.Join(plan, "\n"))
		}
	}
}
