package transit

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

// Kinds of restriction. A closure stops all movement, a partial
// restriction some of it (e.g. cargo only, or at night); a reopening is an
// instant that ends every closure and partial restriction still open at its
// scope.
const (
	KindClosure   = "closure"
	KindPartial   = "partial"
	KindReopening = "reopening"
)

var restrictionKinds = []string{KindClosure, KindPartial, KindReopening}

// RestrictionInput is a restriction as a client sends it. It applies to a
// checkpoint or to a whole corridor: exactly one of checkpoint_id and
// corridor_id.
type RestrictionInput struct {
	Kind         string `json:"kind" doc:"closure, partial or reopening"`
	CheckpointID string `json:"checkpoint_id,omitempty" doc:"a site layer of subkind checkpoint"`
	CorridorID   string `json:"corridor_id,omitempty" doc:"a corridor layer: the whole corridor"`
	Reason       string `json:"reason,omitempty" doc:"required for a closure or a partial restriction"`
	ByOrg        string `json:"by_org,omitempty" doc:"organisation id of who imposed or lifted it"`
	ByText       string `json:"by_text,omitempty" doc:"who imposed or lifted it, as described"`
	Start        string `json:"start" doc:"RFC 3339"`
	End          string `json:"end,omitempty" doc:"RFC 3339; absent while it lasts, and always for a reopening"`
	Note         string `json:"note,omitempty"`
	Illustrative bool   `json:"illustrative,omitempty"`
	access.LabelInput
}

