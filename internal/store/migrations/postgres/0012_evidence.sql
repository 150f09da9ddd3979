-- Package agreement: evidence links, each tying a provision to a record of
-- a registry (an exchange, a return, a crossing, a statement, an
-- incident, ...). One row per link, a pure function of its change body
-- (see internal/agreement/evidence.go). Who may see a link is decided when
-- it is read, by the linked record's own access view, so no label is kept
-- here. at is UTC text 2006-01-02T15:04:05Z.

CREATE TABLE evidence_links (
	id           TEXT COLLATE "C" PRIMARY KEY,
	provision_id TEXT COLLATE "C" NOT NULL,
	record_kind  TEXT COLLATE "C" NOT NULL,
	record_id    TEXT COLLATE "C" NOT NULL,
	at           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX evidence_links_provision ON evidence_links (provision_id, at, id);
CREATE INDEX evidence_links_record ON evidence_links (record_kind, record_id);
