package detainee

import (
	"context"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// IdentificationMethods are how remains are identified.
var IdentificationMethods = []string{"dna", "dental", "fingerprints", "documents", "visual", "other"}

// maxRemainsCount bounds an aggregated remains record.
const maxRemainsCount = MaxRemainsCount

// IdentificationInput is how remains were, or are being, identified.
type IdentificationInput struct {
	Method     string `json:"method" doc:"dna, dental, fingerprints, documents, visual or other"`
	Identified int    `json:"identified" doc:"how many of the record's bodies are identified (0 or 1 for one body)"`
	At         string `json:"at,omitempty" doc:"RFC 3339; required once any is identified"`
}

// HandoverInput is the handing over of remains to a side.
type HandoverInput struct {
	At         string `json:"at" doc:"RFC 3339"`
	FromSide   string `json:"from_side"`
	ToSide     string `json:"to_side"`
	ExchangeID string `json:"exchange_id,omitempty" doc:"the exchange it was part of"`
}

// RemainsInput is a remains record as a client sends it. A record stands
// for one body or, when figures are all that is public, for several.
type RemainsInput struct {
	Count            int                  `json:"count,omitempty" doc:"bodies the record stands for; 1 when absent"`
	RecoveredAt      string               `json:"recovered_at" doc:"RFC 3339"`
	RecoveredPlace   *geo.Point           `json:"recovered_place,omitempty"`
	RecoveredPlaceID string               `json:"recovered_place_id,omitempty"`
	RecoveredBy      string               `json:"recovered_by,omitempty" doc:"organisation id"`
	Identification   *IdentificationInput `json:"identification,omitempty"`
	Handover         *HandoverInput       `json:"handover,omitempty"`
	Note             string               `json:"note,omitempty"`
	Illustrative     bool                 `json:"illustrative,omitempty"`
}

// Identification is as the record holds it.
type Identification struct {
	Method     string     `json:"method"`
	Identified int        `json:"identified"`
	At         *time.Time `json:"at,omitempty"`
}

// Handover is as the record holds it.
type Handover struct {
	At         time.Time `json:"at"`
	FromSide   string    `json:"from_side"`
	ToSide     string    `json:"to_side"`
	ExchangeID string    `json:"exchange_id,omitempty"`
}

// RemainsBody is a remains record as the change log holds it.
type RemainsBody struct {
	Count            int             `json:"count"`
	RecoveredAt      time.Time       `json:"recovered_at"`
	RecoveredPlace   *geo.Point      `json:"recovered_place,omitempty"`
	RecoveredPlaceID string          `json:"recovered_place_id,omitempty"`
	RecoveredBy      string          `json:"recovered_by,omitempty"`
	Identification   *Identification `json:"identification,omitempty"`
	Handover         *Handover       `json:"handover,omitempty"`
	Note             string          `json:"note,omitempty"`
	Illustrative     bool            `json:"illustrative,omitempty"`
}

// Remains is a remains record with its id and version.
type Remains struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	RemainsBody
}

// Resource is the policy's view of remains: every account reads them (no
// identity is recorded here).
func (b RemainsBody) Resource() access.Resource {
	return access.Resource{Kind: EntityRemains, Writers: kindRemains.Writers, Classification: access.Mission}
}

