-- The Merkle tree's stored hashes (golang.org/x/mod/sumdb/tlog indexing),
-- 256 consecutive indexes to a row instead of one: the log adds them in
-- index order, so a block only ever grows at its end. Reading the whole
-- tree (truce verify) takes 256 times fewer rows, and a batch of appends
-- writes a few blocks instead of two rows a change.
CREATE TABLE ledger_hash_blocks (
	n      INTEGER PRIMARY KEY, -- stored-hash index / 256
	hashes BLOB    NOT NULL     -- the hashes of indexes 256n, 256n+1, ..., 32 bytes each
) STRICT;

INSERT INTO ledger_hash_blocks (n, hashes)
	SELECT idx / 256, unhex(group_concat(hex(hash), '' ORDER BY idx))
	FROM ledger_hashes GROUP BY idx / 256;

DROP TABLE ledger_hashes;
