package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Numbered lists (issue 16): the filters of the cursor lists, a choice of
// order, a total and numbered pages, for the list pages and the API's
// list endpoints alike. Filters are checked here, so that both faces
// refuse the same bad value naming the same field.

// Sort keys of the numbered lists; the first is each list's default
// (descending for times).
var (
	AllegationSorts  = []string{"start", "category", "status"}
	ObservationSorts = []string{"start", "kind", "category"}
	IncidentSorts    = []string{"start", "status", "category", "title"}
)

var allegationSortColumns = map[string]string{"start": "r.start_at", "category": "r.category", "status": "r.status"}
var observationSortColumns = map[string]string{"start": "r.start_at", "kind": "r.kind", "category": "r.category"}
var incidentSortColumns = map[string]string{"start": "r.start_at", "status": "r.status", "category": "r.category", "title": "r.title"}

// AllegationStatuses are the statuses an allegation filter accepts.
var AllegationStatuses = []string{StatusLodged, StatusWithdrawn}

// SourceKinds are the kinds of source an allegation filter accepts.
func SourceKinds() []string { return slices.Clone(sourceKinds) }

// ObservationKindCodes are the kinds of observation, in taxonomy order.
func ObservationKindCodes() []string {
	out := make([]string, len(ObservationKinds))
	for i, k := range ObservationKinds {
		out[i] = k.Kind
	}
	return out
}

// Outcomes are the findings' outcomes.
func Outcomes() []string { return slices.Clone(outcomes) }

// eqFilter is one optional equality filter: its field's name for errors,
// its column, the value and, when the values are a closed list, the list.
type eqFilter struct {
	field, col, v string
	allowed       []string
	id            bool // the value is a record id
}

func addEq(filters []eqFilter, conds []string, args []any) ([]string, []any, error) {
	for _, f := range filters {
		if f.v == "" {
			continue
		}
		if f.allowed != nil {
			if err := oneOf(f.field, f.v, f.allowed); err != nil {
				return nil, nil, err
			}
		} else if f.id {
			if err := checkID(f.field, f.v); err != nil {
				return nil, nil, err
			}
		}
		conds = append(conds, f.col+" = ?")
		args = append(args, f.v)
	}
	return conds, args, nil
}

// conds is the filter as SQL conditions on allegations r, after the
// access filter for p.
func (f AllegationFilter) conds(p access.Principal) ([]string, []any, error) {
	if err := f.Window.check(); err != nil {
		return nil, nil, err
	}
	cond, args := access.Filter(p, "r", "allegation_readers")
	conds := []string{cond}
	conds, args = f.Window.whereIndexed("r.start_at", "r.day", f.BBox == nil, conds, args)
	var err error
	if conds, args, err = bboxWhere(f.BBox, "r.lat", "r.lon", conds, args); err != nil {
		return nil, nil, err
	}
	if conds, args, err = addEq([]eqFilter{
		{"category", "r.category", f.Category, categoryCodes(), false},
		{"status", "r.status", f.Status, AllegationStatuses, false},
		{"source_kind", "r.source_kind", f.SourceKind, sourceKinds, false},
		{"on_behalf_of", "r.on_behalf_of", f.OnBehalfOf, nil, true},
		{"perpetrator", "r.perpetrator", f.Perpetrator, nil, true},
		{"zone", "r.zone_id", f.Zone, nil, true},
	}, conds, args); err != nil {
		return nil, nil, err
	}
	if f.IncidentID != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM incident_members im WHERE im.member_id = r.id AND im.incident_id = ?)")
		args = append(args, f.IncidentID)
	}
	if f.Unlinked {
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM incident_members im WHERE im.member_id = r.id)")
	}
	return conds, args, nil
}

func (f ObservationFilter) conds(p access.Principal) ([]string, []any, error) {
	if err := f.Window.check(); err != nil {
		return nil, nil, err
	}
	cond, args := access.Filter(p, "r", "observation_readers")
	conds := []string{cond}
	conds, args = f.Window.whereIndexed("r.start_at", "r.day", f.BBox == nil, conds, args)
	var err error
	if conds, args, err = bboxWhere(f.BBox, "r.lat", "r.lon", conds, args); err != nil {
		return nil, nil, err
	}
	conds, args, err = addEq([]eqFilter{
		{"kind", "r.kind", f.Kind, ObservationKindCodes(), false},
		{"category", "r.category", f.Category, categoryCodes(), false},
		{"zone", "r.zone_id", f.Zone, nil, true},
	}, conds, args)
	return conds, args, err
}

