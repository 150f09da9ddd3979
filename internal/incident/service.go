// Package incident holds what the mission is told and what it sees, and
// what it makes of both: allegations (a side's, the public's, a third
// party's or the media's claim), observations (the mission's own monitors,
// posts, cameras and drones), incidents that group them with their
// investigation and finding, patrols and the restrictions of freedom of
// movement they meet, and the tallies that put each side's claims next to
// the mission's own counts without blending them.
//
// Every record is an entity in the change log whose body is its full state.
// Projections are pure functions of (id, body): what depends on the clock
// or on the layers at write time (the geography of a point, a restriction's
// duration) is computed once, on write, and kept in the body.
package incident

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// Entities and their id prefixes.
const (
	EntityAllegation  = "allegation"
	EntityObservation = "observation"
	EntityIncident    = "incident"
	EntityPatrol      = "patrol"
	EntityRestriction = "fom_restriction"

	allegationPrefix  = "alg"
	observationPrefix = "obs"
	incidentPrefix    = "inc"
	patrolPrefix      = "pat"
	restrictionPrefix = "fom"
)

// ClockSkew is how far in the future a reported time may lie, to allow for
// a client's clock running ahead.
const ClockSkew = 5 * time.Minute

// Geography is what the service needs of package geo; *geo.Service has it.
type Geography interface {
	LocateFor(ctx context.Context, reader access.Principal, p geo.Point, at time.Time) (geo.Location, error)
	GetPlace(ctx context.Context, p access.Principal, id string) (geo.Place, error)
}

// locator is the principal geography is computed for: every account may
// read what it finds (public and mission layers), so the geography kept in
// a body never names a restricted layer or place.
var locator = access.Principal{UserID: "system", Username: "system", Via: "system"}

// Service reads and writes allegations, observations, incidents, patrols
// and freedom-of-movement restrictions.
type Service struct {
	db    *store.DB
	geo   Geography
	now   func() time.Time
	fused *fusionIndex // fusion's view of every incident, for proposals
	// maxAttachment is the largest attachment accepted, in bytes.
	maxAttachment int64
	// replace recomputes geography in the background after layers change.
	replace replacer
	// modelParams, when set, gives the parameters of the mission's current
	// fusion model and its version; proposals use them.
	modelParams ModelParams
}

// ModelParams returns the engine parameters of the mission's current
// fusion model and the model's version (0 when none is stored). It is
// called before every proposal, so it must be cheap (a cached value).
type ModelParams func(ctx context.Context) (fusion.Params, int64, error)

// SetModelParams makes the proposals use the fusion model f gives; call it
// once, before serving (the model's service is built after this one, as it
// learns from its reviews).
func (s *Service) SetModelParams(f ModelParams) { s.modelParams = f }

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that decides which reported times lie in the
// future. Change times come from the store's own clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service on db, registers its projections and declares who
// may write its kinds of record. It must be called once per DB.
func New(db *store.DB, g Geography, opts ...Option) *Service {
	s := &Service{db: db, geo: g, now: time.Now, fused: newFusionIndex(), maxAttachment: DefaultMaxAttachmentBytes}
	for _, o := range opts {
		o(s)
	}
	for _, p := range withTallies(projections()) {
		db.Register(p)
	}
	db.RegisterCheck(store.DerivedCheck{Entity: EntityAllegation, Table: "incident_tallies", Check: s.CheckTallies})
	return s
}

// timeText is how times are kept in projection columns: UTC, to the
// second, fixed width so that text order is time order.
const timeText = "2006-01-02T15:04:05Z"

func dayOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

