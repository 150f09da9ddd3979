-- Package statement: official statements about an agreement and the media
-- sources they come from. Every row is a pure function of a record's id and
-- its latest change body (see internal/statement/projection.go); truce
-- verify rebuilds them. Times are UTC text 2006-01-02T15:04:05Z; a date
-- given to the day is kept at 00:00:00Z of that day. folded is the
-- statement's summaries folded by internal/text Fold, for search.

CREATE TABLE sources (
	id             TEXT COLLATE "C" PRIMARY KEY,
	outlet_org     TEXT COLLATE "C" NOT NULL, -- '' when the outlet is given by name only
	published_at   TEXT COLLATE "C" NOT NULL,
	language       TEXT COLLATE "C" NOT NULL, -- BCP 47, canonical form
	content_sha256 TEXT COLLATE "C" NOT NULL, -- '' when none was given
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sources_published ON sources (published_at, id);
CREATE INDEX sources_outlet ON sources (outlet_org, published_at);

CREATE TABLE source_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX source_readers_record ON source_readers (record_id, org_id);

CREATE TABLE statements (
	id               TEXT COLLATE "C" PRIMARY KEY,
	organisation     TEXT COLLATE "C" NOT NULL,
	stance           TEXT COLLATE "C" NOT NULL, -- appeal, commitment, accusation, denial, welcome
	date_at          TEXT COLLATE "C" NOT NULL,
	language         TEXT COLLATE "C" NOT NULL,
	before_agreement BIGINT NOT NULL,
	folded           TEXT COLLATE "C" NOT NULL,
	classification   TEXT COLLATE "C" NOT NULL,
	owner_org        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX statements_date ON statements (date_at, id);
CREATE INDEX statements_org_date ON statements (organisation, date_at);
CREATE INDEX statements_stance_date ON statements (stance, date_at);

CREATE TABLE statement_provisions (
	statement_id TEXT COLLATE "C" NOT NULL,
	provision_id TEXT COLLATE "C" NOT NULL
);
CREATE INDEX statement_provisions_statement ON statement_provisions (statement_id);
CREATE INDEX statement_provisions_provision ON statement_provisions (provision_id, statement_id);

CREATE TABLE statement_sources (
	statement_id TEXT COLLATE "C" NOT NULL,
	source_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX statement_sources_statement ON statement_sources (statement_id);
CREATE INDEX statement_sources_source ON statement_sources (source_id, statement_id);

CREATE TABLE statement_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX statement_readers_record ON statement_readers (record_id, org_id);
