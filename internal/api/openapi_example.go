package api

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// Types whose JSON is not their Go fields (they marshal themselves): their
// schema and an example, written out.
var (
	geometryType = reflect.TypeOf(geo.Geometry{})

	// geometrySchema is a GeoJSON geometry object (RFC 7946) as
	// geo.ParseGeometry accepts it: positions are [longitude, latitude].
	geometrySchema = map[string]any{
		"type":        "object",
		"description": "a GeoJSON geometry (RFC 7946): Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon; positions are [longitude, latitude] in WGS 84",
		"required":    []string{"type", "coordinates"},
		"properties": map[string]any{
			"type":        map[string]any{"type": "string", "enum": []string{"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"}},
			"coordinates": map[string]any{"type": "array"},
		},
		"additionalProperties": false,
	}
	geometryExample = map[string]any{"type": "Point", "coordinates": []any{46.7517, 39.8177}}
)

// Example returns a plausible value of type t as its JSON carries it: a
// field's `example:"…"` tag when it has one (the text for a string, JSON
// otherwise), else a value guessed from the field's name and type. Every
// request body's example in the document comes from here, and a test
// decodes each with the API's strict decoder.
func Example(t reflect.Type) any {
	return example(t, "", map[reflect.Type]bool{})
}

func example(t reflect.Type, name string, busy map[reflect.Type]bool) any {
	switch t {
	case timeType:
		return exampleTime(name)
	case rawType:
		return map[string]any{}
	case geometryType:
		return geometryExample
	}
	switch t.Kind() {
	case reflect.Pointer:
		return example(t.Elem(), name, busy)
	case reflect.String:
		return exampleString(name)
	case reflect.Bool:
		return false
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return exampleInt(name)
	case reflect.Float32, reflect.Float64:
		return exampleFloat(name)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "VHJ1Y2U=" // base64
		}
		if busy[t.Elem()] {
			return []any{}
		}
		return []any{example(t.Elem(), singular(name), busy)}
	case reflect.Map:
		if t.Key().Kind() != reflect.String || busy[t.Elem()] {
			return map[string]any{}
		}
		key := "en"
		if !strings.Contains(name, "name") && !strings.Contains(name, "title") && !strings.Contains(name, "summar") {
			key = "key"
		}
		return map[string]any{key: example(t.Elem(), name, busy)}
	case reflect.Struct:
		if busy[t] {
			return map[string]any{}
		}
		busy[t] = true
		defer delete(busy, t)
		out := map[string]any{}
		exampleFields(t, out, busy)
		return out
	}
	return map[string]any{}
}

func exampleFields(t reflect.Type, out map[string]any, busy map[reflect.Type]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			exampleFields(ft, out, busy)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if v, ok := memberExamples[t.String()+"."+name]; ok {
			if v != nil { // nil: an optional member the example leaves out
				out[name] = v
			}
			continue
		}
		if ft == rawType && name == "geometry" {
			out[name] = geometryExample
			continue
		}
		if ex, ok := f.Tag.Lookup("example"); ok {
			if ft.Kind() == reflect.String {
				out[name] = ex
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(ex), &v); err == nil {
				out[name] = v
				continue
			}
		}
		out[name] = example(f.Type, name, busy)
	}
}

func singular(name string) string {
	switch {
	case strings.HasSuffix(name, "ies"):
		return strings.TrimSuffix(name, "ies") + "y"
	case strings.HasSuffix(name, "s") && !strings.HasSuffix(name, "ss"):
		return strings.TrimSuffix(name, "s")
	}
	return name
}

func has(name string, parts ...string) bool {
	for _, p := range parts {
		if name == p || strings.HasPrefix(name, p+"_") || strings.HasSuffix(name, "_"+p) || strings.Contains(name, "_"+p+"_") {
			return true
		}
	}
	return false
}

func exampleTime(name string) string {
	if has(name, "to", "end", "until", "ended", "closed") {
		return "2021-06-12T18:00:00Z"
	}
	return "2021-06-12T08:30:00Z"
}

