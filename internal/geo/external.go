package geo

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Imports write many layers or places at once: each is matched to the
// record with the same external id among those the importer may read,
// created when there is none, updated when it differs and left alone when
// it is the same; all of them in one transaction.

// checkExternal checks an external id and the import source.
func checkExternal(id string, src *ImportSource) error {
	if id != "" {
		if err := text.CheckName("external_id", id, 200); err != nil {
			return err
		}
	}
	if src != nil {
		if err := text.CheckName("import.file", src.File, 500); err != nil {
			return err
		}
		if b, err := hex.DecodeString(src.SHA256); err != nil || len(b) != 32 {
			return errs.Invalid("import.sha256", "must be 64 hexadecimal digits")
		}
	}
	return nil
}

// Outcome is what a batch write did, or would do, with one record.
type Outcome int

// The outcomes.
const (
	Refused   Outcome = iota // bad input, not written
	Created                  // new
	Changed                  // its external id was known and it differed
	Unchanged                // its external id was known and it was the same
)

// BatchOptions says how WriteLayers and WritePlaces run.
type BatchOptions struct {
	DryRun  bool // decide every outcome, check everything, write nothing
	Partial bool // write the good records when some are bad
}

// LayerWrite is one layer of a batch. Where prefixes its errors ("feature
// 3"); Input.ExternalID, when set, matches an existing layer.
type LayerWrite struct {
	Where string
	Input LayerInput
	// ID is the id the record had where the file was exported, if any: a
	// layer of this instance with that id is the one to update (an
	// analyst re-importing an edited export), and otherwise it serves as
	// the external id when Input has none.
	ID string
}

