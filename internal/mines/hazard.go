package mines

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Statuses of a hazard area (IMAS 07.11 land release). An area is
// suspected on indirect evidence and confirmed on direct evidence while
// any of it remains; once all of it is released it takes the outcome of
// the release that freed the last of it.
const (
	Suspected = "suspected"
	Confirmed = "confirmed"
	Cancelled = "cancelled" // released by non-technical survey
	Reduced   = "reduced"   // released by technical survey
	Cleared   = "cleared"   // released by clearance
)

// Statuses lists every status in lifecycle order.
var Statuses = []string{Suspected, Confirmed, Cancelled, Reduced, Cleared}

// Land-release methods and the status each leaves behind.
const (
	NonTechnicalSurvey = "non_technical_survey"
	TechnicalSurvey    = "technical_survey"
	Clearance          = "clearance"
)

// Methods lists the land-release methods.
var Methods = []string{NonTechnicalSurvey, TechnicalSurvey, Clearance}

var outcomeOf = map[string]string{NonTechnicalSurvey: Cancelled, TechnicalSurvey: Reduced, Clearance: Cleared}

// Kinds of evidence for a hazard area. Direct evidence makes the area
// confirmed from the start; indirect evidence, suspected.
var (
	directEvidence   = []string{"device_seen", "accident", "minefield_record"}
	indirectEvidence = []string{"local_report", "military_report", "combat_history", "imagery", "other"}
)

// Events on a hazard area.
const (
	EventConfirm = "confirm" // direct evidence found in a suspected area
	EventRelease = "release" // part or all of the remaining area released
)

// Device categories.
var deviceCategories = []string{"anti_personnel_mine", "anti_tank_mine", "uxo", "ied", "explosive_object"}

// Limits on a hazard area.
const (
	MaxEvents          = 1000
	MaxDevicesPerEvent = 1000
)

// releaseTolerance is how far (m²) a release may exceed what remains and
// still count as releasing exactly the rest: areas are kept to the square
// centimetre and clients round.
const releaseTolerance = 0.5

// HazardAreaInput is a hazard area as a client sends it.
type HazardAreaInput struct {
	Name         string      `json:"name,omitempty" doc:"the survey's reference or a name"`
	District     string      `json:"district" doc:"the district, as a name (free text)"`
	PlaceID      string      `json:"place_id,omitempty" doc:"the gazetteer place it is nearest, when given"`
	Polygon      geo.Polygon `json:"polygon" doc:"closed ring of points {lat, lon}, first repeated last, not crossing itself"`
	Evidence     string      `json:"evidence" doc:"direct (device_seen, accident, minefield_record: the area starts confirmed) or indirect (local_report, military_report, combat_history, imagery, other: suspected)"`
	MinefieldID  string      `json:"minefield_id,omitempty" doc:"the minefield record the area comes from"`
	RecordedOn   string      `json:"recorded_on" doc:"date (2021-06-12) or RFC 3339 time the area was surveyed; not in the future"`
	Note         string      `json:"note,omitempty"`
	Illustrative bool        `json:"illustrative,omitempty" doc:"invented for a demonstration"`
	access.LabelInput
}

// Device is an explosive device destroyed during survey or clearance.
type Device struct {
	Category  string     `json:"category" doc:"anti_personnel_mine, anti_tank_mine, uxo, ied or explosive_object (unspecified)"`
	Model     string     `json:"model,omitempty"`
	Count     int64      `json:"count" doc:"at least 1"`
	Condition string     `json:"condition,omitempty" doc:"e.g. intact, corroded, damaged"`
	DepthM    *float64   `json:"depth_m,omitempty" doc:"depth below the surface in metres"`
	Location  *geo.Point `json:"location,omitempty"`
}

// EventInput is an event on a hazard area as a client sends it.
type EventInput struct {
	Kind    string   `json:"kind" doc:"confirm or release"`
	Date    string   `json:"date" doc:"date (2021-06-12) or RFC 3339 time; not in the future, not before the previous event"`
	Method  string   `json:"method,omitempty" doc:"release: non_technical_survey, technical_survey or clearance"`
	AreaM2  float64  `json:"area_m2,omitempty" doc:"release: the area released, m²; at most what remains"`
	Devices []Device `json:"devices,omitempty" doc:"release by technical survey or clearance: the devices destroyed"`
	Note    string   `json:"note,omitempty"`
}

// Event is an event as a hazard area's body holds it.
type Event struct {
	Seq     int       `json:"seq"`
	Kind    string    `json:"kind"`
	Date    time.Time `json:"date"`
	Method  string    `json:"method,omitempty"`
	AreaM2  float64   `json:"area_m2,omitempty"`
	Devices []Device  `json:"devices,omitempty"`
	Note    string    `json:"note,omitempty"`
}

