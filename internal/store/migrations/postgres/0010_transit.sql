-- Package transit: crossings at corridor checkpoints and restrictions of
-- transit (closure, partial, reopening). Every row is a pure function of a
-- record's id and its latest change body (see internal/transit); truce
-- verify rebuilds them. Checkpoints and corridors are layers of package geo
-- (a site of subkind checkpoint; a corridor); corridor_id is the corridor
-- the checkpoint lay in when the record was written, kept in the body.
-- Times are UTC text 2006-01-02T15:04:05Z.

-- flagged: 1 when the crossing was recorded with a flag (e.g. at a closed
-- checkpoint), computed on write.
CREATE TABLE crossings (
	id             TEXT COLLATE "C" PRIMARY KEY,
	at             TEXT COLLATE "C" NOT NULL,
	day            TEXT COLLATE "C" NOT NULL,
	checkpoint_id  TEXT COLLATE "C" NOT NULL,
	corridor_id    TEXT COLLATE "C" NOT NULL,
	direction      TEXT COLLATE "C" NOT NULL, -- towards_start, towards_end
	people         BIGINT NOT NULL,
	vehicles       BIGINT NOT NULL,
	cargo_tonnes   DOUBLE PRECISION NOT NULL,
	humanitarian   BIGINT NOT NULL,
	flagged        BIGINT NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX crossings_at ON crossings (at, id);
CREATE INDEX crossings_checkpoint ON crossings (checkpoint_id, at);

CREATE TABLE crossing_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX crossing_readers_record ON crossing_readers (record_id, org_id);

-- checkpoint_id: '' for a whole-corridor restriction; end_at: '' while it
-- lasts (and always for a reopening); duration_s: NULL while it lasts.
CREATE TABLE transit_restrictions (
	id             TEXT COLLATE "C" PRIMARY KEY,
	kind           TEXT COLLATE "C" NOT NULL, -- closure, partial, reopening
	corridor_id    TEXT COLLATE "C" NOT NULL,
	checkpoint_id  TEXT COLLATE "C" NOT NULL,
	start_at       TEXT COLLATE "C" NOT NULL,
	end_at         TEXT COLLATE "C" NOT NULL,
	duration_s     BIGINT,
	span_class     BIGINT NOT NULL, -- smallest c with duration <= 2^c hours; -1 while it lasts
	by_org         TEXT COLLATE "C" NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
-- The status at a time reads, per duration class, only the starts that
-- could still be in force then, from the index alone.
CREATE INDEX transit_restrictions_in_force ON transit_restrictions (span_class, start_at, end_at, kind, corridor_id, checkpoint_id, classification, owner_org, id);
CREATE INDEX transit_restrictions_start ON transit_restrictions (start_at, id);
CREATE INDEX transit_restrictions_open ON transit_restrictions (end_at, corridor_id, checkpoint_id);

CREATE TABLE transit_restriction_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX transit_restriction_readers_record ON transit_restriction_readers (record_id, org_id);