// PlaceWrite is one place of a batch, as LayerWrite.
type PlaceWrite struct {
	Where string
	Input PlaceInput
	ID    string // as LayerWrite's
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")

// at prefixes err's fields with where: "feature 3: geometry.type".
func at(where string, err error) error {
	if where == "" || err == nil {
		return err
	}
	all := errs.All(err)
	if len(all) == 0 {
		return err
	}
	out := make([]*errs.Error, len(all))
	for i, e := range all {
		c := *e
		c.Field = where
		if e.Field != "" {
			c.Field = where + ": " + e.Field
		}
		out[i] = &c
	}
	if len(out) == 1 {
		return out[0]
	}
	return &errs.List{Errs: out}
}

// pending is one record of a batch once checked.
type pending[B any] struct {
	where   string
	id      string
	version int64 // of the new change
	body    B
	outcome Outcome
}

// sameBody reports whether two bodies are equal but for the file they came
// from.
func sameBody(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// WriteLayers creates or updates layers in one transaction, as p, with the
// same checks as CreateLayer and UpdateLayer. It returns each write's
// outcome and the errors of the refused ones, each prefixed with its
// Where, all of them. Without Partial one refusal writes nothing; a dry
// run writes nothing in any case. An error that is not a client error
// means the write itself failed.
func (s *Service) WriteLayers(ctx context.Context, p access.Principal, ws []LayerWrite, opt BatchOptions) ([]Outcome, error) {
	known, err := s.layersByExternalID(ctx, p)
	if err != nil {
		return nil, err
	}
	b := batch[LayerBody]{outcomes: make([]Outcome, len(ws)), entity: EntityLayer}
	for i, w := range ws {
		pd, err := s.checkLayerWrite(p, known, w)
		b.add(i, pd, at(w.Where, err))
	}
	orgs := func(tx *store.Tx, b LayerBody) error {
		check := map[string]string{"party": b.Party, "left_party": b.LeftParty, "right_party": b.RightParty}
		for j, o := range b.RestrictedTo {
			check[fmt.Sprintf("restricted_to[%d]", j)] = o
		}
		return s.checkOrgs(tx, check)
	}
	public := func(b LayerBody) bool { return b.Classification == access.Public }
	wrote, err := b.run(ctx, s.db, p, opt, orgs, public)
	if wrote {
		for _, f := range s.onLayers {
			f()
		}
	}
	return b.outcomes, err
}

// batch is a batch write's records once checked.
type batch[B any] struct {
	entity   string
	outcomes []Outcome
	todo     []pending[B] // the records to write
	todoAt   []int        // their places in outcomes
	bad      errs.Collector
}

func (b *batch[B]) add(i int, pd pending[B], err error) {
	if err != nil {
		b.bad.Add(err)
		return
	}
	b.outcomes[i] = pd.outcome
	if pd.outcome != Unchanged {
		b.todo = append(b.todo, pd)
		b.todoAt = append(b.todoAt, i)
	}
}

// run checks the organisations each record names in a transaction, then
// records the changes, unless something was refused (without Partial) or
// it is a dry run: then it rolls back. It reports whether it wrote, and
// every refusal.
func (b *batch[B]) run(ctx context.Context, db *store.DB, p access.Principal, opt BatchOptions,
	orgs func(*store.Tx, B) error, public func(B) bool) (bool, error) {
	if len(b.todo) == 0 {
		return false, b.bad.Err()
	}
	wrote := false
	_, err := db.Write(ctx, func(tx *store.Tx) error {
		for k := range b.todo {
			pd := &b.todo[k]
			if err := orgs(tx, pd.body); err != nil {
				if len(errs.All(err)) == 0 {
					return err
				}
				b.bad.Add(at(pd.where, err))
				pd.outcome, b.outcomes[b.todoAt[k]] = Refused, Refused
			}
		}
		if opt.DryRun || (!b.bad.Empty() && !opt.Partial) {
			return errDryRun
		}
		for _, pd := range b.todo {
			if pd.outcome == Refused {
				continue
			}
			if _, err := tx.Record(store.Change{Entity: b.entity, ID: pd.id, Version: pd.version, Actor: p.Actor(), Body: pd.body, Public: public(pd.body)}); err != nil {
				return at(pd.where, err)
			}
			wrote = true
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		if len(errs.All(err)) == 0 {
			return false, err
		}
		// A client error while recording (a version changed meanwhile)
		// rolled everything back.
		for k := range b.todo {
			b.outcomes[b.todoAt[k]] = Refused
		}
		b.bad.Add(err)
		return false, b.bad.Err()
	}
	if err != nil {
		wrote = false
	}
	return wrote, b.bad.Err()
}

func (s *Service) checkLayerWrite(p access.Principal, known map[string]Layer, w LayerWrite) (pending[LayerBody], error) {
	var match *importMatch[LayerBody]
	if cur, found := matchKnown(known, &w.Input.ExternalID, w.ID); found {
		match = &importMatch[LayerBody]{id: cur.ID, version: cur.Version, owner: cur.OwnerOrg, res: cur.Resource(), body: cur.LayerBody}
	}
	return checkImportWrite(p, w.Where, s.db.NewID("lyr"), kindLayer.New(), match, w.Input.body,
		func(a, b LayerBody) bool { a.Import, b.Import = nil, nil; return sameBody(a, b) })
}

// layersByExternalID returns the layers p may read that have an external
// id, by it.
func (s *Service) layersByExternalID(ctx context.Context, p access.Principal) (map[string]Layer, error) {
	all, err := s.allLayers(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]Layer{}
	for _, l := range all {
		if access.CanRead(p, l.Resource()) {
			addKnown(out, l.ID, l.ExternalID, l)
		}
	}
	return out, nil
}

// WritePlaces creates or updates places in one transaction, as
// WriteLayers does layers.
func (s *Service) WritePlaces(ctx context.Context, p access.Principal, ws []PlaceWrite, opt BatchOptions) ([]Outcome, error) {
	known, err := s.placesByExternalID(ctx, p)
	if err != nil {
		return nil, err
	}
	b := batch[PlaceBody]{outcomes: make([]Outcome, len(ws)), entity: EntityPlace}
	for i, w := range ws {
		pd, err := s.checkPlaceWrite(p, known, w)
		b.add(i, pd, at(w.Where, err))
	}
	orgs := func(tx *store.Tx, b PlaceBody) error {
		check := map[string]string{}
		for j, o := range b.RestrictedTo {
			check[fmt.Sprintf("restricted_to[%d]", j)] = o
		}
		for j, n := range b.Names {
			if n.Party != "" {
				check[fmt.Sprintf("names[%d].party", j)] = n.Party
			}
		}
		return s.checkOrgs(tx, check)
	}
	public := func(b PlaceBody) bool { return b.Classification == access.Public }
	_, err = b.run(ctx, s.db, p, opt, orgs, public)
	return b.outcomes, err
}

func (s *Service) checkPlaceWrite(p access.Principal, known map[string]Place, w PlaceWrite) (pending[PlaceBody], error) {
	var match *importMatch[PlaceBody]
	if cur, found := matchKnown(known, &w.Input.ExternalID, w.ID); found {
		match = &importMatch[PlaceBody]{id: cur.ID, version: cur.Version, owner: cur.OwnerOrg, res: cur.Resource(), body: cur.PlaceBody}
	}
	return checkImportWrite(p, w.Where, s.db.NewID("plc"), kindPlace.New(), match, w.Input.body,
		func(a, b PlaceBody) bool { a.Import, b.Import = nil, nil; return sameBody(a, b) })
}

// placesByExternalID returns the places p may read that have an external
// id, by it, reading every place once.
func (s *Service) placesByExternalID(ctx context.Context, p access.Principal) (map[string]Place, error) {
	out := map[string]Place{}
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		ps, err := s.ListPlaces(ctx, p, PlaceFilter{}, page)
		if err != nil {
			return nil, err
		}
		for _, pl := range ps.Items {
			addKnown(out, pl.ID, pl.ExternalID, pl)
		}
		if ps.Next == "" {
			return out, nil
		}
		page.Cursor = ps.Next
	}
}

// Extent returns the smallest box holding every layer p may read: the
// mission's area, against which an import checks for positions given as
// [latitude, longitude]. It is empty when there are no layers.
func (s *Service) Extent(ctx context.Context, p access.Principal) (BBox, error) {
	all, err := s.allLayers(ctx)
	if err != nil {
		return BBox{}, err
	}
	r := s2.EmptyRect()
	for _, l := range all {
		if !access.CanRead(p, l.Resource()) {
			continue
		}
		r = r.Union(rectOf(l.Geometry.Bounds()))
	}
	return bboxFromRect(r), nil
}

// rectOf converts a box to an S2 rectangle.
func rectOf(b BBox) s2.Rect {
	if b.IsEmpty() {
		return s2.EmptyRect()
	}
	const rad = 3.141592653589793 / 180
	lat := s2.Rect{}.Lat
	lat.Lo, lat.Hi = b.MinLat*rad, b.MaxLat*rad
	return s2.Rect{Lat: lat, Lng: s1.IntervalFromEndpoints(b.MinLon*rad, b.MaxLon*rad)}
}

// Check validates in as CreateLayer would, but for the organisations it
// names, which are checked when it is written.
func (in LayerInput) Check() error {
	_, err := in.body("")
	return err
}

// Check validates in as CreatePlace would, but for the organisations it
// names, which are checked when it is written.
func (in PlaceInput) Check() error {
	_, err := in.body("")
	return err
}

// addKnown files a record the importer may read under its own id and,
// when it has one, its external id.
func addKnown[T any](known map[string]T, id, externalID string, rec T) {
	known["id:"+id] = rec
	if externalID != "" {
		known["ext:"+externalID] = rec
	}
}

// matchKnown finds the record an imported one is: by its external id;
// else, when the file gave the id it had where it was exported, the
// record of this instance with that id, or else the record imported
// before with that id as its external id. A record of another instance
// takes its id there as its external id here (set through externalID), so
// that importing the file again changes nothing.
func matchKnown[T any](known map[string]T, externalID *string, id string) (T, bool) {
	if *externalID != "" {
		cur, ok := known["ext:"+*externalID]
		return cur, ok
	}
	if id == "" {
		var zero T
		return zero, false
	}
	if cur, ok := known["id:"+id]; ok {
		return cur, true
	}
	*externalID = id
	cur, ok := known["ext:"+id]
	return cur, ok
}

// importMatch is the record of this instance an imported one was matched to.
type importMatch[B any] struct {
	id      string
	version int64
	owner   string
	res     access.Resource
	body    B
}

// checkImportWrite decides what writing an imported record does: an update
// of the record it matched (changed, or unchanged when same says the
// bodies agree), or a new record under newID; p must be allowed either.
func checkImportWrite[B any](p access.Principal, where, newID string, create access.Resource, match *importMatch[B],
	body func(owner string) (B, error), same func(old, new B) bool) (pending[B], error) {
	pd := pending[B]{where: where, outcome: Created, version: 1, id: newID}
	owner := p.Org
	if match != nil {
		if err := access.Decide(p, access.Update, match.res); err != nil {
			return pd, err
		}
		pd.id, pd.version, pd.outcome, owner = match.id, match.version+1, Changed, match.owner
	} else if err := access.Decide(p, access.Create, create); err != nil {
		return pd, err
	}
	b, err := body(owner)
	if err != nil {
		return pd, err
	}
	pd.body = b
	if match != nil && same(match.body, b) {
		pd.outcome = Unchanged
	}
	return pd, nil
}
