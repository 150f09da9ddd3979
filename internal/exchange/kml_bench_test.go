package exchange

import (
	"bytes"
	"io"
	"testing"
)

// The writers' and readers' own cost per row, on the allegations table
// (44 columns, a point each), to io.Discard or from memory. Run:
// go test ./internal/exchange/ -run XXX -bench 'KML|ACLED|UCDP' -benchmem

func benchmarkWriter(b *testing.B, name string, newWriter func(io.Writer) Writer) {
	tb, _ := TableNamed(name)
	rows := []Row{sampleRow(tb, 1), sampleRow(tb, 2), sampleRow(tb, 3)}
	for i, c := range tb.Columns {
		for _, r := range rows {
			switch c.Name {
			case "category":
				r.Values[i] = "heavy_weapons_fire"
			case "time_precision":
				r.Values[i] = "day"
			}
		}
	}
	b.ReportAllocs()
	w := newWriter(io.Discard)
	if err := w.Begin(tb); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := w.Write(rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkKMLWriteAllegations(b *testing.B) {
	benchmarkWriter(b, TableAllegations, func(w io.Writer) Writer { return NewKMLWriter(w, "bench") })
}

func BenchmarkACLEDWriteAllegations(b *testing.B) {
	benchmarkWriter(b, TableAllegations, func(w io.Writer) Writer { return NewACLEDWriter(w, ACLEDOptions{}) })
}

func BenchmarkUCDPWriteAllegations(b *testing.B) {
	benchmarkWriter(b, TableAllegations, func(w io.Writer) Writer { return NewUCDPWriter(w, UCDPOptions{}) })
}

func BenchmarkKMLReadAllegations(b *testing.B) {
	tb, _ := TableNamed(TableAllegations)
	rows := make([]Row, 1000)
	for i := range rows {
		rows[i] = sampleRow(tb, i%20)
	}
	doc := writeKML(b, []Table{tb}, [][]Row{rows})
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	n := 0
	for range b.N {
		r := NewKMLReader(bytes.NewReader(doc), tb.Columns)
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkACLEDReadAllegations(b *testing.B) {
	tb, _ := TableNamed(TableAllegations)
	var file bytes.Buffer
	w := NewACLEDWriter(&file, ACLEDOptions{})
	w.Begin(tb)
	for i := range 1000 {
		r := sampleRow(tb, i%20)
		for j, c := range tb.Columns {
			switch c.Name {
			case "category":
				r.Values[j] = "heavy_weapons_fire"
			case "acled_event_type", "acled_sub_event_type":
				r.Values[j] = nil
			case "lat":
				r.Values[j] = 39.5
			case "lon":
				r.Values[j] = 46.5
			}
		}
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
	b.ReportAllocs()
	b.SetBytes(int64(file.Len()))
	b.ResetTimer()
	n := 0
	for range b.N {
		r, err := NewACLEDReader(bytes.NewReader(file.Bytes()), TableAllegations, ACLEDReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
