package ui

import (
	"net/url"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/web"
)

// The reports form never panics; what it accepts names a report whose id
// reads back as the same request, and what it refuses names a field.
func FuzzReportForm(f *testing.F) {
	f.Add("daily", "2021-06-12", "", "", "", "public", "html")
	f.Add("summary", "", "2021-06-01", "2021-06-30", "", "mission", "csv")
	f.Add("implementation", "2021-06-12", "", "", "agr-1", "public", "pdf")
	f.Add("daily", "2021-13-45", "x", "y", "../etc", "secret", "docx")
	f.Fuzz(func(t *testing.T, kind, date, from, to, agreement, edition, format string) {
		form := &web.Form{Values: url.Values{"kind": {kind}, "date": {date}, "from": {from}, "to": {to},
			"agreement": {agreement}, "edition": {edition}, "format": {format}}}
		req, err := reportRequest(form)
		if err != nil {
			if errs.FieldOf(err) == "" {
				t.Fatalf("refused without naming a field: %v", err)
			}
			return
		}
		back, err := report.ParseID(req.ID())
		if err != nil {
			t.Fatalf("accepted %+v, but its id %q does not parse: %v", req, req.ID(), err)
		}
		back.Format = req.Format
		if back != req {
			t.Fatalf("id %q reads back as %+v, not %+v", req.ID(), back, req)
		}
	})
}
