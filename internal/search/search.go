// Package search is the one search box over every kind of record: it finds
// any record the reader may see by the words of its texts (narratives,
// titles, names of places in every language, notes), in any script,
// ignoring case and diacritics, best matches first.
//
// Each domain package declares, in its list of kinds, which texts of a
// record are found and by whom (record.Kind.Search); New feeds the index
// from those declarations as a projection of every searchable kind
// (store.Extend), so the index changes in the transaction that changes the
// record and truce verify rebuilds and compares it like any projection. A
// new kind becomes searchable by declaring its texts.
//
// Need-to-know holds in SQL: every document carries the label its kind
// declared (the record's own, or a stricter one for a part such as a
// detainee's identity) and the query keeps only what access.Filter — the
// filter every kind's reads apply — lets the reader see; each hit is then
// read through its kind's own filtered read before it is shown, so a
// declaration wider than the kind's rule could not leak a record either.
// The words are folded in Go (text.Fold), so SQLite's FTS5 and
// PostgreSQL's full-text search search the same words.
package search

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/store"
)

// Tables of the index (migration 0027), shared by every searchable kind.
const (
	docsTable    = "search_docs"
	readersTable = "search_readers"
)

// MaxOffset bounds how deep a reader pages through ranked results: past
// it, a narrower query serves better than another page.
const MaxOffset = 1000

// maxCount is how far matches are counted; Total says "more" beyond it.
const maxCount = 1000

// maxRanked is how many of the newest matches are ranked (see Search).
const maxRanked = 2000

// Service answers searches.
type Service struct {
	db      *store.DB
	records *record.Registry
	log     *slog.Logger
	// indexOnly skips reading each hit through its kind (a benchmark of
	// the index alone over documents without records behind them).
	indexOnly bool
	// PostgreSQL: the index's most common words (common).
	statsMu sync.Mutex
	wordsAt time.Time
	words   map[string]float64
}

var entityName = regexp.MustCompile(`^[a-z][a-z_]*$`)

// Register adds the index's tables to the projection of every kind that
// declares Search. Call it once, before the first write, with every kind
// (app does, for the server and for verify alike).
func Register(db *store.DB, kinds []record.Kind) {
	for _, k := range kinds {
		if k.Search == nil {
			continue
		}
		if !entityName.MatchString(k.Entity) {
			panic("search: entity name " + k.Entity)
		}
		p, ok := db.Projection(k.Entity)
		if !ok || p.NewBody == nil {
			panic("search: kind " + k.Entity + " has no typed projection")
		}
		k.Search(p.NewBody()) // panics now if declared against another type
		where := "entity = '" + k.Entity + "'"
		db.Extend(k.Entity, []store.Table{
			{Name: docsTable, Columns: []string{"id", "entity", "classification", "owner_org", "title", "body"}, Where: where},
			{Name: readersTable, Columns: []string{"record_id", "entity", "org_id"}, Where: where},
		}, rowsFor(k.Entity, k.Search))
	}
}

// rowsFor returns the index rows of a record of entity.
func rowsFor(entity string, declared func(any) (record.SearchDoc, bool)) func(id string, body any) (map[string][][]any, error) {
	return func(id string, body any) (map[string][][]any, error) {
		doc, ok := declared(body)
		if !ok {
			return nil, nil
		}
		words := Words(doc.Texts...)
		if len(words) == 0 {
			return nil, nil
		}
		text := strings.Join(words, " ")
		if len(text) > maxBodyLen {
			text = text[:strings.LastIndexByte(text[:maxBodyLen+1], ' ')]
		}
		l := doc.Label
		if l.Classification == "" {
			l.Classification = access.Public
		}
		rows := map[string][][]any{
			docsTable: {{id, entity, string(l.Classification), l.OwnerOrg, title(doc.Title), text}},
		}
		for _, o := range l.RestrictedTo {
			rows[readersTable] = append(rows[readersTable], []any{id, entity, o})
		}
		return rows, nil
	}
}

