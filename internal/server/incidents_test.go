package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// record is what the scenario reads back of any record.
type record struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	Status  string `json:"status"`
}

// post sends body as role and decodes the answer, failing unless it has
// the status.
func (s *testServer) post(t *testing.T, role, method, path, body string, status int, headers ...string) record {
	t.Helper()
	res := s.with(role).do(method, path, body, headers...)
	if res.status != status {
		t.Fatalf("%s %s as %s: %d %s, want %d", method, path, role, res.status, res.body, status)
	}
	var r record
	if status < 300 {
		res.json(t, &r)
	}
	return r
}

func ifMatch(v int64) []string { return []string{"If-Match", fmt.Sprintf(`"%d"`, v)} }

// An event on 15 August 2021 (no demo record falls on that day): each
// side accuses the other, a monitor hears it, an analyst groups the three
// and investigates, the co-chair closes and later reopens.
func TestIncidentScenario(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	allegation := func(side, against, extra string) string {
		return fmt.Sprintf(`{"source_kind":"side","on_behalf_of":%q,"alleged_perpetrator":%q,"category":"small_arms_fire",`+
			`"location":{"point":{"lat":39.93,"lon":46.9},"precision":"exact"},"time":{"start":"2021-08-15T02:00:00Z","end":"2021-08-15T03:00:00Z"},`+
			`"narrative":"Fire at our positions."%s}`, side, against, extra)
	}
	algAZ := s.post(t, "liaison-az", "POST", "/api/v1/allegations",
		allegation(az, am, fmt.Sprintf(`,"casualties":{"killed":{},"injured":{"military":[{"side":%q,"best":1}]}}`, az)), http.StatusCreated)
	algAM := s.post(t, "liaison-am", "POST", "/api/v1/allegations", allegation(am, az, ""), http.StatusCreated)
	obs := s.post(t, "monitor", "POST", "/api/v1/observations", `{"observer":{"kind":"post","position":{"lat":39.95,"lon":46.88}},`+
		`"kind":"bursts_small_arms","count":12,"bearing_from":120,"bearing_to":150,"distance_min_m":500,"distance_max_m":3000,"perception":"heard",`+
		`"time":{"start":"2021-08-15T02:05:00Z","end":"2021-08-15T02:50:00Z"}}`, http.StatusCreated)
	incBody := fmt.Sprintf(`{"title":"Exchange of fire, 15 August 2021","category":"small_arms_fire","location":{"point":{"lat":39.93,"lon":46.9},"radius_m":3000},`+
		`"time":{"start":"2021-08-15T02:00:00Z","end":"2021-08-15T03:00:00Z"},"allegations":[%q,%q],"observations":[%q]}`, algAZ.ID, algAM.ID, obs.ID)
	inc := s.post(t, "analyst", "POST", "/api/v1/incidents", incBody, http.StatusCreated)
	if inc.Status != "received" {
		t.Fatalf("opened at %q", inc.Status)
	}
	path := "/api/v1/incidents/" + inc.ID
	// The members know their incident.
	var member struct {
		IncidentID string `json:"incident_id"`
	}
	s.with("liaison-am").do("GET", "/api/v1/allegations/"+algAZ.ID, "").json(t, &member)
	if member.IncidentID != inc.ID {
		t.Fatalf("allegation's incident_id %q, want %q", member.IncidentID, inc.ID)
	}

	step := func(role, body string, status int) {
		t.Helper()
		r := s.post(t, role, "POST", path+"/transition", body, status, ifMatch(inc.Version)...)
		if status == http.StatusOK {
			inc = r
		}
	}
	step("analyst", `{"to":"preliminary_review"}`, http.StatusOK)
	inc = s.post(t, "monitor", "POST", path+"/notes", `{"kind":"site_visit","text":"Visited the post; the log agrees."}`, http.StatusOK, ifMatch(inc.Version)...)
	step("analyst", `{"to":"under_investigation","team":["Demo monitor"]}`, http.StatusOK)
	step("analyst", `{"to":"finding","finding":{"outcome":"substantiated","attribution":"both","reliability":"B","credibility":2,"summary":"Both sides fired."}}`, http.StatusOK)
	step("monitor", `{"to":"closed"}`, http.StatusForbidden)
	step("cochair", `{"to":"closed"}`, http.StatusOK)
	if inc.Status != "closed" {
		t.Fatalf("status %q after closing", inc.Status)
	}

	// Sealed: no edit, not even by the co-chair.
	s.post(t, "analyst", "PUT", path, incBody, http.StatusConflict, ifMatch(inc.Version)...)
	s.post(t, "cochair", "POST", path+"/notes", `{"kind":"note","text":"Too late."}`, http.StatusConflict, ifMatch(inc.Version)...)

	// Side by side, while the finding is in force.
	var sides struct {
		SideA            string `json:"side_a"`
		SideB            string `json:"side_b"`
		SideAAllegations []struct {
			ID         string `json:"id"`
			OnBehalfOf string `json:"on_behalf_of"`
		} `json:"side_a_allegations"`
		SideBAllegations []struct {
			ID         string `json:"id"`
			OnBehalfOf string `json:"on_behalf_of"`
		} `json:"side_b_allegations"`
		Observations []struct {
			ID string `json:"id"`
		} `json:"observations"`
		Finding *struct {
			Outcome     string `json:"outcome"`
			Attribution string `json:"attribution"`
		} `json:"finding"`
	}
	s.with("liaison-az").do("GET", path+"/sides", "").json(t, &sides)
	if got := []string{sides.SideA, sides.SideB}; !slices.Contains(got, az) || !slices.Contains(got, am) {
		t.Fatalf("sides %v, want %s and %s", got, az, am)
	}
	if len(sides.SideAAllegations) != 1 || sides.SideAAllegations[0].OnBehalfOf != sides.SideA ||
		len(sides.SideBAllegations) != 1 || sides.SideBAllegations[0].OnBehalfOf != sides.SideB {
		t.Fatalf("allegations not kept per side: %+v", sides)
	}
	if len(sides.Observations) != 1 || sides.Observations[0].ID != obs.ID {
		t.Fatalf("observations %+v", sides.Observations)
	}
	if sides.Finding == nil || sides.Finding.Outcome != "substantiated" || sides.Finding.Attribution != "both" {
		t.Fatalf("finding %+v", sides.Finding)
	}

	// Tallies keep each side's claims next to what the mission verified.
	var tallies []struct {
		Key          string         `json:"key"`
		AllegedBy    map[string]int `json:"alleged_by"`
		Observations int            `json:"observations"`
		Observed     int            `json:"observed"`
		Verified     map[string]int `json:"verified"`
	}
	s.with("observer").do("GET", "/api/v1/tallies?from=2021-08-15T00:00:00Z&to=2021-08-16T00:00:00Z&group=day", "").json(t, &tallies)
	if len(tallies) != 1 || tallies[0].Key != "2021-08-15" || tallies[0].AllegedBy[az] != 1 || tallies[0].AllegedBy[am] != 1 ||
		tallies[0].Observations != 1 || tallies[0].Observed != 12 || tallies[0].Verified["both"] != 1 {
		t.Fatalf("tallies %+v", tallies)
	}

	// Only a co-chair reopens, and only with a reason.
	step("monitor", `{"to":"under_investigation","reason":"New evidence."}`, http.StatusForbidden)
	step("cochair", `{"to":"under_investigation"}`, http.StatusBadRequest)
	step("cochair", `{"to":"under_investigation","reason":"New imagery from the post."}`, http.StatusOK)
	if inc.Status != "under_investigation" {
		t.Fatalf("status %q after reopening", inc.Status)
	}
	sides.Finding = nil // decoding leaves members the answer omits
	s.with("analyst").do("GET", path+"/sides", "").json(t, &sides)
	if sides.Finding != nil {
		t.Fatalf("a reopened incident shows no finding in force, got %+v", sides.Finding)
	}

	// Every change is in the history, with who made it.
	var hist struct {
		Versions []struct {
			Version int64  `json:"version"`
			Actor   string `json:"actor"`
			Org     string `json:"org"`
		} `json:"versions"`
	}
	s.with("liaison-am").do("GET", "/api/v1/history/incident/"+inc.ID, "").json(t, &hist)
	want := []string{"analyst", "analyst", "monitor", "analyst", "analyst", "cochair", "cochair"}
	if len(hist.Versions) != len(want) || int64(len(want)) != inc.Version {
		t.Fatalf("history has %d versions, incident at %d; want %d", len(hist.Versions), inc.Version, len(want))
	}
	for i, v := range hist.Versions {
		if v.Version != int64(i+1) || v.Actor != s.account(want[i]).ID || v.Org != s.loaded.Orgs["JMC"] {
			t.Errorf("version %d by %s of %s, want %s", v.Version, v.Actor, v.Org, want[i])
		}
	}
}