// RestrictionBody is a restriction as the change log holds it. For a
// checkpoint, CorridorID is the corridor it lay in at the start (found from
// the layers). DurationS is computed from start and end. A reopening lists
// in Ends the restrictions it ended; each of those gets a new version with
// its end set and EndedBy naming the reopening.
type RestrictionBody struct {
	Kind         string     `json:"kind"`
	CheckpointID string     `json:"checkpoint_id,omitempty"`
	CorridorID   string     `json:"corridor_id,omitempty"`
	ScopeName    string     `json:"scope_name"`
	Reason       string     `json:"reason,omitempty"`
	ByOrg        string     `json:"by_org,omitempty"`
	ByText       string     `json:"by_text,omitempty"`
	Start        time.Time  `json:"start"`
	End          *time.Time `json:"end,omitempty"`
	DurationS    *int64     `json:"duration_s,omitempty"`
	EndedBy      string     `json:"ended_by,omitempty"`
	Ends         []string   `json:"ends,omitempty"`
	Note         string     `json:"note,omitempty"`
	Illustrative bool       `json:"illustrative,omitempty"`
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

// DecodeRestrictionInput decodes a client's restriction strictly.
func DecodeRestrictionInput(data []byte) (RestrictionInput, error) {
	var in RestrictionInput
	return in, decodeStrict(data, &in)
}

func (in RestrictionInput) body(now time.Time, owner string) (RestrictionBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := RestrictionBody{Kind: in.Kind, CheckpointID: in.CheckpointID, CorridorID: in.CorridorID, Reason: in.Reason, ByOrg: in.ByOrg, ByText: in.ByText,
		Note: in.Note, Illustrative: in.Illustrative}
	if !slices.Contains(restrictionKinds, in.Kind) {
		ec.Add(errs.Because(errs.Invalid("kind", "must be closure, partial or reopening"), errs.ReasonNotOneOf))
	}
	switch {
	case in.CheckpointID != "" && in.CorridorID != "":
		ec.Add(errs.Invalid("corridor_id", "a restriction applies to a checkpoint or to the whole corridor, not both"))
	case in.CheckpointID != "":
		if err := checkID("checkpoint_id", in.CheckpointID); err != nil {
			ec.Add(err)
		}
	case in.CorridorID != "":
		if err := checkID("corridor_id", in.CorridorID); err != nil {
			ec.Add(err)
		}
	default:
		ec.Add(errs.Because(errs.Invalid("checkpoint_id", "a restriction names a checkpoint or a corridor"), errs.ReasonRequired))
	}
	if in.Reason == "" && in.Kind != KindReopening {
		ec.Add(errs.Because(errs.Invalid("reason", "a %s gives its reason", in.Kind), errs.ReasonRequired))
	}
	for _, t := range [][2]string{{"reason", in.Reason}, {"by_text", in.ByText}, {"note", in.Note}} {
		if t[1] != "" {
			if err := text.CheckText(t[0], t[1], MaxNote); err != nil {
				ec.Add(err)
			}
		}
	}
	if in.ByOrg != "" {
		if err := checkID("by_org", in.ByOrg); err != nil {
			ec.Add(err)
		}
	}
	var err error
	if b.Start, err = pastTime(now, "start", in.Start); err != nil {
		ec.Add(err)
	}
	if in.End != "" {
		if in.Kind == KindReopening {
			ec.Add(errs.Invalid("end", "a reopening is an instant and has no end"))
		}
		end, err := geo.ParseTime("end", in.End)
		if err != nil {
			ec.Add(err)
		}
		if end.Before(b.Start) {
			ec.Add(errs.Invalid("end", "ends before it starts"))
		}
		if end.After(now.Add(ClockSkew)) {
			ec.Add(errs.Because(errs.Invalid("end", "is in the future"), errs.ReasonInFuture))
		}
		b.End = &end
		d := int64(end.Sub(b.Start) / time.Second)
		b.DurationS = &d
	}
	b.Label, err = in.LabelInput.Label(access.Mission, owner)
	ec.Add(err)
	return b, ec.Err()
}

// RecordRestriction records a restriction. A reopening ends, in the same
// transaction, every closure and partial restriction p may read that is
// still open at its scope (for a corridor: the corridor and its
// checkpoints) and began before it.
func (s *Service) RecordRestriction(ctx context.Context, p access.Principal, in RestrictionInput) (Restriction, error) {
	return s.putRestriction(ctx, p, "", 0, in)
}

// UpdateRestriction replaces a restriction, e.g. to give its end. An
// updated reopening ends nothing more: what it ended is kept.
func (s *Service) UpdateRestriction(ctx context.Context, p access.Principal, id string, version int64, in RestrictionInput) (Restriction, error) {
	return s.putRestriction(ctx, p, id, version, in)
}

func (s *Service) putRestriction(ctx context.Context, p access.Principal, id string, version int64, in RestrictionInput) (Restriction, error) {
	if id != "" {
		// A record p may not read is not found, whatever p's roles.
		if _, err := s.GetRestriction(ctx, p, id); err != nil {
			return Restriction{}, err
		}
	}
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return Restriction{}, wrap("record restriction", err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Restriction{}, wrap("record restriction", err)
	}
	var pl place
	if b.CheckpointID != "" {
		pl, err = s.checkpoint(ctx, p, "checkpoint_id", b.CheckpointID, b.Start)
	} else {
		pl, err = s.corridor(ctx, p, "corridor_id", b.CorridorID, b.Start)
	}
	if err != nil {
		return Restriction{}, wrap("record restriction", err)
	}
	b.ScopeName, b.CorridorID = pl.Name, pl.CorridorID
	update := id != ""
	if !update {
		id = s.db.NewID(restrictionPrefix)
	}
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if update {
			var old RestrictionBody
			have, err := tx.Current(EntityRestriction, id, &old)
			if err != nil {
				return err
			}
			if err := access.Decide(p, access.Update, old.Resource()); err != nil {
				return err
			}
			if err := store.CheckVersion(EntityRestriction, id, version, have); err != nil {
				return err
			}
			b.OwnerOrg, b.Ends = old.OwnerOrg, old.Ends
			if old.End != nil && b.End != nil && old.End.Equal(*b.End) {
				b.EndedBy = old.EndedBy
			}
		}
		if b.ByOrg != "" {
			if err := checkOrg(tx, "by_org", b.ByOrg); err != nil {
				return err
			}
		}
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		if b.Kind == KindReopening && !update {
			ended, err := s.endOpen(tx, p, id, b)
			if err != nil {
				return err
			}
			b.Ends = ended
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityRestriction, ID: id, Version: version + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Restriction{}, wrap("record restriction", err)
	}
	return Restriction{ID: id, Version: rec.Version, RestrictionBody: b}, nil
}

// endOpen ends the closures and partial restrictions that reopening id
// (body r) lifts, and returns their ids.
func (s *Service) endOpen(tx *store.Tx, p access.Principal, id string, r RestrictionBody) ([]string, error) {
	cond, args := access.Filter(p, "r", "transit_restriction_readers")
	q := `SELECT r.id FROM transit_restrictions r WHERE ` + cond + ` AND r.kind IN ('closure', 'partial') AND r.end_at = '' AND r.start_at < ?`
	args = append(args, r.Start.UTC().Format(timeText))
	if r.CheckpointID != "" {
		q += ` AND r.checkpoint_id = ?`
		args = append(args, r.CheckpointID)
	} else {
		q += ` AND r.corridor_id = ?`
		args = append(args, r.CorridorID)
	}
	rows, err := tx.Query(q+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, x := range ids {
		var old RestrictionBody
		v, err := tx.Current(EntityRestriction, x, &old)
		if err != nil {
			return nil, err
		}
		end := r.Start
		d := int64(end.Sub(old.Start) / time.Second)
		old.End, old.DurationS, old.EndedBy = &end, &d, id
		if _, err := tx.Record(store.Change{Entity: EntityRestriction, ID: x, Version: v + 1, Actor: p.Actor(), Body: old, Public: old.Resource().Classification == access.Public}); err != nil {
			return nil, err
		}
	}
	return ids, nil
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

// RestrictionFilter narrows a list of restrictions.
type RestrictionFilter struct {
	Window       Window // on the start
	Kind         string
	CheckpointID string
	CorridorID   string // the corridor and its checkpoints
}

// ListRestrictions lists the restrictions p may read, latest start first.
func (s *Service) ListRestrictions(ctx context.Context, p access.Principal, f RestrictionFilter, page store.PageRequest) (store.Page[Restriction], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Restriction]{}, wrap("list restrictions", err)
	}
	if err := f.Window.Check(); err != nil {
		return store.Page[Restriction]{}, wrap("list restrictions", err)
	}
	cond, args := access.Filter(p, "r", "transit_restriction_readers")
	conds := []string{cond}
	conds, args = f.Window.Where("r.start_at", conds, args)
	for _, c := range [][2]string{{"kind", f.Kind}, {"checkpoint_id", f.CheckpointID}, {"corridor_id", f.CorridorID}} {
		if c[1] != "" {
			conds = append(conds, "r."+c[0]+" = ?")
			args = append(args, c[1])
		}
	}
	if len(keys) == 2 {
		conds = append(conds, "(r.start_at < ? OR (r.start_at = ? AND r.id < ?))")
		args = append(args, keys[0], keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[Restriction]{}, wrap("list restrictions", errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	q := `SELECT r.id, c.version, c.body, r.start_at FROM (SELECT r.id, r.start_at FROM transit_restrictions r WHERE ` + joinAnd(conds) +
		` ORDER BY r.start_at DESC, r.id DESC LIMIT ?) r ` + s.db.Dialect().LatestJoin(EntityRestriction) + ` ORDER BY r.start_at DESC, r.id DESC`
	rows, err := s.db.Query(ctx, q, append(args, limit+1)...)
	if err != nil {
		return store.Page[Restriction]{}, wrap("list restrictions", err)
	}
	defer rows.Close()
	items, starts, err := scanRestrictions(rows)
	if err != nil {
		return store.Page[Restriction]{}, wrap("list restrictions", err)
	}
	return store.Paginate(items, limit, func(r Restriction) []string { return []string{starts[r.ID], r.ID} }), nil
}

type scanner interface {
	Next() bool
	Scan(...any) error
	Err() error
}

func scanRestrictions(rows scanner) ([]Restriction, map[string]string, error) {
	var items []Restriction
	starts := map[string]string{}
	for rows.Next() {
		var r Restriction
		var body []byte
		var start string
		if err := rows.Scan(&r.ID, &r.Version, &body, &start); err != nil {
			return nil, nil, err
		}
		if err := store.DecodeBody(body, &r.RestrictionBody); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", r.ID, err)
		}
		starts[r.ID] = start
		items = append(items, r)
	}
	return items, starts, rows.Err()
}

func restrictionRows(id string, b *RestrictionBody) (map[string][][]any, error) {
	end := ""
	if b.End != nil {
		end = b.End.UTC().Format(timeText)
	}
	var dur any
	if b.DurationS != nil {
		dur = *b.DurationS
	}
	return map[string][][]any{
		"transit_restrictions": {{id, b.Kind, b.CorridorID, b.CheckpointID, b.Start.UTC().Format(timeText), end, dur, spanClass(b.DurationS), b.ByOrg,
			string(b.Classification), b.OwnerOrg}},
		"transit_restriction_readers": b.ReaderRows(id),
	}, nil
}

// maxSpanClass is the largest duration class: 2^24 hours is over 1,900
// years, so every duration fits.
const maxSpanClass = 24

// spanClass is a restriction's duration class, the smallest c such that it
// lasted at most 2^c hours; -1 while it lasts. A restriction of class c in
// force at t started within 2^c hours before t, which bounds the range of
// the start index that the status query reads per class.
func spanClass(durationS *int64) int64 {
	if durationS == nil {
		return -1
	}
	c := int64(0)
	for c < maxSpanClass && *durationS > int64(3600)<<c {
		c++
	}
	return c
}
