// Package mines is the mine-action registry: minefield records as Amended
// Protocol II to the Convention on Certain Conventional Weapons asks them
// to be kept, their handovers from one side to the other, and hazard areas
// with the land-release lifecycle of the International Mine Action
// Standards (suspected → confirmed → cancelled, reduced or cleared).
//
// Every record is an entity in the change log whose body is its full
// state. What is computed (areas in square metres, totals, a hazard area's
// status and remaining area) is computed on write and kept in the body, so
// that projections are pure functions of (id, body).
//
// Who may write (declared in New):
//   - minefield records: a side's liaison, for minefields its own side laid
//     (the record's laid_by), and the mission's staff (co-chairs, analysts,
//     monitors), who digitise maps they receive;
//   - handovers: a side's liaison, for handovers from its own side, and the
//     mission's staff;
//   - hazard areas and their land-release events: the mission's staff only.
//
// Classification: every record defaults to mission (every account reads
// it). A minefield map is sensitive between the sides, so its creator may
// label it restricted (readable by its own organisation and the
// organisations it names); a handover that lists a restricted record adds
// the receiving side to the record's readers, so that once handed over the
// receiving side reads it.
package mines

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// Entities and their id prefixes.
const (
	EntityMinefield  = "minefield"
	EntityHandover   = "handover"
	EntityHazardArea = "hazard_area"

	minefieldPrefix  = "mfd"
	handoverPrefix   = "hnd"
	hazardAreaPrefix = "haz"
)

// ClockSkew is how far in the future a reported time may lie, to allow for
// a client's clock running ahead.
const ClockSkew = 5 * time.Minute

