package incident

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/text"
)

// Time precisions.
const (
	TimeExact  = "exact"  // a moment; no end
	TimeWindow = "window" // between start and end
	TimeDay    = "day"    // some time on the UTC day of start
)

// MaxWindow is the longest time window a report may give.
const MaxWindow = 31 * 24 * time.Hour

// TimeInput is a reported time as a client sends it.
type TimeInput struct {
	Start     string `json:"start" doc:"RFC 3339; for precision day also a date such as 2021-06-10"`
	End       string `json:"end,omitempty" doc:"RFC 3339; required for precision window, absent otherwise"`
	Precision string `json:"precision,omitempty" doc:"exact, window or day; exact when there is no end, window when there is"`
}

// TimeSpan is a reported time as the log holds it: UTC, to the second.
// End is set for every precision but exact (a day ends 24 h after its
// start).
type TimeSpan struct {
	Start     time.Time  `json:"start"`
	End       *time.Time `json:"end,omitempty"`
	Precision string     `json:"precision"`
}

// Last is the latest moment the span covers.
func (t TimeSpan) Last() time.Time {
	if t.End != nil {
		return *t.End
	}
	return t.Start
}

func (in TimeInput) span(field string, now time.Time) (TimeSpan, error) {
	var t TimeSpan
	prec := in.Precision
	if prec == "" {
		prec = TimeExact
		if in.End != "" {
			prec = TimeWindow
		}
	}
	t.Precision = prec
	var err error
	switch prec {
	case TimeExact, TimeWindow:
		if t.Start, err = geo.ParseTime(field+".start", in.Start); err != nil {
			return t, err
		}
	case TimeDay:
		if d, derr := time.Parse("2006-01-02", in.Start); derr == nil {
			t.Start = d
		} else if t.Start, err = geo.ParseTime(field+".start", in.Start); err != nil {
			return t, err
		}
		t.Start = time.Date(t.Start.Year(), t.Start.Month(), t.Start.Day(), 0, 0, 0, 0, time.UTC)
	default:
		return t, errs.Invalid(field+".precision", "must be exact, window or day")
	}
	if t.Start.Year() < 1900 {
		return t, errs.Invalid(field+".start", "year %d is before 1900", t.Start.Year())
	}
	if t.Start.After(now.Add(ClockSkew)) {
		return t, errs.Because(errs.Invalid(field+".start", "%s is in the future", t.Start.Format(time.RFC3339)), errs.ReasonInFuture)
	}
	switch prec {
	case TimeExact:
		if in.End != "" {
			return t, errs.Invalid(field+".end", "an exact time has no end; use precision window")
		}
	case TimeDay:
		if in.End != "" {
			return t, errs.Invalid(field+".end", "a day has no end; use precision window")
		}
		end := t.Start.Add(24 * time.Hour)
		t.End = &end
	case TimeWindow:
		if in.End == "" {
			return t, errs.Because(errs.Invalid(field+".end", "a time window needs an end"), errs.ReasonRequired)
		}
		end, err := geo.ParseTime(field+".end", in.End)
		if err != nil {
			return t, err
		}
		if end.Before(t.Start) {
			return t, errs.Because(errs.Invalid(field+".end", "ends at %s, before it starts", end.Format(time.RFC3339)), errs.ReasonBeforeFrom)
		}
		if end.Sub(t.Start) > MaxWindow {
			return t, errs.Because(errs.Invalid(field+".end", "a window may span at most %d days", int(MaxWindow/(24*time.Hour))), errs.ReasonSpanTooLong, "max", int(MaxWindow/(24*time.Hour)))
		}
		if end.After(now.Add(ClockSkew)) {
			return t, errs.Because(errs.Invalid(field+".end", "%s is in the future", end.Format(time.RFC3339)), errs.ReasonInFuture)
		}
		t.End = &end
	}
	return t, nil
}

// Location precisions and the radius each stands for, in metres: a point
// taken with GPS or from a map (100 m); "near" a named place, which reports
// often put 5–10 km off (10 km); somewhere in a district (30 km); somewhere
// in a region (100 km).
const (
	PrecisionExact     = "exact"
	PrecisionNearPlace = "near_place"
	PrecisionDistrict  = "district"
	PrecisionRegion    = "region"
)

// PrecisionRadiusM gives the radius in metres of each location precision.
var PrecisionRadiusM = map[string]float64{
	PrecisionExact:     100,
	PrecisionNearPlace: 10_000,
	PrecisionDistrict:  30_000,
	PrecisionRegion:    100_000,
}

