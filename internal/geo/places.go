package geo

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

var placeKinds = []string{"settlement", "district", "region", "landmark", "border_crossing", "other"}

// PlaceName is one name of a place: in a language, and optionally as one
// party uses it (the same town can have a different name on each side).
type PlaceName struct {
	Lang  string `json:"lang" doc:"language tag, e.g. az, hy, ru, en"`
	Party string `json:"party,omitempty" doc:"organisation id of the side that uses this name"`
	Name  string `json:"name"`
}

// PlaceInput is what a client sends to create or replace a place.
type PlaceInput struct {
	Kind         string      `json:"kind" doc:"settlement, district, region, landmark, border_crossing, other"`
	Names        []PlaceName `json:"names"`
	Location     *Point      `json:"location"`
	Note         string      `json:"note,omitempty"`
	Illustrative bool        `json:"illustrative,omitempty"`
	ExternalID   string      `json:"external_id,omitempty" doc:"the place's id in the system it came from (e.g. a P-code); an import updates the place with the same external id"`
	// Import is the file an import brought the place in from; set by
	// importers, never by a client.
	Import *ImportSource `json:"-"`
	access.LabelInput
}

// PlaceBody is a place as the change log holds it.
type PlaceBody struct {
	Kind         string        `json:"kind"`
	Names        []PlaceName   `json:"names"`
	Location     Point         `json:"location"`
	Note         string        `json:"note,omitempty"`
	Illustrative bool          `json:"illustrative,omitempty"`
	ExternalID   string        `json:"external_id,omitempty"`
	Import       *ImportSource `json:"import,omitempty"`
	access.Label
}

// Resource is the policy's view of the place.
func (p Place) Resource() access.Resource { return kindPlace.Of(p.Label) }

// Place is a place with its id and version.
type Place struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	PlaceBody
}

// NameFor returns the name a reader prefers: in lang as used by party, then
// in lang by anyone, then as used by party in any language, then the first.
func (p PlaceBody) NameFor(lang, party string) string {
	best, score := "", -1
	for i, n := range p.Names {
		s := 0
		if n.Lang == lang {
			s += 4
		}
		if party != "" && n.Party == party {
			s += 2
		} else if n.Party == "" {
			s++
		}
		if s > score || (s == score && i == 0) {
			best, score = n.Name, s
		}
	}
	return best
}

// body validates the input; places are public unless labelled otherwise.
func (in PlaceInput) body(owner string) (PlaceBody, error) {
	b := PlaceBody{Kind: in.Kind, Names: in.Names, Note: in.Note, Illustrative: in.Illustrative, ExternalID: in.ExternalID, Import: in.Import}
	if err := checkExternal(in.ExternalID, in.Import); err != nil {
		return b, err
	}
	label, err := in.LabelInput.Label(access.Public, owner)
	if err != nil {
		return b, err
	}
	b.Label = label
	if !contains(placeKinds, in.Kind) {
		return b, errs.Invalid("kind", "must be one of %s", strings.Join(placeKinds, ", "))
	}
	if len(in.Names) == 0 {
		return b, errs.Invalid("names", "a place needs at least one name")
	}
	if len(in.Names) > 50 {
		return b, errs.Invalid("names", "at most 50 names")
	}
	seen := map[string]bool{}
	for i, n := range in.Names {
		f := fmt.Sprintf("names[%d]", i)
		if !langTag.MatchString(n.Lang) {
			return b, errs.Invalid(f+".lang", "%q is not a language tag such as az, hy, ru or en", n.Lang)
		}
		if err := text.CheckName(f+".name", n.Name, 200); err != nil {
			return b, err
		}
		if n.Party != "" {
			if err := text.CheckName(f+".party", n.Party, 64); err != nil {
				return b, err
			}
		}
		k := n.Lang + "\x00" + n.Party
		if seen[k] {
			return b, errs.Invalid(f, "a second name in %s for the same party", n.Lang)
		}
		seen[k] = true
	}
	if in.Location == nil {
		return b, errs.Invalid("location", "is required")
	}
	if err := in.Location.Validate(); err != nil {
		return b, errs.Prefix("location", err)
	}
	b.Location = *in.Location
	if in.Note != "" {
		if err := text.CheckText("note", in.Note, 10000); err != nil {
			return b, err
		}
	}
	return b, nil
}

func placeRows(id string, body []byte) (map[string][][]any, error) {
	var b PlaceBody
	if err := store.DecodeBody(body, &b); err != nil {
		return nil, err
	}
	return placeRowsOf(id, &b)
}

func placeRowsOf(id string, b *PlaceBody) (map[string][][]any, error) {
	name := ""
	if len(b.Names) > 0 {
		name = b.Names[0].Name
	}
	out := map[string][][]any{"places": {{id, b.Kind, name, b.Location.Lat, b.Location.Lon, b.Illustrative, string(b.Classification), b.OwnerOrg}},
		"place_readers": b.ReaderRows(id)}
	for _, n := range b.Names {
		out["place_names"] = append(out["place_names"], []any{id, n.Lang, n.Party, n.Name, text.Fold(n.Name)})
	}
	return out, nil
}

// CreatePlace validates and stores a new place.
func (s *Service) CreatePlace(ctx context.Context, p access.Principal, in PlaceInput) (Place, error) {
	if err := access.Decide(p, access.Create, kindPlace.New()); err != nil {
		return Place{}, err
	}
	return s.putPlace(ctx, p.Actor(), s.db.NewID("plc"), 1, p.Org, in)
}

