-- Geography: layers (line of contact, zones, corridors, sites) with validity
-- periods, and the gazetteer of places with their names per language and
-- per party. Projections of the "layer" and "place" entities.
CREATE TABLE layers (
	id           TEXT COLLATE "C" PRIMARY KEY,
	kind         TEXT COLLATE "C" NOT NULL,
	subkind      TEXT COLLATE "C" NOT NULL,
	name         TEXT COLLATE "C" NOT NULL,
	party        TEXT COLLATE "C" NOT NULL,
	valid_from   TEXT COLLATE "C" NOT NULL,
	valid_to     TEXT COLLATE "C" NOT NULL, -- '' when open-ended
	min_lat      DOUBLE PRECISION NOT NULL,
	min_lon      DOUBLE PRECISION NOT NULL,
	max_lat      DOUBLE PRECISION NOT NULL,
	max_lon      DOUBLE PRECISION NOT NULL,
	geometry     TEXT COLLATE "C" NOT NULL, -- GeoJSON, as in the body
	width_m      DOUBLE PRECISION NOT NULL,
	left_party   TEXT COLLATE "C" NOT NULL,
	right_party  TEXT COLLATE "C" NOT NULL,
	illustrative BIGINT NOT NULL,
	classification TEXT COLLATE "C" NOT NULL, -- public, mission, restricted
	owner_org    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX layers_kind ON layers (kind, valid_from);

-- Organisations that may read a restricted layer besides its owner.
CREATE TABLE layer_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX layer_readers_record ON layer_readers (record_id, org_id);

CREATE TABLE places (
	id           TEXT COLLATE "C" PRIMARY KEY,
	kind         TEXT COLLATE "C" NOT NULL,
	name         TEXT COLLATE "C" NOT NULL, -- the first name given: a default label
	lat          DOUBLE PRECISION NOT NULL,
	lon          DOUBLE PRECISION NOT NULL,
	illustrative BIGINT NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX places_lat_lon ON places (lat, lon);

CREATE TABLE place_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX place_readers_record ON place_readers (record_id, org_id);

CREATE TABLE place_names (
	place_id TEXT COLLATE "C" NOT NULL,
	lang     TEXT COLLATE "C" NOT NULL,
	party    TEXT COLLATE "C" NOT NULL,
	name     TEXT COLLATE "C" NOT NULL,
	folded   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX place_names_place ON place_names (place_id);
CREATE INDEX place_names_folded ON place_names (folded);