// LocationInput is a reported place as a client sends it.
type LocationInput struct {
	Point     *geo.Point `json:"point,omitempty" doc:"required, except for precision near_place with a place_id, where the place's position is taken"`
	Precision string     `json:"precision" doc:"exact, near_place, district or region"`
	PlaceID   string     `json:"place_id,omitempty" doc:"gazetteer place; required for near_place"`
}

// Location is a reported place as the log holds it; RadiusM follows from
// Precision (see PrecisionRadiusM).
type Location struct {
	Point     geo.Point `json:"point"`
	Precision string    `json:"precision"`
	PlaceID   string    `json:"place_id,omitempty"`
	RadiusM   float64   `json:"radius_m"`
}

// location checks the input; with no point and a place id the point is
// left zero for the service to fill from the gazetteer.
func (in LocationInput) location(field string) (Location, error) {
	l := Location{Precision: in.Precision, PlaceID: in.PlaceID}
	r, ok := PrecisionRadiusM[in.Precision]
	if !ok {
		return l, errs.Invalid(field+".precision", "must be exact, near_place, district or region")
	}
	l.RadiusM = r
	if in.PlaceID != "" {
		if err := checkID(field+".place_id", in.PlaceID); err != nil {
			return l, err
		}
	}
	if in.Point == nil {
		switch {
		case in.Precision == PrecisionNearPlace && in.PlaceID != "":
		case in.Precision == PrecisionNearPlace:
			return l, errs.Because(errs.Invalid(field+".place_id", "precision near_place needs the place it is near"), errs.ReasonRequired)
		default:
			return l, errs.Because(errs.Invalid(field+".point", "precision %s needs a point", in.Precision), errs.ReasonRequired)
		}
		return l, nil
	}
	if err := in.Point.Validate(); err != nil {
		return l, errs.Prefix(field+".point", err)
	}
	l.Point = *in.Point
	return l, nil
}

// Estimate is a count given as a best estimate and its low and high
// bounds, as UCDP does.
type Estimate struct {
	Best int `json:"best"`
	Low  int `json:"low"`
	High int `json:"high"`
}

// EstimateInput is an estimate as a client sends it; absent bounds are the
// best estimate.
type EstimateInput struct {
	Best int  `json:"best"`
	Low  *int `json:"low,omitempty"`
	High *int `json:"high,omitempty"`
}

// MaxCount bounds every count.
const MaxCount = 1_000_000

func (in EstimateInput) estimate(field string) (Estimate, error) {
	e := Estimate{Best: in.Best, Low: in.Best, High: in.Best}
	if in.Low != nil {
		e.Low = *in.Low
	}
	if in.High != nil {
		e.High = *in.High
	}
	for _, c := range []struct {
		f string
		n int
	}{{"low", e.Low}, {"best", e.Best}, {"high", e.High}} {
		if c.n < 0 || c.n > MaxCount {
			return e, errs.OutOfRange(field+"."+c.f, 0, MaxCount)
		}
	}
	if e.Low > e.Best {
		return e, errs.Invalid(field+".low", "low %d is above best %d", e.Low, e.Best)
	}
	if e.Best > e.High {
		return e, errs.Invalid(field+".high", "high %d is below best %d", e.High, e.Best)
	}
	return e, nil
}

// SideEstimate is a count of one side's military personnel.
type SideEstimate struct {
	Side string `json:"side"`
	Estimate
}

// Toll is the killed or the injured, split by side and civilians.
type Toll struct {
	Military  []SideEstimate `json:"military,omitempty"`
	Civilians Estimate       `json:"civilians"`
}

// Casualties are the killed and the injured.
type Casualties struct {
	Killed  Toll `json:"killed"`
	Injured Toll `json:"injured"`
}

// TollInput is a toll as a client sends it.
type TollInput struct {
	Military []struct {
		Side string `json:"side"`
		EstimateInput
	} `json:"military,omitempty" doc:"per side: at most one entry each"`
	Civilians *EstimateInput `json:"civilians,omitempty"`
}

// CasualtiesInput is casualties as a client sends them.
type CasualtiesInput struct {
	Killed  TollInput `json:"killed"`
	Injured TollInput `json:"injured"`
}

