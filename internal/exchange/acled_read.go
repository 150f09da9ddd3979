package exchange

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// ACLED CSV in, as allegations or observations: each row a Feature whose
// Props carry the allegations' or observations' export column names, so
// the one importer of the kind reads it. Unknown headers are refused (a
// file that is not ACLED's); the columns ACLED dropped in 2023 (data_id,
// event_id_no_cnty, iso3) are accepted and ignored. Headers may be in
// capitals, as older ACLED files have them.

// acledRequired are the columns an ACLED file must have.
var acledRequired = []string{"event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude", "longitude"}

var acledLegacy = []string{"data_id", "event_id_no_cnty", "iso3"}

// ACLEDReadOptions say how ACLED's names map onto Truce's records.
type ACLEDReadOptions struct {
	// Actors maps ACLED actor names (actor1), compared without regard to
	// case, to Truce organisation ids: the alleged perpetrator. An actor
	// not in it reads as unknown.
	Actors map[string]string
	// LodgedBy is the organisation id the allegations are lodged by (the
	// agency that compiled the file); empty leaves lodged_by null.
	LodgedBy string
	// ObserverKind is the observer_kind of observations read from ACLED
	// events, which name no observer; "patrol" when empty.
	ObserverKind string
}

// ACLEDReader reads ACLED CSV rows as allegation or observation Features.
type ACLEDReader struct {
	r        *csv.Reader
	kind     string
	opt      ACLEDReadOptions
	col      map[string]int
	nCols    int
	finished bool
}

// NewACLEDReader reads the header of an ACLED CSV file and returns a
// reader of its rows as Features of kind, "allegations" or "observations".
func NewACLEDReader(r io.Reader, kind string, opt ACLEDReadOptions) (*ACLEDReader, error) {
	if kind != "allegations" && kind != "observations" {
		return nil, errs.Invalid("kind", "ACLED events are imported as allegations or observations, not %s", kind)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	c := csv.NewReader(br)
	c.ReuseRecord = true
	header, err := c.Read()
	if err == io.EOF {
		return nil, errs.Invalid("line 1", "the file is empty: an ACLED file starts with a header row")
	}
	if err != nil {
		return nil, acledCSVError(err)
	}
	a := &ACLEDReader{r: c, kind: kind, opt: opt, col: make(map[string]int, len(header)), nCols: len(header)}
	known := make(map[string]bool)
	for _, n := range ACLEDColumns {
		known[n] = true
	}
	for _, n := range acledLegacy {
		known[n] = true
	}
	var bad errs.Collector
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !utf8.ValidString(h):
			bad.Add(errs.Invalid(fmt.Sprintf("line 1: column %d", i+1), "the header is not valid UTF-8 text"))
		case !known[name]:
			bad.Add(errs.Invalid(fmt.Sprintf("line 1: column %d", i+1), "%q is not one of ACLED's columns (%s)", kmlShort(h), strings.Join(ACLEDColumns, ", ")))
		default:
			if _, dup := a.col[name]; dup {
				bad.Add(errs.Because(errs.Invalid(fmt.Sprintf("line 1: column %d", i+1), "%q is a second column of that name", name), errs.ReasonDuplicate))
			}
			a.col[name] = i
		}
	}
	for _, n := range acledRequired {
		if _, ok := a.col[n]; !ok {
			bad.Add(errs.Invalid("line 1: "+n, "the header has no %s column, which an ACLED file needs", n))
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	c.FieldsPerRecord = len(header)
	return a, nil
}

func acledCSVError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line := fmt.Sprintf("line %d", pe.StartLine)
		switch {
		case errors.Is(pe.Err, csv.ErrFieldCount):
			return errs.Invalid(line, "has a different number of fields than the header")
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			return errs.Invalid(line, "has a misplaced quote (at line %d, column %d): %v", pe.Line, pe.Column, pe.Err)
		}
		return errs.Invalid(line, "cannot be read as CSV: %v", pe.Err)
	}
	return errs.Invalid("file", "cannot be read: %v", err)
}

// Next returns the next row as a Feature, or io.EOF after the last. A
// bad row's error names its line and every bad field; reading can go on.
func (a *ACLEDReader) Next() (Feature, error) {
	if a.finished {
		return Feature{}, io.EOF
	}
	rec, err := a.r.Read()
	if err == io.EOF {
		a.finished = true
		return Feature{}, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			return Feature{Number: pe.StartLine}, errs.Invalid(fmt.Sprintf("line %d", pe.StartLine), "has %d fields; the header has %d", len(rec), a.nCols)
		}
		a.finished = true // after a broken quote the rest cannot be trusted
		return Feature{}, acledCSVError(err)
	}
	line, _ := a.r.FieldPos(0)
	for i := range rec {
		rec[i] = unguardCell(rec[i])
	}
	return a.feature(line, rec)
}

