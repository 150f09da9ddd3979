package incident

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

var observerKinds = []string{"patrol", "post", "camera", "drone"}

// MaxObservationRangeM is the furthest an observation may place what it saw
// or heard.
const MaxObservationRangeM = 100_000

// SingleBearingSpreadDeg is how far either side of a single bearing the
// probable area reaches: a bearing taken by ear or by eye is that uncertain.
const SingleBearingSpreadDeg = 5

// sectorSteps is how many segments draw the arc of a probable area.
const sectorSteps = 16

// Observer is who saw or heard: a patrol, a post, a camera or a drone, and
// where it was.
type Observer struct {
	Kind     string    `json:"kind" doc:"patrol, post, camera or drone"`
	Position geo.Point `json:"position"`
	SiteID   string    `json:"site_id,omitempty" doc:"the site layer of a post or camera"`
}

// ObservationInput is an observation as a monitor sends it. The probable
// area is computed from the observer's position, the bearings and the
// distances; it is never typed by hand.
type ObservationInput struct {
	Observer     Observer  `json:"observer"`
	Kind         string    `json:"kind"`
	Count        int       `json:"count"`
	BearingFrom  *float64  `json:"bearing_from,omitempty" doc:"degrees clockwise from true north, [0, 360); absent with bearing_to for no direction"`
	BearingTo    *float64  `json:"bearing_to,omitempty" doc:"the sector sweeps clockwise from bearing_from; equal to it or absent for a single bearing (±5°)"`
	DistanceMinM float64   `json:"distance_min_m"`
	DistanceMaxM float64   `json:"distance_max_m"`
	Perception   string    `json:"perception" doc:"heard or seen"`
	Time         TimeInput `json:"time"`
	Note         string    `json:"note,omitempty"`
	access.LabelInput
}

// ObservationBody is an observation as the change log holds it.
type ObservationBody struct {
	Observer     Observer     `json:"observer"`
	Kind         string       `json:"kind"`
	Count        int          `json:"count"`
	BearingFrom  *float64     `json:"bearing_from,omitempty"`
	BearingTo    *float64     `json:"bearing_to,omitempty"`
	DistanceMinM float64      `json:"distance_min_m"`
	DistanceMaxM float64      `json:"distance_max_m"`
	Perception   string       `json:"perception"`
	Time         TimeSpan     `json:"time"`
	Note         string       `json:"note,omitempty"`
	Area         geo.Polygon  `json:"area" doc:"the probable area, computed"`
	Centre       geo.Point    `json:"centre" doc:"the middle of the probable area: mid bearing, mid distance"`
	RecordedAt   time.Time    `json:"recorded_at"`
	Geography    geo.Location `json:"geography" doc:"of the centre"`
	Imported     *Imported    `json:"imported,omitempty" doc:"the file it was imported from, and its id there"`
	access.Label
}

// Observation is an observation with its id and version.
type Observation struct {
	ID         string `json:"id"`
	Version    int64  `json:"version"`
	IncidentID string `json:"incident_id,omitempty"`
	ObservationBody
}

// Resource is the policy's view of the observation.
func (b ObservationBody) Resource() access.Resource { return kindObservation.Of(b.Label) }

// DecodeObservationInput decodes a client's JSON strictly.
func DecodeObservationInput(data []byte) (ObservationInput, error) {
	var in ObservationInput
	return in, decodeStrict(data, &in)
}

// Validate checks everything about in that needs no database.
func (in ObservationInput) Validate(now time.Time) error {
	_, err := in.body(now, "")
	return err
}

func checkBearing(field string, b *float64) error {
	if b != nil && (!finite(*b) || *b < 0 || *b >= 360) {
		return errs.Because(errs.Invalid(field, "must be in degrees from 0 up to, not including, 360"), errs.ReasonOutOfRange, "min", 0, "max", 359.99)
	}
	return nil
}

