package detainee

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// MoveInput is the persons one side hands over to another in an exchange.
type MoveInput struct {
	FromSide string   `json:"from_side" doc:"the side handing over (it must hold every person listed)"`
	ToSide   string   `json:"to_side" doc:"the side receiving"`
	Persons  []string `json:"persons" doc:"pseudonymous ids of the persons handed over"`
}

// Link refers to another record an exchange is tied to, e.g. the handover
// of minefield records it was traded for.
type Link struct {
	Kind string `json:"kind" doc:"the kind of record, e.g. handover"`
	ID   string `json:"id"`
}

// ExchangeInput is an exchange as a client sends it.
type ExchangeInput struct {
	At           string      `json:"at" doc:"RFC 3339"`
	Place        *geo.Point  `json:"place,omitempty"`
	PlaceID      string      `json:"place_id,omitempty"`
	PlaceName    string      `json:"place_name,omitempty" doc:"as reported, e.g. the Azerbaijan–Georgia border"`
	Mediators    []string    `json:"mediators,omitempty" doc:"organisation ids"`
	Moves        []MoveInput `json:"moves"`
	Links        []Link      `json:"links,omitempty"`
	AllForAll    bool        `json:"all_for_all,omitempty" doc:"true: every person either side holds at that time must be listed"`
	Note         string      `json:"note,omitempty"`
	Illustrative bool        `json:"illustrative,omitempty"`
	// Classification is public for an exchange publicly reported (the
	// public edition of a report shows it), mission by default.
	Classification string `json:"classification,omitempty" doc:"public or mission (default mission)"`
}

// Move is one direction of an exchange as the record holds it.
type Move struct {
	FromSide string   `json:"from_side"`
	ToSide   string   `json:"to_side"`
	Persons  []string `json:"persons"`
	Count    int      `json:"count"`
}

// ExchangeBody is an exchange as the change log holds it. Persons appear
// only by their pseudonymous ids, so an erasure never touches it.
type ExchangeBody struct {
	At           time.Time  `json:"at"`
	Place        *geo.Point `json:"place,omitempty"`
	PlaceID      string     `json:"place_id,omitempty"`
	PlaceName    string     `json:"place_name,omitempty"`
	Mediators    []string   `json:"mediators"`
	Moves        []Move     `json:"moves"`
	Links        []Link     `json:"links"`
	AllForAll    bool       `json:"all_for_all"`
	Total        int        `json:"total"`
	Note         string     `json:"note,omitempty"`
	Illustrative bool       `json:"illustrative,omitempty"`
	// Classification is public or mission; bodies written before it
	// existed have none and are mission.
	Classification access.Classification `json:"classification,omitempty"`
}

// Exchange is an exchange with its id and version.
type Exchange struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	ExchangeBody
}

// Resource is the policy's view of an exchange: every account reads it,
// and a reader without an account reads a public one.
func (b ExchangeBody) Resource() access.Resource {
	return access.Resource{Kind: EntityExchange, Writers: kindExchange.Writers, Classification: b.classification()}
}

func (b ExchangeBody) classification() access.Classification {
	if b.Classification == "" {
		return access.Mission
	}
	return b.Classification
}

// forReader hides the persons' ids from a reader who may not read the
// persons' records (a reader without an account of a public exchange):
// the counts stay.
func (x *Exchange) forReader(p access.Principal) {
	if access.CanRead(p, PersonBody{}.Resource()) {
		return
	}
	moves := make([]Move, len(x.Moves))
	for i, m := range x.Moves {
		m.Persons = []string{}
		moves[i] = m
	}
	x.Moves = moves
}

var linkKindRE = regexp.MustCompile(`^[a-z][a-z_]{0,39}$`)

