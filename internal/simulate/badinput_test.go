package simulate

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/geo"
)

// streamOf writes lines as a stream with truth and reads it back, as
// truce bench fusion would.
func streamOf(t *testing.T, lines []Line) ([]fusion.Report, []string) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteStream(&buf, Header{Format: Format, Version: Version, Source: "test", Truth: true}, lines); err != nil {
		t.Fatal(err)
	}
	_, reports, truth, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return reports, truth
}

// fuse runs the batch fuser and checks the answer is a grouping of the
// reports that never holds two reports of one source.
func fuse(t *testing.T, reports []fusion.Report) []int {
	t.Helper()
	assign, err := fusion.Batch(reports, fusion.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if len(assign) != len(reports) {
		t.Fatalf("%d assignments for %d reports", len(assign), len(reports))
	}
	seen := map[[2]string]bool{}
	for i, g := range assign {
		k := [2]string{fmt.Sprint(g), reports[i].Source}
		if seen[k] {
			t.Fatalf("group %d holds two reports of %s", g, reports[i].Source)
		}
		seen[k] = true
	}
	return assign
}

func groups(assign []int) int {
	m := map[int]bool{}
	for _, g := range assign {
		m[g] = true
	}
	return len(m)
}

var t0 = time.Date(2021, 5, 1, 0, 0, 0, 0, time.UTC)

func vague(i int, src string) Line {
	return Line{Report: fusion.Report{ID: fmt.Sprintf("v%d", i), Kind: fusion.Allegation, Source: src, Perpetrator: "side_b",
		Category: "shelling", Place: "region-1-a", PlacePrecision: fusion.PlaceRegion, Lat: 39.9, Lon: 46.8, RadiusM: 100_000,
		Start: t0.Add(time.Duration(i%30) * 24 * time.Hour), End: t0.Add(time.Duration(i%30)*24*time.Hour + 24*time.Hour - time.Second),
		TimePrecision: fusion.TimeDay}, TrueEvent: fmt.Sprintf("e%d", i/3)}
}

func TestEmptyStream(t *testing.T) {
	// No header at all: an error naming the header.
	if _, _, _, err := Read(strings.NewReader("")); errs.FieldOf(err) != "header" {
		t.Errorf("no bytes: %v", err)
	}
	if _, _, _, err := Read(strings.NewReader("\n\n")); err == nil {
		t.Error("blank lines only: no error")
	}
	// A header and no reports: an empty stream, fused to nothing.
	reports, truth := streamOf(t, nil)
	if len(reports) != 0 || len(truth) != 0 {
		t.Fatalf("%d reports", len(reports))
	}
	if a := fuse(t, reports); len(a) != 0 {
		t.Errorf("empty stream gave %v", a)
	}
	if m, err := fusion.Evaluate(nil, nil); err != nil || m.PairF1 != 0 {
		t.Errorf("scoring nothing: %+v %v", m, err)
	}
}

// Only vague reports (regions and days): nothing tells two apart, so the
// fuser must not glue the whole month into one incident.
func TestOnlyVagueReports(t *testing.T) {
	var lines []Line
	for i := range 600 {
		lines = append(lines, vague(i, []string{"side_a", "side_b", "media-a1"}[i%3]))
	}
	reports, truth := streamOf(t, lines)
	assign := fuse(t, reports)
	m, err := fusion.Evaluate(assign, truth)
	if err != nil {
		t.Fatal(err)
	}
	// At most three sources a group: at least a third as many groups as
	// reports, whatever the fuser makes of them.
	if g := groups(assign); g < len(reports)/3 {
		t.Errorf("%d groups for %d reports", g, len(reports))
	}
	t.Logf("only vague: %d groups, pairwise precision %.2f, B3 F1 %.3f (alone %.3f)", groups(assign), m.PairPrecision, m.BCubedF1, m.SingletonBCubedF1)
}

// All reports from one source: no two can be one incident.
func TestAllReportsFromOneSource(t *testing.T) {
	gens, err := Generate(Config{Seed: 3, Events: 1500, Days: 20})
	if err != nil {
		t.Fatal(err)
	}
	var lines []Line
	for _, g := range gens {
		if g.Report.Kind == fusion.Observation {
			continue
		}
		r := g.Report
		r.Kind, r.Source, r.Cites = fusion.Allegation, "side_a", ""
		lines = append(lines, Line{Report: r, TrueEvent: g.TrueEvent})
	}
	reports, _ := streamOf(t, lines)
	if g := groups(fuse(t, reports)); g != len(reports) {
		t.Errorf("%d groups for %d reports of one source; want each alone", g, len(reports))
	}
}

// Reports whose radius_m is at its maximum are accepted and fused without
// trouble; one metre more is refused naming radius_m.
func TestRadiusAtItsMaximum(t *testing.T) {
	var lines []Line
	for i := range 300 {
		l := vague(i, []string{"side_a", "side_b"}[i%2])
		l.RadiusM, l.PlacePrecision = fusion.MaxRadiusM, fusion.PlaceRegion
		lines = append(lines, l)
	}
	reports, _ := streamOf(t, lines)
	fuse(t, reports)
	bad := strings.Replace(good, `"radius_m":1000`, fmt.Sprintf(`"radius_m":%d`, fusion.MaxRadiusM+1), 1)
	if _, err := DecodeLine([]byte(bad)); errs.FieldOf(err) != "radius_m" {
		t.Errorf("radius above the maximum: %v", err)
	}
	for _, v := range []string{"0", "-5", "1e999"} {
		bad := strings.Replace(good, `"radius_m":1000`, `"radius_m":`+v, 1)
		if _, err := DecodeLine([]byte(bad)); errs.FieldOf(err) == "" {
			t.Errorf("radius_m %s: %v, want an error naming the field", v, err)
		}
	}
}

// A day with 10,000 reports in one 5 km cell: the fuser finishes and
// keeps to its rules (one report per source a group).
func TestTenThousandReportsInOneCell(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	r := rand.New(rand.NewPCG(1, 2))
	centre := geo.Point{Lat: 39.8, Lon: 46.75}
	sources := []string{"side_a", "side_b", "media-a1", "media-b1", "media-int1"}
	var lines []Line
	for i := range 10_000 {
		p := geo.Destination(centre, 360*r.Float64(), 2500*r.Float64())
		at := t0.Add(time.Duration(r.IntN(24*60)) * time.Minute)
		lines = append(lines, Line{Report: fusion.Report{ID: fmt.Sprintf("c%05d", i), Kind: fusion.Allegation,
			Source: sources[r.IntN(len(sources))], Perpetrator: "side_b", Category: categories[r.IntN(len(categories))].name,
			PlacePrecision: fusion.PlaceExact, Lat: round(p.Lat, 5), Lon: round(p.Lon, 5), RadiusM: 1000,
			Start: at.Add(-15 * time.Minute), End: at.Add(15 * time.Minute), TimePrecision: fusion.TimeExact},
			TrueEvent: fmt.Sprintf("e%d", i/3)})
	}
	reports, truth := streamOf(t, lines)
	start := time.Now()
	assign := fuse(t, reports)
	m, err := fusion.Evaluate(assign, truth)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 reports in one cell on one day: %d groups in %v, pairwise precision %.3f", groups(assign), time.Since(start), m.PairPrecision)
}

// Malformed lines are refused with the line and the field named.
func TestMalformedLinesNamed(t *testing.T) {
	hdr := strings.Replace(header, `"reports":1`, `"reports":3`, 1)
	cases := []struct{ bad, line, field string }{
		{`{"id":"r2",`, "line 3", ""},
		{strings.Replace(good, `"r1"`, `"r2"`, 1)[:40], "line 3", ""},
		{strings.Replace(strings.Replace(good, `"r1"`, `"r2"`, 1), `"exact","lat"`, `"precise","lat"`, 1), "line 3", "place_precision"},
		{strings.Replace(strings.Replace(good, `"r1"`, `"r2"`, 1), `"time_precision":"exact"`, `"time_precision":"week"`, 1), "line 3", "time_precision"},
		{strings.Replace(strings.Replace(good, `"r1"`, `"r2"`, 1), `"lon":46.8`, `"lon":181`, 1), "line 3", "lon"},
		{strings.Replace(strings.Replace(good, `"r1"`, `"r2"`, 1), `"source":"side_a"`, `"source":""`, 1), "line 3", "source"},
		{strings.Replace(strings.Replace(good, `"r1"`, `"r2"`, 1), `"2021-01-01T10:30:00Z"`, `"2021-03-01T10:30:00Z"`, 1), "line 3", "end"},
		{`[1,2,3]`, "line 3", ""},
		{"\x00\xff", "line 3", ""},
	}
	for _, c := range cases {
		stream := hdr + "\n" + good + "\n" + c.bad + "\n" + strings.Replace(good, `"r1"`, `"r3"`, 1) + "\n"
		_, _, _, err := Read(strings.NewReader(stream))
		if err == nil {
			t.Errorf("%.50q: no error", c.bad)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.line+":") {
			t.Errorf("%.50q: %v, want it to start with %s", c.bad, err, c.line)
		}
		if c.field != "" && errs.FieldOf(err) != c.field {
			t.Errorf("%.50q: field %q, want %q (%v)", c.bad, errs.FieldOf(err), c.field, err)
		}
	}
}

// FuzzRead feeds whole streams to the reader: it either fails with an
// invalid-input error or returns as many reports as the header says.
func FuzzRead(f *testing.F) {
	f.Add([]byte(header + "\n" + good + "\n"))
	f.Add([]byte(strings.Replace(header, `"reports":1`, `"reports":0`, 1)))
	f.Add([]byte(header + "\n\n" + good))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, reports, truth, err := Read(bytes.NewReader(b))
		if err != nil {
			if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeConflict && c != errs.CodeTooLarge {
				t.Fatalf("error %v has code %s", err, c)
			}
			return
		}
		if len(reports) != h.Reports || (h.Truth && len(truth) != len(reports)) {
			t.Fatalf("header says %d, got %d reports, %d truth", h.Reports, len(reports), len(truth))
		}
		for _, r := range reports {
			if err := r.Validate(); err != nil {
				t.Fatalf("a report read is not valid: %v", err)
			}
		}
	})
}