func (a *ACLEDReader) feature(line int, rec []string) (Feature, error) {
	at := fmt.Sprintf("line %d: ", line)
	var c errs.Collector
	get := func(name string) string {
		i, ok := a.col[name]
		if !ok {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	for name, i := range a.col {
		if !utf8.ValidString(rec[i]) {
			c.Add(errs.Because(errs.Invalid(at+name, "is not valid UTF-8 text"), errs.ReasonBadText))
		}
	}
	if c.Err() != nil {
		return Feature{Number: line}, c.Err()
	}
	props := make(map[string]any)
	required := func(name string) string {
		v := get(name)
		if v == "" {
			c.Add(errs.Required(at + name))
		}
		return v
	}

	if id := required("event_id_cnty"); id != "" {
		props["external_id"] = id
	}

	// When.
	if s := required("event_date"); s != "" {
		day, err := acledParseDate(s)
		if err != nil {
			c.Add(errs.Because(errs.Invalid(at+"event_date", "%s", err.Error()), errs.ReasonNotADate))
		} else {
			precision := 1
			if p := get("time_precision"); p != "" {
				n, err := strconv.Atoi(p)
				if err != nil || n < 1 || n > 3 {
					c.Add(errs.NotOneOf(at+"time_precision", []string{"1", "2", "3"}))
				}
				precision = n
			}
			if y := get("year"); y != "" && y != strconv.Itoa(day.Year()) {
				c.Add(errs.Invalid(at+"year", "%s is not the year of event_date %s", y, s))
			}
			start, end, truce := acledSpan(day, precision)
			props["start"], props["end"], props["time_precision"], props["date"] = start, end, truce, day
		}
	}

	// What.
	eventType, subType := required("event_type"), required("sub_event_type")
	category := ""
	if eventType != "" {
		var ok bool
		eventType, ok = acledCanonicalType(eventType)
		if !ok {
			c.Add(errs.NotOneOf(at+"event_type", acledTypeNames()))
		} else {
			category = acledCategory(eventType, subType)
			if a.kind == "allegations" { // observations have no such columns
				props["acled_event_type"], props["acled_sub_event_type"] = eventType, subType
			}
		}
	}

	// Where.
	lat, latErr := acledNumber(get("latitude"))
	lon, lonErr := acledNumber(get("longitude"))
	if latErr != nil {
		c.Add(errs.Invalid(at+"latitude", "%s", latErr.Error()))
	}
	if lonErr != nil {
		c.Add(errs.Invalid(at+"longitude", "%s", lonErr.Error()))
	}
	var geom *geo.Geometry
	if latErr == nil && lonErr == nil {
		p := geo.Point{Lat: lat, Lon: lon}
		if err := p.Validate(); err != nil {
			if (geo.Point{Lat: lon, Lon: lat}).Validate() == nil && math.Abs(lat) > 90 {
				c.Add(errs.Invalid(at+"latitude", "%v is outside [-90, 90]: are latitude and longitude swapped?", lat))
			} else {
				c.Add(errs.Invalid(at+map[string]string{"lat": "latitude", "lon": "longitude"}[errs.FieldOf(err)], "%s", errs.MessageOf(err)))
			}
		} else {
			g := geo.PointGeometry(p)
			geom = &g
			props["lat"], props["lon"] = lat, lon
		}
	}
	if loc := get("location"); loc != "" {
		props["nearest_place_name"] = loc
	}
	precision := "exact"
	switch get("geo_precision") {
	case "", "1":
	case "2":
		precision = "district"
	case "3":
		precision = "region"
	default:
		c.Add(errs.NotOneOf(at+"geo_precision", []string{"1", "2", "3"}))
	}

	// How many.
	var fatalities int64
	if f := get("fatalities"); f != "" {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			c.Add(errs.Invalid(at+"fatalities", "%q is not a count (a whole number, 0 or more)", kmlShort(f)))
		}
		fatalities = n
	}
	tags := acledParseTags(get("tags"))

	switch a.kind {
	case "allegations":
		props["source_kind"] = acledFirst(tags["source kind"], incident.SourceThirdParty)
		if side := tags["on behalf of"]; side != "" {
			props["on_behalf_of"] = side
		}
		if a.opt.LodgedBy != "" {
			props["lodged_by"] = a.opt.LodgedBy
		}
		if s := get("source"); s != "" {
			props["lodged_by_name"] = s
		}
		perpetrator := incident.Unknown
		if actor := get("actor1"); actor != "" {
			props["alleged_perpetrator_name"] = actor
			for name, id := range a.opt.Actors {
				if strings.EqualFold(name, actor) {
					perpetrator = id
				}
			}
		}
		props["alleged_perpetrator"] = perpetrator
		if category != "" {
			props["category"] = category
		}
		props["location_precision"] = precision
		if fatalities > 0 {
			if eventType == "Violence against civilians" || strings.EqualFold(get("civilian_targeting"), acledCivilianTargeting) {
				props["killed_civilians_best"] = fatalities
			} else {
				props["killed_military_best"] = fatalities
			}
		}
		props["narrative"] = acledFirst(get("notes"), strings.TrimSpace(eventType+": "+subType+" "+get("location")))
		if _, ok := tags["withdrawn"]; ok {
			props["status"] = incident.StatusWithdrawn
		}
	case "observations":
		kind := tags["observed"]
		if kind == "" {
			kind = acledObservationKind(category)
		}
		props["kind"] = kind
		if category != "" {
			props["category"] = category
		}
		props["observer_kind"] = acledFirst(a.opt.ObserverKind, "patrol")
		if geom != nil {
			props["observer_lat"], props["observer_lon"] = lat, lon
		}
		props["count"] = int64(1)
		props["perception"] = "seen"
		if n := get("notes"); n != "" {
			props["note"] = n
		}
	}
	if err := c.Err(); err != nil {
		return Feature{Number: line}, err
	}
	return Feature{Number: line, Geom: geom, Props: props}, nil
}

// acledParseDate reads event_date: ISO 8601 (2021-06-12, ACLED's API and
// Truce's export) or ACLED's spreadsheet form (12 June 2021). Numeric local
// forms (12/06/2021, 12-06-2021, 12.06.2021) are refused: day and month
// cannot be told apart.
func acledParseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.DateOnly, "2 January 2006", "2-January-2006", "2 Jan 2006", "2-Jan-2006"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d, nil
		}
	}
	hint := localDateHint(s)
	if hint == "" && len(s) == 10 && s[2] == '-' && s[5] == '-' {
		hint = " (12-06-2021 is ambiguous between day and month: write it 2021-06-12 in ISO 8601)"
	}
	return time.Time{}, fmt.Errorf("%q is not a date written 2021-06-12 or 12 June 2021%s", kmlShort(s), hint)
}

