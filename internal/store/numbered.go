package store

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/truce-monitoring/truce/internal/errs"
)

// ListQuery asks for one numbered page of a list in a chosen order: the
// kit every list page and list endpoint shares (issue 16). Pages are
// offsets into the filtered list; a list reads a page past the middle
// from the far end, so that page 1 and the last page cost the same and
// only the middle of a long list walks far.
type ListQuery struct {
	Page int    // 1-based; 0 means 1
	Size int    // rows a page; 0 means DefaultLimit
	Sort string // one of the list's sort keys; "" its default
	Desc bool   // newest, largest, last first
}

// MaxPage bounds the page number a client may ask for, so that a typo of
// many digits is an error, not a walk.
const MaxPage = 1_000_000

// ParseListQuery reads page, size and sort from a query: sort is a key
// ("category") or a key with a leading minus for the descending order
// ("-start"). A value out of range names its field.
func ParseListQuery(v url.Values) (ListQuery, error) {
	var q ListQuery
	for _, f := range []struct {
		name string
		to   *int
		max  int
	}{{"page", &q.Page, MaxPage}, {"size", &q.Size, MaxLimit}} {
		s := v.Get(f.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > f.max {
			return ListQuery{}, errs.Invalid(f.name, "must be a whole number from 1 to %d", f.max)
		}
		*f.to = n
	}
	s := v.Get("sort")
	if len(s) > 40 {
		return ListQuery{}, errs.Invalid("sort", "is not one of the orders offered")
	}
	q.Sort, q.Desc = strings.CutPrefix(s, "-")
	return q, nil
}

// Values is the query as URL parameters, leaving out defaults.
func (q ListQuery) Values() url.Values {
	v := url.Values{}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Size != 0 && q.Size != DefaultLimit {
		v.Set("size", strconv.Itoa(q.Size))
	}
	if q.Sort != "" {
		s := q.Sort
		if q.Desc {
			s = "-" + s
		}
		v.Set("sort", s)
	}
	return v
}

// Check fills in the defaults (sort def, descending when defDesc and no
// sort was asked) and refuses a sort key not in sorts.
func (q ListQuery) Check(sorts []string, def string, defDesc bool) (ListQuery, error) {
	if q.Page == 0 {
		q.Page = 1
	}
	if q.Size == 0 {
		q.Size = DefaultLimit
	}
	if q.Page < 1 || q.Page > MaxPage {
		return q, errs.Invalid("page", "must be a whole number from 1 to %d", MaxPage)
	}
	if q.Size < 1 || q.Size > MaxLimit {
		return q, errs.Invalid("size", "must be a whole number from 1 to %d", MaxLimit)
	}
	if q.Sort == "" {
		q.Sort, q.Desc = def, defDesc
	}
	if !slices.Contains(sorts, q.Sort) {
		return q, errs.Invalid("sort", "is not one of the orders offered")
	}
	return q, nil
}

// Numbered is one numbered page of a list with the list's total.
type Numbered[T any] struct {
	Items []T    `json:"items"`
	Total int    `json:"total" doc:"rows that meet the filters"`
	Page  int    `json:"page"`
	Pages int    `json:"pages" doc:"the last page's number (at least 1)"`
	Size  int    `json:"size"`
	Sort  string `json:"sort" doc:"the order used: a key, with a leading minus when descending"`
}

// NumberedOf wraps items read for q into a page of a list of total rows.
func NumberedOf[T any](items []T, total int, q ListQuery) Numbered[T] {
	if items == nil {
		items = []T{}
	}
	s := q.Sort
	if q.Desc {
		s = "-" + s
	}
	return Numbered[T]{Items: items, Total: total, Page: q.Page, Pages: max(1, (total+q.Size-1)/q.Size), Size: q.Size, Sort: s}
}

// NumberedSpec is a numbered list of a kind of record: its projection
// table (aliased r) and entity, the conditions (the access filter and the
// filters, with their arguments), the order and, optionally, parts shown
// one after the other.
type NumberedSpec struct {
	Table, Entity string
	Conds         []string
	Args          []any
	Order         string   // the sort column, e.g. r.category
	Then          string   // the column that breaks ties before r.id (the record's time); "" for none
	Desc          bool     // Order, Then and r.id descending
	Extra         string   // more columns after id, version, body: ", (SELECT ...)"
	Parts         []Part   // nil: one part, the whole list
	Counted       []string // the entities whose changes change the total (Entity is one)
}

// Part is one stretch of a numbered list: the rows that also meet Cond,
// shown before the next part's (a liaison's own side's allegations first).
type Part struct {
	Cond string
	Args []any
}

// ReadNumbered counts the rows of spec and reads page q of them in order,
// each row through scan (which reads id, version, body, then Extra's
// columns). A stretch past the middle of a part is read from its far end
// in the opposite order (a short walk instead of a long one) and turned
// back. The totals are kept while no record they count changes: a count
// walks every row that meets the filters, while the pages that follow ask
// the same question.
func ReadNumbered[T any](ctx context.Context, db *DB, spec NumberedSpec, q ListQuery, scan func(scan func(...any) error) (T, error)) ([]T, int, error) {
	parts := spec.Parts
	if parts == nil {
		parts = []Part{{Cond: "1 = 1"}}
	}
	where := strings.Join(spec.Conds, " AND ")
	if where == "" {
		where = "1 = 1"
	}
	version, err := db.Version(ctx, append([]string{spec.Entity}, spec.Counted...)...)
	if err != nil {
		return nil, 0, err
	}
	counts := make([]int, len(parts))
	total := 0
	for i, pt := range parts {
		args := append(slices.Clone(spec.Args), pt.Args...)
		if counts[i], err = db.counts.count(ctx, db, version, `SELECT COUNT(*) FROM `+spec.Table+` r WHERE `+where+` AND `+pt.Cond, args); err != nil {
			return nil, 0, err
		}
		total += counts[i]
	}
	var items []T
	offset, limit := (q.Page-1)*q.Size, q.Size
	for i, pt := range parts {
		if limit <= 0 {
			break
		}
		if offset >= counts[i] {
			offset -= counts[i]
			continue
		}
		n := min(limit, counts[i]-offset)
		got, err := readPart(ctx, db, spec, where, pt, offset, n, counts[i], scan)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, got...)
		limit -= n
		offset = 0
	}
	return items, total, nil
}

