package exchange

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/simulate"
)

// StreamReader reads the allegations or the observations of a fusion
// report stream (docs/stream-format.md) as rows of Truce's allegations or
// observations table: the other kind's lines are skipped. What the stream
// says maps to Truce's columns so:
//
//   - the report's id is the external_id;
//   - an allegation is a side's (source_kind side, on_behalf_of its
//     source), a media report a media outlet's (lodged_by its source); the
//     sources must be organisation ids in Truce;
//   - categories are the generator's, mapped to the taxonomy (shelling to
//     heavy_weapons_fire, small_arms, sniper, heavy_machine_gun and
//     exchange_of_fire to small_arms_fire, drone to drone_or_air_strike,
//     movement_of_forces to forces_movement, fortification to
//     new_fortification, unknown to other), any other passed on as is;
//   - place precision near becomes near_place (at the given point: the
//     stream's place names are not gazetteer ids); exact, district and
//     region keep their names;
//   - time precision day stays a day; exact and window become a window
//     from start to end (the stream writes an exact time as a ±15 or ±5
//     minute window, which is kept);
//   - an observation is a post's, of count 1, its kind from the category
//     (shelling impact, small arms shots, machine guns bursts, drone,
//     movement, otherwise other), its sector the observer's (equal
//     bearings, all round, become no bearing and a disc from 0 m); its
//     note names the stream's source.
//
// The header's true_event and generator settings are not imported.
type StreamReader struct {
	kind    string // TableAllegations or TableObservations
	sc      *bufio.Scanner
	line    int
	reports int // report lines read
	header  simulate.Header
	started bool
	done    bool
}

// NewStreamReader reads the records of table kind (TableAllegations or
// TableObservations) from a stream.
func NewStreamReader(r io.Reader, kind string) *StreamReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), simulate.MaxLineBytes)
	return &StreamReader{kind: kind, sc: sc}
}

// Unit names what Feature.Number counts.
func (s *StreamReader) Unit() string { return "line" }

func (s *StreamReader) at(err error) error {
	where := fmt.Sprintf("line %d", s.line)
	var out errs.Collector
	for _, e := range errs.All(err) {
		c := *e
		if c.Field == "" {
			c.Field = where
		} else {
			c.Field = where + ": " + c.Field
		}
		out.Add(&c)
	}
	if out.Empty() {
		return fmt.Errorf("%s: %w", where, err)
	}
	return out.Err()
}

func (s *StreamReader) scan() (bool, error) {
	if s.sc.Scan() {
		s.line++
		return true, nil
	}
	s.done = true
	if err := s.sc.Err(); err != nil {
		s.line++
		if errors.Is(err, bufio.ErrTooLong) {
			return false, s.at(errs.TooLarge("", "a line longer than %d bytes", simulate.MaxLineBytes))
		}
		return false, err
	}
	return false, nil
}

// Next returns the next record of the reader's kind, io.EOF after the
// last.
func (s *StreamReader) Next() (Feature, error) {
	if s.done {
		return Feature{}, io.EOF
	}
	if !s.started {
		s.started = true
		if err := s.readHeader(); err != nil {
			s.done = true
			return Feature{}, err
		}
	}
	for {
		ok, err := s.scan()
		if err != nil {
			return Feature{}, err
		}
		if !ok {
			if s.reports != s.header.Reports {
				return Feature{}, s.at(errs.Invalid("reports", "the header announces %d reports but the stream holds %d (truncated?)", s.header.Reports, s.reports))
			}
			return Feature{}, io.EOF
		}
		b := s.sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		s.reports++
		l, err := simulate.DecodeLine(b)
		if err != nil {
			return Feature{}, s.at(err)
		}
		switch {
		case s.header.Truth && l.TrueEvent == "":
			return Feature{}, s.at(errs.Invalid("true_event", "the header promises ground truth but this report has none"))
		case !s.header.Truth && l.TrueEvent != "":
			return Feature{}, s.at(errs.Invalid("true_event", "the header says there is no ground truth"))
		}
		if s.kind == TableObservations && l.Kind == fusion.Observation {
			return Feature{Number: s.line, Props: observationProps(l.Report)}, nil
		}
		if s.kind == TableAllegations && l.Kind != fusion.Observation {
			return Feature{Number: s.line, Props: allegationProps(l.Report)}, nil
		}
	}
}

