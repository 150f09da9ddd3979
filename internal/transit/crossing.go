package transit

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Directions of a crossing, named after the corridor's centre line as
// digitised: towards its first point or towards its last. Neither end is
// named after a side, so the words take none.
const (
	TowardsStart = "towards_start"
	TowardsEnd   = "towards_end"
)

var directions = []string{TowardsStart, TowardsEnd}

// Flags a crossing may carry, computed when it is written.
const (
	// FlagCheckpointClosed: the checkpoint (or the whole corridor) was
	// closed at the crossing's time by a restriction on record then.
	FlagCheckpointClosed = "checkpoint_closed"
	// FlagCheckpointPartial: a partial restriction was in force there.
	FlagCheckpointPartial = "checkpoint_partial"
)

// Upper bounds that keep counts and sums sane.
const (
	maxPeople   = MaxPeople
	maxVehicles = MaxVehicles
	maxTonnes   = MaxTonnes
)

// CrossingInput is a crossing as a client sends it.
type CrossingInput struct {
	At           string  `json:"at" doc:"RFC 3339"`
	CheckpointID string  `json:"checkpoint_id" doc:"a site layer of subkind checkpoint"`
	Direction    string  `json:"direction" doc:"towards_start or towards_end of the corridor's centre line as digitised"`
	People       int64   `json:"people"`
	Vehicles     int64   `json:"vehicles"`
	CargoTonnes  float64 `json:"cargo_tonnes,omitempty"`
	CargoType    string  `json:"cargo_type,omitempty" doc:"e.g. food, fuel, construction material"`
	EscortOrg    string  `json:"escort_org,omitempty" doc:"organisation id of the escort"`
	Humanitarian bool    `json:"humanitarian,omitempty" doc:"a humanitarian convoy or movement"`
	Note         string  `json:"note,omitempty"`
	Illustrative bool    `json:"illustrative,omitempty"`
	access.LabelInput
}

// CrossingBody is a crossing as the change log holds it. CorridorID and
// CheckpointName come from the layers, and Flags from the restrictions on
// record, when the crossing was written: a closure recorded later does not
// flag it (the corridor's status at its time does show the closure).
type CrossingBody struct {
	At             time.Time `json:"at"`
	CheckpointID   string    `json:"checkpoint_id"`
	CheckpointName string    `json:"checkpoint_name"`
	CorridorID     string    `json:"corridor_id,omitempty"`
	Direction      string    `json:"direction"`
	People         int64     `json:"people"`
	Vehicles       int64     `json:"vehicles"`
	CargoTonnes    float64   `json:"cargo_tonnes,omitempty"`
	CargoType      string    `json:"cargo_type,omitempty"`
	EscortOrg      string    `json:"escort_org,omitempty"`
	Humanitarian   bool      `json:"humanitarian,omitempty"`
	Note           string    `json:"note,omitempty"`
	Illustrative   bool      `json:"illustrative,omitempty"`
	Flags          []string  `json:"flags"`
	access.Label
}

// Crossing is a crossing with its id and version.
type Crossing struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	CrossingBody
}

// Resource is the policy's view of the crossing.
func (b CrossingBody) Resource() access.Resource { return kindCrossing.Of(b.Label) }