func readPart[T any](ctx context.Context, db *DB, spec NumberedSpec, where string, pt Part, offset, limit, total int, scan func(scan func(...any) error) (T, error)) ([]T, error) {
	reverse := offset > total/2
	if reverse {
		offset = total - offset - limit
	}
	dir := " ASC"
	if spec.Desc != reverse {
		dir = " DESC"
	}
	keys := []string{spec.Order}
	if spec.Then != "" && spec.Then != spec.Order {
		keys = append(keys, spec.Then)
	}
	if spec.Order != "r.id" {
		keys = append(keys, "r.id")
	}
	inner := make([]string, len(keys))
	outer := make([]string, len(keys))
	cols := make([]string, len(keys))
	for i, k := range keys {
		inner[i] = k + dir
		cols[i] = fmt.Sprintf("%s AS k%d", k, i)
		outer[i] = fmt.Sprintf("r.k%d%s", i, dir)
	}
	if keys[0] == "r.id" {
		cols[0] = "r.id AS k0"
	}
	q := `SELECT r.id, c.version, c.body` + spec.Extra + ` FROM (SELECT r.id, ` + strings.Join(cols, ", ") + ` FROM ` + spec.Table + ` r WHERE ` +
		where + ` AND ` + pt.Cond + ` ORDER BY ` + strings.Join(inner, ", ") + ` LIMIT ? OFFSET ?) r ` +
		db.Dialect().LatestJoin(spec.Entity) + ` ORDER BY ` + strings.Join(outer, ", ")
	args := append(append(slices.Clone(spec.Args), pt.Args...), limit, offset)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []T
	for rows.Next() {
		it, err := scan(rows.Scan)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if reverse {
		slices.Reverse(items)
	}
	return items, nil
}

// countCache keeps the numbered lists' totals, each with the version of
// the store (Version of the kinds counted) it was counted at. The key is
// the query with its arguments (the reader's access filter is in them).
type countCache struct {
	mu sync.Mutex
	m  map[string]countEntry
}

type countEntry struct {
	version int64
	n       int
}

// maxCounts bounds the cache; when full it starts again empty.
const maxCounts = 1024

func (c *countCache) count(ctx context.Context, db *DB, version int64, q string, args []any) (int, error) {
	key := q + fmt.Sprintf("\x00%q", args)
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.version == version {
		return e.n, nil
	}
	var n int
	// A first count walks every row that meets the filters: a heavy read.
	if err := db.Heavy(ctx, func(ctx context.Context) error { return db.QueryRow(ctx, q, args...).Scan(&n) }); err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCounts {
		c.m = map[string]countEntry{}
	}
	c.m[key] = countEntry{version: version, n: n}
	c.mu.Unlock()
	return n, nil
}

// ForgetCounts empties the totals' cache (benchmarks measure a first look).
func (db *DB) ForgetCounts() {
	db.counts.mu.Lock()
	db.counts.m = nil
	db.counts.mu.Unlock()
}