// idPrefixes are the record kinds' id prefixes (store.DB.NewID), by the
// name a field that refers to one is given.
var idPrefixes = map[string]string{
	"agreement": "agr", "provision": "prv", "organisation": "org", "org": "org", "evidence": "evd",
	"allegation": "alg", "observation": "obs", "incident": "inc", "patrol": "pat", "restriction": "fom",
	"review": "rev", "attachment": "att", "detainee": "det", "person": "det", "exchange": "xch", "remains": "rem",
	"user": "usr", "token": "tok", "request": "rrq", "crossing": "crs", "movement": "ret", "visit": "rvi",
	"minefield": "mfd", "handover": "hnd", "hazard_area": "haz", "source": "src", "statement": "stm",
	"place": "plc", "layer": "lyr", "zone": "lyr", "corridor": "lyr", "site": "lyr", "checkpoint": "lyr",
	"report": "rpt", "record": "inc",
}

// memberExamples are the values of members that must be one of a few (as
// their doc tags list them), by type and JSON name; nil leaves an optional
// member out (one that does not go with the rest of the example).
var memberExamples = map[string]any{
	"agreement.OrganisationInput.kind":             agreement.KindMediator,
	"agreement.StatusInput.status":                 agreement.StatusInProgress,
	"agreement.PeriodInput.to":                     "2020-11-30",
	"agreement.PeriodInput.from":                   "2020-11-10",
	"agreement.EvidenceLinkInput.record_kind":      "exchange",
	"agreement.EvidenceLinkInput.record_id":        "xch_3c5e7g9j1l2n4q6s8u0w",
	"geo.LayerInput.kind":                          "site",
	"geo.LayerInput.subkind":                       "observation_post",
	"geo.LayerInput.left_party":                    nil,
	"geo.LayerInput.right_party":                   nil,
	"geo.LayerInput.external_id":                   nil,
	"geo.LayerInput.valid_to":                      nil,
	"geo.PlaceInput.kind":                          "settlement",
	"geo.PlaceInput.external_id":                   "AZ-SHU-001",
	"access.LabelInput.classification":             "restricted",
	"incident.AllegationInput.category":            "shelling",
	"incident.AllegationInput.reliability":         "C",
	"incident.AllegationInput.alleged_perpetrator": "org_side_b",
	"incident.LocationInput.precision":             "near_place",
	"incident.TimeInput.precision":                 "window",
	"incident.Attachment.media_type":               "image/jpeg",
	"incident.Attachment.name":                     "crater.jpg",
	"incident.Observer.kind":                       "patrol",
	"incident.Observer.site_id":                    nil,
	"incident.ObservationInput.kind":               "impact",
	"incident.ObservationInput.perception":         "heard",
	"incident.IncidentInput.team":                  []any{"monitor"},
	"incident.TransitionInput.to":                  incident.UnderInvestigation,
	"incident.TransitionInput.reason":              nil,
	"incident.FindingInput.outcome":                incident.Substantiated,
	"incident.FindingInput.attribution":            "org_side_b",
	"incident.FindingInput.reliability":            "B",
	"incident.NoteInput.kind":                      "site_visit",
	"incident.NoteInput.classification":            "staff",
	"incident.RestrictionInput.kind":               "delayed",
	"incident.ReviewInput.report_kind":             "allegation",
	"incident.ReviewInput.decision":                "accept",
	"incident.ReviewInput.duplicate_of":            nil,
	"incident.ReviewInput.review_id":               nil,
	"incident.DuplicatesInput.report_kind":         "allegation",
	"statement.StatementInput.stance":              "commitment",
	"statement.SourceInput.language":               "ru",
	"statement.SourceInput.title":                  "Заявление о перемирии",
	"mines.MineType.category":                      "anti_tank",
	"mines.MinefieldInput.emplacement":             "hand",
	"mines.HazardAreaInput.evidence":               "device_seen",
	"mines.EventInput.kind":                        "release",
	"mines.EventInput.method":                      "clearance",
	"mines.Device.category":                        "anti_tank_mine",
	"mines.Device.condition":                       "intact",
	"detainee.PersonInput.category":                "prisoner_of_war",
	"detainee.PersonInput.nationality":             "org_side_a",
	"detainee.EventInput.kind":                     "visited",
	"detainee.EventInput.by":                       "org_icrc",
	"detainee.EventInput.to_side":                  nil,
	"detainee.EraseInput.reason":                   "lawful_request",
	"detainee.ExchangeInput.classification":        "public",
	"detainee.ExchangeInput.place_name":            "the Azerbaijan–Georgia border",
	"detainee.IdentificationInput.method":          "dna",
	"detainee.Link.kind":                           "handover",
	"returns.PeopleCount.sex":                      "female",
	"returns.PeopleCount.age":                      "18-59",
	"returns.MovementInput.kind":                   "organised",
	"returns.MovementInput.origin_text":            nil,
	"returns.Finding.topic":                        "shelter",
	"returns.Finding.rating":                       "some_concern",
	"returns.VisitInput.follows_up":                nil,
	"returns.VisitInput.team":                      "two protection officers",
	"transit.CrossingInput.direction":              "towards_end",
	"transit.RestrictionInput.kind":                "partial",
	"transit.RestrictionInput.corridor_id":         nil,
	"report.Request.kind":                          "daily",
	"report.Request.from":                          nil,
	"report.Request.to":                            nil,
	"report.Request.agreement":                     nil,
	"report.Request.edition":                       "public",
	"report.Request.format":                        "pdf",
	"api.TokenInput.user":                          "usr_3c5e7g9j1l2n4q6s8u0w",
	"api.TokenInput.name":                          "reporting script",
}

