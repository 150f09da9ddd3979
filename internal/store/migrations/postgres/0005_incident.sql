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
	id             TEXT COLLATE "C" PRIMARY KEY,
	source_kind    TEXT COLLATE "C" NOT NULL,
	lodged_by      TEXT COLLATE "C" NOT NULL,
	on_behalf_of   TEXT COLLATE "C" NOT NULL, -- '' unless source_kind = 'side'
	perpetrator    TEXT COLLATE "C" NOT NULL, -- a side's id or 'unknown'
	category       TEXT COLLATE "C" NOT NULL,
	status         TEXT COLLATE "C" NOT NULL, -- lodged, withdrawn
	lat            DOUBLE PRECISION NOT NULL,
	lon            DOUBLE PRECISION NOT NULL,
	radius_m       DOUBLE PRECISION NOT NULL,
	precision      TEXT COLLATE "C" NOT NULL,
	start_at       TEXT COLLATE "C" NOT NULL,
	end_at         TEXT COLLATE "C" NOT NULL, -- '' for an exact time
	day            TEXT COLLATE "C" NOT NULL,
	week           TEXT COLLATE "C" NOT NULL,
	zone_id        TEXT COLLATE "C" NOT NULL,
	outside_layers BIGINT NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
-- Lists by time window and bounding box: a range on day, then lat, lon,
-- the exact time and the label checked in the index, without touching the
-- table (only the page's rows are read).
CREATE INDEX allegations_day_lat_lon ON allegations (day, lat, lon, start_at, classification, owner_org);
CREATE INDEX allegations_start ON allegations (start_at, id);
CREATE INDEX allegations_side_day ON allegations (on_behalf_of, day);
CREATE INDEX allegations_category_day ON allegations (category, day);

CREATE TABLE allegation_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX allegation_readers_record ON allegation_readers (record_id, org_id);

-- lat/lon: the centre of the probable area; min/max: its bounding box.
CREATE TABLE observations (
	id             TEXT COLLATE "C" PRIMARY KEY,
	observer_kind  TEXT COLLATE "C" NOT NULL,
	kind           TEXT COLLATE "C" NOT NULL,
	category       TEXT COLLATE "C" NOT NULL, -- the taxonomy category the kind counts under
	explosion      BIGINT NOT NULL,
	count          BIGINT NOT NULL,
	perception     TEXT COLLATE "C" NOT NULL, -- heard, seen
	lat            DOUBLE PRECISION NOT NULL,
	lon            DOUBLE PRECISION NOT NULL,
	min_lat        DOUBLE PRECISION NOT NULL,
	min_lon        DOUBLE PRECISION NOT NULL,
	max_lat        DOUBLE PRECISION NOT NULL,
	max_lon        DOUBLE PRECISION NOT NULL,
	start_at       TEXT COLLATE "C" NOT NULL,
	end_at         TEXT COLLATE "C" NOT NULL,
	day            TEXT COLLATE "C" NOT NULL,
	week           TEXT COLLATE "C" NOT NULL,
	zone_id        TEXT COLLATE "C" NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX observations_day_lat_lon ON observations (day, lat, lon, start_at, classification, owner_org);
CREATE INDEX observations_start ON observations (start_at, id);

CREATE TABLE observation_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX observation_readers_record ON observation_readers (record_id, org_id);

-- outcome and attribution are set while the incident is at finding or
-- closed; '' otherwise (a reopened incident has no finding in force).
CREATE TABLE incidents (
	id             TEXT COLLATE "C" PRIMARY KEY,
	title          TEXT COLLATE "C" NOT NULL,
	category       TEXT COLLATE "C" NOT NULL,
	status         TEXT COLLATE "C" NOT NULL,
	outcome        TEXT COLLATE "C" NOT NULL,
	attribution    TEXT COLLATE "C" NOT NULL,
	lat            DOUBLE PRECISION NOT NULL,
	lon            DOUBLE PRECISION NOT NULL,
	radius_m       DOUBLE PRECISION NOT NULL,
	start_at       TEXT COLLATE "C" NOT NULL,
	end_at         TEXT COLLATE "C" NOT NULL,
	day            TEXT COLLATE "C" NOT NULL,
	week           TEXT COLLATE "C" NOT NULL,
	zone_id        TEXT COLLATE "C" NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX incidents_status ON incidents (status, start_at);
CREATE INDEX incidents_day ON incidents (day, lat, lon);

-- The allegations and observations an incident groups; the incident's body
-- lists them, so linking never edits the member. A member belongs to at
-- most one incident (checked on write).
CREATE TABLE incident_members (
	incident_id TEXT COLLATE "C" NOT NULL,
	member_id   TEXT COLLATE "C" NOT NULL,
	kind        TEXT COLLATE "C" NOT NULL -- allegation, observation
);
CREATE INDEX incident_members_incident ON incident_members (incident_id, kind);
CREATE INDEX incident_members_member ON incident_members (member_id);

CREATE TABLE incident_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX incident_readers_record ON incident_readers (record_id, org_id);

CREATE TABLE patrols (
	id             TEXT COLLATE "C" PRIMARY KEY,
	start_at       TEXT COLLATE "C" NOT NULL,
	end_at         TEXT COLLATE "C" NOT NULL,
	day            TEXT COLLATE "C" NOT NULL,
	min_lat        DOUBLE PRECISION NOT NULL,
	min_lon        DOUBLE PRECISION NOT NULL,
	max_lat        DOUBLE PRECISION NOT NULL,
	max_lon        DOUBLE PRECISION NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX patrols_day ON patrols (day);

CREATE TABLE patrol_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX patrol_readers_record ON patrol_readers (record_id, org_id);

-- duration_s: end - start in seconds, NULL while the restriction lasts.
CREATE TABLE fom_restrictions (
	id             TEXT COLLATE "C" PRIMARY KEY,
	patrol_id      TEXT COLLATE "C" NOT NULL,
	kind           TEXT COLLATE "C" NOT NULL, -- denied, delayed, conditional
	by_org         TEXT COLLATE "C" NOT NULL,
	lat            DOUBLE PRECISION NOT NULL,
	lon            DOUBLE PRECISION NOT NULL,
	start_at       TEXT COLLATE "C" NOT NULL,
	day            TEXT COLLATE "C" NOT NULL,
	week           TEXT COLLATE "C" NOT NULL,
	duration_s     BIGINT,
	zone_id        TEXT COLLATE "C" NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX fom_restrictions_day ON fom_restrictions (day);
CREATE INDEX fom_restrictions_patrol ON fom_restrictions (patrol_id);

CREATE TABLE fom_restriction_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX fom_restriction_readers_record ON fom_restriction_readers (record_id, org_id);
