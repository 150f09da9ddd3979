package incident

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// MaxExternalID is the longest external id, in characters.
const MaxExternalID = 200

// Imported says where an imported record came from: its id in the file
// (unique per kind of record and importing organisation) and the file's
// name and SHA-256, so that the log says which file brought each record in.
type Imported struct {
	ExternalID string `json:"external_id"`
	File       string `json:"file,omitempty"`
	SHA256     string `json:"sha256"`
}

func (im Imported) check() error {
	var c errs.Collector
	if im.ExternalID == "" {
		c.Add(errs.Required("external_id"))
	} else {
		c.Add(text.CheckText("external_id", im.ExternalID, MaxExternalID))
	}
	if len(im.SHA256) != 64 || strings.Trim(im.SHA256, "0123456789abcdef") != "" {
		c.Add(errs.Invalid("sha256", "must be the file's SHA-256 in lower-case hex"))
	}
	c.Add(text.CheckText("file", im.File, 1000))
	return c.Err()
}

// rows are the external id's projection row: none for a record that was
// not imported.
func (im *Imported) rows(id, owner string) [][]any {
	if im == nil {
		return nil
	}
	return [][]any{{id, owner, im.ExternalID}}
}

// PreparedAllegation is an allegation to import, checked for its importer
// by every rule LodgeAllegation applies that needs no transaction.
type PreparedAllegation struct{ body AllegationBody }

// ExternalID is the allegation's id in its file.
func (pa PreparedAllegation) ExternalID() string { return pa.body.Imported.ExternalID }

// PrepareAllegationImport checks in as LodgeAllegation would for p (a
// liaison only in its own side's name), with im saying where it came from.
func (s *Service) PrepareAllegationImport(ctx context.Context, p access.Principal, in AllegationInput, im Imported) (PreparedAllegation, error) {
	var c errs.Collector
	c.Add(im.check())
	b, err := s.prepareAllegation(ctx, p, in, p.Org)
	if err == nil {
		err = access.Decide(p, access.Create, b.Resource())
	}
	c.Add(err)
	b.Imported = &im
	return PreparedAllegation{body: b}, c.Err()
}

// SameAs reports whether a was imported from the same claim: what the
// source said, its place, time, grading and label, whatever file brought
// it in, when it was lodged and where the layers put it since.
func (pa PreparedAllegation) SameAs(a Allegation) bool {
	x, y := pa.body, a.AllegationBody
	for _, b := range []*AllegationBody{&x, &y} {
		b.Imported, b.Geography, b.Status, b.Withdrawal = nil, geo.Location{}, "", nil
		b.LodgedAt = time.Time{}
	}
	return sameJSON(x, y)
}

func sameJSON(x, y any) bool {
	bx, err1 := json.Marshal(x)
	by, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && bytes.Equal(bx, by)
}

// ImportedAllegations returns the allegations p's organisation imported
// under the given external ids, by external id; ids not known are absent.
func (s *Service) ImportedAllegations(ctx context.Context, p access.Principal, externalIDs []string) (map[string]Allegation, error) {
	out := make(map[string]Allegation)
	err := s.imported(ctx, p, EntityAllegation, "allegation_external_ids", externalIDs, func(ext, id string, version int64, body []byte) error {
		a := Allegation{ID: id, Version: version}
		if err := store.DecodeBody(body, &a.AllegationBody); err != nil {
			return fmt.Errorf("allegation %s: %w", id, err)
		}
		if access.Decide(p, access.Read, a.Resource()) == nil {
			out[ext] = a
		}
		return nil
	})
	return out, wrap("imported allegations", err)
}

