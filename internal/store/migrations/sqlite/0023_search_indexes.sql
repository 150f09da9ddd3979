-- PostgreSQL's counterpart adds pg_trgm GIN indexes for substring search
-- in place names and statement summaries. SQLite has no index for LIKE
-- '%q%' short of an FTS5 trigram table: its search walks places by id and
-- checks each one's names through place_names_place, and walks statements
-- newest first through statements_date, stopping at the page's end. The
-- number is kept so that both dialects migrate alike.
SELECT 1;
