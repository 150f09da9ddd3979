-- Package fusionmodel: the mission's fusion model (issue 18), one record
-- whose every version is a change in the log; this row is its latest
-- version's summary (the model itself is in the change body).
CREATE TABLE fusion_models (
	id         TEXT COLLATE "C" PRIMARY KEY,
	fitted_at  TEXT COLLATE "C" NOT NULL,
	how        TEXT COLLATE "C" NOT NULL, -- fitted, set
	reports    BIGINT NOT NULL,
	labels     BIGINT NOT NULL,
	decisions  BIGINT NOT NULL
);
