package mines

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Limits on a handover's lists.
const (
	MaxHandoverRecords = 1000
	MaxMediators       = 20
	MaxDistricts       = 50
)

// HandoverInput is a handover of minefield records as a client sends it.
type HandoverInput struct {
	FromSide     string   `json:"from_side" doc:"the side handing the records over (organisation id)"`
	ToSide       string   `json:"to_side" doc:"the side receiving them"`
	Date         string   `json:"date" doc:"date (2021-06-12) or RFC 3339 time; not in the future"`
	Mediators    []string `json:"mediators,omitempty" doc:"organisation ids of the mediators"`
	Place        string   `json:"place,omitempty" doc:"where, as described"`
	ExchangeID   string   `json:"exchange_id,omitempty" doc:"the exchange of detainees this handover was part of"`
	MinefieldIDs []string `json:"minefield_ids,omitempty" doc:"the minefield records handed over, when registered; each laid by from_side"`
	MinesClaimed *int64   `json:"mines_claimed,omitempty" doc:"how many mines the records claim; when absent, the sum of the listed records, or not stated"`
	Approximate  bool     `json:"approximate,omitempty" doc:"mines_claimed is a reported round figure ('about 97,000')"`
	Districts    []string `json:"districts,omitempty" doc:"the districts the records cover"`
	Note         string   `json:"note,omitempty"`
	Illustrative bool     `json:"illustrative,omitempty" doc:"invented for a demonstration"`
	access.LabelInput
}

// HandoverBody is a handover as the change log holds it.
type HandoverBody struct {
	FromSide     string    `json:"from_side"`
	ToSide       string    `json:"to_side"`
	Date         time.Time `json:"date"`
	Mediators    []string  `json:"mediators,omitempty"`
	Place        string    `json:"place,omitempty"`
	ExchangeID   string    `json:"exchange_id,omitempty"`
	MinefieldIDs []string  `json:"minefield_ids,omitempty"`
	MinesClaimed *int64    `json:"mines_claimed,omitempty" doc:"absent when not stated"`
	Approximate  bool      `json:"approximate,omitempty"`
	Districts    []string  `json:"districts,omitempty"`
	Note         string    `json:"note,omitempty"`
	Illustrative bool      `json:"illustrative,omitempty"`
	access.Label
}

// Handover is a handover with its id and version.
type Handover struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	HandoverBody
}

// Resource is the policy's view of the handover: it is made in the name of
// the side handing over.
func (b HandoverBody) Resource() access.Resource {
	r := kindHandover.Of(b.Label)
	r.OnBehalfOf = b.FromSide
	return r
}

// DecodeHandoverInput decodes a handover strictly.
func DecodeHandoverInput(data []byte) (HandoverInput, error) {
	var in HandoverInput
	return in, decodeStrict(data, &in)
}

func distinctIDs(field string, ids []string, max int) ([]string, error) {
	if len(ids) > max {
		return nil, errs.Because(errs.Invalid(field, "at most %d", max), errs.ReasonTooLarge, "max", max)
	}
	seen := map[string]bool{}
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := checkID(f, id); err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, errs.Because(errs.Invalid(f, "%s is listed twice", id), errs.ReasonDuplicate)
		}
		seen[id] = true
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return slices.Clone(ids), nil
}

