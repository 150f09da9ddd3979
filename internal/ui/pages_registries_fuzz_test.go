package ui

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// The registry pages' query readers turn any query into filter values or
// an error naming the field at fault (shown next to it); they never panic,
// and a window they accept runs forwards.
func FuzzRegistryFilters(f *testing.F) {
	f.Add("2021-06-10", "2021-06-11", "held", "1")
	f.Add("2021-06-10T06:00:00Z", "2021-06-10", "", "")
	f.Add("yesterday", "2021-13-40", "<script>", "yes")
	f.Add("2021-06-11", "2021-06-10", "closed", "0")
	f.Fuzz(func(t *testing.T, from, to, choice, flag string) {
		q := url.Values{"from": {from}, "to": {to}, "status": {choice}, "flagged": {flag}, "at": {from}}
		r := httptest.NewRequest("GET", "/crossings?"+q.Encode(), nil)
		start, end, err := queryWindow(r)
		if err != nil {
			if f := errs.FieldOf(err); f != "from" && f != "to" {
				t.Fatalf("window error names %q: %v", f, err)
			}
		} else if !start.IsZero() && !end.IsZero() && !end.After(start) {
			t.Fatalf("accepted a window from %v to %v", start, end)
		}
		if v, err := queryChoice(r, "status", []string{"held", "closed"}); err == nil && v != "" && v != "held" && v != "closed" {
			t.Fatalf("accepted status %q", v)
		} else if err != nil && errs.FieldOf(err) != "status" {
			t.Fatalf("status error names %q", errs.FieldOf(err))
		}
		if _, err := queryTime(r, "at", false); err != nil && errs.FieldOf(err) != "at" {
			t.Fatalf("at error names %q", errs.FieldOf(err))
		}
		_ = moreURL(r, flag)
	})
}
