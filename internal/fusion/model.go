package fusion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
)

// ModelVersion is the schema version of Model.
const ModelVersion = 1

// Model is what a mission's noise looks like, learned from data: the
// stored, versioned form of the fuser's weights. It is JSON-serialisable
// and validated by Check. Empty maps and zero fields mean "as the hand-set
// defaults say" (DefaultParams), so a model fitted on little data changes
// only what the data speaks to.
type Model struct {
	Version int `json:"version"` // schema version of this struct, 1

	// LocationErrM is, per place precision (exact, near, district,
	// region), the standard deviation in metres of a report's place from
	// its event along each axis. A precision not listed is read as the
	// report says: half its radius.
	LocationErrM map[string]float64 `json:"location_err_m,omitempty"`
	// TimeErrMin is, per time precision, how far off a report's time is
	// in minutes: for "exact" the standard deviation of the reading; for
	// "window" and "day" the slack added at both ends of a window.
	TimeErrMin map[string]float64 `json:"time_err_min,omitempty"`
	// CategoryShare is the share of reports in each category.
	CategoryShare map[string]float64 `json:"category_share,omitempty"`
	// Confusion[a][b] is the probability that, when one report of an event
	// says a, another report of the same event says b. Rows sum to at
	// most 1. Pairs not listed score as DefaultParams says.
	Confusion map[string]map[string]float64 `json:"confusion,omitempty"`
	// SourceRate is, per kind of report (allegation, observation, media),
	// how many reports of that kind a reported event has on average.
	SourceRate map[string]float64 `json:"source_rate,omitempty"`
	// CopyRate is the share of media reports citing a party that give the
	// very place of the party's claim (they copied it).
	CopyRate float64 `json:"copy_rate"`
	// Relation log-likelihood ratios: how much likelier a mutual
	// accusation, an observation agreeing with an allegation, a media
	// report citing the alleging party, and a media report copying the
	// claim's place are between two reports of one event than between two
	// reports of different events.
	MutualLLR      float64 `json:"mutual_llr"`
	ObservationLLR float64 `json:"observation_llr"`
	CitesLLR       float64 `json:"cites_llr"`
	CopyLLR        float64 `json:"copy_llr"`
	// Prior is the log prior odds that a report and a candidate incident
	// nearby are one event (Params.Prior).
	Prior float64 `json:"prior"`
	// Margin is the log odds a report's best incident must have over
	// standing alone and every rival together before the batch joins it
	// (Params.AmbiguityLogOdds): below it the report is left alone and its
	// alternatives go to the review queue.
	Margin float64 `json:"margin"`

	Fitted FitInfo `json:"fitted"` // reports seen, labelled pairs used, iterations, log-likelihood
}

// FitInfo says what a model was fitted on.
type FitInfo struct {
	Reports    int     `json:"reports"`
	Labels     int     `json:"labels"`
	Iterations int     `json:"iterations"`
	LogLik     float64 `json:"log_lik"` // mean log-likelihood ratio of the pairs grouped, per pair
}

// Label is a reviewer's decision about two reports: the same event or not.
type Label struct {
	A    string `json:"a"`
	B    string `json:"b"`
	Same bool   `json:"same"`
}

var placePrecisions = []string{PlaceExact, PlaceNear, PlaceDistrict, PlaceRegion}
var timePrecisions = []string{TimeExact, TimeWindow, TimeDay}
var reportKinds = []string{string(Allegation), string(Observation), string(Media)}

// maxLLR bounds every log-likelihood ratio a model may carry.
const maxLLR = 20