func (in HandoverInput) body(now time.Time, owner string) (HandoverBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := HandoverBody{FromSide: in.FromSide, ToSide: in.ToSide, Place: in.Place, ExchangeID: in.ExchangeID, Approximate: in.Approximate,
		Note: in.Note, Illustrative: in.Illustrative}
	if err := checkID("from_side", in.FromSide); err != nil {
		ec.Add(err)
	}
	if err := checkID("to_side", in.ToSide); err != nil {
		ec.Add(err)
	}
	if in.FromSide == in.ToSide {
		ec.Add(errs.Invalid("to_side", "a side does not hand records over to itself"))
	}
	var err error
	if b.Date, err = parseTime("date", in.Date, now); err != nil {
		ec.Add(err)
	}
	if b.Mediators, err = distinctIDs("mediators", in.Mediators, MaxMediators); err != nil {
		ec.Add(err)
	}
	if err := checkOptionalText("place", in.Place, MaxDescription); err != nil {
		ec.Add(err)
	}
	if in.ExchangeID != "" {
		if err := checkID("exchange_id", in.ExchangeID); err != nil {
			ec.Add(err)
		}
	}
	if b.MinefieldIDs, err = distinctIDs("minefield_ids", in.MinefieldIDs, MaxHandoverRecords); err != nil {
		ec.Add(err)
	}
	switch {
	case in.MinesClaimed != nil && *in.MinesClaimed < 0:
		ec.Add(errs.Invalid("mines_claimed", "a count of mines cannot be negative, got %d", *in.MinesClaimed))
	case in.MinesClaimed != nil && *in.MinesClaimed > MaxMinesClaimed:
		ec.Add(errs.Because(errs.Invalid("mines_claimed", "at most %d", MaxMinesClaimed), errs.ReasonTooLarge, "max", MaxMinesClaimed))
	case in.MinesClaimed != nil:
		n := *in.MinesClaimed
		b.MinesClaimed = &n
	}
	if in.Approximate && in.MinesClaimed == nil {
		ec.Add(errs.Invalid("approximate", "qualifies a stated mines_claimed"))
	}
	if len(in.Districts) > MaxDistricts {
		ec.Add(errs.Because(errs.Invalid("districts", "at most %d", MaxDistricts), errs.ReasonTooLarge, "max", MaxDistricts))
	}
	for i, d := range in.Districts {
		f := fmt.Sprintf("districts[%d]", i)
		if err := text.CheckName(f, d, MaxName); err != nil {
			ec.Add(err)
		}
		if slices.Contains(in.Districts[:i], d) {
			ec.Add(errs.Because(errs.Invalid(f, "%s is listed twice", d), errs.ReasonDuplicate))
		}
	}
	if len(in.Districts) > 0 {
		b.Districts = slices.Clone(in.Districts)
	}
	if err := checkOptionalText("note", in.Note, maxText); err != nil {
		ec.Add(err)
	}
	b.Label, err = in.LabelInput.Label(access.Mission, owner)
	ec.Add(err)
	return b, ec.Err()
}