// acledSpan is the Truce time of an ACLED date and precision: the day (1),
// the week around it (2: ACLED records the middle of the week), or its
// month (3).
func acledSpan(day time.Time, precision int) (start, end time.Time, truce string) {
	switch precision {
	case 2:
		return day.AddDate(0, 0, -3), day.AddDate(0, 0, 4), "window"
	case 3:
		first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		return first, first.AddDate(0, 1, 0), "window"
	}
	return day, day.Add(24 * time.Hour), "day"
}

func acledNumber(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("is required")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
			return 0, fmt.Errorf("%q is not a number: write the decimal point as a dot", kmlShort(s))
		}
		return 0, fmt.Errorf("%q is not a number", kmlShort(s))
	}
	return f, nil
}

// acledCanonicalType is ACLED's spelling of an event type given in any
// case (its codebook itself writes "Strategic Developments").
func acledCanonicalType(s string) (string, bool) {
	for t := range acledEventTypes {
		if strings.EqualFold(t, s) {
			return t, true
		}
	}
	return "", false
}

func acledTypeNames() []string {
	return []string{"Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots", "Strategic developments"}
}

// acledCategory is the Truce category of an ACLED event type and
// sub-event type: the taxonomy's own mapping read backwards, the general
// category where several share a pair, "other" where none has it.
func acledCategory(eventType, subType string) string {
	preferred := map[string]bool{"violence_against_civilians": true, "other": true}
	found := ""
	for _, c := range incident.Categories {
		if strings.EqualFold(c.EventType, eventType) && strings.EqualFold(c.SubEventType, subType) {
			if found == "" || preferred[c.Code] {
				found = c.Code
			}
		}
	}
	if found == "" {
		return "other"
	}
	return found
}

// acledObservationKind is the kind of observation an ACLED event reads as
// when its tags do not say: the most general kind counted under its
// category.
func acledObservationKind(category string) string {
	switch category {
	case "heavy_weapons_fire", "mine_or_ied", "drone_or_air_strike":
		return "undetermined_explosion"
	case "small_arms_fire":
		return "shots_small_arms"
	case "forces_movement", "new_fortification":
		return "movement"
	case "airspace_violation":
		return "drone"
	}
	return "other"
}

// acledParseTags reads Truce's own tags back ("name=value; flag").
func acledParseTags(s string) map[string]string {
	out := make(map[string]string)
	for _, t := range strings.Split(s, ";") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		name, value, _ := strings.Cut(t, "=")
		out[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	return out
}