// imported reads the latest bodies of the records of entity that p's
// organisation imported under externalIDs, a few hundred at a time.
func (s *Service) imported(ctx context.Context, p access.Principal, entity, table string, externalIDs []string, each func(ext, id string, version int64, body []byte) error) error {
	const chunk = 500
	for i := 0; i < len(externalIDs); i += chunk {
		ids := externalIDs[i:min(i+chunk, len(externalIDs))]
		args := make([]any, 0, len(ids)+1)
		args = append(args, p.Org)
		for _, id := range ids {
			args = append(args, id)
		}
		q := `SELECT r.external_id, r.id, c.version, c.body FROM (SELECT record_id AS id, external_id FROM ` + table +
			` WHERE owner_org = ? AND external_id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)) r ` + s.db.Dialect().LatestJoin(entity)
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var ext, id string
			var version int64
			var body []byte
			if err := rows.Scan(&ext, &id, &version, &body); err != nil {
				rows.Close()
				return err
			}
			if err := each(ext, id, version, body); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// refChecks remembers which references a batch has already checked: an
// import names the same few organisations thousands of times.
type refChecks map[string]error

func (rc refChecks) check(key string, fn func() error) error {
	if err, ok := rc[key]; ok {
		return err
	}
	err := fn()
	if errs.CodeOf(err) == errs.CodeInternal && err != nil {
		return err // not remembered: the transaction is failing
	}
	rc[key] = err
	return err
}

func (b *AllegationBody) refKey() string {
	var k strings.Builder
	for _, s := range []string{b.SourceKind, b.LodgedBy, b.OnBehalfOf, b.AllegedPerpetrator} {
		k.WriteString(s)
		k.WriteByte(0)
	}
	for _, t := range []Toll{b.Casualties.Killed, b.Casualties.Injured} {
		for _, m := range t.Military {
			k.WriteString(m.Side)
			k.WriteByte(1)
		}
		k.WriteByte(0)
	}
	k.WriteString(strings.Join(b.RestrictedTo, "\x01"))
	return k.String()
}

// LodgeImportedAllegations lodges prepared allegations in one
// transaction, all or none, through Tx.RecordAll; p must be the principal
// that prepared them. A reference error names the item's index.
func (s *Service) LodgeImportedAllegations(ctx context.Context, p access.Principal, items []PreparedAllegation) ([]Allegation, error) {
	var out []Allegation
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.lodgeAllegations(tx, p, items, refChecks{})
		return err
	})
	if err != nil {
		return nil, wrap("lodge imported allegations", err)
	}
	return out, nil
}

// LodgeAllImportedAllegations lodges, in one transaction, every chunk of
// prepared allegations next yields until it yields none: a whole import
// is written or nothing is, whatever its size. Memory stays that of a
// chunk (the transaction spills between chunks). It returns how many it
// wrote; an error of next, or of any chunk, rolls everything back.
// Other writers wait for the commit meanwhile.
func (s *Service) LodgeAllImportedAllegations(ctx context.Context, p access.Principal, next func() ([]PreparedAllegation, error)) (int, error) {
	n, err := lodgeAll(ctx, s.db, next, func(tx *store.Tx, items []PreparedAllegation, checked refChecks) error {
		_, err := s.lodgeAllegations(tx, p, items, checked)
		return err
	})
	return n, wrap("lodge imported allegations", err)
}

func (s *Service) lodgeAllegations(tx *store.Tx, p access.Principal, items []PreparedAllegation, checked refChecks) ([]Allegation, error) {
	out := make([]Allegation, len(items))
	cs := make([]store.Change, len(items))
	for i := range items {
		b := items[i].body
		if err := checked.check(b.refKey(), func() error { return b.checkRefs(tx) }); err != nil {
			return nil, errs.Prefix(fmt.Sprintf("allegations[%d]", i), err)
		}
		b.LodgedAt = tx.Now()
		id := s.db.NewID(allegationPrefix)
		cs[i] = store.Change{Entity: EntityAllegation, ID: id, Version: 1, Actor: p.Actor(), Body: &b, Public: b.Resource().Classification == access.Public}
		out[i] = Allegation{ID: id, Version: 1, AllegationBody: b}
	}
	_, err := tx.RecordAll(cs)
	return out, err
}

