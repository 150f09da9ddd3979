package store

import (
	"encoding/base64"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Page limits for list queries.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// PageRequest asks for one page of a keyset-paginated list: the records
// after the cursor, at most Limit of them.
type PageRequest struct {
	Cursor string // opaque, from the previous page's Next; "" for the first
	Limit  int    // 0 means DefaultLimit
}

// Page is one page of results; Next is "" on the last page.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// Keys decodes the cursor into the sort keys of the last record of the
// previous page (none for the first page) and returns the effective limit.
func (p PageRequest) Keys() ([]string, int, error) {
	limit := p.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return nil, 0, errs.Invalid("limit", "must be between 1 and %d", MaxLimit)
	}
	if p.Cursor == "" {
		return nil, limit, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil || len(raw) == 0 {
		return nil, 0, errs.Invalid("cursor", "is not a cursor this server issued")
	}
	return strings.Split(string(raw), "\x00"), limit, nil
}

// Cursor encodes sort keys as an opaque cursor.
func Cursor(keys ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(keys, "\x00")))
}

// Paginate cuts items fetched with LIMIT limit+1 into a page, taking the
// cursor keys of the last kept item from keyOf.
func Paginate[T any](items []T, limit int, keyOf func(T) []string) Page[T] {
	p := Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(items) > limit {
		p.Items = items[:limit]
		p.Next = Cursor(keyOf(items[limit-1])...)
	}
	return p
}
