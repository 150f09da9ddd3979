package detainee

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// maxBatch bounds how many persons one registration writes.
const maxBatch = 5000

// RegisterPerson registers a person held, with the capture and any later
// history reported.
func (s *Service) RegisterPerson(ctx context.Context, p access.Principal, in PersonInput) (Person, error) {
	out, err := s.RegisterPersons(ctx, p, []PersonInput{in})
	if err != nil {
		return Person{}, err
	}
	return out[0], nil
}

// RegisterPersons registers a list of persons (as a side reports those it
// holds) in one transaction: all are registered or none.
func (s *Service) RegisterPersons(ctx context.Context, p access.Principal, ins []PersonInput) ([]Person, error) {
	if len(ins) == 0 || len(ins) > maxBatch {
		return nil, errs.Invalid("persons", "register 1 to %d persons at a time", maxBatch)
	}
	now := s.now()
	type pending struct {
		body  PersonBody
		later []Event
	}
	ps := make([]pending, len(ins))
	for i, in := range ins {
		b, later, err := in.body(now, p)
		if err == nil {
			err = access.Decide(p, access.Create, b.Resource())
		}
		if err != nil {
			if len(ins) > 1 {
				err = errs.Prefix(fmt.Sprintf("persons[%d]", i), err)
			}
			return nil, wrap("register person", err)
		}
		ps[i] = pending{b, later}
	}
	out := make([]Person, len(ins))
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		c := newChecker(tx)
		deltas := countDeltas{}
		for i := range ps {
			b := &ps[i].body
			err := c.person(b, ps[i].later)
			if err != nil {
				if len(ins) > 1 {
					err = errs.Prefix(fmt.Sprintf("persons[%d]", i), err)
				}
				return err
			}
			id := s.db.NewID(personPrefix)
			rec, err := tx.Record(store.Change{Entity: EntityPerson, ID: id, Version: 1, Actor: p.Actor(), Body: b})
			if err != nil {
				return err
			}
			out[i] = Person{ID: id, Version: rec.Version, PersonBody: *b}
			deltas.add(b.Nationality, b.Periods, +1)
		}
		return deltas.flush(tx)
	})
	if err != nil {
		return nil, wrap("register person", err)
	}
	for i := range out {
		out[i] = view(p, out[i])
	}
	return out, nil
}

// checker checks references inside a write transaction, remembering what
// it has looked up.
type checker struct {
	tx    *store.Tx
	kinds map[string]string
	agr   map[string]agreementAt
}

type agreementAt struct {
	id      string
	inForce time.Time
}

func newChecker(tx *store.Tx) *checker {
	return &checker{tx: tx, kinds: map[string]string{}, agr: map[string]agreementAt{}}
}

func (c *checker) kind(field, id string) (string, error) {
	if k, ok := c.kinds[id]; ok {
		return k, nil
	}
	k, err := orgKind(c.tx, field, id)
	if err != nil {
		return "", err
	}
	c.kinds[id] = k
	return k, nil
}

func (c *checker) side(field, id string) error {
	k, err := c.kind(field, id)
	if err != nil {
		return err
	}
	if k != "side" {
		return errs.Invalid(field, "%s is a %s, not a side", id, k)
	}
	return nil
}

// event checks what an event refers to.
func (c *checker) event(e Event, prefix string) error {
	if e.By != "" {
		if _, err := c.kind(prefix+"by", e.By); err != nil {
			return err
		}
	}
	if e.ToSide != "" {
		if err := c.side(prefix+"to_side", e.ToSide); err != nil {
			return err
		}
	}
	return checkPlaceID(c.tx, prefix+"place_id", e.PlaceID, access.Personal)
}

