-- The Merkle tree's stored hashes (golang.org/x/mod/sumdb/tlog indexing),
-- 64 consecutive indexes to a row instead of one: the log adds them in
-- index order, so a block only ever grows at its end. Reading the whole
-- tree (truce verify) takes 64 times fewer rows, and a batch of appends
-- writes a few blocks instead of two rows a change.
CREATE TABLE ledger_hash_blocks (
	n      INTEGER PRIMARY KEY, -- stored-hash index / 64
	hashes BLOB    NOT NULL     -- the hashes of indexes 64n, 64n+1, ..., 32 bytes each (2 KiB: a block fits in one page)
) STRICT;

INSERT INTO ledger_hash_blocks (n, hashes)
	SELECT idx / 64, unhex(group_concat(hex(hash), '' ORDER BY idx))
	FROM ledger_hashes GROUP BY idx / 64;

DROP TABLE ledger_hashes;
