-- Package detainee: persons held, exchanges and remains. Every row is a
-- pure function of a record's id and its latest change body (see
-- internal/detainee/projection.go); truce verify rebuilds them. What a
-- body derives (current status, the status periods, whether the capture
-- came after the agreement entered into force) is computed on write and
-- kept in the body. Times are UTC text 2006-01-02T15:04:05Z. No identity
-- field is ever projected: identity lives only in the change bodies, which
-- the service masks for readers without the right, and the log's leaves
-- hold only their hashes.

CREATE TABLE detainees (
	id              TEXT COLLATE "C" PRIMARY KEY,
	category        TEXT COLLATE "C" NOT NULL, -- prisoner_of_war, civilian_detainee, hostage
	status          TEXT COLLATE "C" NOT NULL, -- held, hospitalised, released, repatriated, escaped, deceased
	held_by         TEXT COLLATE "C" NOT NULL, -- the side holding (or that last held) the person
	nationality     TEXT COLLATE "C" NOT NULL, -- the side of nationality or dependence
	captured_at     TEXT COLLATE "C" NOT NULL,
	after_agreement BIGINT NOT NULL, -- 1: captured after the agreement entered into force
	last_event_at   TEXT COLLATE "C" NOT NULL,
	consent         BIGINT NOT NULL, -- 1: consent to repatriation confirmed since the last capture
	erased          BIGINT NOT NULL,
	illustrative    BIGINT NOT NULL
);
CREATE INDEX detainees_held_by ON detainees (held_by, status, id);
CREATE INDEX detainees_status ON detainees (status, id);
CREATE INDEX detainees_nationality ON detainees (nationality, id);
CREATE INDEX detainees_category ON detainees (category, id);

-- A person's status over time: one row per period between status changes;
-- to_at is '9999-12-31T23:59:59Z' for the current period. Counts at a date
-- count the periods that contain it, reading only this covering index.
CREATE TABLE detainee_periods (
	person_id   TEXT COLLATE "C" NOT NULL,
	status      TEXT COLLATE "C" NOT NULL,
	held_by     TEXT COLLATE "C" NOT NULL,
	nationality TEXT COLLATE "C" NOT NULL,
	from_at     TEXT COLLATE "C" NOT NULL,
	to_at       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX detainee_periods_person ON detainee_periods (person_id);
CREATE INDEX detainee_periods_from ON detainee_periods (from_at, to_at, status, held_by, nationality);
CREATE INDEX detainee_periods_to ON detainee_periods (to_at, from_at, status, held_by, nationality);

-- Not a projection but a side table, kept in the same transaction as
-- every change of a person: for each day, status, detaining side and side
-- of nationality, how many periods start that day minus how many end
-- that day. Summing the days before a date gives the persons in each
-- status at that day's start without reading every period; the periods
-- of the day itself are then read from detainee_periods. It is derived
-- from detainee_periods alone (see detainee.Service.CheckCounts).
CREATE TABLE detainee_count_deltas (
	day         TEXT COLLATE "C" NOT NULL,
	status      TEXT COLLATE "C" NOT NULL,
	held_by     TEXT COLLATE "C" NOT NULL,
	nationality TEXT COLLATE "C" NOT NULL,
	delta       BIGINT NOT NULL,
	PRIMARY KEY (day, status, held_by, nationality)
);

CREATE TABLE exchanges (
	id          TEXT COLLATE "C" PRIMARY KEY,
	day         TEXT COLLATE "C" NOT NULL, -- YYYY-MM-DD of the exchange
	at          TEXT COLLATE "C" NOT NULL,
	all_for_all BIGINT NOT NULL,
	persons     BIGINT NOT NULL,
	illustrative BIGINT NOT NULL
);
CREATE INDEX exchanges_day ON exchanges (day, id);

CREATE TABLE exchange_persons (
	exchange_id TEXT COLLATE "C" NOT NULL,
	person_id   TEXT COLLATE "C" NOT NULL,
	from_side   TEXT COLLATE "C" NOT NULL,
	to_side     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX exchange_persons_exchange ON exchange_persons (exchange_id);
CREATE INDEX exchange_persons_person ON exchange_persons (person_id, exchange_id);

CREATE TABLE exchange_links (
	exchange_id TEXT COLLATE "C" NOT NULL,
	kind        TEXT COLLATE "C" NOT NULL,
	item_id     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX exchange_links_exchange ON exchange_links (exchange_id);
CREATE INDEX exchange_links_item ON exchange_links (kind, item_id);

-- Remains: a record stands for one body or, aggregated, for several
-- (count); identified is how many of them are identified (at most count),
-- dna is count when identification needs DNA.
CREATE TABLE remains (
	id             TEXT COLLATE "C" PRIMARY KEY,
	count          BIGINT NOT NULL,
	recovered_at   TEXT COLLATE "C" NOT NULL,
	method         TEXT COLLATE "C" NOT NULL, -- '' until an identification method is recorded
	identified     BIGINT NOT NULL,
	identified_at  TEXT COLLATE "C" NOT NULL, -- '' until identified
	handed_over_at TEXT COLLATE "C" NOT NULL, -- '' until handed over
	from_side      TEXT COLLATE "C" NOT NULL,
	to_side        TEXT COLLATE "C" NOT NULL,
	exchange_id    TEXT COLLATE "C" NOT NULL,
	illustrative   BIGINT NOT NULL
);
CREATE INDEX remains_recovered ON remains (recovered_at, id);
CREATE INDEX remains_exchange ON remains (exchange_id);
