-- Package incident: review decisions on fusion's proposals (accept, reject,
-- split). One row per decision, a pure function of its change body (see
-- internal/incident/review.go); rejections keep a proposal from being made
-- again for the same report.

CREATE TABLE reviews (
	id          TEXT PRIMARY KEY,
	report_kind TEXT NOT NULL, -- allegation, observation
	report_id   TEXT NOT NULL,
	incident_id TEXT NOT NULL,
	decision    TEXT NOT NULL, -- accept, reject, split
	by_user     TEXT NOT NULL,
	at          TEXT NOT NULL
) STRICT;
CREATE INDEX reviews_report ON reviews (report_id, decision);

-- Attachments: files linked to an allegation or an incident, kept under
-- DATA_DIR/attachments/ by SHA-256 (see internal/incident/attachments.go).
-- One row per link; the same bytes may be linked to several records.
CREATE TABLE attachments (
	id          TEXT PRIMARY KEY,
	sha256      TEXT NOT NULL,
	record_kind TEXT NOT NULL, -- allegation, incident
	record_id   TEXT NOT NULL
) STRICT;
CREATE INDEX attachments_sha256 ON attachments (sha256);