func TestIncidentBadInputIsRefusedAndChangesNothing(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	allegation := func(side, against, time, extra string) string {
		return fmt.Sprintf(`{"source_kind":"side","on_behalf_of":%q,"alleged_perpetrator":%q,"category":"small_arms_fire",`+
			`"location":{"point":{"lat":39.93,"lon":46.9},"precision":"exact"},"time":%s,"narrative":"N"%s}`, side, against, time, extra)
	}
	okTime := `{"start":"2021-08-15T02:00:00Z"}`
	observation := func(minM, maxM int) string {
		return fmt.Sprintf(`{"observer":{"kind":"post","position":{"lat":39.95,"lon":46.88}},"kind":"impact","count":1,"bearing_from":120,`+
			`"distance_min_m":%d,"distance_max_m":%d,"perception":"heard","time":{"start":"2021-08-15T02:05:00Z"}}`, minM, maxM)
	}
	inc := s.post(t, "analyst", "POST", "/api/v1/incidents", `{"title":"T","category":"small_arms_fire","location":{"point":{"lat":39.93,"lon":46.9},"radius_m":1000},`+
		`"time":{"start":"2021-08-15T02:00:00Z"}}`, http.StatusCreated)
	alg := s.post(t, "liaison-az", "POST", "/api/v1/allegations", allegation(az, am, okTime, ""), http.StatusCreated)
	cases := []struct {
		name, as, method, path, body string
		headers                      []string
		status                       int
		code, field                  string
	}{
		{"window ends before it starts", "liaison-az", "POST", "/api/v1/allegations",
			allegation(az, am, `{"start":"2021-08-15T03:00:00Z","end":"2021-08-15T02:00:00Z"}`, ""), nil, 400, "invalid", "time.end"},
		{"low casualties above best", "liaison-az", "POST", "/api/v1/allegations",
			allegation(az, am, okTime, `,"casualties":{"killed":{"civilians":{"best":1,"low":3}},"injured":{}}`), nil, 400, "invalid", "casualties.killed.civilians.low"},
		{"liaison lodging in the other side's name", "liaison-am", "POST", "/api/v1/allegations",
			allegation(az, am, okTime, ""), nil, 403, "forbidden", "on_behalf_of"},
		{"liaison lodging as the media", "liaison-am", "POST", "/api/v1/allegations",
			`{"source_kind":"media","lodged_by":"x","alleged_perpetrator":"unknown","category":"other","location":{"point":{"lat":39.9,"lon":46.9},"precision":"exact"},"time":{"start":"2021-08-15T02:00:00Z"},"narrative":"N"}`,
			nil, 403, "forbidden", "source_kind"},
		{"side alleging against itself", "liaison-az", "POST", "/api/v1/allegations", allegation(az, az, okTime, ""), nil, 400, "invalid", "alleged_perpetrator"},
		{"unknown field", "liaison-az", "POST", "/api/v1/allegations", allegation(az, am, okTime, `,"colour":"red"`), nil, 400, "invalid", "colour"},
		{"observation nearer edge beyond the farther", "monitor", "POST", "/api/v1/observations", observation(3000, 500), nil, 400, "invalid", "distance_min_m"},
		{"transition out of order", "analyst", "POST", "/api/v1/incidents/" + inc.ID + "/transition", `{"to":"under_investigation"}`, ifMatch(inc.Version), 409, "conflict", "status"},
		{"transition against a stale version", "analyst", "POST", "/api/v1/incidents/" + inc.ID + "/transition", `{"to":"preliminary_review"}`, ifMatch(inc.Version + 1), 412, "precondition_failed", "If-Match"},
		{"transition without a version", "analyst", "POST", "/api/v1/incidents/" + inc.ID + "/transition", `{"to":"preliminary_review"}`, nil, 428, "precondition_required", "If-Match"},
		{"finding without a finding", "analyst", "POST", "/api/v1/incidents/" + inc.ID + "/transition", `{"to":"finding"}`, ifMatch(inc.Version), 400, "invalid", "finding"},
		{"withdrawal without a version", "liaison-az", "POST", "/api/v1/allegations/" + alg.ID + "/withdraw", `{"reason":"r"}`, nil, 428, "precondition_required", "If-Match"},
		{"list with a bad from", "analyst", "GET", "/api/v1/allegations?from=yesterday", "", nil, 400, "invalid", "from"},
		{"list with to before from", "analyst", "GET", "/api/v1/incidents?from=2021-08-15T00:00:00Z&to=2021-08-01T00:00:00Z", "", nil, 400, "invalid", "to"},
		{"list with a bad bbox", "analyst", "GET", "/api/v1/allegations?bbox=1,2,3", "", nil, 400, "invalid", "bbox"},
		{"list with a bad unlinked", "analyst", "GET", "/api/v1/allegations?unlinked=maybe", "", nil, 400, "invalid", "unlinked"},
		{"observations with a bad bbox", "analyst", "GET", "/api/v1/observations?bbox=a,b,c,d", "", nil, 400, "invalid", "bbox"},
		{"tallies by month", "analyst", "GET", "/api/v1/tallies?from=2021-08-01T00:00:00Z&to=2021-09-01T00:00:00Z&group=month", "", nil, 400, "invalid", "group"},
		{"tallies without a window", "analyst", "GET", "/api/v1/tallies?group=day", "", nil, 400, "invalid", "from"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.peopleChanges()
			res := s.with(tc.as).do(tc.method, tc.path, tc.body, tc.headers...)
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q, status %d, body %s", ct, res.status, res.body)
			}
			var p struct {
				Code  string `json:"code"`
				Field string `json:"field"`
			}
			res.json(t, &p)
			if res.status != tc.status || p.Code != tc.code || p.Field != tc.field {
				t.Errorf("got %d %s field %q (%s); want %d %s field %q", res.status, p.Code, p.Field, res.body, tc.status, tc.code, tc.field)
			}
			if after := s.peopleChanges(); after != before {
				t.Errorf("log grew from %d to %d on bad input", before, after)
			}
		})
	}
}

