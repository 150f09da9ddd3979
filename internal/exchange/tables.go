package exchange

import (
	"github.com/truce-monitoring/truce/internal/geo"
)

// The tables every export writes and every import reads, one per kind of
// record and geometry type. Their column names are the contract between
// the two: an importer reads a Feature's Props by these names, whatever
// the file's format.
//
// Conventions, the same in every table:
//   - id is Truce's id; importable kinds (allegations, observations,
//     layers, places) also have external_id, the id in the system the
//     record came from (idempotent re-import), null when none;
//   - a code (a side's organisation id, a category, a status) is the
//     machine-readable value; a column named X_name next to it holds the
//     English words a spreadsheet reader needs, and importers ignore it;
//   - columns a record may lack are null, never "" or 0;
//   - a value that is a list or a map is JSON text in one column (names in
//     several languages, military casualties by side); importers parse it;
//   - columns marked computed are what Truce worked out (geography, areas,
//     totals); importers ignore them;
//   - lat and lon repeat the point geometry (WGS 84) for spreadsheets.

// Table names, which are also the export kinds of the command line and the
// API, except layers, which names the four layer tables together.
const (
	TableIncidents      = "incidents"
	TableAllegations    = "allegations"
	TableObservations   = "observations"
	TablePatrols        = "patrols"
	TableLinesOfContact = "layers_lines_of_contact"
	TableZones          = "layers_zones"
	TableCorridors      = "layers_corridors"
	TableSites          = "layers_sites"
	TablePlaces         = "places"
	TableMinefields     = "minefields"
	TableHazardAreas    = "hazard_areas"
	TableCrossings      = "crossings"
	TableRestrictions   = "restrictions"
	TableReturns        = "returns"
	TablePersonsHeld    = "persons_held"

	// KindLayers exports the four layer tables (one file per table for
	// the formats that hold one geometry type per file).
	KindLayers = "layers"
)

func col(name string, t ColumnType, hxl, doc string) Column {
	return Column{Name: name, Type: t, HXL: hxl, Doc: doc}
}

// Columns every labelled record ends with.
var labelColumns = []Column{
	col("classification", Text, "#meta+classification", "who may read it: public, mission, restricted or personal"),
	col("owner_org", Text, "#org+owner+code", "the organisation that filed the record (organisation id)"),
	col("owner_org_name", Text, "#org+owner+name", "that organisation's name"),
}

// Columns of a record with a point geometry, repeated for spreadsheets.
var latLon = []Column{
	col("lat", Real, "#geo+lat", "latitude, WGS 84 decimal degrees"),
	col("lon", Real, "#geo+lon", "longitude, WGS 84 decimal degrees"),
}

// Columns Truce computes from the layers in force where and when a point
// lies (its geography).
var geographyColumns = []Column{
	col("zone_name", Text, "#loc+zone+name", "computed: the zones the point lies in, names joined by \"; \""),
	col("nearest_place_name", Text, "#loc+name", "computed: the nearest gazetteer place"),
	col("nearest_place_distance_m", Real, "#loc+distance", "computed: metres to that place"),
	col("line_of_contact_distance_m", Real, "#geo+distance+contact", "computed: metres to the nearest line of contact in force"),
	col("line_of_contact_side_name", Text, "#geo+side+name", "computed: the party holding the side of the line the point lies on, when the layer says"),
}

// Time columns of a reported time (allegations, observations, incidents).
var eventTimeColumns = []Column{
	col("start", DateTime, "#date+start", "when it happened, or the start of the window or day (UTC)"),
	col("end", DateTime, "#date+end", "the end of the window or day; null for an exact time"),
	col("time_precision", Text, "#date+precision", "exact, window or day"),
	col("date", Date, "#date", "the UTC day of start"),
}

