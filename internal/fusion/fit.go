package fusion

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/truce-monitoring/truce/internal/errs"
)

// FitRounds is how many rounds of expectation–maximisation Fit runs: group
// with the current model, re-estimate the model from the groups.
const FitRounds = 2

// minFitPairs is how many pairs a statistic needs before Fit replaces the
// starting model's value with its estimate.
const minFitPairs = 30

// Fit estimates a Model from reports (and labels, possibly none), starting
// from start.
//
// Each round groups the reports with the current model (the batch), takes
// the pairs of reports inside the groups of two to maxFitGroup reports as
// "same event", and re-estimates from them: the location error per place
// precision (from the median distance between pairs, which the few wrong
// pairs do not drag), the error of exact times, how categories are
// confused, how often mutual accusations, observations agreeing with
// allegations and media citing a party occur between reports of one event
// compared with any two reports of the stream, and how many reports of
// each kind an event has. Labelled "same" pairs (the reviewers'
// decisions), where there are at least minFitPairs for a statistic, are
// used in place of the groups' pairs, which the model's own choices bias.
//
// A report named in any label counts as reviewed: its pairs not labelled
// "same" are taken as different events. With labels, Fit then picks the
// prior and the margin that make the batch agree best with the reviewed
// pairs (F1 over them, precision at least 0.8 where any setting reaches
// it).
func Fit(ctx context.Context, reports []Report, labels []Label, start Model) (Model, error) {
	if err := start.Check(); err != nil {
		return Model{}, errs.Prefix("start", err)
	}
	byID := make(map[string]int32, len(reports))
	for i := range reports {
		if err := reports[i].Validate(); err != nil {
			return Model{}, errs.Prefix("reports["+itoa(i)+"]", err)
		}
		if _, dup := byID[reports[i].ID]; dup {
			return Model{}, errs.Invalid("reports["+itoa(i)+"].id", "report %q appears twice", reports[i].ID)
		}
		byID[reports[i].ID] = int32(i)
	}
	lab := make([][2]int32, 0, len(labels))
	same := make([]bool, 0, len(labels))
	for i, l := range labels {
		a, okA := byID[l.A]
		b, okB := byID[l.B]
		switch {
		case !okA:
			return Model{}, errs.Invalid("labels["+itoa(i)+"].a", "no report %q in the stream", l.A)
		case !okB:
			return Model{}, errs.Invalid("labels["+itoa(i)+"].b", "no report %q in the stream", l.B)
		case a == b:
			return Model{}, errs.Invalid("labels["+itoa(i)+"].b", "a report cannot be labelled against itself")
		}
		lab = append(lab, [2]int32{a, b})
		same = append(same, l.Same)
	}
	m := start
	var info FitInfo
	for round := range FitRounds {
		if err := ctx.Err(); err != nil {
			return Model{}, err
		}
		assign, err := Batch(reports, m.Params())
		if err != nil {
			return Model{}, err
		}
		st := collect(reports, assign, lab, same)
		m = st.estimate(m)
		info.Iterations = round + 1
		info.LogLik = st.logLik(m)
	}
	if len(lab) > 0 {
		var err error
		if m, err = tuneOnLabels(ctx, reports, lab, same, m); err != nil {
			return Model{}, err
		}
	}
	info.Reports, info.Labels = len(reports), len(labels)
	m.Fitted = info
	m.Version = ModelVersion
	if err := m.Check(); err != nil { // an estimate out of range is a bug, not the data's fault
		return Model{}, errs.Prefix("fitted", err)
	}
	return m, nil
}

// maxFitGroup is the largest group whose pairs Fit learns from: a big
// group at high density is more likely to hold wrong pairs.
const maxFitGroup = 6

type pairSample struct{ a, b int32 }

type fitStats struct {
	reports []Report
	pairs   []pairSample // same-event pairs from the groups
	labels  []pairSample // same-event pairs from the reviewers
	groups  int          // groups of the batch
}

func collect(reports []Report, assign []int, lab [][2]int32, same []bool) *fitStats {
	st := &fitStats{reports: reports}
	members := map[int][]int32{}
	for i, g := range assign {
		members[g] = append(members[g], int32(i))
	}
	st.groups = len(members)
	keys := make([]int, 0, len(members))
	for g := range members {
		keys = append(keys, g)
	}
	slices.Sort(keys)
	for _, g := range keys {
		ms := members[g]
		if len(ms) < 2 || len(ms) > maxFitGroup {
			continue
		}
		for i := range ms {
			for j := i + 1; j < len(ms); j++ {
				st.pairs = append(st.pairs, pairSample{ms[i], ms[j]})
			}
		}
	}
	for i, p := range lab {
		if same[i] {
			st.labels = append(st.labels, pairSample{p[0], p[1]})
		}
	}
	return st
}