func (in RemainsInput) body(now time.Time) (RemainsBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := RemainsBody{Count: in.Count, RecoveredPlace: in.RecoveredPlace, RecoveredPlaceID: in.RecoveredPlaceID, RecoveredBy: in.RecoveredBy,
		Note: in.Note, Illustrative: in.Illustrative}
	if b.Count == 0 {
		b.Count = 1
	}
	if b.Count < 1 || b.Count > maxRemainsCount {
		ec.Add(errs.OutOfRange("count", 1, maxRemainsCount))
	}
	var err error
	if b.RecoveredAt, err = parseTime("recovered_at", in.RecoveredAt, now); err != nil {
		ec.Add(err)
	}
	if err := checkPlace("recovered_", in.RecoveredPlace, in.RecoveredPlaceID); err != nil {
		ec.Add(err)
	}
	if in.RecoveredBy != "" {
		if err := checkID("recovered_by", in.RecoveredBy); err != nil {
			ec.Add(err)
		}
	}
	if in.Note != "" {
		if err := text.CheckText("note", in.Note, MaxNote); err != nil {
			ec.Add(err)
		}
	}
	if id := in.Identification; id != nil {
		if err := oneOf("identification.method", id.Method, IdentificationMethods); err != nil {
			ec.Add(err)
		}
		if id.Identified < 0 || id.Identified > b.Count {
			ec.Add(errs.Invalid("identification.identified", "must be between 0 and the record's count (%d)", b.Count))
		}
		ident := &Identification{Method: id.Method, Identified: id.Identified}
		if id.At != "" {
			t, err := parseTime("identification.at", id.At, now)
			if err != nil {
				ec.Add(err)
			} else if t.Before(b.RecoveredAt) {
				ec.Add(errs.Invalid("identification.at", "is before the recovery"))
			}
			ident.At = &t
		} else if id.Identified > 0 {
			ec.Add(errs.Because(errs.Invalid("identification.at", "is required once any body is identified"), errs.ReasonRequired))
		}
		b.Identification = ident
	}
	if h := in.Handover; h != nil {
		t, err := parseTime("handover.at", h.At, now)
		if err != nil {
			ec.Add(err)
		} else if t.Before(b.RecoveredAt) {
			ec.Add(errs.Invalid("handover.at", "is before the recovery"))
		}
		if err := checkID("handover.from_side", h.FromSide); err != nil {
			ec.Add(err)
		}
		if err := checkID("handover.to_side", h.ToSide); err != nil {
			ec.Add(err)
		}
		if h.FromSide == h.ToSide {
			ec.Add(errs.Invalid("handover.to_side", "is the side handing over"))
		}
		if h.ExchangeID != "" {
			if err := checkID("handover.exchange_id", h.ExchangeID); err != nil {
				ec.Add(err)
			}
		}
		b.Handover = &Handover{At: t, FromSide: h.FromSide, ToSide: h.ToSide, ExchangeID: h.ExchangeID}
	}
	return b, ec.Err()
}

func (s *Service) checkRemains(tx *store.Tx, b RemainsBody) error {
	c := newChecker(tx)
	if b.RecoveredBy != "" {
		if _, err := c.kind("recovered_by", b.RecoveredBy); err != nil {
			return err
		}
	}
	if err := checkPlaceID(tx, "recovered_place_id", b.RecoveredPlaceID, b.Resource().Classification); err != nil {
		return err
	}
	if h := b.Handover; h != nil {
		if err := c.side("handover.from_side", h.FromSide); err != nil {
			return err
		}
		if err := c.side("handover.to_side", h.ToSide); err != nil {
			return err
		}
		if h.ExchangeID != "" {
			var x ExchangeBody
			if _, err := tx.Current(EntityExchange, h.ExchangeID, &x); err != nil {
				if errs.CodeOf(err) == errs.CodeNotFound {
					return errs.Invalid("handover.exchange_id", "no exchange %s", h.ExchangeID)
				}
				return err
			}
		}
	}
	return nil
}

// RecordRemains records remains recovered, with their identification and
// handover when known.
func (s *Service) RecordRemains(ctx context.Context, p access.Principal, in RemainsInput) (Remains, error) {
	return s.putRemains(ctx, p, "", 0, in)
}

// UpdateRemains replaces a remains record (e.g. once identified or handed
// over) at the version the client read.
func (s *Service) UpdateRemains(ctx context.Context, p access.Principal, id string, version int64, in RemainsInput) (Remains, error) {
	return s.putRemains(ctx, p, id, version, in)
}

func (s *Service) putRemains(ctx context.Context, p access.Principal, id string, version int64, in RemainsInput) (Remains, error) {
	b, err := in.body(s.now())
	if err == nil {
		err = access.Decide(p, access.Create, b.Resource())
	}
	if err != nil {
		return Remains{}, wrap("record remains", err)
	}
	update := id != ""
	if !update {
		id = s.db.NewID(remainsPrefix)
	}
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if update {
			var old RemainsBody
			have, err := tx.Current(EntityRemains, id, &old)
			if err != nil {
				return err
			}
			if err := access.Decide(p, access.Update, old.Resource()); err != nil {
				return err
			}
			if err := store.CheckVersion(EntityRemains, id, version, have); err != nil {
				return err
			}
		}
		if err := s.checkRemains(tx, b); err != nil {
			return err
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityRemains, ID: id, Version: version + 1, Actor: p.Actor(), Body: b})
		return err
	})
	if err != nil {
		return Remains{}, wrap("record remains", err)
	}
	return Remains{ID: id, Version: rec.Version, RemainsBody: b}, nil
}

