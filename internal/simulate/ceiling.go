package simulate

import (
	"cmp"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/geo"
)

// CeilingResult is what an ideal fuser could reach on a generated stream:
// one that knows where, when and what every true event was (reported or
// not) and the generator's noise model, and assigns each report to the
// event its likelihood favours. No fuser that sees only the reports can
// know the events, so this is an upper bound in spirit (it is not a proof:
// the greedy assignment below is not the optimal one for pairwise F1).
type CeilingResult struct {
	Reports       int     `json:"reports"`
	Events        int     `json:"events"` // distinct true events among the reports (false reports count alone)
	Days          int     `json:"days"`
	ReportsPerDay float64 `json:"reports_per_day"`
	// Top1 is the share of reports about a real event whose likeliest
	// event is their own.
	Top1 float64 `json:"top1"`
	// Threshold is the posterior below which a report is left alone,
	// chosen among a few for the best pairwise F1.
	Threshold float64 `json:"threshold"`
	Seconds   float64 `json:"seconds"`
	fusion.Metrics
}

// ceilingThresholds are the posterior cut-offs tried.
var ceilingThresholds = []float64{0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95}

// Ceiling generates the stream cfg describes and measures the ceiling of
// fusion on it (see CeilingResult). What the likelihood assumes, beyond
// the noise model in docs/stream-format.md:
//   - reports are scored independently given the events, except that an
//     event takes at most one report per source and three non-media
//     sources (as the generator does);
//   - a side's reference point across the line is averaged over three
//     offsets; the 3% of windows and days that miss the event get the
//     shift's spread but no finer model; a media report is scored as an
//     allegation by the party it cites, not linked to the allegation it
//     copies;
//   - a false allegation's likelihood is taken as 8% of the summed
//     likelihood of the true events round it (false allegations are drawn
//     where and when events are).
func Ceiling(cfg Config) (CeilingResult, error) {
	t0 := time.Now()
	gens, w, err := generate(cfg)
	if err != nil {
		return CeilingResult{}, err
	}
	m := newModel(w)
	scores := make([]reportScore, len(gens))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for k := range workers {
		wg.Go(func() {
			for i := k; i < len(gens); i += workers {
				scores[i] = m.score(&gens[i].Report)
			}
		})
	}
	wg.Wait()
	truth := make([]string, len(gens))
	real, top1 := 0, 0
	for i, g := range gens {
		truth[i] = g.TrueEvent
		if strings.HasPrefix(g.TrueEvent, "e") {
			real++
			if s := scores[i]; s.n > 0 && w.events[s.top[0].ev].id == g.TrueEvent {
				top1++
			}
		}
	}
	res := CeilingResult{Reports: len(gens), Days: w.cfg.Days, ReportsPerDay: float64(len(gens)) / float64(w.cfg.Days)}
	res.Top1 = float64(top1) / float64(max(real, 1))
	res.PairF1 = -1
	for _, tau := range ceilingThresholds {
		assign := assignEvents(gens, scores, tau)
		met, err := fusion.Evaluate(assign, truth)
		if err != nil {
			return CeilingResult{}, err
		}
		if met.PairF1 > res.PairF1 {
			res.Metrics, res.Threshold = met, tau
		}
	}
	events := map[string]struct{}{}
	for _, t := range truth {
		events[t] = struct{}{}
	}
	res.Events = len(events)
	res.Seconds = time.Since(t0).Seconds()
	return res, nil
}

