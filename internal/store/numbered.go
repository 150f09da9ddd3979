package store

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

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
