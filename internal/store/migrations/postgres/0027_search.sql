-- The search index (see the SQLite migration): one document per searchable
-- record, its words folded in Go. PostgreSQL's full-text search finds them
-- through a GIN index on to_tsvector('simple', body): the simple
-- configuration only lower-cases (the words already are), no stemming, so
-- both dialects match the same words.
CREATE TABLE search_docs (
	id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	entity         TEXT COLLATE "C" NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL,
	title          TEXT COLLATE "C" NOT NULL,
	body           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX search_docs_entity ON search_docs (entity, id);
CREATE INDEX search_docs_words ON search_docs USING gin (to_tsvector('simple', body));
CREATE TABLE search_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	entity    TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (record_id, org_id)
);
