package server_test

import (
	"bytes"
	"fmt"
	"math"
	"net/url"
	"testing"
)

// TestMinesThroughTheAPI walks the mine-action registry through the real
// server on the demo: the scenario's handovers and the peacekeepers'
// figures in the summary, a hazard area released step by step, and bad
// input refused with the failing field and nothing changed.
func TestMinesThroughTheAPI(t *testing.T) {
	s := start(t)
	var sum struct {
		ReleasedHa       float64 `json:"released_ha"`
		DevicesDestroyed int64   `json:"devices_destroyed"`
		Districts        []struct {
			District   string  `json:"district"`
			ReleasedHa float64 `json:"released_ha"`
		} `json:"districts"`
		Handovers struct {
			Handovers    int64 `json:"handovers"`
			MinesClaimed int64 `json:"mines_claimed"`
			NotStated    int64 `json:"handovers_without_count"`
		} `json:"handovers"`
	}
	res := s.with("observer").do("GET", "/api/v1/mines/summary", "")
	res.json(t, &sum)
	if res.status != 200 || sum.Handovers.Handovers != 3 || sum.Handovers.MinesClaimed != 189000 || sum.Handovers.NotStated != 1 {
		t.Fatalf("summary: %d %s", res.status, res.body)
	}
	found := false
	for _, d := range sum.Districts {
		if d.District == "Peacekeepers' area of responsibility" && d.ReleasedHa == 1191.3 {
			found = true
		}
	}
	if !found || sum.DevicesDestroyed < 24181 {
		t.Errorf("the peacekeepers' figures are not in the summary: %s", res.body)
	}
	res = s.with("observer").do("GET", "/api/v1/hazard-areas?district="+url.QueryEscape("Peacekeepers' area of responsibility"), "")
	var areas struct {
		Items []struct {
			Status     string  `json:"status"`
			ReleasedM2 float64 `json:"released_m2"`
		} `json:"items"`
	}
	res.json(t, &areas)
	if len(areas.Items) != 1 || areas.Items[0].Status != "cleared" || math.Abs(areas.Items[0].ReleasedM2-11_913_000) > 0.01 {
		t.Errorf("the peacekeepers' aggregate: %s", res.body)
	}
	res = s.with("observer").do("GET", "/api/v1/mines/summary?from=2021-06-01&to=2021-07-01", "")
	res.json(t, &sum)
	if sum.Handovers.Handovers != 1 || sum.Handovers.MinesClaimed != 97000 {
		t.Errorf("June 2021: %s", res.body)
	}

	square := `[{"lat":39.97,"lon":46.95},{"lat":39.97,"lon":46.96},{"lat":39.975,"lon":46.96},{"lat":39.975,"lon":46.95},{"lat":39.97,"lon":46.95}]`
	res = s.with("monitor").do("POST", "/api/v1/hazard-areas", `{"district":"Aghdam","polygon":`+square+`,"evidence":"local_report","recorded_on":"2021-06-01"}`)
	var h struct {
		ID          string  `json:"id"`
		AreaM2      float64 `json:"area_m2"`
		RemainingM2 float64 `json:"remaining_m2"`
		Status      string  `json:"status"`
	}
	res.json(t, &h)
	if res.status != 201 || h.AreaM2 < 400000 || h.AreaM2 > 500000 {
		t.Fatalf("hazard area: %d %s", res.status, res.body)
	}
	path := "/api/v1/hazard-areas/" + h.ID
	res = s.with("monitor").do("POST", path+"/events", fmt.Sprintf(`{"kind":"release","date":"2021-06-10","method":"clearance","area_m2":%v}`, h.AreaM2), "If-Match", `"1"`)
	res.json(t, &h)
	if res.status != 200 || h.Status != "cleared" || h.RemainingM2 != 0 {
		t.Fatalf("clearance: %d %s", res.status, res.body)
	}

	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	minefield := func(refs, perimeter, count string) string {
		return fmt.Sprintf(`{"laid_by":%q,"district":"Aghdam","reference_points":%s,"perimeter":%s,"mines":[{"category":"anti_personnel","model":"PMN-2","count":%s}],"emplacement":"hand","laid_at":"1994-04-15","anti_handling":{"present":false}}`,
			am, refs, perimeter, count)
	}
	twoRefs := `[{"point":{"lat":39.98,"lon":46.94},"description":"Junction"},{"point":{"lat":39.96,"lon":46.97},"description":"Farm"}]`
	oneRef := `[{"point":{"lat":39.98,"lon":46.94},"description":"Junction"}]`
	open := `[{"lat":39.97,"lon":46.95},{"lat":39.97,"lon":46.96},{"lat":39.975,"lon":46.96},{"lat":39.975,"lon":46.95}]`
	bowtie := `[{"lat":39.97,"lon":46.95},{"lat":39.975,"lon":46.96},{"lat":39.97,"lon":46.96},{"lat":39.975,"lon":46.95},{"lat":39.97,"lon":46.95}]`
	fresh := s.with("monitor").do("POST", "/api/v1/hazard-areas", `{"district":"Fuzuli","polygon":`+square+`,"evidence":"local_report","recorded_on":"2021-06-01"}`)
	var freshArea struct{ ID string }
	fresh.json(t, &freshArea)
	cases := []struct {
		name, as, method, path, body string
		headers                      []string
		field                        string
	}{
		{"fewer than two reference points", "liaison-am", "POST", "/api/v1/minefields", minefield(oneRef, square, "10"), nil, "reference_points"},
		{"a perimeter that does not close", "liaison-am", "POST", "/api/v1/minefields", minefield(twoRefs, open, "10"), nil, "perimeter[3]"},
		{"a perimeter that intersects itself", "liaison-am", "POST", "/api/v1/minefields", minefield(twoRefs, bowtie, "10"), nil, "perimeter"},
		{"a negative mine count", "liaison-am", "POST", "/api/v1/minefields", minefield(twoRefs, square, "-3"), nil, "mines[0].count"},
		{"a handover dated in the future", "liaison-am", "POST", "/api/v1/handovers",
			fmt.Sprintf(`{"from_side":%q,"to_side":%q,"date":"2999-01-01","mines_claimed":1}`, am, az), nil, "date"},
		{"a hazard area released by more area than it has", "monitor", "POST", "/api/v1/hazard-areas/" + freshArea.ID + "/events",
			`{"kind":"release","date":"2021-06-10","method":"clearance","area_m2":1e7}`, []string{"If-Match", `"1"`}, "area_m2"},
		{"an unknown status transition", "monitor", "POST", path + "/events", `{"kind":"confirm","date":"2021-06-11"}`, []string{"If-Match", `"2"`}, "kind"},
		{"a summary window that ends before it starts", "monitor", "GET", "/api/v1/mines/summary?from=2021-07-01&to=2021-06-01", "", nil, "to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.peopleChanges()
			res := s.with(tc.as).do(tc.method, tc.path, tc.body, tc.headers...)
			var p struct {
				Code  string `json:"code"`
				Field string `json:"field"`
			}
			res.json(t, &p)
			if res.status != 400 || p.Code != "invalid" || p.Field != tc.field {
				t.Fatalf("got %d %s, want 400 invalid at %s", res.status, res.body, tc.field)
			}
			if after := s.peopleChanges(); after != before {
				t.Fatalf("refused input changed the log: %d -> %d", before, after)
			}
			if bytes.Contains(res.body, []byte("SELECT")) {
				t.Fatalf("internal detail in %s", res.body)
			}
		})
	}
}
