-- The changes whose body was erased, found without reading every body:
-- truce verify checks each against the erasure that names it.
CREATE INDEX changes_erased ON changes (seq) WHERE body IS NULL;
