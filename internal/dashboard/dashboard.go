// Package dashboard gathers what a co-chair checks each morning for a
// chosen period: what each side alleged and what the mission verified
// over the last 30 days, violations by category, where they happened,
// the agreement's provisions and deadlines, the review queue's length.
// Every figure is read through the domain services with the reader's
// principal; a summary is kept per view of the data (access.ViewKey) and
// period until a record it counts is written, by this server or another
// on the database (store.DB.Version), so that many readers do not recount.
package dashboard

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mapview"
	"github.com/truce-monitoring/truce/internal/store"
)

// ChartDays is how many days the alleged-against-verified chart covers,
// ending with the period's last day.
const ChartDays = 30

// MaxPeriod is the longest period a dashboard sums.
const MaxPeriod = 366 * 24 * time.Hour

// Versioner says when records of some kinds changed (store.DB.Version).
type Versioner interface {
	Version(ctx context.Context, entities ...string) (int64, error)
}

// Service builds dashboards.
type Service struct {
	Incidents  *incident.Service
	Agreements *agreement.Service
	Map        *mapview.Service
	Ledger     Versioner
	Now        func() time.Time

	sums   *swr[Summary]
	days   *swr[dayRange]
	queues *swr[queueLength]
}

// Fresh is how long a summary counted before the latest write is still
// served without a recount (see swr).
const Fresh = 5 * time.Second

// maxEntries bounds the cache; past it the cache starts again.
const maxEntries = 2048

// counted are the kinds of record a summary counts.
var counted = []string{incident.EntityAllegation, incident.EntityObservation, incident.EntityIncident,
	agreement.EntityProvision, agreement.EntityOrganisation, agreement.EntityAgreement, incident.EntityReview}

// New returns the service.
func New(inc *incident.Service, ag *agreement.Service, mv *mapview.Service, ledger Versioner, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{Incidents: inc, Agreements: ag, Map: mv, Ledger: ledger, Now: now,
		sums: newSWR[Summary](Fresh, maxEntries, time.Now), days: newSWR[dayRange](Fresh, maxEntries, time.Now),
		queues: newSWR[queueLength](Fresh, maxEntries, time.Now)}
}

// Period is a span of whole UTC days [From, To).
type Period struct {
	From, To time.Time
}

// Days is how many days the period spans.
func (p Period) Days() int { return int(p.To.Sub(p.From).Hours() / 24) }

// Last is the period's last day.
func (p Period) Last() time.Time { return p.To.AddDate(0, 0, -1) }

// ParsePeriod reads a period from a query: day=YYYY-MM-DD, or
// from=YYYY-MM-DD and to=YYYY-MM-DD (both days included); neither gives
// ok false. Errors name the field at fault.
func ParsePeriod(day, from, to string) (p Period, ok bool, err error) {
	parse := func(field, s string) (time.Time, error) {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return t, errs.Invalid(field, "must be a date such as 2021-06-10")
		}
		return t, nil
	}
	switch {
	case day != "":
		if from != "" || to != "" {
			return p, false, errs.Invalid("day", "give either a day or a range from–to, not both")
		}
		d, err := parse("day", day)
		if err != nil {
			return p, false, err
		}
		return Period{From: d, To: d.AddDate(0, 0, 1)}, true, nil
	case from == "" && to == "":
		return p, false, nil
	case from == "":
		return p, false, errs.Invalid("from", "is required with to")
	case to == "":
		return p, false, errs.Invalid("to", "is required with from")
	}
	f, err := parse("from", from)
	if err != nil {
		return p, false, err
	}
	t, err := parse("to", to)
	if err != nil {
		return p, false, err
	}
	if t.Before(f) {
		return p, false, errs.Invalid("to", "must not be before from")
	}
	p = Period{From: f, To: t.AddDate(0, 0, 1)}
	if p.To.Sub(p.From) > MaxPeriod {
		return p, false, errs.Invalid("to", "a period covers at most 366 days")
	}
	return p, true, nil
}

// DefaultPeriod is the day a dashboard opens on: today, or with demo the
// latest day with a report p may read (the demo's scenario is in the past).
func (s *Service) DefaultPeriod(ctx context.Context, p access.Principal, demo bool) (Period, error) {
	now := s.Now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if demo {
		_, latest, err := s.ReportDays(ctx, p)
		if err != nil {
			return Period{}, err
		}
		if !latest.IsZero() {
			day = latest
		}
	}
	return Period{From: day, To: day.AddDate(0, 0, 1)}, nil
}

// ReportDays are the first and last days with a report p may read
// (incident.Service.ReportDays), kept until a report is written.
func (s *Service) ReportDays(ctx context.Context, p access.Principal) (first, last time.Time, err error) {
	v, err := s.Ledger.Version(ctx, incident.EntityAllegation, incident.EntityObservation)
	if err != nil {
		return first, last, err
	}
	d, err := s.days.get(ctx, access.ViewKey(p), v, func(ctx context.Context) (dayRange, error) {
		first, last, err := s.Incidents.ReportDays(ctx, p)
		return dayRange{first: first, last: last}, err
	})
	return d.first, d.last, err
}

