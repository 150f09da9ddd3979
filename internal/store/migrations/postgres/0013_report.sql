-- Package report: issued reports. A report is issued once; its change body
-- lists the SHA-256 of its JSON data and of every rendered file, which are
-- stored by hash under the data directory's reports/ folder. Rows are a
-- pure function of (id, body) (internal/report/issue.go).
CREATE TABLE reports (
	id             TEXT COLLATE "C" PRIMARY KEY,
	kind           TEXT COLLATE "C" NOT NULL, -- daily, implementation, summary
	number         TEXT COLLATE "C" NOT NULL, -- N/YYYY for daily reports, '' otherwise
	edition        TEXT COLLATE "C" NOT NULL, -- public, mission
	period_from    TEXT COLLATE "C" NOT NULL,
	period_to      TEXT COLLATE "C" NOT NULL,
	data_sha256    TEXT COLLATE "C" NOT NULL,
	log_seq        BIGINT NOT NULL, -- the issuing change's position, printed in the footer
	issued_at      TEXT COLLATE "C" NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX reports_period ON reports (period_to, id);

CREATE TABLE report_files (
	report_id  TEXT COLLATE "C" NOT NULL,
	format     TEXT COLLATE "C" NOT NULL, -- json, html, pdf, csv
	name       TEXT COLLATE "C" NOT NULL, -- csv: the table; '' otherwise
	sha256     TEXT COLLATE "C" NOT NULL,
	size       BIGINT NOT NULL
);
CREATE INDEX report_files_report ON report_files (report_id, format, name);

CREATE TABLE report_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX report_readers_record ON report_readers (record_id, org_id);
