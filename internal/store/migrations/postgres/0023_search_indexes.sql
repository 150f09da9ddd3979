-- Text search finds a substring of the folded names of places and the
-- folded summaries of statements (LIKE '%q%'), which no B-tree serves.
-- pg_trgm's GIN index does: LIKE with a leading wildcard becomes a bitmap
-- index scan over trigrams, rechecked row by row, so the results are those
-- of a scan. Trigrams of non-Latin scripts are indexed when the database's
-- LC_CTYPE knows their letters (C.UTF-8, en_US.UTF-8; not C): under C the
-- index still answers, scanning itself whole. pg_trgm is in PostgreSQL's
-- contrib (Debian's postgresql package) and is a trusted extension: the
-- database's owner may create it. Where it cannot be created the search
-- works unindexed and start-up says so in the server's log (a WARNING).
DO $$
BEGIN
	BEGIN
		CREATE EXTENSION IF NOT EXISTS pg_trgm;
	EXCEPTION WHEN OTHERS THEN
		RAISE WARNING 'pg_trgm could not be created (%): text search in place names and statements will scan instead of using an index', SQLERRM;
		RETURN;
	END;
	CREATE INDEX place_names_folded_trgm ON place_names USING gin (folded gin_trgm_ops);
	CREATE INDEX statements_folded_trgm ON statements USING gin (folded gin_trgm_ops);
END
$$;
