-- The change log: every change to every record, in log order. seq is the
-- leaf index in the Merkle tree. body is the canonical JSON of the record
-- after the change; erased bodies are NULL with erased_by set.
CREATE TABLE changes (
	seq          INTEGER PRIMARY KEY,
	entity       TEXT    NOT NULL,
	id           TEXT    NOT NULL,
	version      INTEGER NOT NULL,
	actor        TEXT    NOT NULL,
	org          TEXT    NOT NULL,
	via          TEXT    NOT NULL,
	at           TEXT    NOT NULL,
	body         BLOB,
	body_sha256  BLOB    NOT NULL,
	erased_by    INTEGER
) STRICT;
CREATE UNIQUE INDEX changes_record ON changes (entity, id, version);

-- Stored hashes of the RFC 6962 tree, indexed as golang.org/x/mod/sumdb/tlog
-- numbers them (StoredHashIndex).
CREATE TABLE ledger_hashes (
	idx  INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
) STRICT;

-- Signed checkpoints, one per tree size that was published.
CREATE TABLE checkpoints (
	size INTEGER PRIMARY KEY,
	at   TEXT NOT NULL,
	note TEXT NOT NULL
) STRICT;

-- Installation facts (log origin, mission name).
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;
