package incident

import (
	"context"
	"fmt"
	"slices"

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
func (f AllegationFilter) conds(ctx context.Context, s *Service, p access.Principal) ([]string, []any, error) {
	if err := f.Window.check(); err != nil {
		return nil, nil, err
	}
	near, err := s.resolveNear(ctx, p, f.Near)
	if err != nil {
		return nil, nil, err
	}
	cond, args := access.Filter(p, "r", "allegation_readers")
	conds := []string{cond}
	conds, args = f.Window.whereIndexed("r.start_at", "r.day", f.BBox == nil && f.Place == "", conds, args)
	if conds, args, err = bboxWhere(f.BBox, "r.lat", "r.lon", conds, args); err != nil {
		return nil, nil, err
	}
	if conds, args, err = near.where("r.lat", "r.lon", conds, args); err != nil {
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

func (f ObservationFilter) conds(ctx context.Context, s *Service, p access.Principal) ([]string, []any, error) {
	if err := f.Window.check(); err != nil {
		return nil, nil, err
	}
	near, err := s.resolveNear(ctx, p, f.Near)
	if err != nil {
		return nil, nil, err
	}
	cond, args := access.Filter(p, "r", "observation_readers")
	conds := []string{cond}
	conds, args = f.Window.whereIndexed("r.start_at", "r.day", f.BBox == nil && f.Place == "", conds, args)
	if conds, args, err = bboxWhere(f.BBox, "r.lat", "r.lon", conds, args); err != nil {
		return nil, nil, err
	}
	if conds, args, err = near.where("r.lat", "r.lon", conds, args); err != nil {
		return nil, nil, err
	}
	conds, args, err = addEq([]eqFilter{
		{"kind", "r.kind", f.Kind, ObservationKindCodes(), false},
		{"category", "r.category", f.Category, categoryCodes(), false},
		{"zone", "r.zone_id", f.Zone, nil, true},
	}, conds, args)
	return conds, args, err
}

func (f IncidentFilter) conds(ctx context.Context, s *Service, p access.Principal) ([]string, []any, error) {
	if err := f.Window.check(); err != nil {
		return nil, nil, err
	}
	near, err := s.resolveNear(ctx, p, f.Near)
	if err != nil {
		return nil, nil, err
	}
	cond, args := access.Filter(p, "r", "incident_readers")
	conds := []string{cond}
	conds, args = f.Window.where("r.start_at", "r.day", conds, args)
	if conds, args, err = bboxWhere(f.BBox, "r.lat", "r.lon", conds, args); err != nil {
		return nil, nil, err
	}
	if conds, args, err = near.where("r.lat", "r.lon", conds, args); err != nil {
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

// numbered reads page q of spec as one of op's lists.
func numbered[T any](ctx context.Context, s *Service, op string, spec store.NumberedSpec, q store.ListQuery, scan func(scan func(...any) error) (T, error)) ([]T, int, error) {
	spec.Then = "r.start_at"
	items, total, err := store.ReadNumbered(ctx, s.db, spec, q, scan)
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	return items, total, nil
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
	conds, args, err := f.conds(ctx, s, p)
	if err != nil {
		return store.Numbered[Allegation]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "allegations", Entity: EntityAllegation, Conds: conds, Args: args,
		Order: allegationSortColumns[q.Sort], Desc: q.Desc, Extra: memberIncident, Counted: []string{EntityIncident}}
	if side := p.Side(); side != "" && f.OnBehalfOf == "" {
		spec.Parts = []store.Part{{Cond: "r.on_behalf_of = ?", Args: []any{side}}, {Cond: "r.on_behalf_of <> ?", Args: []any{side}}}
	}
	items, total, err := numbered(ctx, s, op, spec, q, func(scan func(...any) error) (Allegation, error) {
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
	conds, args, err := f.conds(ctx, s, p)
	if err != nil {
		return store.Numbered[Observation]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "observations", Entity: EntityObservation, Conds: conds, Args: args,
		Order: observationSortColumns[q.Sort], Desc: q.Desc, Extra: memberIncident, Counted: []string{EntityIncident}}
	items, total, err := numbered(ctx, s, op, spec, q, func(scan func(...any) error) (Observation, error) {
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
	conds, args, err := f.conds(ctx, s, p)
	if err != nil {
		return store.Numbered[Incident]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "incidents", Entity: EntityIncident, Conds: conds, Args: args,
		Order: incidentSortColumns[q.Sort], Desc: q.Desc}
	items, total, err := numbered(ctx, s, op, spec, q, func(scan func(...any) error) (Incident, error) {
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
