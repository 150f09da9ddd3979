package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
)

// The registries' web forms (issue 16, item 4): each writes through the
// service the API calls, shows the service's refusal next to the field
// with nothing written, and is neither offered nor taken from a reader the
// service refuses.

var recordPath = regexp.MustCompile(`^/(detainees|exchanges|minefields|statements)/([a-z]+_[0-9a-z]+)$`)

// saved checks a PRG answer to a form, led to the record with the
// confirmation forms.done.<done>, and returns the record's id.
func saved(t *testing.T, p page, kind, done string) string {
	t.Helper()
	if p.status != http.StatusSeeOther {
		t.Fatalf("%s: want 303 to the record, got %d: %s", kind, p.status, errorsOf(p.body))
	}
	m := recordPath.FindStringSubmatch(p.location)
	if m == nil || m[1] != kind || p.notice != "forms.done."+done {
		t.Fatalf("%s: redirected to %q with notice %q", kind, p.location, p.notice)
	}
	return m[2]
}

// led checks a PRG answer to a form: to the page path, with the
// confirmation key.
func led(p page, path, key string) bool {
	return p.status == http.StatusSeeOther && p.location == path && p.notice == key
}

var fieldErrorRE = regexp.MustCompile(`<p class="field-error" id="([^"]+)-err">([^<]*)</p>`)

// errorsOf lists a page's field errors as "id: message".
func errorsOf(body string) []string {
	var out []string
	for _, m := range fieldErrorRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+": "+m[2])
	}
	if i := strings.Index(body, `class="error"`); i >= 0 {
		out = append(out, body[i:min(len(body), i+300)])
	}
	return out
}

// refused checks that a form came back with an error next to the field
// whose element id is id.
func refused(t *testing.T, p page, id string) {
	t.Helper()
	if p.status == http.StatusSeeOther || p.status >= 500 {
		t.Fatalf("want the form again, got %d %s", p.status, p.location)
	}
	for _, m := range fieldErrorRE.FindAllStringSubmatch(p.body, -1) {
		if m[1] == id {
			if !strings.Contains(p.body, `aria-describedby="`+id+`-err"`) {
				t.Errorf("field %s: error shown but the field does not point to it", id)
			}
			return
		}
	}
	t.Fatalf("no error next to %s; errors: %q", id, errorsOf(p.body))
}

func analystOf(s *testServer) access.Principal {
	return access.Principal{UserID: "t", Org: s.loaded.Orgs["JMC"], OrgKind: "monitoring_centre", Roles: []access.Role{access.Analyst}}
}

