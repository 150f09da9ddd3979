package returns

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Topics a monitoring visit looks into (UNHCR practice, DOMAIN.md).
var Topics = []string{"documentation", "access_to_services", "shelter", "livelihoods", "protection_risks"}

// Ratings of what a visit found on a topic, from no concern to one that
// needs action at once; not_assessed keeps a topic the team could not
// look into on the record.
var Ratings = []string{"no_concern", "some_concern", "serious_concern", "critical", "not_assessed"}

// Finding is what a visit found on one topic.
type Finding struct {
	Topic  string `json:"topic" doc:"documentation, access_to_services, shelter, livelihoods or protection_risks"`
	Rating string `json:"rating" doc:"no_concern, some_concern, serious_concern, critical or not_assessed"`
	Note   string `json:"note,omitempty"`
}

// VisitInput is a monitoring visit as a client sends it.
type VisitInput struct {
	MovementID   string    `json:"movement_id,omitempty" doc:"the movement whose returnees were visited"`
	PlaceID      string    `json:"place_id,omitempty" doc:"where; the movement's destination when absent"`
	Date         string    `json:"date" doc:"RFC 3339"`
	Findings     []Finding `json:"findings" doc:"one per topic looked into"`
	FollowUpDue  string    `json:"follow_up_due,omitempty" doc:"RFC 3339: when the next visit is due"`
	FollowsUp    string    `json:"follows_up,omitempty" doc:"the earlier visit this one follows up; that visit's follow-up is then done"`
	Team         string    `json:"team,omitempty" doc:"who visited, as described"`
	Note         string    `json:"note,omitempty"`
	Illustrative bool      `json:"illustrative,omitempty"`
	access.LabelInput
}

// VisitBody is a visit as the change log holds it; PlaceID is the
// movement's destination when the client gave none.
type VisitBody struct {
	MovementID   string     `json:"movement_id,omitempty"`
	PlaceID      string     `json:"place_id"`
	Date         time.Time  `json:"date"`
	Findings     []Finding  `json:"findings"`
	FollowUpDue  *time.Time `json:"follow_up_due,omitempty"`
	FollowsUp    string     `json:"follows_up,omitempty"`
	Team         string     `json:"team,omitempty"`
	Note         string     `json:"note,omitempty"`
	Illustrative bool       `json:"illustrative,omitempty"`
	access.Label
}

// Visit is a visit with its id, version and, derived when read, whether
// its follow-up is overdue: due before now and no later visit follows it
// up.
type Visit struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	VisitBody
	FollowedUpBy []string `json:"followed_up_by,omitempty" doc:"visits that follow this one up (derived)"`
	Overdue      bool     `json:"follow_up_overdue" doc:"derived when read: the follow-up is due and no visit follows this one up"`
}

// Resource is the policy's view of the visit.
func (b VisitBody) Resource() access.Resource { return kindVisit.Of(b.Label) }

// DecodeVisitInput decodes a client's visit strictly.
func DecodeVisitInput(data []byte) (VisitInput, error) {
	var in VisitInput
	return in, decodeStrict(data, &in)
}

