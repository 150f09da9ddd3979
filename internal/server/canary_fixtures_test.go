package server_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
)

// canary is a unique value in one personal or restricted field of a
// fixture, and who may read it: the fixture's label, as the fixture was
// written (not as the service reports it).
type canary struct {
	value  string // CANARY_<field>_<run>, or a date for a date field
	field  string // e.g. place_az.names.en
	entity string // the record's entity, e.g. place
	id     string
	may    func(access.Principal) bool
	seen   bool // an entitled reader received it somewhere
}

// canaryFixtures are the records holding canaries, by key, and the
// canaries themselves.
type canaryFixtures struct {
	run      string // random per run, in every value
	canaries []*canary
	pending  []*canary          // values handed out for the record being built
	ids      map[string]string  // key (place_az, allegation_az, ...) -> id
	entities map[string]string  // key -> entity
	sha      map[string]string  // attachment key -> sha256
	dates    []*canary          // canaries without the CANARY_ prefix
	byValue  map[string]*canary // CANARY_ values
}

// value hands out a canary for field of the record being built.
func (fx *canaryFixtures) value(field string) string {
	slug := strings.NewReplacer(".", "_", "[", "_", "]", "", "-", "_").Replace(field)
	c := &canary{value: "CANARY_" + slug + "_" + fx.run, field: field}
	fx.pending = append(fx.pending, c)
	return c.value
}

// date hands out a date canary: a day early in the last century that
// nothing else in the system names.
func (fx *canaryFixtures) date(field string) string {
	b := []byte(strings.ToLower(rand.Text()))
	c := &canary{value: fmt.Sprintf("190%d-%02d-%02d", 1+int(b[0])%9, 1+int(b[1])%12, 1+int(b[2])%28), field: field}
	fx.pending = append(fx.pending, c)
	return c.value
}

// bind gives the values handed out since the last bind to the record
// just written.
func (fx *canaryFixtures) bind(key, entity, id string, may func(access.Principal) bool) {
	fx.ids[key], fx.entities[key] = id, entity
	for _, c := range fx.pending {
		c.entity, c.id, c.may = entity, id, may
		fx.canaries = append(fx.canaries, c)
		if strings.HasPrefix(c.value, "CANARY_") {
			fx.byValue[c.value] = c
		} else {
			fx.dates = append(fx.dates, c)
		}
	}
	fx.pending = nil
}

// labelled is who may read a restricted record: the owning organisation
// and the organisations named (DESIGN.md, section 5). The rule is stated
// here again rather than asked of package access, so that a policy (or a
// teeth build, scripts/canary-teeth.sh) that admits too much cannot also
// widen the test's idea of who is entitled.
func labelled(owner string, restrictedTo ...string) func(access.Principal) bool {
	return func(p access.Principal) bool {
		return p.Authenticated() && p.Org != "" && (p.Org == owner || slices.Contains(restrictedTo, p.Org))
	}
}

// personal is who may read a person's identity: humanitarian officers,
// the detaining side and the side of nationality (DESIGN.md, section 5).
func personal(heldBy, nationality string) func(access.Principal) bool {
	return func(p access.Principal) bool {
		return p.Authenticated() && (p.Has(access.Humanitarian) || (p.Org != "" && (p.Org == heldBy || p.Org == nationality)))
	}
}

// staffNotes is who may read an investigation's notes: the centre's staff
// (monitors, analysts, co-chairs) among the incident's readers.
func staffNotes(incident func(access.Principal) bool) func(access.Principal) bool {
	return func(p access.Principal) bool {
		return p.Has(access.Monitor, access.Analyst, access.CoChair) && incident(p)
	}
}

// mission is a mission record's readers: every account.
func mission(p access.Principal) bool { return p.Authenticated() }

