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

// Kinds of movement. Mixed is for an aggregate figure (a bulletin's count
// since a date) that does not say how people travelled.
const (
	KindOrganised   = "organised"
	KindSpontaneous = "spontaneous"
	KindMixed       = "mixed"
)

var movementKinds = []string{KindOrganised, KindSpontaneous, KindMixed}

// Sexes and age bands of a breakdown; "unknown" keeps a count whose sex or
// age was not recorded inside the total instead of outside it.
var (
	Sexes    = []string{"female", "male", "unknown"}
	AgeBands = []string{"0-4", "5-17", "18-59", "60+", "unknown"}
)

// MaxPeople bounds one record's total, well above any single movement or
// bulletin figure, so that sums stay exact.
const MaxPeople = 10_000_000

// PeopleCount is how many people of one sex and one age band moved.
type PeopleCount struct {
	Sex   string `json:"sex" doc:"female, male or unknown"`
	Age   string `json:"age" doc:"0-4, 5-17, 18-59, 60+ or unknown"`
	Count int64  `json:"count"`
}

// MovementInput is a return movement as a client sends it.
type MovementInput struct {
	Date               string        `json:"date" doc:"RFC 3339: when the people arrived; for an aggregate figure, the date it is as of"`
	Since              string        `json:"since,omitempty" doc:"RFC 3339: for an aggregate figure, the start of the period it counts"`
	OriginPlaceID      string        `json:"origin_place_id,omitempty" doc:"where they came from, as a place in the gazetteer"`
	OriginText         string        `json:"origin_text,omitempty" doc:"where they came from, as described (when no place fits)"`
	DestinationPlaceID string        `json:"destination_place_id" doc:"the settlement they returned to: a place in the gazetteer"`
	People             []PeopleCount `json:"people,omitempty" doc:"breakdown by sex and age band; when given it must add up to total"`
	Total              int64         `json:"total" doc:"how many people, at least 1"`
	Kind               string        `json:"kind" doc:"organised, spontaneous or mixed (an aggregate of both)"`
	EscortOrg          string        `json:"escort_org,omitempty" doc:"organisation id of the escort"`
	VerifiedBy         string        `json:"voluntariness_verified_by,omitempty" doc:"organisation id that verified the return was voluntary (e.g. UNHCR); required for an organised return"`
	Source             string        `json:"source,omitempty" doc:"where the figure comes from, e.g. a bulletin"`
	Note               string        `json:"note,omitempty"`
	Illustrative       bool          `json:"illustrative,omitempty"`
	access.LabelInput
}

// MovementBody is a movement as the change log holds it. DestinationName
// is the place's default name when the movement was written.
type MovementBody struct {
	Date               time.Time     `json:"date"`
	Since              *time.Time    `json:"since,omitempty"`
	OriginPlaceID      string        `json:"origin_place_id,omitempty"`
	OriginText         string        `json:"origin_text,omitempty"`
	DestinationPlaceID string        `json:"destination_place_id"`
	DestinationName    string        `json:"destination_name"`
	People             []PeopleCount `json:"people,omitempty"`
	Total              int64         `json:"total"`
	Kind               string        `json:"kind"`
	EscortOrg          string        `json:"escort_org,omitempty"`
	VerifiedBy         string        `json:"voluntariness_verified_by,omitempty"`
	Source             string        `json:"source,omitempty"`
	Note               string        `json:"note,omitempty"`
	Illustrative       bool          `json:"illustrative,omitempty"`
	access.Label
}

// Movement is a movement with its id and version.
type Movement struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	MovementBody
}

// Resource is the policy's view of the movement.
func (b MovementBody) Resource() access.Resource { return kindMovement.Of(b.Label) }

// DecodeMovementInput decodes a client's movement strictly.
func DecodeMovementInput(data []byte) (MovementInput, error) {
	var in MovementInput
	return in, decodeStrict(data, &in)
}

func checkID(field, id string) error {
	if id == "" {
		return errs.Required(field)
	}
	if len(id) > 64 {
		return errs.Because(errs.Invalid(field, "must be an id"), errs.ReasonNotAnID)
	}
	for _, r := range id {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return errs.Because(errs.Invalid(field, "must be an id"), errs.ReasonNotAnID)
		}
	}
	return nil
}

// pastTime parses a reported time and refuses one in the future.
func pastTime(now time.Time, field, s string) (time.Time, error) {
	t, err := geo.ParseTime(field, s)
	if err != nil {
		return t, err
	}
	if t.After(now.Add(ClockSkew)) {
		return t, errs.Because(errs.Invalid(field, "is in the future"), errs.ReasonInFuture)
	}
	return t, nil
}

