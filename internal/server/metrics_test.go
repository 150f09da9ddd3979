package server_test

import (
	"bytes"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads /metrics as Prometheus does, with the text parser.
func (s *testServer) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	res := s.do("GET", "/metrics", "")
	if res.status != 200 {
		t.Fatalf("/metrics: %d %s", res.status, res.body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(res.body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, res.body)
	}
	return fams
}

// series finds the family's series with these label values.
func series(fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

func gauge(t *testing.T, fams map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	m := series(fams, name, nil)
	if m == nil || m.Gauge == nil {
		t.Fatalf("no gauge %s", name)
	}
	return m.Gauge.GetValue()
}

// Request durations are a histogram per route pattern and status; the
// log's size and append latency follow a write; /metrics keeps its rule
// (an account, any role).
func TestMetricsAreAPrometheusRegistry(t *testing.T) {
	s := start(t)
	if res := s.with("").do("GET", "/metrics", ""); res.status != 401 {
		t.Errorf("anonymous /metrics: %d, want 401", res.status)
	}
	org := s.loaded.Orgs["AZ"]
	for range 3 {
		if res := s.do("GET", "/api/v1/organisations/"+org, ""); res.status != 200 {
			t.Fatalf("read: %d %s", res.status, res.body)
		}
	}
	before := s.with("observer").scrape(t)

	if f := before["truce_http_request_duration_seconds"]; f == nil || f.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("truce_http_request_duration_seconds is not a histogram: %v", f)
	}
	h := series(before, "truce_http_request_duration_seconds", map[string]string{"method": "GET", "route": "/api/v1/organisations/{id}", "code": "200"})
	if h == nil {
		t.Fatal("no duration series for GET /api/v1/organisations/{id} 200 (labelled by the route's pattern)")
	}
	if got := h.Histogram.GetSampleCount(); got < 3 {
		t.Errorf("the histogram counted %d of the 3 reads", got)
	}
	if n := len(h.Histogram.Bucket); n < 5 || h.Histogram.Bucket[n-1].GetCumulativeCount() != h.Histogram.GetSampleCount() {
		t.Errorf("buckets: %v", h.Histogram.Bucket)
	}
	if series(before, "truce_http_request_duration_seconds", map[string]string{"route": "/api/v1/organisations/" + org}) != nil {
		t.Error("a raw path is a label value")
	}
	if v := gauge(t, before, "truce_http_requests_in_flight"); v < 1 {
		t.Errorf("in flight during the scrape: %v", v)
	}
	if v := gauge(t, before, "truce_log_checkpoint_age_seconds"); v < 0 {
		t.Errorf("checkpoint age %v", v)
	}
	if before["go_goroutines"] == nil || before["process_start_time_seconds"] == nil {
		t.Error("no Go runtime or process series")
	}
	appendsBefore := uint64(0)
	if m := series(before, "truce_log_append_duration_seconds", nil); m != nil {
		appendsBefore = m.Histogram.GetSampleCount()
	}

	res := s.with("cochair").do("POST", "/api/v1/organisations", `{"name":"Georgia","short_name":"Georgia","kind":"mediator","country":"GE"}`)
	if res.status != 201 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	after := s.with("observer").scrape(t)
	if a, b := gauge(t, after, "truce_log_size"), gauge(t, before, "truce_log_size"); a != b+1 {
		t.Errorf("truce_log_size went from %v to %v after one write", b, a)
	}
	m := series(after, "truce_log_append_duration_seconds", nil)
	if m == nil || m.Histogram.GetSampleCount() != appendsBefore+1 {
		t.Errorf("append latency did not count the write: %v", m)
	}
}
