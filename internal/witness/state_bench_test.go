package witness

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkWriteFileDurably measures the durable write alone (temporary
// file, fsync, rename, fsync of the directory) with a state file's size,
// to tell the disk's share of add-checkpoint's latency from the witness's.
func BenchmarkWriteFileDurably(b *testing.B) {
	path := filepath.Join(b.TempDir(), "state")
	data := make([]byte, 400)
	latencies := make([]time.Duration, 0, b.N)
	for range b.N {
		start := time.Now()
		if err := writeFileDurably(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(start))
	}
	slices.Sort(latencies)
	at := func(q float64) float64 {
		return float64(latencies[int(q*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
}