// body checks everything that needs no database; the references
// (places, organisations) are checked on write.
func (in MovementInput) body(now time.Time, owner string) (MovementBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := MovementBody{OriginPlaceID: in.OriginPlaceID, OriginText: in.OriginText, DestinationPlaceID: in.DestinationPlaceID,
		Total: in.Total, Kind: in.Kind, EscortOrg: in.EscortOrg, VerifiedBy: in.VerifiedBy, Source: in.Source, Note: in.Note, Illustrative: in.Illustrative}
	var err error
	if b.Date, err = pastTime(now, "date", in.Date); err != nil {
		ec.Add(err)
	}
	if in.Since != "" {
		since, err := geo.ParseTime("since", in.Since)
		if err != nil {
			ec.Add(err)
		} else if !since.Before(b.Date) && !ec.Has("date") {
			ec.Add(errs.Invalid("since", "must be before date"))
		}
		b.Since = &since
	}
	if in.OriginPlaceID != "" {
		if err := checkID("origin_place_id", in.OriginPlaceID); err != nil {
			ec.Add(err)
		}
	}
	if in.OriginText != "" {
		if err := text.CheckName("origin_text", in.OriginText, MaxName); err != nil {
			ec.Add(err)
		}
	}
	if err := checkID("destination_place_id", in.DestinationPlaceID); err != nil {
		ec.Add(err)
	}
	if in.Total < 1 || in.Total > MaxPeople {
		ec.Add(errs.OutOfRange("total", 1, MaxPeople))
	}
	if len(in.People) > len(Sexes)*len(AgeBands) {
		ec.Add(errs.Invalid("people", "at most one count per sex and age band"))
	}
	seen := map[[2]string]bool{}
	var sum int64
	for i, c := range in.People {
		field := fmt.Sprintf("people[%d]", i)
		if !slices.Contains(Sexes, c.Sex) {
			ec.Add(errs.Because(errs.Invalid(field+".sex", "must be one of female, male, unknown"), errs.ReasonNotOneOf))
		}
		if !slices.Contains(AgeBands, c.Age) {
			ec.Add(errs.Because(errs.Invalid(field+".age", "must be one of 0-4, 5-17, 18-59, 60+, unknown"), errs.ReasonNotOneOf))
		}
		if seen[[2]string{c.Sex, c.Age}] {
			ec.Add(errs.Because(errs.Invalid(field, "%s aged %s is counted twice", c.Sex, c.Age), errs.ReasonDuplicate))
		}
		seen[[2]string{c.Sex, c.Age}] = true
		if c.Count < 0 {
			ec.Add(errs.Because(errs.Invalid(field+".count", "must not be negative"), errs.ReasonTooSmall, "min", 0))
		}
		if c.Count > MaxPeople {
			ec.Add(errs.Because(errs.Invalid(field+".count", "must be at most %d", MaxPeople), errs.ReasonTooLarge, "max", MaxPeople))
		}
		sum += c.Count
	}
	if len(in.People) > 0 {
		if sum != in.Total {
			ec.Add(errs.Invalid("total", "is %d but the counts by sex and age add up to %d", in.Total, sum))
		}
		b.People = slices.Clone(in.People)
	}
	if !slices.Contains(movementKinds, in.Kind) {
		ec.Add(errs.Because(errs.Invalid("kind", "must be organised, spontaneous or mixed"), errs.ReasonNotOneOf))
	}
	if in.EscortOrg != "" {
		if err := checkID("escort_org", in.EscortOrg); err != nil {
			ec.Add(err)
		}
	}
	if in.VerifiedBy != "" {
		if err := checkID("voluntariness_verified_by", in.VerifiedBy); err != nil {
			ec.Add(err)
		}
	} else if in.Kind == KindOrganised {
		ec.Add(errs.Because(errs.Invalid("voluntariness_verified_by", "an organised return names the organisation that verified it was voluntary"), errs.ReasonRequired))
	}
	for _, t := range [][2]string{{"source", in.Source}, {"note", in.Note}} {
		if t[1] != "" {
			if err := text.CheckText(t[0], t[1], MaxMovementNote); err != nil {
				ec.Add(err)
			}
		}
	}
	b.Label, err = in.LabelInput.Label(access.Mission, owner)
	ec.Add(err)
	return b, ec.Err()
}

// RecordMovement records a return movement.
func (s *Service) RecordMovement(ctx context.Context, p access.Principal, in MovementInput) (Movement, error) {
	return s.putMovement(ctx, p, "", 0, in)
}

// UpdateMovement replaces a movement with a new version.
func (s *Service) UpdateMovement(ctx context.Context, p access.Principal, id string, version int64, in MovementInput) (Movement, error) {
	return s.putMovement(ctx, p, id, version, in)
}