// assignEvents puts reports, most certain first, into the likeliest event
// that has no report from the same source yet and fewer than three
// non-media sources; a report whose posterior there is below tau stays
// alone. It returns a group number per report.
func assignEvents(gens []Generated, scores []reportScore, tau float64) []int {
	order := make([]int32, len(gens))
	for i := range order {
		order[i] = int32(i)
	}
	post := func(i int32, k int) float64 { return math.Exp(scores[i].top[k].logL - scores[i].logSum) }
	best := make([]float64, len(gens))
	for i := range best {
		best[i] = -1
		if scores[i].n > 0 {
			best[i] = post(int32(i), 0)
		}
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(best[b], best[a]) })
	type taken struct {
		sources []string
		direct  int
	}
	held := map[int32]*taken{}
	assign := make([]int, len(gens))
	next := len(gens) // group numbers of reports left alone start past every event index
	for _, i := range order {
		r := &gens[i].Report
		assign[i] = -1
		for k := range scores[i].n {
			if post(i, k) < tau {
				break
			}
			ev := scores[i].top[k].ev
			h := held[ev]
			if h == nil {
				h = &taken{}
				held[ev] = h
			}
			if slices.Contains(h.sources, r.Source) || (r.Kind != fusion.Media && h.direct >= 3) {
				continue
			}
			h.sources = append(h.sources, r.Source)
			if r.Kind != fusion.Media {
				h.direct++
			}
			assign[i] = int(ev)
			break
		}
		if assign[i] < 0 {
			assign[i] = next
			next++
		}
	}
	return assign
}

// ceilingTop is how many candidate events a report keeps for the
// assignment.
const ceilingTop = 4

type candidateEvent struct {
	ev   int32
	logL float64
}

// reportScore holds a report's likeliest events and the log of the summed
// likelihood of all hypotheses (every event, and none for an allegation).
type reportScore struct {
	top    [ceilingTop]candidateEvent
	n      int
	logSum float64
}

// evc is an event compiled for scoring.
type evc struct {
	lat, lon, cosLat float64 // degrees
	s, off           float64 // km along and off the line
	t                float64 // minutes since the stream's start
	cat              int8
	perp             string
	near             [2][]villageChance // by side (0 A, 1 B): villages it may be said to be near
	noVillage        [2]float64         // by side: chance no village is within 10 km of the reference
	// across is, by side, the mean reference point of that side's claims
	// when the event is across the line; sinH, cosH the line's heading.
	across     [2]geoPt
	sinH, cosH float64
	// phantom marks a draw of the false-allegation process: an event that
	// did not happen, alleged by side phantomSide.
	phantom     bool
	phantomSide string
}

type villageChance struct {
	v int32
	p float64
}

type model struct {
	w     *world
	evs   []evc // the true events, then the phantoms
	nReal int
	// logPhantomWeight turns a phantom's likelihood into its share of
	// the false-allegation rate: expected false allegations / phantoms.
	logPhantomWeight float64
	// bins hold the events by stretches of binKm along the line, each
	// sorted by time, with their times beside them.
	bins     [][]int32
	binTimes [][]float64
	villages map[string]int32
	posts    map[string]int32
	district map[string][2]int // name -> bin, sign
	region   map[string][2]int
	cats     map[string]int8
	catP     [8][8]float64 // reported | true, by the category() draw
}

const kmPerDeg = 111.195

func flatKm(lat1, lon1, lat2, lon2, cosLat float64) float64 {
	dy := (lat1 - lat2) * kmPerDeg
	dx := (lon1 - lon2) * kmPerDeg * cosLat
	return math.Hypot(dx, dy)
}

func newModel(w *world) *model {
	m := &model{w: w, villages: map[string]int32{}, posts: map[string]int32{}, district: map[string][2]int{}, region: map[string][2]int{}, cats: map[string]int8{}}
	for i, c := range categories {
		m.cats[c.name] = int8(i)
	}
	nz := w.cfg.Noise
	for ti, tc := range categories {
		nb := neighbours[tc.name]
		for ri, rc := range categories {
			p := (1 - nz.CategoryRight) * 0.2 / float64(len(categories))
			if ri == ti {
				p += nz.CategoryRight
			}
			if slices.Contains(nb, rc.name) {
				p += (1 - nz.CategoryRight) * 0.8 / float64(len(nb))
			}
			m.catP[ti][ri] = p
		}
	}
	for i, v := range w.villages {
		m.villages[v.name] = int32(i)
	}
	for i, p := range w.posts {
		m.posts[p.name] = int32(i)
	}
	for k, d := range w.districts {
		m.district[d.name] = [2]int{k[0], k[1]}
	}
	for k, r := range w.regions {
		m.region[r.name] = [2]int{k[0], k[1]}
	}
	phantoms, weight := m.phantoms()
	m.logPhantomWeight = math.Log(weight)
	m.nReal = len(w.events)
	m.evs = make([]evc, len(w.events)+len(phantoms))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for k := range workers {
		wg.Go(func() {
			for i := k; i < len(m.evs); i += workers {
				if i < m.nReal {
					m.evs[i] = m.compileEvent(&w.events[i])
					continue
				}
				ph := &phantoms[i-m.nReal]
				m.evs[i] = m.compileEvent(ph)
				m.evs[i].phantom, m.evs[i].phantomSide = true, other(ph.perp)
			}
		})
	}
	wg.Wait()
	nb := int(w.cfg.LineKm/binKm) + 1
	m.bins = make([][]int32, nb)
	m.binTimes = make([][]float64, nb)
	for i := range m.evs {
		k := m.binOf(m.evs[i].s)
		m.bins[k] = append(m.bins[k], int32(i))
	}
	for k, evs := range m.bins {
		slices.SortFunc(evs, func(a, b int32) int { return cmp.Compare(m.evs[a].t, m.evs[b].t) })
		m.binTimes[k] = make([]float64, len(evs))
		for j, e := range evs {
			m.binTimes[k][j] = m.evs[e].t
		}
	}
	return m
}