// GetRemains returns a remains record.
func (s *Service) GetRemains(ctx context.Context, p access.Principal, id string) (Remains, error) {
	r := Remains{ID: id}
	v, err := s.db.Current(ctx, EntityRemains, id, &r.RemainsBody)
	if err == nil {
		err = access.Decide(p, access.Read, r.Resource())
	}
	if err != nil {
		return Remains{}, wrap("get remains", err)
	}
	r.Version = v
	return r, nil
}

// ListRemains lists remains records by id.
func (s *Service) ListRemains(ctx context.Context, p access.Principal, _ struct{}, page store.PageRequest) (store.Page[Remains], error) {
	if err := access.Decide(p, access.Read, RemainsBody{}.Resource()); err != nil {
		return store.Page[Remains]{}, wrap("list remains", err)
	}
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Remains]{}, err
	}
	after := ""
	if len(keys) > 0 {
		after = keys[0]
	}
	rows, err := s.db.Query(ctx, `SELECT r.id, c.version, c.body FROM (SELECT id FROM remains WHERE id > ? ORDER BY id LIMIT ?) r `+
		s.db.Dialect().LatestJoin(EntityRemains)+` ORDER BY r.id`, after, limit+1)
	if err != nil {
		return store.Page[Remains]{}, wrap("list remains", err)
	}
	defer rows.Close()
	var items []Remains
	for rows.Next() {
		var r Remains
		var body []byte
		if err := rows.Scan(&r.ID, &r.Version, &body); err != nil {
			return store.Page[Remains]{}, err
		}
		if err := store.DecodeBody(body, &r.RemainsBody); err != nil {
			return store.Page[Remains]{}, err
		}
		items = append(items, r)
	}
	if err := rows.Err(); err != nil {
		return store.Page[Remains]{}, err
	}
	return store.Paginate(items, limit, func(r Remains) []string { return []string{r.ID} }), nil
}

// RemainsCounts are the bodies recovered, needing DNA, identified and
// handed over by a time.
type RemainsCounts struct {
	At         time.Time `json:"at"`
	Recovered  int       `json:"recovered"`
	DNA        int       `json:"dna" doc:"recovered bodies whose identification is by DNA"`
	Identified int       `json:"identified"`
	HandedOver int       `json:"handed_over"`
}

// CountRemains sums the remains records as they stood at a time.
func (s *Service) CountRemains(ctx context.Context, p access.Principal, at time.Time) (RemainsCounts, error) {
	if err := access.Decide(p, access.Read, RemainsBody{}.Resource()); err != nil {
		return RemainsCounts{}, wrap("count remains", err)
	}
	t := fmtTime(at)
	c := RemainsCounts{At: at.UTC()}
	err := s.db.QueryRow(ctx, `SELECT
		COALESCE(SUM(count), 0),
		COALESCE(SUM(CASE WHEN method = 'dna' THEN count ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN identified_at <> '' AND identified_at <= ? THEN identified ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN handed_over_at <> '' AND handed_over_at <= ? THEN count ELSE 0 END), 0)
		FROM remains WHERE recovered_at <= ?`, t, t, t).Scan(&c.Recovered, &c.DNA, &c.Identified, &c.HandedOver)
	return c, wrap("count remains", err)
}

func remainsRows(id string, b *RemainsBody) (map[string][][]any, error) {
	method, identifiedAt, handedAt, from, to, xch := "", "", "", "", "", ""
	identified := 0
	if i := b.Identification; i != nil {
		method, identified = i.Method, i.Identified
		if i.At != nil {
			identifiedAt = fmtTime(*i.At)
		}
	}
	if h := b.Handover; h != nil {
		handedAt, from, to, xch = fmtTime(h.At), h.FromSide, h.ToSide, h.ExchangeID
	}
	return map[string][][]any{
		"remains": {{id, b.Count, fmtTime(b.RecoveredAt), method, identified, identifiedAt, handedAt, from, to, xch, boolInt(b.Illustrative)}},
	}, nil
}