// buildCanaryFixtures writes, through the API and as the accounts that
// may, one record of every kind that holds restricted material, with a
// canary in each of its free-text fields, and persons whose identity is a
// canary in every field. Records restricted to one side are read by
// nobody of the other side, of the centre's staff (unless named) or of the
// humanitarian and observer organisations.
func buildCanaryFixtures(t *testing.T, s *testServer) *canaryFixtures {
	t.Helper()
	orgs, layers := s.loaded.Orgs, s.loaded.Layers
	az, am, centre := orgs["AZ"], orgs["AM"], orgs["JMC"]
	fx := &canaryFixtures{run: strings.ToLower(rand.Text()[:10]), ids: map[string]string{}, entities: map[string]string{},
		sha: map[string]string{}, byValue: map[string]*canary{}}
	create := func(role, path string, body any) string {
		t.Helper()
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		res := s.with(role).do("POST", path, string(b))
		var rec struct {
			ID string `json:"id"`
		}
		if res.status != http.StatusCreated {
			t.Fatalf("canary fixture %s as %s: %d %s", path, role, res.status, res.body)
		}
		res.json(t, &rec)
		return rec.ID
	}
	etag := func(role, path string) string { return s.with(role).do("GET", path, "").header.Get("ETag") }
	restricted := func(to ...string) map[string]any {
		m := map[string]any{"classification": "restricted"}
		if len(to) > 0 {
			m["restricted_to"] = to
		}
		return m
	}
	with := func(body map[string]any, label map[string]any) map[string]any {
		for k, v := range label {
			body[k] = v
		}
		return body
	}
	const when = "2021-06-12T12:00:00Z"
	point := func(lat, lon float64) map[string]any { return map[string]any{"lat": lat, "lon": lon} }

	// Places restricted by the centre to one side: every name and the note.
	for _, side := range []string{"az", "am"} {
		org := map[string]string{"az": az, "am": am}[side]
		key := "place_" + side
		id := create("monitor", "/api/v1/places", with(map[string]any{"kind": "settlement", "location": point(39.81, 46.75),
			"names": []map[string]any{{"lang": "en", "name": fx.value(key + ".names.en")}, {"lang": side, "party": org, "name": fx.value(key + ".names." + side)}},
			"note":  fx.value(key + ".note")}, restricted(org)))
		fx.bind(key, "place", id, labelled(centre, org))
	}

	// An allegation Azerbaijan restricts to itself, and a file attached to it.
	algBody := func(narrative string, location map[string]any) map[string]any {
		return map[string]any{"source_kind": "side", "on_behalf_of": az, "alleged_perpetrator": am, "category": "small_arms_fire",
			"location": location, "time": map[string]any{"start": when}, "narrative": narrative}
	}
	algAZ := create("liaison-az", "/api/v1/allegations", with(algBody(fx.value("allegation_az.narrative"), map[string]any{"point": point(39.93, 46.9), "precision": "exact"}), restricted()))
	mayAlgAZ := labelled(az)
	fx.bind("allegation_az", "allegation", algAZ, mayAlgAZ)
	{
		body, ct := multipartAttachment(t, "allegation", algAZ, "text/plain", "Witness statement "+fx.value("attachment_az.content")+".")
		res := s.with("liaison-az").do("POST", "/api/v1/attachments", body, "Content-Type", ct)
		var a struct{ SHA256 string }
		res.json(t, &a)
		if res.status != http.StatusCreated || a.SHA256 == "" {
			t.Fatalf("canary attachment: %d %s", res.status, res.body)
		}
		fx.bind("attachment_az", "attachment", a.SHA256, mayAlgAZ)
		fx.sha["attachment_az"] = a.SHA256
	}
	// An allegation at the place restricted to Azerbaijan may not reach
	// more readers than the place: a mission allegation there is refused
	// (its readers would learn where the place is), one restricted to the
	// place's readers is kept.
	atPlace := algBody("Fire near the settlement.", map[string]any{"precision": "near_place", "place_id": fx.ids["place_az"]})
	if b, _ := json.Marshal(atPlace); true {
		if res := s.with("liaison-az").do("POST", "/api/v1/allegations", string(b)); res.status != http.StatusBadRequest ||
			!strings.Contains(string(res.body), `"field":"location.place_id"`) {
			t.Fatalf("a mission allegation at a restricted place: %d %s", res.status, res.body)
		}
	}
	fx.ids["allegation_at_place"] = create("liaison-az", "/api/v1/allegations", with(atPlace, restricted(centre)))
	fx.entities["allegation_at_place"] = "allegation"

	// An observation the centre restricts to Azerbaijan.
	obs := create("monitor", "/api/v1/observations", with(map[string]any{
		"observer": map[string]any{"kind": "post", "position": point(39.95, 46.88)}, "kind": "bursts_small_arms", "count": 3,
		"bearing_from": 120, "bearing_to": 150, "distance_min_m": 500, "distance_max_m": 2000, "perception": "heard",
		"time": map[string]any{"start": "2021-06-12T12:05:00Z"}, "note": fx.value("observation_az.note")}, restricted(az)))
	fx.bind("observation_az", "observation", obs, labelled(centre, az))

	// An incident the centre restricts to Azerbaijan, and a mission incident
	// whose investigation notes are the centre's staff's alone.
	incidentBody := func(title string) map[string]any {
		return map[string]any{"title": title, "category": "small_arms_fire", "location": map[string]any{"point": point(39.93, 46.9), "radius_m": 3000},
			"time": map[string]any{"start": "2021-06-12T11:50:00Z", "end": "2021-06-12T13:45:00Z"}}
	}
	inc := create("analyst", "/api/v1/incidents", with(incidentBody(fx.value("incident_az.title")), restricted(az)))
	fx.bind("incident_az", "incident", inc, labelled(centre, az))
	incNotes := create("analyst", "/api/v1/incidents", incidentBody("Exchange of fire at the post"))
	if res := s.with("analyst").do("POST", "/api/v1/incidents/"+incNotes+"/transition", `{"to":"preliminary_review"}`,
		"If-Match", etag("analyst", "/api/v1/incidents/"+incNotes)); res.status != http.StatusOK {
		t.Fatalf("canary incident to review: %d %s", res.status, res.body)
	}
	for _, kind := range []string{"task", "site_visit", "interview", "note"} {
		path := "/api/v1/incidents/" + incNotes
		b, _ := json.Marshal(map[string]any{"kind": kind, "text": fx.value("incident_notes." + kind)})
		if res := s.with("analyst").do("POST", path+"/notes", string(b), "If-Match", etag("analyst", path)); res.status != http.StatusOK {
			t.Fatalf("canary note: %d %s", res.status, res.body)
		}
	}
	fx.bind("incident_notes", "incident", incNotes, staffNotes(mission))

	// A patrol and a restriction of its movement, restricted to Azerbaijan.
	patrol := create("monitor", "/api/v1/patrols", with(map[string]any{"team": []string{fx.value("patrol_az.team")},
		"route": []map[string]any{point(39.9, 46.8), point(39.95, 46.85)}, "start": when, "end": "2021-06-12T14:00:00Z",
		"note": fx.value("patrol_az.note")}, restricted(az)))
	fx.bind("patrol_az", "patrol", patrol, labelled(centre, az))
	fom := create("monitor", "/api/v1/restrictions", with(map[string]any{"patrol_id": patrol, "kind": "denied", "where": point(39.92, 46.82),
		"by_text": fx.value("fom_restriction_az.by_text"), "reason": fx.value("fom_restriction_az.reason"), "impact": fx.value("fom_restriction_az.impact"),
		"start": "2021-06-12T12:30:00Z", "end": "2021-06-12T13:00:00Z"}, restricted(az)))
	fx.bind("fom_restriction_az", "fom_restriction", fom, labelled(centre, az))

	// A minefield record and a handover Armenia restricts to itself.
	square := []map[string]any{point(39.97, 46.95), point(39.97, 46.96), point(39.975, 46.96), point(39.975, 46.95), point(39.97, 46.95)}
	field := create("liaison-am", "/api/v1/minefields", with(map[string]any{"laid_by": am, "designation": fx.value("minefield_am.designation"),
		"district": fx.value("minefield_am.district"),
		"reference_points": []map[string]any{{"point": point(39.98, 46.94), "description": fx.value("minefield_am.reference_points.description")},
			{"point": point(39.96, 46.97), "description": "Farm"}},
		"perimeter": square,
		"mines": []map[string]any{{"category": "anti_tank", "model": fx.value("minefield_am.mines.model"), "count": 10,
			"fuse_type": fx.value("minefield_am.mines.fuse_type"), "fuse_life": fx.value("minefield_am.mines.fuse_life")}},
		"emplacement": "hand", "laid_at": "2021-06-11",
		"anti_handling": map[string]any{"present": true, "description": fx.value("minefield_am.anti_handling.description")},
		"note":          fx.value("minefield_am.note")}, restricted()))
	fx.bind("minefield_am", "minefield", field, labelled(am))
	hnd := create("liaison-am", "/api/v1/handovers", with(map[string]any{"from_side": am, "to_side": az, "date": "2021-06-12",
		"mediators": []string{orgs["GE"]}, "mines_claimed": 1000, "place": fx.value("handover_am.place"),
		"districts": []string{fx.value("handover_am.districts")}, "note": fx.value("handover_am.note")}, restricted()))
	fx.bind("handover_am", "handover", hnd, labelled(am))

	// A hazard area the centre restricts to Azerbaijan, with a release.
	haz := create("monitor", "/api/v1/hazard-areas", with(map[string]any{"name": fx.value("hazard_area_az.name"),
		"district": fx.value("hazard_area_az.district"), "place_id": fx.ids["place_az"], "polygon": square, "evidence": "local_report",
		"recorded_on": "2021-06-10", "note": fx.value("hazard_area_az.note")}, restricted(az)))
	{
		path := "/api/v1/hazard-areas/" + haz
		b, _ := json.Marshal(map[string]any{"kind": "release", "date": "2021-06-12", "method": "clearance", "area_m2": 100,
			"devices": []map[string]any{{"category": "uxo", "count": 1}}, "note": fx.value("hazard_area_az.events.note")})
		if res := s.with("monitor").do("POST", path+"/events", string(b), "If-Match", etag("monitor", path)); res.status != http.StatusOK {
			t.Fatalf("canary hazard event: %d %s", res.status, res.body)
		}
	}
	fx.bind("hazard_area_az", "hazard_area", haz, labelled(centre, az))

	// A source and a statement the centre restricts to Azerbaijan; the
	// statement is evidence for provision 8.
	src := create("analyst", "/api/v1/sources", with(map[string]any{"outlet": fx.value("source_az.outlet"), "date": "2021-06-12", "language": "en",
		"url": "https://news.example/" + fx.value("source_az.url"), "title": fx.value("source_az.title"), "notes": fx.value("source_az.notes")}, restricted(az)))
	fx.bind("source_az", "source", src, labelled(centre, az))
	stm := create("analyst", "/api/v1/statements", with(map[string]any{"speaker": fx.value("statement_az.speaker"),
		"speaker_title": fx.value("statement_az.speaker_title"), "organisation": orgs["RU"], "date": "2021-06-12", "language": "en",
		"summaries": []map[string]any{{"language": "en", "text": fx.value("statement_az.summaries.text")}}, "stance": "appeal",
		"provisions": []string{s.loaded.Provisions["8"]}, "sources": []string{src}}, restricted(az)))
	fx.bind("statement_az", "statement", stm, labelled(centre, az))

	// A return movement and a monitoring visit the centre restricts to
	// Azerbaijan, and a mission movement to the place restricted to it.
	movement := func(extra map[string]any) map[string]any {
		return with(map[string]any{"date": when, "destination_place_id": s.loaded.Places["Khojaly"], "total": 5, "kind": "organised",
			"escort_org": orgs["PKF"], "voluntariness_verified_by": orgs["UNHCR"]}, extra)
	}
	mov := create("monitor", "/api/v1/returns", with(movement(map[string]any{"origin_text": fx.value("return_movement_az.origin_text"),
		"source": fx.value("return_movement_az.source"), "note": fx.value("return_movement_az.note")}), restricted(az)))
	fx.bind("return_movement_az", "return_movement", mov, labelled(centre, az))
	visit := create("monitor", "/api/v1/return-visits", with(map[string]any{"movement_id": mov, "date": "2021-06-12T13:00:00Z",
		"findings": []map[string]any{{"topic": "shelter", "rating": "some_concern", "note": fx.value("return_visit_az.findings.note")}},
		"team":     fx.value("return_visit_az.team"), "note": fx.value("return_visit_az.note")}, restricted(az)))
	fx.bind("return_visit_az", "return_visit", visit, labelled(centre, az))
	// A movement to that place may not be read by more readers than the
	// place: a mission-level one is refused (it would carry the place's
	// name to everyone), one restricted to the place's readers is kept.
	toPlace, _ := json.Marshal(movement(map[string]any{"destination_place_id": fx.ids["place_az"]}))
	if res := s.with("monitor").do("POST", "/api/v1/returns", string(toPlace)); res.status != http.StatusBadRequest ||
		!strings.Contains(string(res.body), `"field":"destination_place_id"`) {
		t.Fatalf("a mission movement to a restricted place: %d %s", res.status, res.body)
	}
	fx.ids["return_to_place"] = create("monitor", "/api/v1/returns", with(movement(map[string]any{"destination_place_id": fx.ids["place_az"]}), restricted(az)))
	fx.entities["return_to_place"] = "return_movement"

	// A crossing and a transit restriction the centre restricts to Armenia.
	crossing := create("monitor", "/api/v1/crossings", with(map[string]any{"at": when, "checkpoint_id": layers["op-corridor-1"], "direction": "towards_end",
		"people": 12, "vehicles": 2, "cargo_tonnes": 3.5, "cargo_type": fx.value("crossing_am.cargo_type"), "escort_org": orgs["PKF"],
		"note": fx.value("crossing_am.note")}, restricted(am)))
	fx.bind("crossing_am", "crossing", crossing, labelled(centre, am))
	tr := create("monitor", "/api/v1/transit-restrictions", with(map[string]any{"kind": "closure", "checkpoint_id": layers["op-corridor-2"],
		"reason": fx.value("transit_restriction_am.reason"), "by_org": orgs["PKF"], "by_text": fx.value("transit_restriction_am.by_text"),
		"start": "2021-06-12T06:00:00Z", "end": "2021-06-12T18:00:00Z", "note": fx.value("transit_restriction_am.note")}, restricted(am)))
	fx.bind("transit_restriction_am", "transit_restriction", tr, labelled(centre, am))

	// Persons held: one held by Azerbaijan who died in captivity, one held
	// by Armenia and exchanged; every identity and death field a canary.
	identity := func(key string) map[string]any {
		return map[string]any{"surname": fx.value(key + ".identity.surname"), "first_names": fx.value(key + ".identity.first_names"),
			"rank": fx.value(key + ".identity.rank"), "date_of_birth": fx.date(key + ".identity.date_of_birth"),
			"place_of_birth": fx.value(key + ".identity.place_of_birth"), "service_number": fx.value(key + ".identity.service_number"),
			"father_first_name": fx.value(key + ".identity.father_first_name"), "mother_maiden_name": fx.value(key + ".identity.mother_maiden_name"),
			"person_to_inform": fx.value(key + ".identity.person_to_inform"), "person_to_inform_address": fx.value(key + ".identity.person_to_inform_address"),
			"correspondence_address": fx.value(key + ".identity.correspondence_address")}
	}
	// A person's record may not name a place restricted to one side: the
	// humanitarian officers and the other side read the capture place.
	if b, _ := json.Marshal(map[string]any{"identity": map[string]any{"surname": "Refused", "first_names": "Place"}, "category": "prisoner_of_war",
		"held_by": az, "nationality": am, "captured_at": "2020-12-20T10:00:00Z", "capture_place_id": fx.ids["place_az"]}); true {
		if res := s.with("liaison-az").do("POST", "/api/v1/detainees", string(b)); res.status != http.StatusBadRequest ||
			!strings.Contains(string(res.body), `"field":"capture_place_id"`) {
			t.Fatalf("a person captured at a restricted place: %d %s", res.status, res.body)
		}
	}
	died := create("liaison-az", "/api/v1/detainees", map[string]any{"identity": identity("detainee_az"), "category": "prisoner_of_war",
		"held_by": az, "nationality": am, "captured_at": "2020-12-20T10:00:00Z", "capture_place_id": s.loaded.Places["Aghdam"],
		"events": []map[string]any{{"kind": "deceased", "at": "2021-06-12T09:00:00Z", "death": map[string]any{"date": "2021-06-12",
			"place": fx.value("detainee_az.death.place"), "cause": fx.value("detainee_az.death.cause"),
			"burial_place": fx.value("detainee_az.death.burial_place"), "grave": fx.value("detainee_az.death.grave")}}}})
	fx.bind("detainee_az", "detainee", died, personal(az, am))
	exchanged := create("humanitarian", "/api/v1/detainees", map[string]any{"identity": identity("detainee_am"), "category": "civilian_detainee",
		"held_by": am, "nationality": az, "captured_at": "2020-12-21T10:00:00Z",
		"events": []map[string]any{{"kind": "consent_confirmed", "at": "2021-06-01T00:00:00Z"}}})
	fx.bind("detainee_am", "detainee", exchanged, personal(am, az))
	fx.ids["exchange"] = create("analyst", "/api/v1/exchanges", map[string]any{"at": when,
		"moves": []map[string]any{{"from_side": am, "to_side": az, "persons": []string{exchanged}}}})
	fx.entities["exchange"] = "exchange"

	slices.SortFunc(fx.canaries, func(a, b *canary) int { return strings.Compare(a.field, b.field) })
	return fx
}
