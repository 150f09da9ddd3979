package witness

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// The durable write of a log's state, three ways, with a state's size
// (about 600 bytes: a checkpoint, the log's signature, the cosignature):
//
//	go test ./internal/witness/ -run '^$' -bench 'WriteFileDurably|StateSave|FdatasyncCeiling' -benchtime 5000x -count 3

// BenchmarkWriteFileDurably is the write of version 1 states: a temporary
// file, fsync, rename over, fsync of the directory.
func BenchmarkWriteFileDurably(b *testing.B) {
	path := filepath.Join(b.TempDir(), "state")
	data := make([]byte, 600)
	latencies := make([]time.Duration, 0, b.N)
	for range b.N {
		start := time.Now()
		if err := writeFileDurably(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(start))
	}
	reportLatencies(b, latencies)
}

// BenchmarkStateSave is the write of a state now: the older of two slots
// overwritten in place, then fdatasync.
func BenchmarkStateSave(b *testing.B) {
	sf := &stateFile{path: filepath.Join(b.TempDir(), "state")}
	signed := make([]byte, 600-slotHeaderSize)
	if err := sf.save(signed); err != nil { // creates the file
		b.Fatal(err)
	}
	latencies := make([]time.Duration, 0, b.N)
	for i := range b.N {
		signed[0] = byte(i)
		start := time.Now()
		if err := sf.save(signed); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(start))
	}
	reportLatencies(b, latencies)
}

// BenchmarkFdatasyncCeiling is the floor under any durable write on this
// file system: 600 bytes written over the same allocated block of an open
// file, then fdatasync — no open, no checksum, no second slot.
func BenchmarkFdatasyncCeiling(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "ceiling"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	data := make([]byte, 600)
	if _, err := f.Write(data); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	latencies := make([]time.Duration, 0, b.N)
	for i := range b.N {
		data[0] = byte(i)
		start := time.Now()
		if _, err := f.WriteAt(data, 0); err != nil {
			b.Fatal(err)
		}
		if err := datasync(f); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(start))
	}
	reportLatencies(b, latencies)
}

// reportLatencies reports the p50, p99 and maximum of latencies in ms.
func reportLatencies(b *testing.B, latencies []time.Duration) {
	slices.Sort(latencies)
	at := func(q float64) float64 {
		return float64(latencies[int(q*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
}

// ReportLatencies is reportLatencies for the benchmarks of witness_test.
var ReportLatencies = reportLatencies
