package geo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Layer kinds and their geometries.
const (
	KindLineOfContact = "line_of_contact" // LineString or MultiLineString
	KindZone          = "zone"            // Polygon (with holes) or MultiPolygon
	KindCorridor      = "corridor"        // LineString + width_m
	KindSite          = "site"            // Point
)

var subkinds = map[string][]string{
	KindLineOfContact: {""},
	KindZone:          {"buffer", "withdrawal", "area_of_control", "security", "demilitarised", "other"},
	KindCorridor:      {""},
	KindSite:          {"observation_post", "checkpoint", "base", "monitoring_centre", "crossing_point", "other"},
}

// LayerInput is what a client sends to create or replace a layer.
type LayerInput struct {
	Kind         string            `json:"kind" doc:"line_of_contact, zone, corridor or site"`
	Subkind      string            `json:"subkind,omitempty" doc:"zone: buffer, withdrawal, area_of_control, security, demilitarised, other; site: observation_post, checkpoint, base, monitoring_centre, crossing_point, other"`
	Name         string            `json:"name"`
	Names        map[string]string `json:"names,omitempty" doc:"name per language tag"`
	Party        string            `json:"party,omitempty" doc:"organisation id: who controls the zone or runs the site"`
	Geometry     json.RawMessage   `json:"geometry" doc:"GeoJSON in WGS 84: a Point for a site, a LineString for a corridor, a LineString or MultiLineString for a line of contact, a Polygon (holes allowed) or MultiPolygon for a zone"`
	WidthM       float64           `json:"width_m,omitempty" doc:"corridor width in metres"`
	LeftParty    string            `json:"left_party,omitempty" doc:"line of contact: side holding the left of the line's direction"`
	RightParty   string            `json:"right_party,omitempty"`
	ValidFrom    string            `json:"valid_from" doc:"RFC 3339"`
	ValidTo      string            `json:"valid_to,omitempty" doc:"RFC 3339; open-ended when absent"`
	Note         string            `json:"note,omitempty"`
	Illustrative bool              `json:"illustrative,omitempty"`
	ExternalID   string            `json:"external_id,omitempty" doc:"the layer's id in the system it came from; an import updates the layer with the same external id"`
	// Import is the file an import brought the layer in from; set by
	// importers, never by a client.
	Import *ImportSource `json:"-"`
	access.LabelInput
}

// ImportSource is the file a record was imported from, kept in its body
// so that the change log says where each imported change came from.
type ImportSource struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// LayerBody is a layer as the change log holds it.
type LayerBody struct {
	Kind         string            `json:"kind"`
	Subkind      string            `json:"subkind,omitempty"`
	Name         string            `json:"name"`
	Names        map[string]string `json:"names,omitempty"`
	Party        string            `json:"party,omitempty"`
	Geometry     Geometry          `json:"geometry"`
	WidthM       float64           `json:"width_m,omitempty"`
	LeftParty    string            `json:"left_party,omitempty"`
	RightParty   string            `json:"right_party,omitempty"`
	ValidFrom    time.Time         `json:"valid_from"`
	ValidTo      *time.Time        `json:"valid_to,omitempty"`
	Note         string            `json:"note,omitempty"`
	Illustrative bool              `json:"illustrative,omitempty"`
	ExternalID   string            `json:"external_id,omitempty"`
	Import       *ImportSource     `json:"import,omitempty"`
	access.Label
}

// Resource is the policy's view of the layer.
func (l Layer) Resource() access.Resource { return kindLayer.Of(l.Label) }

// Layer is a layer with its id and version.
type Layer struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	LayerBody
}

// ValidAt reports whether the layer is in force at t.
func (l LayerBody) ValidAt(t time.Time) bool {
	return !t.Before(l.ValidFrom) && (l.ValidTo == nil || t.Before(*l.ValidTo))
}

var langTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// ParseTime parses an RFC 3339 time in field, in UTC and truncated to the
// second: the layers table compares validity times as text to the second,
// so whole seconds keep ListLayers and ValidAt in agreement.
func ParseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errs.Required(field)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errs.Because(errs.Invalid(field, "must be an RFC 3339 time such as 2020-11-09T21:00:00Z"), errs.ReasonNotATime)
	}
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y < 0 || y > 9999 { // an offset can push a valid year out of JSON's range
		return time.Time{}, errs.Because(errs.Invalid(field, "year %d in UTC is outside 0000 to 9999", y), errs.ReasonNotATime)
	}
	return t, nil
}

