package exchange

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/geo"
)

// allegationLike is a table shaped like an allegations export: a point
// and sixteen columns of every type.
var allegationLike = Table{Name: "allegations", Title: "Allegations", Geometry: geo.TypePoint, Columns: []Column{
	{Name: "id", Type: Text}, {Name: "external_id", Type: Text}, {Name: "side", Type: Text},
	{Name: "reported_at", Type: DateTime}, {Name: "event_date", Type: Date}, {Name: "category", Type: Text},
	{Name: "place", Type: Text}, {Name: "admin1", Type: Text}, {Name: "latitude", Type: Real},
	{Name: "longitude", Type: Real}, {Name: "status", Type: Text}, {Name: "summary", Type: Text},
	{Name: "fatalities", Type: Integer}, {Name: "injured", Type: Integer}, {Name: "verified", Type: Bool},
	{Name: "source", Type: Text},
}}

func allegationRow(i int, r *Row, p *geo.Point) {
	t := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	p.Lat, p.Lon = 39+float64(i%1000)/1000, 46+float64(i%997)/997
	g := geo.PointGeometry(*p)
	r.Geom = &g
	r.Values = append(r.Values[:0],
		fmt.Sprintf("al-%07d", i), fmt.Sprintf("ext-%07d", i), []string{"az", "am"}[i%2],
		t, t.Truncate(24*time.Hour), "shelling", "Lachin", "Lachin district", p.Lat, p.Lon, "reported",
		"Artillery fire reported near the corridor's 12th kilometre; two houses damaged, no injuries.",
		int64(i%3), int64(i%5), i%7 == 0, "liaison report")
}

// BenchmarkGPKGWriteAllegations writes b.N allegation-like rows to a
// GeoPackage file (spatial index included) and reports rows/s and the heap
// in use at the end. For the figure:
//
//	go test ./internal/exchange/ -run '^$' -bench GPKGWrite -benchtime 1000000x
func BenchmarkGPKGWriteAllegations(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.gpkg")
	w, err := CreateGPKG(path, GPKGOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Begin(allegationLike); err != nil {
		b.Fatal(err)
	}
	var r Row
	var p geo.Point
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := range b.N {
		allegationRow(i, &r, &p)
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	// On a shared machine the wall clock measures the neighbours too: the
	// process's own CPU time (all threads, GC included) says what one
	// core does.
	b.ReportMetric(float64(b.N)/(cpuSeconds()-cpu0), "rows/cpu-s")
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MiB")
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/float64(b.N), "file-B/row")
	}
}

// cpuSeconds returns the user and system CPU time of the process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkGPKGRead reads b.N allegation-like rows back.
func BenchmarkGPKGRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.gpkg")
	w, err := CreateGPKG(path, GPKGOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Begin(allegationLike); err != nil {
		b.Fatal(err)
	}
	var row Row
	var p geo.Point
	for i := range b.N {
		allegationRow(i, &row, &p)
		if err := w.Write(row); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	b.ResetTimer()
	r, err := OpenGPKG(path, GPKGReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for range b.N {
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.N)/(cpuSeconds()-cpu0), "rows/cpu-s")
}
