package incident

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// Kinds of record a map view shows.
const (
	MapAllegations  = "allegations"
	MapObservations = "observations"
	MapIncidents    = "incidents"
)

// MapKinds are the record kinds of a map view, in drawing order.
var MapKinds = []string{MapIncidents, MapAllegations, MapObservations}

// MaxMapPoints is how many records of one kind a map view sends one by
// one; beyond it the view sends grid cells with counts.
const MaxMapPoints = 2000

// MapQuery is a map view: the records inside a box, in a time window,
// filtered. Side keeps the allegations lodged on behalf of that side and
// the incidents attributed to it (observations are the mission's own and
// have no side). Status keeps the allegations (lodged, withdrawn) and
// incidents (investigation status) in that status; observations have none,
// so a status hides them. Category applies to all three.
type MapQuery struct {
	BBox     geo.BBox
	Window   Window
	Kinds    []string // a subset of MapKinds; empty for all
	Side     string
	Category string
	Status   string
	// CellDeg is the edge of a grid cell in degrees when a kind has more
	// than MaxPoints records in view.
	CellDeg   float64
	MaxPoints int // default MaxMapPoints
}

// Check validates q; errors name the query parameter at fault.
func (q MapQuery) Check() error {
	if err := q.Window.check(); err != nil {
		return err
	}
	if _, _, err := bboxWhere(&q.BBox, "lat", "lon", nil, nil); err != nil {
		return errs.Invalid("bbox", "%s", errs.MessageOf(err))
	}
	for _, k := range q.Kinds {
		if err := oneOf("layers", k, MapKinds); err != nil {
			return err
		}
	}
	if q.Side != "" {
		if err := checkID("side", q.Side); err != nil {
			return err
		}
	}
	if q.Category != "" {
		if _, ok := CategoryOf(q.Category); !ok {
			return oneOf("category", q.Category, categoryCodes())
		}
	}
	if q.Status != "" {
		if err := oneOf("status", q.Status, append([]string{StatusLodged, StatusWithdrawn}, Statuses...)); err != nil {
			return err
		}
	}
	if !(q.CellDeg > 0) || q.CellDeg > 90 {
		return errs.Invalid("zoom", "gives no usable grid cell")
	}
	return nil
}

// MapPoint is one record on the map.
type MapPoint struct {
	ID       string      `json:"id"`
	Lat      float64     `json:"lat"`
	Lon      float64     `json:"lon"`
	Category string      `json:"category"`
	Status   string      `json:"status,omitempty"`
	Side     string      `json:"side,omitempty"` // allegations: on behalf of; incidents: attribution
	Source   string      `json:"source,omitempty"`
	Start    string      `json:"start"`
	Title    string      `json:"title,omitempty"` // incidents
	RadiusM  float64     `json:"radius_m,omitempty"`
	Area     geo.Polygon `json:"area,omitempty"` // observations: the probable area
}

// MapCell is a grid cell holding Count records, at their mean position.
type MapCell struct {
	Lat    float64  `json:"lat"`
	Lon    float64  `json:"lon"`
	Bounds geo.BBox `json:"bounds"`
	Count  int      `json:"count"`
}

// MapLayer is what a view holds of one kind: the points, or, when there
// are more than the query's MaxPoints, the cells.
type MapLayer struct {
	Points     []MapPoint `json:"points,omitempty"`
	Cells      []MapCell  `json:"cells,omitempty"`
	Aggregated bool       `json:"aggregated"`
	Total      int        `json:"total"`
}

type mapTable struct {
	table, readers, entity string
	columns                string // after id, lat, lon, category, start_at
	side, status           string // columns, '' when the kind has none
}

var mapTables = map[string]mapTable{
	MapAllegations: {table: "allegations", readers: "allegation_readers", entity: EntityAllegation,
		columns: "r.status, r.on_behalf_of, r.source_kind, '', r.radius_m", side: "r.on_behalf_of", status: "r.status"},
	MapObservations: {table: "observations", readers: "observation_readers", entity: EntityObservation,
		columns: "'', '', r.observer_kind, '', 0"},
	MapIncidents: {table: "incidents", readers: "incident_readers", entity: EntityIncident,
		columns: "r.status, r.attribution, '', r.title, r.radius_m", side: "r.attribution", status: "r.status"},
}

// MapView returns, per kind, what p may see of the view: every record
// when there are at most MaxPoints of that kind, grid cells with counts
// otherwise. The policy filters in SQL, so a count never includes a
// record p may not read.
func (s *Service) MapView(ctx context.Context, p access.Principal, q MapQuery) (map[string]MapLayer, error) {
	if err := q.Check(); err != nil {
		return nil, wrap("map view", err)
	}
	if q.MaxPoints <= 0 {
		q.MaxPoints = MaxMapPoints
	}
	kinds := q.Kinds
	if len(kinds) == 0 {
		kinds = MapKinds
	}
	out := map[string]MapLayer{}
	for _, kind := range MapKinds {
		if !slices.Contains(kinds, kind) {
			continue
		}
		l, err := s.mapLayer(ctx, p, q, mapTables[kind])
		if err != nil {
			return nil, wrap("map view "+kind, err)
		}
		out[kind] = l
	}
	return out, nil
}