// person checks a new person's references and computes whether the capture
// came after the agreement entered into force.
func (c *checker) person(b *PersonBody, later []Event) error {
	if err := c.side("held_by", b.CapturedBy); err != nil {
		return err
	}
	if err := c.side("nationality", b.Nationality); err != nil {
		return err
	}
	if err := checkPlaceID(c.tx, "capture_place_id", b.CapturePlaceID, access.Personal); err != nil {
		return err
	}
	for i, e := range later {
		if err := c.event(e, fmt.Sprintf("events[%d].", i)); err != nil {
			return err
		}
	}
	key := b.AgreementID + "\x00" + b.CapturedBy + "\x00" + b.Nationality
	a, ok := c.agr[key]
	if !ok {
		var inForce string
		var err error
		if b.AgreementID != "" {
			err = c.tx.QueryRow(`SELECT id, in_force_at FROM agreements WHERE id = ?`, b.AgreementID).Scan(&a.id, &inForce)
			if store.IsNoRows(err) {
				return errs.Invalid("agreement_id", "no agreement %s", b.AgreementID)
			}
		} else {
			// The earliest agreement both sides are parties to.
			err = c.tx.QueryRow(`SELECT a.id, a.in_force_at FROM agreements a
				JOIN agreement_parties x ON x.agreement_id = a.id AND x.org_id = ?
				JOIN agreement_parties y ON y.agreement_id = a.id AND y.org_id = ?
				ORDER BY a.in_force_at, a.id LIMIT 1`, b.CapturedBy, b.Nationality).Scan(&a.id, &inForce)
			if store.IsNoRows(err) {
				err = nil // no agreement between them: nothing to compare with
			}
		}
		if err != nil {
			return err
		}
		if inForce != "" {
			if a.inForce, err = time.Parse(time.RFC3339Nano, inForce); err != nil {
				return fmt.Errorf("agreement %s: in_force_at %q: %w", a.id, inForce, err)
			}
		}
		c.agr[key] = a
	}
	if a.id != "" {
		t := a.inForce
		after := !b.CapturedAt.Before(t)
		b.AgreementID, b.AgreementInForceAt, b.CapturedAfterAgreement = a.id, &t, &after
	}
	return nil
}

// view is the person as p may see it.
func view(p access.Principal, pr Person) Person {
	if pr.Erased != nil || !access.CanRead(p, pr.IdentityResource()) {
		pr.PersonBody = pr.masked()
		pr.Masked = true
	}
	return pr
}

// GetPerson returns a person, masked unless p may read identity.
func (s *Service) GetPerson(ctx context.Context, p access.Principal, id string) (Person, error) {
	pr := Person{ID: id}
	v, err := s.db.Current(ctx, EntityPerson, id, &pr.PersonBody)
	if err == nil {
		err = access.Decide(p, access.Read, pr.Resource())
	}
	if err != nil {
		return Person{}, wrap("get person", err)
	}
	pr.Version = v
	return view(p, pr), nil
}

// Status returns a person's current status and detaining side from the
// projection, without reading the body: what a screen or a check needs.
func (s *Service) Status(ctx context.Context, p access.Principal, id string) (status, heldBy string, err error) {
	if err := access.Decide(p, access.Read, PersonBody{}.Resource()); err != nil {
		return "", "", wrap("status", err)
	}
	err = s.db.QueryRow(ctx, `SELECT status, held_by FROM detainees WHERE id = ?`, id).Scan(&status, &heldBy)
	if store.IsNoRows(err) {
		return "", "", errs.NotFound("%s %s not found", EntityPerson, id)
	}
	return status, heldBy, err
}

// PersonFilter narrows a list of persons; empty fields do not filter.
type PersonFilter struct {
	HeldBy      string
	Nationality string
	Status      string
	Category    string
}

// ListPersons lists persons in id order (ids are random, so the order
// says nothing about anyone), each masked unless p may read its identity.
func (s *Service) ListPersons(ctx context.Context, p access.Principal, f PersonFilter, page store.PageRequest) (store.Page[Person], error) {
	if err := access.Decide(p, access.Read, PersonBody{}.Resource()); err != nil {
		return store.Page[Person]{}, wrap("list persons", err)
	}
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Person]{}, err
	}
	conds, args, err := f.conds()
	if err != nil {
		return store.Page[Person]{}, err
	}
	if len(keys) > 0 {
		conds, args = append(conds, "r.id > ?"), append(args, keys[0])
	}
	args = append(args, limit+1)
	q := `SELECT r.id, c.version, c.body FROM (SELECT r.id FROM detainees r WHERE ` + strings.Join(conds, " AND ") +
		` ORDER BY r.id LIMIT ?) r ` + s.db.Dialect().LatestJoin(EntityPerson) + ` ORDER BY r.id`
	items, err := scanPersons(ctx, s.db, q, args...)
	if err != nil {
		return store.Page[Person]{}, wrap("list persons", err)
	}
	for i := range items {
		items[i] = view(p, items[i])
	}
	return store.Paginate(items, limit, func(pr Person) []string { return []string{pr.ID} }), nil
}