func weekOf(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// firstZone is the zone a tally counts a point in: the first containing
// zone in layer id order, "" when none.
func firstZone(l geo.Location) string {
	if len(l.Zones) == 0 {
		return ""
	}
	return l.Zones[0].ID
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("incident: %s: %w", op, err)
}

// orgKind returns the kind of organisation id inside a write transaction,
// reading package agreement's organisations projection; an unknown id is
// invalid input at field.
func orgKind(tx *store.Tx, field, id string) (string, error) {
	var kind string
	err := tx.QueryRow(`SELECT kind FROM organisations WHERE id = ?`, id).Scan(&kind)
	if store.IsNoRows(err) {
		return "", errs.Invalid(field, "no organisation %s", id)
	}
	return kind, err
}

// checkSide checks that id names an organisation of kind side.
func checkSide(tx *store.Tx, field, id string) error {
	kind, err := orgKind(tx, field, id)
	if err != nil {
		return err
	}
	if kind != "side" {
		return errs.Invalid(field, "%s is a %s, not a side", id, kind)
	}
	return nil
}

func checkReaders(tx *store.Tx, l access.Label) error {
	for i, o := range l.RestrictedTo {
		if _, err := orgKind(tx, fmt.Sprintf("restricted_to[%d]", i), o); err != nil {
			return err
		}
	}
	return nil
}

// pageSQL selects a page of records of entity from table (aliased r) that
// meet conds, newest start_at first, with their latest bodies. The ids are
// picked and limited first, so only the page's bodies are read.
func pageSQL(d store.Dialect, table, entity, extra string, conds []string) string {
	return `SELECT r.id, c.version, c.body, r.start_at` + extra + ` FROM (SELECT r.id, r.start_at FROM ` + table + ` r WHERE ` + joinAnd(conds) +
		` ORDER BY r.start_at DESC, r.id DESC LIMIT ?) r ` + d.LatestJoin(entity) + ` ORDER BY r.start_at DESC, r.id DESC`
}

// Window is a time window [From, To) for lists and tallies; zero ends are
// open.
type Window struct {
	From time.Time
	To   time.Time
}

func (w Window) check() error {
	if !w.From.IsZero() && !w.To.IsZero() && !w.To.After(w.From) {
		return errs.Invalid("to", "must be after from")
	}
	return nil
}

// where adds the window on column col (and on the day column dayCol, which
// an index leads with) to a query's conditions.
func (w Window) where(col, dayCol string, conds []string, args []any) ([]string, []any) {
	return w.whereIndexed(col, dayCol, true, conds, args)
}

// whereIndexed is where; with byTime false the comparisons on col are
// written so that no index on col serves them (col || ”), which steers the
// planner to the (day, lat, lon, ...) index when a bounding box narrows the
// rows far more than the window does.
func (w Window) whereIndexed(col, dayCol string, byTime bool, conds []string, args []any) ([]string, []any) {
	if !byTime {
		col = "(" + col + " || '')"
	}
	if !w.From.IsZero() {
		conds = append(conds, dayCol+" >= ?", col+" >= ?")
		args = append(args, dayOf(w.From), w.From.UTC().Format(timeText))
	}
	if !w.To.IsZero() {
		conds = append(conds, dayCol+" <= ?", col+" < ?")
		args = append(args, dayOf(w.To.Add(-time.Second)), w.To.UTC().Format(timeText))
	}
	return conds, args
}

// bboxWhere adds a bounding box on columns lat and lon.
func bboxWhere(b *geo.BBox, lat, lon string, conds []string, args []any) ([]string, []any, error) {
	if b == nil {
		return conds, args, nil
	}
	if err := (geo.Point{Lat: b.MinLat, Lon: b.MinLon}).Validate(); err != nil {
		return nil, nil, errs.Prefix("bbox.min", err)
	}
	if err := (geo.Point{Lat: b.MaxLat, Lon: b.MaxLon}).Validate(); err != nil {
		return nil, nil, errs.Prefix("bbox.max", err)
	}
	if b.MinLat > b.MaxLat {
		return nil, nil, errs.Invalid("bbox", "min_lat is above max_lat")
	}
	conds = append(conds, lat+" BETWEEN ? AND ?")
	args = append(args, b.MinLat, b.MaxLat)
	if b.MinLon <= b.MaxLon {
		conds = append(conds, lon+" BETWEEN ? AND ?")
		args = append(args, b.MinLon, b.MaxLon)
	} else { // crosses the antimeridian
		conds = append(conds, "("+lon+" >= ? OR "+lon+" <= ?)")
		args = append(args, b.MinLon, b.MaxLon)
	}
	return conds, args, nil
}