// Service reads and writes minefield records, handovers and hazard areas.
type Service struct {
	db            *store.DB
	now           func() time.Time
	exchangeCheck func(ctx context.Context, id string) error
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that decides which dates lie in the future.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithExchangeCheck sets how a handover's linked exchange is checked: check
// returns nil when an exchange with that id exists (and an error, ideally
// errs.NotFound, when not). Without it any well-formed id is accepted.
func WithExchangeCheck(check func(ctx context.Context, id string) error) Option {
	return func(s *Service) { s.exchangeCheck = check }
}

// missionStaff are the roles that keep the mission's own mine-action
// records.
var missionStaff = []access.Role{access.CoChair, access.Analyst, access.Monitor}

// New returns the service on db, registers its projections and declares who
// may write its kinds of record. It must be called once per DB.
func New(db *store.DB, opts ...Option) *Service {
	s := &Service{db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	for _, p := range projections() {
		db.Register(p)
	}
	return s
}

// projections lists the package's projections; migration 0008_mines.sql
// creates their tables.
func projections() []store.Projection {
	return []store.Projection{
		store.Typed(EntityMinefield, []store.Table{
			{Name: "minefields", Columns: []string{"id", "laid_by", "district", "emplacement", "laid_at", "area_m2", "mines_total",
				"min_lat", "min_lon", "max_lat", "max_lon", "illustrative", "classification", "owner_org"}},
			{Name: "minefield_readers", Columns: []string{"record_id", "org_id"}},
		}, minefieldRows),
		store.Typed(EntityHandover, []store.Table{
			{Name: "handovers", Columns: []string{"id", "from_side", "to_side", "day", "exchange_id", "records", "mines_claimed", "illustrative", "classification", "owner_org"}},
			{Name: "handover_districts", Columns: []string{"handover_id", "district"}},
			{Name: "handover_minefields", Columns: []string{"handover_id", "minefield_id"}},
			{Name: "handover_readers", Columns: []string{"record_id", "org_id"}},
		}, handoverRows),
		store.Typed(EntityHazardArea, []store.Table{
			{Name: "hazard_areas", Columns: []string{"id", "district", "status", "evidence", "minefield_id", "area_m2", "remaining_m2", "recorded_day",
				"min_lat", "min_lon", "max_lat", "max_lon", "illustrative", "classification", "owner_org"}},
			{Name: "hazard_releases", Columns: []string{"hazard_area_id", "seq", "day", "method", "area_m2", "district", "classification", "owner_org"}},
			{Name: "hazard_devices", Columns: []string{"hazard_area_id", "seq", "day", "category", "count", "district", "classification", "owner_org"}},
			{Name: "hazard_area_readers", Columns: []string{"record_id", "org_id"}},
		}, hazardAreaRows),
	}
}

// timeText is how times are kept in projection columns: UTC, to the second,
// fixed width so that text order is time order.
const timeText = "2006-01-02T15:04:05Z"

// dateText is how dates are given and kept.
const dateText = "2006-01-02"

func dayOf(t time.Time) string { return t.UTC().Format(dateText) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("mines: %s: %w", op, err)
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func checkID(field, id string) error {
	if id == "" {
		return errs.Required(field)
	}
	if !idPattern.MatchString(id) {
		return errs.Because(errs.Invalid(field, "must be a record id"), errs.ReasonNotAnID)
	}
	return nil
}

func oneOf(field, s string, list []string) error {
	if !slices.Contains(list, s) {
		return errs.Because(errs.Invalid(field, "must be one of %s", strings.Join(list, ", ")), errs.ReasonNotOneOf)
	}
	return nil
}

// parseTime reads an RFC 3339 time or a date (taken as midnight UTC) and
// refuses one in the future.
func parseTime(field, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, errs.Because(errs.Invalid(field, "is required"), errs.ReasonRequired)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse(dateText, s); err != nil {
			return time.Time{}, errs.Because(errs.Invalid(field, "must be a date such as 2021-06-12 or an RFC 3339 time such as 2021-06-12T10:00:00Z"), errs.ReasonNotADate)
		}
	}
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y < 1900 || y > 9999 {
		return time.Time{}, errs.Invalid(field, "year %d is outside 1900 to 9999", y)
	}
	if t.After(now.Add(ClockSkew)) {
		return time.Time{}, errs.Because(errs.Invalid(field, "is in the future"), errs.ReasonInFuture)
	}
	return t, nil
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

// listPage reads one page of records of entity from table (aliased r)
// meeting conds, newest sortCol first, with their latest bodies, decoding
// each into a T through set.
func listPage[T any](ctx context.Context, db *store.DB, table, entity, sortCol string, conds []string, args []any, page store.PageRequest,
	set func(id string, version int64, body []byte) (T, error)) (store.Page[T], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[T]{}, err
	}
	if len(keys) == 2 {
		conds = append(conds, "(r."+sortCol+" < ? OR (r."+sortCol+" = ? AND r.id < ?))")
		args = append(args, keys[0], keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[T]{}, errs.Invalid("cursor", "is not a cursor this server issued")
	}
	q := `SELECT r.id, r.sort, c.version, c.body FROM (SELECT r.id, r.` + sortCol + ` AS sort FROM ` + table + ` r WHERE ` + strings.Join(conds, " AND ") +
		` ORDER BY r.` + sortCol + ` DESC, r.id DESC LIMIT ?) r ` + db.Dialect().LatestJoin(entity) + ` ORDER BY r.sort DESC, r.id DESC`
	args = append(args, limit+1)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return store.Page[T]{}, err
	}
	defer rows.Close()
	// Each item keeps its sort keys for the next page's cursor.
	type keyed struct {
		item     T
		sort, id string
	}
	var items []keyed
	for rows.Next() {
		var k keyed
		var v int64
		var body []byte
		if err := rows.Scan(&k.id, &k.sort, &v, &body); err != nil {
			return store.Page[T]{}, err
		}
		if k.item, err = set(k.id, v, body); err != nil {
			return store.Page[T]{}, fmt.Errorf("%s: %w", k.id, err)
		}
		items = append(items, k)
	}
	if err := rows.Err(); err != nil {
		return store.Page[T]{}, err
	}
	kept := store.Paginate(items, limit, func(k keyed) []string { return []string{k.sort, k.id} })
	out := store.Page[T]{Items: make([]T, len(kept.Items)), Next: kept.Next}
	for i, k := range kept.Items {
		out.Items[i] = k.item
	}
	return out, nil
}

// extentMeets adds the condition that a record's extent (the projection's
// min_lat … max_lon) meets box; a box across the antimeridian (west east
// of east) is compared by latitude only.
func extentMeets(conds []string, args []any, box *geo.BBox) ([]string, []any) {
	if box == nil {
		return conds, args
	}
	conds, args = append(conds, "r.max_lat >= ? AND r.min_lat <= ?"), append(args, box.MinLat, box.MaxLat)
	if box.MinLon <= box.MaxLon {
		conds, args = append(conds, "r.max_lon >= ? AND r.min_lon <= ?"), append(args, box.MinLon, box.MaxLon)
	}
	return conds, args
}
