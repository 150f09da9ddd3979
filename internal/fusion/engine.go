package fusion

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Engine holds reports grouped into incidents and proposes, for a new
// report, the incidents it most likely belongs to. It is not safe for
// concurrent use.
type Engine struct {
	p          Params
	items      []item
	hot        []hotItem // by item: what the candidate search reads
	self       int32     // the item being moved by the refinement, else -1
	sectors    []sector
	ids        []string         // report IDs, by item
	byID       map[string]int32 // report ID -> item
	group      []int32          // item -> group
	next       []int32          // item -> next member of its group, -1 at the end
	head       []int32          // group -> first member
	size       []int32          // group -> member count
	groupIDs   []string         // group -> incident ID ("" in batch)
	groupByID  map[string]int32
	idx        index
	strs       map[string]int32
	names      []string
	neighbours map[[2]int32]struct{}
	catLLR     map[[2]int32]float64 // Params.CategoryLLR, interned
	density    map[uint64]int32     // reports per densityCellKm cell and day
	stamp      []uint32             // group -> last query that saw it
	query      uint32
	cands      []int32
	batch      bool // density was counted over the whole batch up front
	// floor is the lowest score a proposal may have (Params.ProposeFloor
	// while proposing; 0 in the batch, which joins only above 0).
	floor float64
}

// Proposal is an incident a report may belong to.
type Proposal struct {
	Incident string   `json:"incident"`
	Score    float64  `json:"score"` // log-likelihood ratio; above 0 means "join"
	Reasons  []string `json:"reasons"`
}

// NewEngine returns an empty engine.
func NewEngine(p Params) *Engine {
	e := &Engine{
		p:         p,
		byID:      map[string]int32{},
		groupByID: map[string]int32{},
		idx:       newIndex(),
		strs:      map[string]int32{},
		density:   map[uint64]int32{},
		self:      -1,
	}
	e.intern("")
	e.setNeighbours()
	return e
}

// Len returns how many reports the engine holds.
func (e *Engine) Len() int { return len(e.items) }

// Incidents returns how many incidents the engine holds.
func (e *Engine) Incidents() int { return len(e.head) }

func (e *Engine) compile(r *Report) (item, error) {
	if err := r.Validate(); err != nil {
		return item{}, err
	}
	lat, lon := r.Lat*math.Pi/180, r.Lon*math.Pi/180
	it := item{lat: lat, lon: lon, kind: codeOf(r.Kind), sector: -1,
		src: e.intern(r.Source), perp: e.intern(r.Perpetrator), cites: e.intern(r.Cites), cat: e.intern(r.Category)}
	it.ux, it.uy, it.uz = unit(lat, lon)
	it.sinLat, it.cosLat = math.Sincos(lat)
	it.radius = r.RadiusM / 1000
	it.sigma = math.Max(it.radius/2, 0.1)
	if sg, ok := e.p.PlaceSigmaKm[r.PlacePrecision]; ok && r.Observer == nil && sg > 0 {
		it.sigma = math.Max(sg, 0.1)
		it.radius = math.Max(it.radius, 2.5*it.sigma)
	}
	s := float64(r.Start.Unix()) / 60
	en := float64(r.End.Unix()) / 60
	slackMin := e.p.TimeSlackMin
	if v, ok := e.p.TimeSlackByPrecision[r.TimePrecision]; ok {
		slackMin = v
	}
	slack := slackMin + e.p.TimeSlackFrac*(en-s)
	it.s, it.e = s-slack, en+slack
	it.logWidth = math.Log(it.e - it.s)
	if r.TimePrecision == TimeExact && (e.p.ExactTimeSigma > 0 || e.p.ExactTimeSigmaMin > 0) {
		// An exact time is a reading with an error, not a window: its
		// density peaks at the middle, σ a fraction of the half-width.
		it.tc = (s + en) / 2
		it.tsig = math.Max(e.p.ExactTimeSigma*(en-s)/2, 0.5)
		if e.p.ExactTimeSigmaMin > 0 {
			// A fitted σ: the window reaches three of them either side.
			it.tsig = math.Max(e.p.ExactTimeSigmaMin, 0.5)
			it.s, it.e = min(it.s, it.tc-3*it.tsig), max(it.e, it.tc+3*it.tsig)
		}
		it.logWidth = math.Min(it.logWidth, math.Log(math.Sqrt(2*math.Pi)*it.tsig))
	}
	if o := r.Observer; o != nil {
		sc := sector{lat: o.Lat * math.Pi / 180, lon: o.Lon * math.Pi / 180, from: o.BearingFromDeg, sweep: o.sweepDeg(), minKm: o.MinM / 1000, maxKm: o.MaxM / 1000}
		sc.sinLat, sc.cosLat = math.Sincos(sc.lat)
		sc.area = sc.sweep * math.Pi / 180 * (sc.maxKm*sc.maxKm - sc.minKm*sc.minKm) / 2
		it.sigma = math.Max(math.Sqrt(sc.area/(2*math.Pi)), 0.1)
		it.sector = int32(len(e.sectors))
		e.sectors = append(e.sectors, sc)
	}
	it.logArea = math.Log(2 * math.Pi * it.sigma * it.sigma)
	if it.sector >= 0 {
		it.logArea = math.Log(e.sectors[it.sector].area)
	}
	return it, nil
}

