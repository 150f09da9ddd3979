-- Geography: layers (line of contact, zones, corridors, sites) with validity
-- periods, and the gazetteer of places with their names per language and
-- per party. Projections of the "layer" and "place" entities.
CREATE TABLE layers (
	id           TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	subkind      TEXT NOT NULL,
	name         TEXT NOT NULL,
	party        TEXT NOT NULL,
	valid_from   TEXT NOT NULL,
	valid_to     TEXT NOT NULL, -- '' when open-ended
	min_lat      REAL NOT NULL,
	min_lon      REAL NOT NULL,
	max_lat      REAL NOT NULL,
	max_lon      REAL NOT NULL,
	geometry     TEXT NOT NULL, -- GeoJSON, as in the body
	width_m      REAL NOT NULL,
	left_party   TEXT NOT NULL,
	right_party  TEXT NOT NULL,
	illustrative INTEGER NOT NULL,
	classification TEXT NOT NULL, -- public, mission, restricted
	owner_org    TEXT NOT NULL
) STRICT;
CREATE INDEX layers_kind ON layers (kind, valid_from);

-- Organisations that may read a restricted layer besides its owner.
CREATE TABLE layer_readers (
	record_id TEXT NOT NULL,
	org_id    TEXT NOT NULL
) STRICT;
CREATE INDEX layer_readers_record ON layer_readers (record_id, org_id);

CREATE TABLE places (
	id           TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	name         TEXT NOT NULL, -- the first name given: a default label
	lat          REAL NOT NULL,
	lon          REAL NOT NULL,
	illustrative INTEGER NOT NULL,
	classification TEXT NOT NULL,
	owner_org    TEXT NOT NULL
) STRICT;
CREATE INDEX places_lat_lon ON places (lat, lon);

CREATE TABLE place_readers (
	record_id TEXT NOT NULL,
	org_id    TEXT NOT NULL
) STRICT;
CREATE INDEX place_readers_record ON place_readers (record_id, org_id);

CREATE TABLE place_names (
	place_id TEXT NOT NULL,
	lang     TEXT NOT NULL,
	party    TEXT NOT NULL,
	name     TEXT NOT NULL,
	folded   TEXT NOT NULL
) STRICT;
CREATE INDEX place_names_place ON place_names (place_id);
CREATE INDEX place_names_folded ON place_names (folded);