func (s *Service) putMovement(ctx context.Context, p access.Principal, id string, version int64, in MovementInput) (Movement, error) {
	if id != "" {
		// A record p may not read is not found, whatever p's roles.
		if _, err := s.GetMovement(ctx, p, id); err != nil {
			return Movement{}, err
		}
	}
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return Movement{}, wrap("record movement", err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Movement{}, wrap("record movement", err)
	}
	update := id != ""
	if !update {
		id = s.db.NewID(movementPrefix)
	}
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if update {
			var old MovementBody
			have, err := tx.Current(EntityMovement, id, &old)
			if err != nil {
				return err
			}
			if err := access.Decide(p, access.Update, old.Resource()); err != nil {
				return err
			}
			if err := store.CheckVersion(EntityMovement, id, version, have); err != nil {
				return err
			}
			b.OwnerOrg = old.OwnerOrg
		}
		var err error
		if b.DestinationName, err = placeName(tx, p, b.Label, "destination_place_id", b.DestinationPlaceID); err != nil {
			return err
		}
		if b.OriginPlaceID != "" {
			if _, err := placeName(tx, p, b.Label, "origin_place_id", b.OriginPlaceID); err != nil {
				return err
			}
		}
		for _, o := range [][2]string{{"escort_org", b.EscortOrg}, {"voluntariness_verified_by", b.VerifiedBy}} {
			if o[1] != "" {
				if err := checkOrg(tx, o[0], o[1]); err != nil {
					return err
				}
			}
		}
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		rec, err = tx.Record(store.Change{Entity: EntityMovement, ID: id, Version: version + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Movement{}, wrap("record movement", err)
	}
	return Movement{ID: id, Version: rec.Version, MovementBody: b}, nil
}

// GetMovement returns a movement p may read.
func (s *Service) GetMovement(ctx context.Context, p access.Principal, id string) (Movement, error) {
	m := Movement{ID: id}
	v, err := s.db.Current(ctx, EntityMovement, id, &m.MovementBody)
	if err != nil {
		return Movement{}, wrap("get movement", err)
	}
	if err := access.Decide(p, access.Read, m.Resource()); err != nil {
		return Movement{}, wrap("get movement", err)
	}
	m.Version = v
	return m, nil
}

// MovementFilter narrows a list of movements.
type MovementFilter struct {
	Window             Window
	DestinationPlaceID string
	Kind               string
}

// ListMovements lists the movements p may read, latest date first.
func (s *Service) ListMovements(ctx context.Context, p access.Principal, f MovementFilter, page store.PageRequest) (store.Page[Movement], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Movement]{}, wrap("list movements", err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Page[Movement]{}, wrap("list movements", err)
	}
	if len(keys) == 2 {
		conds = append(conds, "(r.date_at < ? OR (r.date_at = ? AND r.id < ?))")
		args = append(args, keys[0], keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[Movement]{}, wrap("list movements", errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	q := `SELECT r.id, c.version, c.body, r.date_at FROM (SELECT r.id, r.date_at FROM return_movements r WHERE ` + joinAnd(conds) +
		` ORDER BY r.date_at DESC, r.id DESC LIMIT ?) r ` + s.db.Dialect().LatestJoin(EntityMovement) + ` ORDER BY r.date_at DESC, r.id DESC`
	rows, err := s.db.Query(ctx, q, append(args, limit+1)...)
	if err != nil {
		return store.Page[Movement]{}, wrap("list movements", err)
	}
	defer rows.Close()
	var items []Movement
	dates := map[string]string{}
	for rows.Next() {
		var m Movement
		var body []byte
		var date string
		if err := rows.Scan(&m.ID, &m.Version, &body, &date); err != nil {
			return store.Page[Movement]{}, wrap("list movements", err)
		}
		if err := store.DecodeBody(body, &m.MovementBody); err != nil {
			return store.Page[Movement]{}, wrap("list movements", fmt.Errorf("%s: %w", m.ID, err))
		}
		dates[m.ID] = date
		items = append(items, m)
	}
	if err := rows.Err(); err != nil {
		return store.Page[Movement]{}, wrap("list movements", err)
	}
	return store.Paginate(items, limit, func(m Movement) []string { return []string{dates[m.ID], m.ID} }), nil
}

func movementRows(id string, b *MovementBody) (map[string][][]any, error) {
	return map[string][][]any{
		"return_movements": {{id, b.Date.UTC().Format(timeText), dayOf(b.Date), weekOf(b.Date), monthOf(b.Date), b.DestinationPlaceID, b.Kind, b.Total,
			boolInt(b.Illustrative), string(b.Classification), b.OwnerOrg}},
		"return_movement_readers": b.ReaderRows(id),
	}, nil
}

func boolInt(v bool) int64 {
	if v {
		return 1
	}
	return 0
}