// hotItem is the part of an item the candidate search reads for every
// report in reach, in one cache line; bounds in float32 are rounded
// outward (areas and widths down, radii up) so they stay bounds.
type hotItem struct {
	s, e              float64
	ux, uy, uz        float64
	sigma2            float32 // km²
	sectorRadius      float32 // km, 0 when not a sector
	logArea, logWidth float32
	tsig              float32 // an exact time's σ in minutes, rounded up; 0 otherwise
	kind              kindCode
}

func hotOf(it *item) hotItem {
	down := func(x float64) float32 { return math.Nextafter32(float32(x), float32(math.Inf(-1))) }
	h := hotItem{s: it.s, e: it.e, ux: it.ux, uy: it.uy, uz: it.uz, sigma2: down(it.sigma * it.sigma), logArea: down(it.logArea), logWidth: down(it.logWidth), kind: it.kind}
	if it.sector >= 0 {
		h.sectorRadius = math.Nextafter32(float32(it.radius), float32(math.Inf(1)))
	}
	if it.tsig > 0 {
		h.tsig = math.Nextafter32(float32(it.tsig), float32(math.Inf(1)))
	}
	return h
}

// vagueness orders the batch: the most precise reports found incidents,
// vaguer ones join them.
func (e *Engine) vagueness(it *item) float64 {
	a := 2 * math.Pi * it.sigma * it.sigma
	if it.sector >= 0 {
		a = e.sectors[it.sector].area
	}
	return math.Log(a) + math.Log(it.e-it.s)
}

// candidate is a scored incident for one report.
type candidate struct {
	group int32
	score float64
	best  int32 // the member that gives the score
	terms pairTerms
}