// title cuts a result's line to maxTitleLen characters on a word boundary.
func title(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= maxTitleLen {
		return s
	}
	cut := string(r[:maxTitleLen])
	if i := strings.LastIndexByte(cut, ' '); i > maxTitleLen/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// New returns the search service over db, reading hits through records.
// The index must have been registered (Register) on db.
func New(db *store.DB, records *record.Registry, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, records: records, log: log}
}

// Hit is one record found.
type Hit struct {
	Entity string `json:"entity" doc:"the kind of record, e.g. allegation, place"`
	ID     string `json:"id"`
	Title  string `json:"title" doc:"a line that says what the record is, in its own language"`
}

// Results is one page of hits, best first.
type Results struct {
	store.Page[Hit]
	Words  []string `json:"words" doc:"the query's words as searched: folded, without case or diacritics"`
	Offset int      `json:"offset" doc:"how many better hits the pages before held"`
	Total  int      `json:"total" doc:"how many records the reader may see match, counted up to 1000"`
	More   bool     `json:"more,omitempty" doc:"more than total match: narrow the query"`
}

// Search finds the records p may see whose texts hold every word of query
// (the last may be the start of a word), best matches first. page's
// cursor is the previous page's Next.
func (s *Service) Search(ctx context.Context, p access.Principal, query string, page store.PageRequest) (Results, error) {
	q, err := ParseQuery(query)
	if err != nil {
		return Results{}, err
	}
	keys, limit, err := page.Keys()
	if err != nil {
		return Results{}, err
	}
	offset := 0
	if len(keys) > 0 {
		n, err := strconv.Atoi(keys[0])
		if len(keys) != 1 || err != nil || n < 0 || n > MaxOffset {
			return Results{}, errs.Invalid("cursor", "is not a cursor this server issued")
		}
		offset = n
	}
	limit = min(limit, MaxOffset+100-offset)
	cond, condArgs := access.Filter(p, "d", readersTable)
	// The best are ranked among the newest maxRanked matches the reader
	// may see: ranking every match of a word found in most records would
	// read them all (seconds at a million records), and a query that
	// matches thousands says too little to rank by anyway. A query with
	// fewer matches is ranked whole. They are ranked here, in Go (rank),
	// not by FTS5's bm25 or PostgreSQL's ts_rank: bm25 counts every
	// document a word occurs in to weigh it, which for a word in most
	// records reads its whole list, and both dialects then rank alike.
	var found []candidate
	var sample string
	if s.db.Dialect().Name == store.Postgres.Name {
		var err error
		if found, err = s.candidatesPostgres(ctx, q, cond, condArgs); err != nil {
			return Results{}, err
		}
		sample = fmt.Sprintf(`SELECT d.body FROM %s d WHERE %s LIMIT %d`, docsTable, cond, sampleSize)
	} else {
		cands := fmt.Sprintf(`SELECT d.entity, d.id, d.title, d.body FROM search_fts JOIN %s d ON d.rowid = search_fts.rowid
			WHERE search_fts MATCH ? AND %s ORDER BY search_fts.rowid DESC LIMIT %d`, docsTable, cond, maxRanked)
		var err error
		if found, err = s.candidates(ctx, cands, append([]any{q.fts5()}, condArgs...)); err != nil {
			return Results{}, err
		}
		sample = fmt.Sprintf(`SELECT d.body FROM %s d WHERE %s ORDER BY d.rowid DESC LIMIT %d`, docsTable, cond, sampleSize)
	}
	res := Results{Words: q.Words, Offset: offset}
	// The candidates are every visible match up to maxRanked, so they
	// are the count too (up to maxCount, less than maxRanked).
	res.Total = len(found)
	if res.Total > maxCount {
		res.Total, res.More = maxCount, true
	}
	if len(found) > 1 {
		st, err := s.stats(ctx, q, sample, condArgs)
		if err != nil {
			return Results{}, err
		}
		rank(q, st, found)
	}
	var hits []Hit
	for _, c := range found[min(offset, len(found)):min(offset+limit+1, len(found))] {
		hits = append(hits, c.hit)
	}
	more := len(hits) > limit
	hits = hits[:min(len(hits), limit)]
	// Each hit read through its kind's own filtered read: what that read
	// refuses is not shown, whatever the index said.
	kept := hits[:0]
	for _, h := range hits {
		if s.indexOnly {
			kept = append(kept, h)
			continue
		}
		if _, err := s.records.Resource(ctx, p, h.Entity, h.ID); err != nil {
			if c := errs.CodeOf(err); c == errs.CodeNotFound || c == errs.CodeUnauthenticated {
				s.log.Warn("search: the index offered a record its kind's read refuses", "entity", h.Entity, "id", h.ID)
				continue
			}
			return Results{}, err
		}
		kept = append(kept, h)
	}
	res.Items = kept
	if res.Items == nil {
		res.Items = []Hit{}
	}
	if more && offset+limit <= MaxOffset {
		res.Next = store.Cursor(strconv.Itoa(offset + limit))
	}
	return res, nil
}

