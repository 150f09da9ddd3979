package incident

import (
	"net/url"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// FuzzListFilters: any query string gives filters or an invalid error
// naming one of the list's parameters, never anything else; a window read
// has its end after its start.
func FuzzListFilters(f *testing.F) {
	for _, s := range []string{"", "from=2021-06-10&to=2021-06-10", "to=2021-06-10T06:00:00Z", "from=yesterday", "unlinked=1",
		"category=small_arms_fire&zone=lay_1", "from=2021-06-10T00:00:00+14:00", "from=0000-01-01T00:00:00-23:59", "place=plc_1&within=5000", "within=NaN"} {
		f.Add(s)
	}
	fields := map[string]bool{"from": true, "to": true, "category": true, "status": true, "source_kind": true, "on_behalf_of": true,
		"perpetrator": true, "zone": true, "incident_id": true, "unlinked": true, "kind": true, "outcome": true, "side": true, "place": true, "within": true}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		check := func(w Window, err error) {
			if err != nil {
				if errs.CodeOf(err) != errs.CodeInvalid || !fields[errs.FieldOf(err)] {
					t.Fatalf("%q: %v (field %q)", raw, err, errs.FieldOf(err))
				}
				return
			}
			if !w.From.IsZero() && !w.To.IsZero() && !w.To.After(w.From) {
				t.Fatalf("%q: window %v – %v", raw, w.From, w.To)
			}
		}
		a, err := ParseAllegationFilter(v)
		check(a.Window, err)
		o, err := ParseObservationFilter(v)
		check(o.Window, err)
		i, err := ParseIncidentFilter(v)
		check(i.Window, err)
	})
}