// HazardAreaBody is a hazard area as the change log holds it. AreaM2,
// Extent, Status, ReleasedM2 and RemainingM2 are computed on write.
type HazardAreaBody struct {
	Name         string      `json:"name,omitempty"`
	District     string      `json:"district"`
	PlaceID      string      `json:"place_id,omitempty"`
	Polygon      geo.Polygon `json:"polygon"`
	AreaM2       float64     `json:"area_m2" doc:"computed: the polygon's area on the sphere, m²"`
	Extent       geo.BBox    `json:"extent" doc:"computed: the polygon's bounding box"`
	Evidence     string      `json:"evidence"`
	MinefieldID  string      `json:"minefield_id,omitempty"`
	RecordedOn   time.Time   `json:"recorded_on"`
	Status       string      `json:"status" doc:"computed from the evidence and the events"`
	ReleasedM2   float64     `json:"released_m2" doc:"computed"`
	RemainingM2  float64     `json:"remaining_m2" doc:"computed"`
	Events       []Event     `json:"events,omitempty"`
	Note         string      `json:"note,omitempty"`
	Illustrative bool        `json:"illustrative,omitempty"`
	access.Label
}

// HazardArea is a hazard area with its id and version.
type HazardArea struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	HazardAreaBody
}

// Resource is the policy's view of the hazard area.
func (b HazardAreaBody) Resource() access.Resource { return kindHazardArea.Of(b.Label) }

// Open reports whether some of the area remains to be released.
func (b HazardAreaBody) Open() bool { return b.Status == Suspected || b.Status == Confirmed }

// DecodeHazardAreaInput decodes a hazard area strictly.
func DecodeHazardAreaInput(data []byte) (HazardAreaInput, error) {
	var in HazardAreaInput
	return in, decodeStrict(data, &in)
}

// DecodeEventInput decodes a hazard area event strictly.
func DecodeEventInput(data []byte) (EventInput, error) {
	var in EventInput
	return in, decodeStrict(data, &in)
}

func (in HazardAreaInput) body(now time.Time, owner string) (HazardAreaBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := HazardAreaBody{Name: in.Name, District: in.District, PlaceID: in.PlaceID, Evidence: in.Evidence, MinefieldID: in.MinefieldID,
		Note: in.Note, Illustrative: in.Illustrative}
	if in.Name != "" {
		if err := text.CheckName("name", in.Name, MaxName); err != nil {
			ec.Add(err)
		}
	}
	if err := text.CheckName("district", in.District, MaxName); err != nil {
		ec.Add(err)
	}
	if in.PlaceID != "" {
		if err := checkID("place_id", in.PlaceID); err != nil {
			ec.Add(err)
		}
	}
	if err := geo.ValidatePolygon(in.Polygon); err != nil {
		ec.Add(ringError("polygon", err))
	} else {
		b.Polygon = append(geo.Polygon{}, in.Polygon...)
		b.AreaM2 = roundArea(in.Polygon.Area())
		b.RemainingM2 = b.AreaM2
		b.Extent = in.Polygon.Bounds()
	}
	switch {
	case slices.Contains(directEvidence, in.Evidence):
		b.Status = Confirmed
	case slices.Contains(indirectEvidence, in.Evidence):
		b.Status = Suspected
	default:
		ec.Add(oneOf("evidence", in.Evidence, append(slices.Clone(directEvidence), indirectEvidence...)))
	}
	if in.MinefieldID != "" {
		if err := checkID("minefield_id", in.MinefieldID); err != nil {
			ec.Add(err)
		}
	}
	var err error
	if b.RecordedOn, err = parseTime("recorded_on", in.RecordedOn, now); err != nil {
		ec.Add(err)
	}
	if err := checkOptionalText("note", in.Note, maxText); err != nil {
		ec.Add(err)
	}
	b.Label, err = in.LabelInput.Label(access.Mission, owner)
	ec.Add(err)
	return b, ec.Err()
}

