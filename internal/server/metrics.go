package server

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// metrics counts requests per route and status and their durations, and
// writes them in the Prometheus text exposition format. A hand-written
// exporter keeps the binary free of a metrics framework for a dozen series.
type metrics struct {
	mu       sync.Mutex
	requests map[reqKey]*reqStat
	started  time.Time
}

type reqKey struct {
	method, route string
	code          int
}

type reqStat struct {
	count   int64
	seconds float64
}

func newMetrics() *metrics {
	return &metrics{requests: map[reqKey]*reqStat{}, started: time.Now()}
}

func (m *metrics) observe(method, route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := reqKey{method, route, code}
	s := m.requests[k]
	if s == nil {
		s = &reqStat{}
		m.requests[k] = s
	}
	s.count++
	s.seconds += d.Seconds()
}

// gauge is a named value read at scrape time.
type gauge struct {
	name, help string
	value      func() float64
}

func (m *metrics) write(w io.Writer, gauges []gauge) {
	m.mu.Lock()
	keys := make([]reqKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.code < b.code
	})
	fmt.Fprintln(w, "# HELP truce_http_requests_total HTTP requests by route and status.")
	fmt.Fprintln(w, "# TYPE truce_http_requests_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "truce_http_requests_total{method=%q,route=%q,code=\"%d\"} %d\n", k.method, label(k.route), k.code, m.requests[k].count)
	}
	fmt.Fprintln(w, "# HELP truce_http_request_duration_seconds_total Time spent answering requests.")
	fmt.Fprintln(w, "# TYPE truce_http_request_duration_seconds_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "truce_http_request_duration_seconds_total{method=%q,route=%q,code=\"%d\"} %g\n", k.method, label(k.route), k.code, m.requests[k].seconds)
	}
	m.mu.Unlock()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	all := append([]gauge{
		{"truce_uptime_seconds", "Seconds since the server started.", func() float64 { return time.Since(m.started).Seconds() }},
		{"go_goroutines", "Goroutines.", func() float64 { return float64(runtime.NumGoroutine()) }},
		{"go_memstats_heap_alloc_bytes", "Heap bytes in use.", func() float64 { return float64(ms.HeapAlloc) }},
	}, gauges...)
	for _, g := range all {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", g.name, g.help, g.name, g.name, g.value())
	}
}

func label(s string) string { return strings.ReplaceAll(s, `"`, `'`) }