// The demo holds incidents in several states, built from both sides'
// allegations and the monitors' observations, all flagged illustrative.
func TestDemoIncidents(t *testing.T) {
	s := start(t)
	for _, status := range []string{"received", "under_investigation", "closed"} {
		var page struct {
			Items []struct {
				Title string `json:"title"`
			} `json:"items"`
		}
		s.with("observer").do("GET", "/api/v1/incidents?status="+status, "").json(t, &page)
		if len(page.Items) == 0 {
			t.Errorf("no demo incident at %s", status)
		}
		for _, it := range page.Items {
			if !containsIllustrative(it.Title) {
				t.Errorf("demo incident %q is not flagged illustrative", it.Title)
			}
		}
	}
	for _, side := range []string{"AZ", "AM"} {
		var page struct {
			Items []struct {
				Narrative string `json:"narrative"`
			} `json:"items"`
		}
		s.with("observer").do("GET", "/api/v1/allegations?on_behalf_of="+s.loaded.Orgs[side], "").json(t, &page)
		if len(page.Items) == 0 {
			t.Errorf("no demo allegation from %s", side)
		}
		for _, it := range page.Items {
			if !containsIllustrative(it.Narrative) {
				t.Errorf("demo allegation %q is not flagged illustrative", it.Narrative)
			}
		}
	}
}