// Check says whether m can be used. Errors name the field.
func (m Model) Check() error {
	if m.Version != ModelVersion {
		return errs.Invalid("version", "model version must be %d, got %d", ModelVersion, m.Version)
	}
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	for _, k := range sortedKeys(m.LocationErrM) {
		v := m.LocationErrM[k]
		if !slices.Contains(placePrecisions, k) {
			return errs.Invalid("location_err_m."+k, "unknown place precision %q (want exact, near, district or region)", k)
		}
		if bad(v) || v <= 0 || v > MaxRadiusM {
			return errs.Invalid("location_err_m."+k, "a location error must be in (0, %d] metres, got %v", MaxRadiusM, v)
		}
	}
	for _, k := range sortedKeys(m.TimeErrMin) {
		v := m.TimeErrMin[k]
		if !slices.Contains(timePrecisions, k) {
			return errs.Invalid("time_err_min."+k, "unknown time precision %q (want exact, window or day)", k)
		}
		if bad(v) || v < 0 || v > 31*24*60 {
			return errs.Invalid("time_err_min."+k, "a time error must be in [0, 44640] minutes, got %v", v)
		}
	}
	prob := func(field string, v float64) error {
		if bad(v) || v < 0 || v > 1 {
			return errs.Invalid(field, "a probability must be in [0, 1], got %v", v)
		}
		return nil
	}
	sum := 0.0
	for _, k := range sortedKeys(m.CategoryShare) {
		if err := prob("category_share."+k, m.CategoryShare[k]); err != nil {
			return err
		}
		sum += m.CategoryShare[k]
	}
	if sum > 1+1e-6 {
		return errs.Invalid("category_share", "shares sum to %v, more than 1", sum)
	}
	for _, a := range sortedKeys(m.Confusion) {
		row, sum := m.Confusion[a], 0.0
		for _, b := range sortedKeys(row) {
			if err := prob("confusion."+a+"."+b, row[b]); err != nil {
				return err
			}
			sum += row[b]
		}
		if sum > 1+1e-6 {
			return errs.Invalid("confusion."+a, "probabilities sum to %v, more than 1", sum)
		}
	}
	for _, k := range sortedKeys(m.SourceRate) {
		v := m.SourceRate[k]
		if !slices.Contains(reportKinds, k) {
			return errs.Invalid("source_rate."+k, "unknown kind %q (want allegation, observation or media)", k)
		}
		if bad(v) || v < 0 || v > 1000 {
			return errs.Invalid("source_rate."+k, "a rate must be in [0, 1000] reports per event, got %v", v)
		}
	}
	if err := prob("copy_rate", m.CopyRate); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"mutual_llr", m.MutualLLR}, {"observation_llr", m.ObservationLLR}, {"cites_llr", m.CitesLLR}, {"copy_llr", m.CopyLLR}, {"prior", m.Prior}, {"margin", m.Margin}} {
		if bad(f.v) || math.Abs(f.v) > maxLLR {
			return errs.Invalid(f.name, "must be a number in [-%d, %d], got %v", maxLLR, maxLLR, f.v)
		}
	}
	for _, c := range []struct {
		field string
		n     int
	}{{"fitted.reports", m.Fitted.Reports}, {"fitted.labels", m.Fitted.Labels}, {"fitted.iterations", m.Fitted.Iterations}} {
		if c.n < 0 {
			return errs.Invalid(c.field, "may not be negative, got %d", c.n)
		}
	}
	if bad(m.Fitted.LogLik) {
		return errs.Invalid("fitted.log_lik", "must be a number, got %v", m.Fitted.LogLik)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// DecodeModel reads a model from JSON strictly (an unknown field, trailing
// data or a wrong type is an error) and checks it.
func DecodeModel(b []byte) (Model, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Model
	if err := dec.Decode(&m); err != nil {
		return Model{}, errs.Invalid("model", "not a model: %v", err)
	}
	if dec.More() {
		return Model{}, errs.Invalid("model", "trailing data after the model")
	}
	if err := m.Check(); err != nil {
		return Model{}, err
	}
	return m, nil
}

// DefaultModel is the model before any data: the hand-set parameters of
// DefaultParams expressed as a Model (places and times read as the
// reports state them).
func DefaultModel() Model {
	p := DefaultParams()
	return Model{
		Version:        ModelVersion,
		MutualLLR:      p.MutualBonus,
		ObservationLLR: p.ObservationBonus,
		CitesLLR:       p.CitesBonus,
		CopyLLR:        p.CopyBonus,
		Prior:          p.Prior,
		Margin:         p.AmbiguityLogOdds,
	}
}

// Params turns a model into the engine's parameters. m should have passed
// Check.
func (m Model) Params() Params {
	p := DefaultParams()
	p.MutualBonus, p.ObservationBonus, p.CitesBonus, p.CopyBonus = m.MutualLLR, m.ObservationLLR, m.CitesLLR, m.CopyLLR
	p.Prior, p.AmbiguityLogOdds = m.Prior, m.Margin
	if len(m.LocationErrM) > 0 {
		p.PlaceSigmaKm = map[string]float64{}
		for k, v := range m.LocationErrM {
			p.PlaceSigmaKm[k] = v / 1000
		}
	}
	if v, ok := m.TimeErrMin[TimeExact]; ok && v > 0 {
		p.ExactTimeSigmaMin = v
	}
	for _, k := range []string{TimeWindow, TimeDay} {
		if v, ok := m.TimeErrMin[k]; ok {
			if p.TimeSlackByPrecision == nil {
				p.TimeSlackByPrecision = map[string]float64{}
			}
			p.TimeSlackByPrecision[k] = v
		}
	}
	if len(m.Confusion) > 0 && len(m.CategoryShare) > 0 {
		p.CategoryLLR = map[string]map[string]float64{}
		for a, row := range m.Confusion {
			for b, pr := range row {
				share := m.CategoryShare[b]
				if share <= 0 || a == "unknown" || b == "unknown" {
					continue
				}
				llr := math.Log(max(pr, 1e-4) / share)
				llr = min(max(llr, -maxLLR), maxLLR)
				if p.CategoryLLR[a] == nil {
					p.CategoryLLR[a] = map[string]float64{}
				}
				p.CategoryLLR[a][b] = llr
			}
		}
	}
	return p
}

// Describe says the model in words for analysts, one sentence per
// parameter, in a language ("en"; others fall back to English until
// translated).
func (m Model) Describe(lang string) []string {
	_ = lang
	var out []string
	names := map[string]string{PlaceExact: "Exact places", PlaceNear: "Places given as near a named place", PlaceDistrict: "Places given as a district", PlaceRegion: "Places given as a region"}
	for _, k := range placePrecisions {
		if v, ok := m.LocationErrM[k]; ok {
			// 1.18 σ is the median distance of a 2-D Gaussian error.
			out = append(out, fmt.Sprintf("%s are off by about %s.", names[k], distance(1.1774*v)))
		}
	}
	if len(m.LocationErrM) == 0 {
		out = append(out, "Places are taken to be as precise as each report says.")
	}
	if v, ok := m.TimeErrMin[TimeExact]; ok {
		out = append(out, fmt.Sprintf("Exact times are off by about %s.", minutes(0.6745*v)))
	}
	if v, ok := m.TimeErrMin[TimeWindow]; ok {
		out = append(out, fmt.Sprintf("Time windows are widened by %s at each end.", minutes(v)))
	}
	if v, ok := m.TimeErrMin[TimeDay]; ok {
		out = append(out, fmt.Sprintf("Whole days are widened by %s at each end.", minutes(v)))
	}
	for _, a := range sortedKeys(m.Confusion) {
		same := m.Confusion[a][a]
		if same > 0 {
			out = append(out, fmt.Sprintf("When one report says %s, another report of the same event says so too %.0f%% of the time.", strings.ReplaceAll(a, "_", " "), 100*same))
		}
	}
	for _, k := range reportKinds {
		if v, ok := m.SourceRate[k]; ok {
			out = append(out, fmt.Sprintf("A reported event has on average %.2f %s reports.", v, k))
		}
	}
	if m.CopyRate > 0 {
		out = append(out, fmt.Sprintf("%.0f%% of media reports citing a party copy the place of its claim.", 100*m.CopyRate))
	}
	out = append(out,
		fmt.Sprintf("A mutual accusation makes one event %s as likely.", times(m.MutualLLR)),
		fmt.Sprintf("A monitors' observation agreeing with an allegation makes one event %s as likely.", times(m.ObservationLLR)),
		fmt.Sprintf("A media report citing the alleging party makes one event %s as likely.", times(m.CitesLLR)),
		fmt.Sprintf("A report is grouped only when its incident is at least %s as likely as standing alone and every other incident together; otherwise it is left alone and the alternatives are shown for review.", times(m.Margin)),
	)
	if m.Fitted.Reports > 0 {
		out = append(out, fmt.Sprintf("Fitted on %d reports and %d reviewed pairs in %d rounds.", m.Fitted.Reports, m.Fitted.Labels, m.Fitted.Iterations))
	} else {
		out = append(out, "These are the hand-set defaults; no data has been fitted yet.")
	}
	return out
}

func distance(m float64) string {
	if m < 1000 {
		return fmt.Sprintf("%.0f m", math.Round(m/10)*10)
	}
	return fmt.Sprintf("%.1f km", m/1000)
}

func minutes(v float64) string {
	if v < 90 {
		return fmt.Sprintf("%.0f min", v)
	}
	return fmt.Sprintf("%.1f h", v/60)
}

func times(llr float64) string {
	return fmt.Sprintf("%.1f times", math.Exp(llr))
}
