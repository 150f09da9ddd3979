-- Package incident: review decisions on fusion's proposals (accept, reject,
-- split). One row per decision, a pure function of its change body (see
-- internal/incident/review.go); rejections keep a proposal from being made
-- again for the same report.

CREATE TABLE reviews (
	id          TEXT COLLATE "C" PRIMARY KEY,
	report_kind TEXT COLLATE "C" NOT NULL, -- allegation, observation
	report_id   TEXT COLLATE "C" NOT NULL,
	incident_id TEXT COLLATE "C" NOT NULL,
	decision    TEXT COLLATE "C" NOT NULL, -- accept, reject, split
	by_user     TEXT COLLATE "C" NOT NULL,
	at          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX reviews_report ON reviews (report_id, decision);

-- Attachments: files linked to an allegation or an incident, kept under
-- DATA_DIR/attachments/ by SHA-256 (see internal/incident/attachments.go).
-- One row per link; the same bytes may be linked to several records.
CREATE TABLE attachments (
	id          TEXT COLLATE "C" PRIMARY KEY,
	sha256      TEXT COLLATE "C" NOT NULL,
	record_kind TEXT COLLATE "C" NOT NULL, -- allegation, incident
	record_id   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX attachments_sha256 ON attachments (sha256);