func containsIllustrative(s string) bool {
	return len(s) >= len("(illustrative)") && s[len(s)-len("(illustrative)"):] == "(illustrative)"
}

// TestLayerChangePlacesRecordsAgain: a zone drawn through the API around a
// demo allegation appears in that allegation's geography shortly after.
func TestLayerChangePlacesRecordsAgain(t *testing.T) {
	s := start(t)
	var page struct {
		Items []struct {
			ID       string `json:"id"`
			Version  int64  `json:"version"`
			Location struct {
				Point struct{ Lat, Lon float64 } `json:"point"`
			} `json:"location"`
		} `json:"items"`
	}
	s.with("analyst").do("GET", "/api/v1/allegations?limit=1", "").json(t, &page)
	if len(page.Items) == 0 {
		t.Fatal("the demo has no allegation")
	}
	a := page.Items[0]
	lat, lon := a.Location.Point.Lat, a.Location.Point.Lon
	ring := fmt.Sprintf(`[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]`, lon-0.01, lat-0.01, lon+0.01, lat-0.01, lon+0.01, lat+0.01, lon-0.01, lat+0.01, lon-0.01, lat-0.01)
	res := s.with("analyst").do("POST", "/api/v1/layers", `{"kind":"zone","subkind":"buffer","name":"Drawn around","valid_from":"2020-01-01T00:00:00Z","geometry":{"type":"Polygon","coordinates":`+ring+`}}`)
	if res.status != 201 {
		t.Fatalf("create zone: %d %s", res.status, res.body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got := s.with("analyst").do("GET", "/api/v1/allegations/"+a.ID, "")
		if strings.Contains(string(got.body), "Drawn around") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the allegation was not placed in the new zone within 10 s")
}
