package report_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/store"
)

// heavyDay adds to the demo, on the reporting day of 12 June 2021, 5,000
// incidents and 20,000 allegations (four per incident, both sides) and
// 2,000 observations, written straight as changes in batches: the
// benchmark measures the report, not the intake.
func heavyDay(b *testing.B) *fixture {
	b.Helper()
	f := open(b)
	ctx := context.Background()
	az, am, centre := f.loaded.Orgs["AZ"], f.loaded.Orgs["AM"], f.loaded.Orgs["JMC"]
	categories := []string{"small_arms_fire", "heavy_weapons_fire", "drone_or_air_strike", "forces_movement", "new_fortification"}
	base := time.Date(2021, 6, 11, 16, 0, 0, 0, time.UTC)
	actor := store.Actor{User: "bench", Via: "cli"}
	mission := access.Label{Classification: access.Mission, OwnerOrg: centre}
	for batch := 0; batch < 50; batch++ {
		_, err := f.app.DB.Write(ctx, func(tx *store.Tx) error {
			for i := batch * 100; i < (batch+1)*100; i++ {
				at := base.Add(time.Duration(i) * 16 * time.Second)
				pt := geo.Point{Lat: 39.7 + float64(i%50)*0.01, Lon: 46.7 + float64(i/50%50)*0.008}
				cat := categories[i%len(categories)]
				var members []string
				for k := 0; k < 4; k++ {
					side, against := az, am
					if k%2 == 1 {
						side, against = am, az
					}
					id := fmt.Sprintf("alg_bench%05d%d", i, k)
					members = append(members, id)
					if _, err := tx.Record(store.Change{Entity: incident.EntityAllegation, ID: id, Version: 1, Actor: actor, Body: incident.AllegationBody{
						SourceKind: incident.SourceSide, LodgedBy: side, OnBehalfOf: side, AllegedPerpetrator: against, Category: cat,
						Location: incident.Location{Point: pt, Precision: "exact", RadiusM: 100}, Time: incident.TimeSpan{Start: at, Precision: "exact"},
						Narrative: "Bench allegation.", Grading: incident.Grading{Reliability: "C", Credibility: 3}, Status: "lodged", LodgedAt: at,
						Label: access.Label{Classification: access.Mission, OwnerOrg: side}}}); err != nil {
						return err
					}
				}
				var obs []string
				if i%5 == 0 {
					id := fmt.Sprintf("obs_bench%05d", i)
					obs = append(obs, id)
					area := geo.Polygon{{Lat: pt.Lat, Lon: pt.Lon}, {Lat: pt.Lat + 0.01, Lon: pt.Lon}, {Lat: pt.Lat, Lon: pt.Lon + 0.01}}
					if _, err := tx.Record(store.Change{Entity: incident.EntityObservation, ID: id, Version: 1, Actor: actor, Body: incident.ObservationBody{
						Observer: incident.Observer{Kind: "post", Position: pt}, Kind: "impact", Count: 3, DistanceMinM: 500, DistanceMaxM: 2000, Perception: "heard",
						Time: incident.TimeSpan{Start: at, Precision: "exact"}, Area: area, Centre: pt, RecordedAt: at, Label: mission}}); err != nil {
						return err
					}
				}
				body := incident.IncidentBody{Title: fmt.Sprintf("Bench incident %d", i), Category: cat, Location: incident.PointRadius{Point: pt, RadiusM: 2000},
					Time: incident.TimeSpan{Start: at, Precision: "exact"}, Allegations: members, Observations: obs, Status: incident.Received,
					StatusHistory: []incident.StatusChange{{Status: incident.Received, At: at, By: "bench"}}, Label: mission}
				if i%3 == 0 {
					body.Status = incident.FindingMade
					body.Finding = &incident.Finding{Outcome: incident.Substantiated, Attribution: incident.AttributionBoth, Grading: incident.Grading{Reliability: "B", Credibility: 2}, Summary: "Bench."}
				}
				if _, err := tx.Record(store.Change{Entity: incident.EntityIncident, ID: fmt.Sprintf("inc_bench%05d", i), Version: 1, Actor: actor, Body: body}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return f
}

func benchDaily(b *testing.B, format string) {
	f := heavyDay(b)
	p := f.as(access.Analyst)
	req := report.Request{Kind: report.KindDaily, Date: "2021-06-12", Edition: report.EditionMission, Format: format}
	rep := f.generate(b, p, req)
	if len(rep.Workflow.Incidents) != 5000+0 && len(rep.Workflow.Incidents) < 5000 {
		b.Fatalf("%d incidents in the period", len(rep.Workflow.Incidents))
	}
	b.ResetTimer()
	defer cpuPerOp(b)()
	for b.Loop() {
		rep, err := f.app.Reports.Generate(context.Background(), p, req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := report.Draft(rep, format, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDailyHTML: generate and render the daily report of a day with
// 5,000 incidents and 20,000 allegations (target: under 1 s).
func BenchmarkDailyHTML(b *testing.B) { benchDaily(b, report.FormatHTML) }

// BenchmarkDailyPDF: the same as a PDF (target: under 3 s).
func BenchmarkDailyPDF(b *testing.B) { benchDaily(b, report.FormatPDF) }

// BenchmarkImplementation: the implementation report of the 2020
// statement as a PDF (target: under 200 ms).
func BenchmarkImplementation(b *testing.B) {
	f := open(b)
	req := report.Request{Kind: report.KindImplementation, Agreement: f.loaded.Agreement, Date: "2021-06-12", Edition: report.EditionPublic, Format: report.FormatPDF}
	defer cpuPerOp(b)()
	for b.Loop() {
		rep, err := f.app.Reports.Generate(context.Background(), access.Anonymous, req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := report.Draft(rep, report.FormatPDF, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuPerOp reports the process's CPU time (user and system) per operation
// beside the wall time: on a shared machine the wall time measures the
// neighbours too.
func cpuPerOp(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}
