package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/incident"
)

// The review queue without a browser: a report with no proposal starts a
// new incident; another is attached to it through the finder (a GET form);
// the decision is undone and taken again; every decision is on the
// incident's timeline, read by the API, with who; the sealed incident
// offers the co-chair reopening only, on the page and through the API.
func TestReviewPagesNoDeadEnd(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	lodge := func(hour string) string {
		return s.post(t, "liaison-az", "POST", "/api/v1/allegations", fmt.Sprintf(`{"source_kind":"side","on_behalf_of":%q,"alleged_perpetrator":%q,"category":"small_arms_fire",`+
			`"location":{"point":{"lat":40.35,"lon":46.55},"precision":"exact"},"time":{"start":"2021-08-21T%s:00:00Z"},"narrative":"Fire far north. (test)","reported_at":"2021-08-21T%s:30:00Z"}`, az, am, hour, hour), http.StatusCreated).ID
	}
	first, second := lodge("02"), lodge("03")

	analyst := s.browser(t, "analyst")
	queue := analyst.get("/review")
	if queue.status != http.StatusOK || !strings.Contains(queue.body, `value="new_incident|allegation|`+second+`|"`) {
		t.Fatalf("the queue offers no new incident for %s: %d", second, queue.status)
	}
	form := hidden(queue.body)
	res := analyst.post("/review", url.Values{"csrf": {form.Get("csrf")}, "one": {"new_incident|allegation|" + second + "|"}})
	incPath := res.location
	if res.status != http.StatusSeeOther || !strings.HasPrefix(incPath, "/incidents/") || strings.Contains(incPath, "?") || res.notice != "review.done.new_incident" {
		t.Fatalf("new incident: %d %q %q", res.status, res.location, res.notice)
	}
	incID := strings.TrimPrefix(incPath, "/incidents/")
	if p := analyst.get(res.location); !strings.Contains(p.body, "A new incident was opened") || !strings.Contains(p.body, `role="status"`) {
		t.Errorf("no confirmation on the new incident's page")
	}
	if p := analyst.get(res.location); strings.Contains(p.body, `role="status"`) {
		t.Errorf("the confirmation is shown again when the page is read again")
	}

	find := analyst.get("/review?report=allegation:" + first + "&q=&day=2021-08-21&category=small_arms_fire")
	attach := "accept|allegation|" + first + "|" + incID
	if !strings.Contains(find.body, `value="`+attach+`"`) {
		t.Fatalf("the finder does not offer the new incident:\n%s", find.body)
	}
	decide := func() string {
		t.Helper()
		res := analyst.post("/review", url.Values{"csrf": {form.Get("csrf")}, "one": {attach}})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/review?rev=") || res.notice != "review.done.accept" {
			t.Fatalf("attach: %d %q %q", res.status, res.location, res.notice)
		}
		u, _ := url.Parse(res.location)
		p := analyst.get(res.location)
		if !strings.Contains(p.body, "The report was attached to the incident.") || !strings.Contains(p.body, `id="undo-last"`) {
			t.Fatalf("no confirmation with an undo after attaching")
		}
		return u.Query().Get("rev")
	}
	rev := decide()
	res = analyst.post("/review/undo", url.Values{"csrf": {form.Get("csrf")}, "review_id": {rev}, "back": {"/review"}})
	if res.status != http.StatusSeeOther || res.location != "/review" || res.notice != "review.done.undo" {
		t.Fatalf("undo: %d %q %q", res.status, res.location, res.notice)
	}
	// An address elsewhere is not followed.
	decide()
	res = analyst.post("/review/undo", url.Values{"csrf": {form.Get("csrf")}, "review_id": {rev}, "back": {"https://evil.example/"}})
	if res.status == http.StatusSeeOther {
		t.Fatalf("undoing an undone decision: %d %q", res.status, res.location)
	}

	var timeline []incident.TimelineEvent
	s.with("analyst").do("GET", "/api/v1/incidents/"+incID+"/timeline", "").json(t, &timeline)
	var seen []string
	for i, ev := range timeline {
		if i > 0 && ev.At.Before(timeline[i-1].At) {
			t.Errorf("timeline out of order at %d: %v", i, timeline)
		}
		if ev.Kind == incident.EventReview || ev.Kind == incident.EventUndo {
			seen = append(seen, ev.Kind+":"+ev.Decision+":"+ev.ByName)
		}
	}
	want := "review:new_incident:analyst review:accept:analyst undo:accept:analyst review:accept:analyst"
	if strings.Join(seen, " ") != want {
		t.Errorf("decisions on the timeline %q, want %q", strings.Join(seen, " "), want)
	}
	if timeline[0].Kind != incident.EventOccurred || timeline[0].At.Format("2006-01-02T15") != "2021-08-21T02" {
		t.Errorf("the timeline does not open with the event: %+v", timeline[0])
	}

	// Investigate, find, close: then the page and the API offer the
	// co-chair reopening only, and others nothing.
	inc := s.post(t, "analyst", "GET", "/api/v1/incidents/"+incID, "", http.StatusOK)
	v := inc.Version
	for _, step := range []struct{ who, body string }{
		{"analyst", `{"to":"preliminary_review"}`}, {"analyst", `{"to":"under_investigation"}`},
		{"analyst", `{"to":"finding","finding":{"outcome":"inconclusive","attribution":"undetermined","reliability":"C","credibility":3,"summary":"Unclear. (test)"}}`},
		{"cochair", `{"to":"closed"}`},
	} {
		v = s.post(t, step.who, "POST", "/api/v1/incidents/"+incID+"/transition", step.body, http.StatusOK, ifMatch(v)...).Version
	}
	for _, c := range []struct {
		who   string
		steps int
	}{{"cochair", 1}, {"analyst", 0}, {"monitor", 0}, {"liaison-az", 0}} {
		var o incident.Offers
		s.with(c.who).do("GET", "/api/v1/incidents/"+incID+"/offers", "").json(t, &o)
		if len(o.Steps) != c.steps || o.Note || o.Split || o.AttachFile || o.AttachReport || o.Undo {
			t.Errorf("%s: offers on a sealed incident %+v", c.who, o)
		}
	}
	page := s.browser(t, "cochair").get("/incidents/" + incID)
	for _, absent := range []string{`id="note-form"`, `/split"`, `id="attach-report"`, `class="undo"`, `action="/attachments`, `id="to-finding"`} {
		if strings.Contains(page.body, absent) {
			t.Errorf("the sealed incident's page offers %s", absent)
		}
	}
	if !strings.Contains(page.body, `id="to-under_investigation"`) || !strings.Contains(page.body, "Reopen") {
		t.Errorf("the co-chair is not offered reopening")
	}
	if p := analyst.get("/incidents/" + incID); strings.Contains(p.body, `id="workflow"`) {
		t.Errorf("an analyst is offered a step on a sealed incident")
	}

	// A liaison may not decide, through the API either.
	third := lodge("04")
	s.post(t, "liaison-az", "POST", "/api/v1/review", `{"decision":"new_incident","report_kind":"allegation","report_id":"`+third+`"}`, http.StatusForbidden)
}

