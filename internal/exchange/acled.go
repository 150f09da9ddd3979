package exchange

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/incident"
)

// ACLED-compatible CSV: incidents, allegations and observations in the
// columns, codes and order of ACLED's data export (ACLED Codebook, 2023 and
// later: the columns after the changes of 20 March 2023, which added
// disorder_type, civilian_targeting and tags). docs/exchange.md says, column
// by column, where each value comes from and what is lost.

// ACLEDColumns are ACLED's columns, in the order of its export.
var ACLEDColumns = []string{
	"event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
	"actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
	"iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
	"source", "source_scale", "notes", "fatalities", "tags", "timestamp",
}

// ACLED's codes, as its codebook gives them.
const (
	acledInterState     = 1 // state forces: a party's armed forces
	acledInterCivilians = 7

	acledViolence       = "Political violence"
	acledDemonstrations = "Demonstrations"
	acledStrategic      = "Strategic developments"

	acledCivilianTargeting = "Civilian targeting"
)

// acledEventTypes are ACLED's six event types with their disorder type.
var acledEventTypes = map[string]string{
	"Battles":                    acledViolence,
	"Explosions/Remote violence": acledViolence,
	"Violence against civilians": acledViolence,
	"Protests":                   acledDemonstrations,
	"Riots":                      acledDemonstrations,
	"Strategic developments":     acledStrategic,
}

// ACLEDOptions are the facts about the deployment an ACLED file needs and
// Truce does not keep per record.
type ACLEDOptions struct {
	Country string // e.g. "Azerbaijan"
	ISO     int    // ISO 3166-1 numeric code of Country, e.g. 31; 0 when unknown
	Region  string // ACLED's region, e.g. "Caucasus and Central Asia"
}

// ACLEDWriter writes incidents, allegations or observations as ACLED CSV.
// It holds one row at a time.
type ACLEDWriter struct {
	w     *csv.Writer
	opt   ACLEDOptions
	table string
	col   map[string]int
	begun bool
	out   []string
}

// NewACLEDWriter returns a Writer of ACLED CSV to w.
func NewACLEDWriter(w io.Writer, opt ACLEDOptions) *ACLEDWriter {
	return &ACLEDWriter{w: csv.NewWriter(w), opt: opt, out: make([]string, len(ACLEDColumns))}
}

// Begin accepts the incidents, allegations or observations table; ACLED
// CSV holds one table.
func (a *ACLEDWriter) Begin(t Table) error {
	if a.begun {
		return fmt.Errorf("acled: one table per file; %s comes after %s", t.Name, a.table)
	}
	switch t.Name {
	case "incidents", "allegations", "observations":
	default:
		return fmt.Errorf("acled: %s cannot be written as ACLED events; only incidents, allegations and observations", t.Name)
	}
	a.begun, a.table = true, t.Name
	a.col = make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		a.col[c.Name] = i
	}
	return a.w.Write(ACLEDColumns)
}

// acledRow reads a row's values by column name.
type acledRow struct {
	col    map[string]int
	values []any
}

func (r acledRow) text(name string) string {
	i, ok := r.col[name]
	if !ok || r.values[i] == nil {
		return ""
	}
	s, _ := r.values[i].(string)
	return s
}

func (r acledRow) int(name string) (int64, bool) {
	i, ok := r.col[name]
	if !ok || r.values[i] == nil {
		return 0, false
	}
	n, ok := r.values[i].(int64)
	return n, ok
}

func (r acledRow) real(name string) (float64, bool) {
	i, ok := r.col[name]
	if !ok || r.values[i] == nil {
		return 0, false
	}
	f, ok := r.values[i].(float64)
	return f, ok
}

func (r acledRow) time(name string) (time.Time, bool) {
	i, ok := r.col[name]
	if !ok || r.values[i] == nil {
		return time.Time{}, false
	}
	t, ok := r.values[i].(time.Time)
	return t, ok
}

