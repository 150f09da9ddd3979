package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/truce-monitoring/truce/internal/witnessclient"
)

// metrics are the server's Prometheus series, in a registry of its own
// (two servers in one process, as in the tests, keep theirs apart):
// request durations by route pattern and status, requests in flight, the
// change log's size, append latency and checkpoint age, the witnesses'
// state, and the Go runtime's and the process's own.
type metrics struct {
	reg      *prometheus.Registry
	handler  http.Handler
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	appends  prometheus.Histogram
	appended prometheus.Counter
	logSize  prometheus.Gauge
	cpSize   prometheus.Gauge
	cpAge    prometheus.Gauge
}

// appendObserver is the store's hook for append latency (store.DB.OnWrite).
type appendObserver interface {
	OnWrite(func(took time.Duration, changes int))
}

func newMetrics(db Ledger, witnesses *witnessclient.Service, now func() time.Time) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "truce_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route (the ServeMux pattern, \"unmatched\" for none) and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "truce_http_requests_in_flight", Help: "HTTP requests being answered."}),
		appends: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "truce_log_append_duration_seconds",
			Help: "Time from a write's call to its changes being durable in the log (group commit's wait included).",
			// 0.5 ms to about 8 s: an fsync on a fast disk to a stalled one.
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 15),
		}),
		appended: prometheus.NewCounter(prometheus.CounterOpts{Name: "truce_log_appended_changes_total", Help: "Changes this process appended to the log."}),
		logSize:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "truce_log_size", Help: "Changes in the log (its entries), read at scrape time."}),
		cpSize:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "truce_log_checkpoint_size", Help: "Tree size of the latest signed checkpoint."}),
		cpAge:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "truce_log_checkpoint_age_seconds", Help: "Seconds since the latest checkpoint was signed."}),
	}
	m.reg.MustRegister(m.duration, m.inFlight, m.appends, m.appended, m.logSize, m.cpSize, m.cpAge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if witnesses != nil {
		m.reg.MustRegister(&witnessCollector{w: witnesses, now: now})
	}
	if o, ok := db.(appendObserver); ok {
		o.OnWrite(func(took time.Duration, changes int) {
			m.appends.Observe(took.Seconds())
			m.appended.Add(float64(changes))
		})
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// begin counts a request in flight; the returned func ends it with its
// status, under its route pattern.
func (m *metrics) begin(method, route string) func(code int) {
	m.inFlight.Inc()
	start := time.Now()
	return func(code int) {
		m.inFlight.Dec()
		m.duration.WithLabelValues(methodLabel(method), route, strconv.Itoa(code)).Observe(time.Since(start).Seconds())
	}
}

// methodLabel keeps a client's made-up method out of the label values.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// metricsHandler reads the log's size and latest checkpoint, then writes
// every series in the Prometheus exposition format.
func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if size, err := s.Ledger.LogSize(ctx); err == nil {
		s.metrics.logSize.Set(float64(size))
	} else {
		s.Log.WarnContext(ctx, "metrics: log size", "err", err)
	}
	if cp, err := s.Ledger.LatestCheckpoint(ctx); err == nil {
		s.metrics.cpSize.Set(float64(cp.Size))
		s.metrics.cpAge.Set(max(0, s.API.Now().Sub(cp.At).Seconds()))
	} else {
		s.Log.WarnContext(ctx, "metrics: latest checkpoint", "err", err)
	}
	s.metrics.handler.ServeHTTP(w, r)
}

// witnessCollector reads the witnesses' state at each scrape.
type witnessCollector struct {
	w   *witnessclient.Service
	now func() time.Time
}

var (
	witnessLabel      = []string{"witness"}
	witnessCosigned   = prometheus.NewDesc("truce_witness_cosigned_size", "Tree size of the latest checkpoint the witness cosigned (-1: none).", witnessLabel, nil)
	witnessCosignAge  = prometheus.NewDesc("truce_witness_cosigned_age_seconds", "Seconds since the witness's latest cosignature (absent: none yet).", witnessLabel, nil)
	witnessRefused    = prometheus.NewDesc("truce_witness_refused", "1 when the witness's last answer refused the log's checkpoint (an alarm: a rewritten log or a split view).", witnessLabel, nil)
	witnessRefusals   = prometheus.NewDesc("truce_witness_refusals_total", "Refusals by the witness since the server started.", witnessLabel, nil)
	witnessFailures   = prometheus.NewDesc("truce_witness_failures_total", "Failed submissions to the witness (refusals included) since the server started.", witnessLabel, nil)
	witnessContact    = prometheus.NewDesc("truce_witness_last_contact_timestamp_seconds", "When the witness last answered (Unix time; 0: never).", witnessLabel, nil)
	logPublishedSize  = prometheus.NewDesc("truce_log_published_size", "Tree size of the latest checkpoint whose cosignatures meet the witness policy (-1: none).", nil, nil)
	witnessCollectors = []*prometheus.Desc{witnessCosigned, witnessCosignAge, witnessRefused, witnessRefusals, witnessFailures, witnessContact, logPublishedSize}
)

func (c *witnessCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range witnessCollectors {
		ch <- d
	}
}

func (c *witnessCollector) Collect(ch chan<- prometheus.Metric) {
	sts, published := c.w.Metrics()
	now := c.now()
	for _, st := range sts {
		ch <- prometheus.MustNewConstMetric(witnessCosigned, prometheus.GaugeValue, float64(st.CosignedSize), st.Name)
		if !st.CosignedAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(witnessCosignAge, prometheus.GaugeValue, max(0, now.Sub(st.CosignedAt).Seconds()), st.Name)
		}
		refused := 0.0
		if st.Refused {
			refused = 1
		}
		ch <- prometheus.MustNewConstMetric(witnessRefused, prometheus.GaugeValue, refused, st.Name)
		ch <- prometheus.MustNewConstMetric(witnessRefusals, prometheus.CounterValue, float64(st.Refusals), st.Name)
		ch <- prometheus.MustNewConstMetric(witnessFailures, prometheus.CounterValue, float64(st.Failures), st.Name)
		contact := 0.0
		if !st.LastContact.IsZero() {
			contact = float64(st.LastContact.Unix())
		}
		ch <- prometheus.MustNewConstMetric(witnessContact, prometheus.GaugeValue, contact, st.Name)
	}
	ch <- prometheus.MustNewConstMetric(logPublishedSize, prometheus.GaugeValue, float64(published))
}
