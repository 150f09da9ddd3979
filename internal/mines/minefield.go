package mines

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Emplacement methods, as the technical annex of Amended Protocol II names
// them.
var emplacements = []string{"hand", "mechanical", "remotely_delivered"}

// Mine categories.
var mineCategories = []string{"anti_tank", "anti_personnel"}

// Limits on a minefield record's lists.
const (
	MaxReferencePoints = 20
	MaxMineTypes       = 50
	MaxRows            = 1000
	MaxMinePositions   = 10_000
	maxMinesPerType    = MaxMinesPerType
	maxText            = MaxNote
)

// ReferencePoint is a fixed point the minefield's location is tied to.
type ReferencePoint struct {
	Point       geo.Point `json:"point"`
	Description string    `json:"description" doc:"what the point is, e.g. the north-east corner of the pumping station"`
}

// MineType is one kind of mine laid in the field and how many.
type MineType struct {
	Category   string `json:"category" doc:"anti_tank or anti_personnel"`
	Model      string `json:"model" doc:"e.g. TM-62M, PMN-2"`
	Count      int64  `json:"count" doc:"how many; 0 when the type is recorded but none counted"`
	FuseType   string `json:"fuse_type,omitempty" doc:"e.g. pressure, tilt rod, tripwire"`
	FuseLife   string `json:"fuse_life,omitempty" doc:"the fuse's life time as the record states it, e.g. 'indefinite' or '30 days'"`
	Detectable *bool  `json:"detectable,omitempty" doc:"whether the mine is detectable (Amended Protocol II, technical annex 2)"`
}

// AntiHandling says whether anti-handling devices were fitted.
type AntiHandling struct {
	Present     bool   `json:"present"`
	Description string `json:"description,omitempty"`
}

// MineRow is a row of mines between two points.
type MineRow struct {
	Start geo.Point `json:"start"`
	End   geo.Point `json:"end"`
	Mines *int64    `json:"mines,omitempty" doc:"how many mines in the row, when known"`
}

// RemoteDelivery holds what the annex asks for remotely delivered mines.
type RemoteDelivery struct {
	Corners            []geo.Point `json:"corners" doc:"corner coordinates of the area the mines were delivered into (3 to 20)"`
	Total              int64       `json:"total" doc:"total number of mines delivered"`
	SelfDestructPeriod string      `json:"self_destruct_period,omitempty" doc:"the self-destruct period as recorded, e.g. '4 hours'"`
	DeliveredBy        string      `json:"delivered_by,omitempty" doc:"the system that delivered them"`
}

// MinefieldInput is a minefield record as a client sends it.
type MinefieldInput struct {
	Designation     string           `json:"designation,omitempty" doc:"the laying side's reference for the field"`
	LaidBy          string           `json:"laid_by" doc:"the side that laid the minefield (organisation id)"`
	District        string           `json:"district" doc:"the district, as a name (free text)"`
	ReferencePoints []ReferencePoint `json:"reference_points" doc:"at least two"`
	Perimeter       geo.Polygon      `json:"perimeter" doc:"closed ring of points {lat, lon}, first repeated last, not crossing itself"`
	Mines           []MineType       `json:"mines"`
	Emplacement     string           `json:"emplacement" doc:"hand, mechanical or remotely_delivered"`
	LaidAt          string           `json:"laid_at" doc:"date (2021-06-12) or RFC 3339 time the field was laid; not in the future"`
	AntiHandling    AntiHandling     `json:"anti_handling"`
	Rows            []MineRow        `json:"rows,omitempty" doc:"mine rows, where recorded"`
	MinePositions   []geo.Point      `json:"mine_positions,omitempty" doc:"each mine's position, where recorded"`
	Remote          *RemoteDelivery  `json:"remote,omitempty" doc:"required for remotely delivered mines, refused otherwise"`
	Note            string           `json:"note,omitempty"`
	Illustrative    bool             `json:"illustrative,omitempty" doc:"invented for a demonstration"`
	access.LabelInput
}