func (f IncidentFilter) conds(p access.Principal) ([]string, []any, error) {
	if err := f.Window.check(); err != nil {
		return nil, nil, err
	}
	cond, args := access.Filter(p, "r", "incident_readers")
	conds := []string{cond}
	conds, args = f.Window.where("r.start_at", "r.day", conds, args)
	var err error
	if conds, args, err = bboxWhere(f.BBox, "r.lat", "r.lon", conds, args); err != nil {
		return nil, nil, err
	}
	conds, args, err = addEq([]eqFilter{
		{"status", "r.status", f.Status, Statuses, false},
		{"category", "r.category", f.Category, categoryCodes(), false},
		{"outcome", "r.outcome", f.Outcome, outcomes, false},
		{"zone", "r.zone_id", f.Zone, nil, true},
		{"side", "r.attribution", f.Side, nil, true}, // a side's id, both or undetermined
	}, conds, args)
	return conds, args, err
}

// part is one stretch of a numbered list: the rows that meet cond, shown
// before the next part's (a liaison's own side's allegations first).
type part struct {
	cond string
	args []any
}

// numberedSpec is what numbered reads: a projection table (aliased r)
// with its entity, the conditions, the order and, optionally, parts.
type numberedSpec struct {
	op, table, entity string
	conds             []string
	args              []any
	order             string // the sort column; r.start_at and r.id break ties
	desc              bool
	extra             string // more columns after id, version, body
	parts             []part // nil: one part, the whole list
}

// numbered counts the rows of spec and reads page q of them, in order,
// each row through scan (which reads id, version, body, then extra's
// columns).
func numbered[T any](ctx context.Context, s *Service, spec numberedSpec, q store.ListQuery, scan func(scan func(...any) error) (T, error)) ([]T, int, error) {
	parts := spec.parts
	if parts == nil {
		parts = []part{{cond: "1 = 1"}}
	}
	where := joinAnd(spec.conds)
	counts := make([]int, len(parts))
	total := 0
	version, err := s.db.Version(ctx, spec.entity, EntityIncident) // members change with incidents
	if err != nil {
		return nil, 0, wrap(spec.op, err)
	}
	for i, pt := range parts {
		args := append(slices.Clone(spec.args), pt.args...)
		if counts[i], err = s.count(ctx, version, `SELECT COUNT(*) FROM `+spec.table+` r WHERE `+where+` AND `+pt.cond, args); err != nil {
			return nil, 0, wrap(spec.op, err)
		}
		total += counts[i]
	}
	var items []T
	offset, limit := (q.Page-1)*q.Size, q.Size
	for i, pt := range parts {
		if limit <= 0 {
			break
		}
		if offset >= counts[i] {
			offset -= counts[i]
			continue
		}
		n := min(limit, counts[i]-offset)
		got, err := readPart(ctx, s, spec, pt, offset, n, counts[i], scan)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, got...)
		limit -= n
		offset = 0
	}
	return items, total, nil
}

// countCache keeps the lists' totals while the records they count are
// unchanged: a count walks every row that meets the filters (an index,
// but still 800,000 entries for a whole list of a million), while the
// pages that follow, sorted anew or further on, ask the same question.
// The key is the query with its arguments (the access filter is in them),
// the version the store's change counter for the kinds counted.
type countCache struct {
	mu sync.Mutex
	m  map[string]countEntry
}

type countEntry struct {
	version int64
	n       int
}

// maxCounts bounds the cache; when full it starts again empty.
const maxCounts = 1024

func (s *Service) count(ctx context.Context, version int64, q string, args []any) (int, error) {
	key := q + fmt.Sprintf("\x00%q", args)
	c := &s.counts
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.version == version {
		return e.n, nil
	}
	var n int
	if err := s.db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCounts {
		c.m = map[string]countEntry{}
	}
	c.m[key] = countEntry{version: version, n: n}
	c.mu.Unlock()
	return n, nil
}

