package fusion

import (
	"cmp"
	"math"
	"slices"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Engine holds reports grouped into incidents and proposes, for a new
// report, the incidents it most likely belongs to. It is not safe for
// concurrent use.
type Engine struct {
	p          Params
	items      []item
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
	density    map[uint64]int32 // reports per densityCellKm cell and day
	stamp      []uint32         // group -> last query that saw it
	query      uint32
	cands      []int32
	batch      bool // density was counted over the whole batch up front
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
	it := item{lat: lat, lon: lon, kind: r.Kind, sector: -1,
		src: e.intern(r.Source), perp: e.intern(r.Perpetrator), cites: e.intern(r.Cites), cat: e.intern(r.Category)}
	it.ux, it.uy, it.uz = unit(lat, lon)
	it.sinLat, it.cosLat = math.Sincos(lat)
	it.radius = r.RadiusM / 1000
	it.sigma = math.Max(it.radius/2, 0.1)
	s := float64(r.Start.Unix()) / 60
	en := float64(r.End.Unix()) / 60
	slack := e.p.TimeSlackMin + e.p.TimeSlackFrac*(en-s)
	it.s, it.e = s-slack, en+slack
	if o := r.Observer; o != nil {
		sc := sector{lat: o.Lat * math.Pi / 180, lon: o.Lon * math.Pi / 180, from: o.BearingFromDeg, sweep: o.sweepDeg(), minKm: o.MinM / 1000, maxKm: o.MaxM / 1000}
		sc.sinLat, sc.cosLat = math.Sincos(sc.lat)
		sc.area = sc.sweep * math.Pi / 180 * (sc.maxKm*sc.maxKm - sc.minKm*sc.minKm) / 2
		it.sigma = math.Max(math.Sqrt(sc.area/(2*math.Pi)), 0.1)
		it.sector = int32(len(e.sectors))
		e.sectors = append(e.sectors, sc)
	}
	return it, nil
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

// candidates scores q against every incident near it; q is not in the engine.
func (e *Engine) candidates(q *item, out []candidate) []candidate {
	out = out[:0]
	offset := e.p.Prior - math.Log(e.localDensity(q))
	if e.upperBound(q)+offset <= 0 {
		return out
	}
	e.query++
	if e.query == 0 {
		clear(e.stamp)
		e.query = 1
	}
	e.cands = e.cands[:0]
	reach := q.radius + e.p.MutualSlackM/1000 + e.p.SectorBlurM/1000 + 1
	e.idx.query(q, reach, func(id int32) {
		g := e.group[id]
		if e.stamp[g] != e.query {
			e.stamp[g] = e.query
			e.cands = append(e.cands, g)
		}
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
			return c, false
		}
		b := t.base()
		if b < e.p.MinPair {
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
	cs := e.candidates(&q, nil)
	slices.SortFunc(cs, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.group, b.group)
	})
	if len(cs) > k {
		cs = cs[:k]
	}
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
// above the threshold or starts a new one.
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
	order := make([]int32, len(reports))
	keys := make([]float64, len(reports))
	for i := range order {
		order[i] = int32(i)
		keys[i] = e.vagueness(&items[i])
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(keys[a], keys[b]) })
	keys = nil
	e.items = make([]item, 0, len(reports))
	e.group = make([]int32, 0, len(reports))
	e.next = make([]int32, 0, len(reports))
	e.ids = make([]string, 0, len(reports))
	assign := make([]int, len(reports))
	var cs []candidate
	for _, i := range order {
		q := &items[i]
		cs = e.candidates(q, cs)
		g := int32(-1)
		best := 0.0
		for _, c := range cs {
			if c.score > best || (c.score == best && g >= 0 && c.group < g) {
				best, g = c.score, c.group
			}
		}
		assign[i] = int(e.place(*q, "", g))
	}
	return assign, nil
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
