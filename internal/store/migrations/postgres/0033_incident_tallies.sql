-- Tallies kept as records change (incident.Service.Tallies, the dashboard):
-- per day, label, kind of count, category and side, how many records and
-- (observations) how many violations they counted. A window's figures are
-- then a sum over at most days × labels × categories × sides rows instead of
-- a count over every record of the window. Written in the transaction of the
-- change that alters them (store.Projection.Tally); checked by truce verify
-- against a recount of the projections (incident.Service.CheckTallies).
--
-- kind: alleged (allegations lodged in a side's name, not withdrawn; side is
-- that side), observed (the mission's observations; side is ''), verified
-- (incidents whose finding in force is substantiated; side is the
-- attribution).
CREATE TABLE incident_tallies (
	day        TEXT COLLATE "C" NOT NULL,
	label      TEXT COLLATE "C" NOT NULL, -- tally_labels.id
	kind       TEXT COLLATE "C" NOT NULL,
	category   TEXT COLLATE "C" NOT NULL,
	side       TEXT COLLATE "C" NOT NULL,
	records    BIGINT NOT NULL,
	amount     BIGINT NOT NULL, -- observed: the violations the observations counted
	explosions BIGINT NOT NULL, -- observed: the part of amount that were explosions
	PRIMARY KEY (day, label, kind, category, side)
);

-- A label is who may read the records counted under it: the columns that
-- access.Filter reads (classification, owner_org and the readers table), so
-- that a reader's tallies are filtered by the same rule as the records.
-- Public and mission records share one label each (id = the classification,
-- owner_org ''); a restricted or personal label's id is
-- "classification:owner_org:reader,reader" with the readers sorted.
CREATE TABLE tally_labels (
	id             TEXT COLLATE "C" PRIMARY KEY,
	classification TEXT COLLATE "C" NOT NULL,
	owner_org      TEXT COLLATE "C" NOT NULL
);

CREATE TABLE tally_label_readers (
	record_id TEXT COLLATE "C" NOT NULL,
	org_id    TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (record_id, org_id)
);

-- What is already recorded is counted once here.
CREATE TEMP TABLE tally_seed AS
SELECT r.id AS id, 'alleged' AS kind, r.day AS day, r.category AS category, r.on_behalf_of AS side,
	r.classification AS classification, r.owner_org AS owner_org, 0 AS amount, 0 AS explosions,
	(SELECT string_agg(a.org_id, ',' ORDER BY a.org_id) FROM allegation_readers a WHERE a.record_id = r.id) AS readers
FROM allegations r WHERE r.source_kind = 'side' AND r.status = 'lodged'
UNION ALL
SELECT r.id, 'observed', r.day, r.category, '', r.classification, r.owner_org, r.count, CASE WHEN r.explosion = 1 THEN r.count ELSE 0 END,
	(SELECT string_agg(a.org_id, ',' ORDER BY a.org_id) FROM observation_readers a WHERE a.record_id = r.id)
FROM observations r
UNION ALL
SELECT r.id, 'verified', r.day, r.category, r.attribution, r.classification, r.owner_org, 0, 0,
	(SELECT string_agg(a.org_id, ',' ORDER BY a.org_id) FROM incident_readers a WHERE a.record_id = r.id)
FROM incidents r WHERE r.outcome = 'substantiated';

CREATE TEMP TABLE tally_seed_labelled AS
SELECT s.id, s.kind, s.day, s.category, s.side, s.amount, s.explosions, s.classification,
	CASE WHEN s.classification IN ('public', 'mission') THEN s.classification
		ELSE s.classification || ':' || s.owner_org || ':' || COALESCE(s.readers, '') END AS label,
	CASE WHEN s.classification IN ('public', 'mission') THEN '' ELSE s.owner_org END AS owner_org
FROM tally_seed s;

INSERT INTO tally_labels (id, classification, owner_org)
SELECT DISTINCT label, classification, owner_org FROM tally_seed_labelled;

INSERT INTO tally_label_readers (record_id, org_id)
SELECT DISTINCT s.label, a.org_id FROM tally_seed_labelled s JOIN allegation_readers a ON a.record_id = s.id
WHERE s.kind = 'alleged' AND s.classification NOT IN ('public', 'mission')
UNION
SELECT s.label, a.org_id FROM tally_seed_labelled s JOIN observation_readers a ON a.record_id = s.id
WHERE s.kind = 'observed' AND s.classification NOT IN ('public', 'mission')
UNION
SELECT s.label, a.org_id FROM tally_seed_labelled s JOIN incident_readers a ON a.record_id = s.id
WHERE s.kind = 'verified' AND s.classification NOT IN ('public', 'mission');

INSERT INTO incident_tallies (day, label, kind, category, side, records, amount, explosions)
SELECT day, label, kind, category, side, COUNT(*), SUM(amount), SUM(explosions)
FROM tally_seed_labelled GROUP BY day, label, kind, category, side;

DROP TABLE tally_seed;
DROP TABLE tally_seed_labelled;
