-- PostgreSQL: the same schema as ../sqlite/0001_log.sql, numbered alike (INTEGER is
-- BIGINT, REAL DOUBLE PRECISION, BLOB BYTEA, and TEXT sorts by bytes
-- (COLLATE "C") as SQLite and Go compare strings); keep the two in step.
-- The change log: every change to every record, in log order. seq is the
-- leaf index in the Merkle tree. body is the canonical JSON of the record
-- after the change; erased bodies are NULL with erased_by set.
CREATE TABLE changes (
	seq          BIGINT PRIMARY KEY,
	entity       TEXT COLLATE "C"    NOT NULL,
	id           TEXT COLLATE "C"    NOT NULL,
	version      BIGINT NOT NULL,
	actor        TEXT COLLATE "C"    NOT NULL,
	org          TEXT COLLATE "C"    NOT NULL,
	via          TEXT COLLATE "C"    NOT NULL,
	at           TEXT COLLATE "C"    NOT NULL,
	body         BYTEA,
	body_sha256  BYTEA    NOT NULL,
	erased_by    BIGINT
);
CREATE UNIQUE INDEX changes_record ON changes (entity, id, version);

-- Stored hashes of the RFC 6962 tree, indexed as golang.org/x/mod/sumdb/tlog
-- numbers them (StoredHashIndex).
CREATE TABLE ledger_hashes (
	idx  BIGINT PRIMARY KEY,
	hash BYTEA NOT NULL
);

-- Signed checkpoints, one per tree size that was published.
CREATE TABLE checkpoints (
	size BIGINT PRIMARY KEY,
	at   TEXT COLLATE "C" NOT NULL,
	note TEXT COLLATE "C" NOT NULL
);

-- Installation facts (log origin, mission name).
CREATE TABLE meta (
	key   TEXT COLLATE "C" PRIMARY KEY,
	value TEXT COLLATE "C" NOT NULL
);