func (in VisitInput) body(now time.Time, owner string) (VisitBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := VisitBody{MovementID: in.MovementID, PlaceID: in.PlaceID, FollowsUp: in.FollowsUp, Team: in.Team, Note: in.Note, Illustrative: in.Illustrative}
	if in.MovementID == "" && in.PlaceID == "" {
		ec.Add(errs.Because(errs.Invalid("place_id", "a visit names a movement or a place"), errs.ReasonRequired))
	}
	for _, f := range [][2]string{{"movement_id", in.MovementID}, {"place_id", in.PlaceID}, {"follows_up", in.FollowsUp}} {
		if f[1] != "" {
			if err := checkID(f[0], f[1]); err != nil {
				ec.Add(err)
			}
		}
	}
	var err error
	if b.Date, err = pastTime(now, "date", in.Date); err != nil {
		ec.Add(err)
	}
	if len(in.Findings) == 0 {
		ec.Add(errs.Because(errs.Invalid("findings", "a visit records at least one topic"), errs.ReasonRequired))
	}
	if len(in.Findings) > len(Topics) {
		ec.Add(errs.Invalid("findings", "at most one finding per topic"))
	}
	for i, f := range in.Findings {
		field := fmt.Sprintf("findings[%d]", i)
		if !slices.Contains(Topics, f.Topic) {
			ec.Add(errs.Because(errs.Invalid(field+".topic", "must be one of documentation, access_to_services, shelter, livelihoods, protection_risks"), errs.ReasonNotOneOf))
		}
		if slices.ContainsFunc(in.Findings[:i], func(g Finding) bool { return g.Topic == f.Topic }) {
			ec.Add(errs.Because(errs.Invalid(field+".topic", "%s is given twice", f.Topic), errs.ReasonDuplicate))
		}
		if !slices.Contains(Ratings, f.Rating) {
			ec.Add(errs.Because(errs.Invalid(field+".rating", "must be one of no_concern, some_concern, serious_concern, critical, not_assessed"), errs.ReasonNotOneOf))
		}
		if f.Note != "" {
			if err := text.CheckText(field+".note", f.Note, MaxVisitNote); err != nil {
				ec.Add(err)
			}
		}
	}
	b.Findings = slices.Clone(in.Findings)
	if in.FollowUpDue != "" {
		due, err := geo.ParseTime("follow_up_due", in.FollowUpDue)
		if err != nil {
			ec.Add(err)
		} else if !due.After(b.Date) && !ec.Has("date") {
			ec.Add(errs.Invalid("follow_up_due", "must be after the visit"))
		}
		b.FollowUpDue = &due
	}
	if in.Team != "" {
		if err := text.CheckName("team", in.Team, MaxName); err != nil {
			ec.Add(err)
		}
	}
	if in.Note != "" {
		if err := text.CheckText("note", in.Note, MaxVisitNote); err != nil {
			ec.Add(err)
		}
	}
	b.Label, err = in.LabelInput.Label(access.Mission, owner)
	ec.Add(err)
	return b, ec.Err()
}

// RecordVisit records a monitoring visit.
func (s *Service) RecordVisit(ctx context.Context, p access.Principal, in VisitInput) (Visit, error) {
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return Visit{}, wrap("record visit", err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Visit{}, wrap("record visit", err)
	}
	id := s.db.NewID(visitPrefix)
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if b.MovementID != "" {
			var m MovementBody
			_, err := tx.Current(EntityMovement, b.MovementID, &m)
			if err == nil && !access.CanRead(p, m.Resource()) {
				err = errs.NotFound("hidden")
			}
			if errs.CodeOf(err) == errs.CodeNotFound {
				return errs.Invalid("movement_id", "no movement %s", b.MovementID)
			}
			if err != nil {
				return err
			}
			if b.PlaceID == "" {
				b.PlaceID = m.DestinationPlaceID
			}
		}
		if _, err := placeName(tx, p, b.Label, "place_id", b.PlaceID); err != nil {
			return err
		}
		if b.FollowsUp != "" {
			var earlier VisitBody
			_, err := tx.Current(EntityVisit, b.FollowsUp, &earlier)
			if err == nil && !access.CanRead(p, earlier.Resource()) {
				err = errs.NotFound("hidden")
			}
			if errs.CodeOf(err) == errs.CodeNotFound {
				return errs.Invalid("follows_up", "no visit %s", b.FollowsUp)
			}
			if err != nil {
				return err
			}
			if !earlier.Date.Before(b.Date) {
				return errs.Invalid("follows_up", "visit %s is not earlier than this one", b.FollowsUp)
			}
		}
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityVisit, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Visit{}, wrap("record visit", err)
	}
	v := Visit{ID: id, Version: rec.Version, VisitBody: b}
	v.Overdue = b.FollowUpDue != nil && b.FollowUpDue.Before(s.now())
	return v, nil
}

// GetVisit returns a visit p may read, with its follow-up state at now.
func (s *Service) GetVisit(ctx context.Context, p access.Principal, id string) (Visit, error) {
	v := Visit{ID: id}
	ver, err := s.db.Current(ctx, EntityVisit, id, &v.VisitBody)
	if err != nil {
		return Visit{}, wrap("get visit", err)
	}
	if err := access.Decide(p, access.Read, v.Resource()); err != nil {
		return Visit{}, wrap("get visit", err)
	}
	v.Version = ver
	if err := s.followUps(ctx, p, []*Visit{&v}); err != nil {
		return Visit{}, wrap("get visit", err)
	}
	return v, nil
}