func (in ObservationInput) body(now time.Time, owner string) (ObservationBody, error) {
	b := ObservationBody{Observer: in.Observer, Kind: in.Kind, Count: in.Count, BearingFrom: in.BearingFrom, BearingTo: in.BearingTo,
		DistanceMinM: in.DistanceMinM, DistanceMaxM: in.DistanceMaxM, Perception: in.Perception, Note: in.Note}
	// Every field is checked, and every failure reported at once; the
	// probable area is drawn only from fields that passed.
	var c errs.Collector
	c.Add(oneOf("observer.kind", in.Observer.Kind, observerKinds))
	if err := in.Observer.Position.Validate(); err != nil {
		c.Add(errs.Prefix("observer.position", err))
	}
	if in.Observer.SiteID != "" {
		c.Add(checkID("observer.site_id", in.Observer.SiteID))
	}
	if _, _, ok := observationKind(in.Kind); !ok {
		kinds := make([]string, len(ObservationKinds))
		for i, k := range ObservationKinds {
			kinds[i] = k.Kind
		}
		c.Add(oneOf("kind", in.Kind, kinds))
	}
	if in.Count < 1 || in.Count > MaxCount {
		c.Add(errs.OutOfRange("count", 1, MaxCount))
	}
	c.Add(checkBearing("bearing_from", in.BearingFrom))
	c.Add(checkBearing("bearing_to", in.BearingTo))
	if in.BearingFrom == nil && in.BearingTo != nil {
		c.Add(errs.Because(errs.Invalid("bearing_from", "is required with bearing_to"), errs.ReasonRequired))
	}
	distances := true
	if !finite(in.DistanceMinM) || in.DistanceMinM < 0 {
		distances = false
		c.Add(errs.Because(errs.Invalid("distance_min_m", "must be a number of metres, at least 0"), errs.ReasonTooSmall, "min", 0))
	}
	if !finite(in.DistanceMaxM) || in.DistanceMaxM > MaxObservationRangeM {
		distances = false
		c.Add(errs.Because(errs.Invalid("distance_max_m", "must be a number of metres up to %d", MaxObservationRangeM), errs.ReasonTooLarge, "max", MaxObservationRangeM))
	}
	if distances && in.DistanceMinM >= in.DistanceMaxM {
		c.Add(errs.Invalid("distance_min_m", "must be less than distance_max_m"))
	}
	c.Add(oneOf("perception", in.Perception, []string{"heard", "seen"}))
	var err error
	if b.Time, err = in.Time.span("time", now); err != nil {
		c.Add(err)
	} else if b.Time.Precision == TimeDay {
		c.Add(errs.Invalid("time.precision", "an observation has an exact time or a window"))
	}
	if in.Note != "" {
		c.Add(text.CheckText("note", in.Note, MaxNarrative))
	}
	if c.Empty() {
		if b.Area, b.Centre, err = probableArea(in); err != nil {
			c.Add(err)
		}
	}
	if b.Label, err = in.LabelInput.Label(access.Mission, owner); err != nil {
		c.Add(err)
	}
	return b, c.Err()
}

// probableArea draws the sector in which what was observed probably lies,
// and its centre.
func probableArea(in ObservationInput) (geo.Polygon, geo.Point, error) {
	from := in.Observer.Position
	var b1, b2, mid float64
	switch {
	case in.BearingFrom == nil: // no direction: a disc
		if in.DistanceMinM > 0 {
			return nil, geo.Point{}, errs.Invalid("distance_min_m", "without a bearing the area is a disc: distance_min_m must be 0")
		}
		area, err := geo.Sector(from, 0, 0, 0, in.DistanceMaxM, sectorSteps)
		if err != nil {
			return nil, geo.Point{}, sectorError(err)
		}
		return area, from, nil
	case in.BearingTo == nil || *in.BearingTo == *in.BearingFrom:
		mid = *in.BearingFrom
		b1, b2 = mid-SingleBearingSpreadDeg, mid+SingleBearingSpreadDeg
	default:
		b1, b2 = *in.BearingFrom, *in.BearingTo
		sweep := math.Mod(b2-b1+360, 360)
		mid = b1 + sweep/2
	}
	area, err := geo.Sector(from, b1, b2, in.DistanceMinM, in.DistanceMaxM, sectorSteps)
	if err != nil {
		return nil, geo.Point{}, sectorError(err)
	}
	return area, geo.Destination(from, mid, (in.DistanceMinM+in.DistanceMaxM)/2), nil
}

// sectorError renames geo.Sector's parameters to the input's fields.
func sectorError(err error) error {
	names := map[string]string{"bearing_from_deg": "bearing_from", "bearing_to_deg": "bearing_to", "min_m": "distance_min_m", "max_m": "distance_max_m", "sector": "bearing_to"}
	if f, ok := names[errs.FieldOf(err)]; ok {
		return errs.Invalid(f, "%s", errs.MessageOf(err))
	}
	return err
}

