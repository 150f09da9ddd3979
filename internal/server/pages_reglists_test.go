package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// regList is one registry's numbered list: its page, its API list, a sort
// key with its direction, and the role that reads it.
type regList struct {
	page, api, sort, role string
}

// The registries' numbered lists: page 2 of one row each, sorted, agrees
// with the API's total and order; the page links each page with the sort
// kept; a sort the list does not offer is refused next to the filters.
func TestRegistryListPages(t *testing.T) {
	s := start(t)
	for _, c := range []regList{
		{"/detainees", "/api/v1/detainees", "status", "humanitarian"},
		{"/exchanges", "/api/v1/exchanges", "-persons", "analyst"},
		{"/remains", "/api/v1/remains", "-count", "humanitarian"},
	} {
		t.Run(strings.TrimPrefix(c.page, "/"), func(t *testing.T) {
			b := s.browser(t, c.role)
			q := "?size=1&page=2&sort=" + c.sort
			api := s.numbered(t, c.role, c.api+q)
			if api.Total < 2 || api.Page != 2 || api.Sort != c.sort || len(api.Items) != 1 {
				t.Fatalf("API %s: %+v", c.api, api)
			}
			res := b.get(c.page + q)
			if res.status != http.StatusOK || !strings.Contains(res.body, fmt.Sprintf("Found: %d", api.Total)) {
				t.Fatalf("%s: %d %.3000s", c.page, res.status, res.body)
			}
			state := "ascending"
			if strings.HasPrefix(c.sort, "-") {
				state = "descending"
			}
			if !strings.Contains(res.body, `aria-sort="`+state+`"`) || !strings.Contains(res.body, `aria-current="page">2<`) {
				t.Errorf("%s: no %s column or current page 2", c.page, state)
			}
			if !strings.Contains(res.body, `?page=3&amp;size=1&amp;sort=`+c.sort) && api.Pages >= 3 {
				t.Errorf("%s: the pager does not keep the sort", c.page)
			}
			if res = b.get(c.page + "?sort=nonsense"); res.status != http.StatusBadRequest || !strings.Contains(res.body, "field-error") || strings.Contains(res.body, "<tbody>") && c.page != "/detainees" && c.page != "/remains" {
				t.Errorf("%s bad sort: %d", c.page, res.status)
			}
			bad := s.with(c.role).do("GET", c.api+"?sort=nonsense", "")
			if bad.status != http.StatusBadRequest || !strings.Contains(string(bad.body), `"sort"`) {
				t.Errorf("API %s bad sort: %d %s", c.api, bad.status, bad.body)
			}
		})
	}
}