// MinefieldBody is a minefield record as the change log holds it. AreaM2,
// Extent and MinesTotal are computed on write.
type MinefieldBody struct {
	Designation     string           `json:"designation,omitempty"`
	LaidBy          string           `json:"laid_by"`
	District        string           `json:"district"`
	ReferencePoints []ReferencePoint `json:"reference_points"`
	Perimeter       geo.Polygon      `json:"perimeter"`
	AreaM2          float64          `json:"area_m2" doc:"computed: the perimeter's area on the sphere, m²"`
	Extent          geo.BBox         `json:"extent" doc:"computed: the perimeter's bounding box"`
	Mines           []MineType       `json:"mines"`
	MinesTotal      int64            `json:"mines_total" doc:"computed: the sum of the counts"`
	Emplacement     string           `json:"emplacement"`
	LaidAt          time.Time        `json:"laid_at"`
	AntiHandling    AntiHandling     `json:"anti_handling"`
	Rows            []MineRow        `json:"rows,omitempty"`
	MinePositions   []geo.Point      `json:"mine_positions,omitempty"`
	Remote          *RemoteDelivery  `json:"remote,omitempty"`
	Note            string           `json:"note,omitempty"`
	Illustrative    bool             `json:"illustrative,omitempty"`
	access.Label
}

// Minefield is a minefield record with its id and version.
type Minefield struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	MinefieldBody
}

// Resource is the policy's view of the record: it is filed in the name of
// the side that laid the field.
func (b MinefieldBody) Resource() access.Resource {
	r := kindMinefield.Of(b.Label)
	r.OnBehalfOf = b.LaidBy
	return r
}

// DecodeMinefieldInput decodes a minefield record strictly.
func DecodeMinefieldInput(data []byte) (MinefieldInput, error) {
	var in MinefieldInput
	return in, decodeStrict(data, &in)
}

// ringPosition matches the GeoJSON paths package geo reports inside a
// polygon's ring: "coordinates[0]", "coordinates[0][3]", "coordinates[0][3][1]".
var ringPosition = regexp.MustCompile(`^coordinates\[0\](\[\d+\])?(\[[01]\])?$`)

// ringError renames package geo's GeoJSON paths to this API's, where a ring
// is a list of {lat, lon}: "perimeter", "perimeter[3]", "perimeter[3].lat".
func ringError(field string, err error) error {
	m := ringPosition.FindStringSubmatch(errs.FieldOf(err))
	if m == nil {
		return errs.Prefix(field, err)
	}
	f := field + m[1]
	switch m[2] {
	case "[0]":
		f += ".lon"
	case "[1]":
		f += ".lat"
	}
	return &errs.Error{Code: errs.CodeOf(err), Field: f, Message: errs.MessageOf(err)}
}

func checkPoint(field string, p geo.Point) error {
	if err := p.Validate(); err != nil {
		return errs.Prefix(field, err)
	}
	return nil
}

func checkOptionalText(field, s string, max int) error {
	if s == "" {
		return nil
	}
	return text.CheckText(field, s, max)
}

