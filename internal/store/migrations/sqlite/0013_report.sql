-- Package report: issued reports. A report is issued once; its change body
-- lists the SHA-256 of its JSON data and of every rendered file, which are
-- stored by hash under the data directory's reports/ folder. Rows are a
-- pure function of (id, body) (internal/report/issue.go).
CREATE TABLE reports (
	id             TEXT PRIMARY KEY,
	kind           TEXT NOT NULL, -- daily, implementation, summary
	number         TEXT NOT NULL, -- N/YYYY for daily reports, '' otherwise
	edition        TEXT NOT NULL, -- public, mission
	period_from    TEXT NOT NULL,
	period_to      TEXT NOT NULL,
	data_sha256    TEXT NOT NULL,
	log_seq        INTEGER NOT NULL, -- the issuing change's position, printed in the footer
	issued_at      TEXT NOT NULL,
	classification TEXT NOT NULL,
	owner_org      TEXT NOT NULL
) STRICT;
CREATE INDEX reports_period ON reports (period_to, id);

CREATE TABLE report_files (
	report_id  TEXT NOT NULL,
	format     TEXT NOT NULL, -- json, html, pdf, csv
	name       TEXT NOT NULL, -- csv: the table; '' otherwise
	sha256     TEXT NOT NULL,
	size       INTEGER NOT NULL
) STRICT;
CREATE INDEX report_files_report ON report_files (report_id, format, name);

CREATE TABLE report_readers (
	record_id TEXT NOT NULL,
	org_id    TEXT NOT NULL
) STRICT;
CREATE INDEX report_readers_record ON report_readers (record_id, org_id);
