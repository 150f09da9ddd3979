package ui

import (
	"net/http"

	"github.com/truce-monitoring/truce/internal/search"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// searchPages registers the search page, which the box in every page's
// header submits to.
func (s *Pages) searchPages(page func(method, path string, h http.HandlerFunc)) {
	page("GET", "/search", s.searchPage)
}

// searchPageSize is how many hits a page of the search shows.
const searchPageSize = 20

// searchData is what the search page shows.
type searchData struct {
	Query   string
	Results search.Results
	Hits    []searchHit
	From    int    // the first hit's number on this page, from 1
	More    string // the next page's address, "" at the end
	Limit   int    // the box's maxlength: the service's limit
}

// searchHit is a hit with the page that shows its record.
type searchHit struct {
	search.Hit
	Kind string // the message key of its kind
	Path string
}

func hitPath(h search.Hit) string { return web.RecordPath(h.Entity, h.ID) }

// searchPage finds records by words through the search service, as
// GET /api/v1/search does, with the reader's principal.
func (s *Pages) searchPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "search.title", "search")
	if !ok {
		return
	}
	q := r.URL.Query()
	pg.Form = &web.Form{Values: q}
	d := searchData{Query: q.Get("q"), Limit: search.MaxQueryLen}
	if s.Search == nil || d.Query == "" {
		s.renderList(w, r, pg, "search", d, nil)
		return
	}
	res, err := s.Search.Search(r.Context(), p, d.Query, store.PageRequest{Cursor: q.Get("cursor"), Limit: searchPageSize})
	if err == nil {
		d.Results, d.From, d.More = res, res.Offset+1, moreURL(r, res.Next)
		for _, h := range res.Items {
			d.Hits = append(d.Hits, searchHit{Hit: h, Kind: "search.kind." + h.Entity, Path: hitPath(h)})
		}
	}
	s.renderList(w, r, pg, "search", d, err)
}