func (in ExchangeInput) body(now time.Time) (ExchangeBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := ExchangeBody{Place: in.Place, PlaceID: in.PlaceID, PlaceName: in.PlaceName, AllForAll: in.AllForAll, Note: in.Note,
		Illustrative: in.Illustrative, Mediators: []string{}, Links: []Link{}}
	var err error
	switch in.Classification {
	case "", string(access.Mission):
		b.Classification = access.Mission
	case string(access.Public):
		b.Classification = access.Public
	default:
		ec.Add(errs.Invalid("classification", "an exchange is public or mission"))
	}
	if b.At, err = parseTime("at", in.At, now); err != nil {
		ec.Add(err)
	}
	if err := checkPlace("", in.Place, in.PlaceID); err != nil {
		ec.Add(err)
	}
	if in.PlaceName != "" {
		if err := text.CheckName("place_name", in.PlaceName, MaxName); err != nil {
			ec.Add(err)
		}
	}
	if in.Note != "" {
		if err := text.CheckText("note", in.Note, MaxNote); err != nil {
			ec.Add(err)
		}
	}
	if len(in.Mediators) > 20 {
		ec.Add(errs.Invalid("mediators", "at most 20"))
	}
	seenOrg := map[string]bool{}
	for i, m := range in.Mediators {
		field := fmt.Sprintf("mediators[%d]", i)
		if err := checkID(field, m); err != nil {
			ec.Add(err)
		}
		if seenOrg[m] {
			ec.Add(errs.Because(errs.Invalid(field, "names %s twice", m), errs.ReasonDuplicate))
		}
		seenOrg[m] = true
		b.Mediators = append(b.Mediators, m)
	}
	if len(in.Moves) == 0 || len(in.Moves) > 20 {
		ec.Add(errs.Because(errs.Invalid("moves", "an exchange has 1 to 20 moves"), errs.ReasonOutOfRange, "min", 1, "max", 20))
	}
	seen := map[string]string{}
	for i, mv := range in.Moves {
		prefix := fmt.Sprintf("moves[%d].", i)
		if err := checkID(prefix+"from_side", mv.FromSide); err != nil {
			ec.Add(err)
		}
		if err := checkID(prefix+"to_side", mv.ToSide); err != nil {
			ec.Add(err)
		}
		if mv.FromSide == mv.ToSide {
			ec.Add(errs.Invalid(prefix+"to_side", "is the side handing over"))
		}
		if len(mv.Persons) == 0 {
			ec.Add(errs.Because(errs.Invalid(prefix+"persons", "lists nobody"), errs.ReasonRequired))
		}
		m := Move{FromSide: mv.FromSide, ToSide: mv.ToSide, Persons: make([]string, 0, len(mv.Persons)), Count: len(mv.Persons)}
		for j, id := range mv.Persons {
			field := fmt.Sprintf("%spersons[%d]", prefix, j)
			if err := checkID(field, id); err != nil {
				ec.Add(err)
			}
			if first, dup := seen[id]; dup {
				ec.Add(errs.Because(errs.Invalid(field, "%s is listed twice (first at %s)", id, first), errs.ReasonDuplicate))
			}
			seen[id] = field
			m.Persons = append(m.Persons, id)
		}
		b.Total += m.Count
		if b.Total > maxBatch {
			ec.Add(errs.Invalid(prefix+"persons", "an exchange moves at most %d persons", maxBatch))
		}
		b.Moves = append(b.Moves, m)
	}
	if len(in.Links) > 100 {
		ec.Add(errs.Invalid("links", "at most 100"))
	}
	for i, l := range in.Links {
		prefix := fmt.Sprintf("links[%d].", i)
		if !linkKindRE.MatchString(l.Kind) {
			ec.Add(errs.Because(errs.Invalid(prefix+"kind", "must be a kind of record such as handover"), errs.ReasonNotOneOf))
		}
		if err := checkID(prefix+"id", l.ID); err != nil {
			ec.Add(err)
		}
		b.Links = append(b.Links, l)
	}
	return b, ec.Err()
}