// candidates reads the matches query (with args) returns.
func (s *Service) candidates(ctx context.Context, query string, args []any) ([]candidate, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var found []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.hit.Entity, &c.hit.ID, &c.hit.Title, &c.body); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		found = append(found, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return found, nil
}

// probeRows is how many documents PostgreSQL reads in turn, before its
// GIN index, looking for a query's first maxRanked matches, when its
// statistics say the query's words are in one document in five or more.
const probeRows = 20_000

// candidatesPostgres returns the first maxRanked matches of q that the
// reader may see (cond) in the table's order. The GIN index finds the
// matches of a rare word at once, but for a word in most documents it
// first gathers all of them (hundreds of thousands at a million
// documents, most of the time a query took) though maxRanked will do. So
// for a query whose words PostgreSQL's statistics find common (common),
// the first probeRows documents are read in turn first: when they hold
// maxRanked matches, those are the candidates, the ones a scan through the
// index would have met first too; otherwise the index finds them. The
// probe matches with LIKE over the document's words (folded, one space
// apart): they are the lexemes to_tsvector('simple') finds in them
// (TestWordsAreTsvectorLexemes), and computing to_tsvector again for each
// document read would cost most of the query.
func (s *Service) candidatesPostgres(ctx context.Context, q Query, cond string, condArgs []any) ([]candidate, error) {
	match := `to_tsvector('simple', d.body) @@ to_tsquery('simple', ?)`
	if s.common(ctx, q) {
		var likes []string
		var args []any
		for i, w := range q.Words {
			if q.prefix(i) {
				likes = append(likes, `(d.body LIKE ? OR d.body LIKE ?)`)
				args = append(args, w+"%", "% "+w+"%")
			} else {
				likes = append(likes, `(d.body = ? OR d.body LIKE ? OR d.body LIKE ? OR d.body LIKE ?)`)
				args = append(args, w, w+" %", "% "+w+" %", "% "+w)
			}
		}
		args = append(args, condArgs...)
		found, err := s.candidates(ctx, fmt.Sprintf(`SELECT d.entity, d.id, d.title, d.body FROM (SELECT * FROM %s LIMIT %d) d WHERE %s AND %s LIMIT %d`,
			docsTable, probeRows, strings.Join(likes, " AND "), cond, maxRanked), args)
		if err != nil || len(found) == maxRanked {
			return found, err
		}
	}
	// The GIN index gives the matches unordered: the candidates are the
	// first maxRanked that the bitmap scan meets.
	return s.candidates(ctx, fmt.Sprintf(`SELECT d.entity, d.id, d.title, d.body FROM %s d WHERE %s AND %s LIMIT %d`, docsTable, match, cond, maxRanked),
		append([]any{q.tsquery()}, condArgs...))
}

