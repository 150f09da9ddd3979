-- Failed sign-ins, counted where every server of the database sees them
-- (internal/account's limits): one row per count, of a name at an address
-- (name_sha256 the SHA-256 in hex of the name as typed and normalised, so
-- that a password typed into the name field is not kept in clear) or of an
-- address alone (name_sha256 ''). address is the address's key: an IPv4
-- address or an IPv6 /64. Times are microseconds since 1970 UTC. Not part
-- of the change log: every refusal it causes is logged as an auth event.
CREATE TABLE signin_failures (
	name_sha256      TEXT COLLATE "C" NOT NULL,
	address          TEXT COLLATE "C" NOT NULL,
	fails            BIGINT  NOT NULL,
	last_us          BIGINT  NOT NULL,
	noticed_until_us BIGINT  NOT NULL,
	PRIMARY KEY (name_sha256, address)
);
CREATE INDEX signin_failures_last ON signin_failures (last_us);