// readPart reads rows [offset, offset+limit) of a part of total rows. A
// stretch past the middle is read from the far end in the opposite order
// (a short walk through the index instead of a long one) and turned back.
func readPart[T any](ctx context.Context, s *Service, spec numberedSpec, pt part, offset, limit, total int, scan func(scan func(...any) error) (T, error)) ([]T, error) {
	reverse := offset > total/2
	if reverse {
		offset = total - offset - limit
	}
	dir := " ASC"
	if spec.desc != reverse {
		dir = " DESC"
	}
	keys := []string{spec.order}
	if spec.order != "r.start_at" {
		keys = append(keys, "r.start_at")
	}
	keys = append(keys, "r.id")
	inner := make([]string, len(keys))
	outer := make([]string, len(keys))
	cols := make([]string, len(keys))
	for i, k := range keys {
		inner[i] = k + dir
		cols[i] = fmt.Sprintf("%s AS k%d", k, i)
		outer[i] = fmt.Sprintf("r.k%d%s", i, dir)
	}
	q := `SELECT r.id, c.version, c.body` + spec.extra + ` FROM (SELECT r.id, ` + strings.Join(cols, ", ") + ` FROM ` + spec.table + ` r WHERE ` +
		joinAnd(spec.conds) + ` AND ` + pt.cond + ` ORDER BY ` + strings.Join(inner, ", ") + ` LIMIT ? OFFSET ?) r ` +
		s.db.Dialect().LatestJoin(spec.entity) + ` ORDER BY ` + strings.Join(outer, ", ")
	args := append(append(slices.Clone(spec.args), pt.args...), limit, offset)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap(spec.op, err)
	}
	defer rows.Close()
	var items []T
	for rows.Next() {
		it, err := scan(rows.Scan)
		if err != nil {
			return nil, wrap(spec.op, err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(spec.op, err)
	}
	if reverse {
		slices.Reverse(items)
	}
	return items, nil
}

const memberIncident = `, (SELECT MIN(im.incident_id) FROM incident_members im WHERE im.member_id = r.id)`

// NumberedAllegations returns page q of the allegations p may read that
// meet f, with their total. A liaison sees its own side's allegations
// first, then the rest it may read, each part in the order asked.
func (s *Service) NumberedAllegations(ctx context.Context, p access.Principal, f AllegationFilter, q store.ListQuery) (store.Numbered[Allegation], error) {
	const op = "list allegations"
	q, err := q.Check(AllegationSorts, "start", true)
	if err != nil {
		return store.Numbered[Allegation]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[Allegation]{}, wrap(op, err)
	}
	spec := numberedSpec{op: op, table: "allegations", entity: EntityAllegation, conds: conds, args: args,
		order: allegationSortColumns[q.Sort], desc: q.Desc, extra: memberIncident}
	if side := p.Side(); side != "" && f.OnBehalfOf == "" {
		spec.parts = []part{{"r.on_behalf_of = ?", []any{side}}, {"r.on_behalf_of <> ?", []any{side}}}
	}
	items, total, err := numbered(ctx, s, spec, q, func(scan func(...any) error) (Allegation, error) {
		var a Allegation
		var body []byte
		var inc *string
		if err := scan(&a.ID, &a.Version, &body, &inc); err != nil {
			return a, err
		}
		if err := store.DecodeBody(body, &a.AllegationBody); err != nil {
			return a, fmt.Errorf("%s: %w", a.ID, err)
		}
		if inc != nil {
			a.IncidentID = *inc
		}
		return a, nil
	})
	if err != nil {
		return store.Numbered[Allegation]{}, err
	}
	return store.NumberedOf(items, total, q), nil
}

// NumberedObservations returns page q of the observations p may read that
// meet f, with their total.
func (s *Service) NumberedObservations(ctx context.Context, p access.Principal, f ObservationFilter, q store.ListQuery) (store.Numbered[Observation], error) {
	const op = "list observations"
	q, err := q.Check(ObservationSorts, "start", true)
	if err != nil {
		return store.Numbered[Observation]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[Observation]{}, wrap(op, err)
	}
	spec := numberedSpec{op: op, table: "observations", entity: EntityObservation, conds: conds, args: args,
		order: observationSortColumns[q.Sort], desc: q.Desc, extra: memberIncident}
	items, total, err := numbered(ctx, s, spec, q, func(scan func(...any) error) (Observation, error) {
		var o Observation
		var body []byte
		var inc *string
		if err := scan(&o.ID, &o.Version, &body, &inc); err != nil {
			return o, err
		}
		if err := store.DecodeBody(body, &o.ObservationBody); err != nil {
			return o, fmt.Errorf("%s: %w", o.ID, err)
		}
		if inc != nil {
			o.IncidentID = *inc
		}
		return o, nil
	})
	if err != nil {
		return store.Numbered[Observation]{}, err
	}
	return store.NumberedOf(items, total, q), nil
}

// NumberedIncidents returns page q of the incidents p may read that meet
// f, with their total.
func (s *Service) NumberedIncidents(ctx context.Context, p access.Principal, f IncidentFilter, q store.ListQuery) (store.Numbered[Incident], error) {
	const op = "list incidents"
	q, err := q.Check(IncidentSorts, "start", true)
	if err != nil {
		return store.Numbered[Incident]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[Incident]{}, wrap(op, err)
	}
	spec := numberedSpec{op: op, table: "incidents", entity: EntityIncident, conds: conds, args: args,
		order: incidentSortColumns[q.Sort], desc: q.Desc}
	items, total, err := numbered(ctx, s, spec, q, func(scan func(...any) error) (Incident, error) {
		var inc Incident
		var body []byte
		if err := scan(&inc.ID, &inc.Version, &body); err != nil {
			return inc, err
		}
		if err := store.DecodeBody(body, &inc.IncidentBody); err != nil {
			return inc, fmt.Errorf("%s: %w", inc.ID, err)
		}
		inc.forReader(p)
		return inc, nil
	})
	if err != nil {
		return store.Numbered[Incident]{}, err
	}
	return store.NumberedOf(items, total, q), nil
}

// Outcome is what a bulk action did to one record: Err is nil when it
// was done.
type Outcome struct {
	ID  string `json:"id"`
	Err error  `json:"-"`
}

// MaxBulk bounds how many records one bulk action names.
const MaxBulk = 500

func checkBulk(ids []string) error {
	if len(ids) == 0 {
		return errs.Invalid("ids", "select at least one record")
	}
	if len(ids) > MaxBulk {
		return errs.Invalid("ids", "at most %d records at a time", MaxBulk)
	}
	for _, id := range ids {
		if err := checkID("ids", id); err != nil {
			return err
		}
	}
	return nil
}

// TransitionMany moves each incident of ids one step as Transition does,
// at the version it has now, each on its own: one refused (not readable,
// not allowed, a step out of order) leaves the others done.
func (s *Service) TransitionMany(ctx context.Context, p access.Principal, ids []string, in TransitionInput) ([]Outcome, error) {
	if err := checkBulk(ids); err != nil {
		return nil, wrap("transition incidents", err)
	}
	out := make([]Outcome, 0, len(ids))
	for _, id := range ids {
		inc, err := s.GetIncident(ctx, p, id)
		if err == nil {
			_, err = s.Transition(ctx, p, id, inc.Version, in)
		}
		out = append(out, Outcome{ID: id, Err: err})
	}
	return out, nil
}

// WithdrawMany withdraws each allegation of ids as WithdrawAllegation
// does, at the version it has now, each on its own.
func (s *Service) WithdrawMany(ctx context.Context, p access.Principal, ids []string, reason string) ([]Outcome, error) {
	if err := checkBulk(ids); err != nil {
		return nil, wrap("withdraw allegations", err)
	}
	out := make([]Outcome, 0, len(ids))
	for _, id := range ids {
		a, err := s.GetAllegation(ctx, p, id)
		if err == nil {
			_, err = s.WithdrawAllegation(ctx, p, id, a.Version, reason)
		}
		out = append(out, Outcome{ID: id, Err: err})
	}
	return out, nil
}

// MayWithdraw reports whether p may withdraw a now: it is lodged and p's
// organisation lodged it with a role that withdraws.
func MayWithdraw(p access.Principal, a Allegation) bool {
	return a.Status == StatusLodged && ownerMay(p, access.Withdraw, a.AllegationBody) == nil
}

// BulkSteps are the steps a list offers to take on many incidents at once:
// those that need neither a reason nor a finding.
func BulkSteps(p access.Principal, inc Incident) []string {
	var out []string
	for _, st := range NextSteps(p, inc) {
		if !st.NeedsReason && !st.NeedsFinding {
			out = append(out, st.To)
		}
	}
	return out
}