func countPersons(t *testing.T, s *testServer) int {
	t.Helper()
	n, page := 0, store.PageRequest{Limit: store.MaxLimit}
	for {
		ps, err := s.app.Detainees.ListPersons(context.Background(), analystOf(s), detainee.PersonFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		n += len(ps.Items)
		if ps.Next == "" {
			return n
		}
		page.Cursor = ps.Next
	}
}

func TestRegistryFormsDetainees(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	liaison := s.browser(t, "liaison-az")
	person := func(b *browser, surname string) url.Values {
		t.Helper()
		p := b.get("/detainees/new")
		if p.status != 200 {
			t.Fatalf("register form: %d", p.status)
		}
		for _, want := range []string{`name="identity.surname" maxlength="200"`, `type="datetime-local" max="`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("register form lacks %s", want)
			}
		}
		v := hidden(p.body)
		v.Set("identity.surname", surname)
		v.Set("identity.first_names", "Test")
		v.Set("category", "prisoner_of_war")
		v.Set("nationality", am)
		v.Set("captured_at", "2021-06-10T06:30") // as the browser's picker gives it
		return v
	}
	before := countPersons(t, s)

	// Bad input: the form comes back, the error next to its field, nothing written.
	bad := person(liaison, "")
	refused(t, liaison.post("/detainees/new", bad), "f-surname")
	bad = person(liaison, "Formtest")
	bad.Set("nationality", az)
	refused(t, liaison.post("/detainees/new", bad), "f-nationality")
	bad = person(liaison, "Formtest")
	bad.Set("captured_at", "2099-01-01T00:00")
	refused(t, liaison.post("/detainees/new", bad), "f-captured-at")
	if n := countPersons(t, s); n != before {
		t.Fatalf("refused forms wrote %d persons", n-before)
	}

	// Good input: registered in the liaison's side's name, then shown with a notice.
	good := person(liaison, "Formtest")
	res := liaison.post("/detainees/new", good)
	id := saved(t, res, "detainees", "person")
	got, err := s.app.Detainees.GetPerson(context.Background(), analystOf(s), id)
	if err != nil || got.HeldBy != az || got.CapturedAt.UTC().Format("2006-01-02T15:04") != "2021-06-10T06:30" {
		t.Fatalf("registered %+v, %v", got, err)
	}
	// Sent twice (a double click): one record, and the second answer
	// leads to it with the same confirmation.
	if again := liaison.post("/detainees/new", good); !led(again, res.location, "forms.done.person") {
		t.Fatal(again.status, again.location, again.notice)
	}
	if n := countPersons(t, s); n != before+1 {
		t.Fatalf("the form sent twice wrote %d persons", n-before)
	}
	rec := liaison.get(res.location)
	if !strings.Contains(rec.body, `role="status">`+"The person is registered.") {
		t.Errorf("no confirmation on the record")
	}
	// Read once: the record read again has no confirmation.
	if rec := liaison.get(res.location); strings.Contains(rec.body, `role="status"`) {
		t.Errorf("the confirmation is shown again on reload")
	}
	// The liaison's event form offers no consent: that is a humanitarian officer's.
	if !strings.Contains(rec.body, `id="event-form"`) || strings.Contains(rec.body, `value="consent_confirmed"`) {
		t.Errorf("liaison's event form: wrong offer")
	}

	// The other side's liaison is offered no event form and its POST is refused.
	other := s.browser(t, "liaison-am")
	op := other.get("/detainees/" + id)
	if op.status != 200 || strings.Contains(op.body, `id="event-form"`) {
		t.Fatalf("other side: %d, event form offered: %v", op.status, strings.Contains(op.body, `id="event-form"`))
	}
	ov := hidden(op.body)
	ov.Set("kind", "released")
	ov.Set("at", "2021-06-11T08:00")
	ov.Set("version", "1")
	ov.Set("form_key", "other-side-key")
	if p := other.post("/detainees/"+id+"/events", ov); p.status != http.StatusForbidden {
		t.Errorf("other side's event: %d", p.status)
	}

	// Repatriation before consent is refused next to the event's kind.
	hum := s.browser(t, "humanitarian")
	hp := hum.get("/detainees/" + id)
	ev := hidden(hp.body)
	ev.Set("kind", "repatriated")
	ev.Set("at", "2021-06-11T08:00")
	refused(t, hum.post("/detainees/"+id+"/events", ev), "f-kind")
	// Consent by the humanitarian officer.
	hp = hum.get("/detainees/" + id)
	ev = hidden(hp.body)
	ev.Set("kind", "consent_confirmed")
	ev.Set("at", "2021-06-11T08:00")
	if p := hum.post("/detainees/"+id+"/events", ev); !led(p, "/detainees/"+id, "forms.done.event") {
		t.Fatalf("consent: %d %s %s %q", p.status, p.location, p.notice, errorsOf(p.body))
	}

	// The exchange: not offered to a liaison; a co-chair records it.
	if p := liaison.get("/exchanges/new"); p.status != http.StatusForbidden {
		t.Errorf("liaison's exchange form: %d", p.status)
	}
	cochair := s.browser(t, "cochair")
	xp := cochair.get("/exchanges/new?person=" + id)
	if xp.status != 200 || !strings.Contains(xp.body, `value="`+id+`" checked`) {
		t.Fatalf("exchange form: %d, person checked: %v", xp.status, strings.Contains(xp.body, `value="`+id+`" checked`))
	}
	xv := hidden(xp.body)
	xv.Set("at", "2021-06-12T10:00")
	xv.Set("moves[0].from_side", az)
	xv.Set("moves[0].to_side", am)
	xv.Set("moves[0].persons", id)
	xv.Set("classification", "mission")
	// A person not held by the side handing over: refused next to the move's persons.
	wrong := url.Values{}
	for k, v := range xv {
		wrong[k] = v
	}
	wrong.Set("moves[0].from_side", am)
	wrong.Set("moves[0].to_side", az)
	refused(t, cochair.post("/exchanges/new", wrong), "f-persons-0")
	if p, _ := s.app.Detainees.GetPerson(context.Background(), analystOf(s), id); p.Status != detainee.StatusHeld {
		t.Fatalf("a refused exchange changed the person: %s", p.Status)
	}
	xid := saved(t, cochair.post("/exchanges/new", xv), "exchanges", "exchange")
	if p, _ := s.app.Detainees.GetPerson(context.Background(), analystOf(s), id); p.Status != detainee.StatusRepatriated {
		t.Fatalf("after the exchange the person is %s", p.Status)
	}
	if x, err := s.app.Detainees.GetExchange(context.Background(), analystOf(s), xid); err != nil || x.Total != 1 {
		t.Fatalf("exchange %+v %v", x, err)
	}

	// An observer is offered none of these forms and its POSTs are refused.
	obs := s.browser(t, "observer")
	for _, path := range []string{"/detainees/new", "/exchanges/new"} {
		if p := obs.get(path); p.status != http.StatusForbidden {
			t.Errorf("observer GET %s: %d", path, p.status)
		}
		v := hidden(obs.get("/detainees").body)
		v.Set("form_key", "observer-"+path)
		if p := obs.post(path, v); p.status != http.StatusForbidden {
			t.Errorf("observer POST %s: %d", path, p.status)
		}
	}
	if p := obs.get("/detainees"); strings.Contains(p.body, `id="new-person"`) {
		t.Errorf("observer offered the registration")
	}
	if p := liaison.get("/detainees"); !strings.Contains(p.body, `id="new-person"`) {
		t.Errorf("liaison not offered the registration")
	}
}

