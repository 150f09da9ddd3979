package incident

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/store"
)

// Proposal is an incident a report may belong to, as fusion scores it.
type Proposal struct {
	IncidentID string   `json:"incident_id"`
	Score      float64  `json:"score" doc:"log-likelihood ratio; above 0 the model would join them"`
	Reasons    []string `json:"reasons"`
	// Ambiguous is set when the incident is not likelier than the other
	// proposals and a new incident together: batch fusion would leave the
	// report alone, and a reviewer should compare before accepting.
	Ambiguous bool `json:"ambiguous,omitempty" doc:"other proposals fit about as well: compare before accepting"`
}

// MaxProposals bounds the proposals asked for one report.
const MaxProposals = 20

// fusionParams are fusion's defaults with the neighbouring categories of
// this package's taxonomy (fusion's own defaults name the simulator's).
func fusionParams() fusion.Params { return withTaxonomy(fusion.DefaultParams()) }

// withTaxonomy sets p's neighbouring categories to this package's taxonomy.
func withTaxonomy(p fusion.Params) fusion.Params {
	p.Neighbours = [][]string{
		{"small_arms_fire", "heavy_weapons_fire"},
		{"heavy_weapons_fire", "drone_or_air_strike", "mine_or_ied"},
		{"forces_movement", "new_fortification"},
		{"attack_on_monitors", "violence_against_civilians"},
	}
	return p
}

// fusionIndex keeps every incident in a fusion engine: the incident's own
// region (its location, radius, time window and category) and its member
// reports, all under one group. The engine cannot remove a report, so a
// changed incident is added again as a new generation (group key
// "inc_x#3") and the old generation is skipped; when stale generations
// outnumber the live ones the index is rebuilt from the store.
type fusionIndex struct {
	mu    sync.Mutex
	built bool
	eng   *fusion.Engine
	live  map[string]liveIncident // incident id -> its current generation
	gen   int
	stale int
	// seen is the log position the index is current to: changes to
	// incidents from it on, by this process or another on the database,
	// are brought in by catchUp.
	seen int64
	// model is the version of the fusion model whose parameters the
	// engine has (0: the defaults); a newer model rebuilds the index.
	model int64
}

type liveIncident struct {
	key     string // the engine's group key, "" when fusion cannot place it
	version int64  // the incident's version it holds
	res     access.Resource
}

func newFusionIndex() *fusionIndex { return &fusionIndex{} }

// reset empties the index; the caller holds mu.
func (x *fusionIndex) reset() { x.resetWith(fusionParams(), 0) }

// resetWith empties the index for an engine with params, those of version
// model of the fusion model; the caller holds mu.
func (x *fusionIndex) resetWith(params fusion.Params, model int64) {
	x.eng = fusion.NewEngine(params)
	x.model = model
	x.live = map[string]liveIncident{}
	x.stale = 0
}

// put adds version v of incident id (its body b and its member reports)
// as a new generation, unless the index holds that version or a later one
// (changes committed concurrently may arrive out of order); the caller
// holds mu. Members fusion cannot take (a region it refuses) are left out
// of the index, not out of the incident.
func (x *fusionIndex) put(id string, v int64, b *IncidentBody, members []fusion.Report) {
	old, ok := x.live[id]
	if ok && old.version >= v {
		return
	}
	if ok && old.key != "" {
		x.stale++
	}
	if b.Withdrawn != nil { // never proposed again
		x.live[id] = liveIncident{version: v}
		return
	}
	x.gen++
	key := id + "#" + strconv.Itoa(x.gen)
	region := incidentReport(key, b)
	if err := x.eng.Add(region, key); err != nil {
		// An incident fusion cannot place is not proposed.
		x.live[id] = liveIncident{version: v}
		return
	}
	for _, m := range members {
		m.ID = m.ID + "#" + key
		_ = x.eng.Add(m, key)
	}
	x.live[id] = liveIncident{key: key, version: v, res: b.Resource()}
}

// keyPattern matches the generation suffixes of the engine's ids, which
// reasons quote.
var keyPattern = regexp.MustCompile(`(#[A-Za-z0-9_-]+)?#[0-9]+`)