// phantoms draws events of the false-allegation process (where, when and
// on which side false allegations are placed), many more than there are
// false allegations so that their summed likelihood is smooth, and
// returns them with the weight that makes that sum the expected rate of
// false allegations. They come from a random stream of their own.
func (m *model) phantoms() ([]event, float64) {
	w := m.w
	trueAllegations := 0
	for _, g := range w.out {
		if g.r.Kind == fusion.Allegation && strings.HasPrefix(g.truth, "e") {
			trueAllegations++
		}
	}
	expected := w.cfg.Noise.FalseAllegations * float64(trueAllegations)
	n := max(20_000, int(4*expected))
	pw := *w
	pw.rng = rand.New(rand.NewPCG(uint64(w.cfg.Seed), 0x7068616e746f6d))
	out := make([]event, n)
	for i := range out {
		day, s, _ := pw.where()
		side := SideA
		if pw.rng.Float64() < 0.5 {
			side = SideB
		}
		off := sideSign(side) * (0.2 + 5*pw.rng.Float64())
		out[i] = event{perp: other(side), s: s, off: off, pt: w.ln.at(s, off), at: pw.when(day)}
	}
	return out, math.Max(expected, 1e-9) / float64(n)
}

// falseCategories is the category mix of false allegations.
var falseCategories = map[string]float64{"shelling": 0.4, "small_arms": 0.35, "exchange_of_fire": 0.15, "heavy_machine_gun": 0.1}

// refOffsets are the offsets (km) at which a side's reference point across
// the line is taken: the middles of thirds of the generator's 0.3–2.5 km.
var refOffsets = [3]float64{0.3 + 2.2/6, 0.3 + 2.2/2, 0.3 + 2.2*5/6}

