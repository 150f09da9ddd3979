package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// A source streams one table's rows for a principal, filtered as the
// kind's list is: it pages the domain service's cursor list, so memory
// stays flat whatever the number of rows.
type source struct {
	table Table
	rows  func(ctx context.Context, emit func(Row) error) error
}

// pages calls each for every item of a cursor list, page by page.
func pages[T any](ctx context.Context, list func(context.Context, store.PageRequest) (store.Page[T], error), each func(T) error) error {
	req := store.PageRequest{Limit: store.MaxLimit}
	for {
		pg, err := list(ctx, req)
		if err != nil {
			return err
		}
		for _, it := range pg.Items {
			if err := each(it); err != nil {
				return err
			}
		}
		if pg.Next == "" {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		req.Cursor = pg.Next
	}
}

// row fills one Row of a table by column name. Its values are reused from
// row to row: a Writer writes a row before it is handed the next.
type row struct {
	table string
	index map[string]int
	vals  []any
}

func newRow(t Table) *row {
	r := &row{table: t.Name, index: make(map[string]int, len(t.Columns)), vals: make([]any, len(t.Columns))}
	for i, c := range t.Columns {
		r.index[c.Name] = i
	}
	return r
}

// set sets column name to v, which is nil or the column type's Go type.
// A name not in the table is a mistake in this package, caught by tests.
func (r *row) set(name string, v any) {
	i, ok := r.index[name]
	if !ok {
		panic(fmt.Sprintf("exchange: table %s has no column %s", r.table, name))
	}
	r.vals[i] = v
}

func (r *row) reset() { clear(r.vals) }

func (r *row) done(g *geo.Geometry) Row { return Row{Geom: g, Values: r.vals} }

// Value helpers: what a record lacks is nil, never "" or 0.

func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func when(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func whenPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return when(*t)
}

func day(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func realPtr(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// jsonText is v as JSON text, nil when empty.
func jsonText[T any](v []T) any {
	if len(v) == 0 {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return string(data)
}

func point(p geo.Point) *geo.Geometry {
	return &geo.Geometry{Type: geo.TypePoint, Point: &p}
}

// words is a code in English words for spreadsheet readers:
// heavy_weapons_fire → heavy weapons fire.
func words(code string) any {
	if code == "" {
		return nil
	}
	return strings.ReplaceAll(code, "_", " ")
}

// setGeography fills the computed geography columns.
func (r *row) setGeography(g geo.Location, orgs orgNames) {
	var zones []string
	for _, z := range g.Zones {
		zones = append(zones, z.Name)
	}
	r.set("zone_name", text(strings.Join(zones, "; ")))
	if g.NearestPlace != nil {
		r.set("nearest_place_name", text(g.NearestPlace.Name))
		r.set("nearest_place_distance_m", g.NearestPlace.DistanceM)
	}
	if g.LineOfContact != nil {
		r.set("line_of_contact_distance_m", g.LineOfContact.DistanceM)
		r.set("line_of_contact_side_name", orgs.name(g.LineOfContact.SideParty))
	}
}

func (r *row) setLabel(l access.Label, orgs orgNames) {
	r.set("classification", text(string(l.Classification)))
	r.set("owner_org", text(l.OwnerOrg))
	r.set("owner_org_name", orgs.name(l.OwnerOrg))
}

// orgNames are the organisations' names by id, read once per export.
type orgNames map[string]string

func (s *Service) orgNames(ctx context.Context, p access.Principal) (orgNames, error) {
	out := orgNames{}
	err := pages(ctx, func(ctx context.Context, req store.PageRequest) (store.Page[agreement.Organisation], error) {
		return s.Agreements.ListOrganisations(ctx, p, agreement.OrganisationFilter{}, req)
	}, func(o agreement.Organisation) error {
		out[o.ID] = o.Name
		return nil
	})
	return out, err
}

// name is the name of organisation id; for the words that stand in a
// side's place (unknown, both, undetermined) the word itself.
func (o orgNames) name(id string) any {
	if id == "" {
		return nil
	}
	if n, ok := o[id]; ok {
		return n
	}
	switch id {
	case "unknown", "both", "undetermined":
		return id
	}
	return nil
}

// filterParams are the list filters each kind's export accepts, by the
// names its API list uses.
var filterParams = map[string][]string{
	TableAllegations:    {"from", "to", "bbox", "category", "status", "source_kind", "on_behalf_of", "perpetrator", "zone", "incident_id", "unlinked"},
	TableObservations:   {"from", "to", "bbox", "kind", "category", "zone"},
	TableIncidents:      {"from", "to", "bbox", "status", "category", "outcome", "zone", "side"},
	TablePatrols:        {"from", "to"},
	KindLayers:          {"kind", "at"},
	TableLinesOfContact: {"at"},
	TableZones:          {"at"},
	TableCorridors:      {"at"},
	TableSites:          {"at"},
	TablePlaces:         {"q", "kind"},
	TableMinefields:     {"laid_by", "district"},
	TableHazardAreas:    {"status", "district"},
	TableCrossings:      {"from", "to", "checkpoint_id", "direction", "flagged"},
	TableRestrictions:   {"from", "to", "kind", "checkpoint_id", "corridor_id"},
	TableReturns:        {"from", "to", "destination_place_id", "kind"},
	TablePersonsHeld:    {"held_by", "nationality", "status", "category"},
}

// FilterParams returns the filters an export of kind accepts.
func FilterParams(kind string) []string { return slices.Clone(filterParams[kind]) }

// checkFilter refuses a filter the kind's list does not know, so that a
// misspelt filter does not export everything.
func checkFilter(kind string, v url.Values) error {
	known := filterParams[kind]
	var c errs.Collector
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "" {
			c.Add(errs.Invalid("filter", "a filter without a name"))
		} else if !slices.Contains(known, k) {
			c.Add(errs.Invalid(k, "is not a filter of %s (filters: %s)", kind, strings.Join(known, ", ")))
		} else if len(v[k]) > 1 {
			c.Add(errs.Invalid(k, "is given more than once"))
		}
	}
	return c.Err()
}

// parseBBox reads bbox=min_lat,min_lon,max_lat,max_lon as the API's lists
// do; the domain service checks the coordinates.
func parseBBox(v url.Values) (*geo.BBox, error) {
	s := v.Get("bbox")
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	bad := errs.Invalid("bbox", "must be four numbers: min_lat,min_lon,max_lat,max_lon")
	if len(parts) != 4 {
		return nil, bad
	}
	var n [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, bad
		}
		n[i] = x
	}
	return &geo.BBox{MinLat: n[0], MinLon: n[1], MaxLat: n[2], MaxLon: n[3]}, nil
}

// parseWindow reads from and to as the lists do: a day (2021-06-10; to
// takes the whole day) or an RFC 3339 time, to after from. The registry
// pages send days, their API lists times: both are accepted.
func parseWindow(v url.Values) (store.Window, error) {
	w, err := incident.ParseWindow(v)
	return store.Window{From: w.From, To: w.To}, err
}

func parseFlag(v url.Values, name string) (bool, error) {
	switch v.Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, errs.Invalid(name, "must be true or false")
}