// pick returns the labelled pairs that f accepts when there are enough of
// them, else the groups' pairs that f accepts.
func (st *fitStats) pick(f func(a, b *Report) bool) []pairSample {
	var out []pairSample
	for _, p := range st.labels {
		if f(&st.reports[p.a], &st.reports[p.b]) {
			out = append(out, p)
		}
	}
	if len(out) >= minFitPairs {
		return out
	}
	out = out[:0]
	for _, p := range st.pairs {
		if f(&st.reports[p.a], &st.reports[p.b]) {
			out = append(out, p)
		}
	}
	return out
}

func isMutual(a, b *Report) bool {
	return a.Kind == Allegation && b.Kind == Allegation && a.Perpetrator == b.Source && b.Perpetrator == a.Source
}

func flatDistKm(a, b *Report) float64 {
	const kmPerDeg = earthKm * math.Pi / 180
	dy := (a.Lat - b.Lat) * kmPerDeg
	dx := (a.Lon - b.Lon) * kmPerDeg * math.Cos((a.Lat+b.Lat)/2*math.Pi/180)
	return math.Hypot(dx, dy)
}

func midMin(r *Report) float64 {
	return float64(r.Start.Unix()+r.End.Unix()) / 120
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// estimate re-estimates m's parameters from the pairs; a parameter with
// too few pairs keeps its value in m.
func (st *fitStats) estimate(m Model) Model {
	m = cloneModel(m)
	// Location: for a 2-D Gaussian error with variance v per axis on each
	// report, the squared distance between two reports of one event is
	// 2(vA+vB) χ²₂/2, whose median is 2(vA+vB) ln 2.
	pairVar := func(pa, pb string) (float64, bool) {
		ps := st.pick(func(a, b *Report) bool {
			// Media copy places, mutual accusations name each side's
			// own ground, sectors have their own geometry: none of them
			// measures a place's error.
			return !isMutual(a, b) && a.Observer == nil && b.Observer == nil && a.Kind != Media && b.Kind != Media &&
				(a.PlacePrecision == pa && b.PlacePrecision == pb || a.PlacePrecision == pb && b.PlacePrecision == pa)
		})
		if len(ps) < minFitPairs {
			return 0, false
		}
		d2 := make([]float64, len(ps))
		for i, p := range ps {
			d := flatDistKm(&st.reports[p.a], &st.reports[p.b])
			d2[i] = d * d
		}
		return median(d2) / (2 * math.Ln2), true
	}
	vExact, okExact := pairVar(PlaceExact, PlaceExact)
	if okExact {
		vExact /= 2
		setLoc(&m, PlaceExact, vExact)
	}
	for _, p := range placePrecisions[1:] {
		if okExact {
			if v, ok := pairVar(p, PlaceExact); ok && v > vExact {
				setLoc(&m, p, v-vExact)
				continue
			}
		}
		if v, ok := pairVar(p, p); ok {
			setLoc(&m, p, v/2)
		}
	}
	// Exact times: the difference of two readings has variance 2σ²; the
	// median of its square is 0.455 of that.
	ts := st.pick(func(a, b *Report) bool { return a.TimePrecision == TimeExact && b.TimePrecision == TimeExact })
	if len(ts) >= minFitPairs {
		d2 := make([]float64, len(ts))
		for i, p := range ts {
			d := midMin(&st.reports[p.a]) - midMin(&st.reports[p.b])
			d2[i] = d * d
		}
		v := median(d2) / 0.4549 / 2
		if m.TimeErrMin == nil {
			m.TimeErrMin = map[string]float64{}
		}
		m.TimeErrMin[TimeExact] = math.Min(math.Max(math.Sqrt(v), 0.5), 24*60)
	}
	// Categories: shares over all reports, confusion over the pairs.
	share := map[string]float64{}
	for i := range st.reports {
		share[st.reports[i].Category]++
	}
	for k := range share {
		share[k] /= float64(len(st.reports))
	}
	cs := st.pick(func(a, b *Report) bool { return true })
	if len(cs) >= minFitPairs {
		counts := map[string]map[string]float64{}
		add := func(a, b string) {
			if counts[a] == nil {
				counts[a] = map[string]float64{}
			}
			counts[a][b]++
		}
		for _, p := range cs {
			a, b := st.reports[p.a].Category, st.reports[p.b].Category
			add(a, b)
			add(b, a)
		}
		conf := map[string]map[string]float64{}
		for a, row := range counts {
			n := 0.0
			for _, c := range row {
				n += c
			}
			if n < 10 {
				continue
			}
			// Smoothed toward the shares, with the weight of two pairs,
			// so a pair never seen is unlikely, not impossible.
			const alpha = 2
			conf[a] = map[string]float64{}
			for b, sh := range share {
				conf[a][b] = (row[b] + alpha*sh) / (n + alpha)
			}
		}
		m.CategoryShare, m.Confusion = share, conf
	}
	// The relation bonuses (mutual accusations, observations agreeing
	// with allegations, media citing and copying) keep their starting
	// values: the batch's own groups follow its current weights, so
	// regressing on them returns what the weights already say, and a
	// logistic regression on reviewed pairs, tried, was unstable at the
	// hundreds of pairs 5% of reviews give (see BENCHMARKS.md).
	// Media copying: the share of media pairs with their cited claim that
	// give its very place.
	var cited, copied float64
	for _, p := range st.pick(func(a, b *Report) bool {
		return a.Kind == Media && b.Kind == Allegation && a.Cites == b.Source || b.Kind == Media && a.Kind == Allegation && b.Cites == a.Source
	}) {
		a, b := &st.reports[p.a], &st.reports[p.b]
		cited++
		if a.Lat == b.Lat && a.Lon == b.Lon && a.RadiusM == b.RadiusM {
			copied++
		}
	}
	if cited >= 10 {
		m.CopyRate = copied / cited
	}
	// Reports of each kind per group (an event, as far as the batch knows).
	if st.groups > 0 {
		m.SourceRate = map[string]float64{}
		for i := range st.reports {
			m.SourceRate[string(st.reports[i].Kind)]++
		}
		for k := range m.SourceRate {
			m.SourceRate[k] /= float64(st.groups)
		}
	}
	return m
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

func setLoc(m *Model, prec string, v float64) {
	if m.LocationErrM == nil {
		m.LocationErrM = map[string]float64{}
	}
	// Never below 10 m nor above the largest radius a report may have.
	m.LocationErrM[prec] = math.Min(math.Max(1000*math.Sqrt(v), 10), MaxRadiusM/2)
}

func cloneModel(m Model) Model {
	cp := func(x map[string]float64) map[string]float64 {
		if x == nil {
			return nil
		}
		y := make(map[string]float64, len(x))
		for k, v := range x {
			y[k] = v
		}
		return y
	}
	m.LocationErrM, m.TimeErrMin, m.CategoryShare, m.SourceRate = cp(m.LocationErrM), cp(m.TimeErrMin), cp(m.CategoryShare), cp(m.SourceRate)
	if m.Confusion != nil {
		c := make(map[string]map[string]float64, len(m.Confusion))
		for k, row := range m.Confusion {
			c[k] = cp(row)
		}
		m.Confusion = c
	}
	return m
}

// logLik is the mean pair score, under m, of the groups' pairs.
func (st *fitStats) logLik(m Model) float64 {
	if len(st.pairs) == 0 {
		return 0
	}
	e := NewEngine(m.Params())
	total := 0.0
	n := 0
	for _, p := range st.pairs {
		a, errA := e.compile(&st.reports[p.a])
		b, errB := e.compile(&st.reports[p.b])
		if errA != nil || errB != nil {
			continue
		}
		if t := e.pair(&a, &b); t.ok {
			total += t.base() + t.relation
			n++
		}
		e.sectors = e.sectors[:0]
	}
	if n == 0 {
		return 0
	}
	return total / float64(n)
}

// tuneOnLabels picks the prior and the margin whose batch agrees best with
// the reviewed pairs.
func tuneOnLabels(ctx context.Context, reports []Report, lab [][2]int32, same []bool, m Model) (Model, error) {
	reviewed := map[int32]bool{}
	truePairs := map[[2]int32]bool{}
	for i, p := range lab {
		reviewed[p[0]], reviewed[p[1]] = true, true
		if same[i] {
			truePairs[[2]int32{min(p[0], p[1]), max(p[0], p[1])}] = true
		}
	}
	rev := make([]int32, 0, len(reviewed))
	for r := range reviewed {
		rev = append(rev, r)
	}
	slices.Sort(rev)
	type trial struct {
		prior, margin, p, f1 float64
	}
	var trials []trial
	for _, dp := range []float64{-1, 0, 1} {
		for _, margin := range []float64{0, 1, 2, 3} { // below 0 a report joins a group no likelier than its rivals
			if err := ctx.Err(); err != nil {
				return m, err
			}
			try := m
			try.Prior = math.Max(-maxLLR, math.Min(maxLLR, m.Prior+dp))
			try.Margin = margin
			assign, err := Batch(reports, try.Params())
			if err != nil {
				return m, err
			}
			members := map[int][]int32{}
			for i, g := range assign {
				members[g] = append(members[g], int32(i))
			}
			var tp, fp float64
			for _, r := range rev {
				for _, x := range members[assign[r]] {
					if x == r || (reviewed[x] && x < r) { // count a pair of two reviewed reports once
						continue
					}
					if truePairs[[2]int32{min(r, x), max(r, x)}] {
						tp++
					} else {
						fp++
					}
				}
			}
			p := ratio(tp, tp+fp)
			rc := ratio(tp, float64(len(truePairs)))
			trials = append(trials, trial{try.Prior, margin, p, f1(p, rc)})
		}
	}
	slices.SortStableFunc(trials, func(a, b trial) int {
		if ap, bp := a.p >= 0.8, b.p >= 0.8; ap != bp {
			if ap {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.f1, a.f1)
	})
	m.Prior, m.Margin = trials[0].prior, trials[0].margin
	return m, nil
}