// DecodeCrossingInput decodes a client's crossing strictly.
func DecodeCrossingInput(data []byte) (CrossingInput, error) {
	var in CrossingInput
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

func count(field string, n, most int64) error {
	if n < 0 {
		return errs.Because(errs.Invalid(field, "must not be negative"), errs.ReasonTooSmall, "min", 0)
	}
	if n > most {
		return errs.Because(errs.Invalid(field, "must be at most %d", most), errs.ReasonTooLarge, "max", most)
	}
	return nil
}

// body checks everything that needs no database; the checkpoint, the
// escort and the flags are settled on write.
func (in CrossingInput) body(now time.Time, owner string) (CrossingBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := CrossingBody{CheckpointID: in.CheckpointID, Direction: in.Direction, People: in.People, Vehicles: in.Vehicles, CargoTonnes: in.CargoTonnes,
		CargoType: in.CargoType, EscortOrg: in.EscortOrg, Humanitarian: in.Humanitarian, Note: in.Note, Illustrative: in.Illustrative, Flags: []string{}}
	var err error
	if b.At, err = pastTime(now, "at", in.At); err != nil {
		ec.Add(err)
	}
	if err := checkID("checkpoint_id", in.CheckpointID); err != nil {
		ec.Add(err)
	}
	if !slices.Contains(directions, in.Direction) {
		ec.Add(errs.Because(errs.Invalid("direction", "must be towards_start or towards_end"), errs.ReasonNotOneOf))
	}
	if err := count("people", in.People, maxPeople); err != nil {
		ec.Add(err)
	}
	if err := count("vehicles", in.Vehicles, maxVehicles); err != nil {
		ec.Add(err)
	}
	if math.IsNaN(in.CargoTonnes) || math.IsInf(in.CargoTonnes, 0) || in.CargoTonnes < 0 || in.CargoTonnes > maxTonnes {
		ec.Add(errs.Because(errs.Invalid("cargo_tonnes", "must be a number of tonnes from 0 to %d", maxTonnes), errs.ReasonOutOfRange, "min", 0, "max", maxTonnes))
	}
	if in.People == 0 && in.Vehicles == 0 {
		ec.Add(errs.Invalid("people", "a crossing moves at least one person or vehicle"))
	}
	if in.CargoType != "" {
		if err := text.CheckName("cargo_type", in.CargoType, MaxName); err != nil {
			ec.Add(err)
		}
	} else if in.CargoTonnes > 0 {
		ec.Add(errs.Because(errs.Invalid("cargo_type", "says what the cargo is when there is one"), errs.ReasonRequired))
	}
	if in.EscortOrg != "" {
		if err := checkID("escort_org", in.EscortOrg); err != nil {
			ec.Add(err)
		}
	}
	if in.Note != "" {
		if err := text.CheckText("note", in.Note, MaxNote); err != nil {
			ec.Add(err)
		}
	}
	b.Label, err = in.LabelInput.Label(access.Mission, owner)
	ec.Add(err)
	return b, ec.Err()
}

// RecordCrossing records a crossing. One at a checkpoint closed at the
// time is recorded all the same, flagged checkpoint_closed.
func (s *Service) RecordCrossing(ctx context.Context, p access.Principal, in CrossingInput) (Crossing, error) {
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return Crossing{}, wrap("record crossing", err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Crossing{}, wrap("record crossing", err)
	}
	cp, err := s.checkpoint(ctx, p, "checkpoint_id", b.CheckpointID, b.At)
	if err != nil {
		return Crossing{}, wrap("record crossing", err)
	}
	b.CheckpointName, b.CorridorID = cp.Name, cp.CorridorID
	id := s.db.NewID(crossingPrefix)
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if b.EscortOrg != "" {
			if err := checkOrg(tx, "escort_org", b.EscortOrg); err != nil {
				return err
			}
		}
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		st, _, err := statusAt(tx.Query, p, b.At, scope{Checkpoint: b.CheckpointID, Corridor: b.CorridorID})
		if err != nil {
			return err
		}
		switch st {
		case StatusClosed:
			b.Flags = append(b.Flags, FlagCheckpointClosed)
		case StatusPartial:
			b.Flags = append(b.Flags, FlagCheckpointPartial)
		}
		rec, err = tx.Record(store.Change{Entity: EntityCrossing, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Crossing{}, wrap("record crossing", err)
	}
	return Crossing{ID: id, Version: rec.Version, CrossingBody: b}, nil
}

// GetCrossing returns a crossing p may read.
func (s *Service) GetCrossing(ctx context.Context, p access.Principal, id string) (Crossing, error) {
	c := Crossing{ID: id}
	v, err := s.db.Current(ctx, EntityCrossing, id, &c.CrossingBody)
	if err != nil {
		return Crossing{}, wrap("get crossing", err)
	}
	if err := access.Decide(p, access.Read, c.Resource()); err != nil {
		return Crossing{}, wrap("get crossing", err)
	}
	c.Version = v
	return c, nil
}

// CrossingFilter narrows a list of crossings.
type CrossingFilter struct {
	Window       Window
	CheckpointID string
	Direction    string
	// Flagged keeps only crossings recorded with a flag.
	Flagged bool
}

// ListCrossings lists the crossings p may read, latest first.
func (s *Service) ListCrossings(ctx context.Context, p access.Principal, f CrossingFilter, page store.PageRequest) (store.Page[Crossing], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Crossing]{}, wrap("list crossings", err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Page[Crossing]{}, wrap("list crossings", err)
	}
	if len(keys) == 2 {
		conds = append(conds, "(r.at < ? OR (r.at = ? AND r.id < ?))")
		args = append(args, keys[0], keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[Crossing]{}, wrap("list crossings", errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	q := `SELECT r.id, c.version, c.body, r.at FROM (SELECT r.id, r.at FROM crossings r WHERE ` + joinAnd(conds) +
		` ORDER BY r.at DESC, r.id DESC LIMIT ?) r ` + s.db.Dialect().LatestJoin(EntityCrossing) + ` ORDER BY r.at DESC, r.id DESC`
	rows, err := s.db.Query(ctx, q, append(args, limit+1)...)
	if err != nil {
		return store.Page[Crossing]{}, wrap("list crossings", err)
	}
	defer rows.Close()
	var items []Crossing
	ats := map[string]string{}
	for rows.Next() {
		var c Crossing
		var body []byte
		var at string
		if err := rows.Scan(&c.ID, &c.Version, &body, &at); err != nil {
			return store.Page[Crossing]{}, wrap("list crossings", err)
		}
		if err := store.DecodeBody(body, &c.CrossingBody); err != nil {
			return store.Page[Crossing]{}, wrap("list crossings", fmt.Errorf("%s: %w", c.ID, err))
		}
		ats[c.ID] = at
		items = append(items, c)
	}
	if err := rows.Err(); err != nil {
		return store.Page[Crossing]{}, wrap("list crossings", err)
	}
	return store.Paginate(items, limit, func(c Crossing) []string { return []string{ats[c.ID], c.ID} }), nil
}

func crossingRows(id string, b *CrossingBody) (map[string][][]any, error) {
	flagged := int64(0)
	if len(b.Flags) > 0 {
		flagged = 1
	}
	humanitarian := int64(0)
	if b.Humanitarian {
		humanitarian = 1
	}
	return map[string][][]any{
		"crossings": {{id, b.At.UTC().Format(timeText), dayOf(b.At), b.CheckpointID, b.CorridorID, b.Direction, b.People, b.Vehicles, b.CargoTonnes,
			humanitarian, flagged, string(b.Classification), b.OwnerOrg}},
		"crossing_readers": b.ReaderRows(id),
	}, nil
}