func (in MinefieldInput) body(now time.Time, owner string) (MinefieldBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := MinefieldBody{Designation: in.Designation, LaidBy: in.LaidBy, District: in.District, Emplacement: in.Emplacement,
		AntiHandling: in.AntiHandling, Note: in.Note, Illustrative: in.Illustrative}
	if in.Designation != "" {
		if err := text.CheckName("designation", in.Designation, MaxName); err != nil {
			ec.Add(err)
		}
	}
	if err := checkID("laid_by", in.LaidBy); err != nil {
		ec.Add(err)
	}
	if err := text.CheckName("district", in.District, MaxName); err != nil {
		ec.Add(err)
	}
	if len(in.ReferencePoints) < 2 {
		ec.Add(errs.Because(errs.Invalid("reference_points", "a minefield record ties its location to at least two reference points, got %d", len(in.ReferencePoints)), errs.ReasonTooSmall, "min", 2))
	}
	if len(in.ReferencePoints) > MaxReferencePoints {
		ec.Add(errs.Because(errs.Invalid("reference_points", "at most %d reference points", MaxReferencePoints), errs.ReasonTooLarge, "max", MaxReferencePoints))
	}
	for i, rp := range in.ReferencePoints {
		if err := checkPoint(fmt.Sprintf("reference_points[%d].point", i), rp.Point); err != nil {
			ec.Add(err)
		}
		if err := text.CheckText(fmt.Sprintf("reference_points[%d].description", i), rp.Description, MaxDescription); err != nil {
			ec.Add(err)
		}
	}
	b.ReferencePoints = append([]ReferencePoint{}, in.ReferencePoints...)
	if err := geo.ValidatePolygon(in.Perimeter); err != nil {
		ec.Add(ringError("perimeter", err))
	} else {
		b.Perimeter = append(geo.Polygon{}, in.Perimeter...)
		b.AreaM2 = roundArea(in.Perimeter.Area())
		b.Extent = in.Perimeter.Bounds()
	}
	if len(in.Mines) == 0 {
		ec.Add(errs.Because(errs.Invalid("mines", "a minefield record lists at least one type of mine"), errs.ReasonRequired))
	}
	if len(in.Mines) > MaxMineTypes {
		ec.Add(errs.Because(errs.Invalid("mines", "at most %d types of mine", MaxMineTypes), errs.ReasonTooLarge, "max", MaxMineTypes))
	}
	for i, m := range in.Mines {
		at := func(f string) string { return fmt.Sprintf("mines[%d].%s", i, f) }
		if err := oneOf(at("category"), m.Category, mineCategories); err != nil {
			ec.Add(err)
		}
		if err := text.CheckName(at("model"), m.Model, MaxModel); err != nil {
			ec.Add(err)
		}
		if m.Count < 0 {
			ec.Add(errs.Invalid(at("count"), "a count of mines cannot be negative, got %d", m.Count))
		}
		if m.Count > maxMinesPerType {
			ec.Add(errs.Because(errs.Invalid(at("count"), "at most %d mines of one type", maxMinesPerType), errs.ReasonTooLarge, "max", maxMinesPerType))
		}
		for _, f := range [][2]string{{"fuse_type", m.FuseType}, {"fuse_life", m.FuseLife}} {
			if f[1] != "" {
				if err := text.CheckName(at(f[0]), f[1], MaxName); err != nil {
					ec.Add(err)
				}
			}
		}
		b.MinesTotal += m.Count
	}
	b.Mines = append([]MineType{}, in.Mines...)
	if err := oneOf("emplacement", in.Emplacement, emplacements); err != nil {
		ec.Add(err)
	}
	var err error
	if b.LaidAt, err = parseTime("laid_at", in.LaidAt, now); err != nil {
		ec.Add(err)
	}
	if err := checkOptionalText("anti_handling.description", in.AntiHandling.Description, maxText); err != nil {
		ec.Add(err)
	}
	if !in.AntiHandling.Present && in.AntiHandling.Description != "" {
		ec.Add(errs.Invalid("anti_handling.description", "describes anti-handling devices, so present must be true"))
	}
	if len(in.Rows) > MaxRows {
		ec.Add(errs.Because(errs.Invalid("rows", "at most %d rows", MaxRows), errs.ReasonTooLarge, "max", MaxRows))
	}
	for i, r := range in.Rows {
		if err := checkPoint(fmt.Sprintf("rows[%d].start", i), r.Start); err != nil {
			ec.Add(err)
		}
		if err := checkPoint(fmt.Sprintf("rows[%d].end", i), r.End); err != nil {
			ec.Add(err)
		}
		if r.Mines != nil && *r.Mines < 0 {
			ec.Add(errs.Invalid(fmt.Sprintf("rows[%d].mines", i), "a count of mines cannot be negative, got %d", *r.Mines))
		}
	}
	if len(in.Rows) > 0 {
		b.Rows = append([]MineRow{}, in.Rows...)
	}
	if len(in.MinePositions) > MaxMinePositions {
		ec.Add(errs.Because(errs.Invalid("mine_positions", "at most %d positions", MaxMinePositions), errs.ReasonTooLarge, "max", MaxMinePositions))
	}
	for i, p := range in.MinePositions {
		if err := checkPoint(fmt.Sprintf("mine_positions[%d]", i), p); err != nil {
			ec.Add(err)
		}
	}
	if len(in.MinePositions) > 0 {
		b.MinePositions = append([]geo.Point{}, in.MinePositions...)
	}
	remote := in.Emplacement == "remotely_delivered"
	switch {
	case remote && in.Remote == nil:
		ec.Add(errs.Invalid("remote", "remotely delivered mines need the corner coordinates, the total and the self-destruct period"))
	case !remote && in.Remote != nil:
		ec.Add(errs.Invalid("remote", "only remotely delivered mines have these"))
	case remote:
		r := *in.Remote
		if len(r.Corners) < 3 || len(r.Corners) > 20 {
			ec.Add(errs.Invalid("remote.corners", "3 to 20 corner coordinates, got %d", len(r.Corners)))
		}
		for i, p := range r.Corners {
			if err := checkPoint(fmt.Sprintf("remote.corners[%d]", i), p); err != nil {
				ec.Add(err)
			}
		}
		if r.Total < 0 || r.Total > maxMinesPerType {
			ec.Add(errs.Invalid("remote.total", "must be between 0 and %d", maxMinesPerType))
		}
		for _, f := range [][2]string{{"remote.self_destruct_period", r.SelfDestructPeriod}, {"remote.delivered_by", r.DeliveredBy}} {
			if f[1] != "" {
				if err := text.CheckName(f[0], f[1], MaxName); err != nil {
					ec.Add(err)
				}
			}
		}
		r.Corners = append([]geo.Point{}, r.Corners...)
		b.Remote = &r
	}
	if err := checkOptionalText("note", in.Note, maxText); err != nil {
		ec.Add(err)
	}
	b.Label, err = in.LabelInput.Label(access.Mission, owner)
	ec.Add(err)
	return b, ec.Err()
}