func (m *model) compileEvent(ev *event) evc {
	c := evc{lat: ev.pt.Lat, lon: ev.pt.Lon, cosLat: math.Cos(ev.pt.Lat * math.Pi / 180), s: ev.s, off: ev.off,
		t: ev.at.Sub(m.w.cfg.Start).Minutes(), cat: m.cats[ev.cat], perp: ev.perp}
	i := min(int(ev.s/m.w.ln.stepKm), len(m.w.ln.pts)-2)
	c.sinH, c.cosH = math.Sincos(m.w.ln.heading[i] * math.Pi / 180)
	for side := range 2 {
		sign := 1.0 - 2*float64(side)
		p := m.w.ln.at(ev.s, sign*(0.3+2.2/2))
		c.across[side] = geoPt{p.Lat, p.Lon}
		var refs []geoPt
		if sign*ev.off > 0 {
			refs = []geoPt{{ev.pt.Lat, ev.pt.Lon}}
		} else {
			for _, o := range refOffsets {
				p := m.w.ln.at(ev.s, sign*o)
				refs = append(refs, geoPt{p.Lat, p.Lon})
			}
		}
		share := 1 / float64(len(refs))
		acc := map[int32]float64{}
		for _, ref := range refs {
			lo := villageFrom(m.w.villages, ev.s-13)
			var near []int32
			best, bestD := int32(-1), math.Inf(1)
			for i := lo; i < len(m.w.villages) && m.w.villages[i].s <= ev.s+13; i++ {
				v := m.w.villages[i].pt
				if d := flatKm(ref.lat, ref.lon, v.Lat, v.Lon, c.cosLat); d <= 10 {
					near = append(near, int32(i))
					if d < bestD {
						best, bestD = int32(i), d
					}
				}
			}
			if len(near) == 0 {
				c.noVillage[side] += share
				continue
			}
			var far []int32
			if m.w.cfg.Noise.NearFar > 0 {
				for _, v := range near {
					if p := m.w.villages[v].pt; flatKm(ref.lat, ref.lon, p.Lat, p.Lon, c.cosLat) >= 5 {
						far = append(far, v)
					}
				}
			}
			keep := 1.0
			if len(far) > 0 {
				keep = 1 - m.w.cfg.Noise.NearFar
				for _, v := range far {
					acc[v] += share * m.w.cfg.Noise.NearFar / float64(len(far))
				}
			}
			for _, v := range near {
				p := 0.45 / float64(len(near))
				if v == best {
					p += 0.55
				}
				acc[v] += share * keep * p
			}
		}
		for v, p := range acc {
			c.near[side] = append(c.near[side], villageChance{v, p})
		}
	}
	return c
}

// binKm is the stretch of line an event bin covers.
const binKm = 10.0

func (m *model) binOf(s float64) int {
	return max(0, min(len(m.bins)-1, int(s/binKm)))
}

// reach returns the stretch of line [s0, s1] (km) within which the event
// a report is about must lie.
func (m *model) reach(q *reportQuery) (s0, s1 float64) {
	r := q.r
	switch {
	case r.Kind == fusion.Observation:
		if i, ok := m.posts[r.Source]; ok {
			s := m.w.posts[i].s
			return s - 12, s + 12
		}
	case r.PlacePrecision == fusion.PlaceDistrict && q.known:
		return float64(q.bin[0]) * districtKm, float64(q.bin[0]+1) * districtKm
	case r.PlacePrecision == fusion.PlaceRegion && q.known:
		return float64(q.bin[0]) * regionKm, float64(q.bin[0]+1) * regionKm
	case r.PlacePrecision == fusion.PlaceNear && q.village >= 0:
		// The village is within 10 km of the reference point, which is
		// within 13 km along the line of the event.
		s := m.w.villages[q.village].s
		return s - 25, s + 25
	case r.PlacePrecision == fusion.PlaceExact:
		// The nearest vertex of the line; the reference point is within
		// a few km of the event.
		best, bestD := 0, math.Inf(1)
		cosLat := math.Cos(r.Lat * math.Pi / 180)
		for i, p := range m.w.ln.pts {
			if d := flatKm(r.Lat, r.Lon, p.Lat, p.Lon, cosLat); d < bestD {
				best, bestD = i, d
			}
		}
		s := float64(best) * m.w.ln.stepKm
		return s - bestD - 20, s + bestD + 20
	}
	return math.Inf(-1), math.Inf(1)
}

type geoPt struct{ lat, lon float64 }

// villageFrom is the index of the first village at or past s km.
func villageFrom(vs []place, s float64) int {
	lo, _ := slices.BinarySearchFunc(vs, s, func(v place, s float64) int { return cmp.Compare(v.s, s) })
	return lo
}

// exactPlace is the log density of an exact place d km from the point
// referred to: a half-normal distance of scale sigma in a random direction,
// mixed with the heavy tail with weight tail.
func exactPlace(d, sigma, tail float64) float64 {
	l := math.Log(2) + logNormalPDF(d, sigma) - math.Log(2*math.Pi*d)
	if tail > 0 {
		l = logAdd(math.Log(1-tail)+l, math.Log(tail*tailPDF(d)/(2*math.Pi*d)))
	}
	return l
}

func logNormalPDF(z, sigma float64) float64 {
	return -0.5*z*z/(sigma*sigma) - math.Log(sigma*math.Sqrt(2*math.Pi))
}