// lodgeAll runs the chunks next yields through lodge in one write
// transaction, spilling between them.
func lodgeAll[P any](ctx context.Context, db *store.DB, next func() ([]P, error), lodge func(*store.Tx, []P, refChecks) error) (int, error) {
	n := 0
	_, err := db.Write(ctx, func(tx *store.Tx) error {
		n = 0
		checked := refChecks{}
		for {
			items, err := next()
			if err != nil {
				return err
			}
			if len(items) == 0 {
				return nil
			}
			if err := lodge(tx, items, checked); err != nil {
				return errs.Prefix(fmt.Sprintf("records %d to %d", n+1, n+len(items)), err)
			}
			if err := tx.Spill(); err != nil {
				return err
			}
			n += len(items)
		}
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// PreparedObservation is an observation to import, checked for its
// importer by every rule RecordObservation applies that needs no
// transaction.
type PreparedObservation struct{ body ObservationBody }

// ExternalID is the observation's id in its file.
func (po PreparedObservation) ExternalID() string { return po.body.Imported.ExternalID }

// PrepareObservationImport checks in as RecordObservation would for p,
// with im saying where it came from.
func (s *Service) PrepareObservationImport(ctx context.Context, p access.Principal, in ObservationInput, im Imported) (PreparedObservation, error) {
	var c errs.Collector
	c.Add(im.check())
	b, err := in.body(s.now(), p.Org)
	if err == nil {
		err = access.Decide(p, access.Create, b.Resource())
	}
	if err == nil {
		b.Geography, err = s.geo.LocateFor(ctx, locator, b.Centre, b.Time.Start)
	}
	c.Add(err)
	b.Imported = &im
	return PreparedObservation{body: b}, c.Err()
}

// SameAs reports whether o was imported from the same observation,
// whatever file brought it in and when.
func (po PreparedObservation) SameAs(o Observation) bool {
	x, y := po.body, o.ObservationBody
	for _, b := range []*ObservationBody{&x, &y} {
		b.Imported, b.Geography = nil, geo.Location{}
		b.RecordedAt = time.Time{}
	}
	return sameJSON(x, y)
}

func (po *PreparedObservation) checkRefs(tx *store.Tx, checked refChecks) error {
	b := &po.body
	err := checked.check("r"+strings.Join(b.RestrictedTo, "\x01"), func() error { return checkReaders(tx, b.Label) })
	if err == nil && b.Observer.SiteID != "" {
		err = checked.check("s"+b.Observer.SiteID, func() error {
			var kind string
			err := tx.QueryRow(`SELECT kind FROM layers WHERE id = ?`, b.Observer.SiteID).Scan(&kind)
			if store.IsNoRows(err) || (err == nil && kind != geo.KindSite) {
				return errs.Invalid("observer.site_id", "no site %s", b.Observer.SiteID)
			}
			return err
		})
	}
	return err
}

// ImportedObservations returns the observations p's organisation imported
// under the given external ids, by external id.
func (s *Service) ImportedObservations(ctx context.Context, p access.Principal, externalIDs []string) (map[string]Observation, error) {
	out := make(map[string]Observation)
	err := s.imported(ctx, p, EntityObservation, "observation_external_ids", externalIDs, func(ext, id string, version int64, body []byte) error {
		o := Observation{ID: id, Version: version}
		if err := store.DecodeBody(body, &o.ObservationBody); err != nil {
			return fmt.Errorf("observation %s: %w", id, err)
		}
		if access.Decide(p, access.Read, o.Resource()) == nil {
			out[ext] = o
		}
		return nil
	})
	return out, wrap("imported observations", err)
}

// LodgeImportedObservations records prepared observations in one
// transaction, all or none, through Tx.RecordAll.
func (s *Service) LodgeImportedObservations(ctx context.Context, p access.Principal, items []PreparedObservation) ([]Observation, error) {
	var out []Observation
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.lodgeObservations(tx, p, items, refChecks{})
		return err
	})
	if err != nil {
		return nil, wrap("lodge imported observations", err)
	}
	return out, nil
}

// LodgeAllImportedObservations is LodgeAllImportedAllegations for
// observations.
func (s *Service) LodgeAllImportedObservations(ctx context.Context, p access.Principal, next func() ([]PreparedObservation, error)) (int, error) {
	n, err := lodgeAll(ctx, s.db, next, func(tx *store.Tx, items []PreparedObservation, checked refChecks) error {
		_, err := s.lodgeObservations(tx, p, items, checked)
		return err
	})
	return n, wrap("lodge imported observations", err)
}

func (s *Service) lodgeObservations(tx *store.Tx, p access.Principal, items []PreparedObservation, checked refChecks) ([]Observation, error) {
	out := make([]Observation, len(items))
	cs := make([]store.Change, len(items))
	for i := range items {
		b := items[i].body
		if err := items[i].checkRefs(tx, checked); err != nil {
			return nil, errs.Prefix(fmt.Sprintf("observations[%d]", i), err)
		}
		b.RecordedAt = tx.Now()
		id := s.db.NewID(observationPrefix)
		cs[i] = store.Change{Entity: EntityObservation, ID: id, Version: 1, Actor: p.Actor(), Body: &b, Public: b.Resource().Classification == access.Public}
		out[i] = Observation{ID: id, Version: 1, ObservationBody: b}
	}
	_, err := tx.RecordAll(cs)
	return out, err
}

// errCheckOnly rolls back the transaction a reference check runs in.
var errCheckOnly = errors.New("incident: references checked; nothing to write")

// checkOnly runs check in a write transaction (the reference checks read
// through one) and rolls it back.
func (s *Service) checkOnly(ctx context.Context, check func(tx *store.Tx) error) error {
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		return errCheckOnly
	})
	if errors.Is(err, errCheckOnly) {
		return nil
	}
	return err
}