// stringExamples are the values of string members by their JSON name.
var stringExamples = map[string]string{
	"on_behalf_of": "org_side_a", "alleged_perpetrator": "org_side_b", "perpetrator": "org_side_b", "side": "org_side_a",
	"lodged_by": "org_side_a", "held_by": "org_side_a", "from_side": "org_side_a", "to_side": "org_side_b",
	"restricted_to": "org_side_a", "parties": "org_side_a", "mediators": "org_mediator", "signatories": "org_side_a",
	"left_party": "org_side_a", "right_party": "org_side_b", "obligated": "org_side_a", "laid_by": "org_side_b",
	"delivered_by": "org_icrc", "recovered_by": "org_icrc", "voluntariness_verified_by": "org_unhcr", "by": "org_centre",
	"allegations": "alg_4k2m9q7r1c5t8v3x6z0b", "observations": "obs_7d1f3h5j9k2m4n6p8q0r",
	"provisions": "prv_2b4d6f8h0j1k3m5n7p9q", "duplicate_of": "alg_9x8w7v6t5s4r3q2p1n0m", "follows_up": "alg_4k2m9q7r1c5t8v3x6z0b",
	"persons": "det_3c5e7g9j1l2n4q6s8u0w", "sources": "src_5f7h9k1m3p5r7t9v1x3z", "agreement": "agr_1a3c5e7g9j2l4n6q8s0u",
	"team": "monitor", "username": "monitor", "user": "monitor", "roles": "monitor",
	"record_kind": "incident", "report_kind": "daily", "category": "shelling", "kind": "impact", "subkind": "artillery",
	"source_kind": "side", "status": "in_progress", "outcome": "substantiated", "precision": "approximate",
	"reliability": "B", "classification": "ceasefire_violation", "attribution": "undetermined", "rating": "medium",
	"decision": "confirmed", "confirm": "yes", "stance": "supports", "perception": "hostile",
	"sex": "male", "condition": "alive", "nationality": "AM", "country": "AZ", "age": "34",
	"cargo_type": "food", "fuse_type": "pressure", "fuse_life": "unknown", "self_destruct_period": "none", "emplacement": "buried",
	"model": "TM-62M", "method": "manual", "direction": "inbound", "impact": "minor", "cause": "gunshot", "designation": "sector 4",
	"number": "12/2021", "ref": "S/2020/1104", "rank": "private", "unit": "3rd battalion", "service_number": "AZ-204518",
	"first_names": "Arman", "surname": "Petrosyan", "father_first_name": "Levon", "mother_maiden_name": "Hakobyan",
	"place_of_birth": "Stepanakert", "district": "Lachin", "districts": "Lachin", "place": "Shusha", "burial_place": "Goris cemetery",
	"grave": "row 3, grave 12", "correspondence_address": "Goris, Mashtots 12", "person_to_inform": "Anahit Petrosyan",
	"person_to_inform_address": "Goris, Mashtots 12", "outlet": "Public TV", "speaker": "the deputy minister",
	"speaker_title": "Deputy Minister of Foreign Affairs", "topic": "release of servicemen", "what": "artillery fire heard",
	"expires_in": "720h", "new": "a new password of at least twelve characters", "current": "the current password",
	"due": "2020-12-01", "original_due": "2020-11-30", "follow_up_due": "2021-06-20", "by_text": "the Russian peacekeeping contingent",
	"origin_text": "Agdam district", "evidence": "statement of 31 August 2021", "note": "confirmed by the patrol of 12 June",
	"notes": "confirmed by the patrol of 12 June", "reason": "lodged twice by mistake", "short_name": "Side A", "display_name": "Monitor One",
	"name": "Lachin corridor", "title": "Shelling near Shusha", "place_name": "Shusha", "en": "Shusha",
	"summary": "Shelling reported north of Shusha; no casualties.", "text": "Artillery fire was heard north of Shusha at about 08:30.",
	"narrative": "Artillery fire was heard north of Shusha at about 08:30.", "description": "Shelling reported north of Shusha.",
}