func checkNames(field string, names map[string]string) error {
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !langTag.MatchString(k) {
			return errs.Invalid(field, "%q is not a language tag such as en, ru or hy", k)
		}
		if err := text.CheckName(field+"."+k, names[k], 200); err != nil {
			return err
		}
	}
	return nil
}

// body validates the input and returns the layer body, owned by owner.
// Layers are mission material unless labelled otherwise: the positions of
// posts are the monitors' safety.
func (in LayerInput) body(owner string) (LayerBody, error) {
	b := LayerBody{Kind: in.Kind, Subkind: in.Subkind, Name: in.Name, Names: in.Names, Party: in.Party,
		WidthM: in.WidthM, LeftParty: in.LeftParty, RightParty: in.RightParty, Note: in.Note, Illustrative: in.Illustrative,
		ExternalID: in.ExternalID, Import: in.Import}
	if err := checkExternal(in.ExternalID, in.Import); err != nil {
		return b, err
	}
	label, err := in.LabelInput.Label(access.Mission, owner)
	if err != nil {
		return b, err
	}
	b.Label = label
	subs, ok := subkinds[in.Kind]
	if !ok {
		return b, errs.Invalid("kind", "must be line_of_contact, zone, corridor or site")
	}
	if !contains(subs, in.Subkind) {
		if in.Subkind == "" {
			return b, errs.Because(errs.Invalid("subkind", "is required for a %s: one of %s", in.Kind, strings.Join(subs, ", ")), errs.ReasonRequired)
		}
		return b, errs.Invalid("subkind", "a %s's subkind is one of %s", in.Kind, strings.Join(subs, ", "))
	}
	if err := text.CheckName("name", in.Name, 200); err != nil {
		return b, err
	}
	if len(in.Names) > 50 {
		return b, errs.Invalid("names", "at most 50 names")
	}
	if err := checkNames("names", in.Names); err != nil {
		return b, err
	}
	for _, p := range [][2]string{{"party", in.Party}, {"left_party", in.LeftParty}, {"right_party", in.RightParty}} {
		if p[1] != "" {
			if err := text.CheckName(p[0], p[1], 64); err != nil {
				return b, err
			}
		}
	}
	if in.Note != "" {
		if err := text.CheckText("note", in.Note, 10000); err != nil {
			return b, err
		}
	}
	if len(in.Geometry) == 0 || string(in.Geometry) == "null" {
		return b, errs.Because(errs.Invalid("geometry", "is required"), errs.ReasonRequired)
	}
	g, err := ParseGeometry(in.Geometry)
	if err != nil {
		return b, errs.Prefix("geometry", err)
	}
	if err := checkKindGeometry(in.Kind, g.Type); err != nil {
		return b, err
	}
	b.Geometry = g
	if in.Kind == KindCorridor {
		if err := ValidateWidth(in.WidthM); err != nil {
			return b, err
		}
	} else if in.WidthM != 0 {
		return b, errs.Invalid("width_m", "only a corridor has a width")
	}
	if in.Kind != KindLineOfContact && in.LeftParty != "" {
		return b, errs.Invalid("left_party", "only a line of contact has sides")
	}
	if in.Kind != KindLineOfContact && in.RightParty != "" {
		return b, errs.Invalid("right_party", "only a line of contact has sides")
	}
	if b.ValidFrom, err = ParseTime("valid_from", in.ValidFrom); err != nil {
		return b, err
	}
	if in.ValidTo != "" {
		to, err := ParseTime("valid_to", in.ValidTo)
		if err != nil {
			return b, err
		}
		if !to.After(b.ValidFrom) {
			return b, errs.Invalid("valid_to", "must be after valid_from")
		}
		b.ValidTo = &to
	}
	return b, nil
}

// kindGeometries are the geometry types each kind of layer holds, the
// first the usual one.
var kindGeometries = map[string][]GeometryType{
	KindLineOfContact: {TypeLineString, TypeMultiLineString},
	KindZone:          {TypePolygon, TypeMultiPolygon},
	KindCorridor:      {TypeLineString},
	KindSite:          {TypePoint},
}