// mapWhere returns the conditions of a view of one kind; none reports
// that nothing can match (a filter on a property the kind lacks).
func mapWhere(p access.Principal, q MapQuery, t mapTable) (where string, args []any, none bool, err error) {
	cond, args := access.Filter(p, "r", t.readers)
	conds := []string{cond}
	// A window of a month or less narrows most on its days: the kind's
	// (day, lat, lon, ...) index serves it. Otherwise the window's columns
	// are written so that no index serves them (col || ''), and the box
	// ranges on lat + 90: the planner then takes the kind's map index
	// (migration 0015), which leads with that expression and covers every
	// column used here.
	narrow := !q.Window.From.IsZero() && !q.Window.To.IsZero() && q.Window.To.Sub(q.Window.From) <= 31*24*time.Hour
	dayCol := "(r.day || '')"
	if narrow {
		dayCol = "r.day"
	}
	conds, args = q.Window.whereIndexed("r.start_at", dayCol, false, conds, args)
	conds, args, err = bboxWhere(&q.BBox, "r.lat", "r.lon", conds, args)
	if err != nil {
		return "", nil, false, err
	}
	if !narrow {
		conds, args = append(conds, "(r.lat + 90) BETWEEN ? AND ?"), append(args, q.BBox.MinLat+90, q.BBox.MaxLat+90)
	}
	if q.Category != "" {
		conds, args = append(conds, "r.category = ?"), append(args, q.Category)
	}
	for _, f := range []struct{ col, v string }{{t.side, q.Side}, {t.status, q.Status}} {
		if f.v == "" {
			continue
		}
		if f.col == "" { // the kind has no such property: nothing matches
			return "", nil, true, nil
		}
		conds, args = append(conds, f.col+" = ?"), append(args, f.v)
	}
	return joinAnd(conds), args, false, nil
}

func (s *Service) mapLayer(ctx context.Context, p access.Principal, q MapQuery, t mapTable) (MapLayer, error) {
	where, args, none, err := mapWhere(p, q, t)
	if err != nil || none {
		return MapLayer{}, err
	}
	// No ORDER BY: the first MaxPoints+1 rows the index gives are enough
	// to know whether to aggregate, and stop the scan early.
	rows, err := s.db.Query(ctx, `SELECT r.id, r.lat, r.lon, r.category, r.start_at, `+t.columns+` FROM `+t.table+` r WHERE `+where+` LIMIT ?`,
		append(slices.Clone(args), q.MaxPoints+1)...)
	if err != nil {
		return MapLayer{}, err
	}
	var points []MapPoint
	for rows.Next() {
		var m MapPoint
		if err := rows.Scan(&m.ID, &m.Lat, &m.Lon, &m.Category, &m.Start, &m.Status, &m.Side, &m.Source, &m.Title, &m.RadiusM); err != nil {
			rows.Close()
			return MapLayer{}, err
		}
		points = append(points, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return MapLayer{}, err
	}
	if len(points) <= q.MaxPoints {
		sort.Slice(points, func(i, j int) bool {
			if points[i].Start != points[j].Start {
				return points[i].Start > points[j].Start
			}
			return points[i].ID > points[j].ID
		})
		if t.entity == EntityObservation {
			if err := s.observationAreas(ctx, points); err != nil {
				return MapLayer{}, err
			}
		}
		return MapLayer{Points: points, Total: len(points)}, nil
	}
	// Latitude + 90 and longitude + 180 are never negative, so the
	// integer cast is the floor: the cell's row and column.
	// Counting cells reads every row in view: a heavy read (store.DB.Heavy).
	var l MapLayer
	err = s.db.Heavy(ctx, func(ctx context.Context) error {
		l, err = s.mapCells(ctx, q, t, where, args)
		return err
	})
	return l, err
}

// mapCells counts the rows in view per grid cell.
func (s *Service) mapCells(ctx context.Context, q MapQuery, t mapTable, where string, args []any) (MapLayer, error) {
	rows, err := s.db.Query(ctx, mapCellsSQL(s.db.Dialect(), t, where), append([]any{q.CellDeg, q.CellDeg}, args...)...)
	if err != nil {
		return MapLayer{}, err
	}
	defer rows.Close()
	l := MapLayer{Aggregated: true}
	for rows.Next() {
		var gy, gx int64
		var c MapCell
		if err := rows.Scan(&gy, &gx, &c.Count, &c.Lat, &c.Lon); err != nil {
			return MapLayer{}, err
		}
		c.Bounds = geo.BBox{MinLat: float64(gy)*q.CellDeg - 90, MinLon: float64(gx)*q.CellDeg - 180}
		c.Bounds.MaxLat = math.Min(c.Bounds.MinLat+q.CellDeg, 90)
		c.Bounds.MaxLon = math.Min(c.Bounds.MinLon+q.CellDeg, 180)
		l.Cells = append(l.Cells, c)
		l.Total += c.Count
	}
	return l, rows.Err()
}

// mapCellsSQL counts the records of a view per grid cell.
func mapCellsSQL(d store.Dialect, t mapTable, where string) string {
	return `SELECT ` + d.TruncInt(`(r.lat + 90) / ?`) + ` AS gy, ` + d.TruncInt(`(r.lon + 180) / ?`) + ` AS gx, COUNT(*), AVG(r.lat), AVG(r.lon) FROM ` +
		t.table + ` r WHERE ` + where + ` GROUP BY gy, gx`
}

// observationAreas fills in the probable area of each observation from
// its body (the projection keeps only the area's box).
func (s *Service) observationAreas(ctx context.Context, points []MapPoint) error {
	ids := make([]string, len(points))
	for i, m := range points {
		ids[i] = m.ID
	}
	bodies, err := s.db.Bodies(ctx, EntityObservation, ids)
	if err != nil {
		return err
	}
	for i := range points {
		c, ok := bodies[points[i].ID]
		if !ok {
			return fmt.Errorf("observation %s has no change", points[i].ID)
		}
		var b struct {
			Area geo.Polygon `json:"area"`
			Kind string      `json:"kind"`
		}
		if err := store.DecodeBody(c.Body, &b); err != nil {
			return fmt.Errorf("observation %s: %w", points[i].ID, err)
		}
		points[i].Area = b.Area
		points[i].Title = b.Kind
	}
	return nil
}
