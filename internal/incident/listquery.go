package incident

import (
	"net/url"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

// The lists' filters as URL parameters, read alike by the list pages and
// the API's list endpoints (the filters are the page's address): from and
// to are a day (2021-06-10; to takes the whole day) or an RFC 3339 time.
// The values are checked by the list methods; here only their shape.

// maxParam bounds one filter value.
const maxParam = 200

// ParseWindow reads from and to.
func ParseWindow(v url.Values) (Window, error) {
	var w Window
	var err error
	if w.From, err = parseWhen(v, "from", false); err != nil {
		return w, err
	}
	if w.To, err = parseWhen(v, "to", true); err != nil {
		return w, err
	}
	return w, w.check()
}

func parseWhen(v url.Values, field string, end bool) (time.Time, error) {
	s := v.Get(field)
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) <= 40 {
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			if end {
				d = d.AddDate(0, 0, 1)
			}
			return d, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			if t = t.UTC().Truncate(time.Second); t.Year() >= 1 && t.Year() <= 9999 {
				return t, nil
			}
		}
	}
	return time.Time{}, errs.Invalid(field, "must be a date such as 2021-06-10 or a time such as 2021-06-10T06:00:00Z")
}

func param(v url.Values, field string) (string, error) {
	s := v.Get(field)
	if len(s) > maxParam {
		return "", errs.Invalid(field, "is too long")
	}
	return s, nil
}

func params(v url.Values, fields ...string) ([]string, error) {
	out := make([]string, len(fields))
	for i, f := range fields {
		s, err := param(v, f)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func parseBool(v url.Values, field string) (bool, error) {
	switch v.Get(field) {
	case "", "false":
		return false, nil
	case "true", "1", "on":
		return true, nil
	}
	return false, errs.Invalid(field, "must be true or false")
}

// ParseAllegationFilter reads an allegation list's filters: from, to,
// category, status, source_kind, on_behalf_of, perpetrator, zone,
// incident_id, unlinked, place and within (metres from the place). The bounding box is the API's (bbox).
func ParseAllegationFilter(v url.Values) (AllegationFilter, error) {
	var f AllegationFilter
	var err error
	if f.Window, err = ParseWindow(v); err != nil {
		return f, err
	}
	s, err := params(v, "category", "status", "source_kind", "on_behalf_of", "perpetrator", "zone", "incident_id")
	if err != nil {
		return f, err
	}
	f.Category, f.Status, f.SourceKind, f.OnBehalfOf, f.Perpetrator, f.Zone, f.IncidentID = s[0], s[1], s[2], s[3], s[4], s[5], s[6]
	if f.Near, err = parseNear(v); err != nil {
		return f, err
	}
	f.Unlinked, err = parseBool(v, "unlinked")
	return f, err
}

// ParseObservationFilter reads an observation list's filters: from, to,
// kind, category, zone, place, within.
func ParseObservationFilter(v url.Values) (ObservationFilter, error) {
	var f ObservationFilter
	var err error
	if f.Window, err = ParseWindow(v); err != nil {
		return f, err
	}
	s, err := params(v, "kind", "category", "zone")
	if err != nil {
		return f, err
	}
	f.Kind, f.Category, f.Zone = s[0], s[1], s[2]
	f.Near, err = parseNear(v)
	return f, err
}

// ParseIncidentFilter reads an incident list's filters: from, to, status,
// category, outcome, zone, side, place, within.
func ParseIncidentFilter(v url.Values) (IncidentFilter, error) {
	var f IncidentFilter
	var err error
	if f.Window, err = ParseWindow(v); err != nil {
		return f, err
	}
	s, err := params(v, "status", "category", "outcome", "zone", "side")
	if err != nil {
		return f, err
	}
	f.Status, f.Category, f.Outcome, f.Zone, f.Side = s[0], s[1], s[2], s[3], s[4]
	f.Near, err = parseNear(v)
	return f, err
}
