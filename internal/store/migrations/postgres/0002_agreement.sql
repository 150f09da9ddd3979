-- Projections of package agreement: organisations, agreements and their
-- provisions. Every row is a pure function of a record's id and its latest
-- change body (see internal/agreement/projection.go); truce verify rebuilds
-- them from the change log. Nothing here depends on the clock: whether a
-- provision is overdue is computed at read time from next_deadline.
-- Times are UTC in the fixed-width layout 2006-01-02T15:04:05.000000000Z,
-- so that text order is time order.
-- There are no foreign keys: a projection row is deleted and re-inserted on
-- every change of its record, and references are checked by the domain
-- package inside the write transaction.

CREATE TABLE organisations (
	id         TEXT COLLATE "C" PRIMARY KEY,
	kind       TEXT COLLATE "C" NOT NULL,
	name       TEXT COLLATE "C" NOT NULL,
	short_name TEXT COLLATE "C" NOT NULL,
	country    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX organisations_kind ON organisations (kind, id);

CREATE TABLE agreements (
	id          TEXT COLLATE "C" PRIMARY KEY,
	title       TEXT COLLATE "C" NOT NULL,
	signed_at   TEXT COLLATE "C" NOT NULL,
	in_force_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE agreement_parties (
	agreement_id TEXT COLLATE "C" NOT NULL,
	org_id       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX agreement_parties_agreement ON agreement_parties (agreement_id);
CREATE INDEX agreement_parties_org ON agreement_parties (org_id, agreement_id);

CREATE TABLE agreement_signatories (
	agreement_id TEXT COLLATE "C" NOT NULL,
	org_id       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX agreement_signatories_agreement ON agreement_signatories (agreement_id);
CREATE INDEX agreement_signatories_org ON agreement_signatories (org_id, agreement_id);

-- recorded_status is the latest status event's status ('not_started' when
-- there is none); next_deadline the earliest due time of a deadline not yet
-- met (NULL when none); earliest_at the earliest time the provision mentions
-- that must not precede the agreement's signature (NULL when none).
CREATE TABLE provisions (
	id              TEXT COLLATE "C" PRIMARY KEY,
	agreement_id    TEXT COLLATE "C" NOT NULL,
	number          TEXT COLLATE "C" NOT NULL,
	recorded_status TEXT COLLATE "C" NOT NULL,
	next_deadline   TEXT COLLATE "C",
	earliest_at     TEXT COLLATE "C"
);
CREATE UNIQUE INDEX provisions_number ON provisions (agreement_id, number);
CREATE INDEX provisions_agreement ON provisions (agreement_id, id);
CREATE INDEX provisions_status ON provisions (recorded_status, id);
CREATE INDEX provisions_next_deadline ON provisions (next_deadline);

CREATE TABLE provision_deadlines (
	provision_id TEXT COLLATE "C"    NOT NULL,
	idx          BIGINT NOT NULL,
	due          TEXT COLLATE "C"    NOT NULL,
	met_at       TEXT COLLATE "C"
);
CREATE INDEX provision_deadlines_provision ON provision_deadlines (provision_id);
CREATE INDEX provision_deadlines_due ON provision_deadlines (due);

CREATE TABLE provision_obligations (
	provision_id TEXT COLLATE "C" NOT NULL,
	org_id       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX provision_obligations_provision ON provision_obligations (provision_id);
CREATE INDEX provision_obligations_org ON provision_obligations (org_id, provision_id);
