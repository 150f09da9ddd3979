-- Role requests (package account): a change that widens an account's reach
-- to personal or restricted material waits here for a co-chair's approval.
-- A projection: each row is a pure function of the request's latest body.
-- requested_at is UTC in the fixed-width layout, so text order is time order.
CREATE TABLE role_requests (
	id           TEXT COLLATE "C" PRIMARY KEY,
	user_id      TEXT COLLATE "C" NOT NULL, -- the account (not yet in users while a new account waits)
	username     TEXT COLLATE "C" NOT NULL,
	state        TEXT COLLATE "C" NOT NULL, -- pending, approved, rejected
	requested_by TEXT COLLATE "C" NOT NULL,
	requested_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX role_requests_time ON role_requests (requested_at, id);
CREATE INDEX role_requests_state ON role_requests (state, requested_at, id);
CREATE INDEX role_requests_user ON role_requests (user_id, state);