// RecordObservation records what the mission's monitors saw or heard.
func (s *Service) RecordObservation(ctx context.Context, p access.Principal, in ObservationInput) (Observation, error) {
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return Observation{}, wrap("record observation", err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Observation{}, wrap("record observation", err)
	}
	if b.Geography, err = s.geo.LocateFor(ctx, locator, b.Centre, b.Time.Start); err != nil {
		return Observation{}, wrap("record observation", err)
	}
	id := s.db.NewID(observationPrefix)
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		if b.Observer.SiteID != "" {
			var kind string
			err := tx.QueryRow(`SELECT kind FROM layers WHERE id = ?`, b.Observer.SiteID).Scan(&kind)
			if store.IsNoRows(err) || (err == nil && kind != geo.KindSite) {
				return errs.Invalid("observer.site_id", "no site %s", b.Observer.SiteID)
			}
			if err != nil {
				return err
			}
		}
		b.RecordedAt = tx.Now()
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityObservation, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Observation{}, wrap("record observation", err)
	}
	return Observation{ID: id, Version: rec.Version, ObservationBody: b}, nil
}

// GetObservation returns an observation p may read.
func (s *Service) GetObservation(ctx context.Context, p access.Principal, id string) (Observation, error) {
	o := Observation{ID: id}
	v, err := s.db.Current(ctx, EntityObservation, id, &o.ObservationBody)
	if err != nil {
		return Observation{}, wrap("get observation", err)
	}
	if err := access.Decide(p, access.Read, o.Resource()); err != nil {
		return Observation{}, wrap("get observation", err)
	}
	o.Version = v
	if o.IncidentID, err = s.incidentOf(ctx, id); err != nil {
		return Observation{}, wrap("get observation", err)
	}
	return o, nil
}

// ObservationFilter narrows ListObservations.
type ObservationFilter struct {
	Window
	BBox     *geo.BBox // on the centre of the probable area
	Kind     string
	Category string // the taxonomy category the kind counts under
	Zone     string // the first zone the centre lies in
	Near            // the centre near a place
}

// ListObservations returns a page of the observations p may read, newest
// first.
func (s *Service) ListObservations(ctx context.Context, p access.Principal, f ObservationFilter, page store.PageRequest) (store.Page[Observation], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Observation]{}, wrap("list observations", err)
	}
	conds, args, err := f.conds(ctx, s, p)
	if err != nil {
		return store.Page[Observation]{}, wrap("list observations", err)
	}
	if len(keys) == 2 {
		conds = append(conds, "(r.start_at, r.id) < (?, ?)")
		args = append(args, keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[Observation]{}, wrap("list observations", errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	q := pageSQL(s.db.Dialect(), "observations", EntityObservation, `, (SELECT MIN(im.incident_id) FROM incident_members im WHERE im.member_id = r.id)`, conds)
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return store.Page[Observation]{}, wrap("list observations", err)
	}
	defer rows.Close()
	var items []Observation
	starts := map[string]string{}
	for rows.Next() {
		var o Observation
		var body []byte
		var start string
		var inc *string
		if err := rows.Scan(&o.ID, &o.Version, &body, &start, &inc); err != nil {
			return store.Page[Observation]{}, wrap("list observations", err)
		}
		if err := store.DecodeBody(body, &o.ObservationBody); err != nil {
			return store.Page[Observation]{}, wrap("list observations", fmt.Errorf("%s: %w", o.ID, err))
		}
		if inc != nil {
			o.IncidentID = *inc
		}
		starts[o.ID] = start
		items = append(items, o)
	}
	if err := rows.Err(); err != nil {
		return store.Page[Observation]{}, wrap("list observations", err)
	}
	return store.Paginate(items, limit, func(o Observation) []string { return []string{starts[o.ID], o.ID} }), nil
}

func observationRows(id string, b *ObservationBody) (map[string][][]any, error) {
	category, explosion, _ := observationKind(b.Kind)
	bb := b.Area.Bounds()
	end := ""
	if b.Time.End != nil {
		end = b.Time.End.UTC().Format(timeText)
	}
	return map[string][][]any{
		"observations": {{id, b.Observer.Kind, b.Kind, category, explosion, b.Count, b.Perception,
			b.Centre.Lat, b.Centre.Lon, bb.MinLat, bb.MinLon, bb.MaxLat, bb.MaxLon,
			b.Time.Start.UTC().Format(timeText), end, dayOf(b.Time.Start), weekOf(b.Time.Start),
			firstZone(b.Geography), string(b.Classification), b.OwnerOrg}},
		"observation_readers":      b.ReaderRows(id),
		"observation_external_ids": b.Imported.rows(id, b.OwnerOrg),
	}, nil
}