type dayRange struct{ first, last time.Time }

// SideSeries is one side's counts per day of the chart.
type SideSeries struct {
	Side     string `json:"side"`
	Alleged  []int  `json:"alleged"`
	Verified []int  `json:"verified"`
}

// CategoryCount is one category's counts in the period.
type CategoryCount struct {
	Category     string `json:"category"`
	Alleged      int    `json:"alleged"`
	Observations int    `json:"observations"`
	Verified     int    `json:"verified"`
}

// Total is everything counted under the category.
func (c CategoryCount) Total() int { return c.Alleged + c.Observations + c.Verified }

// Deadline is a provision's deadline not yet met.
type Deadline struct {
	AgreementID string    `json:"agreement_id"`
	ProvisionID string    `json:"provision_id"`
	Number      string    `json:"number"`
	What        string    `json:"what"`
	Due         time.Time `json:"due"`
	Overdue     bool      `json:"overdue"`
}

// Spot is a place with records on the small map: one record, or a grid
// cell of Count.
type Spot struct {
	Point geo.Point `json:"point"`
	Kind  string    `json:"kind"` // incidents, allegations, observations
	Count int       `json:"count"`
}

// Summary is a dashboard.
type Summary struct {
	Period   Period   `json:"period"`
	Days     []string `json:"days"` // the chart's days, YYYY-MM-DD, oldest first
	Sides    []agreement.Organisation
	Series   []SideSeries `json:"series"`
	Alleged  map[string]int
	Verified map[string]int
	// Observations and Observed are the mission's observations in the
	// period and the violations they counted.
	Observations, Observed int
	Categories             []CategoryCount
	// Provisions counts the provisions by status at the period's end.
	Provisions map[string]int
	Deadlines  []Deadline
	// Queue is the review queue's length (QueueMore: at least that);
	// QueueShown is false when the reader has no review queue.
	Queue      int
	QueueMore  bool
	QueueShown bool
	Spots      []Spot
	Lines      []geo.Line // the line of contact in force at the period's end
	Computed   time.Time
}

// Get returns p's dashboard for the period, from the cache when nothing
// it counts has changed since.
func (s *Service) Get(ctx context.Context, p access.Principal, per Period) (Summary, error) {
	if !p.Authenticated() {
		return Summary{}, errs.Unauthenticated("sign in to read the dashboard")
	}
	if !per.To.After(per.From) || per.To.Sub(per.From) > MaxPeriod {
		return Summary{}, errs.Invalid("to", "a period covers one to 366 days")
	}
	v, err := s.Ledger.Version(ctx, counted...)
	if err != nil {
		return Summary{}, err
	}
	key := access.ViewKey(p) + "|" + per.From.Format(time.DateOnly) + "|" + per.To.Format(time.DateOnly)
	if s.Incidents.MayReview(p) == nil {
		key += "|review"
	}
	return s.sums.get(ctx, key, v, func(ctx context.Context) (Summary, error) { return s.compute(ctx, p, per) })
}

func (s *Service) compute(ctx context.Context, p access.Principal, per Period) (Summary, error) {
	sum := Summary{Period: per, Alleged: map[string]int{}, Verified: map[string]int{}, Provisions: map[string]int{}, Computed: s.Now().UTC()}
	var err error
	if sum.Sides, err = s.Agreements.Parties(ctx, p); err != nil {
		return sum, err
	}
	// The chart: the 30 days ending with the period's last day.
	chartFrom := per.To.AddDate(0, 0, -ChartDays)
	index := map[string]int{}
	for i := range ChartDays {
		d := chartFrom.AddDate(0, 0, i).Format(time.DateOnly)
		index[d] = i
		sum.Days = append(sum.Days, d)
	}
	// The parts are independent: they are counted at once.
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	part := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
			}
		}()
	}
	part(func() error { return s.chart(ctx, p, chartFrom, per, index, &sum) })
	part(func() error { return s.categories(ctx, p, per, &sum) })
	part(func() error { return s.provisions(ctx, p, per, &sum) })
	part(func() error { return s.spots(ctx, p, per, &sum) })
	if s.Incidents.MayReview(p) == nil {
		part(func() error {
			q, err := s.queue(ctx, p)
			sum.Queue, sum.QueueMore, sum.QueueShown = q.n, q.more, err == nil
			return err
		})
	}
	wg.Wait()
	return sum, firstErr
}

type queueLength struct {
	n    int
	more bool
}

// queue is the review queue's length for p's view, which no period
// changes: counted once per view (see swr).
func (s *Service) queue(ctx context.Context, p access.Principal) (queueLength, error) {
	v, err := s.Ledger.Version(ctx, incident.EntityAllegation, incident.EntityObservation, incident.EntityIncident)
	if err != nil {
		return queueLength{}, err
	}
	return s.queues.get(ctx, access.ViewKey(p), v, func(ctx context.Context) (queueLength, error) {
		n, more, err := s.Incidents.ReviewQueueLength(ctx, p)
		return queueLength{n, more}, err
	})
}