// RecordHandover records a handover. Each listed minefield record must be
// one p may read, laid by the side handing over; a restricted record gains
// the receiving side as a reader (a new version, in the same transaction).
// Without mines_claimed the handover claims the records' total.
func (s *Service) RecordHandover(ctx context.Context, p access.Principal, in HandoverInput) (Handover, error) {
	const op = "record handover"
	b, err := in.body(s.now(), p.Org)
	if err != nil {
		return Handover{}, wrap(op, err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Handover{}, wrap(op, err)
	}
	if b.ExchangeID != "" && s.exchangeCheck != nil {
		if err := s.exchangeCheck(ctx, b.ExchangeID); err != nil {
			if c := errs.CodeOf(err); c == errs.CodeNotFound || c == errs.CodeInvalid {
				return Handover{}, wrap(op, errs.Invalid("exchange_id", "no exchange %s", b.ExchangeID))
			}
			return Handover{}, wrap(op, err)
		}
	}
	id := s.db.NewID(handoverPrefix)
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkSide(tx, "from_side", b.FromSide); err != nil {
			return err
		}
		if err := checkSide(tx, "to_side", b.ToSide); err != nil {
			return err
		}
		for i, m := range b.Mediators {
			if _, err := orgKind(tx, fmt.Sprintf("mediators[%d]", i), m); err != nil {
				return err
			}
		}
		if err := checkReaders(tx, b.Label); err != nil {
			return err
		}
		var claimed int64
		for i, mid := range b.MinefieldIDs {
			field := fmt.Sprintf("minefield_ids[%d]", i)
			var m MinefieldBody
			v, err := tx.Current(EntityMinefield, mid, &m)
			if errs.CodeOf(err) == errs.CodeNotFound || (err == nil && !access.CanRead(p, m.Resource())) {
				return errs.Invalid(field, "no minefield record %s", mid)
			}
			if err != nil {
				return err
			}
			if m.LaidBy != b.FromSide {
				return errs.Invalid(field, "minefield record %s was laid by %s, not by the side handing over", mid, m.LaidBy)
			}
			claimed += m.MinesTotal
			if m.Classification == access.Restricted && m.OwnerOrg != b.ToSide && !slices.Contains(m.RestrictedTo, b.ToSide) {
				if err := access.Decide(p, access.Update, m.Resource()); err != nil {
					return err
				}
				m.RestrictedTo = append(slices.Clone(m.RestrictedTo), b.ToSide)
				if _, err := tx.Record(store.Change{Entity: EntityMinefield, ID: mid, Version: v + 1, Actor: p.Actor(), Body: m, Public: m.Resource().Classification == access.Public}); err != nil {
					return err
				}
			}
		}
		if b.MinesClaimed == nil && len(b.MinefieldIDs) > 0 {
			b.MinesClaimed = &claimed
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityHandover, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Handover{}, wrap(op, err)
	}
	return Handover{ID: id, Version: rec.Version, HandoverBody: b}, nil
}

// GetHandover returns a handover p may read.
func (s *Service) GetHandover(ctx context.Context, p access.Principal, id string) (Handover, error) {
	h := Handover{ID: id}
	v, err := s.db.Current(ctx, EntityHandover, id, &h.HandoverBody)
	if err != nil {
		return Handover{}, wrap("get handover", err)
	}
	if err := access.Decide(p, access.Read, h.Resource()); err != nil {
		return Handover{}, wrap("get handover", err)
	}
	h.Version = v
	hs := []Handover{h}
	if err := s.hideUnreadableMinefields(ctx, p, hs); err != nil {
		return Handover{}, wrap("get handover", err)
	}
	return hs[0], nil
}

// hideUnreadableMinefields drops from each handover the ids of the
// minefield records p may not read: a public handover may list a record
// restricted to the monitoring centre, whose id is not for every reader.
func (s *Service) hideUnreadableMinefields(ctx context.Context, p access.Principal, hs []Handover) error {
	var ids []string
	for _, h := range hs {
		ids = append(ids, h.MinefieldIDs...)
	}
	readable, err := s.readableMinefields(ctx, p, ids)
	if err != nil {
		return err
	}
	for i := range hs {
		kept := make([]string, 0, len(hs[i].MinefieldIDs))
		for _, id := range hs[i].MinefieldIDs {
			if readable[id] {
				kept = append(kept, id)
			}
		}
		hs[i].MinefieldIDs = kept
	}
	return nil
}

// readableMinefields is the set of ids among ids of the minefield records
// p may read.
func (s *Service) readableMinefields(ctx context.Context, p access.Principal, ids []string) (map[string]bool, error) {
	readable := map[string]bool{}
	cond, args := access.Filter(p, "r", "minefield_readers")
	for len(ids) > 0 {
		n := min(len(ids), 500)
		q := `SELECT r.id FROM minefields r WHERE r.id IN (` + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `) AND ` + cond
		qa := make([]any, 0, n+len(args))
		for _, id := range ids[:n] {
			qa = append(qa, id)
		}
		rows, err := s.db.Query(ctx, q, append(qa, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			readable[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return readable, nil
}

// hideUnreadableSources drops from each hazard area the id of its minefield
// record when p may not read that record, as handovers do.
func (s *Service) hideUnreadableSources(ctx context.Context, p access.Principal, hs []HazardArea) error {
	var ids []string
	for _, h := range hs {
		if h.MinefieldID != "" {
			ids = append(ids, h.MinefieldID)
		}
	}
	readable, err := s.readableMinefields(ctx, p, ids)
	if err != nil {
		return err
	}
	for i := range hs {
		if hs[i].MinefieldID != "" && !readable[hs[i].MinefieldID] {
			hs[i].MinefieldID = ""
		}
	}
	return nil
}

// HandoverFilter narrows a list of handovers.
type HandoverFilter struct {
	FromSide   string
	ToSide     string
	ExchangeID string
	// FromDay and ToDay (YYYY-MM-DD, both included; empty: no bound) keep
	// the handovers dated on those days. Handovers are dated by day, often
	// without a time, so the window is in days; a caller wanting a window
	// of times checks each handover's Date.
	FromDay string
	ToDay   string
}

// ListHandovers lists the handovers p may read, latest first.
func (s *Service) ListHandovers(ctx context.Context, p access.Principal, f HandoverFilter, page store.PageRequest) (store.Page[Handover], error) {
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Page[Handover]{}, wrap("list handovers", err)
	}
	out, err := listPage(ctx, s.db, "handovers", EntityHandover, "day", conds, args, page, func(id string, v int64, body []byte) (Handover, error) {
		h := Handover{ID: id, Version: v}
		return h, store.DecodeBody(body, &h.HandoverBody)
	})
	if err == nil {
		err = s.hideUnreadableMinefields(ctx, p, out.Items)
	}
	return out, wrap("list handovers", err)
}

func handoverRows(id string, b *HandoverBody) (map[string][][]any, error) {
	var claimed any
	if b.MinesClaimed != nil {
		claimed = *b.MinesClaimed
	}
	rows := map[string][][]any{
		"handovers": {{id, b.FromSide, b.ToSide, dayOf(b.Date), b.ExchangeID, len(b.MinefieldIDs), claimed,
			boolInt(b.Illustrative), string(b.Classification), b.OwnerOrg}},
		"handover_readers": b.ReaderRows(id),
	}
	for _, d := range b.Districts {
		rows["handover_districts"] = append(rows["handover_districts"], []any{id, d})
	}
	for _, m := range b.MinefieldIDs {
		rows["handover_minefields"] = append(rows["handover_minefields"], []any{id, m})
	}
	return rows, nil
}
