-- Package server (web pages): side tables, not in the change log.
--
-- web_preferences: a user's interface language and time zone, chosen on
-- /settings or with the language switcher. A preference is not a record of
-- the monitoring mission, so it is kept beside the log, like sessions.
CREATE TABLE web_preferences (
	user_id    TEXT COLLATE "C" PRIMARY KEY,
	language   TEXT COLLATE "C" NOT NULL DEFAULT '',
	time_zone  TEXT COLLATE "C" NOT NULL DEFAULT '',
	updated_at TEXT COLLATE "C" NOT NULL
);

-- web_submissions: the idempotency keys of submitted forms, per user, so
-- that a form sent twice creates one record. result is the address of the
-- record created ('' while the first submission is still being handled).
-- Rows older than a day are deleted when new ones are written.
CREATE TABLE web_submissions (
	user_id    TEXT COLLATE "C" NOT NULL,
	form_key   TEXT COLLATE "C" NOT NULL,
	result     TEXT COLLATE "C" NOT NULL DEFAULT '',
	created_at TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (user_id, form_key)
);
CREATE INDEX web_submissions_created ON web_submissions (created_at);
