package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// The list kit (issue 16): what every numbered list page shows around its
// rows — the total for the filters, sortable column heads, numbered pages
// — with the filters kept in every link, so that a list's address is the
// list. The templates are in list_kit.html.

// ListView is a numbered list's state for its template.
type ListView struct {
	Path  string
	Total int
	Page  int
	Pages int
	Sort  string // the sort key in force
	Desc  bool
	Links []PageLink
	query url.Values // the filters and sort, without page
}

// PageLink is one entry of the pager: a page number, or a gap (…).
type PageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

// newListView is the view of a numbered page read for the request r.
func newListView[T any](r *http.Request, page store.Numbered[T]) *ListView {
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		if k != "page" {
			q[k] = vs
		}
	}
	v := &ListView{Path: r.URL.Path, Total: page.Total, Page: page.Page, Pages: page.Pages, query: q}
	v.Sort = page.Sort
	if len(v.Sort) > 0 && v.Sort[0] == '-' {
		v.Sort, v.Desc = v.Sort[1:], true
	}
	v.Links = pageLinks(v.Page, v.Pages, v.PageURL)
	return v
}

// pageLinks are the pages to offer from page of pages: the first, the
// last, and two on each side of the current one, with gaps between.
func pageLinks(page, pages int, link func(int) string) []PageLink {
	var nums []int
	for _, n := range []int{1, page - 2, page - 1, page, page + 1, page + 2, pages} {
		if n >= 1 && n <= pages && !slices.Contains(nums, n) {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	var out []PageLink
	for i, n := range nums {
		if i > 0 && n > nums[i-1]+1 {
			out = append(out, PageLink{Gap: true})
		}
		out = append(out, PageLink{Number: n, URL: link(n), Current: n == page})
	}
	return out
}

// PageURL is this list's address at page n, filters and sort kept.
func (v *ListView) PageURL(n int) string {
	q := url.Values{}
	for k, vs := range v.query {
		q[k] = vs
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return v.Path
	}
	return v.Path + "?" + q.Encode()
}

// PrevURL and NextURL are the pages before and after this one.
func (v *ListView) PrevURL() string { return v.PageURL(v.Page - 1) }
func (v *ListView) NextURL() string { return v.PageURL(v.Page + 1) }

// timeSorts are the sort keys that are times: they sort latest first when
// first chosen.
var timeSorts = []string{"start", "at", "captured", "last_event", "recovered", "laid", "day", "recorded", "date", "published"}

// SortURL is the address that sorts by key: the other way round when
// already sorted by it, otherwise descending for times and ascending for
// words and numbers. Sorting starts again at page 1.
func (v *ListView) SortURL(key string) string {
	desc := slices.Contains(timeSorts, key)
	if key == v.Sort {
		desc = !v.Desc
	}
	q := url.Values{}
	for k, vs := range v.query {
		q[k] = vs
	}
	s := key
	if desc {
		s = "-" + key
	}
	q.Set("sort", s)
	return v.Path + "?" + q.Encode()
}

// SortState is "ascending", "descending" or "none" for a column head's
// aria-sort.
func (v *ListView) SortState(key string) string {
	switch {
	case key != v.Sort:
		return "none"
	case v.Desc:
		return "descending"
	}
	return "ascending"
}

// Query is the list's filters and sort as hidden fields carry them (a
// bulk form sends them back to list again after acting).
func (v *ListView) Query() string { return v.query.Encode() }

// BulkResult is what a bulk action did, for the confirmation above the
// list: how many were done and, for each refused record, why.
type BulkResult struct {
	Done    int
	Refused []BulkRefusal
}

// BulkRefusal is one record a bulk action did not change.
type BulkRefusal struct {
	ID, Message string
	URL         string
}

// listFilters reads a list's filters and its page, sort and size from the
// query with parse; an error names the field at fault.
func listQuery[F any](r *http.Request, parse func(url.Values) (F, error)) (F, store.ListQuery, error) {
	q := r.URL.Query()
	f, err := parse(q)
	if err != nil {
		return f, store.ListQuery{}, err
	}
	lq, err := store.ParseListQuery(q)
	return f, lq, err
}

// listFail shows a list whose filters were refused: the form again with
// the message next to the field at fault and no rows (400); any other
// error is an error page.
func (s *Pages) listFail(w http.ResponseWriter, r *http.Request, pg *web.Page, name string, data any, err error) {
	if errs.CodeOf(err) != errs.CodeInvalid {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Data = data
	if pg.Form == nil {
		pg.Form = &web.Form{Values: r.URL.Query()}
	}
	field := errs.FieldOf(err)
	if pg.Form.Errors == nil {
		pg.Form.Errors = map[string]string{}
	}
	// The message is the list's own, in the page's language: the filters
	// are few and each can be wrong in one way only.
	msg := pg.T("lists.bad_choice")
	switch field {
	case "from", "to":
		msg = pg.T("lists.bad_date")
		if errs.MessageOf(err) == "must be after from" {
			msg = pg.T("lists.bad_window")
		}
	case "page", "size":
		msg = pg.T("lists.bad_page")
	case "":
		field = "filters"
	}
	pg.Form.Errors[field] = msg
	pg.Error = pg.T("lists.bad_filters")
	s.render.Render(w, http.StatusBadRequest, name, pg)
}
