-- Package server (web pages): side tables, not in the change log.
--
-- web_preferences: a user's interface language and time zone, chosen on
-- /settings or with the language switcher. A preference is not a record of
-- the monitoring mission, so it is kept beside the log, like sessions.
CREATE TABLE web_preferences (
	user_id    TEXT PRIMARY KEY,
	language   TEXT NOT NULL DEFAULT '',
	time_zone  TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
) STRICT;

-- web_submissions: the idempotency keys of submitted forms, per user, so
-- that a form sent twice creates one record. result is the address of the
-- record created ('' while the first submission is still being handled).
-- Rows older than a day are deleted when new ones are written.
CREATE TABLE web_submissions (
	user_id    TEXT NOT NULL,
	form_key   TEXT NOT NULL,
	result     TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	PRIMARY KEY (user_id, form_key)
) STRICT;
CREATE INDEX web_submissions_created ON web_submissions (created_at);