// checkKindGeometry refuses a geometry type a kind of layer cannot hold.
func checkKindGeometry(kind string, t GeometryType) error {
	want := kindGeometries[kind]
	for _, w := range want {
		if t == w {
			return nil
		}
	}
	switch {
	case kind == KindSite && t == TypeMultiPoint:
		return errs.Invalid("geometry.type", "a site needs a Point, not a MultiPoint; make each point a site of its own")
	case len(want) == 1:
		return errs.Invalid("geometry.type", "a %s needs a %s, not a %s", kind, want[0], t)
	}
	return errs.Invalid("geometry.type", "a %s needs a %s or a %s, not a %s", kind, want[0], want[1], t)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// OrgCheck checks, inside a write transaction, that id names an
// organisation (the agreement package owns them).
type OrgCheck func(tx *store.Tx, field, id string) error

// The kinds of record in the change log.
const (
	EntityLayer = "layer"
	EntityPlace = "place"
)

// Service stores layers and places and answers where a point is.
type Service struct {
	db       *store.DB
	orgCheck OrgCheck

	// onLayers are called after a layer is written (records placed on the
	// old layers may need placing again).
	onLayers []func()

	mu      sync.Mutex
	layers  []Layer // cache of all layers; nil when none
	version int64   // the log's version of layers (store.DB.Version) the cache was loaded at
	// The places' index (nearest.go) and the log's version of places it
	// was loaded at.
	placeIx      *placeIndex
	placeVersion int64
}

// New returns the geography service and registers its projections.
func New(db *store.DB, orgCheck OrgCheck) *Service {
	s := &Service{db: db, orgCheck: orgCheck}
	db.Register(store.Typed("layer", []store.Table{{Name: "layers", Columns: []string{"id", "kind", "subkind", "name", "party", "valid_from", "valid_to",
		"min_lat", "min_lon", "max_lat", "max_lon", "geometry", "width_m", "left_party", "right_party", "illustrative", "classification", "owner_org"}},
		{Name: "layer_readers", Columns: []string{"record_id", "org_id"}}},
		layerRowsOf))
	db.Register(store.Typed("place", []store.Table{
		{Name: "places", Columns: []string{"id", "kind", "name", "lat", "lon", "illustrative", "classification", "owner_org"}},
		{Name: "place_names", Columns: []string{"place_id", "lang", "party", "name", "folded"}},
		{Name: "place_readers", Columns: []string{"record_id", "org_id"}},
	}, placeRowsOf))
	return s
}

const timeText = "2006-01-02T15:04:05Z"

func layerRows(id string, body []byte) (map[string][][]any, error) {
	var b LayerBody
	if err := store.DecodeBody(body, &b); err != nil {
		return nil, err
	}
	return layerRowsOf(id, &b)
}

func layerRowsOf(id string, b *LayerBody) (map[string][][]any, error) {
	g, err := json.Marshal(b.Geometry)
	if err != nil {
		return nil, err
	}
	bb := b.Geometry.Bounds()
	to := ""
	if b.ValidTo != nil {
		to = b.ValidTo.UTC().Format(timeText)
	}
	return map[string][][]any{"layers": {{id, b.Kind, b.Subkind, b.Name, b.Party, b.ValidFrom.UTC().Format(timeText), to,
		bb.MinLat, bb.MinLon, bb.MaxLat, bb.MaxLon, string(g), b.WidthM, b.LeftParty, b.RightParty, b.Illustrative,
		string(b.Classification), b.OwnerOrg}}, "layer_readers": b.ReaderRows(id)}, nil
}

func (s *Service) checkOrgs(tx *store.Tx, fields map[string]string) error {
	if s.orgCheck == nil {
		return nil
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if fields[k] != "" {
			if err := s.orgCheck(tx, k, fields[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// OnLayersChanged registers f to be called after every layer write. Set
// it up before serving; f must return quickly.
func (s *Service) OnLayersChanged(f func()) { s.onLayers = append(s.onLayers, f) }

// CreateLayer validates and stores a new layer.
func (s *Service) CreateLayer(ctx context.Context, p access.Principal, in LayerInput) (Layer, error) {
	if err := access.Decide(p, access.Create, kindLayer.New()); err != nil {
		return Layer{}, err
	}
	return s.putLayer(ctx, p.Actor(), s.db.NewID("lyr"), 1, p.Org, in)
}

// UpdateLayer replaces a layer; version is the version the client last saw.
func (s *Service) UpdateLayer(ctx context.Context, p access.Principal, id string, version int64, in LayerInput) (Layer, error) {
	cur, err := s.GetLayer(ctx, p, id)
	if err != nil {
		return Layer{}, err
	}
	if err := access.Decide(p, access.Update, cur.Resource()); err != nil {
		return Layer{}, err
	}
	if version < 1 { // 0 would skip the store's version check
		return Layer{}, errs.Invalid("version", "must be the version last read, at least 1")
	}
	return s.putLayer(ctx, p.Actor(), id, version+1, cur.OwnerOrg, in)
}

func (s *Service) putLayer(ctx context.Context, actor store.Actor, id string, version int64, owner string, in LayerInput) (Layer, error) {
	b, err := in.body(owner)
	if err != nil {
		return Layer{}, err
	}
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.checkOrgs(tx, map[string]string{"party": b.Party, "left_party": b.LeftParty, "right_party": b.RightParty}); err != nil {
			return err
		}
		for i, o := range b.RestrictedTo {
			if err := s.checkOrgs(tx, map[string]string{fmt.Sprintf("restricted_to[%d]", i): o}); err != nil {
				return err
			}
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: "layer", ID: id, Version: version, Actor: actor, Body: b, Public: b.Classification == access.Public})
		return err
	})
	if err != nil {
		return Layer{}, err
	}
	for _, f := range s.onLayers {
		f()
	}
	return Layer{ID: id, Version: rec.Version, LayerBody: b}, nil
}

// GetLayer returns one layer p may read; one p may not read is not found.
func (s *Service) GetLayer(ctx context.Context, p access.Principal, id string) (Layer, error) {
	l, err := s.getLayer(ctx, id)
	if err != nil {
		return Layer{}, err
	}
	if !access.CanRead(p, l.Resource()) {
		return Layer{}, errs.NotFound("layer %s not found", id)
	}
	return l, nil
}

// getLayer reads a layer whoever asks: for the package's own work.
func (s *Service) getLayer(ctx context.Context, id string) (Layer, error) {
	body, v, err := s.db.Body(ctx, "layer", id)
	if err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound {
			return Layer{}, errs.NotFound("layer %s not found", id)
		}
		return Layer{}, err
	}
	l := Layer{ID: id, Version: v}
	if err := store.DecodeBody(body, &l.LayerBody); err != nil {
		return Layer{}, fmt.Errorf("layer %s: %w", id, err)
	}
	return l, nil
}

// LayerFilter narrows ListLayers.
type LayerFilter struct {
	Kind string
	At   *time.Time // only layers valid at this time
}

// ListLayers lists the layers p may read in id order.
func (s *Service) ListLayers(ctx context.Context, p access.Principal, f LayerFilter, page store.PageRequest) (store.Page[Layer], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Layer]{}, err
	}
	if f.Kind != "" {
		if _, ok := subkinds[f.Kind]; !ok {
			return store.Page[Layer]{}, errs.Invalid("kind", "must be line_of_contact, zone, corridor or site")
		}
	}
	q := `SELECT id FROM layers l WHERE id > ?`
	args := []any{""}
	if len(keys) > 0 {
		args[0] = keys[0]
	}
	cond, cargs := access.Filter(p, "l", "layer_readers")
	q += " AND " + cond
	args = append(args, cargs...)
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.At != nil {
		at := f.At.UTC().Format(timeText)
		q += ` AND valid_from <= ? AND (valid_to = '' OR valid_to > ?)`
		args = append(args, at, at)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit+1)
	ids, err := s.ids(ctx, q, args...)
	if err != nil {
		return store.Page[Layer]{}, err
	}
	bodies, err := s.db.Bodies(ctx, "layer", ids)
	if err != nil {
		return store.Page[Layer]{}, err
	}
	out := make([]Layer, 0, len(ids))
	for _, id := range ids {
		c, ok := bodies[id]
		if !ok {
			return store.Page[Layer]{}, fmt.Errorf("layer %s has no change", id)
		}
		x := Layer{ID: id, Version: c.Version}
		if err := store.DecodeBody(c.Body, &x.LayerBody); err != nil {
			return store.Page[Layer]{}, fmt.Errorf("layer %s: %w", id, err)
		}
		out = append(out, x)
	}
	return store.Paginate(out, limit, func(l Layer) []string { return []string{l.ID} }), nil
}

func (s *Service) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// allLayers returns every layer, cached until a layer is written by this
// process or any other on the database: the log's version of layers is
// read before loading, so a layer written during a load is loaded again
// next time.
func (s *Service) allLayers(ctx context.Context) ([]Layer, error) {
	version, err := s.db.Version(ctx, EntityLayer)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	cached, at := s.layers, s.version
	s.mu.Unlock()
	if cached != nil && at == version {
		return cached, nil
	}
	ids, err := s.ids(ctx, `SELECT id FROM layers ORDER BY id`)
	if err != nil {
		return nil, err
	}
	all := make([]Layer, 0, len(ids))
	for _, id := range ids {
		l, err := s.getLayer(ctx, id)
		if err != nil {
			return nil, err
		}
		all = append(all, l)
	}
	s.mu.Lock()
	if s.layers == nil || version >= s.version {
		s.layers, s.version = all, version
	}
	s.mu.Unlock()
	return all, nil
}

var _ = bytes.Equal