// followUps fills in which visits p may read follow each of vs up, and
// whether each is overdue at the service's clock.
func (s *Service) followUps(ctx context.Context, p access.Principal, vs []*Visit) error {
	if len(vs) == 0 {
		return nil
	}
	cond, args := access.Filter(p, "r", "return_visit_readers")
	byID := map[string]*Visit{}
	q := `SELECT r.id, r.follows_up FROM return_visits r WHERE ` + cond + ` AND r.follows_up IN (`
	for i, v := range vs {
		if i > 0 {
			q += ", "
		}
		q += "?"
		args = append(args, v.ID)
		byID[v.ID] = v
	}
	rows, err := s.db.Query(ctx, q+`) ORDER BY r.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, of string
		if err := rows.Scan(&id, &of); err != nil {
			return err
		}
		byID[of].FollowedUpBy = append(byID[of].FollowedUpBy, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	now := s.now()
	for _, v := range vs {
		v.Overdue = v.FollowUpDue != nil && v.FollowUpDue.Before(now) && len(v.FollowedUpBy) == 0
	}
	return nil
}

// VisitFilter narrows a list of visits.
type VisitFilter struct {
	Window     Window
	MovementID string
	PlaceID    string
	// Overdue keeps only visits whose follow-up is overdue at the clock.
	Overdue bool
}

// ListVisits lists the visits p may read, latest first.
func (s *Service) ListVisits(ctx context.Context, p access.Principal, f VisitFilter, page store.PageRequest) (store.Page[Visit], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Visit]{}, wrap("list visits", err)
	}
	conds, args, err := f.conds(p, s.now())
	if err != nil {
		return store.Page[Visit]{}, wrap("list visits", err)
	}
	if len(keys) == 2 {
		conds = append(conds, "(r.date_at < ? OR (r.date_at = ? AND r.id < ?))")
		args = append(args, keys[0], keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[Visit]{}, wrap("list visits", errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	q := `SELECT r.id, c.version, c.body, r.date_at FROM (SELECT r.id, r.date_at FROM return_visits r WHERE ` + joinAnd(conds) +
		` ORDER BY r.date_at DESC, r.id DESC LIMIT ?) r ` + s.db.Dialect().LatestJoin(EntityVisit) + ` ORDER BY r.date_at DESC, r.id DESC`
	rows, err := s.db.Query(ctx, q, append(args, limit+1)...)
	if err != nil {
		return store.Page[Visit]{}, wrap("list visits", err)
	}
	var items []Visit
	dates := map[string]string{}
	for rows.Next() {
		var v Visit
		var body []byte
		var date string
		if err := rows.Scan(&v.ID, &v.Version, &body, &date); err != nil {
			rows.Close()
			return store.Page[Visit]{}, wrap("list visits", err)
		}
		if err := store.DecodeBody(body, &v.VisitBody); err != nil {
			rows.Close()
			return store.Page[Visit]{}, wrap("list visits", fmt.Errorf("%s: %w", v.ID, err))
		}
		dates[v.ID] = date
		items = append(items, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.Page[Visit]{}, wrap("list visits", err)
	}
	ptrs := make([]*Visit, len(items))
	for i := range items {
		ptrs[i] = &items[i]
	}
	if err := s.followUps(ctx, p, ptrs); err != nil {
		return store.Page[Visit]{}, wrap("list visits", err)
	}
	return store.Paginate(items, limit, func(v Visit) []string { return []string{dates[v.ID], v.ID} }), nil
}

func visitRows(id string, b *VisitBody) (map[string][][]any, error) {
	due := ""
	if b.FollowUpDue != nil {
		due = b.FollowUpDue.UTC().Format(timeText)
	}
	return map[string][][]any{
		"return_visits":        {{id, b.MovementID, b.PlaceID, b.Date.UTC().Format(timeText), due, b.FollowsUp, string(b.Classification), b.OwnerOrg}},
		"return_visit_readers": b.ReaderRows(id),
	}, nil
}