// chart counts per side and day over the chart's days.
func (s *Service) chart(ctx context.Context, p access.Principal, chartFrom time.Time, per Period, index map[string]int, sum *Summary) error {
	rows, err := s.Incidents.Tallies(ctx, p, chartFrom, per.To, incident.ByDay)
	if err != nil {
		return err
	}
	series := map[string]*SideSeries{}
	for _, o := range sum.Sides {
		ss := &SideSeries{Side: o.ID, Alleged: make([]int, ChartDays), Verified: make([]int, ChartDays)}
		series[o.ID] = ss
	}
	for _, r := range rows {
		i, ok := index[r.Key]
		if !ok {
			continue
		}
		for side, n := range r.AllegedBy {
			if ss := series[side]; ss != nil {
				ss.Alleged[i] += n
			}
		}
		for side, n := range r.Verified {
			if ss := series[side]; ss != nil {
				ss.Verified[i] += n
			}
		}
	}
	for _, o := range sum.Sides {
		sum.Series = append(sum.Series, *series[o.ID])
	}
	return nil
}

// categories counts the period's totals by category and by side.
func (s *Service) categories(ctx context.Context, p access.Principal, per Period, sum *Summary) error {
	rows, err := s.Incidents.Tallies(ctx, p, per.From, per.To, incident.ByCategory)
	if err != nil {
		return err
	}
	for _, r := range rows {
		c := CategoryCount{Category: r.Key, Observations: r.Observed}
		for side, n := range r.AllegedBy {
			c.Alleged += n
			sum.Alleged[side] += n
		}
		for side, n := range r.Verified {
			c.Verified += n
			sum.Verified[side] += n
		}
		sum.Observations += r.Observations
		sum.Observed += r.Observed
		if c.Total() > 0 {
			sum.Categories = append(sum.Categories, c)
		}
	}
	sort.SliceStable(sum.Categories, func(i, j int) bool {
		a, b := sum.Categories[i], sum.Categories[j]
		if a.Total() != b.Total() {
			return a.Total() > b.Total()
		}
		return a.Category < b.Category
	})
	return nil
}

// upcoming is how far ahead the dashboard lists deadlines.
const upcoming = 60 * 24 * time.Hour

// maxDeadlines bounds the deadlines listed.
const maxDeadlines = 8

func (s *Service) provisions(ctx context.Context, p access.Principal, per Period, sum *Summary) error {
	at := per.To.Add(-time.Second)
	cursor := ""
	for {
		page, err := s.Agreements.ListProvisions(ctx, p, agreement.ProvisionFilter{}, store.PageRequest{Cursor: cursor, Limit: 200})
		if err != nil {
			return err
		}
		for _, pr := range page.Items {
			sum.Provisions[pr.EffectiveStatus(at)]++
			for _, d := range pr.Deadlines {
				met := !d.MetAt.IsZero() && !d.MetAt.After(at)
				if met || d.Due.After(at.Add(upcoming)) {
					continue
				}
				sum.Deadlines = append(sum.Deadlines, Deadline{AgreementID: pr.AgreementID, ProvisionID: pr.ID, Number: pr.Number,
					What: d.What, Due: d.Due, Overdue: d.Due.Before(at)})
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	slices.SortFunc(sum.Deadlines, func(a, b Deadline) int { return a.Due.Compare(b.Due) })
	if len(sum.Deadlines) > maxDeadlines {
		sum.Deadlines = sum.Deadlines[:maxDeadlines]
	}
	return nil
}

// spotZoom is the zoom whose grid cells (about 0.18°) the small map draws
// when a kind has too many records to draw one by one.
const spotZoom = 8

func (s *Service) spots(ctx context.Context, p access.Principal, per Period, sum *Summary) error {
	q := mapview.Request{BBox: geo.BBox{MinLat: -90, MinLon: -180, MaxLat: 90, MaxLon: 180}, Zoom: spotZoom,
		From: per.From, To: per.To, Layers: []string{mapview.LineOfContact, incident.MapIncidents, incident.MapAllegations, incident.MapObservations}}
	view, err := s.Map.Features(ctx, p, q)
	if err != nil {
		return err
	}
	if fc := view.Layers[mapview.LineOfContact]; fc != nil {
		for _, f := range fc.Features {
			for _, l := range geo.LinesOf(f.Geometry) {
				if len(l) > 1 {
					sum.Lines = append(sum.Lines, l)
				}
			}
		}
	}
	for _, kind := range incident.MapKinds {
		fc := view.Layers[kind]
		if fc == nil {
			continue
		}
		for _, f := range fc.Features {
			if f.Geometry.Type != geo.TypePoint || f.Geometry.Point == nil {
				continue
			}
			pt := *f.Geometry.Point
			n := 1
			if c, ok := f.Properties["count"].(int); ok {
				n = c
			}
			sum.Spots = append(sum.Spots, Spot{Point: pt, Kind: kind, Count: n})
		}
	}
	return nil
}
