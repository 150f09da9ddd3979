-- Package mines: minefield records, their handovers and hazard areas with
-- land release. Every row is a pure function of a record's id and its
-- latest change body (see internal/mines/service.go); truce verify
-- rebuilds them. Computed values (areas in m², totals, a hazard area's
-- status and remaining area) are in the body. Times are UTC text
-- 2006-01-02T15:04:05Z; days 'YYYY-MM-DD'. Each table with classification
-- and owner_org has a readers table for access.Filter; release and device
-- rows repeat their area's label and district so that the summary filters
-- and groups them without a join.

CREATE TABLE minefields (
	id             TEXT COLLATE "C" PRIMARY KEY,
	laid_by        TEXT COLLATE "C" NOT NULL,
	district       TEXT COLLATE "C" NOT NULL,
	emplacement    TEXT COLLATE "C" NOT NULL,
	laid_at        TEXT COLLATE "C" NOT NULL,
	area_m2        DOUBLE PRECISION NOT NULL,
	mines_total    BIGINT NOT NULL,
	min_lat        DOUBLE PRECISION NOT NULL,
	min_lon        DOUBLE PRECISION NOT NULL,
	max_lat        DOUBLE PRECISION NOT NULL,
	max_lon        DOUBLE PRECISION NOT NULL,
	illustrative   BIGINT NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX minefields_laid_at ON minefields (laid_at, id);
CREATE INDEX minefields_laid_by ON minefields (laid_by, laid_at);

CREATE TABLE minefield_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX minefield_readers_record ON minefield_readers (record_id, org_id);

CREATE TABLE handovers (
	id             TEXT COLLATE "C" PRIMARY KEY,
	from_side      TEXT COLLATE "C" NOT NULL,
	to_side        TEXT COLLATE "C" NOT NULL,
	day            TEXT COLLATE "C" NOT NULL,
	exchange_id    TEXT COLLATE "C" NOT NULL, -- '' when not linked
	records        BIGINT NOT NULL, -- minefield records listed
	mines_claimed  BIGINT, -- NULL when not stated
	illustrative   BIGINT NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX handovers_day ON handovers (day, id);
CREATE INDEX handovers_exchange ON handovers (exchange_id);

CREATE TABLE handover_districts (
	handover_id TEXT COLLATE "C" NOT NULL,
	district    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX handover_districts_handover ON handover_districts (handover_id);

CREATE TABLE handover_minefields (
	handover_id  TEXT COLLATE "C" NOT NULL,
	minefield_id TEXT COLLATE "C" NOT NULL
);
CREATE INDEX handover_minefields_handover ON handover_minefields (handover_id);
CREATE INDEX handover_minefields_minefield ON handover_minefields (minefield_id);

CREATE TABLE handover_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX handover_readers_record ON handover_readers (record_id, org_id);

CREATE TABLE hazard_areas (
	id             TEXT COLLATE "C" PRIMARY KEY,
	district       TEXT COLLATE "C" NOT NULL,
	status         TEXT COLLATE "C" NOT NULL, -- suspected, confirmed, cancelled, reduced, cleared
	evidence       TEXT COLLATE "C" NOT NULL,
	minefield_id   TEXT COLLATE "C" NOT NULL, -- '' when not linked
	area_m2        DOUBLE PRECISION NOT NULL,
	remaining_m2   DOUBLE PRECISION NOT NULL,
	recorded_day   TEXT COLLATE "C" NOT NULL,
	min_lat        DOUBLE PRECISION NOT NULL,
	min_lon        DOUBLE PRECISION NOT NULL,
	max_lat        DOUBLE PRECISION NOT NULL,
	max_lon        DOUBLE PRECISION NOT NULL,
	illustrative   BIGINT NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX hazard_areas_recorded ON hazard_areas (recorded_day, id);
CREATE INDEX hazard_areas_status ON hazard_areas (status, recorded_day);
CREATE INDEX hazard_areas_district ON hazard_areas (district, recorded_day);

-- One row per release event; seq is the event's number in the area.
CREATE TABLE hazard_releases (
	hazard_area_id TEXT COLLATE "C" NOT NULL,
	seq            BIGINT NOT NULL,
	day            TEXT COLLATE "C" NOT NULL,
	method         TEXT COLLATE "C" NOT NULL, -- non_technical_survey, technical_survey, clearance
	area_m2        DOUBLE PRECISION NOT NULL,
	district       TEXT COLLATE "C" NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX hazard_releases_area ON hazard_releases (hazard_area_id);
-- The summary reads everything it sums and filters from an index, without
-- touching the table: by district and method, so that grouping needs no
-- sort, or by day for a short window.
CREATE INDEX hazard_releases_group ON hazard_releases (district, method, day, area_m2, classification, owner_org, hazard_area_id);
CREATE INDEX hazard_releases_day ON hazard_releases (day, district, method, area_m2, classification, owner_org, hazard_area_id);

-- One row per entry of destroyed devices on a release event.
CREATE TABLE hazard_devices (
	hazard_area_id TEXT COLLATE "C" NOT NULL,
	seq            BIGINT NOT NULL,
	day            TEXT COLLATE "C" NOT NULL,
	category       TEXT COLLATE "C" NOT NULL,
	count          BIGINT NOT NULL,
	district       TEXT COLLATE "C" NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX hazard_devices_area ON hazard_devices (hazard_area_id);
CREATE INDEX hazard_devices_group ON hazard_devices (district, category, day, count, classification, owner_org, hazard_area_id);
CREATE INDEX hazard_devices_day ON hazard_devices (day, district, category, count, classification, owner_org, hazard_area_id);

CREATE TABLE hazard_area_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX hazard_area_readers_record ON hazard_area_readers (record_id, org_id);
