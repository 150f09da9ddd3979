-- Witnesses' cosignatures of signed checkpoints (c2sp.org/tlog-cosignature),
-- as the centre collected them from the witnesses it submits to. Not part of
-- the change log: each row is checked against the witness's key before it is
-- stored and can be checked again by anyone from the note it is served in.
-- line is the note signature line, "— <name> <base64>\n"; signed_at is the
-- cosignature's own timestamp and received_at when the centre got it, both
-- UTC in the fixed-width layout.
CREATE TABLE cosignatures (
	size        BIGINT NOT NULL REFERENCES checkpoints (size),
	witness     TEXT COLLATE "C" NOT NULL,
	line        TEXT COLLATE "C" NOT NULL,
	signed_at   TEXT COLLATE "C" NOT NULL,
	received_at TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (size, witness)
);
CREATE INDEX cosignatures_witness ON cosignatures (witness, size);