const perimeterLines = "39.80, 46.70\n39.80, 46.71\n39.81, 46.71\n39.81, 46.70"

func TestRegistryFormsMines(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	liaison := s.browser(t, "liaison-az")
	form := func() url.Values {
		t.Helper()
		p := liaison.get("/minefields/new")
		if p.status != 200 {
			t.Fatalf("minefield form: %d", p.status)
		}
		v := hidden(p.body)
		v.Set("designation", "FORM-1")
		v.Set("district", "Formtest")
		v.Set("laid_at", "2021-05-01")
		v.Set("emplacement", "hand")
		v.Set("perimeter", perimeterLines)
		v.Set("reference_points[0].point.lat", "39.805")
		v.Set("reference_points[0].point.lon", "46.695")
		v.Set("reference_points[0].description", "Bridge")
		v.Set("reference_points[1].point.lat", "39.815")
		v.Set("reference_points[1].point.lon", "46.705")
		v.Set("reference_points[1].description", "Well")
		v.Set("mines[0].category", "anti_personnel")
		v.Set("mines[0].model", "PMN-2")
		v.Set("mines[0].count", "40")
		v.Set("classification", "restricted")
		return v
	}
	count := func() int {
		ms, err := s.app.Mines.ListMinefields(context.Background(), analystOf(s), mines.MinefieldFilter{District: "Formtest"}, store.PageRequest{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(ms.Items)
	}
	bad := form()
	bad.Set("perimeter", "39.80, 46.70\n39.80, 46.71")
	refused(t, liaison.post("/minefields/new", bad), "f-perimeter")
	bad = form()
	bad.Set("perimeter", "39.80, 46.70\nnorth, east")
	refused(t, liaison.post("/minefields/new", bad), "f-perimeter")
	bad = form()
	bad.Set("mines[0].count", "-1")
	refused(t, liaison.post("/minefields/new", bad), "f-mine-0-count")
	bad = form()
	bad.Del("reference_points[1].point.lat")
	bad.Del("reference_points[1].point.lon")
	bad.Del("reference_points[1].description")
	refused(t, liaison.post("/minefields/new", bad), "f-refs")
	if n := count(); n != 0 {
		t.Fatalf("refused forms wrote %d records", n)
	}

	mid := saved(t, liaison.post("/minefields/new", form()), "minefields", "minefield")
	m, err := s.app.Mines.GetMinefield(context.Background(), access.Principal{UserID: "t", Org: az, OrgKind: "side", Roles: []access.Role{access.Liaison}}, mid)
	if err != nil || m.LaidBy != az || len(m.Perimeter) != 5 || m.MinesTotal != 40 || m.AreaM2 <= 0 {
		t.Fatalf("recorded %+v %v", m.MinefieldBody, err)
	}
	// Restricted: the other side cannot read it yet.
	other := s.browser(t, "liaison-am")
	if p := other.get("/minefields/" + mid); p.status != http.StatusNotFound {
		t.Fatalf("the other side reads a restricted record before its handover: %d", p.status)
	}
	// The handover, offered on the record.
	rec := liaison.get("/minefields/" + mid)
	if !strings.Contains(rec.body, `href="/handovers/new?minefield=`+mid+`"`) || !strings.Contains(rec.body, `role="status"`) {
		t.Fatalf("record page: no handover offered or no confirmation")
	}
	hp := liaison.get("/handovers/new?minefield=" + mid)
	if hp.status != 200 || !strings.Contains(hp.body, `value="`+mid+`" checked`) {
		t.Fatalf("handover form: %d", hp.status)
	}
	hv := hidden(hp.body)
	hv.Set("minefield_ids", mid)
	hv.Set("to_side", az) // to itself: refused
	hv.Set("date", "2021-06-12")
	hv.Set("classification", "mission")
	refused(t, liaison.post("/handovers/new", hv), "f-to")
	hv.Set("to_side", am)
	res := liaison.post("/handovers/new", hv)
	if !led(res, "/minefields/"+mid, "forms.done.handover") {
		t.Fatalf("handover: %d %s %s %q", res.status, res.location, res.notice, errorsOf(res.body))
	}
	if p := other.get("/minefields/" + mid); p.status != 200 || !strings.Contains(p.body, "FORM-1") {
		t.Fatalf("the receiving side cannot read the record handed over: %d", p.status)
	}
	// The receiving side may not hand over the other side's records.
	op := other.get("/handovers/new")
	if op.status != 200 || strings.Contains(op.body, `value="`+mid+`"`) {
		t.Errorf("the other side's handover form lists the record: %d", op.status)
	}
	ov := hidden(op.body)
	ov.Set("minefield_ids", mid)
	ov.Set("to_side", az)
	ov.Set("date", "2021-06-12")
	refused(t, other.post("/handovers/new", ov), "f-minefields")

	// Forbidden readers: the observer and, for hazard areas' writers, none here.
	obs := s.browser(t, "observer")
	for _, path := range []string{"/minefields/new", "/handovers/new"} {
		if p := obs.get(path); p.status != http.StatusForbidden {
			t.Errorf("observer GET %s: %d", path, p.status)
		}
		v := hidden(obs.get("/minefields").body)
		v.Set("form_key", "observer-"+path)
		if p := obs.post(path, v); p.status != http.StatusForbidden {
			t.Errorf("observer POST %s: %d", path, p.status)
		}
	}
	if p := obs.get("/minefields"); strings.Contains(p.body, `id="new-minefield"`) {
		t.Errorf("observer offered a minefield form")
	}
}

func TestRegistryFormsHazardAreas(t *testing.T) {
	s := start(t)
	analyst := s.browser(t, "analyst")
	p := analyst.get("/hazard-areas/new")
	if p.status != 200 {
		t.Fatalf("hazard form: %d", p.status)
	}
	v := hidden(p.body)
	v.Set("district", "Formtest")
	v.Set("evidence", "local_report")
	v.Set("recorded_on", "2021-05-02")
	v.Set("polygon", `{"type":"Polygon","coordinates":[[[46.7,39.8],[46.71,39.8],[46.71,39.81],[46.7,39.81],[46.7,39.8]]]}`)
	v.Set("classification", "mission")
	bad := url.Values{}
	for k, x := range v {
		bad[k] = x
	}
	bad.Set("polygon", `{"type":"Point","coordinates":[46.7,39.8]}`)
	refused(t, analyst.post("/hazard-areas/new", bad), "f-polygon")
	res := analyst.post("/hazard-areas/new", v)
	if res.status != http.StatusSeeOther || !strings.HasSuffix(res.location, "/events") || res.notice != "forms.done.hazard_area" {
		t.Fatalf("hazard area: %d %s %s %q", res.status, res.location, res.notice, errorsOf(res.body))
	}
	id := strings.TrimSuffix(strings.TrimPrefix(res.location, "/hazard-areas/"), "/events")
	h, err := s.app.Mines.GetHazardArea(context.Background(), analystOf(s), id)
	if err != nil || h.Status != mines.Suspected || h.AreaM2 <= 0 {
		t.Fatalf("recorded %+v %v", h, err)
	}
	ep := analyst.get(res.location)
	if ep.status != 200 || !strings.Contains(ep.body, `id="hazard-event-form"`) || !strings.Contains(ep.body, "The hazard area is recorded.") {
		t.Fatalf("event page: %d", ep.status)
	}
	ev := hidden(ep.body)
	ev.Set("kind", "release")
	ev.Set("date", "2021-06-01")
	ev.Set("method", "clearance")
	ev.Set("area_m2", "99999999")
	refused(t, analyst.post(res.location, ev), "f-area")
	ev.Set("area_m2", "1000")
	ev.Set("devices[0].category", "anti_tank_mine")
	ev.Set("devices[0].count", "2")
	ev.Set("form_key", hidden(analyst.get(res.location).body).Get("form_key"))
	if r := analyst.post("/hazard-areas/"+id+"/events", ev); r.status != http.StatusSeeOther {
		t.Fatalf("release: %d %q", r.status, errorsOf(r.body))
	}
	if h, _ := s.app.Mines.GetHazardArea(context.Background(), analystOf(s), id); len(h.Events) != 1 || h.ReleasedM2 != 1000 {
		t.Fatalf("after the release: %+v", h.Events)
	}
	liaison := s.browser(t, "liaison-az")
	if p := liaison.get("/hazard-areas/new"); p.status != http.StatusForbidden {
		t.Errorf("liaison's hazard form: %d", p.status)
	}
	if p := liaison.get("/hazard-areas/" + id + "/events"); p.status != 200 || strings.Contains(p.body, `id="hazard-event-form"`) {
		t.Errorf("liaison's event page: %d, form offered: %v", p.status, strings.Contains(p.body, `id="hazard-event-form"`))
	}
	lv := hidden(liaison.get("/hazard-areas").body)
	lv.Set("form_key", "liaison-hazard")
	lv.Set("kind", "confirm")
	lv.Set("date", "2021-06-02")
	lv.Set("version", "2")
	if p := liaison.post("/hazard-areas/"+id+"/events", lv); p.status != http.StatusForbidden {
		t.Errorf("liaison's event POST: %d", p.status)
	}
}

func TestRegistryFormsRemains(t *testing.T) {
	s := start(t)
	count := func() int {
		c, err := s.app.Detainees.CountRemains(context.Background(), analystOf(s), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c.Recovered
	}
	before := count()
	hum := s.browser(t, "humanitarian")
	p := hum.get("/remains/new")
	if p.status != 200 {
		t.Fatalf("remains form: %d", p.status)
	}
	v := hidden(p.body)
	v.Set("count", "3")
	v.Set("recovered_at", "2021-06-05T09:00")
	v.Set("identification.method", "dna")
	v.Set("identification.identified", "4")
	v.Set("identification.at", "2021-06-08T09:00")
	refused(t, hum.post("/remains/new", v), "f-identified")
	v.Set("identification.identified", "2")
	v.Set("handover.from_side", s.loaded.Orgs["AZ"])
	refused(t, hum.post("/remains/new", v), "f-h-at")
	if n := count(); n != before {
		t.Fatalf("refused forms wrote %d bodies", n-before)
	}
	v.Del("handover.from_side")
	if r := hum.post("/remains/new", v); !led(r, "/remains", "forms.done.remains") {
		t.Fatalf("remains: %d %s %s %q", r.status, r.location, r.notice, errorsOf(r.body))
	}
	if n := count(); n != before+3 {
		t.Fatalf("recorded %d bodies, want 3", n-before)
	}
	if l := hum.get("/remains"); !strings.Contains(l.body, `role="status">The remains record is saved.`) {
		t.Error("no confirmation on the list")
	}
	liaison := s.browser(t, "liaison-am")
	if p := liaison.get("/remains/new"); p.status != http.StatusForbidden {
		t.Errorf("liaison's remains form: %d", p.status)
	}
	lv := hidden(liaison.get("/remains").body)
	lv.Set("form_key", "liaison-remains")
	lv.Set("recovered_at", "2021-06-05T09:00")
	if p := liaison.post("/remains/new", lv); p.status != http.StatusForbidden {
		t.Errorf("liaison's remains POST: %d", p.status)
	}
	if n := count(); n != before+3 {
		t.Fatal("a refused reader wrote remains")
	}
}

func TestRegistryFormsReturns(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	monitor := s.browser(t, "monitor")
	p := monitor.get("/returns/new")
	if p.status != 200 {
		t.Fatalf("movement form: %d", p.status)
	}
	places, err := s.app.Geo.ListPlaces(ctx, analystOf(s), geo.PlaceFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(places.Items) == 0 {
		t.Fatal("no place", err)
	}
	place := places.Items[0].ID
	v := hidden(p.body)
	v.Set("date", "2021-06-09T12:00")
	v.Set("destination_place_id", place)
	v.Set("kind", "spontaneous")
	v.Set("total", "5")
	v.Set("people.female.18-59", "2")
	v.Set("people.male.18-59", "2")
	v.Set("classification", "mission")
	refused(t, monitor.post("/returns/new", v), "f-total") // 2 + 2 is not 5
	v.Set("people.male.0-4", "1")
	if r := monitor.post("/returns/new", v); !led(r, "/returns", "forms.done.movement") {
		t.Fatalf("movement: %d %s %s %q", r.status, r.location, r.notice, errorsOf(r.body))
	}
	ms, err := s.app.Returns.ListMovements(ctx, analystOf(s), returns.MovementFilter{DestinationPlaceID: place}, store.PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var mid string
	for _, m := range ms.Items {
		if m.Total == 5 && len(m.People) == 3 {
			mid = m.ID
		}
	}
	if mid == "" {
		t.Fatal("the movement is not recorded with its breakdown")
	}

	vp := monitor.get("/return-visits/new?movement=" + mid)
	if vp.status != 200 || !strings.Contains(vp.body, `value="`+mid+`" selected`) {
		t.Fatalf("visit form: %d", vp.status)
	}
	vv := hidden(vp.body)
	vv.Set("movement_id", mid)
	vv.Set("date", "2021-06-20T10:00")
	vv.Set("finding.shelter.rating", "serious_concern")
	vv.Set("finding.shelter.note", "Roofs missing\r\non two houses")
	vv.Set("follow_up_due", "2021-06-15")
	refused(t, monitor.post("/return-visits/new", vv), "f-due") // before the visit
	vv.Set("follow_up_due", "2021-07-20")
	if r := monitor.post("/return-visits/new", vv); !led(r, "/return-visits", "forms.done.visit") {
		t.Fatalf("visit: %d %s %s %q", r.status, r.location, r.notice, errorsOf(r.body))
	}
	vs, err := s.app.Returns.ListVisits(ctx, analystOf(s), returns.VisitFilter{MovementID: mid}, store.PageRequest{Limit: 10})
	if err != nil || len(vs.Items) != 1 || vs.Items[0].Findings[0].Note != "Roofs missing\non two houses" {
		t.Fatalf("visits %+v %v", vs.Items, err)
	}

	liaison := s.browser(t, "liaison-az")
	for _, path := range []string{"/returns/new", "/return-visits/new"} {
		if p := liaison.get(path); p.status != http.StatusForbidden {
			t.Errorf("liaison GET %s: %d", path, p.status)
		}
		lv := hidden(liaison.get("/returns").body)
		lv.Set("form_key", "liaison-"+path)
		if p := liaison.post(path, lv); p.status != http.StatusForbidden {
			t.Errorf("liaison POST %s: %d", path, p.status)
		}
	}
}

func TestRegistryFormsTransit(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	var checkpoint string
	ls, err := s.app.Geo.ListLayers(ctx, analystOf(s), geo.LayerFilter{Kind: geo.KindSite}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls.Items {
		if l.Subkind == "checkpoint" && l.ValidAt(time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC)) {
			checkpoint = l.ID
		}
	}
	if checkpoint == "" {
		t.Fatal("no checkpoint in the demo")
	}
	countCrossings := func() int {
		cs, err := s.app.Transit.ListCrossings(ctx, analystOf(s), transit.CrossingFilter{CheckpointID: checkpoint}, store.PageRequest{Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs.Items)
	}
	before := countCrossings()
	monitor := s.browser(t, "monitor")
	p := monitor.get("/crossings/new?checkpoint=" + checkpoint)
	if p.status != 200 || !strings.Contains(p.body, `value="`+checkpoint+`" selected`) {
		t.Fatalf("crossing form: %d", p.status)
	}
	v := hidden(p.body)
	v.Set("checkpoint_id", checkpoint)
	v.Set("at", "2021-06-10T11:15")
	v.Set("direction", "towards_end")
	v.Set("people", "0")
	v.Set("vehicles", "0")
	refused(t, monitor.post("/crossings/new", v), "f-people")
	v.Set("people", "12")
	v.Set("vehicles", "3")
	v.Set("cargo_tonnes", "4,5") // a decimal comma, as typed in Russian
	v.Set("cargo_type", "food")
	if r := monitor.post("/crossings/new", v); !led(r, "/crossings", "forms.done.crossing") {
		t.Fatalf("crossing: %d %s %s %q", r.status, r.location, r.notice, errorsOf(r.body))
	}
	if n := countCrossings(); n != before+1 {
		t.Fatalf("%d crossings written", n-before)
	}

	rp := monitor.get("/corridor/restrictions/new")
	if rp.status != 200 {
		t.Fatalf("restriction form: %d", rp.status)
	}
	rv := hidden(rp.body)
	rv.Set("kind", "closure")
	rv.Set("checkpoint_id", checkpoint)
	rv.Set("start", "2021-06-10T18:00")
	refused(t, monitor.post("/corridor/restrictions/new", rv), "f-reason")
	rv.Set("reason", "Security incident nearby")
	rv.Set("end", "2021-06-10T17:00")
	refused(t, monitor.post("/corridor/restrictions/new", rv), "f-end")
	rv.Set("end", "2021-06-10T20:00")
	if r := monitor.post("/corridor/restrictions/new", rv); !led(r, "/corridor", "forms.done.restriction") {
		t.Fatalf("restriction: %d %s %s %q", r.status, r.location, r.notice, errorsOf(r.body))
	}

	liaison := s.browser(t, "liaison-az")
	for _, path := range []string{"/crossings/new", "/corridor/restrictions/new"} {
		if p := liaison.get(path); p.status != http.StatusForbidden {
			t.Errorf("liaison GET %s: %d", path, p.status)
		}
		lv := hidden(liaison.get("/crossings").body)
		lv.Set("form_key", "liaison-"+path)
		if p := liaison.post(path, lv); p.status != http.StatusForbidden {
			t.Errorf("liaison POST %s: %d", path, p.status)
		}
	}
	if n := countCrossings(); n != before+1 {
		t.Fatal("a refused reader wrote a crossing")
	}
}

func TestRegistryFormsStatementsAndEvidence(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	analyst := s.browser(t, "analyst")

	sp := analyst.get("/sources/new")
	if sp.status != 200 {
		t.Fatalf("source form: %d", sp.status)
	}
	sv := hidden(sp.body)
	sv.Set("outlet", "Formtest Gazette")
	sv.Set("date", "2021-06-11")
	sv.Set("language", "en")
	sv.Set("url", "ftp://example.org/a")
	sv.Set("title", "Ceasefire holds")
	sv.Set("text", "The article,\r\nas archived.")
	refused(t, analyst.post("/sources/new", sv), "f-url")
	sv.Set("url", "https://example.org/a")
	if r := analyst.post("/sources/new", sv); !led(r, "/sources", "forms.done.source") {
		t.Fatalf("source: %d %s %s %q", r.status, r.location, r.notice, errorsOf(r.body))
	}
	srcs, err := s.app.Statements.ListSources(ctx, analystOf(s), statement.SourceFilter{}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var src string
	for _, x := range srcs.Items {
		if x.Outlet == "Formtest Gazette" {
			src = x.ID
		}
	}
	if src == "" {
		t.Fatal("the source is not recorded")
	}

	stp := analyst.get("/statements/new")
	if stp.status != 200 || !strings.Contains(stp.body, `value="`+src+`"`) {
		t.Fatalf("statement form: %d", stp.status)
	}
	provision := s.loaded.Provisions["8"]
	v := hidden(stp.body)
	v.Set("speaker", "Formtest Spokesperson")
	v.Set("organisation", s.loaded.Orgs["AZ"])
	v.Set("date", "2021-06-12")
	v.Set("language", "az")
	v.Set("stance", "commitment")
	v.Set("provisions", provision)
	v.Set("sources", src)
	v.Set("classification", "public")
	refused(t, analyst.post("/statements/new", v), "f-summaries") // no summary
	v.Set("summaries[0].language", "en")
	v.Set("summaries[0].text", "Pledges to hand over the remaining records.")
	v.Set("summaries[1].language", "en")
	v.Set("summaries[1].text", "Twice.")
	refused(t, analyst.post("/statements/new", v), "f-sum-1-lang")
	v.Del("summaries[1].language")
	v.Del("summaries[1].text")
	res := analyst.post("/statements/new", v)
	sid := saved(t, res, "statements", "statement")
	if _, err := s.app.Statements.GetStatement(ctx, analystOf(s), sid); err != nil {
		t.Fatal(err)
	}
	rec := analyst.get(res.location)
	if !strings.Contains(rec.body, `href="/evidence/new?kind=statement&amp;id=`+sid+`"`) {
		t.Fatal("the statement page offers no evidence link")
	}

	ep := analyst.get("/evidence/new?kind=statement&id=" + sid)
	if ep.status != 200 {
		t.Fatalf("evidence form: %d", ep.status)
	}
	ev := hidden(ep.body)
	refused(t, analyst.post("/evidence/new", ev), "f-provision")
	ev.Set("provision_id", provision)
	ev.Set("note", "A public commitment")
	if r := analyst.post("/evidence/new", ev); !led(r, "/statements/"+sid+"", "forms.done.evidence") {
		t.Fatalf("evidence: %d %s %s %q", r.status, r.location, r.notice, errorsOf(r.body))
	}
	// The same link again: the service's conflict, next to the provision.
	ev.Set("form_key", hidden(analyst.get("/evidence/new?kind=statement&id="+sid).body).Get("form_key"))
	refused(t, analyst.post("/evidence/new", ev), "f-provision")

	liaison := s.browser(t, "liaison-az")
	for _, path := range []string{"/statements/new", "/sources/new", "/evidence/new?kind=statement&id=" + sid} {
		if p := liaison.get(path); p.status != http.StatusForbidden {
			t.Errorf("liaison GET %s: %d", path, p.status)
		}
	}
	lv := hidden(liaison.get("/statements").body)
	lv.Set("form_key", "liaison-evidence")
	lv.Set("provision_id", provision)
	lv.Set("record_kind", "statement")
	lv.Set("record_id", sid)
	if p := liaison.post("/evidence/new", lv); p.status != http.StatusForbidden {
		t.Errorf("liaison POST evidence: %d", p.status)
	}
	if p := liaison.get("/statements/" + sid); strings.Contains(p.body, "link-evidence") {
		t.Error("the liaison is offered the evidence link")
	}
}