// propose returns up to k live incidents that p may read, not in skip,
// for r; the caller holds mu.
func (x *fusionIndex) propose(p access.Principal, r fusion.Report, k int, skip map[string]bool) ([]Proposal, error) {
	want := k + len(skip) + 8
	for {
		got, err := x.eng.Propose(r, want)
		if err != nil {
			return nil, err
		}
		out := []Proposal{}
		seen := map[string]bool{}
		for _, g := range got {
			id, _, _ := strings.Cut(g.Incident, "#")
			l, ok := x.live[id]
			if !ok || l.key != g.Incident || skip[id] || seen[id] || !access.CanRead(p, l.res) {
				continue
			}
			seen[id] = true
			reasons := make([]string, len(g.Reasons))
			for i, s := range g.Reasons {
				reasons[i] = keyPattern.ReplaceAllString(s, "")
			}
			out = append(out, Proposal{IncidentID: id, Score: g.Score, Reasons: reasons})
			if len(out) == k {
				return markAmbiguous(out), nil
			}
		}
		// Fewer than asked: stale, hidden or rejected incidents took the
		// places; ask for more unless the engine had no more to give.
		if len(got) < want || want >= 4096 {
			return markAmbiguous(out), nil
		}
		want *= 4
	}
}

// markAmbiguous flags the proposals that batch fusion's ambiguity rule
// would not join: those not likelier than a new incident and every other
// proposal together. Only proposals the reader sees count, so the flag
// tells nothing of hidden incidents.
func markAmbiguous(ps []Proposal) []Proposal {
	total := 1.0 // a new incident
	for _, p := range ps {
		total += math.Exp(p.Score)
	}
	for i := range ps {
		ps[i].Ambiguous = ps[i].Score <= math.Log(total-math.Exp(ps[i].Score))
	}
	return ps
}

