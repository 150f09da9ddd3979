package server_test

import (
	"fmt"
	"net/http"
	"testing"
)

// Over HTTP: bad input answers problem+json naming the field and writes
// nothing; a crossing at a closed checkpoint is recorded and flagged; the
// demo's returns figure is in the totals.
func TestReturnsAndTransitOverHTTP(t *testing.T) {
	s := start(t)
	orgs, places, layers := s.loaded.Orgs, s.loaded.Places, s.loaded.Layers
	before := s.peopleChanges()
	bad := []struct{ name, path, body, field string }{
		{"return counts not adding up to the total", "/api/v1/returns", fmt.Sprintf(`{"date":"2021-05-01T10:00:00Z","destination_place_id":%q,`+
			`"people":[{"sex":"female","age":"18-59","count":3},{"sex":"male","age":"60+","count":2}],"total":6,"kind":"spontaneous"}`, places["Khojaly"]), "total"},
		{"a negative count", "/api/v1/returns", fmt.Sprintf(`{"date":"2021-05-01T10:00:00Z","destination_place_id":%q,`+
			`"people":[{"sex":"female","age":"18-59","count":-3}],"total":1,"kind":"spontaneous"}`, places["Khojaly"]), "people[0].count"},
		{"a future date", "/api/v1/returns", fmt.Sprintf(`{"date":"2999-05-01T10:00:00Z","destination_place_id":%q,"total":1,"kind":"spontaneous"}`, places["Khojaly"]), "date"},
		{"an unknown direction", "/api/v1/crossings", fmt.Sprintf(`{"at":"2021-06-01T10:00:00Z","checkpoint_id":%q,"direction":"north","people":1,"vehicles":0}`, layers["op-corridor-1"]), "direction"},
		{"a restriction that ends before it starts", "/api/v1/transit-restrictions", fmt.Sprintf(`{"kind":"closure","corridor_id":%q,"reason":"r",`+
			`"start":"2021-06-02T00:00:00Z","end":"2021-06-01T00:00:00Z"}`, layers["corridor"]), "end"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			res := s.with("monitor").do("POST", c.path, c.body)
			var p struct{ Code, Field string }
			res.json(t, &p)
			if res.status != http.StatusBadRequest || p.Code != "invalid" || p.Field != c.field {
				t.Fatalf("%d %s, want 400 invalid at %s", res.status, res.body, c.field)
			}
		})
	}
	if n := s.peopleChanges(); n != before {
		t.Fatalf("bad input wrote %d changes", n-before)
	}

	s.post(t, "monitor", "POST", "/api/v1/transit-restrictions", fmt.Sprintf(`{"kind":"closure","checkpoint_id":%q,"reason":"Road works.","by_org":%q,`+
		`"start":"2021-09-01T06:00:00Z"}`, layers["op-corridor-2"], orgs["PKF"]), http.StatusCreated)
	res := s.with("monitor").do("POST", "/api/v1/crossings", fmt.Sprintf(`{"at":"2021-09-01T09:00:00Z","checkpoint_id":%q,"direction":"towards_start",`+
		`"people":3,"vehicles":1}`, layers["op-corridor-2"]))
	var crossing struct{ Flags []string }
	res.json(t, &crossing)
	if res.status != http.StatusCreated || len(crossing.Flags) != 1 || crossing.Flags[0] != "checkpoint_closed" {
		t.Fatalf("crossing at a closed checkpoint: %d %s", res.status, res.body)
	}
	var status struct {
		Status       string
		Restrictions []struct{ ID string }
	}
	res = s.with("observer").do("GET", "/api/v1/corridor/status?at=2021-09-01T09:00:00Z&checkpoint_id="+layers["op-corridor-2"], "")
	res.json(t, &status)
	if status.Status != "closed" || len(status.Restrictions) != 1 {
		t.Fatalf("checkpoint status: %s", res.body)
	}
	var totals []struct {
		Key    string
		People int64
	}
	res = s.with("observer").do("GET", "/api/v1/returns/totals?group=month&from=2021-02-01T00:00:00Z&to=2021-03-01T00:00:00Z", "")
	res.json(t, &totals)
	if len(totals) != 1 || totals[0].Key != "2021-02" || totals[0].People != 52351+112+70 {
		t.Fatalf("February 2021: %s", res.body)
	}
}
