package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Regression tests for the need-to-know findings of issue 13: each failed
// on the build before the fix.

// TestHistoryWithholdsIdentity: the history page printed every version of
// a detainee's record whole — identity included — to every signed-in
// account, while the API's history withheld it (finding 1). Both now go
// through one read, and the same readers get the same answer.
func TestHistoryWithholdsIdentity(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	const surname, birthplace, inform = "Canarysurname-h1", "Canarybirthplace-h1", "Canaryinform-h1"
	res := s.with("humanitarian").do("POST", "/api/v1/detainees", fmt.Sprintf(`{"identity":{"surname":%q,"first_names":"Test","place_of_birth":%q,"person_to_inform":%q},
		"category":"prisoner_of_war","held_by":%q,"nationality":%q,"captured_at":"2020-11-12T10:00:00Z","capture_place":{"lat":39.8,"lon":46.75}}`,
		surname, birthplace, inform, az, am))
	if res.status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.status, res.body)
	}
	var person struct{ ID string }
	res.json(t, &person)

	// Readers of identity: humanitarian officers, the detaining side, the
	// side of nationality. Everyone else reads the record without it.
	entitled := map[string]bool{"humanitarian": true, "liaison-az": true, "liaison-am": true}
	for _, user := range []string{"admin", "cochair", "monitor", "analyst", "observer", "humanitarian", "liaison-az", "liaison-am"} {
		b := s.browser(t, user)
		pg := b.get("/history/detainee/" + person.ID)
		api := s.with(user).do("GET", "/api/v1/history/detainee/"+person.ID, "")
		if pg.status != http.StatusOK || api.status != http.StatusOK {
			t.Fatalf("%s: history page %d, API %d", user, pg.status, api.status)
		}
		for _, canary := range []string{surname, birthplace, inform} {
			if got := strings.Contains(pg.body, canary); got != entitled[user] {
				t.Errorf("%s: history page shows %s: %v, want %v", user, canary, got, entitled[user])
			}
			if got := strings.Contains(string(api.body), canary); got != entitled[user] {
				t.Errorf("%s: history API shows %s: %v, want %v", user, canary, got, entitled[user])
			}
		}
	}
}

// TestFormsListOnlyReadablePlaces: a liaison of side B opening the lodging
// form saw the names of places restricted to side A, from a cache of
// places filled without the reader's filter (finding 2).
func TestFormsListOnlyReadablePlaces(t *testing.T) {
	s := start(t)
	az := s.loaded.Orgs["AZ"]
	const name = "Canaryplace-f2"
	// The centre's analyst records a place that only the centre and side A
	// may read.
	res := s.with("analyst").do("POST", "/api/v1/places", fmt.Sprintf(`{"kind":"landmark","names":[{"lang":"en","name":%q}],
		"location":{"lat":39.9,"lon":46.8},"classification":"restricted","restricted_to":[%q]}`, name, az))
	if res.status != http.StatusCreated {
		t.Fatalf("create place: %d %s", res.status, res.body)
	}
	for user, want := range map[string]bool{"liaison-az": true, "monitor": true, "liaison-am": false, "observer": false, "humanitarian": false} {
		b := s.browser(t, user)
		for _, path := range []string{"/allegations/new", "/observations/new", "/map", "/"} {
			pg := b.get(path)
			if got := strings.Contains(pg.body, name); got && !want {
				t.Errorf("%s: %s names a place restricted to another organisation", user, path)
			}
		}
		if want {
			if pg := b.get("/allegations/new"); !strings.Contains(pg.body, name) {
				t.Errorf("%s: the lodging form lacks its own organisation's place", user)
			}
		}
	}
}

