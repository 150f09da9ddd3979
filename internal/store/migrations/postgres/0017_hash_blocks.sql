-- The Merkle tree's stored hashes (golang.org/x/mod/sumdb/tlog indexing),
-- 63 consecutive indexes to a row instead of one: the log adds them in
-- index order, so a block only ever grows at its end. Reading the whole
-- tree (truce verify) takes 63 times fewer rows, and a batch of appends
-- writes a few blocks instead of two rows a change.
CREATE TABLE ledger_hash_blocks (
	n      BIGINT PRIMARY KEY, -- stored-hash index / 63
	hashes BYTEA    NOT NULL     -- the hashes of indexes 63n, 63n+1, ..., 32 bytes each (2,016 bytes: two blocks fill a 4 KiB page)
);

INSERT INTO ledger_hash_blocks (n, hashes)
	SELECT idx / 63, string_agg(hash, ''::bytea ORDER BY idx)
	FROM ledger_hashes GROUP BY idx / 63;

DROP TABLE ledger_hashes;