func (in TollInput) toll(field string) (Toll, error) {
	var t Toll
	if len(in.Military) > 2 {
		return t, errs.Invalid(field+".military", "at most one entry per side, two in all")
	}
	for i, m := range in.Military {
		f := fmt.Sprintf("%s.military[%d]", field, i)
		if err := checkID(f+".side", m.Side); err != nil {
			return t, err
		}
		if slices.ContainsFunc(t.Military, func(s SideEstimate) bool { return s.Side == m.Side }) {
			return t, errs.Invalid(f+".side", "side %s is given twice", m.Side)
		}
		e, err := m.EstimateInput.estimate(f)
		if err != nil {
			return t, err
		}
		t.Military = append(t.Military, SideEstimate{Side: m.Side, Estimate: e})
	}
	if in.Civilians != nil {
		e, err := in.Civilians.estimate(field + ".civilians")
		if err != nil {
			return t, err
		}
		t.Civilians = e
	}
	return t, nil
}

func (in *CasualtiesInput) casualties(field string) (Casualties, error) {
	var c Casualties
	if in == nil {
		return c, nil
	}
	var err error
	if c.Killed, err = in.Killed.toll(field + ".killed"); err != nil {
		return c, err
	}
	c.Injured, err = in.Injured.toll(field + ".injured")
	return c, err
}

// Grading is the Admiralty grading of a source and of its information:
// reliability A (reliable) … F (cannot be judged), credibility 1
// (confirmed) … 6 (cannot be judged).
type Grading struct {
	Reliability string `json:"reliability" doc:"A (reliable) to F (cannot be judged); empty when not graded"`
	Credibility int    `json:"credibility" doc:"1 (confirmed) to 6 (cannot be judged); 0 when not graded"`
}

// Graded reports whether anyone graded the source and the information.
// An ungraded report or finding is kept so, not as F/6: in the Admiralty
// code F and 6 are a grader's judgement ("cannot be judged"), which no
// one made.
func (g Grading) Graded() bool { return g.Reliability != "" }

// grading checks a grading: both parts, or neither (not graded).
func grading(field string, reliability string, credibility int) (Grading, error) {
	g := Grading{Reliability: reliability, Credibility: credibility}
	if g.Reliability == "" && g.Credibility == 0 {
		return g, nil
	}
	var c errs.Collector
	if g.Reliability != "" && (len(g.Reliability) != 1 || g.Reliability[0] < 'A' || g.Reliability[0] > 'F') {
		c.Add(errs.Because(errs.Invalid(field+"reliability", "must be a letter A (reliable) to F (cannot be judged)"), errs.ReasonNotOneOf))
	}
	if g.Credibility != 0 && (g.Credibility < 1 || g.Credibility > 6) {
		c.Add(errs.OutOfRange(field+"credibility", 1, 6))
	}
	if g.Reliability == "" {
		c.Add(errs.Because(errs.Invalid(field+"reliability", "is required with credibility: grade both, or neither"), errs.ReasonRequired))
	}
	if g.Credibility == 0 {
		c.Add(errs.Because(errs.Invalid(field+"credibility", "is required with reliability: grade both, or neither"), errs.ReasonRequired))
	}
	return g, c.Err()
}

// Attachment is the description of a file that goes with a report; the
// file itself is stored elsewhere, addressed by its SHA-256.
type Attachment struct {
	SHA256    string `json:"sha256" doc:"64 lowercase hex digits"`
	Name      string `json:"name"`
	MediaType string `json:"media_type" doc:"e.g. image/jpeg"`
	Size      int64  `json:"size" doc:"bytes"`
}

// MaxAttachments bounds the attachments of one report.
const MaxAttachments = 50

var (
	sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)
	mediaType = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$`)
	idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

func checkID(field, id string) error {
	if !idPattern.MatchString(id) {
		return errs.Because(errs.Invalid(field, "must be a record id"), errs.ReasonNotAnID)
	}
	return nil
}

func attachments(field string, in []Attachment) ([]Attachment, error) {
	if len(in) > MaxAttachments {
		return nil, errs.Invalid(field, "at most %d attachments", MaxAttachments)
	}
	var out []Attachment
	for i, a := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !sha256Hex.MatchString(a.SHA256) {
			return nil, errs.Invalid(f+".sha256", "must be 64 lowercase hex digits")
		}
		if err := text.CheckName(f+".name", a.Name, 255); err != nil {
			return nil, err
		}
		if !mediaType.MatchString(a.MediaType) {
			return nil, errs.Invalid(f+".media_type", "must be a media type such as image/jpeg")
		}
		if a.Size < 0 || a.Size > 1<<40 {
			return nil, errs.Invalid(f+".size", "must be between 0 and 2^40 bytes")
		}
		out = append(out, a)
	}
	return out, nil
}

func oneOf(field, s string, list []string) error {
	if !slices.Contains(list, s) {
		if s == "" {
			return errs.Because(errs.Invalid(field, "is required: one of %s", strings.Join(list, ", ")), errs.ReasonRequired)
		}
		return errs.NotOneOf(field, list)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
