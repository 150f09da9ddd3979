package exchange

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// writeAllegationsCSV writes n allegations of side in the columns of the
// allegations export.
func writeAllegationsCSV(w io.Writer, n int, side, other string) error {
	if _, err := fmt.Fprintln(w, "external_id,source_kind,on_behalf_of,alleged_perpetrator,category,start,end,time_precision,lat,lon,location_precision,narrative"); err != nil {
		return err
	}
	for i := range n {
		lat, lon := 39.6+float64(i%997)/2500, 46.6+float64(i%991)/2500
		if _, err := fmt.Fprintf(w, "X-%d,side,%s,%s,small_arms_fire,2021-02-%02dT%02d:10:00Z,,exact,%.5f,%.5f,exact,Shots reported (row %d).\n",
			i, side, other, 1+i%28, i%24, lat, lon, i); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkImportAllegationsCSV imports b.N allegations from a CSV file
// through the change log, every row a logged change:
//
//	go test -run '^$' -bench ImportAllegationsCSV -benchtime 100000x ./internal/exchange/
//
// write is all or nothing: the whole file in one transaction;
// write_partial (--partial) commits each chunk of ImportChunk rows on its
// own, which is what the single transaction costs or saves. dry_run is
// the first pass alone: reading, the domain's checks, the look-ups of
// known external ids and of the organisations named.
func BenchmarkImportAllegationsCSV(b *testing.B) {
	b.Run("write", func(b *testing.B) { benchmarkImport(b, ImportOptions{}) })
	b.Run("write_partial", func(b *testing.B) { benchmarkImport(b, ImportOptions{Partial: true}) })
	b.Run("dry_run", func(b *testing.B) { benchmarkImport(b, ImportOptions{DryRun: true}) })
}

func benchmarkImport(b *testing.B, opt ImportOptions) {
	f := newFixture(b)
	path := filepath.Join(b.TempDir(), "allegations.csv")
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := writeAllegationsCSV(out, b.N, f.sideA, f.sideB); err != nil {
		b.Fatal(err)
	}
	out.Close()
	in, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	b.ResetTimer()
	res, err := f.s.ImportAllegations(context.Background(), f.liaisonA, NewCSVReader(in, f.allegationsTable),
		ImportOptions{File: "allegations.csv", SHA256: sum("x"), DryRun: opt.DryRun, Partial: opt.Partial})
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if res.Created != b.N {
		b.Fatalf("%+v", res)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
