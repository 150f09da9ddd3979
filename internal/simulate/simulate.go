// Package simulate generates streams of ceasefire-violation reports with
// ground truth, for measuring fusion: events clustered in hotspots along a
// synthetic line of contact, each reported by up to three sources (the two
// sides, the mission's monitors) with their own errors in place and time,
// plus media repeats and false allegations. The noise model is documented
// in docs/stream-format.md and in Noise.
package simulate

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/geo"
)

// Defaults for a Config's zero fields. DefaultEvents gives about 1,000,000
// reports.
const (
	DefaultEvents = 600_000
	DefaultDays   = 365
	DefaultLineKm = 300.0
)

// DefaultStart is when a generated stream starts.
var DefaultStart = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

// Config says what to generate. Zero fields take the defaults.
type Config struct {
	Seed   int64
	Events int     // true events, including those nobody reports
	Days   int     // length of the period
	LineKm float64 // length of the line of contact
	Start  time.Time
	Noise  Noise
}

// Noise is the error model of the reporters. Probabilities are in [0, 1];
// mixes are normalised.
type Noise struct {
	// AllegationPlace is the mix of place precisions in the sides'
	// allegations: exact (grid reference, ~400 m error), near a named
	// village (up to 10 km), district (~25 km), region (~75 km).
	AllegationPlace [4]float64
	// AllegationTime is the mix of time precisions: exact (to ~6 min,
	// stated as ±15 min), a window of 1–6 hours, a whole day.
	AllegationTime [3]float64
	// VictimReports is the chance that the side fired upon alleges a
	// violation; CounterReports that the side that fired counter-accuses.
	VictimReports, CounterReports float64
	// MediaRepeats is the chance that a media outlet repeats an allegation.
	MediaRepeats float64
	// FalseAllegations is, per true allegation, the chance of one
	// allegation about no real event.
	FalseAllegations float64
	// CategoryRight is the chance a reporter names the true category;
	// most of the rest name a neighbouring one.
	CategoryRight float64
	// WrongTime is the chance a window or day does not hold the event.
	WrongTime float64
	// ExactPlaceErrM is the scale of an exact place's error in metres: the
	// error is |N(0,1)|·√2 times it, in a random direction (default 400).
	ExactPlaceErrM float64
	// PlaceTail is the chance that an exact place's error comes from a
	// heavy tail instead: Pareto (shape 1.2) from 1 km, cut at 15 km.
	PlaceTail float64
	// ExactTimeErrMin is the standard deviation of an exact time's error
	// in minutes (default 6); the report still says ±15 min.
	ExactTimeErrMin float64
	// NearFar is the chance that "near a place" names a village 5–10 km
	// from the reference point (when there is one) rather than one of the
	// villages within 10 km, the nearest more often than not.
	NearFar float64
	// BearingBiasDeg adds to every observation's bearing an error drawn
	// uniformly from ±BearingBiasDeg, on top of σ 3° (seen) or 7° (heard).
	BearingBiasDeg float64
}

// DefaultNoise returns the noise model used unless a Config says otherwise.
func DefaultNoise() Noise {
	return Noise{
		AllegationPlace:  [4]float64{0.30, 0.50, 0.15, 0.05},
		AllegationTime:   [3]float64{0.55, 0.33, 0.12},
		VictimReports:    0.80,
		CounterReports:   0.30,
		MediaRepeats:     0.14,
		FalseAllegations: 0.08,
		CategoryRight:    0.85,
		WrongTime:        0.03,
		ExactPlaceErrM:   400,
		ExactTimeErrMin:  6,
	}
}