// candidates scores q against every incident near it; q is not in the
// engine, or is e.self and out of its group's member list.
func (e *Engine) candidates(q *item, out []candidate) []candidate {
	out = out[:0]
	logDensity := q.logDensity
	if !e.batch {
		logDensity = math.Log(e.localDensity(q))
	}
	offset := e.p.Prior - logDensity
	// lift is the offset the search bounds with: above offset when
	// proposals below 0 (down to e.floor) are wanted.
	lift := offset - e.floor
	if e.upperBound(q)+lift <= 0 {
		return out
	}
	e.query++
	if e.query == 0 {
		clear(e.stamp)
		e.query = 1
	}
	e.cands = e.cands[:0]
	reach := q.radius + e.p.MutualSlackM/1000 + e.p.SectorBlurM/1000 + 1
	// A group is worth scoring only if some member could give q a score
	// above 0: the bound needs no trigonometry, and at high density it
	// spares scoring the thousands of groups a vague report reaches.
	slack := lift + e.maxBonus()
	mutualKm2 := (e.p.MutualSlackM / 1000) * (e.p.MutualSlackM / 1000)
	blurKm2 := (e.p.SectorBlurM / 1000) * (e.p.SectorBlurM / 1000)
	copyBonus := 0.0
	if q.kind == kMedia || q.kind == kAllegation {
		copyBonus = max(e.p.CopyBonus, 0)
	}
	e.idx.query(q, reach, slack, copyBonus, func(id int32) {
		g := e.group[id]
		if e.stamp[g] == e.query {
			return
		}
		if id == e.self {
			return
		}
		h := &e.hot[id]
		if h.e <= q.s || h.s >= q.e {
			return
		}
		// The distance term, with the straight chord (never longer than
		// the arc) and the widest variance the pair could be given.
		// For a sector, the gap is at least the distance to the circle
		// that holds it.
		dx, dy, dz := q.ux-h.ux, q.uy-h.uy, q.uz-h.uz
		d2 := earthKm * earthKm * (dx*dx + dy*dy + dz*dz)
		mSigma2, mLogArea, mLogWidth := float64(h.sigma2), float64(h.logArea), float64(h.logWidth)
		var pen float64
		if q.sector < 0 && h.sectorRadius == 0 {
			pen = d2 / (2 * (q.sigma*q.sigma + mSigma2 + mutualKm2))
		} else {
			r := float64(h.sectorRadius)
			if q.sector >= 0 {
				r = max(r, q.radius)
			}
			if g := math.Sqrt(d2) - r; g > 0 {
				pen = g * g / (2 * (max(q.sigma*q.sigma, mSigma2) + blurKm2))
			}
		}
		// The bounds leave out Params.CopyBonus, which only a media report
		// and an allegation at the very same coordinates can earn.
		// Two exact times: how far apart their middles are (the slack
		// widens both ends alike, so a window's middle is its time's).
		var timePen float64
		if q.tsig > 0 && h.tsig > 0 {
			dt := q.tc - (h.s+h.e)/2
			timePen = dt * dt / (2 * (q.tsig*q.tsig + float64(h.tsig)*float64(h.tsig)))
		}
		if copyable := d2 == 0 && (q.kind == kMedia && h.kind == kAllegation || q.kind == kAllegation && h.kind == kMedia); !copyable {
			if -max(q.logWidth, mLogWidth)-timePen-max(q.logArea, mLogArea)-pen+slack <= 0 {
				return
			}
			if ov := min(q.e, h.e) - max(q.s, h.s); math.Log(ov)-q.logWidth-mLogWidth-max(q.logArea, mLogArea)-pen+slack <= 0 {
				return
			}
		}
		if t := e.pair(q, &e.items[id]); !t.ok || t.base()+t.relation+lift <= 0 {
			return
		}
		e.stamp[g] = e.query
		e.cands = append(e.cands, g)
	})
	for _, g := range e.cands {
		if c, ok := e.scoreGroup(q, g, offset); ok {
			out = append(out, c)
		}
	}
	return out
}

// scoreGroup scores q against group g as a whole: every member must be
// compatible (another source, regions that meet, a score above MinPair);
// the score is the best member's plus the prior.
func (e *Engine) scoreGroup(q *item, g int32, offset float64) (candidate, bool) {
	c := candidate{group: g, score: math.Inf(-1), best: -1}
	for m := e.head[g]; m >= 0; m = e.next[m] {
		t := e.pair(q, &e.items[m])
		if !t.ok {
			// A proposal (e.floor < 0) may name an incident a member of
			// which q's region misses: the reviewer judges. A source
			// never reports one event twice.
			if t.forbidden || e.floor == 0 {
				return c, false
			}
			continue
		}
		b := t.base()
		if b < e.p.MinPair && e.floor == 0 {
			return c, false
		}
		if s := b + t.relation; s > c.score {
			c.score, c.best, c.terms = s, m, t
		}
	}
	c.score += offset
	return c, true
}