// UpdatePlace replaces a place; version is the version the client last saw.
func (s *Service) UpdatePlace(ctx context.Context, p access.Principal, id string, version int64, in PlaceInput) (Place, error) {
	cur, err := s.GetPlace(ctx, p, id)
	if err != nil {
		return Place{}, err
	}
	if err := access.Decide(p, access.Update, cur.Resource()); err != nil {
		return Place{}, err
	}
	if version < 1 { // 0 would skip the store's version check
		return Place{}, errs.Invalid("version", "must be the version last read, at least 1")
	}
	return s.putPlace(ctx, p.Actor(), id, version+1, cur.OwnerOrg, in)
}

func (s *Service) putPlace(ctx context.Context, actor store.Actor, id string, version int64, owner string, in PlaceInput) (Place, error) {
	b, err := in.body(owner)
	if err != nil {
		return Place{}, err
	}
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		for i, o := range b.RestrictedTo {
			if err := s.checkOrgs(tx, map[string]string{fmt.Sprintf("restricted_to[%d]", i): o}); err != nil {
				return err
			}
		}
		for i, n := range b.Names {
			if n.Party != "" {
				if err := s.checkOrgs(tx, map[string]string{fmt.Sprintf("names[%d].party", i): n.Party}); err != nil {
					return err
				}
			}
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: "place", ID: id, Version: version, Actor: actor, Body: b, Public: b.Classification == access.Public})
		return err
	})
	if err != nil {
		return Place{}, err
	}
	return Place{ID: id, Version: rec.Version, PlaceBody: b}, nil
}

// GetPlace returns one place p may read; one p may not read is not found.
func (s *Service) GetPlace(ctx context.Context, p access.Principal, id string) (Place, error) {
	pl, err := s.getPlace(ctx, id)
	if err != nil {
		return Place{}, err
	}
	if !access.CanRead(p, pl.Resource()) {
		return Place{}, errs.NotFound("place %s not found", id)
	}
	return pl, nil
}

// getPlace reads a place whoever asks: for the package's own checks.
func (s *Service) getPlace(ctx context.Context, id string) (Place, error) {
	body, v, err := s.db.Body(ctx, "place", id)
	if err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound {
			return Place{}, errs.NotFound("place %s not found", id)
		}
		return Place{}, err
	}
	pl := Place{ID: id, Version: v}
	if err := store.DecodeBody(body, &pl.PlaceBody); err != nil {
		return Place{}, fmt.Errorf("place %s: %w", id, err)
	}
	return pl, nil
}

// PlaceFilter narrows ListPlaces.
type PlaceFilter struct {
	Query string // any of the place's names, case- and diacritic-insensitive, any script
	Kind  string
}

// ListPlaces lists the places p may read in id order, or those with a name
// containing the query.
func (s *Service) ListPlaces(ctx context.Context, p access.Principal, f PlaceFilter, page store.PageRequest) (store.Page[Place], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Place]{}, err
	}
	q, args, err := placeListQuery(p, f, keys, limit)
	if err != nil {
		return store.Page[Place]{}, err
	}
	ids, err := s.ids(ctx, q, args...)
	if err != nil {
		return store.Page[Place]{}, err
	}
	bodies, err := s.db.Bodies(ctx, "place", ids)
	if err != nil {
		return store.Page[Place]{}, err
	}
	out := make([]Place, 0, len(ids))
	for _, id := range ids {
		c, ok := bodies[id]
		if !ok {
			return store.Page[Place]{}, fmt.Errorf("place %s has no change", id)
		}
		x := Place{ID: id, Version: c.Version}
		if err := store.DecodeBody(c.Body, &x.PlaceBody); err != nil {
			return store.Page[Place]{}, fmt.Errorf("place %s: %w", id, err)
		}
		out = append(out, x)
	}
	return store.Paginate(out, limit, func(p Place) []string { return []string{p.ID} }), nil
}

// placeListQuery is ListPlaces' query: the ids of the places p may read
// after keys, with a name containing the folded query (an infix LIKE,
// served on PostgreSQL by the trigram index place_names_folded_trgm).
func placeListQuery(p access.Principal, f PlaceFilter, keys []string, limit int) (string, []any, error) {
	q := `SELECT id FROM places p WHERE id > ?`
	args := []any{""}
	if len(keys) > 0 {
		args[0] = keys[0]
	}
	cond, cargs := access.Filter(p, "p", "place_readers")
	q += " AND " + cond
	args = append(args, cargs...)
	if f.Kind != "" {
		if !contains(placeKinds, f.Kind) {
			return "", nil, errs.Invalid("kind", "must be one of %s", strings.Join(placeKinds, ", "))
		}
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.Query != "" {
		if err := text.CheckName("q", f.Query, 200); err != nil {
			return "", nil, err
		}
		folded := text.Fold(f.Query)
		if folded == "" {
			return "", nil, errs.Invalid("q", "has no letters or digits to search for")
		}
		q += ` AND EXISTS (SELECT 1 FROM place_names n WHERE n.place_id = p.id AND n.folded LIKE ? ESCAPE '\')`
		args = append(args, "%"+likeEscape(folded)+"%")
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit+1)
	return q, args, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

var _ = sort.Strings
