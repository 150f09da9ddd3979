package exchange

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/truce-monitoring/truce/internal/incident"
)

// UCDP GED-like CSV out: incidents, allegations and observations in the
// columns and order of the UCDP Georeferenced Event Dataset (GED), with its
// codes for the type of violence and the precision of place and date.
// "Like": GED holds only events with at least one death, coded by UCDP
// from published sources; this file holds every record the reader may see,
// fatal or not, as Truce has it. docs/exchange.md maps each column.

// UCDPColumns are GED's columns, in the order of its CSV.
var UCDPColumns = []string{
	"id", "relid", "year", "active_year", "code_status", "type_of_violence",
	"conflict_dset_id", "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
	"side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
	"number_of_sources", "source_article", "source_office", "source_date", "source_headline", "source_original",
	"where_prec", "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
	"priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec", "date_start", "date_end",
	"deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
}

// GED's type_of_violence codes.
const (
	ucdpStateBased = "1"
	ucdpOneSided   = "3"
)

// UCDPOptions are the facts about the conflict a GED file names and Truce
// does not keep per record.
type UCDPOptions struct {
	ConflictName string // e.g. "Armenia - Azerbaijan"
	Country      string // e.g. "Azerbaijan"
	CountryID    int    // Gleditsch-Ward code of Country, e.g. 373; 0 when unknown
	Region       string // UCDP's region: Africa, Americas, Asia, Europe or Middle East
}

// UCDPWriter writes incidents, allegations or observations as GED-like CSV.
type UCDPWriter struct {
	w     *csv.Writer
	opt   UCDPOptions
	table string
	col   map[string]int
	begun bool
	n     int
	out   []string
}

// NewUCDPWriter returns a Writer of GED-like CSV to w.
func NewUCDPWriter(w io.Writer, opt UCDPOptions) *UCDPWriter {
	return &UCDPWriter{w: csv.NewWriter(w), opt: opt, out: make([]string, len(UCDPColumns))}
}

// Begin accepts the incidents, allegations or observations table.
func (u *UCDPWriter) Begin(t Table) error {
	if u.begun {
		return fmt.Errorf("ucdp: one table per file; %s comes after %s", t.Name, u.table)
	}
	switch t.Name {
	case "incidents", "allegations", "observations":
	default:
		return fmt.Errorf("ucdp: %s cannot be written as GED events; only incidents, allegations and observations", t.Name)
	}
	u.begun, u.table = true, t.Name
	u.col = make(map[string]int, len(t.Columns))
	for i, c := range t.Columns {
		u.col[c.Name] = i
	}
	return u.w.Write(UCDPColumns)
}

var ucdpIndex = func() map[string]int {
	m := make(map[string]int, len(UCDPColumns))
	for i, c := range UCDPColumns {
		m[c] = i
	}
	return m
}()