func join(parts ...[]Column) []Column {
	var out []Column
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var allegationsTable = Table{Name: TableAllegations, Title: "Allegations", Geometry: geo.TypePoint, Columns: join(
	[]Column{
		col("id", Text, "#event+id", "Truce's id of the allegation"),
		col("external_id", Text, "#event+id+external", "the id in the system the allegation came from; null when none"),
		col("source_kind", Text, "#meta+source+type", "side, public, third_party, media or mission"),
		col("lodged_by", Text, "#org+source+code", "organisation id of the source (the side, the outlet, the agency); null for the public"),
		col("lodged_by_name", Text, "#org+source+name", "that organisation's name"),
		col("on_behalf_of", Text, "#org+complainant+code", "for a side's allegation, the side in whose name (organisation id)"),
		col("on_behalf_of_name", Text, "#org+complainant+name", "that side's name"),
		col("alleged_perpetrator", Text, "#org+perpetrator+code", "organisation id of the side alleged responsible, or unknown"),
		col("alleged_perpetrator_name", Text, "#org+perpetrator+name", "that side's name, or unknown"),
		col("category", Text, "#event+type+code", "the taxonomy code, e.g. heavy_weapons_fire"),
		col("category_name", Text, "#event+type+name", "the category in words"),
		col("acled_event_type", Text, "#event+type+acled", "the ACLED event type the category maps to"),
		col("acled_sub_event_type", Text, "#event+subtype+acled", "the ACLED sub-event type the category maps to"),
	},
	eventTimeColumns,
	latLon,
	[]Column{
		col("location_precision", Text, "#geo+precision", "exact, near_place, district or region"),
		col("radius_m", Real, "#geo+radius", "the radius the precision stands for, metres"),
		col("place_id", Text, "#loc+code", "the gazetteer place a near_place report names"),
		col("killed_civilians_best", Integer, "#affected+killed+civilians", "civilians killed, best estimate"),
		col("killed_civilians_low", Integer, "#affected+killed+civilians+low", "civilians killed, low estimate"),
		col("killed_civilians_high", Integer, "#affected+killed+civilians+high", "civilians killed, high estimate"),
		col("injured_civilians_best", Integer, "#affected+injured+civilians", "civilians injured, best estimate"),
		col("injured_civilians_low", Integer, "#affected+injured+civilians+low", "civilians injured, low estimate"),
		col("injured_civilians_high", Integer, "#affected+injured+civilians+high", "civilians injured, high estimate"),
		col("killed_military_best", Integer, "#affected+killed+military", "military killed, best estimate, all sides together"),
		col("injured_military_best", Integer, "#affected+injured+military", "military injured, best estimate, all sides together"),
		col("killed_military_by_side", Text, "#affected+killed+military+bySide", `military killed by side, JSON: [{"side":id,"best":n,"low":n,"high":n}]; null when none`),
		col("injured_military_by_side", Text, "#affected+injured+military+bySide", `military injured by side, JSON as killed_military_by_side`),
		col("narrative", Text, "#description", "what the source says happened"),
		col("reliability", Text, "#meta+reliability", "source reliability, A (reliable) to F (cannot be judged)"),
		col("credibility", Integer, "#meta+credibility", "information credibility, 1 (confirmed) to 6 (cannot be judged)"),
		col("status", Text, "#status+code", "lodged or withdrawn"),
		col("withdrawn_at", DateTime, "#date+withdrawn", "when it was withdrawn; null while lodged"),
		col("withdrawal_reason", Text, "#status+reason", "why it was withdrawn"),
		col("reported_at", DateTime, "#date+reported", "when the source made the claim, when earlier than lodged_at"),
		col("lodged_at", DateTime, "#date+lodged", "when it was lodged in Truce"),
		col("incident_id", Text, "#event+incident+id", "the incident it is linked to; null when none"),
	},
	geographyColumns,
	labelColumns,
)}

var observationsTable = Table{Name: TableObservations, Title: "Observations", Geometry: geo.TypePoint, Columns: join(
	[]Column{
		col("id", Text, "#event+id", "Truce's id of the observation"),
		col("external_id", Text, "#event+id+external", "the id in the system the observation came from; null when none"),
		col("observer_kind", Text, "#meta+observer+type", "patrol, post, camera or drone"),
		col("observer_lat", Real, "#geo+lat+observer", "the observer's latitude"),
		col("observer_lon", Real, "#geo+lon+observer", "the observer's longitude"),
		col("site_id", Text, "#loc+site+code", "the site layer of a post or camera; null otherwise"),
		col("kind", Text, "#event+type+code", "what was observed, e.g. impact, small_arms_fire"),
		col("kind_name", Text, "#event+type+name", "the kind in words"),
		col("category", Text, "#event+category+code", "computed: the taxonomy category the kind counts under"),
		col("count", Integer, "#indicator+count", "how many (impacts, bursts, vehicles…)"),
		col("perception", Text, "#meta+perception", "heard or seen"),
		col("bearing_from", Real, "#geo+bearing+from", "bearing from the observer, degrees from north, start of the sector; null when not taken"),
		col("bearing_to", Real, "#geo+bearing+to", "bearing, end of the sector; null when not taken"),
		col("distance_min_m", Real, "#geo+distance+min", "nearest distance from the observer, metres"),
		col("distance_max_m", Real, "#geo+distance+max", "farthest distance from the observer, metres"),
	},
	eventTimeColumns,
	[]Column{
		col("lat", Real, "#geo+lat", "computed: latitude of the middle of the probable area (the point geometry)"),
		col("lon", Real, "#geo+lon", "computed: longitude of the middle of the probable area"),
		col("note", Text, "#description", "the observer's note"),
		col("recorded_at", DateTime, "#date+recorded", "when it was recorded in Truce"),
		col("incident_id", Text, "#event+incident+id", "the incident it is linked to; null when none"),
	},
	geographyColumns,
	labelColumns,
)}

var incidentsTable = Table{Name: TableIncidents, Title: "Incidents", Geometry: geo.TypePoint, Columns: join(
	[]Column{
		col("id", Text, "#event+id", "Truce's id of the incident"),
		col("title", Text, "#event+name", "the incident's title"),
		col("category", Text, "#event+type+code", "the taxonomy code"),
		col("category_name", Text, "#event+type+name", "the category in words"),
		col("acled_event_type", Text, "#event+type+acled", "the ACLED event type the category maps to"),
		col("acled_sub_event_type", Text, "#event+subtype+acled", "the ACLED sub-event type the category maps to"),
	},
	eventTimeColumns,
	latLon,
	[]Column{
		col("radius_m", Real, "#geo+radius", "how far from the point it may have happened, metres"),
		col("status", Text, "#status+code", "received, preliminary_review, under_investigation, finding, closed or suspended"),
		col("status_name", Text, "#status+name", "the status in words"),
		col("outcome", Text, "#status+outcome", "the finding: substantiated, not_substantiated or inconclusive; null before a finding"),
		col("attribution", Text, "#org+perpetrator+code", "the finding's attribution: a side's organisation id, both or undetermined; null before a finding"),
		col("attribution_name", Text, "#org+perpetrator+name", "the attribution in words"),
		col("finding_summary", Text, "#description+finding", "the finding's summary"),
		col("allegations", Integer, "#indicator+allegations", "how many allegations it groups"),
		col("observations", Integer, "#indicator+observations", "how many observations it groups"),
	},
	geographyColumns,
	labelColumns,
)}

var patrolsTable = Table{Name: TablePatrols, Title: "Patrols", Geometry: geo.TypeLineString, Columns: join(
	[]Column{
		col("id", Text, "#activity+id", "Truce's id of the patrol"),
		col("team", Text, "#contact+team", `its members, JSON: ["name", …]`),
		col("start", DateTime, "#date+start", "when it set out (UTC)"),
		col("end", DateTime, "#date+end", "when it came back; null while out"),
		col("note", Text, "#description", "the patrol's note"),
	},
	labelColumns,
)}

// Columns of every layer table; kind-specific ones are null elsewhere.
var layerColumns = join(
	[]Column{
		col("id", Text, "#loc+id", "Truce's id of the layer"),
		col("external_id", Text, "#loc+id+external", "the id in the system the layer came from; null when none"),
		col("kind", Text, "#loc+type", "line_of_contact, zone, corridor or site"),
		col("subkind", Text, "#loc+type+sub", "zones: buffer, withdrawal, control…; sites: observation_post, checkpoint, base…"),
		col("name", Text, "#loc+name", "the layer's name"),
		col("names", Text, "#loc+name+i18n", `names by language, JSON: {"en":"…","ru":"…"}; null when none`),
		col("party", Text, "#org+code", "the party it belongs to (organisation id), e.g. a zone of control; null when none"),
		col("party_name", Text, "#org+name", "that party's name"),
		col("width_m", Real, "#geo+width", "corridors: the width, metres"),
		col("left_party", Text, "#org+left+code", "lines of contact: the party holding the left side, looking along the line"),
		col("right_party", Text, "#org+right+code", "lines of contact: the party holding the right side"),
		col("valid_from", DateTime, "#date+start", "when the layer comes into force"),
		col("valid_to", DateTime, "#date+end", "when it ceases to be in force; null when open"),
		col("note", Text, "#description", "note"),
		col("illustrative", Bool, "#meta+illustrative", "invented for a demonstration"),
	},
	labelColumns,
)

var placesTable = Table{Name: TablePlaces, Title: "Places", Geometry: geo.TypePoint, Columns: join(
	[]Column{
		col("id", Text, "#loc+id", "Truce's id of the place"),
		col("external_id", Text, "#loc+id+external", "the id in the system the place came from (e.g. a P-code); null when none"),
		col("kind", Text, "#loc+type", "settlement, district, region, landmark, border_crossing or other"),
		col("name", Text, "#loc+name", "the place's English name, or its first name when it has no English one"),
		col("names", Text, "#loc+name+i18n", `every name, JSON: [{"lang":"hy","party":id or absent,"name":"…"}]`),
	},
	latLon,
	[]Column{
		col("note", Text, "#description", "note"),
		col("illustrative", Bool, "#meta+illustrative", "invented for a demonstration"),
	},
	labelColumns,
)}

var minefieldsTable = Table{Name: TableMinefields, Title: "Minefields", Geometry: geo.TypePolygon, Columns: join(
	[]Column{
		col("id", Text, "#loc+minefield+id", "Truce's id of the minefield record"),
		col("designation", Text, "#loc+minefield+ref", "the laying side's reference for the field"),
		col("laid_by", Text, "#org+code", "the side that laid it (organisation id)"),
		col("laid_by_name", Text, "#org+name", "that side's name"),
		col("district", Text, "#adm2+name", "the district, as recorded"),
		col("laid_at", DateTime, "#date", "when it was laid"),
		col("emplacement", Text, "#meta+emplacement", "hand, mechanical or remotely_delivered"),
		col("mines_total", Integer, "#indicator+mines", "computed: mines recorded, all types"),
		col("anti_tank", Integer, "#indicator+mines+antitank", "computed: anti-tank mines recorded"),
		col("anti_personnel", Integer, "#indicator+mines+antipersonnel", "computed: anti-personnel mines recorded"),
		col("mine_types", Text, "#item+mines", `the mine types, JSON: [{"category":…,"model":…,"count":n}]`),
		col("anti_handling", Bool, "#meta+antihandling", "anti-handling devices present"),
		col("area_m2", Real, "#geo+area", "computed: the perimeter's area, m²"),
		col("reference_points", Integer, "#geo+refpoints", "how many reference points are recorded (the points themselves stay in Truce)"),
		col("note", Text, "#description", "note"),
		col("illustrative", Bool, "#meta+illustrative", "invented for a demonstration"),
	},
	labelColumns,
)}

var hazardAreasTable = Table{Name: TableHazardAreas, Title: "Hazard areas", Geometry: geo.TypePolygon, Columns: join(
	[]Column{
		col("id", Text, "#loc+hazard+id", "Truce's id of the hazard area"),
		col("name", Text, "#loc+name", "the survey's reference or a name"),
		col("district", Text, "#adm2+name", "the district, as recorded"),
		col("place_id", Text, "#loc+code", "the gazetteer place it is nearest, when given"),
		col("evidence", Text, "#meta+evidence", "device_seen, accident, minefield_record, local_report, military_report, combat_history, imagery or other"),
		col("minefield_id", Text, "#loc+minefield+id", "the minefield record it comes from; null when none"),
		col("recorded_on", Date, "#date+recorded", "when it was surveyed"),
		col("status", Text, "#status+code", "computed: suspected, confirmed, cancelled, reduced or cleared"),
		col("area_m2", Real, "#geo+area", "computed: the polygon's area, m²"),
		col("released_m2", Real, "#geo+area+released", "computed: area released so far, m²"),
		col("remaining_m2", Real, "#geo+area+remaining", "computed: area still hazardous, m²"),
		col("note", Text, "#description", "note"),
		col("illustrative", Bool, "#meta+illustrative", "invented for a demonstration"),
	},
	labelColumns,
)}

var crossingsTable = Table{Name: TableCrossings, Title: "Crossings", Geometry: geo.TypePoint, Columns: join(
	[]Column{
		col("id", Text, "#activity+id", "Truce's id of the crossing"),
		col("at", DateTime, "#date", "when it crossed (UTC)"),
		col("checkpoint_id", Text, "#loc+checkpoint+code", "the checkpoint (a site layer); the point geometry is its position"),
		col("checkpoint_name", Text, "#loc+checkpoint+name", "the checkpoint's name"),
		col("corridor_id", Text, "#loc+corridor+code", "the corridor the checkpoint is on; null when none"),
		col("direction", Text, "#meta+direction", "towards_start or towards_end of the corridor's centre line as digitised"),
	},
	latLon,
	[]Column{
		col("people", Integer, "#affected+people", "people crossing"),
		col("vehicles", Integer, "#indicator+vehicles", "vehicles crossing"),
		col("cargo_tonnes", Real, "#indicator+cargo+tonnes", "cargo, tonnes; null when none"),
		col("cargo_type", Text, "#item+cargo", "e.g. food, fuel; null when none"),
		col("escort_org", Text, "#org+escort+code", "organisation id of the escort; null when none"),
		col("escort_org_name", Text, "#org+escort+name", "the escort's name"),
		col("humanitarian", Bool, "#meta+humanitarian", "a humanitarian convoy or movement"),
		col("flags", Text, "#meta+flags", "computed: what Truce noticed (e.g. during a closure), joined by \"; \"; null when none"),
		col("note", Text, "#description", "note"),
		col("illustrative", Bool, "#meta+illustrative", "invented for a demonstration"),
	},
	labelColumns,
)}

// Restrictions apply to a checkpoint or a whole corridor: no one geometry
// type fits both, so the table has none; scope_name says where.
var restrictionsTable = Table{Name: TableRestrictions, Title: "Restrictions", Columns: join(
	[]Column{
		col("id", Text, "#activity+id", "Truce's id of the restriction"),
		col("kind", Text, "#access+type", "closure, partial or reopening"),
		col("checkpoint_id", Text, "#loc+checkpoint+code", "the checkpoint it applies to; null for a whole corridor"),
		col("corridor_id", Text, "#loc+corridor+code", "the corridor it applies to; null for a checkpoint"),
		col("scope_name", Text, "#loc+name", "the checkpoint's or corridor's name"),
		col("reason", Text, "#access+reason", "the reason given"),
		col("by_org", Text, "#org+code", "organisation id of who imposed or lifted it; null when not known"),
		col("by_org_name", Text, "#org+name", "that organisation's name"),
		col("by_text", Text, "#org+description", "who imposed or lifted it, as described"),
		col("start", DateTime, "#date+start", "when it started (UTC)"),
		col("end", DateTime, "#date+end", "when it ended; null while it lasts"),
		col("duration_s", Integer, "#indicator+duration", "computed: how long it lasted, seconds; null while it lasts"),
		col("note", Text, "#description", "note"),
		col("illustrative", Bool, "#meta+illustrative", "invented for a demonstration"),
	},
	labelColumns,
)}

var returnsTable = Table{Name: TableReturns, Title: "Returns", Geometry: geo.TypePoint, Columns: join(
	[]Column{
		col("id", Text, "#activity+id", "Truce's id of the return movement"),
		col("date", DateTime, "#date", "when the people arrived, or the date an aggregate figure is as of"),
		col("since", DateTime, "#date+start", "for an aggregate figure, the start of the period it counts"),
		col("origin_place_id", Text, "#loc+origin+code", "where they came from (gazetteer place)"),
		col("origin_text", Text, "#loc+origin+name", "where they came from, as described"),
		col("destination_place_id", Text, "#loc+code", "the settlement they returned to; the point geometry is its position"),
		col("destination_name", Text, "#loc+name", "that settlement's name"),
	},
	latLon,
	[]Column{
		col("total", Integer, "#affected+returnees", "how many people"),
		col("female", Integer, "#affected+returnees+f", "women and girls, when broken down"),
		col("male", Integer, "#affected+returnees+m", "men and boys, when broken down"),
		col("children", Integer, "#affected+returnees+children", "aged 0-17, when broken down"),
		col("elderly", Integer, "#affected+returnees+elderly", "aged 60+, when broken down"),
		col("people", Text, "#affected+returnees+breakdown", `the breakdown, JSON: [{"sex":…,"age":…,"count":n}]; null when none`),
		col("kind", Text, "#activity+type", "organised, spontaneous or mixed"),
		col("escort_org", Text, "#org+escort+code", "organisation id of the escort"),
		col("voluntariness_verified_by", Text, "#org+verifier+code", "organisation id that verified the return was voluntary"),
		col("source", Text, "#meta+source", "where the figure comes from"),
		col("note", Text, "#description", "note"),
		col("illustrative", Bool, "#meta+illustrative", "invented for a demonstration"),
	},
	labelColumns,
)}

var personsHeldTable = Table{Name: TablePersonsHeld, Title: "Persons held", Geometry: geo.TypePoint, Columns: []Column{
	col("id", Text, "#affected+detainee+id", "Truce's pseudonymous id of the person: drawn at random"),
	col("masked", Bool, "#meta+masked", "true when the reader may not see the person's identity: every personal column is then null"),
	col("category", Text, "#affected+detainee+type", "prisoner_of_war, civilian_detainee or hostage"),
	col("captured_by", Text, "#org+captor+code", "the capturing side (organisation id)"),
	col("held_by", Text, "#org+detaining+code", "the detaining side now (organisation id)"),
	col("held_by_name", Text, "#org+detaining+name", "that side's name"),
	col("nationality", Text, "#org+nationality+code", "the side on which the person depends (organisation id)"),
	col("nationality_name", Text, "#org+nationality+name", "that side's name"),
	col("captured_at", DateTime, "#date+captured", "when the person was captured (UTC)"),
	col("captured_after_agreement", Bool, "#meta+afteragreement", "captured after the agreement entered into force; null when no agreement applies"),
	col("status", Text, "#status+code", "held, hospitalised, released, repatriated, escaped or deceased"),
	col("consent_confirmed", Bool, "#meta+consent", "consent to repatriation confirmed"),
	col("erased", Bool, "#meta+erased", "the personal data was erased"),
	col("illustrative", Bool, "#meta+illustrative", "invented for a demonstration"),
	// Personal: null unless the reader may see identity (see Personal).
	col("surname", Text, "#affected+detainee+surname", "personal: surname"),
	col("first_names", Text, "#affected+detainee+firstname", "personal: first names"),
	col("rank", Text, "#affected+detainee+rank", "personal: rank"),
	col("date_of_birth", Date, "#affected+detainee+birthdate", "personal: date of birth"),
	col("place_of_birth", Text, "#affected+detainee+birthplace", "personal: place of birth"),
	col("service_number", Text, "#affected+detainee+servicenumber", "personal: army, regimental, personal or serial number"),
	col("father_first_name", Text, "#affected+detainee+father", "personal: father's first name"),
	col("mother_maiden_name", Text, "#affected+detainee+mother", "personal: mother's maiden name"),
	col("capture_place_id", Text, "#loc+capture+code", "personal: the gazetteer place of capture"),
	col("capture_lat", Real, "#geo+lat+capture", "personal: latitude of capture (the point geometry; null geometry when masked)"),
	col("capture_lon", Real, "#geo+lon+capture", "personal: longitude of capture"),
	col("death_date", Date, "#date+death", "the date of death, for a deceased person (not personal)"),
	col("death_place", Text, "#loc+death", "personal: the place of death"),
}}

// personalColumns are the columns of persons_held a source leaves null (and
// whose geometry it leaves out) for a reader the detainee service masks.
var personalColumns = map[string]bool{
	"surname": true, "first_names": true, "rank": true, "date_of_birth": true, "place_of_birth": true,
	"service_number": true, "father_first_name": true, "mother_maiden_name": true,
	"capture_place_id": true, "capture_lat": true, "capture_lon": true, "death_place": true,
}

// Personal reports whether column of table holds personal data: null in an
// export for a reader not entitled to it. The geometry of a table with a
// personal column is personal too.
func Personal(table, column string) bool {
	return table == TablePersonsHeld && personalColumns[column]
}

func layerTable(name, title string, g geo.GeometryType) Table {
	return Table{Name: name, Title: title, Geometry: g, Columns: layerColumns}
}

// Zones are MultiPolygons, so that a zone brought in with several parts
// or holes sits in the same table as one drawn in Truce (a one-part
// MultiPolygon).
var (
	linesOfContactTable = layerTable(TableLinesOfContact, "Lines of contact", geo.TypeLineString)
	zonesTable          = layerTable(TableZones, "Zones", geo.TypeMultiPolygon)
	corridorsTable      = layerTable(TableCorridors, "Corridors", geo.TypeLineString)
	sitesTable          = layerTable(TableSites, "Sites", geo.TypePoint)
)

var tables = []Table{
	incidentsTable, allegationsTable, observationsTable, patrolsTable,
	linesOfContactTable, zonesTable, corridorsTable, sitesTable, placesTable,
	minefieldsTable, hazardAreasTable, crossingsTable, restrictionsTable, returnsTable, personsHeldTable,
}

// Tables returns every export table, in the order of the list.
// The slices are copies: callers may not change the contract.
func Tables() []Table {
	out := make([]Table, len(tables))
	for i, t := range tables {
		t.Columns = append([]Column(nil), t.Columns...)
		out[i] = t
	}
	return out
}

// TableNamed returns the table called name.
func TableNamed(name string) (Table, bool) {
	for _, t := range Tables() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// LayerTables maps a layer kind (geo.KindZone…) to its table's name.
var LayerTables = map[string]string{
	geo.KindLineOfContact: TableLinesOfContact,
	geo.KindZone:          TableZones,
	geo.KindCorridor:      TableCorridors,
	geo.KindSite:          TableSites,
}

// Kinds are the export kinds in order: every table name, and layers for
// the four layer tables together.
func Kinds() []string {
	out := []string{}
	for _, t := range tables {
		out = append(out, t.Name)
		if t.Name == TableSites {
			out = append(out, KindLayers)
		}
	}
	return out
}

// TablesOf returns the tables of an export kind: one, or four for layers.
func TablesOf(kind string) ([]Table, bool) {
	if kind == KindLayers {
		var out []Table
		for _, name := range []string{TableLinesOfContact, TableZones, TableCorridors, TableSites} {
			t, _ := TableNamed(name)
			out = append(out, t)
		}
		return out, true
	}
	t, ok := TableNamed(kind)
	if !ok {
		return nil, false
	}
	return []Table{t}, true
}