func (e *Engine) place(it item, id string, g int32) int32 {
	n := int32(len(e.items))
	e.items = append(e.items, it)
	e.hot = append(e.hot, hotOf(&it))
	e.ids = append(e.ids, id)
	if g < 0 {
		g = int32(len(e.head))
		e.head = append(e.head, -1)
		e.size = append(e.size, 0)
		e.stamp = append(e.stamp, 0)
		e.groupIDs = append(e.groupIDs, "")
	}
	e.group = append(e.group, g)
	e.next = append(e.next, e.head[g])
	e.head[g] = n
	e.size[g]++
	e.idx.insert(n, &e.items[n])
	if !e.batch {
		e.density[densityKey(&e.items[n], 0, 0, 0)]++
	}
	return g
}

// Add stores r in the incident with the given ID, creating the incident
// when it does not exist yet. A report ID may be added only once.
func (e *Engine) Add(r Report, incident string) error {
	if _, dup := e.byID[r.ID]; dup {
		return errs.Conflict("id", "report %q is already in the engine", r.ID)
	}
	if incident == "" {
		return errs.Invalid("incident", "an incident ID is needed")
	}
	it, err := e.compile(&r)
	if err != nil {
		return err
	}
	g, ok := e.groupByID[incident]
	if !ok {
		g = -1
	}
	n := int32(len(e.items))
	g = e.place(it, r.ID, g)
	e.byID[r.ID] = n
	if !ok {
		e.groupIDs[g] = incident
		e.groupByID[incident] = g
	}
	return nil
}

// Propose returns up to k incidents r may belong to, best first, each
// with its score and the reasons; only incidents r is compatible with as a
// whole are listed. A score above 0 means the model would join them.
func (e *Engine) Propose(r Report, k int) ([]Proposal, error) {
	q, err := e.compile(&r)
	if err != nil {
		return nil, err
	}
	if q.sector >= 0 { // the sector was appended for scoring only
		defer func() { e.sectors = e.sectors[:len(e.sectors)-1] }()
	}
	e.floor = min(e.p.ProposeFloor, 0)
	cs := e.candidates(&q, nil)
	e.floor = 0
	cs = topK(cs, k)
	out := make([]Proposal, 0, len(cs))
	for _, c := range cs {
		reasons := e.explain(&q, &e.items[c.best], e.ids[c.best], c.terms)
		if n := e.size[c.group]; n > 1 {
			reasons = append(reasons, "compatible with all "+itoa(int(n))+" reports in the incident, one per source")
		}
		out = append(out, Proposal{Incident: e.groupIDs[c.group], Score: math.Round(c.score*100) / 100, Reasons: reasons})
	}
	return out, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

// Batch groups reports into incidents and returns, for each report, the
// number of its group (0, 1, …, in no particular meaning). Reports are
// taken most precise first; each joins the best-scoring compatible group
// above the threshold (and, with Params.Ambiguity, likelier than all its
// rivals together) or starts a new one. Params.Refine passes then let
// every report that joined a group move to the one that fits it best now.
//
// A long stream is cut in time into slabs of about slabReports reports,
// fused independently and in parallel; each cut is put where the fewest
// report windows straddle it, so few events are split. The cuts depend on
// the stream alone, never on the number of cores.
func Batch(reports []Report, p Params) ([]int, error) {
	e := NewEngine(p)
	items := make([]item, len(reports))
	for i := range reports {
		it, err := e.compile(&reports[i])
		if err != nil {
			return nil, errs.Prefix("reports["+itoa(i)+"]", err)
		}
		items[i] = it
	}
	e.batch = true
	for i := range items {
		e.density[densityKey(&items[i], 0, 0, 0)]++
	}
	for i := range items {
		items[i].logDensity = math.Log(e.localDensity(&items[i]))
	}
	slabs := cutSlabs(items, slabReports)
	local := make([][]int32, len(slabs)) // group of each report, per slab
	counts := make([]int, len(slabs))
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(slabs)) {
		wg.Go(func() {
			for k := range work {
				local[k], counts[k] = e.fork().fuse(items, slabs[k])
			}
		})
	}
	for k := range slabs {
		work <- k
	}
	close(work)
	wg.Wait()
	assign := make([]int, len(reports))
	base := 0
	for k, slab := range slabs {
		for j, i := range slab {
			assign[i] = base + int(local[k][j])
		}
		base += counts[k]
	}
	return assign, nil
}