func exampleString(name string) string {
	if v, ok := stringExamples[name]; ok {
		return v
	}
	switch {
	case name == "id":
		return "inc_8n2k4m6p8r0t2v4x6z1b"
	case strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_ids"):
		kind := strings.TrimSuffix(strings.TrimSuffix(name, "_ids"), "_id")
		for k, prefix := range idPrefixes {
			if kind == k || strings.HasSuffix(kind, "_"+k) {
				return prefix + "_3c5e7g9j1l2n4q6s8u0w"
			}
		}
		return "lyr_3c5e7g9j1l2n4q6s8u0w"
	case has(name, "date", "day", "on", "due"):
		return "2021-06-12"
	case has(name, "at", "from", "to", "since", "until", "start", "end", "time"):
		return exampleTime(name)
	case has(name, "lang", "language", "locale"):
		return "en"
	case has(name, "email"):
		return "monitor@example.org"
	case has(name, "url", "link", "uri"):
		return "https://example.org/statements/2021-08-31"
	case has(name, "password"):
		return "correct horse battery staple"
	case has(name, "sha256", "hash", "sum"):
		return "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	case has(name, "media_type", "content_type", "mime"):
		return "application/pdf"
	case has(name, "org", "organisation", "party"):
		return "org_side_a"
	case has(name, "format"):
		return "pdf"
	case has(name, "edition"):
		return "mission"
	case has(name, "name", "title", "label"):
		return "Shusha"
	}
	return "as reported"
}

func exampleInt(name string) int {
	switch {
	case has(name, "version"):
		return 3
	case has(name, "year"):
		return 2021
	case has(name, "size", "count", "number", "quantity", "total", "limit"):
		return 12
	case has(name, "metres", "meters", "radius", "width", "distance", "within"):
		return 500
	}
	return 1
}

func exampleFloat(name string) float64 {
	switch {
	case has(name, "lat", "latitude"):
		return 39.8177
	case has(name, "lon", "lng", "longitude"):
		return 46.7517
	case has(name, "metres", "meters", "radius", "width", "distance", "within", "accuracy", "uncertainty"):
		return 500
	}
	return 1.5
}
