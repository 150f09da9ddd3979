-- Package incident: allegations, observations, incidents (with their
-- members), patrols and freedom-of-movement restrictions. Every row is a
-- pure function of a record's id and its latest change body (see
-- internal/incident/projection.go); truce verify rebuilds them. What
-- depended on the clock or the layers at write time (geography, durations)
-- is in the body. Times are UTC text 2006-01-02T15:04:05Z; day is
-- 'YYYY-MM-DD' and week the ISO week 'YYYY-Www' of the start time, so that
-- tallies group by plain columns. zone_id is the first zone (in layer id
-- order) containing the point, '' when none. Each table with
-- classification and owner_org has a readers table for access.Filter.

CREATE TABLE allegations (
	id             TEXT PRIMARY KEY,
	source_kind    TEXT NOT NULL,
	lodged_by      TEXT NOT NULL,
	on_behalf_of   TEXT NOT NULL, -- '' unless source_kind = 'side'
	perpetrator    TEXT NOT NULL, -- a side's id or 'unknown'
	category       TEXT NOT NULL,
	status         TEXT NOT NULL, -- lodged, withdrawn
	lat            REAL NOT NULL,
	lon            REAL NOT NULL,
	radius_m       REAL NOT NULL,
	precision      TEXT NOT NULL,
	start_at       TEXT NOT NULL,
	end_at         TEXT NOT NULL, -- '' for an exact time
	day            TEXT NOT NULL,
	week           TEXT NOT NULL,
	zone_id        TEXT NOT NULL,
	outside_layers INTEGER NOT NULL,
	classification TEXT NOT NULL,
	owner_org      TEXT NOT NULL
) STRICT;
-- Lists by time window and bounding box: a range on day, then lat, lon,
-- the exact time and the label checked in the index, without touching the
-- table (only the page's rows are read).
CREATE INDEX allegations_day_lat_lon ON allegations (day, lat, lon, start_at, classification, owner_org);
CREATE INDEX allegations_start ON allegations (start_at, id);
CREATE INDEX allegations_side_day ON allegations (on_behalf_of, day);
CREATE INDEX allegations_category_day ON allegations (category, day);

CREATE TABLE allegation_readers (
	record_id TEXT NOT NULL,
	org_id    TEXT NOT NULL
) STRICT;
CREATE INDEX allegation_readers_record ON allegation_readers (record_id, org_id);

-- lat/lon: the centre of the probable area; min/max: its bounding box.
CREATE TABLE observations (
	id             TEXT PRIMARY KEY,
	observer_kind  TEXT NOT NULL,
	kind           TEXT NOT NULL,
	category       TEXT NOT NULL, -- the taxonomy category the kind counts under
	explosion      INTEGER NOT NULL,
	count          INTEGER NOT NULL,
	perception     TEXT NOT NULL, -- heard, seen
	lat            REAL NOT NULL,
	lon            REAL NOT NULL,
	min_lat        REAL NOT NULL,
	min_lon        REAL NOT NULL,
	max_lat        REAL NOT NULL,
	max_lon        REAL NOT NULL,
	start_at       TEXT NOT NULL,
	end_at         TEXT NOT NULL,
	day            TEXT NOT NULL,
	week           TEXT NOT NULL,
	zone_id        TEXT NOT NULL,
	classification TEXT NOT NULL,
	owner_org      TEXT NOT NULL
) STRICT;
CREATE INDEX observations_day_lat_lon ON observations (day, lat, lon, start_at, classification, owner_org);
CREATE INDEX observations_start ON observations (start_at, id);

CREATE TABLE observation_readers (
	record_id TEXT NOT NULL,
	org_id    TEXT NOT NULL
) STRICT;
CREATE INDEX observation_readers_record ON observation_readers (record_id, org_id);

-- outcome and attribution are set while the incident is at finding or
-- closed; '' otherwise (a reopened incident has no finding in force).
CREATE TABLE incidents (
	id             TEXT PRIMARY KEY,
	title          TEXT NOT NULL,
	category       TEXT NOT NULL,
	status         TEXT NOT NULL,
	outcome        TEXT NOT NULL,
	attribution    TEXT NOT NULL,
	lat            REAL NOT NULL,
	lon            REAL NOT NULL,
	radius_m       REAL NOT NULL,
	start_at       TEXT NOT NULL,
	end_at         TEXT NOT NULL,
	day            TEXT NOT NULL,
	week           TEXT NOT NULL,
	zone_id        TEXT NOT NULL,
	classification TEXT NOT NULL,
	owner_org      TEXT NOT NULL
) STRICT;
CREATE INDEX incidents_status ON incidents (status, start_at);
CREATE INDEX incidents_day ON incidents (day, lat, lon);

-- The allegations and observations an incident groups; the incident's body
-- lists them, so linking never edits the member. A member belongs to at
-- most one incident (checked on write).
CREATE TABLE incident_members (
	incident_id TEXT NOT NULL,
	member_id   TEXT NOT NULL,
	kind        TEXT NOT NULL -- allegation, observation
) STRICT;
CREATE INDEX incident_members_incident ON incident_members (incident_id, kind);
CREATE INDEX incident_members_member ON incident_members (member_id);

CREATE TABLE incident_readers (
	record_id TEXT NOT NULL,
	org_id    TEXT NOT NULL
) STRICT;
CREATE INDEX incident_readers_record ON incident_readers (record_id, org_id);

CREATE TABLE patrols (
	id             TEXT PRIMARY KEY,
	start_at       TEXT NOT NULL,
	end_at         TEXT NOT NULL,
	day            TEXT NOT NULL,
	min_lat        REAL NOT NULL,
	min_lon        REAL NOT NULL,
	max_lat        REAL NOT NULL,
	max_lon        REAL NOT NULL,
	classification TEXT NOT NULL,
	owner_org      TEXT NOT NULL
) STRICT;
CREATE INDEX patrols_day ON patrols (day);

CREATE TABLE patrol_readers (
	record_id TEXT NOT NULL,
	org_id    TEXT NOT NULL
) STRICT;
CREATE INDEX patrol_readers_record ON patrol_readers (record_id, org_id);

-- duration_s: end - start in seconds, NULL while the restriction lasts.
CREATE TABLE fom_restrictions (
	id             TEXT PRIMARY KEY,
	patrol_id      TEXT NOT NULL,
	kind           TEXT NOT NULL, -- denied, delayed, conditional
	by_org         TEXT NOT NULL,
	lat            REAL NOT NULL,
	lon            REAL NOT NULL,
	start_at       TEXT NOT NULL,
	day            TEXT NOT NULL,
	week           TEXT NOT NULL,
	duration_s     INTEGER,
	zone_id        TEXT NOT NULL,
	classification TEXT NOT NULL,
	owner_org      TEXT NOT NULL
) STRICT;
CREATE INDEX fom_restrictions_day ON fom_restrictions (day);
CREATE INDEX fom_restrictions_patrol ON fom_restrictions (patrol_id);

CREATE TABLE fom_restriction_readers (
	record_id TEXT NOT NULL,
	org_id    TEXT NOT NULL
) STRICT;
CREATE INDEX fom_restriction_readers_record ON fom_restriction_readers (record_id, org_id);
