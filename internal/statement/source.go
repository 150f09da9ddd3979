package statement

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// SourceInput is a media article as a client sends it.
type SourceInput struct {
	OutletOrg string `json:"outlet_org,omitempty" doc:"organisation id of the outlet (of kind media), when it is one"`
	Outlet    string `json:"outlet,omitempty" doc:"the outlet's name; required without outlet_org"`
	Date      string `json:"date" doc:"publication date, YYYY-MM-DD or RFC 3339; not in the future"`
	Language  string `json:"language" doc:"BCP 47 tag of the article's language, e.g. en, ru, ar"`
	URL       string `json:"url" doc:"http or https"`
	Title     string `json:"title" doc:"in the article's own language and script"`
	// ContentSHA256 and Text: the mission archives the article and keeps
	// its hash here, so that anyone holding a copy can show it is the one
	// cited. The text itself is not stored (it is the outlet's); send it
	// to have its hash computed, or send the hash.
	ContentSHA256 string `json:"content_sha256,omitempty" doc:"SHA-256 (lower-case hex) of the article text as archived"`
	Text          string `json:"text,omitempty" doc:"the article text as archived, UTF-8: only its SHA-256 is kept"`
	Notes         string `json:"notes,omitempty"`
	Illustrative  bool   `json:"illustrative,omitempty" doc:"true for invented demo data"`
	access.LabelInput
}

// SourceBody is a source as the change log holds it.
type SourceBody struct {
	OutletOrg     string    `json:"outlet_org,omitempty"`
	Outlet        string    `json:"outlet,omitempty"`
	Date          time.Time `json:"date"`
	DatePrecision string    `json:"date_precision" doc:"day or time"`
	Language      string    `json:"language"`
	URL           string    `json:"url"`
	Title         string    `json:"title"`
	ContentSHA256 string    `json:"content_sha256,omitempty"`
	Notes         string    `json:"notes,omitempty"`
	Illustrative  bool      `json:"illustrative"`
	access.Label
}

// Source is a source with its id and version.
type Source struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	SourceBody
}

// Resource is the policy's view of the source.
func (b SourceBody) Resource() access.Resource { return kindSource.Of(b.Label) }

// body checks the input and returns the body it makes, owned by owner.
// What depends on other records (the outlet organisation) and on the clock
// is checked on write.
func (in SourceInput) body(owner string) (SourceBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := SourceBody{OutletOrg: in.OutletOrg, Outlet: in.Outlet, URL: in.URL, Title: in.Title, Notes: in.Notes, Illustrative: in.Illustrative}
	if in.OutletOrg == "" && in.Outlet == "" {
		ec.Add(errs.Because(errs.Invalid("outlet", "is required: the outlet's name, or its organisation id in outlet_org"), errs.ReasonRequired))
	}
	if in.OutletOrg != "" {
		if err := checkRef("outlet_org", in.OutletOrg, "org", "an organisation"); err != nil {
			ec.Add(err)
		}
	}
	if in.Outlet != "" {
		if err := text.CheckName("outlet", in.Outlet, MaxName); err != nil {
			ec.Add(err)
		}
	}
	var err error
	if b.Date, b.DatePrecision, err = parseDate("date", in.Date); err != nil {
		ec.Add(err)
	}
	if b.Language, err = parseLanguage("language", in.Language); err != nil {
		ec.Add(err)
	}
	if err := checkHTTPURL("url", in.URL); err != nil {
		ec.Add(err)
	}
	if err := text.CheckName("title", in.Title, MaxName); err != nil {
		ec.Add(err)
	}
	if b.ContentSHA256, err = contentHash("content_sha256", in.ContentSHA256, "text", in.Text); err != nil {
		ec.Add(err)
	}
	if in.Notes != "" {
		if err := text.CheckText("notes", in.Notes, MaxText); err != nil {
			ec.Add(err)
		}
	}
	b.Label, err = in.LabelInput.Label(access.Public, owner)
	ec.Add(err)
	return b, ec.Err()
}

// checkWrite checks, inside the write transaction, what depends on other
// records and on the clock.
func (b SourceBody) checkWrite(tx *store.Tx, now time.Time) error {
	if err := checkNotFuture("date", b.Date, now); err != nil {
		return err
	}
	if b.OutletOrg != "" {
		kind, err := orgKind(tx, "outlet_org", b.OutletOrg)
		if err != nil {
			return err
		}
		if kind != "media" {
			return errs.Invalid("outlet_org", "%s is a %s, not a media outlet", b.OutletOrg, kind)
		}
	}
	return checkReaders(tx, b.Label)
}

// RecordSource records a media article.
func (s *Service) RecordSource(ctx context.Context, p access.Principal, in SourceInput) (Source, error) {
	return s.putSource(ctx, p, "", 0, in)
}

// UpdateSource replaces a source with a new version.
func (s *Service) UpdateSource(ctx context.Context, p access.Principal, id string, version int64, in SourceInput) (Source, error) {
	return s.putSource(ctx, p, id, version, in)
}