// apply checks an event against the area's state and returns the area
// with the event applied; b is not changed.
func (b HazardAreaBody) apply(now time.Time, in EventInput) (HazardAreaBody, error) {
	ev := Event{Seq: len(b.Events) + 1, Kind: in.Kind, Method: in.Method, Note: in.Note}
	switch in.Kind {
	case EventConfirm, EventRelease:
	default:
		return b, errs.Invalid("kind", "must be %s or %s", EventConfirm, EventRelease)
	}
	if !b.Open() {
		return b, errs.Invalid("kind", "the area is %s: all of it has been released, so no %s can follow", b.Status, in.Kind)
	}
	if len(b.Events) >= MaxEvents {
		return b, errs.Invalid("kind", "a hazard area has at most %d events", MaxEvents)
	}
	var err error
	if ev.Date, err = parseTime("date", in.Date, now); err != nil {
		return b, err
	}
	if ev.Date.Before(b.RecordedOn) {
		return b, errs.Invalid("date", "is before the area was recorded (%s)", b.RecordedOn.Format(dateText))
	}
	if n := len(b.Events); n > 0 && ev.Date.Before(b.Events[n-1].Date) {
		return b, errs.Invalid("date", "is before the previous event (%s)", b.Events[n-1].Date.Format(time.RFC3339))
	}
	if err := checkOptionalText("note", in.Note, maxText); err != nil {
		return b, err
	}
	out := b
	out.Events = append(slices.Clone(b.Events), ev)
	switch in.Kind {
	case EventConfirm:
		if b.Status != Suspected {
			return b, errs.Invalid("kind", "only a suspected area is confirmed; this one is %s", b.Status)
		}
		if in.Method != "" || in.AreaM2 != 0 || len(in.Devices) > 0 {
			return b, errs.Invalid("kind", "a confirmation releases no land: method, area_m2 and devices belong to a release")
		}
		out.Status = Confirmed
		return out, nil
	}
	if err := oneOf("method", in.Method, Methods); err != nil {
		return b, err
	}
	if math.IsNaN(in.AreaM2) || math.IsInf(in.AreaM2, 0) || in.AreaM2 <= 0 {
		return b, errs.Invalid("area_m2", "a release frees a positive area in m²")
	}
	if in.AreaM2 > b.RemainingM2+releaseTolerance {
		return b, errs.Invalid("area_m2", "releases %.2f m² but only %.2f m² of the area remains", in.AreaM2, b.RemainingM2)
	}
	if len(in.Devices) > 0 && in.Method == NonTechnicalSurvey {
		return b, errs.Invalid("devices", "a non-technical survey destroys no devices; record them on the technical survey or clearance")
	}
	if len(in.Devices) > MaxDevicesPerEvent {
		return b, errs.Because(errs.Invalid("devices", "at most %d entries", MaxDevicesPerEvent), errs.ReasonTooLarge, "max", MaxDevicesPerEvent)
	}
	for i, d := range in.Devices {
		at := func(f string) string { return fmt.Sprintf("devices[%d].%s", i, f) }
		if err := oneOf(at("category"), d.Category, deviceCategories); err != nil {
			return b, err
		}
		for _, f := range [][2]string{{"model", d.Model}, {"condition", d.Condition}} {
			if f[1] != "" {
				if err := text.CheckName(at(f[0]), f[1], MaxModel); err != nil {
					return b, err
				}
			}
		}
		if d.Count < 1 || d.Count > MaxMinesPerType {
			return b, errs.Invalid(at("count"), "must be between 1 and 10000000")
		}
		if d.DepthM != nil && (math.IsNaN(*d.DepthM) || *d.DepthM < 0 || *d.DepthM > 100) {
			return b, errs.Invalid(at("depth_m"), "must be between 0 and 100 m")
		}
		if d.Location != nil {
			if err := checkPoint(at("location"), *d.Location); err != nil {
				return b, err
			}
		}
	}
	ev.AreaM2 = roundArea(math.Min(in.AreaM2, b.RemainingM2))
	if len(in.Devices) > 0 {
		ev.Devices = slices.Clone(in.Devices)
	}
	out.Events[len(out.Events)-1] = ev
	out.ReleasedM2 = roundArea(b.ReleasedM2 + ev.AreaM2)
	out.RemainingM2 = roundArea(math.Max(0, b.AreaM2-out.ReleasedM2))
	if out.RemainingM2 < releaseTolerance {
		out.RemainingM2 = 0
		out.Status = outcomeOf[in.Method]
	}
	return out, nil
}