// slabReports is about how many reports one slab of a batch holds.
const slabReports = 100_000

// fork returns an empty engine sharing e's parameters, interned strings,
// sectors and density counts, which it only reads.
func (e *Engine) fork() *Engine {
	return &Engine{p: e.p, sectors: e.sectors, strs: e.strs, names: e.names, neighbours: e.neighbours, catLLR: e.catLLR,
		density: e.density, batch: true, self: -1, idx: newIndex(), byID: map[string]int32{}, groupByID: map[string]int32{}}
}

// fuse groups the items listed in slab (indexes into items, in stream
// order) and returns the group of each, numbered from 0, and the count.
func (e *Engine) fuse(items []item, slab []int32) ([]int32, int) {
	order := make([]int32, len(slab)) // positions in slab
	keys := make([]float64, len(slab))
	for j, i := range slab {
		order[j] = int32(j)
		keys[j] = e.vagueness(&items[i])
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(keys[a], keys[b]) })
	e.items = make([]item, 0, len(slab))
	e.hot = make([]hotItem, 0, len(slab))
	e.group = make([]int32, 0, len(slab))
	e.next = make([]int32, 0, len(slab))
	e.ids = make([]string, 0, len(slab))
	e.self = -1
	var cs []candidate
	// contested marks the reports that had a choice to make; only those
	// that then joined or were joined are refined, which keeps the
	// refinement to a fraction of the cost: a report left alone after a
	// choice seldom finds a group later.
	var contested []bool
	if e.p.Refine > 0 {
		contested = make([]bool, len(slab))
	}
	for k, j := range order {
		q := &items[slab[j]]
		cs = e.candidates(q, cs)
		e.place(*q, "", e.choose(cs))
		if contested != nil {
			contested[k] = len(cs) > 0
		}
	}
	// Refinement: each report in turn leaves its group and joins the one
	// that now fits it best, which the later, vaguer reports may have
	// changed.
	for range e.p.Refine {
		for n := range int32(len(e.items)) {
			if !contested[n] || e.size[e.group[n]] < 2 {
				continue
			}
			g0 := e.group[n]
			e.unlink(n)
			e.self = n
			cs = e.candidates(&e.items[n], cs)
			e.self = -1
			g := e.choose(cs)
			if g < 0 {
				g = g0
				if e.size[g0] > 0 {
					g = int32(len(e.head))
					e.head = append(e.head, -1)
					e.size = append(e.size, 0)
					e.stamp = append(e.stamp, 0)
					e.groupIDs = append(e.groupIDs, "")
				}
			}
			e.link(n, g)
		}
	}
	out := make([]int32, len(slab))
	for n, j := range order {
		out[j] = e.group[n]
	}
	return out, len(e.head)
}

// choose picks the group a report joins among its candidates, or -1 for a
// new incident.
func (e *Engine) choose(cs []candidate) int32 {
	g := int32(-1)
	best := 0.0
	for _, c := range cs {
		if c.score > best || (c.score == best && g >= 0 && c.group < g) {
			best, g = c.score, c.group
		}
	}
	// The best group must be likelier than a new incident and every rival
	// together: where many groups fit about as well, the report is
	// ambiguous and stays alone rather than merge wrongly.
	if g >= 0 && e.p.Ambiguity {
		rivals := 1.0
		for _, c := range cs {
			if c.group != g {
				rivals += math.Exp(c.score)
			}
		}
		if best <= math.Log(rivals)+e.p.AmbiguityLogOdds {
			g = -1
		}
	}
	return g
}