// RecordExchange records an exchange and applies it in one transaction:
// every person listed is repatriated to the receiving side, or, if any
// cannot be, nobody is. An exchange is a repatriation, so every person
// needs confirmed consent. With all_for_all, every person either side held
// (captured by the exchange time) must be listed.
func (s *Service) RecordExchange(ctx context.Context, p access.Principal, in ExchangeInput) (Exchange, error) {
	b, err := in.body(s.now())
	if err == nil {
		err = access.Decide(p, access.Create, b.Resource())
	}
	if err != nil {
		return Exchange{}, wrap("record exchange", err)
	}
	id := s.db.NewID(exchangePrefix)
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		c := newChecker(tx)
		for i, m := range b.Mediators {
			if _, err := c.kind(fmt.Sprintf("mediators[%d]", i), m); err != nil {
				return err
			}
		}
		if err := checkPlaceID(tx, "place_id", b.PlaceID, b.classification()); err != nil {
			return err
		}
		sides := map[string]bool{}
		for i, m := range b.Moves {
			if err := c.side(fmt.Sprintf("moves[%d].from_side", i), m.FromSide); err != nil {
				return err
			}
			if err := c.side(fmt.Sprintf("moves[%d].to_side", i), m.ToSide); err != nil {
				return err
			}
			sides[m.FromSide], sides[m.ToSide] = true, true
		}
		if b.AllForAll {
			if err := allListed(tx, b, sides); err != nil {
				return err
			}
		}
		var ids []string
		for _, m := range b.Moves {
			ids = append(ids, m.Persons...)
		}
		current, err := personsTx(tx, ids)
		if err != nil {
			return err
		}
		deltas := countDeltas{}
		for i, m := range b.Moves {
			for j, pid := range m.Persons {
				field := fmt.Sprintf("moves[%d].persons[%d]", i, j)
				cur, ok := current[pid]
				if !ok {
					return errs.Invalid(field, "no person %s", pid)
				}
				pb := &cur.PersonBody
				if !active(pb.Status) {
					return errs.Conflict(field, "%s is %s, not held", pid, pb.Status)
				}
				if pb.HeldBy != m.FromSide {
					return errs.Invalid(field, "%s is held by %s, not by the side handing over (%s)", pid, pb.HeldBy, m.FromSide)
				}
				if !pb.Consent {
					return errs.Conflict(field, "%s has no confirmed consent to repatriation (a humanitarian officer records consent_confirmed)", pid)
				}
				deltas.add(pb.Nationality, pb.Periods, -1)
				e := Event{Kind: "repatriated", At: b.At, ToSide: m.ToSide, ExchangeID: id, RecordedBy: p.UserID, RecordedOrg: p.Org}
				if err := pb.apply(e, field+"."); err != nil {
					return err
				}
				deltas.add(pb.Nationality, pb.Periods, +1)
				if _, err := tx.Record(store.Change{Entity: EntityPerson, ID: pid, Version: cur.Version + 1, Actor: p.Actor(), Body: pb}); err != nil {
					return err
				}
			}
		}
		if err := deltas.flush(tx); err != nil {
			return err
		}
		rec, err = tx.Record(store.Change{Entity: EntityExchange, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Exchange{}, wrap("record exchange", err)
	}
	return Exchange{ID: id, Version: rec.Version, ExchangeBody: b}, nil
}

// personsTx reads the current bodies of persons by id inside a write
// transaction, many to a query; unknown ids are absent from the map.
func personsTx(tx *store.Tx, ids []string) (map[string]*Person, error) {
	out := make(map[string]*Person, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := tx.Query(`SELECT c.id, c.version, c.body FROM changes c WHERE c.entity = '`+EntityPerson+`' AND c.id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`) AND c.version = (SELECT MAX(version) FROM changes m WHERE m.entity = c.entity AND m.id = c.id)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			pr := &Person{}
			var body []byte
			if err := rows.Scan(&pr.ID, &pr.Version, &body); err != nil {
				rows.Close()
				return nil, err
			}
			if body == nil {
				continue
			}
			if err := store.DecodeBody(body, &pr.PersonBody); err != nil {
				rows.Close()
				return nil, err
			}
			out[pr.ID] = pr
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// allListed checks an all-for-all exchange: every person the sides held,
// captured by the exchange time, is listed.
func allListed(tx *store.Tx, b ExchangeBody, sides map[string]bool) error {
	listed := map[string]bool{}
	for _, m := range b.Moves {
		for _, id := range m.Persons {
			listed[id] = true
		}
	}
	args := []any{fmtTime(b.At)}
	marks := make([]string, 0, len(sides))
	for sd := range sides {
		marks, args = append(marks, "?"), append(args, sd)
	}
	rows, err := tx.Query(`SELECT id FROM detainees WHERE status IN ('held', 'hospitalised') AND captured_at <= ? AND held_by IN (`+strings.Join(marks, ", ")+`) ORDER BY id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var missing []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		if !listed[id] {
			missing = append(missing, id)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(missing) > 0 {
		return errs.Invalid("all_for_all", "%d persons held by the sides are not listed, e.g. %s", len(missing), missing[0])
	}
	return nil
}

// GetExchange returns an exchange.
func (s *Service) GetExchange(ctx context.Context, p access.Principal, id string) (Exchange, error) {
	x := Exchange{ID: id}
	v, err := s.db.Current(ctx, EntityExchange, id, &x.ExchangeBody)
	if err == nil {
		err = access.Decide(p, access.Read, x.Resource())
	}
	if err != nil {
		return Exchange{}, wrap("get exchange", err)
	}
	x.Version = v
	x.forReader(p)
	return x, nil
}

// ExchangeFilter narrows a list of exchanges.
type ExchangeFilter struct {
	PersonID string    // exchanges that moved this person
	From     time.Time // exchanges at or after From; zero: no bound
	To       time.Time // exchanges before To; zero: no bound
}

// ListExchanges lists exchanges, oldest first.
func (s *Service) ListExchanges(ctx context.Context, p access.Principal, f ExchangeFilter, page store.PageRequest) (store.Page[Exchange], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Exchange]{}, err
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Page[Exchange]{}, err
	}
	if len(keys) == 2 {
		conds = append(conds, "(r.at > ? OR (r.at = ? AND r.id > ?))")
		args = append(args, keys[0], keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[Exchange]{}, errs.Invalid("cursor", "is not a cursor this server issued")
	}
	args = append(args, limit+1)
	q := `SELECT r.id, c.version, c.body, r.at FROM (SELECT r.id, r.at FROM exchanges r WHERE ` + strings.Join(conds, " AND ") +
		` ORDER BY r.at, r.id LIMIT ?) r ` + s.db.Dialect().LatestJoin(EntityExchange) + ` ORDER BY r.at, r.id`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return store.Page[Exchange]{}, wrap("list exchanges", err)
	}
	defer rows.Close()
	var items []Exchange
	ats := map[string]string{}
	for rows.Next() {
		var x Exchange
		var body []byte
		var at string
		if err := rows.Scan(&x.ID, &x.Version, &body, &at); err != nil {
			return store.Page[Exchange]{}, err
		}
		if err := store.DecodeBody(body, &x.ExchangeBody); err != nil {
			return store.Page[Exchange]{}, err
		}
		ats[x.ID] = at
		x.forReader(p)
		items = append(items, x)
	}
	if err := rows.Err(); err != nil {
		return store.Page[Exchange]{}, err
	}
	return store.Paginate(items, limit, func(x Exchange) []string { return []string{ats[x.ID], x.ID} }), nil
}

func exchangeRows(id string, b *ExchangeBody) (map[string][][]any, error) {
	var persons, links [][]any
	for _, m := range b.Moves {
		for _, pid := range m.Persons {
			persons = append(persons, []any{id, pid, m.FromSide, m.ToSide})
		}
	}
	for _, l := range b.Links {
		links = append(links, []any{id, l.Kind, l.ID})
	}
	return map[string][][]any{
		"exchanges":        {{id, b.At.UTC().Format("2006-01-02"), fmtTime(b.At), boolInt(b.AllForAll), b.Total, boolInt(b.Illustrative), string(b.classification())}},
		"exchange_persons": persons,
		"exchange_links":   links,
	}, nil
}
