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
	id       TEXT COLLATE "C"    PRIMARY KEY,
	username TEXT COLLATE "C"    NOT NULL,
	org      TEXT COLLATE "C"    NOT NULL,
	disabled BIGINT NOT NULL,
	roles    TEXT COLLATE "C"    NOT NULL -- comma-joined, in the order access.Roles gives them
);
CREATE UNIQUE INDEX users_username ON users (username);
CREATE INDEX users_org ON users (org, id);

CREATE TABLE tokens (
	id            TEXT COLLATE "C" PRIMARY KEY,
	user_id       TEXT COLLATE "C" NOT NULL,
	name          TEXT COLLATE "C" NOT NULL,
	created_at    TEXT COLLATE "C" NOT NULL,
	expires_at    TEXT COLLATE "C",          -- NULL: never expires
	revoked_at    TEXT COLLATE "C",          -- NULL: not revoked
	secret_sha256 TEXT COLLATE "C" NOT NULL  -- hex SHA-256 of the 256-bit secret
);
CREATE INDEX tokens_user ON tokens (user_id, created_at, id);

-- kind: login, login_failed, logout, token_created, token_revoked.
-- user_id is NULL for a failed sign-in under a name that has no account.
CREATE TABLE auth_events (
	id      TEXT COLLATE "C" PRIMARY KEY,
	kind    TEXT COLLATE "C" NOT NULL,
	user_id TEXT COLLATE "C",
	at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX auth_events_user ON auth_events (user_id, at);
CREATE INDEX auth_events_at ON auth_events (at);

-- Side table: the argon2id hash of each user's password, as a PHC string.
CREATE TABLE credentials (
	user_id TEXT COLLATE "C" PRIMARY KEY,
	hash    TEXT COLLATE "C" NOT NULL
);

-- Side table: browser sessions. Only the SHA-256 of the session id (the
-- cookie value) is kept, so a copy of the database does not hand out
-- sessions.
CREATE TABLE sessions (
	id_sha256  BYTEA PRIMARY KEY,
	user_id    TEXT COLLATE "C" NOT NULL,
	csrf       TEXT COLLATE "C" NOT NULL,
	created_at TEXT COLLATE "C" NOT NULL,
	last_seen  TEXT COLLATE "C" NOT NULL,
	expires_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
