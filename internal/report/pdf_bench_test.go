package report_test

import (
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/report"
)

// BenchmarkDemoDailyPDF: the PDF of the demo's daily report of 12 June
// 2021 (mission edition), the report generated once: it measures the PDF
// writer and its text engine only.
func BenchmarkDemoDailyPDF(b *testing.B) {
	f := open(b)
	rep := f.generate(b, f.as(access.Analyst), report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionMission, Format: report.FormatPDF})
	var size int
	defer cpuPerOp(b)()
	for b.Loop() {
		out, err := report.PDF(rep, report.Footer{DataSHA256: "00"})
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes/pdf")
}