// The demo's timelines read in the scenario's time (June 2021), not the
// time the demo was loaded: decisions carry their own times.
func TestDemoTimelineInEventTime(t *testing.T) {
	s := start(t)
	var list struct {
		Items []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
	}
	s.with("analyst").do("GET", "/api/v1/incidents?limit=100", "").json(t, &list)
	checked := 0
	for _, inc := range list.Items {
		if !strings.Contains(inc.Title, "(illustrative)") {
			continue
		}
		var timeline []incident.TimelineEvent
		s.with("analyst").do("GET", "/api/v1/incidents/"+inc.ID+"/timeline", "").json(t, &timeline)
		for _, ev := range timeline {
			if ev.At.Year() != 2021 {
				t.Errorf("%s: %s at %v, not in the scenario's time", inc.Title, ev.Kind, ev.At)
			}
			if ev.Kind == incident.EventStatus && ev.ByName == "" {
				t.Errorf("%s: a step without who took it: %+v", inc.Title, ev)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("the demo has no incident")
	}
}

// Decisions taken at once are confirmed by their count, in the plural
// form of the reader's language, once, with nothing in the address.
func TestReviewBulkConfirmationCounts(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	lodge := func(hour string) string {
		return s.post(t, "liaison-az", "POST", "/api/v1/allegations", fmt.Sprintf(`{"source_kind":"side","on_behalf_of":%q,"alleged_perpetrator":%q,"category":"small_arms_fire",`+
			`"location":{"point":{"lat":40.36,"lon":46.56},"precision":"exact"},"time":{"start":"2021-08-22T%s:00:00Z"},"narrative":"Fire in the hills. (test)","reported_at":"2021-08-22T%s:30:00Z"}`, az, am, hour, hour), http.StatusCreated).ID
	}
	a, b := lodge("02"), lodge("03")
	analyst := s.browser(t, "analyst")
	form := hidden(analyst.get("/settings").body)
	form.Set("to", "ru")
	form.Set("next", "/review")
	if p := analyst.post("/lang", form); p.status != http.StatusSeeOther {
		t.Fatalf("language: %d", p.status)
	}
	csrf := hidden(analyst.get("/review").body).Get("csrf")
	res := analyst.post("/review", url.Values{"csrf": {csrf}, "decision": {incident.DecisionNew},
		"pick": {"allegation|" + a + "|", "allegation|" + b + "|"}})
	if res.status != http.StatusSeeOther || res.location != "/review" || res.notice != "review.done.n" {
		t.Fatalf("bulk: %d %q %q %s", res.status, res.location, res.notice, res.body)
	}
	if p := analyst.get("/review"); !strings.Contains(p.body, `role="status">Записано 2 решения.`) {
		t.Errorf("no counted confirmation in Russian")
	}
	if p := analyst.get("/review"); strings.Contains(p.body, `role="status"`) {
		t.Errorf("the confirmation is shown again")
	}
}
