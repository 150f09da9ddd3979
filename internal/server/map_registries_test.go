package server_test

import (
	"net/http"
	"testing"
)

// TestMapRegistryLayers: the map's hazard_areas layer carries the hazard
// areas and the minefield records a reader may see, and the checkpoints
// carry their status at the view's time from the transit registry (the
// demo closes the checkpoint past Lachin on 1 March 2021 from 06:00 to
// 13:30 UTC).
func TestMapRegistryLayers(t *testing.T) {
	s := start(t)
	lachin := s.loaded.Layers["op-corridor-3"]
	view := func(role, query string) mapView {
		t.Helper()
		res := s.with(role).do("GET", "/api/v1/map/features?bbox=45.6,38.9,47.9,40.7&zoom=8"+query, "")
		if res.status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", role, query, res.status, res.body)
		}
		var v mapView
		res.json(t, &v)
		return v
	}
	kinds := func(v mapView) map[string]int {
		n := map[string]int{}
		for _, f := range v.Layers["hazard_areas"].Features {
			n[f.Properties["kind"].(string)]++
			if f.Geometry.Type != "Polygon" {
				t.Errorf("hazard_areas: a %s geometry", f.Geometry.Type)
			}
		}
		return n
	}

	t.Run("hazard areas and minefields, filtered by the policy", func(t *testing.T) {
		analyst := kinds(view("analyst", "&layers=hazard_areas"))
		if analyst["hazard_area"] == 0 || analyst["minefield"] != 1 {
			t.Errorf("analyst: %v, want hazard areas and the demo's minefield record", analyst)
		}
		// The demo's minefield record is restricted to the monitoring centre.
		if observer := kinds(view("observer", "&layers=hazard_areas")); observer["minefield"] != 0 || observer["hazard_area"] == 0 {
			t.Errorf("observer: %v, want hazard areas and no restricted minefield", observer)
		}
		// A view elsewhere holds none.
		res := s.with("analyst").do("GET", "/api/v1/map/features?bbox=10,10,11,11&zoom=8&layers=hazard_areas", "")
		var far mapView
		res.json(t, &far)
		if n := len(far.Layers["hazard_areas"].Features); n != 0 {
			t.Errorf("a view far away: %d features", n)
		}
	})

	t.Run("checkpoint status at the view's time", func(t *testing.T) {
		status := func(query string) string {
			t.Helper()
			for _, f := range view("observer", "&layers=sites"+query).Layers["sites"].Features {
				if f.Properties["id"] == lachin {
					s, _ := f.Properties["status"].(string)
					return s
				}
			}
			t.Fatalf("%s: no checkpoint %s", query, lachin)
			return ""
		}
		for _, c := range []struct{ query, want string }{
			{"&to=2021-03-01T10:00:00Z", "closed"},
			{"&to=2021-03-01T15:00:00Z", "open"},
			{"&day=2021-02-20", "open"},
		} {
			if got := status(c.query); got != c.want {
				t.Errorf("%s: status %q, want %q", c.query, got, c.want)
			}
		}
	})
}
