package incident

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// PatrolInput is a patrol as a client sends it.
type PatrolInput struct {
	Team  []string `json:"team" doc:"its members: user ids or names"`
	Route geo.Line `json:"route" doc:"the route, as points {lat, lon}"`
	Start string   `json:"start" doc:"RFC 3339"`
	End   string   `json:"end,omitempty" doc:"RFC 3339; absent while the patrol is out"`
	Note  string   `json:"note,omitempty"`
	access.LabelInput
}

// PatrolBody is a patrol as the change log holds it.
type PatrolBody struct {
	Team  []string   `json:"team"`
	Route geo.Line   `json:"route"`
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end,omitempty"`
	Note  string     `json:"note,omitempty"`
	access.Label
}

// Patrol is a patrol with its id and version.
type Patrol struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	PatrolBody
}

// Resource is the policy's view of the patrol.
func (b PatrolBody) Resource() access.Resource { return kindPatrol.Of(b.Label) }

func startEnd(now time.Time, start, end string) (time.Time, *time.Time, error) {
	s, err := geo.ParseTime("start", start)
	if err != nil {
		return s, nil, err
	}
	if s.After(now.Add(ClockSkew)) {
		return s, nil, errs.Invalid("start", "is in the future")
	}
	if end == "" {
		return s, nil, nil
	}
	e, err := geo.ParseTime("end", end)
	if err != nil {
		return s, nil, err
	}
	if e.Before(s) {
		return s, nil, errs.Invalid("end", "ends before it starts")
	}
	if e.After(now.Add(ClockSkew)) {
		return s, nil, errs.Invalid("end", "is in the future")
	}
	return s, &e, nil
}

func (in PatrolInput) body(now time.Time, owner string) (PatrolBody, error) {
	b := PatrolBody{Route: in.Route, Note: in.Note}
	if len(in.Team) == 0 || len(in.Team) > 50 {
		return b, errs.Invalid("team", "a patrol has 1 to 50 members")
	}
	for i, m := range in.Team {
		if err := text.CheckName(fmt.Sprintf("team[%d]", i), m, 200); err != nil {
			return b, err
		}
	}
	b.Team = append([]string{}, in.Team...)
	if err := geo.ValidateLine(in.Route); err != nil {
		return b, errs.Prefix("route", err)
	}
	var err error
	if b.Start, b.End, err = startEnd(now, in.Start, in.End); err != nil {
		return b, err
	}
	if in.Note != "" {
		if err := text.CheckText("note", in.Note, MaxNarrative); err != nil {
			return b, err
		}
	}
	b.Label, err = in.LabelInput.Label(access.Mission, owner)
	return b, err
}

// RecordPatrol records a patrol.
func (s *Service) RecordPatrol(ctx context.Context, p access.Principal, in PatrolInput) (Patrol, error) {
	return s.putPatrol(ctx, p, "", 0, in)
}

// UpdatePatrol replaces a patrol (e.g. to give its end).
func (s *Service) UpdatePatrol(ctx context.Context, p access.Principal, id string, version int64, in PatrolInput) (Patrol, error) {
	return s.putPatrol(ctx, p, id, version, in)
}

func (s *Service) putPatrol(ctx context.Context, p access.Principal, id string, version int64, in PatrolInput) (Patrol, error) {
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return Patrol{}, wrap("record patrol", err)
	}
	action := access.Create
	if id != "" {
		action = access.Update
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Patrol{}, wrap("record patrol", err)
	}
	if id == "" {
		id = s.db.NewID(patrolPrefix)
	}
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if action == access.Update {
			var old PatrolBody
			have, err := tx.Current(EntityPatrol, id, &old)
			if err != nil {
				return err
			}
			if err := access.Decide(p, access.Update, old.Resource()); err != nil {
				return err
			}
			if err := store.CheckVersion(EntityPatrol, id, version, have); err != nil {
				return err
			}
			b.OwnerOrg = old.OwnerOrg
		}
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityPatrol, ID: id, Version: version + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Patrol{}, wrap("record patrol", err)
	}
	return Patrol{ID: id, Version: rec.Version, PatrolBody: b}, nil
}

// GetPatrol returns a patrol p may read.
func (s *Service) GetPatrol(ctx context.Context, p access.Principal, id string) (Patrol, error) {
	pt := Patrol{ID: id}
	v, err := s.db.Current(ctx, EntityPatrol, id, &pt.PatrolBody)
	if err != nil {
		return Patrol{}, wrap("get patrol", err)
	}
	if err := access.Decide(p, access.Read, pt.Resource()); err != nil {
		return Patrol{}, wrap("get patrol", err)
	}
	pt.Version = v
	return pt, nil
}

func patrolRows(id string, b *PatrolBody) (map[string][][]any, error) {
	end := ""
	if b.End != nil {
		end = b.End.UTC().Format(timeText)
	}
	bb := b.Route.Bounds()
	return map[string][][]any{
		"patrols":        {{id, b.Start.UTC().Format(timeText), end, dayOf(b.Start), bb.MinLat, bb.MinLon, bb.MaxLat, bb.MaxLon, string(b.Classification), b.OwnerOrg}},
		"patrol_readers": b.ReaderRows(id),
	}, nil
}

// Kinds of restriction of the mission's freedom of movement.
var restrictionKinds = []string{"denied", "delayed", "conditional"}

