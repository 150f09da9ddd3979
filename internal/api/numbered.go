package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
)

// numberedParams are a list's paging parameters: the cursor pages, and
// the numbered pages (page, size, sort) that the list pages use too.
func numberedParams(sorts []string) []Param {
	return append(append([]Param{}, pageParams...),
		Param{Name: "page", Type: "integer", Description: "numbered pages instead of a cursor: the page, from 1; the answer then has total, page, pages, size and sort"},
		Param{Name: "size", Type: "integer", Description: "with page or sort: rows a page, 1 to 500, default 50"},
		Param{Name: "sort", Description: "with numbered pages: " + strings.Join(sorts, ", ") + "; a leading minus for descending (default -" + sorts[0] + ")"})
}

// numberedLists is lists, answering a numbered page with its total when
// the client asks for one (page, size or sort), through the same filter.
func numberedLists[F, Out any](s *Server, filter func(*http.Request) (F, error),
	list func(context.Context, access.Principal, F, store.PageRequest) (store.Page[Out], error),
	numbered func(context.Context, access.Principal, F, store.ListQuery) (store.Numbered[Out], error)) http.HandlerFunc {
	cursor := lists(s, filter, list)
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !q.Has("page") && !q.Has("size") && !q.Has("sort") {
			cursor(w, r)
			return
		}
		f, err := filter(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		lq, err := store.ParseListQuery(q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := numbered(r.Context(), httpx.PrincipalFrom(r.Context()), f, lq)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, out)
	}
}
