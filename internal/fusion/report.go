// Package fusion groups reports of one real event (allegations from the
// sides, the mission's own observations, media reports) into incidents.
//
// Every report is a region in space and time sized by its precision — a
// disc for a place, an annular sector for an observation, a window for a
// time — and pairs are scored by how well their regions agree, as a
// log-likelihood ratio, never by raw point distance. A report joins a group
// only if it agrees with every member (no transitive chains) and the group
// holds at most one report per source. See DESIGN.md §4a.
package fusion

import (
	"math"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// Kind is what sort of report this is.
type Kind string

const (
	Allegation  Kind = "allegation"  // a claim by a party (usually one side accusing the other)
	Observation Kind = "observation" // the mission's own monitors saw or heard something
	Media       Kind = "media"       // a media report, often repeating a party's claim
)

// Place precision codes.
const (
	PlaceExact    = "exact"    // coordinates or a grid reference
	PlaceNear     = "near"     // "near" a named place
	PlaceDistrict = "district" // a district
	PlaceRegion   = "region"   // a region
	PlaceSector   = "sector"   // an observation: the observer's sector
)

// Time precision codes.
const (
	TimeExact  = "exact"  // to the minute
	TimeWindow = "window" // a window of hours
	TimeDay    = "day"    // a whole day
)

// Report is one allegation, observation or media report, as fusion sees it.
// It carries no ground truth.
type Report struct {
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Source string `json:"source"` // who reported: a party, a monitor team, an outlet
	// Cites is, for media, the party whose claim the report repeats.
	Cites string `json:"cites,omitempty"`
	// Perpetrator is who the report blames: a party, or "unknown".
	Perpetrator    string  `json:"perpetrator,omitempty"`
	Category       string  `json:"category"`
	Place          string  `json:"place,omitempty"` // the named place, when there is one
	PlacePrecision string  `json:"place_precision"`
	Lat            float64 `json:"lat"`
	Lon            float64 `json:"lon"`
	// RadiusM is how far from (Lat, Lon) the event may be, in metres
	// (about two standard deviations). For an observation it is the circle
	// round the sector, and Observer gives the sector itself.
	RadiusM       float64   `json:"radius_m"`
	Observer      *Observer `json:"observer,omitempty"`
	Start         time.Time `json:"start"` // the event happened in [Start, End]
	End           time.Time `json:"end"`
	TimePrecision string    `json:"time_precision"`
}

// Observer is where a monitor stood and the sector in which the observed
// event lay: bearings clockwise from true north, sweeping clockwise from
// BearingFromDeg to BearingToDeg, between MinM and MaxM metres away.
type Observer struct {
	Lat            float64 `json:"lat"`
	Lon            float64 `json:"lon"`
	BearingFromDeg float64 `json:"bearing_from_deg"`
	BearingToDeg   float64 `json:"bearing_to_deg"`
	MinM           float64 `json:"min_m"`
	MaxM           float64 `json:"max_m"`
	Mode           string  `json:"mode"` // "heard" or "seen"
}

// MaxRadiusM is the largest spatial uncertainty a report may carry.
const MaxRadiusM = 500_000

// Validate checks that r can be fused. Errors name the failing field.
func (r Report) Validate() error {
	if r.ID == "" {
		return errs.Invalid("id", "a report needs an id")
	}
	switch r.Kind {
	case Allegation, Observation, Media:
	default:
		return errs.Invalid("kind", "kind must be allegation, observation or media, got %q", r.Kind)
	}
	if r.Source == "" {
		return errs.Invalid("source", "a report needs a source")
	}
	if r.Category == "" {
		return errs.Invalid("category", "a report needs a category (\"unknown\" when none)")
	}
	switch r.PlacePrecision {
	case PlaceExact, PlaceNear, PlaceDistrict, PlaceRegion, PlaceSector:
	default:
		return errs.Invalid("place_precision", "place_precision must be exact, near, district, region or sector, got %q", r.PlacePrecision)
	}
	if err := (geo.Point{Lat: r.Lat, Lon: r.Lon}).Validate(); err != nil {
		return err
	}
	if math.IsNaN(r.RadiusM) || r.RadiusM <= 0 || r.RadiusM > MaxRadiusM {
		return errs.Invalid("radius_m", "radius_m must be in (0, %d] metres, got %v", MaxRadiusM, r.RadiusM)
	}
	if r.Kind == Observation {
		if r.Observer == nil {
			return errs.Invalid("observer", "an observation needs an observer and its sector")
		}
		if err := r.Observer.validate(); err != nil {
			return errs.Prefix("observer", err)
		}
	} else if r.Observer != nil {
		return errs.Invalid("observer", "only an observation has an observer")
	}
	if r.Start.IsZero() {
		return errs.Invalid("start", "a report needs a start time")
	}
	if r.End.Before(r.Start) {
		return errs.Invalid("end", "end %s is before start %s", r.End.Format(time.RFC3339), r.Start.Format(time.RFC3339))
	}
	if r.End.Sub(r.Start) > 31*24*time.Hour {
		return errs.Invalid("end", "a time window may be at most 31 days")
	}
	switch r.TimePrecision {
	case TimeExact, TimeWindow, TimeDay:
	default:
		return errs.Invalid("time_precision", "time_precision must be exact, window or day, got %q", r.TimePrecision)
	}
	return nil
}

func (o *Observer) validate() error {
	if err := (geo.Point{Lat: o.Lat, Lon: o.Lon}).Validate(); err != nil {
		return err
	}
	for _, b := range []struct {
		field string
		v     float64
	}{{"bearing_from_deg", o.BearingFromDeg}, {"bearing_to_deg", o.BearingToDeg}} {
		if math.IsNaN(b.v) || b.v < 0 || b.v >= 360 {
			return errs.Invalid(b.field, "bearing must be in [0, 360) degrees, got %v", b.v)
		}
	}
	if math.IsNaN(o.MinM) || o.MinM < 0 {
		return errs.Invalid("min_m", "min_m must be at least 0, got %v", o.MinM)
	}
	if math.IsNaN(o.MaxM) || o.MaxM <= o.MinM || o.MaxM > geo.MaxSectorRadius {
		return errs.Invalid("max_m", "max_m must be above min_m (%v) and at most %d, got %v", o.MinM, geo.MaxSectorRadius, o.MaxM)
	}
	switch o.Mode {
	case "heard", "seen":
	default:
		return errs.Invalid("mode", "mode must be heard or seen, got %q", o.Mode)
	}
	return nil
}

// sweepDeg is how many degrees the sector spans clockwise (360 for a full circle).
func (o *Observer) sweepDeg() float64 {
	s := math.Mod(o.BearingToDeg-o.BearingFromDeg, 360)
	if s < 0 {
		s += 360
	}
	if s == 0 {
		s = 360
	}
	return s
}

// SectorCircle returns the centre of o's sector (at the middle bearing and
// middle distance) and the radius in metres of a circle round it that holds
// the whole sector. Writers use it to fill Lat, Lon and RadiusM of an
// observation.
func SectorCircle(o Observer) (centre geo.Point, radiusM float64) {
	from := geo.Point{Lat: o.Lat, Lon: o.Lon}
	sweep := o.sweepDeg()
	if sweep >= 360 {
		return from, o.MaxM
	}
	centre = geo.Destination(from, o.BearingFromDeg+sweep/2, (o.MinM+o.MaxM)/2)
	for i := 0; i <= 8; i++ {
		b := o.BearingFromDeg + sweep*float64(i)/8
		for _, d := range []float64{o.MinM, o.MaxM} {
			radiusM = math.Max(radiusM, geo.Distance(centre, geo.Destination(from, b, d)))
		}
	}
	return centre, math.Ceil(radiusM)
}
