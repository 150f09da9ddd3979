package agreement

import (
	"context"
	"fmt"
	"github.com/truce-monitoring/truce/internal/access"
	"math"
	"slices"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Implementation statuses. Overdue is never recorded: EffectiveStatus
// derives it from the deadlines.
const (
	StatusNotStarted  = "not_started"
	StatusInProgress  = "in_progress"
	StatusImplemented = "implemented"
	StatusViolated    = "violated"
	StatusSuperseded  = "superseded"
	StatusOverdue     = "overdue"
)

// Statuses lists the statuses a status event may record.
var Statuses = []string{StatusNotStarted, StatusInProgress, StatusImplemented, StatusViolated, StatusSuperseded}

// EffectiveStatuses lists the statuses a provision can show, overdue
// included: the values of the status filter.
var EffectiveStatuses = append(slices.Clone(Statuses), StatusOverdue)

// Evidence kinds.
const (
	EvidenceURL    = "url"    // Ref is an http or https URL
	EvidenceRecord = "record" // Ref is the id of a Truce record, e.g. an incident
	// EvidenceLinkRef: Ref is the id of one of the provision's evidence links
	// (evidence.go), checked to exist when the status is recorded, so that
	// a status change cites the registry records already linked to it.
	EvidenceLinkRef = "link"
)

// Provision is one commitment of an agreement.
type Provision struct {
	Meta
	AgreementID string `json:"agreement_id"`
	Number      string `json:"number"` // "6", "6.2": unique within the agreement
	Summary     string `json:"summary"`
	// Obligated are the organisations that must carry the provision out.
	Obligated     []string      `json:"obligated"`
	Deadlines     []Deadline    `json:"deadlines"`
	Period        *Period       `json:"period,omitempty"`
	Quantities    []Quantity    `json:"quantities"`
	StatusHistory []StatusEvent `json:"status_history"`
	Illustrative  bool          `json:"illustrative"`
	// Status is EffectiveStatus at the time the record was read. It is not
	// part of the change body.
	Status string `json:"status"`
	// EvidenceCount is, on a read through the API, how many evidence links
	// (evidence.go) the reader may see. It is not part of the change body.
	EvidenceCount *int `json:"evidence_count,omitempty"`
}

// Deadline is a date by which something must be done. A postponed
// deadline keeps its first date in OriginalDue.
type Deadline struct {
	What        string    `json:"what"`
	Due         time.Time `json:"due"`
	OriginalDue time.Time `json:"original_due,omitzero"`
	MetAt       time.Time `json:"met_at,omitzero"`
}

// Period is the time during which a provision applies; an open period has
// no To.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// Quantity is a number the provision fixes: troops, vehicles, a width.
type Quantity struct {
	What  string  `json:"what"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

// StatusEvent records the implementation status from a time on. Events
// are appended, never edited; the latest one is the recorded status.
type StatusEvent struct {
	Status   string     `json:"status"`
	At       time.Time  `json:"at"`
	Note     string     `json:"note,omitempty"`
	Evidence []Evidence `json:"evidence"`
}

// Evidence supports a status event: a public source, a Truce record, or
// one of the provision's evidence links.
type Evidence struct {
	Kind  string `json:"kind"` // url, record or link
	Ref   string `json:"ref"`
	Title string `json:"title,omitempty"`
}

// ProvisionBody is a provision's change body. Times are UTC.
type ProvisionBody struct {
	AgreementID   string        `json:"agreement_id"`
	Number        string        `json:"number"`
	Summary       string        `json:"summary"`
	Obligated     []string      `json:"obligated"`
	Deadlines     []Deadline    `json:"deadlines"`
	Period        *Period       `json:"period,omitempty"`
	Quantities    []Quantity    `json:"quantities"`
	StatusHistory []StatusEvent `json:"status_history"`
	Illustrative  bool          `json:"illustrative"`
}

func (b ProvisionBody) record(m Meta, now time.Time) Provision {
	p := Provision{Meta: m, AgreementID: b.AgreementID, Number: b.Number, Summary: b.Summary,
		Obligated: b.Obligated, Deadlines: b.Deadlines, Period: b.Period, Quantities: b.Quantities,
		StatusHistory: b.StatusHistory, Illustrative: b.Illustrative}
	p.Status = p.EffectiveStatus(now)
	return p
}

// RecordedStatus returns the status of the latest status event, or
// not_started when there is none.
func (p Provision) RecordedStatus() string { return recordedStatus(p.StatusHistory) }

func recordedStatus(h []StatusEvent) string {
	if len(h) == 0 {
		return StatusNotStarted
	}
	return h[len(h)-1].Status
}

// Overdue returns the deadlines that have passed at now without being met,
// whatever the recorded status.
func (p Provision) Overdue(now time.Time) []Deadline {
	var out []Deadline
	for _, d := range p.Deadlines {
		if d.MetAt.IsZero() && d.Due.Before(now) {
			out = append(out, d)
		}
	}
	return out
}

// EffectiveStatus is the status a provision shows at now: overdue when a
// deadline has passed unmet and the recorded status is not_started or
// in_progress, else the recorded status.
//
// Implemented and superseded end the obligation, so they are never
// overdue. Violated is not overdue either: it is a finding the mission
// recorded, graver and more specific than the automatic flag, and it must
// not be hidden by it; Overdue still lists the missed deadlines.
func (p Provision) EffectiveStatus(now time.Time) string {
	s := p.RecordedStatus()
	if (s == StatusNotStarted || s == StatusInProgress) && len(p.Overdue(now)) > 0 {
		return StatusOverdue
	}
	return s
}

// nextDeadline returns the earliest due time of a deadline not yet met.
func nextDeadline(ds []Deadline) (time.Time, bool) {
	var next time.Time
	for _, d := range ds {
		if d.MetAt.IsZero() && (next.IsZero() || d.Due.Before(next)) {
			next = d.Due
		}
	}
	return next, !next.IsZero()
}

// DeadlineInput is a deadline as a client sends it; times are RFC 3339,
// "" for none.
type DeadlineInput struct {
	What        string `json:"what"`
	Due         string `json:"due"`
	OriginalDue string `json:"original_due"`
	MetAt       string `json:"met_at"`
}

// PeriodInput is a period as a client sends it; To may be "".
type PeriodInput struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// ProvisionInput is a provision as a client sends it to create or replace
// one. Its status history is not part of it: AddProvisionStatus appends to
// it, and an update keeps it.
type ProvisionInput struct {
	AgreementID  string          `json:"agreement_id"`
	Number       string          `json:"number"`
	Summary      string          `json:"summary"`
	Obligated    []string        `json:"obligated"`
	Deadlines    []DeadlineInput `json:"deadlines"`
	Period       *PeriodInput    `json:"period"`
	Quantities   []Quantity      `json:"quantities"`
	Illustrative bool            `json:"illustrative"`
}

// StatusInput is a status event as a client sends it.
type StatusInput struct {
	Status   string     `json:"status"`
	At       string     `json:"at"`
	Note     string     `json:"note"`
	Evidence []Evidence `json:"evidence"`
}

// Validate reports the first problem with in as errs.Invalid naming the
// JSON field. The agreement, the organisations, the uniqueness of the
// number and the dates relative to the signature are checked when the
// provision is written.
func (in ProvisionInput) Validate() error {
	_, err := in.body()
	return err
}

func (in ProvisionInput) body() (ProvisionBody, error) {
	var b ProvisionBody
	if err := checkRef("agreement_id", in.AgreementID, agreementPrefix, "an agreement"); err != nil {
		return b, err
	}
	if err := text.CheckName("number", in.Number, MaxNumber); err != nil {
		return b, err
	}
	if err := text.CheckText("summary", in.Summary, MaxText); err != nil {
		return b, err
	}
	if err := checkRefList("obligated", in.Obligated, 0); err != nil {
		return b, err
	}
	if len(in.Deadlines) > MaxItems {
		return b, errs.Invalid("deadlines", "has %d deadlines; at most %d are allowed", len(in.Deadlines), MaxItems)
	}
	b.Deadlines = make([]Deadline, 0, len(in.Deadlines))
	for i, d := range in.Deadlines {
		dl, err := d.deadline()
		if err != nil {
			return b, errs.Prefix(indexed("deadlines", i), err)
		}
		b.Deadlines = append(b.Deadlines, dl)
	}
	if in.Period != nil {
		from, err := parseTime("period.from", in.Period.From)
		if err != nil {
			return b, err
		}
		to, err := parseOptionalTime("period.to", in.Period.To)
		if err != nil {
			return b, err
		}
		if !to.IsZero() && to.Before(from) {
			return b, errs.Invalid("period.to", "is before period.from")
		}
		b.Period = &Period{From: from, To: to}
	}
	if len(in.Quantities) > MaxItems {
		return b, errs.Invalid("quantities", "has %d quantities; at most %d are allowed", len(in.Quantities), MaxItems)
	}
	for i, q := range in.Quantities {
		if err := q.check(); err != nil {
			return b, errs.Prefix(indexed("quantities", i), err)
		}
	}
	b.AgreementID, b.Number, b.Summary, b.Illustrative = in.AgreementID, in.Number, in.Summary, in.Illustrative
	b.Obligated = append([]string{}, in.Obligated...)
	b.Quantities = append([]Quantity{}, in.Quantities...)
	b.StatusHistory = []StatusEvent{}
	return b, nil
}

func (in DeadlineInput) deadline() (Deadline, error) {
	var d Deadline
	var err error
	if err = checkName("what", in.What); err != nil {
		return d, err
	}
	if d.Due, err = parseTime("due", in.Due); err != nil {
		return d, err
	}
	if d.OriginalDue, err = parseOptionalTime("original_due", in.OriginalDue); err != nil {
		return d, err
	}
	if !d.OriginalDue.IsZero() && d.OriginalDue.After(d.Due) {
		return d, errs.Invalid("original_due", "is after due: a postponed deadline's original date comes before its new one")
	}
	if d.MetAt, err = parseOptionalTime("met_at", in.MetAt); err != nil {
		return d, err
	}
	d.What = in.What
	return d, nil
}

func (q Quantity) check() error {
	if err := checkName("what", q.What); err != nil {
		return err
	}
	if q.Value < 0 || math.IsNaN(q.Value) {
		return errs.Invalid("value", "must not be negative")
	}
	if q.Value > MaxQuantity {
		return errs.Invalid("value", "must be at most %g", MaxQuantity)
	}
	return checkOptionalName("unit", q.Unit, MaxShortName)
}

// Validate reports the first problem with in as errs.Invalid naming the
// JSON field. Dates relative to the provision's other events are checked
// when the event is written.
func (in StatusInput) Validate() error {
	_, err := in.event()
	return err
}

func (in StatusInput) event() (StatusEvent, error) {
	var ev StatusEvent
	if in.Status == StatusOverdue {
		return ev, errs.Invalid("status", "overdue is not recorded: it follows from the deadlines; record one of %v", Statuses)
	}
	if !slices.Contains(Statuses, in.Status) {
		return ev, errs.Invalid("status", "must be one of %v", Statuses)
	}
	at, err := parseTime("at", in.At)
	if err != nil {
		return ev, err
	}
	if err := checkOptionalText("note", in.Note); err != nil {
		return ev, err
	}
	if len(in.Evidence) > MaxItems {
		return ev, errs.Invalid("evidence", "has %d items; at most %d are allowed", len(in.Evidence), MaxItems)
	}
	for i, e := range in.Evidence {
		if err := e.check(); err != nil {
			return ev, errs.Prefix(indexed("evidence", i), err)
		}
	}
	return StatusEvent{Status: in.Status, At: at, Note: in.Note, Evidence: append([]Evidence{}, in.Evidence...)}, nil
}

func (e Evidence) check() error {
	switch e.Kind {
	case EvidenceURL:
		if err := checkHTTPURL("ref", e.Ref); err != nil {
			return err
		}
	case EvidenceRecord:
		if err := checkRecordRef("ref", e.Ref); err != nil {
			return err
		}
	case EvidenceLinkRef:
		if err := checkRef("ref", e.Ref, evidencePrefix, "an evidence link of this provision"); err != nil {
			return err
		}
	default:
		return errs.Invalid("kind", "must be %s, %s or %s", EvidenceURL, EvidenceRecord, EvidenceLinkRef)
	}
	return checkOptionalName("title", e.Title, MaxName)
}

// checkWrite checks, inside the write transaction, what depends on other
// records and on the clock: the agreement exists, the number is unused
// in it, the obligated organisations exist, no date the provision holds
// precedes the signature, and no reported time lies in the future.
func (b ProvisionBody) checkWrite(tx *store.Tx, id string, now time.Time) error {
	var signed string
	err := tx.QueryRow(`SELECT signed_at FROM agreements WHERE id = ?`, b.AgreementID).Scan(&signed)
	if store.IsNoRows(err) {
		return errs.Invalid("agreement_id", "no agreement %s", b.AgreementID)
	}
	if err != nil {
		return err
	}
	signedAt, err := time.Parse(colTime, signed)
	if err != nil {
		return fmt.Errorf("agreement %s: bad signed_at %q", b.AgreementID, signed)
	}
	var other string
	err = tx.QueryRow(`SELECT id FROM provisions WHERE agreement_id = ? AND number = ? AND id <> ?`, b.AgreementID, b.Number, id).Scan(&other)
	if err == nil {
		return errs.Conflict("number", "agreement %s already has a provision %s (%s)", b.AgreementID, b.Number, other)
	}
	if !store.IsNoRows(err) {
		return err
	}
	for i, org := range b.Obligated {
		if _, err := orgKind(tx, indexed("obligated", i), org); err != nil {
			return err
		}
	}
	before := func(field string, t time.Time) error {
		return errs.Invalid(field, "is %s, before the agreement was signed (%s)", t.Format(time.RFC3339), signedAt.Format(time.RFC3339))
	}
	for i, d := range b.Deadlines {
		f := indexed("deadlines", i)
		if d.Due.Before(signedAt) {
			return before(f+".due", d.Due)
		}
		if !d.OriginalDue.IsZero() && d.OriginalDue.Before(signedAt) {
			return before(f+".original_due", d.OriginalDue)
		}
		if d.MetAt.After(now.Add(clockSkew)) {
			return errs.Invalid(f+".met_at", "is in the future")
		}
	}
	if b.Period != nil && b.Period.From.Before(signedAt) {
		return before("period.from", b.Period.From)
	}
	for i, ev := range b.StatusHistory {
		if ev.At.Before(signedAt) {
			// Only an update that moves the provision to another agreement
			// can get here: the event was checked when it was added.
			return errs.Invalid("agreement_id", "agreement %s was signed after status event %d of this provision (%s)", b.AgreementID, i, ev.At.Format(time.RFC3339))
		}
	}
	return nil
}

func (s *Service) decodeProvision(c current) (Provision, error) {
	var b ProvisionBody
	if err := store.DecodeBody(c.body, &b); err != nil {
		return Provision{}, fmt.Errorf("provision %s: %w", c.ID, err)
	}
	return b.record(c.Meta, s.now()), nil
}

// CreateProvision records a new provision of an agreement, without status
// events.
func (s *Service) CreateProvision(ctx context.Context, p access.Principal, in ProvisionInput) (Provision, error) {
	actor, err := decide(p, access.Create, kindProvision)
	if err != nil {
		return Provision{}, wrap("create provision", err)
	}
	b, err := in.body()
	if err != nil {
		return Provision{}, wrap("create provision", err)
	}
	id := s.db.NewID(provisionPrefix)
	now := s.now()
	var out Provision
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := b.checkWrite(tx, id, now); err != nil {
			return err
		}
		// Reference data, read by anyone: its leaf names it in clear.
		r, err := tx.Record(store.Change{Entity: EntityProvision, ID: id, Version: 1, Actor: actor, Body: b, Public: true})
		if err != nil {
			return err
		}
		out = b.record(Meta{ID: id, Version: r.Version, CreatedAt: r.At, UpdatedAt: r.At}, now)
		return nil
	})
	return out, wrap("create provision", err)
}

// UpdateProvision replaces provision id, which the client last read at
// version, keeping its status history. A stale version is a conflict.
func (s *Service) UpdateProvision(ctx context.Context, p access.Principal, id string, version int64, in ProvisionInput) (Provision, error) {
	actor, err := decide(p, access.Update, kindProvision)
	if err != nil {
		return Provision{}, wrap("update provision", err)
	}
	b, err := in.body()
	if err != nil {
		return Provision{}, wrap("update provision", err)
	}
	now := s.now()
	var out Provision
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkVersion(tx, EntityProvision, id, version); err != nil {
			return err
		}
		cur, err := getTx(tx, EntityProvision, id)
		if err != nil {
			return err
		}
		var old ProvisionBody
		if err := store.DecodeBody(cur.body, &old); err != nil {
			return fmt.Errorf("provision %s: %w", id, err)
		}
		b.StatusHistory = old.StatusHistory
		if b.StatusHistory == nil {
			b.StatusHistory = []StatusEvent{}
		}
		if err := b.checkWrite(tx, id, now); err != nil {
			return err
		}
		// Reference data, read by anyone: its leaf names it in clear.
		r, err := tx.Record(store.Change{Entity: EntityProvision, ID: id, Version: version + 1, Actor: actor, Body: b, Public: true})
		if err != nil {
			return err
		}
		m, err := meta(tx, r)
		out = b.record(m, now)
		return err
	})
	return out, wrap("update provision", err)
}

// AddProvisionStatus appends a status event to provision id, which the
// client last read at version. Events are kept in time order: one may not
// be dated before the latest, nor before the agreement's signature, nor in
// the future.
func (s *Service) AddProvisionStatus(ctx context.Context, p access.Principal, id string, version int64, in StatusInput) (Provision, error) {
	actor, err := decide(p, access.Update, kindProvision)
	if err != nil {
		return Provision{}, wrap("provision status", err)
	}
	ev, err := in.event()
	if err != nil {
		return Provision{}, wrap("add provision status", err)
	}
	now := s.now()
	if ev.At.After(now.Add(clockSkew)) {
		return Provision{}, wrap("add provision status", errs.Invalid("at", "is in the future"))
	}
	var out Provision
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkVersion(tx, EntityProvision, id, version); err != nil {
			return err
		}
		cur, err := getTx(tx, EntityProvision, id)
		if err != nil {
			return err
		}
		var b ProvisionBody
		if err := store.DecodeBody(cur.body, &b); err != nil {
			return fmt.Errorf("provision %s: %w", id, err)
		}
		if n := len(b.StatusHistory); n > 0 {
			if n >= MaxHistory {
				return errs.Invalid("status", "provision %s already has %d status events, the most allowed", id, n)
			}
			if last := b.StatusHistory[n-1]; ev.At.Before(last.At) {
				return errs.Invalid("at", "is before the latest recorded status (%s at %s); events are recorded in time order", last.Status, last.At.Format(time.RFC3339))
			}
		}
		var signed string
		if err := tx.QueryRow(`SELECT signed_at FROM agreements WHERE id = ?`, b.AgreementID).Scan(&signed); err != nil {
			return fmt.Errorf("agreement %s of provision %s: %w", b.AgreementID, id, err)
		}
		if signedAt, err := time.Parse(colTime, signed); err != nil {
			return fmt.Errorf("agreement %s: bad signed_at %q", b.AgreementID, signed)
		} else if ev.At.Before(signedAt) {
			return errs.Invalid("at", "is before the agreement was signed (%s)", signedAt.Format(time.RFC3339))
		}
		if err := checkEvidenceLinks(tx, id, ev); err != nil {
			return err
		}
		b.StatusHistory = append(b.StatusHistory, ev)
		// Reference data, read by anyone: its leaf names it in clear.
		r, err := tx.Record(store.Change{Entity: EntityProvision, ID: id, Version: version + 1, Actor: actor, Body: b, Public: true})
		if err != nil {
			return err
		}
		m, err := meta(tx, r)
		out = b.record(m, now)
		return err
	})
	return out, wrap("add provision status", err)
}

// GetProvision returns provision id with its effective status now.
func (s *Service) GetProvision(ctx context.Context, p access.Principal, id string) (Provision, error) {
	if _, err := decide(p, access.Read, kindProvision); err != nil {
		return Provision{}, wrap("get provision", err)
	}
	c, err := s.get(ctx, EntityProvision, id)
	if err != nil {
		return Provision{}, wrap("get provision", err)
	}
	pr, err := s.decodeProvision(c)
	return pr, wrap("get provision", err)
}

// ProvisionFilter narrows ListProvisions; zero fields do not filter.
type ProvisionFilter struct {
	AgreementID string
	// Status is an effective status (see EffectiveStatuses), overdue
	// included, evaluated at the service clock's now.
	Status string
	// Obligated is an organisation id the provision obliges.
	Obligated string
}

// ListProvisions returns a page of provisions in id order.
//
// The status filter is evaluated in SQL from the projection: a provision
// is overdue at now when its recorded status is not_started or in_progress
// and its next_deadline (the earliest unmet due time) is before now —
// exactly the rule of EffectiveStatus.
func (s *Service) ListProvisions(ctx context.Context, p access.Principal, f ProvisionFilter, page store.PageRequest) (store.Page[Provision], error) {
	if _, err := decide(p, access.Read, kindProvision); err != nil {
		return store.Page[Provision]{}, wrap("list provisions", err)
	}
	after, limit, err := pageKeys(page)
	if err != nil {
		return store.Page[Provision]{}, wrap("list provisions", err)
	}
	now := s.now()
	q := listQuery{entity: EntityProvision, from: "provisions r"}
	if f.AgreementID != "" {
		q.where = append(q.where, "r.agreement_id = ?")
		q.args = append(q.args, f.AgreementID)
	}
	if f.Obligated != "" {
		q.where = append(q.where, "EXISTS (SELECT 1 FROM provision_obligations o WHERE o.provision_id = r.id AND o.org_id = ?)")
		q.args = append(q.args, f.Obligated)
	}
	switch f.Status {
	case "":
	case StatusOverdue:
		q.where = append(q.where, "r.recorded_status IN (?, ?) AND r.next_deadline < ?")
		q.args = append(q.args, StatusNotStarted, StatusInProgress, formatCol(now))
	case StatusNotStarted, StatusInProgress:
		q.where = append(q.where, "r.recorded_status = ? AND (r.next_deadline IS NULL OR r.next_deadline >= ?)")
		q.args = append(q.args, f.Status, formatCol(now))
	case StatusImplemented, StatusViolated, StatusSuperseded:
		q.where = append(q.where, "r.recorded_status = ?")
		q.args = append(q.args, f.Status)
	default:
		return store.Page[Provision]{}, wrap("list provisions", errs.Invalid("status", "must be one of %v", EffectiveStatuses))
	}
	var items []Provision
	err = q.run(ctx, s.db, after, limit+1, func(c current) error {
		p, err := s.decodeProvision(c)
		items = append(items, p)
		return err
	})
	if err != nil {
		return store.Page[Provision]{}, wrap("list provisions", err)
	}
	return store.Paginate(items, limit, func(p Provision) []string { return []string{p.ID} }), nil
}

// provisionRows projects a provision.
func provisionRows(id string, b *ProvisionBody) (map[string][][]any, error) {
	var next, earliest any
	if t, ok := nextDeadline(b.Deadlines); ok {
		next = formatCol(t)
	}
	if t, ok := earliestAt(*b); ok {
		earliest = formatCol(t)
	}
	out := map[string][][]any{
		"provisions": {{id, b.AgreementID, b.Number, recordedStatus(b.StatusHistory), next, earliest}},
	}
	for i, d := range b.Deadlines {
		var met any
		if !d.MetAt.IsZero() {
			met = formatCol(d.MetAt)
		}
		out["provision_deadlines"] = append(out["provision_deadlines"], []any{id, i, formatCol(d.Due), met})
	}
	for _, org := range b.Obligated {
		out["provision_obligations"] = append(out["provision_obligations"], []any{id, org})
	}
	return out, nil
}

// earliestAt returns the earliest of the provision's times that may not
// precede the agreement's signature.
func earliestAt(b ProvisionBody) (time.Time, bool) {
	var min time.Time
	see := func(t time.Time) {
		if !t.IsZero() && (min.IsZero() || t.Before(min)) {
			min = t
		}
	}
	for _, d := range b.Deadlines {
		see(d.Due)
		see(d.OriginalDue)
	}
	if b.Period != nil {
		see(b.Period.From)
	}
	for _, ev := range b.StatusHistory {
		see(ev.At)
	}
	return min, !min.IsZero()
}