// score computes the likelihood of r under every event that could have
// produced it.
func (m *model) score(r *fusion.Report) reportScore {
	var sc reportScore
	start := r.Start.Sub(m.w.cfg.Start).Minutes()
	end := r.End.Sub(m.w.cfg.Start).Minutes()
	var lo, hi float64
	switch {
	case r.Kind == fusion.Observation:
		lo, hi = start-5, end+5
	case r.TimePrecision == fusion.TimeExact:
		lo, hi = start-25, end+25
	case r.TimePrecision == fusion.TimeWindow:
		l := end - start
		lo, hi = start-l/2-125, end+l/2+125
	default:
		lo, hi = start-1440-180, end+180
	}
	q := m.query(r, start, end)
	s0, s1 := m.reach(&q)
	sum := math.Inf(-1)
	for k := m.binOf(math.Max(s0, 0)); k <= m.binOf(math.Min(s1, m.w.cfg.LineKm)); k++ {
		times := m.binTimes[k]
		i0, _ := slices.BinarySearch(times, lo)
		for i := i0; i < len(times) && times[i] <= hi; i++ {
			ev := m.bins[k][i]
			l := m.logLikelihood(&q, &m.evs[ev])
			if math.IsInf(l, -1) {
				continue
			}
			if int(ev) >= m.nReal {
				sum = logAdd(sum, l+m.logPhantomWeight)
				continue
			}
			sum = logAdd(sum, l)
			sc.insert(candidateEvent{ev, l})
		}
	}
	sc.logSum = sum
	return sc
}

func (sc *reportScore) insert(c candidateEvent) {
	k := sc.n
	if k == ceilingTop {
		if c.logL <= sc.top[k-1].logL {
			return
		}
		k--
	} else {
		sc.n++
	}
	for k > 0 && sc.top[k-1].logL < c.logL {
		sc.top[k] = sc.top[k-1]
		k--
	}
	sc.top[k] = c
}