// roundArea keeps areas to the square centimetre, so that a body's area
// prints the same wherever it is computed.
func roundArea(m2 float64) float64 {
	return float64(int64(m2*100+0.5)) / 100
}

// CreateMinefield records a minefield.
func (s *Service) CreateMinefield(ctx context.Context, p access.Principal, in MinefieldInput) (Minefield, error) {
	return s.putMinefield(ctx, p, "", 0, in)
}

// UpdateMinefield replaces a minefield record with a new version.
func (s *Service) UpdateMinefield(ctx context.Context, p access.Principal, id string, version int64, in MinefieldInput) (Minefield, error) {
	return s.putMinefield(ctx, p, id, version, in)
}

func (s *Service) putMinefield(ctx context.Context, p access.Principal, id string, version int64, in MinefieldInput) (Minefield, error) {
	const op = "record minefield"
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return Minefield{}, wrap(op, err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Minefield{}, wrap(op, err)
	}
	update := id != ""
	if !update {
		id = s.db.NewID(minefieldPrefix)
	}
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if update {
			var old MinefieldBody
			have, err := tx.Current(EntityMinefield, id, &old)
			if err != nil {
				return err
			}
			if err := access.Decide(p, access.Update, old.Resource()); err != nil {
				return err
			}
			if err := store.CheckVersion(EntityMinefield, id, version, have); err != nil {
				return err
			}
			b.OwnerOrg = old.OwnerOrg
		}
		if err := checkSide(tx, "laid_by", b.LaidBy); err != nil {
			return err
		}
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityMinefield, ID: id, Version: version + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Minefield{}, wrap(op, err)
	}
	return Minefield{ID: id, Version: rec.Version, MinefieldBody: b}, nil
}

// GetMinefield returns a minefield record p may read.
func (s *Service) GetMinefield(ctx context.Context, p access.Principal, id string) (Minefield, error) {
	m := Minefield{ID: id}
	v, err := s.db.Current(ctx, EntityMinefield, id, &m.MinefieldBody)
	if err != nil {
		return Minefield{}, wrap("get minefield", err)
	}
	if err := access.Decide(p, access.Read, m.Resource()); err != nil {
		return Minefield{}, wrap("get minefield", err)
	}
	m.Version = v
	return m, nil
}

// MinefieldFilter narrows a list of minefield records.
type MinefieldFilter struct {
	LaidBy   string
	District string
	Within   *geo.BBox // fields whose extent meets this box (the map's view)
}

// ListMinefields lists the minefield records p may read, latest laid first.
func (s *Service) ListMinefields(ctx context.Context, p access.Principal, f MinefieldFilter, page store.PageRequest) (store.Page[Minefield], error) {
	conds, args := f.conds(p)
	out, err := listPage(ctx, s.db, "minefields", EntityMinefield, "laid_at", conds, args, page, func(id string, v int64, body []byte) (Minefield, error) {
		m := Minefield{ID: id, Version: v}
		return m, store.DecodeBody(body, &m.MinefieldBody)
	})
	return out, wrap("list minefields", err)
}

func minefieldRows(id string, b *MinefieldBody) (map[string][][]any, error) {
	e := b.Extent
	return map[string][][]any{
		"minefields": {{id, b.LaidBy, b.District, b.Emplacement, b.LaidAt.UTC().Format(timeText), b.AreaM2, b.MinesTotal,
			e.MinLat, e.MinLon, e.MaxLat, e.MaxLon, boolInt(b.Illustrative), string(b.Classification), b.OwnerOrg}},
		"minefield_readers": b.ReaderRows(id),
	}, nil
}