// ensureIndex builds the index from the store on first use (and after it
// was dropped); the caller holds mu.
func (s *Service) ensureIndex(ctx context.Context) error {
	x := s.fused
	params, model := fusionParams(), int64(0)
	if s.modelParams != nil {
		// A model that cannot be read leaves the engine as it is: the
		// proposals go on with the parameters they have.
		if p, v, err := s.modelParams(ctx); err == nil {
			params, model = withTaxonomy(p), v
		} else if x.built {
			model = x.model
		}
	}
	if x.built && x.model == model && x.stale <= max(1000, len(x.live)) {
		return nil
	}
	x.resetWith(params, model)
	seen, err := s.db.LogSize(ctx)
	if err != nil {
		return err
	}
	members := map[string][]fusion.Report{}
	rows, err := s.db.Query(ctx, `SELECT im.incident_id, im.member_id, im.kind, c.body FROM incident_members im
		JOIN changes c ON c.entity = im.kind AND c.id = im.member_id AND c.version = (SELECT MAX(version) FROM changes m WHERE m.entity = im.kind AND m.id = im.member_id)`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var inc, id, kind string
		var body []byte
		if err := rows.Scan(&inc, &id, &kind, &body); err != nil {
			rows.Close()
			return err
		}
		if r, ok := reportOfBody(kind, id, body); ok {
			members[inc] = append(members[inc], r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.Query(ctx, `SELECT r.id, c.version, c.body FROM incidents r `+s.db.Dialect().LatestJoin(EntityIncident)+` ORDER BY r.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v int64
		var body []byte
		if err := rows.Scan(&id, &v, &body); err != nil {
			return err
		}
		var b IncidentBody
		if err := store.DecodeBody(body, &b); err != nil {
			return fmt.Errorf("incident %s: %w", id, err)
		}
		x.put(id, v, &b, members[id])
	}
	if err := rows.Err(); err != nil {
		return err
	}
	x.built, x.seen = true, seen
	return nil
}

// catchUp brings into the index the incidents changed since it was built
// or last caught up, by any process on the database; the caller holds mu.
func (s *Service) catchUp(ctx context.Context) error {
	x := s.fused
	const batch = 1000
	for {
		refs, next, err := s.db.ChangesSince(ctx, x.seen, batch, EntityIncident)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if l, ok := x.live[r.ID]; ok && l.version >= r.Version {
				continue
			}
			body, v, err := s.db.Body(ctx, EntityIncident, r.ID)
			if err != nil {
				return err
			}
			var b IncidentBody
			if err := store.DecodeBody(body, &b); err != nil {
				return fmt.Errorf("incident %s: %w", r.ID, err)
			}
			if err := s.putIncident(ctx, r.ID, v, &b); err != nil {
				return err
			}
		}
		more := next-x.seen == batch
		x.seen = next
		if !more {
			return nil
		}
	}
}

// indexIncident brings version v of a changed incident into the index, once committed.
// An index not built yet is left to be built from the store; one that
// cannot be brought up to date is dropped and rebuilt on next use.
func (s *Service) indexIncident(ctx context.Context, id string, v int64, b *IncidentBody) {
	x := s.fused
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built {
		return
	}
	if err := s.putIncident(ctx, id, v, b); err != nil {
		x.built = false
	}
}

// putIncident puts version v of incident id with its member reports as
// they are now; the caller holds mu.
func (s *Service) putIncident(ctx context.Context, id string, v int64, b *IncidentBody) error {
	x := s.fused
	var members []fusion.Report
	for _, list := range []struct {
		entity string
		ids    []string
	}{{EntityAllegation, b.Allegations}, {EntityObservation, b.Observations}} {
		if len(list.ids) == 0 {
			continue
		}
		cur, err := s.db.Bodies(ctx, list.entity, list.ids)
		if err != nil {
			return err
		}
		for _, m := range list.ids {
			if c, ok := cur[m]; ok {
				if r, ok := reportOfBody(list.entity, m, c.Body); ok {
					members = append(members, r)
				}
			}
		}
	}
	x.put(id, v, b, members)
	return nil
}

// Proposals returns up to k incidents (5 when k is 0) that the report
// reportKind/reportID most likely belongs to, best first: only incidents p
// may read, for a report p may read, leaving out incidents a reviewer has
// rejected for it and the incident that already holds it.
func (s *Service) Proposals(ctx context.Context, p access.Principal, reportKind, reportID string, k int) ([]Proposal, error) {
	if k == 0 {
		k = 5
	}
	if k < 1 || k > MaxProposals {
		return nil, wrap("proposals", errs.Invalid("k", "must be between 1 and %d", MaxProposals))
	}
	r, _, err := s.readReport(ctx, p, reportKind, reportID)
	if err != nil {
		return nil, wrap("proposals", err)
	}
	return s.proposalsFor(ctx, p, r, k)
}

func (s *Service) proposalsFor(ctx context.Context, p access.Principal, r fusion.Report, k int) ([]Proposal, error) {
	skip, err := s.rejected(ctx, r.ID)
	if err != nil {
		return nil, wrap("proposals", err)
	}
	s.fused.mu.Lock()
	defer s.fused.mu.Unlock()
	if err := s.ensureIndex(ctx); err != nil {
		s.fused.built = false
		return nil, wrap("proposals", err)
	}
	if err := s.catchUp(ctx); err != nil {
		s.fused.built = false
		return nil, wrap("proposals", err)
	}
	out, err := s.fused.propose(p, r, k, skip)
	if err != nil {
		// A report fusion cannot place has no proposals.
		return []Proposal{}, nil
	}
	return out, nil
}

// rejected lists the incidents reviewers rejected for a report.
func (s *Service) rejected(ctx context.Context, reportID string) (map[string]bool, error) {
	rows, err := s.db.Query(ctx, `SELECT incident_id FROM reviews WHERE report_id = ? AND decision = ?`, reportID, DecisionReject)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// readReport reads an allegation or observation p may read and returns it
// as fusion sees it, with the label and region a split incident takes.
func (s *Service) readReport(ctx context.Context, p access.Principal, kind, id string) (fusion.Report, reportInfo, error) {
	switch kind {
	case EntityAllegation:
		a, err := s.GetAllegation(ctx, p, id)
		if err != nil {
			return fusion.Report{}, reportInfo{}, err
		}
		r := allegationReport(id, &a.AllegationBody)
		return r, reportInfo{incident: a.IncidentID, category: a.Category, time: a.Time, label: a.Label, status: a.Status, radiusM: r.RadiusM,
			lat: r.Lat, lon: r.Lon}, nil
	case EntityObservation:
		o, err := s.GetObservation(ctx, p, id)
		if err != nil {
			return fusion.Report{}, reportInfo{}, err
		}
		r := observationReport(id, &o.ObservationBody)
		return r, reportInfo{incident: o.IncidentID, category: r.Category, time: o.Time, label: o.Label, status: StatusLodged, radiusM: r.RadiusM,
			lat: r.Lat, lon: r.Lon}, nil
	}
	return fusion.Report{}, reportInfo{}, errs.Invalid("report_kind", "must be allegation or observation")
}

// reportInfo is what a review needs of a report besides its fusion form.
type reportInfo struct {
	incident string // the incident that holds it, "" when none
	category string
	time     TimeSpan
	label    access.Label
	status   string
	radiusM  float64
	lat, lon float64
}

func reportOfBody(kind, id string, body []byte) (fusion.Report, bool) {
	switch kind {
	case EntityAllegation:
		var b AllegationBody
		if store.DecodeBody(body, &b) != nil {
			return fusion.Report{}, false
		}
		return allegationReport(id, &b), true
	case EntityObservation:
		var b ObservationBody
		if store.DecodeBody(body, &b) != nil {
			return fusion.Report{}, false
		}
		return observationReport(id, &b), true
	}
	return fusion.Report{}, false
}

var placePrecisions = map[string]string{
	PrecisionExact: fusion.PlaceExact, PrecisionNearPlace: fusion.PlaceNear,
	PrecisionDistrict: fusion.PlaceDistrict, PrecisionRegion: fusion.PlaceRegion,
}

func timePrecision(t TimeSpan) string {
	switch t.Precision {
	case TimeWindow:
		return fusion.TimeWindow
	case TimeDay:
		return fusion.TimeDay
	}
	return fusion.TimeExact
}

// allegationReport is an allegation as fusion sees it. The source is the
// side (or the outlet, third party, mission) that makes the claim: fusion
// keeps at most one claim per source in an incident and recognises mutual
// accusations by it. A member of the public is a source of its own.
func allegationReport(id string, b *AllegationBody) fusion.Report {
	r := fusion.Report{ID: id, Kind: fusion.Allegation, Perpetrator: b.AllegedPerpetrator, Category: b.Category,
		PlacePrecision: placePrecisions[b.Location.Precision], Lat: b.Location.Point.Lat, Lon: b.Location.Point.Lon,
		RadiusM: math.Max(b.Location.RadiusM, 100), Start: b.Time.Start, End: b.Time.Last(), TimePrecision: timePrecision(b.Time)}
	switch {
	case b.SourceKind == SourceSide:
		r.Source = b.OnBehalfOf
	case b.LodgedBy != "":
		r.Source = b.LodgedBy
	default:
		r.Source = "public:" + id
	}
	if b.SourceKind == SourceMedia {
		r.Kind = fusion.Media
	}
	if r.PlacePrecision == "" {
		r.PlacePrecision = fusion.PlaceRegion
	}
	return r
}

// observationReport is an observation as fusion sees it: its sector, and
// a source of its own (two observations may well see one event).
func observationReport(id string, b *ObservationBody) fusion.Report {
	o := fusion.Observer{Lat: b.Observer.Position.Lat, Lon: b.Observer.Position.Lon, MinM: b.DistanceMinM, MaxM: b.DistanceMaxM, Mode: b.Perception}
	switch {
	case b.BearingFrom != nil && b.BearingTo != nil && *b.BearingTo != *b.BearingFrom:
		o.BearingFromDeg, o.BearingToDeg = *b.BearingFrom, *b.BearingTo
	case b.BearingFrom != nil:
		o.BearingFromDeg = math.Mod(*b.BearingFrom-SingleBearingSpreadDeg+360, 360)
		o.BearingToDeg = math.Mod(*b.BearingFrom+SingleBearingSpreadDeg, 360)
	}
	centre, radius := fusion.SectorCircle(o)
	category, _, _ := observationKind(b.Kind)
	if category == "" {
		category = "other"
	}
	return fusion.Report{ID: id, Kind: fusion.Observation, Source: "observation:" + id, Category: category,
		PlacePrecision: fusion.PlaceSector, Lat: centre.Lat, Lon: centre.Lon, RadiusM: math.Max(radius, 100), Observer: &o,
		Start: b.Time.Start, End: b.Time.Last(), TimePrecision: timePrecision(b.Time)}
}

// incidentReport is an incident's own region as a report of a source of
// its own, so that a report joins only an incident whose place and time it
// agrees with, not merely one of its members.
func incidentReport(key string, b *IncidentBody) fusion.Report {
	return fusion.Report{ID: key, Kind: fusion.Media, Source: "incident:" + key, Perpetrator: Unknown, Category: b.Category,
		PlacePrecision: fusion.PlaceExact, Lat: b.Location.Point.Lat, Lon: b.Location.Point.Lon, RadiusM: math.Max(b.Location.RadiusM, 100),
		Start: b.Time.Start, End: b.Time.Last(), TimePrecision: timePrecision(b.Time)}
}

// QueueItem is a report in no incident with its best proposals.
type QueueItem struct {
	Kind        string       `json:"kind" doc:"allegation or observation"`
	Allegation  *Allegation  `json:"allegation,omitempty"`
	Observation *Observation `json:"observation,omitempty"`
	Proposals   []Proposal   `json:"proposals"`
}

// QueueProposals is how many proposals each queued report carries.
const QueueProposals = 3

// ReviewQueue returns a page of the lodged allegations and the
// observations p may read that no incident holds, newest reported time
// first, each with its best proposals.
func (s *Service) ReviewQueue(ctx context.Context, p access.Principal, page store.PageRequest) (store.Page[QueueItem], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[QueueItem]{}, wrap("review queue", err)
	}
	condA, argsA := access.Filter(p, "r", "allegation_readers")
	condO, argsO := access.Filter(p, "r", "observation_readers")
	unlinked := "NOT EXISTS (SELECT 1 FROM incident_members im WHERE im.member_id = r.id) AND " + notDuplicate
	q := `SELECT kind, id, start_at FROM (
		SELECT 'allegation' AS kind, r.id AS id, r.start_at AS start_at FROM allegations r WHERE ` + condA + ` AND r.status = 'lodged' AND ` + unlinked + `
		UNION ALL
		SELECT 'observation', r.id, r.start_at FROM observations r WHERE ` + condO + ` AND ` + unlinked + `) q`
	args := append(append([]any{}, argsA...), argsO...)
	if len(keys) == 2 {
		q += ` WHERE (start_at, id) < (?, ?)`
		args = append(args, keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[QueueItem]{}, wrap("review queue", errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	q += ` ORDER BY start_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return store.Page[QueueItem]{}, wrap("review queue", err)
	}
	type ref struct{ kind, id, start string }
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.kind, &r.id, &r.start); err != nil {
			rows.Close()
			return store.Page[QueueItem]{}, wrap("review queue", err)
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.Page[QueueItem]{}, wrap("review queue", err)
	}
	pg := store.Paginate(refs, limit, func(r ref) []string { return []string{r.start, r.id} })
	out := store.Page[QueueItem]{Items: make([]QueueItem, 0, len(pg.Items)), Next: pg.Next}
	for _, r := range pg.Items {
		it := QueueItem{Kind: r.kind}
		var fr fusion.Report
		switch r.kind {
		case EntityAllegation:
			a, err := s.GetAllegation(ctx, p, r.id)
			if err != nil {
				return store.Page[QueueItem]{}, wrap("review queue", err)
			}
			it.Allegation = &a
			fr = allegationReport(a.ID, &a.AllegationBody)
		default:
			o, err := s.GetObservation(ctx, p, r.id)
			if err != nil {
				return store.Page[QueueItem]{}, wrap("review queue", err)
			}
			it.Observation = &o
			fr = observationReport(o.ID, &o.ObservationBody)
		}
		if it.Proposals, err = s.proposalsFor(ctx, p, fr, QueueProposals); err != nil {
			return store.Page[QueueItem]{}, err
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}

// newTitle is the title of an incident a report starts when the reviewer
// gives none: its category in words and its day, "Small arms fire, 10 June
// 2021". Pages offer a title in the reader's language instead.
func newTitle(category string, at time.Time) string {
	words := strings.ReplaceAll(category, "_", " ")
	if words != "" {
		words = strings.ToUpper(words[:1]) + words[1:]
	}
	return fmt.Sprintf("%s, %s", words, at.UTC().Format("2 January 2006"))
}