// Profiles are the named noise models of `truce simulate --noise`. They
// differ in the size and in the shape of the errors; a stream does not say
// which one made it.
var Profiles = map[string]func() Noise{
	// default: the model fusion was first tuned on.
	"default": DefaultNoise,
	// coarse: bigger errors of new shapes. Exact times off by about 25
	// minutes, exact places by about a kilometre, "near" naming a village
	// 5–10 km away half the time, vaguer places, windows and days that
	// miss the event 10% of the time, more wrong categories.
	"coarse": func() Noise {
		n := DefaultNoise()
		n.AllegationPlace = [4]float64{0.20, 0.50, 0.20, 0.10}
		n.ExactPlaceErrM = 1000
		n.ExactTimeErrMin = 25
		n.NearFar = 0.5
		n.WrongTime = 0.10
		n.CategoryRight = 0.75
		return n
	},
	// heavytail: mostly sharp, sometimes far off. Exact places are good
	// (300 m) but 15% of them are off by 1–15 km (Pareto), monitors'
	// bearings are off by up to ±8° more, more media repeats and false
	// allegations.
	"heavytail": func() Noise {
		n := DefaultNoise()
		n.ExactPlaceErrM = 300
		n.PlaceTail = 0.15
		n.BearingBiasDeg = 8
		n.MediaRepeats = 0.25
		n.FalseAllegations = 0.15
		return n
	},
}

// ProfileNames lists the profiles, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(Profiles))
	for n := range Profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Profile returns the noise model called name.