func (s *StreamReader) readHeader() error {
	ok, err := s.scan()
	if err != nil {
		return err
	}
	if !ok {
		s.line = 1
		return s.at(errs.Invalid("header", "the stream is empty; it starts with a header line"))
	}
	dec := json.NewDecoder(bytes.NewReader(s.sc.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s.header); err != nil {
		return s.at(errs.Invalid("header", "is not the stream's header: %s", jsonMessage(err)))
	}
	if dec.More() {
		return s.at(errs.Invalid("header", "has data after the JSON object"))
	}
	switch {
	case s.header.Format != simulate.Format:
		return s.at(errs.Invalid("format", "must be %q, got %q", simulate.Format, s.header.Format))
	case s.header.Version != simulate.Version:
		return s.at(errs.Invalid("version", "version %d is not supported (want %d)", s.header.Version, simulate.Version))
	case s.header.Reports < 0:
		return s.at(errs.Invalid("reports", "must not be negative"))
	}
	return nil
}

func jsonMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	}
	return err.Error()
}

// streamCategories maps the generator's categories to the taxonomy.
var streamCategories = map[string]string{
	"shelling": "heavy_weapons_fire", "small_arms": "small_arms_fire", "exchange_of_fire": "small_arms_fire",
	"heavy_machine_gun": "small_arms_fire", "sniper": "small_arms_fire", "drone": "drone_or_air_strike",
	"movement_of_forces": "forces_movement", "fortification": "new_fortification", "unknown": "other",
}

// streamKinds maps the generator's categories to what a monitor observes.
var streamKinds = map[string]string{
	"shelling": "impact", "small_arms": "shots_small_arms", "sniper": "shots_small_arms", "exchange_of_fire": "bursts_small_arms",
	"heavy_machine_gun": "bursts_heavy_mg", "drone": "drone", "movement_of_forces": "movement",
}

var streamPlaces = map[string]string{"exact": "exact", "near": "near_place", "district": "district", "region": "region"}

func orAsIs(m map[string]string, v string) string {
	if out, ok := m[v]; ok {
		return out
	}
	return v
}

// streamTime sets start, end and time_precision.
func streamTime(props map[string]any, r fusion.Report) {
	props["start"] = r.Start.UTC()
	if r.TimePrecision == "day" {
		props["time_precision"] = "day"
		return
	}
	props["end"] = r.End.UTC()
	props["time_precision"] = "window"
}

func allegationProps(r fusion.Report) map[string]any {
	p := map[string]any{
		"external_id": r.ID, "category": orAsIs(streamCategories, r.Category),
		"lat": r.Lat, "lon": r.Lon, "location_precision": orAsIs(streamPlaces, r.PlacePrecision),
		"alleged_perpetrator": "unknown", "narrative": streamNarrative(r),
	}
	if r.Perpetrator != "" {
		p["alleged_perpetrator"] = r.Perpetrator
	}
	if r.Kind == fusion.Media {
		p["source_kind"], p["lodged_by"] = "media", r.Source
	} else {
		p["source_kind"], p["on_behalf_of"] = "side", r.Source
	}
	streamTime(p, r)
	return p
}

// streamNarrative is what an allegation says in words: the stream has no
// text of its own.
func streamNarrative(r fusion.Report) string {
	s := fmt.Sprintf("%s reported by %s in a fusion stream", r.Category, r.Source)
	if r.Place != "" {
		s += ", at or near " + r.Place
	}
	if r.Cites != "" {
		s += ", citing " + r.Cites
	}
	return s + "."
}

func observationProps(r fusion.Report) map[string]any {
	p := map[string]any{
		"external_id": r.ID, "observer_kind": "post", "kind": "other", "count": int64(1),
		"note": fmt.Sprintf("Observed by %s (fusion stream, %s).", r.Source, r.Category),
	}
	if k, ok := streamKinds[r.Category]; ok {
		p["kind"] = k
	}
	if o := r.Observer; o != nil {
		p["observer_lat"], p["observer_lon"], p["perception"] = o.Lat, o.Lon, o.Mode
		p["distance_min_m"], p["distance_max_m"] = o.MinM, o.MaxM
		if o.BearingFromDeg == o.BearingToDeg {
			p["distance_min_m"] = 0.0 // all round: a disc
		} else {
			p["bearing_from"], p["bearing_to"] = o.BearingFromDeg, o.BearingToDeg
		}
	}
	streamTime(p, r)
	return p
}
