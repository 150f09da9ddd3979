-- Credentials and sessions come under the log's integrity (issue 13).
--
-- Setting a password and opening or ending a session are auth events in the
-- change log, whose bodies carry the SHA-256 of the secret stored here
-- (never the secret): truce verify checks every row of credentials and
-- sessions against them, and the changes made in a session name it by its
-- public id (via "session:<id>").
--
-- Sessions opened before this migration were never logged: they end here,
-- and everyone signs in again once.
DROP TABLE sessions;

-- Side table: browser sessions. id is the public id the log names (never
-- the cookie); only the SHA-256 of the session id (the cookie value) is
-- kept, so that a copy of the database hands out no sessions. login_seq is
-- the change that opened the session (its login event).
CREATE TABLE sessions (
	id         TEXT COLLATE "C"    PRIMARY KEY,
	id_sha256  BYTEA    NOT NULL UNIQUE,
	user_id    TEXT COLLATE "C"    NOT NULL,
	csrf       TEXT COLLATE "C"    NOT NULL,
	created_at TEXT COLLATE "C"    NOT NULL,
	last_seen  TEXT COLLATE "C"    NOT NULL,
	expires_at TEXT COLLATE "C"    NOT NULL,
	login_seq  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The change that set the password (its password_set event); NULL for a
-- password set before passwords were logged, which verify reports until
-- the password is set again.
ALTER TABLE credentials ADD COLUMN set_seq BIGINT;
