package witness_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/witness"
)

// BenchmarkAddCheckpoint measures add-checkpoint as a log sees it: a POST
// over loopback (keep-alive) to a witness on 127.0.0.1:0, answered after
// the signature and proof checks, the cosignature and the durable write of
// the state (one slot of the state file overwritten, fdatasync). Each
// request adds one record to the log. Building the request (the log's
// signature, the proof) is not timed. Reports the latency's p50, p99 and
// maximum; the target is p99 < 5 ms.
//
//	go test ./internal/witness/ -run '^$' -bench AddCheckpoint -benchtime 5000x
func BenchmarkAddCheckpoint(b *testing.B) {
	l := newOtherLog(b, "example.org/bench-log", 1)
	w := startWitness(b, b.TempDir(), l.config())
	l.append(b, 1000)
	w.mustCosign(b, 0, nil, l.checkpoint(b, 1000))
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		old := l.size
		l.append(b, 1)
		req := body(old, l.proof(b, old, l.size), l.checkpoint(b, l.size))
		b.StartTimer()
		start := time.Now()
		a := w.post(b, req)
		latencies = append(latencies, time.Since(start))
		if a.status != http.StatusOK {
			b.Fatalf("add-checkpoint: %d %q", a.status, a.body)
		}
	}
	b.StopTimer()
	witness.ReportLatencies(b, latencies)
}