// TestNotesAreForStaff: investigation notes (tasks, site visits, interviews
// with their author) lived in the incident's body, so every liaison and
// observer who read the incident read them (finding 4). A note is now for
// the centre's staff unless written for the whole mission.
func TestNotesAreForStaff(t *testing.T) {
	s := start(t)
	res := s.with("monitor").do("POST", "/api/v1/incidents", `{"title":"Canary incident","category":"heavy_weapons_fire","location":{"point":{"lat":39.8,"lon":46.9},"radius_m":500},
		"time":{"start":"2021-01-05T10:00:00Z","end":"2021-01-05T11:00:00Z"}}`)
	if res.status != http.StatusCreated {
		t.Fatalf("open incident: %d %s", res.status, res.body)
	}
	var inc struct {
		ID      string
		Version int64
	}
	res.json(t, &inc)
	res = s.with("monitor").do("POST", "/api/v1/incidents/"+inc.ID+"/transition", `{"to":"preliminary_review"}`, "If-Match", fmt.Sprintf(`"%d"`, inc.Version))
	if res.status != http.StatusOK {
		t.Fatalf("transition: %d %s", res.status, res.body)
	}
	res.json(t, &inc)
	const staffNote, missionNote = "Canarystaffnote-n4 interview of a witness", "Canarymissionnote-n4 site visit planned"
	for _, n := range []struct{ text, class string }{{staffNote, ""}, {missionNote, "mission"}} {
		body := fmt.Sprintf(`{"kind":"interview","text":%q`, n.text)
		if n.class != "" {
			body += fmt.Sprintf(`,"classification":%q`, n.class)
		}
		res = s.with("monitor").do("POST", "/api/v1/incidents/"+inc.ID+"/notes", body+"}", "If-Match", fmt.Sprintf(`"%d"`, inc.Version))
		if res.status != http.StatusOK {
			t.Fatalf("note: %d %s", res.status, res.body)
		}
		res.json(t, &inc)
	}
	if res := s.with("monitor").do("POST", "/api/v1/incidents/"+inc.ID+"/notes", `{"kind":"interview","text":"x","classification":"secret"}`,
		"If-Match", fmt.Sprintf(`"%d"`, inc.Version)); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"field":"classification"`) {
		t.Errorf("a note with an unknown classification: %d %s", res.status, res.body)
	}
	staff := map[string]bool{"monitor": true, "analyst": true, "cochair": true}
	for _, user := range []string{"admin", "cochair", "monitor", "analyst", "liaison-az", "liaison-am", "humanitarian", "observer"} {
		b := s.browser(t, user)
		for _, path := range []string{"/api/v1/incidents/" + inc.ID, "/api/v1/incidents?limit=500", "/api/v1/incidents/" + inc.ID + "/sides", "/api/v1/history/incident/" + inc.ID} {
			res := s.with(user).do("GET", path, "")
			if res.status != http.StatusOK {
				t.Fatalf("%s %s: %d", user, path, res.status)
			}
			if got := strings.Contains(string(res.body), staffNote); got != staff[user] {
				t.Errorf("%s %s: staff note shown %v, want %v", user, path, got, staff[user])
			}
			if !strings.Contains(string(res.body), missionNote) {
				t.Errorf("%s %s: the note for the whole mission is missing", user, path)
			}
		}
		for _, path := range []string{"/incidents/" + inc.ID, "/history/incident/" + inc.ID} {
			pg := b.get(path)
			if got := strings.Contains(pg.body, "Canarystaffnote-n4"); got != staff[user] {
				t.Errorf("%s %s: staff note shown %v, want %v", user, path, got, staff[user])
			}
		}
	}
}

// TestFormsARoleMayNotUseAreForbidden: an observer was shown the whole
// lodging form although it may not lodge (finding 9).
func TestFormsARoleMayNotUseAreForbidden(t *testing.T) {
	s := start(t)
	cases := []struct {
		user, path string
		want       int
	}{
		{"observer", "/allegations/new", http.StatusForbidden},
		{"observer", "/observations/new", http.StatusForbidden},
		{"admin", "/allegations/new", http.StatusForbidden},
		{"liaison-az", "/observations/new", http.StatusForbidden},
		{"liaison-az", "/allegations/new", http.StatusOK},
		{"monitor", "/observations/new", http.StatusOK},
	}
	for _, c := range cases {
		pg := s.browser(t, c.user).get(c.path)
		if pg.status != c.want {
			t.Errorf("%s GET %s: %d, want %d", c.user, c.path, pg.status, c.want)
		}
		if c.want == http.StatusForbidden && strings.Contains(pg.body, `name="narrative"`) {
			t.Errorf("%s GET %s: the refusal shows the form", c.user, c.path)
		}
	}
}
