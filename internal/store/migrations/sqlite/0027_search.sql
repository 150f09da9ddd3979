-- The search index: one document per searchable record, projected in the
-- same transaction as the record's change from the texts its kind declares
-- (record.Kind.Search). body is those texts folded in Go (text.Fold: case
-- and diacritics ignored in every script) and cut into words, so that both
-- dialects search the same words. A document carries its own label — the
-- record's, or a stricter one for a part such as a person's identity — so
-- that access.Filter keeps, in SQL, only what the reader may find.
-- title is the line a result shows. Several kinds share the tables: each
-- kind's rows are those of its entity.
CREATE TABLE search_docs (
	id             TEXT NOT NULL PRIMARY KEY,
	entity         TEXT NOT NULL,
	classification TEXT NOT NULL,
	owner_org      TEXT NOT NULL,
	title          TEXT NOT NULL,
	body           TEXT NOT NULL
);
CREATE INDEX search_docs_entity ON search_docs (entity, id);
CREATE TABLE search_readers (
	record_id TEXT NOT NULL,
	entity    TEXT NOT NULL,
	org_id    TEXT NOT NULL,
	PRIMARY KEY (record_id, org_id)
);
-- FTS5 over the documents' words, its content read from search_docs and
-- kept by triggers. The words are already folded; the tokenizer folds
-- again alike, harmlessly.
CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_docs', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
	INSERT INTO search_fts (rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
	INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
CREATE TRIGGER search_docs_update AFTER UPDATE ON search_docs BEGIN
	INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
	INSERT INTO search_fts (rowid, body) VALUES (new.rowid, new.body);
END;