// RecordHazardArea records a suspected or confirmed hazard area.
func (s *Service) RecordHazardArea(ctx context.Context, p access.Principal, in HazardAreaInput) (HazardArea, error) {
	const op = "record hazard area"
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return HazardArea{}, wrap(op, err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return HazardArea{}, wrap(op, err)
	}
	id := s.db.NewID(hazardAreaPrefix)
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if b.PlaceID != "" {
			var one int
			if err := tx.QueryRow(`SELECT 1 FROM places WHERE id = ?`, b.PlaceID).Scan(&one); store.IsNoRows(err) {
				return errs.Invalid("place_id", "no place %s", b.PlaceID)
			} else if err != nil {
				return err
			}
		}
		if b.MinefieldID != "" {
			var m MinefieldBody
			_, err := tx.Current(EntityMinefield, b.MinefieldID, &m)
			if errs.CodeOf(err) == errs.CodeNotFound || (err == nil && !access.CanRead(p, m.Resource())) {
				return errs.Invalid("minefield_id", "no minefield record %s", b.MinefieldID)
			}
			if err != nil {
				return err
			}
		}
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityHazardArea, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return HazardArea{}, wrap(op, err)
	}
	return HazardArea{ID: id, Version: rec.Version, HazardAreaBody: b}, nil
}

// AddEvent confirms a hazard area or releases part or all of it, against
// the version the client read.
func (s *Service) AddEvent(ctx context.Context, p access.Principal, id string, version int64, in EventInput) (HazardArea, error) {
	const op = "hazard area event"
	var out HazardAreaBody
	var rec store.Recorded
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		var b HazardAreaBody
		have, err := tx.Current(EntityHazardArea, id, &b)
		if err != nil {
			return err
		}
		if err := access.Decide(p, access.Transition, b.Resource()); err != nil {
			return err
		}
		if err := store.CheckVersion(EntityHazardArea, id, version, have); err != nil {
			return err
		}
		if out, err = b.apply(s.now(), in); err != nil {
			return err
		}
		rec, err = tx.Record(store.Change{Entity: EntityHazardArea, ID: id, Version: have + 1, Actor: p.Actor(), Body: out, Public: out.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return HazardArea{}, wrap(op, err)
	}
	return HazardArea{ID: id, Version: rec.Version, HazardAreaBody: out}, nil
}

// GetHazardArea returns a hazard area p may read.
func (s *Service) GetHazardArea(ctx context.Context, p access.Principal, id string) (HazardArea, error) {
	h := HazardArea{ID: id}
	v, err := s.db.Current(ctx, EntityHazardArea, id, &h.HazardAreaBody)
	if err != nil {
		return HazardArea{}, wrap("get hazard area", err)
	}
	if err := access.Decide(p, access.Read, h.Resource()); err != nil {
		return HazardArea{}, wrap("get hazard area", err)
	}
	h.Version = v
	hs := []HazardArea{h}
	if err := s.hideUnreadableSources(ctx, p, hs); err != nil {
		return HazardArea{}, wrap("get hazard area", err)
	}
	return hs[0], nil
}

// HazardAreaFilter narrows a list of hazard areas.
type HazardAreaFilter struct {
	District string
	Status   string
	Within   *geo.BBox // areas whose extent meets this box (the map's view)
}

// ListHazardAreas lists the hazard areas p may read, latest recorded first.
func (s *Service) ListHazardAreas(ctx context.Context, p access.Principal, f HazardAreaFilter, page store.PageRequest) (store.Page[HazardArea], error) {
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Page[HazardArea]{}, wrap("list hazard areas", err)
	}
	out, err := listPage(ctx, s.db, "hazard_areas", EntityHazardArea, "recorded_day", conds, args, page, func(id string, v int64, body []byte) (HazardArea, error) {
		h := HazardArea{ID: id, Version: v}
		return h, store.DecodeBody(body, &h.HazardAreaBody)
	})
	if err == nil {
		err = s.hideUnreadableSources(ctx, p, out.Items)
	}
	return out, wrap("list hazard areas", err)
}

func hazardAreaRows(id string, b *HazardAreaBody) (map[string][][]any, error) {
	e := b.Extent
	class := string(b.Classification)
	rows := map[string][][]any{
		"hazard_areas": {{id, b.District, b.Status, b.Evidence, b.MinefieldID, b.AreaM2, b.RemainingM2, dayOf(b.RecordedOn),
			e.MinLat, e.MinLon, e.MaxLat, e.MaxLon, boolInt(b.Illustrative), class, b.OwnerOrg}},
		"hazard_area_readers": b.ReaderRows(id),
	}
	for _, ev := range b.Events {
		if ev.Kind != EventRelease {
			continue
		}
		day := dayOf(ev.Date)
		rows["hazard_releases"] = append(rows["hazard_releases"], []any{id, ev.Seq, day, ev.Method, ev.AreaM2, b.District, class, b.OwnerOrg})
		for _, d := range ev.Devices {
			rows["hazard_devices"] = append(rows["hazard_devices"], []any{id, ev.Seq, day, d.Category, d.Count, b.District, class, b.OwnerOrg})
		}
	}
	return rows, nil
}