func logAdd(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

var negInf = math.Inf(-1)

// reportQuery is a report with what scoring needs looked up once.
type reportQuery struct {
	r          *fusion.Report
	start, end float64 // minutes since the stream's start
	side       int     // the party that alleges (or is cited): 0 side A, 1 side B
	sign       float64 // +1 side A, -1 side B
	party      string
	cat        int8  // -1 when not a generated category
	village    int32 // named village, -1 when none
	bin        [2]int
	known      bool // the named district or region exists
}

func (m *model) query(r *fusion.Report, start, end float64) reportQuery {
	q := reportQuery{r: r, start: start, end: end, sign: 1, party: SideA, cat: -1, village: -1}
	if r.Source == SideB || r.Cites == SideB {
		q.side, q.sign, q.party = 1, -1, SideB
	}
	if c, ok := m.cats[r.Category]; ok {
		q.cat = c
	}
	if v, ok := m.villages[r.Place]; ok {
		q.village = v
	}
	switch r.PlacePrecision {
	case fusion.PlaceDistrict:
		q.bin, q.known = m.district[r.Place]
	case fusion.PlaceRegion:
		q.bin, q.known = m.region[r.Place]
	}
	return q
}

// logLikelihood is the log of how likely event e is to produce report
// q.r (up to a factor that depends on the report alone).
func (m *model) logLikelihood(q *reportQuery, e *evc) float64 {
	r, start, end := q.r, q.start, q.end
	if r.Kind == fusion.Observation {
		return m.observation(r, e, start)
	}
	nz := m.w.cfg.Noise
	side, sign, party := q.side, q.sign, q.party
	firing := e.cat < 6 // categories before movement_of_forces
	var pSource float64
	counter := false
	switch {
	case e.phantom:
		if r.Kind != fusion.Allegation || e.phantomSide != party {
			return negInf
		}
		pSource = 1
	case e.perp == "both":
		pSource = nz.VictimReports
	case e.perp != party && firing:
		pSource = nz.VictimReports
	case e.perp != party:
		pSource = nz.VictimReports * 0.6
	case firing:
		pSource, counter = nz.CounterReports, true
	default:
		return negInf
	}
	l := math.Log(pSource)
	// Place.
	onGround := sign*e.off > 0
	switch r.PlacePrecision {
	case fusion.PlaceExact:
		if onGround {
			d := math.Max(flatKm(r.Lat, r.Lon, e.lat, e.lon, e.cosLat), 0.02)
			sigma := nz.ExactPlaceErrM / 1000 * math.Sqrt2
			l += exactPlace(d, sigma, nz.PlaceTail)
		} else {
			if flatKm(r.Lat, r.Lon, e.lat, e.lon, e.cosLat) > 25 {
				return negInf
			}
			mean := e.across[side]
			dy := (r.Lat - mean.lat) * kmPerDeg
			dx := (r.Lon - mean.lon) * kmPerDeg * e.cosLat
			sh, ch := e.sinH, e.cosH
			along := dx*sh + dy*ch
			across := dx*ch - dy*sh
			v := nz.ExactPlaceErrM * nz.ExactPlaceErrM / 1e6
			g := logNormalPDF(along, math.Sqrt(0.25+v)) + logNormalPDF(across, math.Sqrt(2.2*2.2/12+v))
			if t := nz.PlaceTail; t > 0 {
				d := math.Max(math.Hypot(along, across), 0.02)
				g = logAdd(math.Log(1-t)+g, math.Log(t*tailPDF(d)/(2*math.Pi*d)))
			}
			l += g
		}
	case fusion.PlaceNear:
		v := q.village
		p := 0.0
		for _, vc := range e.near[side] {
			if vc.v == v {
				p = vc.p
				break
			}
		}
		if p == 0 {
			return negInf
		}
		l += math.Log(p)
	case fusion.PlaceDistrict:
		if d := q.bin; !q.known || d[0] != int(e.s/districtKm) || d[1] != int(sign) {
			return negInf
		}
		nv := e.noVillage[side]
		p := 0.15 + 0.5*nv
		if r.Kind == fusion.Media {
			p += 0.45 * (0.3 + 0.5*(1-nv))
		}
		l += math.Log(p)
	case fusion.PlaceRegion:
		if g := q.bin; !q.known || g[0] != int(e.s/regionKm) || g[1] != int(sign) {
			return negInf
		}
	default:
		return negInf
	}
	// Time.
	t := e.t
	switch r.TimePrecision {
	case fusion.TimeExact:
		c := (start+end)/2 + 0.5
		l += logNormalPDF(c-t, math.Sqrt(nz.ExactTimeErrMin*nz.ExactTimeErrMin+1.0/12))
	case fusion.TimeWindow:
		p := windowChance(start, end, t, nz.WrongTime)
		if p == 0 {
			return negInf
		}
		l += math.Log(p)
	default:
		day := start
		p := 0.0
		switch {
		case t >= day && t < day+1440:
			p = 1 - nz.WrongTime
		case t >= day-1440 && t < day:
			p = nz.WrongTime
		}
		if r.Kind == fusion.Media && (t >= day-180 && t < day+1440+180) {
			p += 0.02 // a claimed window's middle may fall the other side of midnight
		}
		if p == 0 {
			return negInf
		}
		l += math.Log(p)
	}
	// Category.
	if e.phantom {
		return l + math.Log(falseCategories[r.Category])
	}
	if rc := q.cat; rc >= 0 {
		p := m.catP[e.cat][rc]
		if counter {
			p *= 0.5
			if r.Category == "exchange_of_fire" {
				p += 0.5
			}
		}
		if r.Kind == fusion.Media {
			// A tenth of media reports redraw the category from the claim's.
			redraw := 0.0
			for c := range categories {
				pc := m.catP[e.cat][c]
				if counter {
					pc *= 0.5
					if categories[c].name == "exchange_of_fire" {
						pc += 0.5
					}
				}
				redraw += pc * m.catP[c][rc]
			}
			p = 0.9*p + 0.1*redraw
		}
		l += math.Log(p)
	}
	return l
}

// windowChance is the probability that a window of whole hours [start,
// end] (minutes) is written for an event at t: the start is drawn
// uniformly within a length L before t and cut to the hour; with chance
// wrong the window is shifted by L/2 plus 0.5–2 h either way.
func windowChance(start, end, t, wrong float64) float64 {
	lengths := [...]float64{60, 120, 180, 240, 360}
	// overlap is P(trunc_hour(t - U·L) = a).
	overlap := func(a, l float64) float64 {
		lo, hi := math.Max(a, t-l), math.Min(a+60, t)
		return math.Max(0, hi-lo) / l
	}
	p := 0.0
	for _, l := range lengths {
		e := start + l
		if e < t {
			e = math.Floor(t/60)*60 + 60
		}
		if e == end {
			p += (1 - wrong) / 5 * overlap(start, l)
		}
	}
	l := end - start
	for _, dir := range []float64{1, -1} {
		// The unshifted start a0 is a whole hour and the shift dir·(start -
		// a0) a whole number of minutes in [l/2+30, l/2+120], uniform over 90.
		for a0 := math.Floor((start-l/2-180)/60) * 60; a0 <= start+l/2+180; a0 += 60 {
			if s := dir * (start - a0); s >= l/2+30 && s < l/2+120 {
				p += wrong / 5 / 2 / 90 * overlap(a0, l)
			}
		}
	}
	return p
}

// observation is the likelihood of an observation report under event e.
func (m *model) observation(r *fusion.Report, e *evc, start float64) float64 {
	pi, ok := m.posts[r.Source]
	if !ok || r.Observer == nil {
		return negInf
	}
	post := m.w.posts[pi].pt
	d := geo.Distance(post, geo.Point{Lat: e.lat, Lon: e.lon}) / 1000
	firing := e.cat < 6
	earshot := earshotKm(categories[e.cat].name)
	pSeen := 0.0
	if d <= 3 {
		pSeen = 0.35 * (1 - d/3)
	}
	o := r.Observer
	bearingErr, rangeErr := 3.0, 0.15
	var l float64
	if o.Mode == "seen" {
		if pSeen == 0 {
			return negInf
		}
		l = math.Log(pSeen)
	} else {
		if !firing || d > earshot {
			return negInf
		}
		p := (1 - pSeen) * 0.55 * (1 - d/earshot)
		if p <= 0 {
			return negInf
		}
		l = math.Log(p)
		bearingErr, rangeErr = 7, 0.3
	}
	sweep := math.Mod(o.BearingToDeg-o.BearingFromDeg+360, 360)
	centre := o.BearingFromDeg + sweep/2
	diff := math.Mod(bearing(post, geo.Point{Lat: e.lat, Lon: e.lon})-centre+540, 360) - 180
	// A uniform bias of ±B on top is taken as normal of the same variance.
	bias := m.w.cfg.Noise.BearingBiasDeg
	l += logNormalPDF(diff, math.Sqrt(bearingErr*bearingErr+bias*bias/3))
	est := math.Sqrt(o.MinM*o.MaxM) / 1000
	l += logNormalPDF(math.Log(est)-math.Log(math.Max(0.1, d)), rangeErr)
	c := start + 5 + 0.5
	l += logNormalPDF(c-e.t, math.Sqrt(1+1.0/12))
	// Category and perpetrator.
	ev := categories[e.cat].name
	var pc float64
	if o.Mode == "seen" {
		if rc, ok := m.cats[r.Category]; ok {
			pc = 0.1 * m.catP[e.cat][rc]
			if rc == e.cat {
				pc += 0.9
			}
		}
		switch {
		case e.perp == "both" && r.Perpetrator == "unknown":
			pc *= 1
		case e.perp == "both":
			pc = 0
		case r.Perpetrator == e.perp:
			pc *= 0.3
		case r.Perpetrator == "unknown":
			pc *= 0.7
		default:
			pc = 0
		}
	} else {
		switch ev {
		case "shelling", "drone":
			pc = b2f(r.Category == "shelling")
		case "small_arms", "sniper":
			pc = b2f(r.Category == "small_arms")
		default:
			pc = 0.6*b2f(r.Category == ev) + 0.4*b2f(r.Category == "small_arms")
		}
	}
	if pc == 0 {
		return negInf
	}
	return l + math.Log(pc)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