func scanPersons(ctx context.Context, db *store.DB, q string, args ...any) ([]Person, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var pr Person
		var body []byte
		if err := rows.Scan(&pr.ID, &pr.Version, &body); err != nil {
			return nil, err
		}
		if err := store.DecodeBody(body, &pr.PersonBody); err != nil {
			return nil, err
		}
		out = append(out, pr)
	}
	return out, rows.Err()
}

// AddEvent records a status event on a person at the version the client
// read. The event must follow from the history (see apply).
func (s *Service) AddEvent(ctx context.Context, p access.Principal, id string, version int64, in EventInput) (Person, error) {
	e, err := in.event("", s.now(), p)
	if err == nil {
		err = mayRecord(p, e, "")
	}
	if err != nil {
		return Person{}, wrap("add event", err)
	}
	var out Person
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		var b PersonBody
		have, err := tx.Current(EntityPerson, id, &b)
		if err != nil {
			return err
		}
		if err := access.Decide(p, access.Update, b.Resource()); err != nil {
			return err
		}
		if err := store.CheckVersion(EntityPerson, id, version, have); err != nil {
			return err
		}
		if err := newChecker(tx).event(e, ""); err != nil {
			return err
		}
		deltas := countDeltas{}
		deltas.add(b.Nationality, b.Periods, -1)
		if err := b.apply(e, ""); err != nil {
			return err
		}
		deltas.add(b.Nationality, b.Periods, +1)
		rec, err := tx.Record(store.Change{Entity: EntityPerson, ID: id, Version: have + 1, Actor: p.Actor(), Body: b})
		if err != nil {
			return err
		}
		out = Person{ID: id, Version: rec.Version, PersonBody: b}
		return deltas.flush(tx)
	})
	if err != nil {
		return Person{}, wrap("add event", err)
	}
	return view(p, out), nil
}

// Erasure reasons.
var EraseReasons = []string{"lawful_request", "protection"}

// EraseInput is why a person's identity is erased.
type EraseInput struct {
	Reason string `json:"reason" doc:"lawful_request or protection"`
}

// ErasePerson erases a person's identity from every version of the record:
// a humanitarian officer's decision, on a lawful request or to protect the
// person. The record stays (pseudonymous id, sides, category, status,
// dates, exchanges) so that counts and the exchange history hold.
func (s *Service) ErasePerson(ctx context.Context, p access.Principal, id string, version int64, in EraseInput) (Person, error) {
	if err := oneOf("reason", in.Reason, EraseReasons); err != nil {
		return Person{}, wrap("erase person", err)
	}
	var out Person
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		var b PersonBody
		have, err := tx.Current(EntityPerson, id, &b)
		if err != nil {
			return err
		}
		if err := access.Decide(p, access.Erase, b.Resource()); err != nil {
			return err
		}
		if err := store.CheckVersion(EntityPerson, id, version, have); err != nil {
			return err
		}
		if b.Erased != nil {
			return errs.Conflict("id", "%s %s was already erased", EntityPerson, id)
		}
		t := b.tombstone(Erasure{At: tx.Now(), Reason: in.Reason, By: p.UserID, ByOrg: p.Org})
		rec, err := tx.Erase(EntityPerson, id, p.Actor(), t)
		out = Person{ID: id, Version: rec.Version, PersonBody: t}
		return err
	})
	if err != nil {
		return Person{}, wrap("erase person", err)
	}
	return view(p, out), nil
}
