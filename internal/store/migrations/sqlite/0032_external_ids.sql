-- External ids of imported allegations and observations (internal/exchange,
-- `truce import`): the id a record has in the file it came from, unique per
-- kind and importing organisation, so that importing a file again finds
-- what it already brought in. Projection rows of the record's own change
-- (the body's "imported" member), rebuilt by verify like any other.
CREATE TABLE allegation_external_ids (
	record_id   TEXT NOT NULL,
	owner_org   TEXT NOT NULL,
	external_id TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX allegation_external_ids_key ON allegation_external_ids (owner_org, external_id);
CREATE INDEX allegation_external_ids_record ON allegation_external_ids (record_id);
CREATE TABLE observation_external_ids (
	record_id   TEXT NOT NULL,
	owner_org   TEXT NOT NULL,
	external_id TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX observation_external_ids_key ON observation_external_ids (owner_org, external_id);
CREATE INDEX observation_external_ids_record ON observation_external_ids (record_id);