func Profile(name string) (Noise, error) {
	f, ok := Profiles[name]
	if !ok {
		return Noise{}, errs.Invalid("noise", "unknown noise profile %q (known: %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return f(), nil
}

// Check says whether n is a usable noise model; errors name the field.
func (n Noise) Check() error {
	prob := []struct {
		field string
		v     float64
	}{{"victim_reports", n.VictimReports}, {"counter_reports", n.CounterReports}, {"media_repeats", n.MediaRepeats},
		{"false_allegations", n.FalseAllegations}, {"category_right", n.CategoryRight}, {"wrong_time", n.WrongTime},
		{"place_tail", n.PlaceTail}, {"near_far", n.NearFar}}
	for _, p := range prob {
		if !(p.v >= 0 && p.v <= 1) {
			return errs.Invalid(p.field, "%s must be a probability in [0, 1], got %v", p.field, p.v)
		}
	}
	for _, m := range []struct {
		field string
		mix   []float64
	}{{"allegation_place", n.AllegationPlace[:]}, {"allegation_time", n.AllegationTime[:]}} {
		sum := 0.0
		for _, x := range m.mix {
			if !(x >= 0 && x <= 1) {
				return errs.Invalid(m.field, "%s weights must be in [0, 1], got %v", m.field, x)
			}
			sum += x
		}
		if sum <= 0 {
			return errs.Invalid(m.field, "%s needs at least one positive weight", m.field)
		}
	}
	for _, e := range []struct {
		field  string
		v, max float64
	}{{"exact_place_err_m", n.ExactPlaceErrM, 20_000}, {"exact_time_err_min", n.ExactTimeErrMin, 24 * 60}, {"bearing_bias_deg", n.BearingBiasDeg, 90}} {
		if !(e.v >= 0 && e.v <= e.max) {
			return errs.Invalid(e.field, "%s must be in [0, %v], got %v", e.field, e.max, e.v)
		}
	}
	return nil
}

func (c Config) withDefaults() (Config, error) {
	if c.Events == 0 {
		c.Events = DefaultEvents
	}
	if c.Days == 0 {
		c.Days = DefaultDays
	}
	if c.LineKm == 0 {
		c.LineKm = DefaultLineKm
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	if c.Noise == (Noise{}) {
		c.Noise = DefaultNoise()
	}
	if err := c.Noise.Check(); err != nil {
		return c, err
	}
	switch {
	case c.Events < 0 || c.Events > 50_000_000:
		return c, errs.Invalid("events", "events must be in [1, 50000000], got %d", c.Events)
	case c.Days < 1 || c.Days > 3660:
		return c, errs.Invalid("days", "days must be in [1, 3660], got %d", c.Days)
	case !(c.LineKm >= 20 && c.LineKm <= 5000):
		return c, errs.Invalid("line_km", "line_km must be in [20, 5000], got %v", c.LineKm)
	}
	return c, nil
}

// Parties, outlets and categories of the generated world.
const (
	SideA = "side_a"
	SideB = "side_b"
)

var categories = []struct {
	name   string
	weight float64
}{
	{"shelling", 0.34}, {"small_arms", 0.28}, {"exchange_of_fire", 0.15}, {"heavy_machine_gun", 0.07},
	{"drone", 0.06}, {"sniper", 0.04}, {"movement_of_forces", 0.04}, {"fortification", 0.02},
}

// neighbours are the categories a reporter confuses with each one; they
// match fusion.DefaultParams().Neighbours.
var neighbours = map[string][]string{
	"shelling":           {"small_arms", "exchange_of_fire", "heavy_machine_gun", "drone"},
	"small_arms":         {"shelling", "exchange_of_fire", "heavy_machine_gun", "sniper"},
	"exchange_of_fire":   {"shelling", "small_arms", "heavy_machine_gun"},
	"heavy_machine_gun":  {"shelling", "small_arms", "exchange_of_fire"},
	"drone":              {"shelling"},
	"sniper":             {"small_arms"},
	"movement_of_forces": {"fortification"},
	"fortification":      {"movement_of_forces"},
}

// Generated is a report with the event it is about.
type Generated struct {
	Report    fusion.Report
	TrueEvent string
}

// Generate returns the stream cfg describes, sorted by start time, with
// report IDs assigned in that order. The same Config gives the same stream.
func Generate(cfg Config) ([]Generated, error) {
	out, _, err := generate(cfg)
	return out, err
}

// generate is Generate that also returns the world, with every true event
// (reported or not), for measuring what an ideal fuser could recover.
func generate(cfg Config) ([]Generated, *world, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	g := newWorld(cfg)
	g.run()
	slices.SortFunc(g.out, func(a, b gen) int {
		if c := a.r.Start.Compare(b.r.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.tie, b.tie)
	})
	out := make([]Generated, len(g.out))
	width := len(fmt.Sprint(len(g.out)))
	for i, x := range g.out {
		x.r.ID = fmt.Sprintf("r%0*d", width, i+1)
		out[i] = Generated{Report: x.r, TrueEvent: x.truth}
	}
	return out, g, nil
}

type gen struct {
	r     fusion.Report
	truth string
	tie   uint64
}

// line is a polyline with cumulative length, sampled every vertexKm.
type line struct {
	pts     []geo.Point
	heading []float64 // degrees, of the segment leaving each point
	stepKm  float64
	km      float64
}

// at returns the point s km along the line, offset km to its right
// (positive: side A) or left (negative: side B).
func (l *line) at(s, offset float64) geo.Point {
	s = math.Max(0, math.Min(l.km, s))
	i := min(int(s/l.stepKm), len(l.pts)-2)
	p := geo.Destination(l.pts[i], l.heading[i], (s-float64(i)*l.stepKm)*1000)
	if offset == 0 {
		return p
	}
	return geo.Destination(p, l.heading[i]+90, offset*1000)
}

type place struct {
	name   string
	s, off float64
	pt     geo.Point
}

type hotspot struct {
	s, sigma, weight, pA float64
	flare                []float64 // per day multiplier
}

type world struct {
	cfg       Config
	rng       *rand.Rand
	ln        line
	villages  []place // sorted by s
	districts map[[2]int]place
	regions   map[[2]int]place
	posts     []place
	hot       []hotspot
	dayCum    []float64
	out       []gen
	falseN    int
	events    []event // every true event, in the order drawn
}

const (
	districtKm = 40.0
	regionKm   = 150.0
)

func newWorld(cfg Config) *world {
	w := &world{cfg: cfg, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7275636531)), districts: map[[2]int]place{}, regions: map[[2]int]place{}}
	r := w.rng
	// The line: a meandering walk heading roughly south-south-east from
	// north of the scenario area, a vertex every 2 km.
	const step = 2.0
	n := int(math.Ceil(cfg.LineKm/step)) + 1
	w.ln = line{stepKm: step, km: cfg.LineKm}
	p := geo.Point{Lat: 40.30, Lon: 46.35}
	h := 150.0
	for i := 0; i < n; i++ {
		w.ln.pts = append(w.ln.pts, p)
		h += r.NormFloat64()*8 - 0.1*(h-150)
		w.ln.heading = append(w.ln.heading, h)
		p = geo.Destination(p, h, step*1000)
	}
	// Villages on both sides, every ~2.5 km along the line.
	for s := 0.0; s < cfg.LineKm; s += 1.5 + 2*r.Float64() {
		for _, sign := range []float64{1, -1} {
			off := sign * (0.3 + 11.7*r.Float64())
			v := place{name: fmt.Sprintf("village-%04d", len(w.villages)+1), s: s + r.Float64() - 0.5, off: off}
			v.pt = w.ln.at(v.s, off)
			w.villages = append(w.villages, v)
		}
	}
	sort.SliceStable(w.villages, func(i, j int) bool { return w.villages[i].s < w.villages[j].s })
	// Observation posts every ~10 km, near the line on either side.
	for s := 3 + 4*r.Float64(); s < cfg.LineKm; s += 8 + 4*r.Float64() {
		off := 4*r.Float64() - 2
		w.posts = append(w.posts, place{name: fmt.Sprintf("monitor-%02d", len(w.posts)+1), s: s, off: off, pt: w.ln.at(s, off)})
	}
	// Hotspots with flare-ups.
	k := max(3, int(math.Round(cfg.LineKm/20)))
	for range k {
		hs := hotspot{s: r.Float64() * cfg.LineKm, sigma: 1.5 + 4.5*r.Float64(), weight: math.Exp(0.8 * r.NormFloat64()), pA: 0.3 + 0.4*r.Float64()}
		hs.flare = make([]float64, cfg.Days)
		for d := range hs.flare {
			hs.flare[d] = 1
		}
		for range poisson(r, float64(cfg.Days)/40) {
			start, length, mult := r.IntN(cfg.Days), 2+r.IntN(9), 3+5*r.Float64()
			for d := start; d < min(cfg.Days, start+length); d++ {
				hs.flare[d] *= mult
			}
		}
		w.hot = append(w.hot, hs)
	}
	// Daily intensity: hotspots, a weekly mood, and a 15% background.
	week := make([]float64, cfg.Days/7+1)
	for i := range week {
		week[i] = math.Exp(0.3 * r.NormFloat64())
	}
	w.dayCum = make([]float64, cfg.Days)
	total := 0.0
	for d := range cfg.Days {
		sum := 0.0
		for _, hs := range w.hot {
			sum += hs.weight * hs.flare[d]
		}
		total += week[d/7] * sum / 0.85
		w.dayCum[d] = total
	}
	return w
}

func poisson(r *rand.Rand, mean float64) int {
	n, l, p := 0, math.Exp(-mean), 1.0
	if mean > 500 {
		return int(math.Max(0, math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	for {
		p *= r.Float64()
		if p < l {
			return n
		}
		n++
	}
}

func pick(r *rand.Rand, weights []float64) int {
	total := 0.0
	for _, x := range weights {
		total += x
	}
	u := r.Float64() * total
	for i, x := range weights {
		if u < x {
			return i
		}
		u -= x
	}
	return len(weights) - 1
}

func sideSign(side string) float64 {
	if side == SideA {
		return 1
	}
	return -1
}

func other(side string) string {
	if side == SideA {
		return SideB
	}
	return SideA
}

// where returns a day, a position along the line and the side more active
// there, drawn from the hotspot model.
func (w *world) where() (day int, s float64, pA float64) {
	r := w.rng
	day = sort.SearchFloat64s(w.dayCum, r.Float64()*w.dayCum[len(w.dayCum)-1])
	day = min(day, w.cfg.Days-1)
	if r.Float64() < 0.15 {
		return day, r.Float64() * w.cfg.LineKm, 0.5
	}
	ws := make([]float64, len(w.hot))
	for i, hs := range w.hot {
		ws[i] = hs.weight * hs.flare[day]
	}
	hs := w.hot[pick(r, ws)]
	s = math.Max(0, math.Min(w.cfg.LineKm, hs.s+hs.sigma*r.NormFloat64()))
	return day, s, hs.pA
}

// when returns a time of day on day: evenings and nights are busier.
func (w *world) when(day int) time.Time {
	r := w.rng
	var hours float64
	if r.Float64() < 0.6 {
		hours = math.Mod(22+3*r.NormFloat64()+48, 24)
	} else {
		hours = 24 * r.Float64()
	}
	return w.cfg.Start.Add(time.Duration(day)*24*time.Hour + time.Duration(hours*3600)*time.Second)
}

type event struct {
	id        string
	cat       string
	perp      string // side_a, side_b or both
	s, off    float64
	pt        geo.Point
	at        time.Time
	allegedBy []int // indexes into w.out of its true allegations
}

func (w *world) run() {
	r := w.rng
	catW := make([]float64, len(categories))
	for i, c := range categories {
		catW[i] = c.weight
	}
	for n := range w.cfg.Events {
		day, s, pA := w.where()
		ev := event{id: fmt.Sprintf("e%d", n+1), cat: categories[pick(r, catW)].name, s: s, at: w.when(day)}
		ev.perp = SideB
		if r.Float64() < pA {
			ev.perp = SideA
		}
		victim := other(ev.perp)
		switch ev.cat {
		case "shelling":
			ev.off = sideSign(victim) * (0.3 + 5.7*r.Float64())
		case "drone":
			ev.off = sideSign(victim) * (0.5 + 9.5*r.Float64())
		case "small_arms", "heavy_machine_gun", "sniper":
			ev.off = sideSign(victim) * (0.05 + 1.45*r.Float64())
		case "exchange_of_fire":
			ev.perp = "both"
			ev.off = 2*r.Float64() - 1
		default: // movement of forces, fortification: on the mover's side
			ev.off = sideSign(ev.perp) * (0.2 + 3.8*r.Float64())
		}
		ev.pt = w.ln.at(ev.s, ev.off)
		w.report(&ev)
		ev.allegedBy = nil
		w.events = append(w.events, ev)
	}
}

func (w *world) report(ev *event) {
	r := w.rng
	nz := w.cfg.Noise
	sources := 0
	allege := func(side string, counter bool) {
		if sources >= 3 {
			return
		}
		sources++
		w.allegation(ev, side, counter)
	}
	firing := ev.cat != "movement_of_forces" && ev.cat != "fortification"
	switch {
	case ev.perp == "both":
		for _, side := range []string{SideA, SideB} {
			if r.Float64() < nz.VictimReports {
				allege(side, false)
			}
		}
	case firing:
		if r.Float64() < nz.VictimReports {
			allege(other(ev.perp), false)
		}
		if r.Float64() < nz.CounterReports {
			allege(ev.perp, true)
		}
	default:
		if r.Float64() < nz.VictimReports*0.6 {
			allege(other(ev.perp), false)
		}
	}
	// Monitors at posts within earshot or sight.
	i := sort.Search(len(w.posts), func(i int) bool { return w.posts[i].s >= ev.s-12 })
	observed := 0
	for ; i < len(w.posts) && w.posts[i].s <= ev.s+12 && sources < 3 && observed < 2; i++ {
		if w.observe(ev, w.posts[i]) {
			sources++
			observed++
		}
	}
	// Media repeat the sides' claims.
	for _, a := range ev.allegedBy {
		if r.Float64() < nz.MediaRepeats {
			w.media(ev, a)
		}
	}
}

// ref is the place a side refers to: where the event was when it was on
// that side's ground, else that side's own positions across the line.
func (w *world) ref(ev *event, side string) geo.Point {
	if sideSign(side)*ev.off > 0 {
		return ev.pt
	}
	r := w.rng
	return w.ln.at(ev.s+0.5*r.NormFloat64(), sideSign(side)*(0.3+2.2*r.Float64()))
}

func (w *world) allegation(ev *event, side string, counter bool) {
	r := w.rng
	nz := w.cfg.Noise
	rep := fusion.Report{Kind: fusion.Allegation, Source: side, Perpetrator: other(side), Category: w.category(ev.cat)}
	if counter && r.Float64() < 0.5 {
		rep.Category = "exchange_of_fire"
	}
	w.placeOf(&rep, w.ref(ev, side), ev.s, sideSign(side))
	w.timeOf(&rep, ev.at, nz.AllegationTime)
	ev.allegedBy = append(ev.allegedBy, len(w.out))
	w.emit(rep, ev.id)
	if r.Float64() < nz.FalseAllegations {
		w.falseAllegation()
	}
}

// falseAllegation is a claim about nothing that happened: a side
// alleging fire on its ground at some time and place along the line.
func (w *world) falseAllegation() {
	r := w.rng
	day, s, _ := w.where()
	side := SideA
	if r.Float64() < 0.5 {
		side = SideB
	}
	cat := categories[pick(r, []float64{0.4, 0.35, 0.15, 0.1})].name
	rep := fusion.Report{Kind: fusion.Allegation, Source: side, Perpetrator: other(side), Category: cat}
	off := sideSign(side) * (0.2 + 5*r.Float64())
	w.placeOf(&rep, w.ln.at(s, off), s, sideSign(side))
	w.timeOf(&rep, w.when(day), w.cfg.Noise.AllegationTime)
	w.falseN++
	w.emit(rep, fmt.Sprintf("false%d", w.falseN))
}

func (w *world) category(truth string) string {
	r := w.rng
	u := r.Float64()
	right := w.cfg.Noise.CategoryRight
	switch {
	case u < right:
		return truth
	case u < right+(1-right)*0.8:
		nb := neighbours[truth]
		return nb[r.IntN(len(nb))]
	default:
		return categories[r.IntN(len(categories))].name
	}
}

// placeOf sets the place of rep, reported by someone about point at (s
// along the line, on side sign), with a precision drawn from the mix.
func (w *world) placeOf(rep *fusion.Report, at geo.Point, s, sign float64) {
	r := w.rng
	switch pick(r, w.cfg.Noise.AllegationPlace[:]) {
	case 0:
		p := geo.Destination(at, 360*r.Float64(), w.cfg.Noise.ExactPlaceErrM*math.Abs(r.NormFloat64())*math.Sqrt2)
		if tail := w.cfg.Noise.PlaceTail; tail > 0 && r.Float64() < tail {
			p = geo.Destination(at, 360*r.Float64(), tailKm(r.Float64())*1000)
		}
		rep.PlacePrecision, rep.Lat, rep.Lon, rep.RadiusM = fusion.PlaceExact, p.Lat, p.Lon, 1000
		return
	case 1:
		if v, ok := w.village(at, s); ok {
			rep.PlacePrecision, rep.Place, rep.Lat, rep.Lon, rep.RadiusM = fusion.PlaceNear, v.name, v.pt.Lat, v.pt.Lon, 10_000
			return
		}
		w.district(rep, s, sign)
	case 2:
		w.district(rep, s, sign)
	default:
		bin := int(s / regionKm)
		key := [2]int{bin, int(sign)}
		reg, ok := w.regions[key]
		if !ok {
			mid := math.Min(w.cfg.LineKm, (float64(bin)+0.5)*regionKm)
			reg = place{name: fmt.Sprintf("region-%d-%s", bin+1, sideLetter(sign)), pt: w.ln.at(mid, sign*40)}
			w.regions[key] = reg
		}
		rep.PlacePrecision, rep.Place, rep.Lat, rep.Lon, rep.RadiusM = fusion.PlaceRegion, reg.name, reg.pt.Lat, reg.pt.Lon, 100_000
	}
}

func sideLetter(sign float64) string {
	if sign > 0 {
		return "a"
	}
	return "b"
}

func (w *world) district(rep *fusion.Report, s, sign float64) {
	bin := int(s / districtKm)
	key := [2]int{bin, int(sign)}
	d, ok := w.districts[key]
	if !ok {
		mid := math.Min(w.cfg.LineKm, (float64(bin)+0.5)*districtKm)
		d = place{name: fmt.Sprintf("district-%02d-%s", bin+1, sideLetter(sign)), pt: w.ln.at(mid, sign*15)}
		w.districts[key] = d
	}
	rep.PlacePrecision, rep.Place, rep.Lat, rep.Lon, rep.RadiusM = fusion.PlaceDistrict, d.name, d.pt.Lat, d.pt.Lon, 30_000
}

// village names a village within 10 km of at: the nearest more often
// than not, else another one near.
func (w *world) village(at geo.Point, s float64) (place, bool) {
	r := w.rng
	lo := sort.Search(len(w.villages), func(i int) bool { return w.villages[i].s >= s-13 })
	var near []place
	best, bestD := -1, math.Inf(1)
	for i := lo; i < len(w.villages) && w.villages[i].s <= s+13; i++ {
		if d := geo.Distance(at, w.villages[i].pt); d <= 10_000 {
			near = append(near, w.villages[i])
			if d < bestD {
				best, bestD = len(near)-1, d
			}
		}
	}
	if len(near) == 0 {
		return place{}, false
	}
	if nf := w.cfg.Noise.NearFar; nf > 0 && r.Float64() < nf {
		var far []place
		for _, v := range near {
			if geo.Distance(at, v.pt) >= 5000 {
				far = append(far, v)
			}
		}
		if len(far) > 0 {
			return far[r.IntN(len(far))], true
		}
	}
	if r.Float64() < 0.55 {
		return near[best], true
	}
	return near[r.IntN(len(near))], true
}

// timeOf sets the time window of rep for an event at t.
func (w *world) timeOf(rep *fusion.Report, t time.Time, mix [3]float64) {
	r := w.rng
	wrong := r.Float64() < w.cfg.Noise.WrongTime
	switch pick(r, mix[:]) {
	case 0:
		t2 := t.Add(time.Duration(w.cfg.Noise.ExactTimeErrMin*r.NormFloat64()*60) * time.Second).Truncate(time.Minute)
		rep.TimePrecision, rep.Start, rep.End = fusion.TimeExact, t2.Add(-15*time.Minute), t2.Add(15*time.Minute)
	case 1:
		hours := []int{1, 2, 3, 4, 6}[r.IntN(5)]
		length := time.Duration(hours) * time.Hour
		start := t.Add(-time.Duration(r.Float64() * float64(length))).Truncate(time.Hour)
		end := start.Add(length)
		if end.Before(t) {
			end = t.Truncate(time.Hour).Add(time.Hour)
		}
		if wrong {
			shift := (length/2 + time.Duration((0.5+1.5*r.Float64())*float64(time.Hour))).Truncate(time.Minute)
			if r.Float64() < 0.5 {
				shift = -shift
			}
			start, end = start.Add(shift), end.Add(shift)
		}
		rep.TimePrecision, rep.Start, rep.End = fusion.TimeWindow, start, end
	default:
		day := t.Truncate(24 * time.Hour)
		if wrong {
			day = day.Add(24 * time.Hour) // reported the next day
		}
		rep.TimePrecision, rep.Start, rep.End = fusion.TimeDay, day, day.Add(24*time.Hour-time.Second)
	}
}

// observe decides whether the monitors at post see or hear ev, and if so
// records their observation.
// earshotKm is how far a post hears an event of category cat (0: not at
// all). The generator and the ideal fuser of ceiling.go share it.
func earshotKm(cat string) float64 {
	switch cat {
	case "shelling", "drone":
		return 10
	case "exchange_of_fire", "heavy_machine_gun":
		return 6
	case "small_arms", "sniper":
		return 4
	}
	return 0
}

func (w *world) observe(ev *event, post place) bool {
	r := w.rng
	dist := geo.Distance(post.pt, ev.pt) / 1000
	firing := ev.cat != "movement_of_forces" && ev.cat != "fortification"
	earshot := earshotKm(ev.cat)
	mode := ""
	switch {
	case dist <= 3 && r.Float64() < 0.35*(1-dist/3):
		mode = "seen"
	case firing && dist <= earshot && r.Float64() < 0.55*(1-dist/earshot):
		mode = "heard"
	default:
		return false
	}
	bearingErr, halfWidth, rangeErr, rangeFactor := 3.0, 7.0, 0.15, 1.3
	if mode == "heard" {
		bearingErr, halfWidth, rangeErr, rangeFactor = 7, 15, 0.3, 1.8
	}
	b := bearing(post.pt, ev.pt) + bearingErr*r.NormFloat64()
	if bias := w.cfg.Noise.BearingBiasDeg; bias > 0 {
		b += bias * (2*r.Float64() - 1)
	}
	est := math.Max(0.1, dist) * math.Exp(rangeErr*r.NormFloat64())
	o := &fusion.Observer{
		Lat: round(post.pt.Lat, 5), Lon: round(post.pt.Lon, 5),
		BearingFromDeg: norm360(round(b-halfWidth, 1)), BearingToDeg: norm360(round(b+halfWidth, 1)),
		MinM: math.Round(est / rangeFactor * 1000), MaxM: math.Round(est * rangeFactor * 1000), Mode: mode,
	}
	rep := fusion.Report{Kind: fusion.Observation, Source: post.name, Perpetrator: "unknown", Observer: o, PlacePrecision: fusion.PlaceSector}
	switch {
	case mode == "seen":
		rep.Category = ev.cat
		if r.Float64() > 0.9 {
			rep.Category = w.category(ev.cat)
		}
		if ev.perp != "both" && r.Float64() < 0.3 {
			rep.Perpetrator = ev.perp
		}
	case ev.cat == "shelling" || ev.cat == "drone":
		rep.Category = "shelling" // explosions
	case ev.cat == "small_arms" || ev.cat == "sniper":
		rep.Category = "small_arms"
	default: // exchange of fire, heavy machine gun: bursts that may be either
		rep.Category = ev.cat
		if r.Float64() < 0.4 {
			rep.Category = "small_arms"
		}
	}
	c, radius := fusion.SectorCircle(*o)
	rep.Lat, rep.Lon, rep.RadiusM = c.Lat, c.Lon, radius
	t := ev.at.Add(time.Duration(60*r.NormFloat64()) * time.Second).Truncate(time.Minute)
	rep.TimePrecision, rep.Start, rep.End = fusion.TimeExact, t.Add(-5*time.Minute), t.Add(5*time.Minute)
	w.emit(rep, ev.id)
	return true
}

// media repeats the allegation at w.out[a], usually with a coarser time
// and sometimes a coarser place.
func (w *world) media(ev *event, a int) {
	r := w.rng
	src := w.out[a].r
	outlet := "media-" + sideLetter(sideSign(src.Source)) + fmt.Sprint(1+r.IntN(2))
	if r.Float64() < 0.2 {
		outlet = "media-int" + fmt.Sprint(1+r.IntN(2))
	}
	rep := src
	rep.ID, rep.Kind, rep.Source, rep.Cites = "", fusion.Media, outlet, src.Source
	if r.Float64() > 0.9 {
		rep.Category = w.category(src.Category)
	}
	if r.Float64() < 0.45 && (src.PlacePrecision == fusion.PlaceExact || src.PlacePrecision == fusion.PlaceNear) {
		w.district(&rep, ev.s, sideSign(src.Source))
	}
	if r.Float64() < 0.65 && src.TimePrecision != fusion.TimeDay {
		day := src.Start.Add(src.End.Sub(src.Start) / 2).Truncate(24 * time.Hour)
		rep.TimePrecision, rep.Start, rep.End = fusion.TimeDay, day, day.Add(24*time.Hour-time.Second)
	}
	for _, x := range w.out[max(0, len(w.out)-8):] { // one report per outlet per event
		if x.truth == ev.id && x.r.Source == outlet {
			return
		}
	}
	w.emit(rep, ev.id)
}

func (w *world) emit(rep fusion.Report, truth string) {
	rep.Lat, rep.Lon = round(rep.Lat, 5), round(rep.Lon, 5)
	w.out = append(w.out, gen{r: rep, truth: truth, tie: w.rng.Uint64()})
}

// Heavy-tailed place errors: Pareto of shape tailShape from tailMinKm, cut
// at tailMaxKm. The generator and the ideal fuser share them.
const (
	tailShape = 1.2
	tailMinKm = 1.0
	tailMaxKm = 15.0
)

// tailKm maps u in [0, 1) to a distance in km drawn from the tail.
func tailKm(u float64) float64 {
	// Inverse of the CDF of the Pareto truncated at tailMaxKm.
	cut := 1 - math.Pow(tailMinKm/tailMaxKm, tailShape)
	return tailMinKm / math.Pow(1-u*cut, 1/tailShape)
}

// tailPDF is the density of tailKm's distance at d km.
func tailPDF(d float64) float64 {
	if d < tailMinKm || d > tailMaxKm {
		return 0
	}
	cut := 1 - math.Pow(tailMinKm/tailMaxKm, tailShape)
	return tailShape * math.Pow(tailMinKm, tailShape) / math.Pow(d, tailShape+1) / cut
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

func norm360(deg float64) float64 {
	deg = math.Mod(deg, 360)
	if deg < 0 {
		deg += 360
	}
	return deg
}

// bearing is the initial great-circle bearing from a to b, in degrees.
func bearing(a, b geo.Point) float64 {
	φ1, φ2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	Δλ := (b.Lon - a.Lon) * math.Pi / 180
	y := math.Sin(Δλ) * math.Cos(φ2)
	x := math.Cos(φ1)*math.Sin(φ2) - math.Sin(φ1)*math.Cos(φ2)*math.Cos(Δλ)
	return norm360(math.Atan2(y, x) * 180 / math.Pi)
}