// unlink takes item n out of its group's member list.
func (e *Engine) unlink(n int32) {
	g := e.group[n]
	if e.head[g] == n {
		e.head[g] = e.next[n]
	} else {
		m := e.head[g]
		for e.next[m] != n {
			m = e.next[m]
		}
		e.next[m] = e.next[n]
	}
	e.size[g]--
}

// link puts item n into group g.
func (e *Engine) link(n, g int32) {
	e.group[n] = g
	e.next[n] = e.head[g]
	e.head[g] = n
	e.size[g]++
}

// cutSlabs splits the items, by the middle of their windows, into runs of
// about size items each, cut at the instants the fewest windows straddle.
func cutSlabs(items []item, size int) [][]int32 {
	n := len(items)
	byMid := make([]int32, n)
	for i := range byMid {
		byMid[i] = int32(i)
	}
	mid := func(i int32) float64 { return (items[i].s + items[i].e) / 2 }
	if n < 2*size {
		return [][]int32{byMid}
	}
	slices.SortStableFunc(byMid, func(a, b int32) int { return cmp.Compare(mid(a), mid(b)) })
	starts, ends := make([]float64, n), make([]float64, n)
	for i := range items {
		starts[i], ends[i] = items[i].s, items[i].e
	}
	slices.Sort(starts)
	slices.Sort(ends)
	straddling := func(t float64) int {
		s, _ := slices.BinarySearch(starts, t)
		e, _ := slices.BinarySearch(ends, t)
		return s - e
	}
	k := (n + size/2) / size
	var slabs [][]int32
	from := 0
	for c := 1; c < k; c++ {
		target := mid(byMid[c*n/k])
		best, bestN := target, math.MaxInt
		for t := target - 1440; t <= target+1440; t += 15 {
			if m := straddling(t); m < bestN {
				best, bestN = t, m
			}
		}
		to, _ := slices.BinarySearchFunc(byMid, best, func(i int32, t float64) int { return cmp.Compare(mid(i), t) })
		if to <= from {
			continue
		}
		slab := slices.Clone(byMid[from:to])
		slices.Sort(slab)
		slabs = append(slabs, slab)
		from = to
	}
	slab := slices.Clone(byMid[from:])
	slices.Sort(slab)
	return append(slabs, slab)
}

// Local density: how many reports there are round a place and time, which
// sets how much agreement two reports need before they are likely one
// event rather than two that happen to fall together. Counted on a grid of
// densityCellKm cells and days, over the 3×3 cells and 3 days round a report.
const densityCellKm = 20.0

func densityKey(it *item, dy, dx, dd int64) uint64 {
	deg := densityCellKm / kmPerDegree
	cy := int64(math.Floor(it.lat*180/math.Pi/deg)) + dy
	cx := int64(math.Floor(it.lon*180/math.Pi/deg)) + dx
	day := int64(math.Floor((it.s+it.e)/2/1440)) + dd
	return uint64(cy+1<<15)&0xffff<<48 | uint64(cx+1<<15)&0xffff<<32 | uint64(day+1<<31)&0xffffffff
}

// localDensity returns reports per km² per minute round q (at least one
// report, q itself, is counted).
func (e *Engine) localDensity(q *item) float64 {
	n := int32(0)
	for dy := int64(-1); dy <= 1; dy++ {
		for dx := int64(-1); dx <= 1; dx++ {
			for dd := int64(-1); dd <= 1; dd++ {
				n += e.density[densityKey(q, dy, dx, dd)]
			}
		}
	}
	cosLat := math.Max(0.1, q.cosLat)
	area := 9 * densityCellKm * densityCellKm * cosLat
	return float64(max(n, 1)) / (area * 3 * 1440)
}