// Write adds one event.
func (u *UCDPWriter) Write(row Row) error {
	if !u.begun {
		return fmt.Errorf("ucdp: Write before Begin")
	}
	if len(row.Values) != len(u.col) {
		return fmt.Errorf("ucdp: a row of %d values for %d columns", len(row.Values), len(u.col))
	}
	r := acledRow{col: u.col, values: row.Values}
	out := u.out
	for i := range out {
		out[i] = ""
	}
	set := func(name, v string) { out[ucdpIndex[name]] = v }
	u.n++
	set("id", strconv.Itoa(u.n))
	set("relid", r.text("id"))

	start, hasStart := r.time("start")
	end, hasEnd := r.time("end")
	if hasStart {
		set("year", strconv.Itoa(start.UTC().Year()))
		last := start
		if hasEnd && end.After(start) {
			last = end.Add(-time.Second) // the end is exclusive: a day ends at midnight
		}
		set("date_start", start.UTC().Format(time.DateOnly))
		set("date_end", last.UTC().Format(time.DateOnly))
		set("date_prec", ucdpDatePrecision(start, last))
	}

	// Who: side A is the side said (or found) to be responsible, side B
	// the side that complains of it, or the civilians.
	var sideA, sideAID, sideB, sideBID string
	switch u.table {
	case "allegations":
		if r.text("alleged_perpetrator") != "unknown" {
			sideA, sideAID = r.text("alleged_perpetrator_name"), r.text("alleged_perpetrator")
		}
		sideB, sideBID = r.text("on_behalf_of_name"), r.text("on_behalf_of")
	case "incidents":
		switch r.text("attribution") {
		case "", "both", "undetermined":
		default:
			sideA, sideAID = r.text("attribution_name"), r.text("attribution")
		}
	}
	eventType := r.text("acled_event_type")
	if eventType == "" {
		if c, ok := incident.CategoryOf(r.text("category")); ok {
			eventType = c.EventType
		}
	}
	switch eventType {
	case "Violence against civilians":
		set("type_of_violence", ucdpOneSided)
		sideB, sideBID = "Civilians", ""
	case "Battles", "Explosions/Remote violence":
		set("type_of_violence", ucdpStateBased)
	}
	set("side_a", sideA)
	set("side_b", sideB)
	if sideA != "" && sideB != "" {
		set("dyad_name", sideA+" - "+sideB)
	}
	set("conflict_name", u.opt.ConflictName)

	// Sources.
	switch u.table {
	case "allegations":
		set("number_of_sources", "1")
		set("source_office", r.text("lodged_by_name"))
		set("source_original", r.text("source_kind"))
		set("source_article", r.text("narrative"))
		for _, c := range []string{"reported_at", "lodged_at"} {
			if t, ok := r.time(c); ok {
				set("source_date", t.UTC().Format(time.DateOnly))
				break
			}
		}
	case "observations":
		set("number_of_sources", "1")
		set("source_office", r.text("owner_org_name"))
		set("source_original", "monitoring mission: "+r.text("observer_kind"))
		set("source_article", r.text("note"))
		if t, ok := r.time("recorded_at"); ok {
			set("source_date", t.UTC().Format(time.DateOnly))
		}
	case "incidents":
		a, _ := r.int("allegations")
		o, _ := r.int("observations")
		set("number_of_sources", strconv.FormatInt(a+o, 10))
		set("source_office", r.text("owner_org_name"))
		set("source_headline", r.text("title"))
		set("source_article", r.text("finding_summary"))
		if r.text("outcome") == "substantiated" {
			set("event_clarity", "1")
		}
	}

	// Where.
	set("where_prec", ucdpWherePrecision(u.table, r.text("location_precision")))
	set("where_coordinates", r.text("nearest_place_name"))
	set("where_description", r.text("zone_name"))
	lat, okLat := r.real("lat")
	lon, okLon := r.real("lon")
	if okLat && okLon {
		set("latitude", strconv.FormatFloat(lat, 'f', -1, 64))
		set("longitude", strconv.FormatFloat(lon, 'f', -1, 64))
		set("geom_wkt", "POINT ("+strconv.FormatFloat(lon, 'f', -1, 64)+" "+strconv.FormatFloat(lat, 'f', -1, 64)+")")
	}
	set("country", u.opt.Country)
	if u.opt.CountryID != 0 {
		set("country_id", strconv.Itoa(u.opt.CountryID))
	}
	set("region", u.opt.Region)

	// Deaths.
	if u.table == "allegations" {
		civ, _ := r.int("killed_civilians_best")
		civLow, okLow := r.int("killed_civilians_low")
		civHigh, okHigh := r.int("killed_civilians_high")
		if !okLow {
			civLow = civ
		}
		if !okHigh {
			civHigh = civ
		}
		mil, _ := r.int("killed_military_best")
		var deathsA, deathsB int64
		for _, s := range ucdpBySide(r.text("killed_military_by_side")) {
			switch {
			case sideAID != "" && s.Side == sideAID:
				deathsA += s.Best
			case sideBID != "" && s.Side == sideBID:
				deathsB += s.Best
			}
		}
		unknown := max(mil-deathsA-deathsB, 0)
		set("deaths_a", strconv.FormatInt(deathsA, 10))
		set("deaths_b", strconv.FormatInt(deathsB, 10))
		set("deaths_civilians", strconv.FormatInt(civ, 10))
		set("deaths_unknown", strconv.FormatInt(unknown, 10))
		set("best", strconv.FormatInt(civ+mil, 10))
		set("low", strconv.FormatInt(civLow+mil, 10))
		set("high", strconv.FormatInt(civHigh+mil, 10))
	}
	for i := range out {
		out[i] = guardCell(out[i])
	}
	return u.w.Write(out)
}

// Close flushes the file; a file with no table still has its header.
func (u *UCDPWriter) Close() error {
	if !u.begun {
		u.begun = true
		if err := u.w.Write(UCDPColumns); err != nil {
			return err
		}
	}
	u.w.Flush()
	return u.w.Error()
}

type ucdpSideCount struct {
	Side string `json:"side"`
	Best int64  `json:"best"`
}

// ucdpBySide reads a killed_military_by_side cell; nothing when it is
// empty or not what the export writes.
func ucdpBySide(s string) []ucdpSideCount {
	if s == "" {
		return nil
	}
	var out []ucdpSideCount
	if json.Unmarshal([]byte(s), &out) != nil {
		return nil
	}
	return out
}

// ucdpDatePrecision is GED's date_prec for a span of days first..last:
// 1 one day, 2 two to six days, 3 about a week, 4 up to a month, 5 more.
func ucdpDatePrecision(first, last time.Time) string {
	d := func(t time.Time) time.Time {
		t = t.UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	days := int(d(last).Sub(d(first)).Hours()/24) + 1
	switch {
	case days <= 1:
		return "1"
	case days <= 6:
		return "2"
	case days <= 7:
		return "3"
	case days <= 31:
		return "4"
	}
	return "5"
}

// ucdpWherePrecision is GED's where_prec: 1 the exact place, 2 within
// about 25 km of a named place, 3 a district (ADM2), 4 a province (ADM1).
func ucdpWherePrecision(table, precision string) string {
	switch precision {
	case "exact":
		return "1"
	case "near_place":
		return "2"
	case "district":
		return "3"
	case "region":
		return "4"
	}
	switch table {
	case "observations":
		return "2"
	case "incidents":
		return "1"
	}
	return ""
}
