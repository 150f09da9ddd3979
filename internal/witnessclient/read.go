package witnessclient

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// MayReadStatus reports whether p may read the witnesses' state: the
// centre's admins and co-chairs, who act on an alarm.
func MayReadStatus(p access.Principal) bool {
	return p.Authenticated() && p.Has(access.Admin, access.CoChair)
}

// Status returns each witness's state, in the order configured, to an
// admin or a co-chair; none when the centre has no witness (s is nil).
func (s *Service) Status(ctx context.Context, p access.Principal) ([]Status, error) {
	if !MayReadStatus(p) {
		return nil, errs.Forbidden("only admins and co-chairs read the witnesses' state")
	}
	if s == nil {
		return nil, nil
	}
	return s.statuses(), nil
}

// Alarms returns the witnesses whose last answer was a refusal, for the
// banner an admin or a co-chair sees on every page; nothing for anyone
// else.
func (s *Service) Alarms(ctx context.Context, p access.Principal) []Status {
	if s == nil || !MayReadStatus(p) {
		return nil
	}
	var out []Status
	for _, st := range s.statuses() {
		if st.Refused {
			out = append(out, st)
		}
	}
	return out
}

// CosignedBy returns, per witness, the cosignature of the first
// checkpoint that includes change seq, by witness name. Cosignatures are
// public (the log serves them); the caller has already let p read the
// change.
func (s *Service) CosignedBy(ctx context.Context, p access.Principal, seq int64) ([]store.Cosignature, error) {
	if s == nil {
		return nil, nil
	}
	return s.db.FirstCosignatures(ctx, seq)
}

// WriteMetrics writes the witnesses' series in the Prometheus text format.
func (s *Service) WriteMetrics(w io.Writer) {
	sts := s.statuses()
	series := []struct {
		name, help, typ string
		value           func(Status) float64
	}{
		{"truce_witness_cosigned_size", "Tree size of the latest checkpoint the witness cosigned (-1: none).", "gauge", func(st Status) float64 { return float64(st.CosignedSize) }},
		{"truce_witness_refused", "1 when the witness's last answer refused the log's checkpoint (an alarm: a rewritten log or a split view).", "gauge", func(st Status) float64 { return b2f(st.Refused) }},
		{"truce_witness_refusals_total", "Refusals by the witness since the server started.", "counter", func(st Status) float64 { return float64(st.Refusals) }},
		{"truce_witness_failures_total", "Failed submissions to the witness (refusals included) since the server started.", "counter", func(st Status) float64 { return float64(st.Failures) }},
		{"truce_witness_last_contact_timestamp_seconds", "When the witness last answered (Unix time; 0: never).", "gauge", func(st Status) float64 {
			if st.LastContact.IsZero() {
				return 0
			}
			return float64(st.LastContact.Unix())
		}},
	}
	for _, m := range series {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", m.name, m.help, m.name, m.typ)
		for _, st := range sts {
			fmt.Fprintf(w, "%s{witness=%q} %g\n", m.name, strings.ReplaceAll(st.Name, `"`, `'`), m.value(st))
		}
	}
	fmt.Fprintf(w, "# HELP truce_log_published_size Tree size of the latest checkpoint whose cosignatures meet the witness policy (-1: none).\n# TYPE truce_log_published_size gauge\ntruce_log_published_size %d\n", s.published.Load())
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
