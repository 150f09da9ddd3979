-- Package fusionmodel: the mission's fusion model (issue 18), one record
-- whose every version is a change in the log; this row is its latest
-- version's summary (the model itself is in the change body).
CREATE TABLE fusion_models (
	id         TEXT PRIMARY KEY,
	fitted_at  TEXT NOT NULL,
	how        TEXT NOT NULL, -- fitted, set
	reports    INTEGER NOT NULL,
	labels     INTEGER NOT NULL,
	decisions  INTEGER NOT NULL
) STRICT;
