-- Package returns: return movements of displaced people and the monitoring
-- visits that follow them up. Every row is a pure function of a record's id
-- and its latest change body (see internal/returns/service.go); truce
-- verify rebuilds them. Times are UTC text 2006-01-02T15:04:05Z; day,
-- week (ISO, YYYY-Www) and month (YYYY-MM) are of the movement's date, so
-- that totals group by plain columns. An overdue follow-up is not stored:
-- it depends on the clock and is derived when read.

CREATE TABLE return_movements (
	id                   TEXT COLLATE "C" PRIMARY KEY,
	date_at              TEXT COLLATE "C" NOT NULL,
	day                  TEXT COLLATE "C" NOT NULL,
	week                 TEXT COLLATE "C" NOT NULL,
	month                TEXT COLLATE "C" NOT NULL,
	destination_place_id TEXT COLLATE "C" NOT NULL,
	kind                 TEXT COLLATE "C" NOT NULL, -- organised, spontaneous, mixed
	total                BIGINT NOT NULL,
	illustrative         BIGINT NOT NULL,
	classification       TEXT COLLATE "C" NOT NULL,
	owner_org            TEXT COLLATE "C" NOT NULL
);
-- Totals read indexes alone: over a window, the one led by date_at; over
-- everything, the one led by the grouping column, in its order, so that no
-- temporary sort is needed. id is in each for the access filter's readers
-- lookup.
CREATE INDEX return_movements_date ON return_movements (date_at, classification, owner_org, id, kind, total, day, week, month, destination_place_id);
CREATE INDEX return_movements_month ON return_movements (month, classification, owner_org, id, kind, total, date_at);
CREATE INDEX return_movements_week ON return_movements (week, classification, owner_org, id, kind, total, date_at);
CREATE INDEX return_movements_destination ON return_movements (destination_place_id, classification, owner_org, id, kind, total, date_at);

CREATE TABLE return_movement_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX return_movement_readers_record ON return_movement_readers (record_id, org_id);

-- follow_up_due: '' when none; follows_up: the earlier visit this one
-- follows up, '' when none.
CREATE TABLE return_visits (
	id             TEXT COLLATE "C" PRIMARY KEY,
	movement_id    TEXT COLLATE "C" NOT NULL,
	place_id       TEXT COLLATE "C" NOT NULL,
	date_at        TEXT COLLATE "C" NOT NULL,
	follow_up_due  TEXT COLLATE "C" NOT NULL,
	follows_up     TEXT COLLATE "C" NOT NULL,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX return_visits_date ON return_visits (date_at, id);
CREATE INDEX return_visits_movement ON return_visits (movement_id);
CREATE INDEX return_visits_follows_up ON return_visits (follows_up);
CREATE INDEX return_visits_due ON return_visits (follow_up_due);

CREATE TABLE return_visit_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX return_visit_readers_record ON return_visit_readers (record_id, org_id);
