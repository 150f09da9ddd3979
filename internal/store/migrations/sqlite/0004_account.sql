-- Accounts (package account): users, API tokens and sign-in events.
--
-- users, tokens and auth_events are projections: every row is a pure
-- function of a record's id and its latest change body, and truce verify
-- rebuilds them from the change log. Times are UTC in the fixed-width
-- layout 2006-01-02T15:04:05.000000Z, so that text order is time order.
--
-- credentials and sessions are side tables: they hold secrets (argon2id
-- password hashes, the SHA-256 of session ids) that must never enter a
-- change body, which the history API shows. They are written with
-- store.Tx.ExecSide in the transaction of the change that goes with them
-- (a user created, a password set, a sign-in recorded) and are not rebuilt
-- by verify.

CREATE TABLE users (
	id       TEXT    PRIMARY KEY,
	username TEXT    NOT NULL,
	org      TEXT    NOT NULL,
	disabled INTEGER NOT NULL,
	roles    TEXT    NOT NULL -- comma-joined, in the order access.Roles gives them
) STRICT;
CREATE UNIQUE INDEX users_username ON users (username);
CREATE INDEX users_org ON users (org, id);

CREATE TABLE tokens (
	id            TEXT PRIMARY KEY,
	user_id       TEXT NOT NULL,
	name          TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	expires_at    TEXT,          -- NULL: never expires
	revoked_at    TEXT,          -- NULL: not revoked
	secret_sha256 TEXT NOT NULL  -- hex SHA-256 of the 256-bit secret
) STRICT;
CREATE INDEX tokens_user ON tokens (user_id, created_at, id);

-- kind: login, login_failed, logout, token_created, token_revoked.
-- user_id is NULL for a failed sign-in under a name that has no account.
CREATE TABLE auth_events (
	id      TEXT PRIMARY KEY,
	kind    TEXT NOT NULL,
	user_id TEXT,
	at      TEXT NOT NULL
) STRICT;
CREATE INDEX auth_events_user ON auth_events (user_id, at);
CREATE INDEX auth_events_at ON auth_events (at);

-- Side table: the argon2id hash of each user's password, as a PHC string.
CREATE TABLE credentials (
	user_id TEXT PRIMARY KEY,
	hash    TEXT NOT NULL
) STRICT;

-- Side table: browser sessions. Only the SHA-256 of the session id (the
-- cookie value) is kept, so a copy of the database does not hand out
-- sessions.
CREATE TABLE sessions (
	id_sha256  BLOB PRIMARY KEY,
	user_id    TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_seen  TEXT NOT NULL,
	expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