// RestrictionInput is a restriction of freedom of movement as a client
// sends it.
type RestrictionInput struct {
	PatrolID string    `json:"patrol_id,omitempty"`
	Kind     string    `json:"kind" doc:"denied, delayed or conditional"`
	Where    geo.Point `json:"where"`
	ByOrg    string    `json:"by_org,omitempty" doc:"organisation id of who restricted, when known"`
	ByText   string    `json:"by_text,omitempty" doc:"who restricted, as described (e.g. the unit at the checkpoint)"`
	Reason   string    `json:"reason,omitempty" doc:"the reason given"`
	Impact   string    `json:"impact,omitempty" doc:"what the patrol could not do"`
	Start    string    `json:"start" doc:"RFC 3339"`
	End      string    `json:"end,omitempty" doc:"RFC 3339; absent while it lasts"`
	access.LabelInput
}

// RestrictionBody is a restriction as the change log holds it; DurationS is
// computed from start and end on write.
type RestrictionBody struct {
	PatrolID  string       `json:"patrol_id,omitempty"`
	Kind      string       `json:"kind"`
	Where     geo.Point    `json:"where"`
	ByOrg     string       `json:"by_org,omitempty"`
	ByText    string       `json:"by_text,omitempty"`
	Reason    string       `json:"reason,omitempty"`
	Impact    string       `json:"impact,omitempty"`
	Start     time.Time    `json:"start"`
	End       *time.Time   `json:"end,omitempty"`
	DurationS *int64       `json:"duration_s,omitempty"`
	Geography geo.Location `json:"geography"`
	access.Label
}

// Restriction is a restriction with its id and version.
type Restriction struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	RestrictionBody
}

// Resource is the policy's view of the restriction.
func (b RestrictionBody) Resource() access.Resource { return kindRestriction.Of(b.Label) }

func (in RestrictionInput) body(now time.Time, owner string) (RestrictionBody, error) {
	b := RestrictionBody{PatrolID: in.PatrolID, Kind: in.Kind, Where: in.Where, ByOrg: in.ByOrg, ByText: in.ByText, Reason: in.Reason, Impact: in.Impact}
	if in.PatrolID != "" {
		if err := checkID("patrol_id", in.PatrolID); err != nil {
			return b, err
		}
	}
	if err := oneOf("kind", in.Kind, restrictionKinds); err != nil {
		return b, err
	}
	if err := in.Where.Validate(); err != nil {
		return b, errs.Prefix("where", err)
	}
	if in.ByOrg != "" {
		if err := checkID("by_org", in.ByOrg); err != nil {
			return b, err
		}
	}
	for _, t := range [][2]string{{"by_text", in.ByText}, {"reason", in.Reason}, {"impact", in.Impact}} {
		if t[1] != "" {
			if err := text.CheckText(t[0], t[1], 2000); err != nil {
				return b, err
			}
		}
	}
	var err error
	if b.Start, b.End, err = startEnd(now, in.Start, in.End); err != nil {
		return b, err
	}
	if b.End != nil {
		d := int64(b.End.Sub(b.Start) / time.Second)
		b.DurationS = &d
	}
	b.Label, err = in.LabelInput.Label(access.Mission, owner)
	return b, err
}

// RecordRestriction records a restriction of the mission's freedom of
// movement.
func (s *Service) RecordRestriction(ctx context.Context, p access.Principal, in RestrictionInput) (Restriction, error) {
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return Restriction{}, wrap("record restriction", err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Restriction{}, wrap("record restriction", err)
	}
	if b.Geography, err = s.geo.LocateFor(ctx, locator, b.Where, b.Start); err != nil {
		return Restriction{}, wrap("record restriction", err)
	}
	id := s.db.NewID(restrictionPrefix)
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if b.PatrolID != "" {
			var pb PatrolBody
			if _, err := tx.Current(EntityPatrol, b.PatrolID, &pb); err != nil {
				if errs.CodeOf(err) == errs.CodeNotFound {
					return errs.Invalid("patrol_id", "no patrol %s", b.PatrolID)
				}
				return err
			}
		}
		if b.ByOrg != "" {
			if _, err := orgKind(tx, "by_org", b.ByOrg); err != nil {
				return err
			}
		}
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityRestriction, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Restriction{}, wrap("record restriction", err)
	}
	return Restriction{ID: id, Version: rec.Version, RestrictionBody: b}, nil
}

// GetRestriction returns a restriction p may read.
func (s *Service) GetRestriction(ctx context.Context, p access.Principal, id string) (Restriction, error) {
	r := Restriction{ID: id}
	v, err := s.db.Current(ctx, EntityRestriction, id, &r.RestrictionBody)
	if err != nil {
		return Restriction{}, wrap("get restriction", err)
	}
	if err := access.Decide(p, access.Read, r.Resource()); err != nil {
		return Restriction{}, wrap("get restriction", err)
	}
	r.Version = v
	return r, nil
}

func restrictionRows(id string, b *RestrictionBody) (map[string][][]any, error) {
	var dur any
	if b.DurationS != nil {
		dur = *b.DurationS
	}
	return map[string][][]any{
		"fom_restrictions": {{id, b.PatrolID, b.Kind, b.ByOrg, b.Where.Lat, b.Where.Lon, b.Start.UTC().Format(timeText),
			dayOf(b.Start), weekOf(b.Start), dur, firstZone(b.Geography), string(b.Classification), b.OwnerOrg}},
		"fom_restriction_readers": b.ReaderRows(id),
	}, nil
}