// Write adds one event.
func (a *ACLEDWriter) Write(row Row) error {
	if !a.begun {
		return fmt.Errorf("acled: Write before Begin")
	}
	if len(row.Values) != len(a.col) {
		return fmt.Errorf("acled: a row of %d values for %d columns", len(row.Values), len(a.col))
	}
	r := acledRow{col: a.col, values: row.Values}
	out := a.out
	for i := range out {
		out[i] = ""
	}
	set := func(name, v string) { out[acledIndex[name]] = v }

	set("event_id_cnty", r.text("id"))
	start, _ := r.time("start")
	end, hasEnd := r.time("end")
	day, precision := acledDate(start, end, hasEnd, r.text("time_precision"))
	if !start.IsZero() {
		set("event_date", day.Format(time.DateOnly))
		set("year", strconv.Itoa(day.Year()))
		set("time_precision", strconv.Itoa(precision))
	}

	eventType, subType := r.text("acled_event_type"), r.text("acled_sub_event_type")
	if eventType == "" { // observations carry the category only
		if c, ok := incident.CategoryOf(r.text("category")); ok {
			eventType, subType = c.EventType, c.SubEventType
		}
	}
	set("disorder_type", acledEventTypes[eventType])
	set("event_type", eventType)
	set("sub_event_type", subType)
	if eventType == "Violence against civilians" {
		set("civilian_targeting", acledCivilianTargeting)
	}

	// actor1 is the side said (allegations) or found (incidents) to be
	// responsible; actor2 the civilians when they were the target.
	var actor1 string
	switch a.table {
	case "allegations":
		if r.text("alleged_perpetrator") != incident.Unknown {
			actor1 = r.text("alleged_perpetrator_name")
		}
	case "incidents":
		switch r.text("attribution") {
		case "", "both", "undetermined":
		default:
			actor1 = r.text("attribution_name")
		}
	}
	inter1, inter2 := 0, 0
	if actor1 != "" {
		set("actor1", actor1)
		inter1 = acledInterState
		set("inter1", strconv.Itoa(inter1))
	}
	if eventType == "Violence against civilians" {
		set("actor2", "Civilians")
		inter2 = acledInterCivilians
		set("inter2", strconv.Itoa(inter2))
	}
	if inter1 != 0 || inter2 != 0 {
		// ACLED writes the pair lowest first, a lone actor as X0.
		lo, hi := min(inter1, inter2), max(inter1, inter2)
		if lo == 0 {
			lo, hi = hi, 0
		}
		set("interaction", strconv.Itoa(lo*10+hi))
	}

	if a.opt.ISO != 0 {
		set("iso", strconv.Itoa(a.opt.ISO))
	}
	set("region", a.opt.Region)
	set("country", a.opt.Country)
	set("location", r.text("nearest_place_name"))
	if lat, ok := r.real("lat"); ok {
		set("latitude", strconv.FormatFloat(lat, 'f', -1, 64))
	}
	if lon, ok := r.real("lon"); ok {
		set("longitude", strconv.FormatFloat(lon, 'f', -1, 64))
	}
	set("geo_precision", acledGeoPrecision(a.table, r.text("location_precision")))

	switch a.table {
	case "allegations":
		set("source", acledFirst(r.text("lodged_by_name"), r.text("source_kind")))
		set("notes", r.text("narrative"))
	case "observations":
		set("source", acledFirst(r.text("owner_org_name"), "monitoring mission"))
		set("notes", r.text("note"))
	case "incidents":
		set("source", acledFirst(r.text("owner_org_name"), "monitoring mission"))
		set("notes", strings.TrimSpace(r.text("title")+"\n"+r.text("finding_summary")))
	}
	var fatalities int64
	for _, c := range []string{"killed_civilians_best", "killed_military_best"} {
		n, _ := r.int(c)
		fatalities += n
	}
	set("fatalities", strconv.FormatInt(fatalities, 10))
	set("tags", acledTags(a.table, r))
	for _, c := range []string{"lodged_at", "recorded_at", "start"} {
		if t, ok := r.time(c); ok {
			set("timestamp", strconv.FormatInt(t.Unix(), 10))
			break
		}
	}
	for i := range out {
		out[i] = guardCell(out[i])
	}
	return a.w.Write(out)
}

// Close flushes the file; a file with no table still has its header.
func (a *ACLEDWriter) Close() error {
	if !a.begun {
		a.begun = true
		if err := a.w.Write(ACLEDColumns); err != nil {
			return err
		}
	}
	a.w.Flush()
	return a.w.Error()
}

var acledIndex = func() map[string]int {
	m := make(map[string]int, len(ACLEDColumns))
	for i, c := range ACLEDColumns {
		m[c] = i
	}
	return m
}()

func acledFirst(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// acledDate is the day ACLED records for a reported time, and the time
// precision code: 1 a day (or an exact time), 2 a week, 3 a month. A
// window is recorded on its middle day, as ACLED does.
func acledDate(start, end time.Time, hasEnd bool, precision string) (time.Time, int) {
	start = start.UTC()
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	if precision != "window" || !hasEnd {
		return day, 1
	}
	span := end.Sub(start)
	mid := start.Add(span / 2)
	midDay := time.Date(mid.Year(), mid.Month(), mid.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case span <= 24*time.Hour && end.UTC().Add(-time.Nanosecond).Day() == start.Day():
		return day, 1
	case span <= 8*24*time.Hour:
		return midDay, 2
	}
	return midDay, 3
}

// acledGeoPrecision: 1 the point itself, 2 near a place or in a district,
// 3 a region. An observation's point is the middle of its probable area.
func acledGeoPrecision(table, precision string) string {
	switch precision {
	case "exact":
		return "1"
	case "near_place", "district":
		return "2"
	case "region":
		return "3"
	}
	if table == "observations" {
		return "2"
	}
	if table == "incidents" {
		return "1"
	}
	return ""
}

// acledTags says what kind of Truce record the event is, and its state,
// in ACLED's tags column ("; "-separated).
func acledTags(table string, r acledRow) string {
	var tags []string
	switch table {
	case "allegations":
		tags = append(tags, "truce allegation", "source kind="+r.text("source_kind"))
		if side := r.text("on_behalf_of"); side != "" {
			// A side's allegation does not import without the side.
			tags = append(tags, "on behalf of="+side)
		}
		if s := r.text("status"); s == "withdrawn" {
			tags = append(tags, "withdrawn")
		}
	case "observations":
		tags = append(tags, "truce observation", "observed="+r.text("kind"))
	case "incidents":
		tags = append(tags, "truce incident", "status="+r.text("status"))
		if o := r.text("outcome"); o != "" {
			tags = append(tags, "finding="+o)
		}
	}
	return strings.Join(tags, "; ")
}