func (s *Service) putSource(ctx context.Context, p access.Principal, id string, version int64, in SourceInput) (Source, error) {
	op := "record source"
	action := access.Create
	if id != "" {
		op, action = "update source", access.Update
		// A record p may not read is not found, whatever p's roles, before
		// anything is said about the new version.
		if _, err := s.GetSource(ctx, p, id); err != nil {
			return Source{}, wrap(op, err)
		}
	}
	b, err := in.body(p.Org)
	if err != nil {
		return Source{}, wrap(op, err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Source{}, wrap(op, err)
	}
	if id == "" {
		id = s.db.NewID(sourcePrefix)
	}
	now := s.now()
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if action == access.Update {
			var old SourceBody
			have, err := tx.Current(EntitySource, id, &old)
			if err != nil {
				return err
			}
			if err := access.Decide(p, access.Update, old.Resource()); err != nil {
				return err
			}
			if err := store.CheckVersion(EntitySource, id, version, have); err != nil {
				return err
			}
			b.OwnerOrg = old.OwnerOrg
		}
		if err := b.checkWrite(tx, now); err != nil {
			return err
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntitySource, ID: id, Version: version + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Source{}, wrap(op, err)
	}
	return Source{ID: id, Version: rec.Version, SourceBody: b}, nil
}

// GetSource returns a source p may read.
func (s *Service) GetSource(ctx context.Context, p access.Principal, id string) (Source, error) {
	src := Source{ID: id}
	v, err := s.db.Current(ctx, EntitySource, id, &src.SourceBody)
	if err != nil {
		return Source{}, wrap("get source", err)
	}
	if err := access.Decide(p, access.Read, src.Resource()); err != nil {
		return Source{}, wrap("get source", err)
	}
	src.Version = v
	return src, nil
}

// SourceFilter narrows ListSources; zero fields do not filter.
type SourceFilter struct {
	OutletOrg string
	Language  string // a BCP 47 tag, compared in canonical form
	From, To  time.Time
}

// ListSources returns a page of the sources p may read, newest first.
func (s *Service) ListSources(ctx context.Context, p access.Principal, f SourceFilter, page store.PageRequest) (store.Page[Source], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Source]{}, wrap("list sources", err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Page[Source]{}, wrap("list sources", err)
	}
	if conds, args, err = after("r.published_at", keys, conds, args); err != nil {
		return store.Page[Source]{}, wrap("list sources", err)
	}
	q := `SELECT r.id, c.version, c.body, r.published_at FROM (SELECT r.id, r.published_at FROM sources r WHERE ` + joinAnd(conds) +
		` ORDER BY r.published_at DESC, r.id DESC LIMIT ?) r ` + s.db.Dialect().LatestJoin(EntitySource) + ` ORDER BY r.published_at DESC, r.id DESC`
	args = append(args, limit+1)
	var items []Source
	keyOf := map[string]string{}
	err = s.scan(ctx, q, args, func(id string, v int64, body []byte, key string) error {
		src := Source{ID: id, Version: v}
		if err := store.DecodeBody(body, &src.SourceBody); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		keyOf[id] = key
		items = append(items, src)
		return nil
	})
	if err != nil {
		return store.Page[Source]{}, wrap("list sources", err)
	}
	return store.Paginate(items, limit, func(src Source) []string { return []string{keyOf[src.ID], src.ID} }), nil
}

// scan runs a page query whose rows are (id, version, body, sort key).
func (s *Service) scan(ctx context.Context, q string, args []any, each func(id string, v int64, body []byte, key string) error) error {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, key string
		var v int64
		var body []byte
		if err := rows.Scan(&id, &v, &body, &key); err != nil {
			return err
		}
		if err := each(id, v, body, key); err != nil {
			return err
		}
	}
	return rows.Err()
}

// window adds a time window [from, to) on col; zero ends are open.
func window(col string, from, to time.Time, conds []string, args []any) ([]string, []any, error) {
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return nil, nil, errs.Invalid("to", "must be after from")
	}
	if !from.IsZero() {
		conds = append(conds, col+" >= ?")
		args = append(args, from.UTC().Format(timeText))
	}
	if !to.IsZero() {
		conds = append(conds, col+" < ?")
		args = append(args, to.UTC().Format(timeText))
	}
	return conds, args, nil
}

// after adds the cursor of a newest-first list ordered by (col, id).
func after(col string, keys []string, conds []string, args []any) ([]string, []any, error) {
	switch len(keys) {
	case 0:
		return conds, args, nil
	case 2:
		conds = append(conds, "("+col+" < ? OR ("+col+" = ? AND r.id < ?))")
		return conds, append(args, keys[0], keys[0], keys[1]), nil
	}
	return nil, nil, errs.Invalid("cursor", "is not a cursor this server issued")
}

func sourceRows(id string, b *SourceBody) (map[string][][]any, error) {
	return map[string][][]any{
		"sources":        {{id, b.OutletOrg, b.Date.UTC().Format(timeText), b.Language, b.ContentSHA256, string(b.Classification), b.OwnerOrg}},
		"source_readers": b.ReaderRows(id),
	}, nil
}