// CheckAllegationRefs checks what LodgeImportedAllegations will check in
// its transaction (the organisations and readers named), without writing:
// an import that must be all or nothing checks every record before it
// writes any. It returns one error or nil per item.
func (s *Service) CheckAllegationRefs(ctx context.Context, items []PreparedAllegation) ([]error, error) {
	out := make([]error, len(items))
	err := s.checkOnly(ctx, func(tx *store.Tx) error {
		checked := refChecks{}
		for i := range items {
			b := &items[i].body
			out[i] = checked.check(b.refKey(), func() error { return b.checkRefs(tx) })
			if out[i] != nil && errs.CodeOf(out[i]) == errs.CodeInternal {
				return out[i]
			}
		}
		return nil
	})
	return out, wrap("check allegations", err)
}

// CheckObservationRefs is CheckAllegationRefs for observations.
func (s *Service) CheckObservationRefs(ctx context.Context, items []PreparedObservation) ([]error, error) {
	out := make([]error, len(items))
	err := s.checkOnly(ctx, func(tx *store.Tx) error {
		checked := refChecks{}
		for i := range items {
			out[i] = items[i].checkRefs(tx, checked)
			if out[i] != nil && errs.CodeOf(out[i]) == errs.CodeInternal {
				return out[i]
			}
		}
		return nil
	})
	return out, wrap("check observations", err)
}

// MarshalJSON writes the prepared allegation, for an import to keep on
// disk between checking every record and writing them.
func (pa PreparedAllegation) MarshalJSON() ([]byte, error) { return json.Marshal(pa.body) }

// UnmarshalJSON reads what MarshalJSON wrote.
func (pa *PreparedAllegation) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &pa.body) }

// MarshalJSON writes the prepared observation (see PreparedAllegation's).
func (po PreparedObservation) MarshalJSON() ([]byte, error) { return json.Marshal(po.body) }

// UnmarshalJSON reads what MarshalJSON wrote.
func (po *PreparedObservation) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &po.body) }