// common reports whether PostgreSQL's statistics of the index (its most
// common words and the share of documents each is in, from ANALYZE,
// read at most once a minute) say that one document in five or more
// holds every word of q: each word's share, a prefix's the sum of the
// words it begins, multiplied as if independent. A word not among the
// most common is rare.
func (s *Service) common(ctx context.Context, q Query) bool {
	s.statsMu.Lock()
	if time.Since(s.wordsAt) > time.Minute {
		s.wordsAt = time.Now()
		s.words = nil
		var elems, freqs string
		err := s.db.QueryRow(ctx, `SELECT most_common_elems::text, most_common_elem_freqs::text FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'search_docs_words' AND most_common_elems IS NOT NULL`).Scan(&elems, &freqs)
		if err == nil {
			s.words = parseElemStats(elems, freqs)
		} else if !store.IsNoRows(err) {
			s.log.Warn("search: reading the index's statistics", "err", err)
		}
	}
	words := s.words
	s.statsMu.Unlock()
	share := 1.0
	for i, w := range q.Words {
		f := 0.0
		for e, ef := range words {
			if e == w || q.prefix(i) && strings.HasPrefix(e, w) {
				f += ef
			}
		}
		share *= min(f, 1)
	}
	return share >= 0.2
}

// parseElemStats reads pg_stats' most common elements and their
// frequencies as text ("{a,b}", "{0.5,0.25,...}"); the frequencies end
// with a few summary figures, which are left out.
func parseElemStats(elems, freqs string) map[string]float64 {
	e := strings.Split(strings.Trim(elems, "{}"), ",")
	f := strings.Split(strings.Trim(freqs, "{}"), ",")
	out := make(map[string]float64, len(e))
	for i, w := range e {
		if i >= len(f) {
			break
		}
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			continue
		}
		out[strings.Trim(w, `"`)] = v
	}
	return out
}

// indexedKey is the meta key that says the index holds every record
// written before it existed.
const indexedKey = "search_indexed"

// Backfill indexes the records written before the index existed (a
// database migrated to 0027 with records in it): once, at start, in
// transactions of 5,000 records, each document computed by the kind's own
// projection from the record's current body, as a change would have
// written it (so verify finds the rows it rebuilds). Afterwards every
// change keeps the index in its transaction. Two servers starting at once
// on one PostgreSQL database may both try; the second fails on the
// first's rows and starts once restarted.
func (s *Service) Backfill(ctx context.Context) (int, error) {
	var done string
	err := s.db.QueryRow(ctx, `SELECT value FROM meta WHERE key = ?`, indexedKey).Scan(&done)
	if err == nil && done == "1" {
		return 0, nil
	}
	if err != nil && !store.IsNoRows(err) {
		return 0, err
	}
	n := 0
	for _, k := range s.records.Kinds() {
		if k.Search == nil {
			continue
		}
		entity := k.Entity
		p, _ := s.db.Projection(entity)
		rows, err := s.db.Query(ctx, `SELECT c.id, c.body FROM changes c WHERE c.entity = ? AND c.body IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM changes l WHERE l.entity = c.entity AND l.id = c.id AND l.version > c.version) ORDER BY c.id`, entity)
		if err != nil {
			return n, err
		}
		type rec struct {
			id   string
			body []byte
		}
		var recs []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.id, &r.body); err != nil {
				rows.Close()
				return n, err
			}
			recs = append(recs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		for lo := 0; lo < len(recs); lo += 5000 {
			chunk := recs[lo:min(lo+5000, len(recs))]
			_, err := s.db.Write(ctx, func(tx *store.Tx) error {
				if lo == 0 {
					for _, t := range []string{docsTable, readersTable} {
						if _, err := tx.ExecSide(`DELETE FROM `+t+` WHERE entity = ?`, entity); err != nil {
							return err
						}
					}
				}
				for _, r := range chunk {
					all, err := p.Rows(r.id, r.body)
					if err != nil {
						return fmt.Errorf("index %s %s: %w", entity, r.id, err)
					}
					for _, row := range all[docsTable] {
						if _, err := tx.ExecSide(`INSERT INTO `+docsTable+` (id, entity, classification, owner_org, title, body) VALUES (?, ?, ?, ?, ?, ?)`, row...); err != nil {
							return err
						}
					}
					for _, row := range all[readersTable] {
						if _, err := tx.ExecSide(`INSERT INTO `+readersTable+` (record_id, entity, org_id) VALUES (?, ?, ?)`, row...); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return n, err
			}
			n += len(chunk)
		}
	}
	if n > 0 {
		s.log.Info("search: indexed the records written before the index", "records", n)
	}
	return n, s.db.SetMeta(ctx, indexedKey, "1")
}
