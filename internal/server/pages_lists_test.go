package server_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// numbered is the API's numbered page as the tests read it.
type numbered struct {
	Items []struct {
		ID         string `json:"id"`
		OnBehalfOf string `json:"on_behalf_of"`
		Status     string `json:"status"`
		Title      string `json:"title"`
	} `json:"items"`
	Total int    `json:"total"`
	Page  int    `json:"page"`
	Pages int    `json:"pages"`
	Sort  string `json:"sort"`
}

func (s *testServer) numbered(t *testing.T, role, path string) numbered {
	t.Helper()
	res := s.with(role).do("GET", path, "")
	if res.status != http.StatusOK {
		t.Fatalf("GET %s as %s: %d %s", path, role, res.status, res.body)
	}
	var n numbered
	res.json(t, &n)
	return n
}

var rowLink = regexp.MustCompile(`<a href="/(allegations|incidents|observations)/([A-Za-z0-9_-]+)"`)

// rowIDs are the records a list page links to in its table, in order.
func rowIDs(body, kind string) []string {
	i := strings.Index(body, "<tbody>")
	if i < 0 {
		return nil
	}
	var out []string
	for _, m := range rowLink.FindAllStringSubmatch(body[i:], -1) {
		if m[1] == kind {
			out = append(out, m[2])
		}
	}
	return out
}

func TestListPages(t *testing.T) {
	s := start(t)
	analyst := s.browser(t, "analyst")
	az := s.loaded.Orgs["AZ"]

	t.Run("the filters are the address; pages and totals agree with the API", func(t *testing.T) {
		api := s.numbered(t, "analyst", "/api/v1/allegations?size=3&page=2&sort=category")
		if api.Total < 6 || api.Page != 2 || api.Sort != "category" || len(api.Items) != 3 {
			t.Fatalf("API page: %+v", api)
		}
		res := analyst.get("/allegations?size=3&page=2&sort=category")
		if res.status != http.StatusOK {
			t.Fatalf("page: %d %.500s", res.status, res.body)
		}
		got := rowIDs(res.body, "allegations")
		if len(got) != 3 || got[0] != api.Items[0].ID || got[2] != api.Items[2].ID {
			t.Fatalf("page rows %v, API %+v", got, api.Items)
		}
		if !strings.Contains(res.body, fmt.Sprintf("Found: %d", api.Total)) {
			t.Errorf("no total %d on the page", api.Total)
		}
		if !strings.Contains(res.body, `aria-current="page">2<`) || !strings.Contains(res.body, `href="/allegations?page=3&amp;size=3&amp;sort=category"`) {
			t.Errorf("the pager does not keep the sort and size: %s", res.body[strings.Index(res.body, `class="pager"`):][:600])
		}
		filtered := s.numbered(t, "analyst", "/api/v1/allegations?page=1&on_behalf_of="+az+"&category=small_arms_fire")
		res = analyst.get("/allegations?on_behalf_of=" + az + "&category=small_arms_fire")
		if n := len(rowIDs(res.body, "allegations")); n != filtered.Total || !strings.Contains(res.body, fmt.Sprintf("Found: %d", filtered.Total)) {
			t.Errorf("filtered page shows %d rows, API total %d", n, filtered.Total)
		}
		if !strings.Contains(res.body, `<option value="`+az+`" selected>`) {
			t.Errorf("the side filter is not kept in the form")
		}
	})

	t.Run("a registry: crossings, numbered and sorted", func(t *testing.T) {
		api := s.numbered(t, "analyst", "/api/v1/crossings?size=1&page=2&sort=-people")
		if api.Total < 2 || api.Page != 2 || api.Sort != "-people" {
			t.Fatalf("API crossings: %+v", api)
		}
		res := analyst.get("/crossings?size=1&page=2&sort=-people")
		if res.status != http.StatusOK || !strings.Contains(res.body, fmt.Sprintf("Found: %d", api.Total)) ||
			!strings.Contains(res.body, `aria-sort="descending"`) || !strings.Contains(res.body, `class="table-scroll"`) {
			t.Fatalf("crossings page: %d %.2000s", res.status, res.body)
		}
		if res = analyst.get("/crossings?sort=cargo"); res.status != http.StatusBadRequest || !strings.Contains(res.body, "field-error") {
			t.Errorf("bad sort: %d", res.status)
		}
	})

	t.Run("a liaison sees its own side's allegations first", func(t *testing.T) {
		b := s.browser(t, "liaison-az")
		all := s.numbered(t, "liaison-az", "/api/v1/allegations?page=1&size=500")
		own := 0
		for _, a := range all.Items {
			if a.OnBehalfOf == az {
				own++
			}
		}
		if own == 0 || own == len(all.Items) {
			t.Fatalf("demo: %d of %d allegations are side AZ's", own, len(all.Items))
		}
		for i, a := range all.Items {
			if (i < own) != (a.OnBehalfOf == az) {
				t.Fatalf("row %d (%s, side %s) out of place: own side's %d come first", i, a.ID, a.OnBehalfOf, own)
			}
		}
		res := b.get("/allegations?size=500")
		if got := rowIDs(res.body, "allegations"); len(got) != len(all.Items) || got[own-1] != all.Items[own-1].ID || got[own] != all.Items[own].ID {
			t.Fatalf("page rows differ from the API's")
		}
	})

	t.Run("bad filters are refused next to the field, in the page's language", func(t *testing.T) {
		for _, c := range []struct{ path, field, words string }{
			{"/incidents?status=open", "status", "not one of the choices"},
			{"/incidents?sort=narrative", "sort", "not one of the choices"},
			{"/allegations?from=yesterday", "from", "Enter a date"},
			{"/allegations?from=2021-06-10&to=2021-06-01", "to", "must come after"},
			{"/allegations?on_behalf_of=%27%3B--", "on_behalf_of", "not one of the choices"},
			{"/allegations?page=0", "page", "page number"},
			{"/observations?kind=bang", "kind", "not one of the choices"},
			{"/observations?zone=" + strings.Repeat("z", 300), "zone", "not one of the choices"},
		} {
			res := analyst.get(c.path)
			if res.status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", c.path, res.status)
				continue
			}
			if !strings.Contains(res.body, "field-error") || !strings.Contains(res.body, c.words) || strings.Contains(res.body, "<tbody>") {
				t.Errorf("%s: no message %q next to %s, or rows shown", c.path, c.words, c.field)
			}
			if c.field != "page" && c.field != "sort" && !strings.Contains(res.body, `aria-invalid="true" aria-describedby="`+c.field+`-error"`) {
				t.Errorf("%s: the %s filter is not marked invalid", c.path, c.field)
			}
		}
		req, _ := http.NewRequest("GET", s.url+"/allegations?from=yesterday", nil)
		req.Header.Set("Accept-Language", "ru")
		res := analyst.send(req)
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, "Введите дату") {
			t.Errorf("Russian page: %d, no Russian message", res.status)
		}
		api := s.with("analyst").do("GET", "/api/v1/incidents?page=1&status=open", "")
		if api.status != http.StatusBadRequest || !strings.Contains(string(api.body), `"status"`) {
			t.Errorf("API: %d %s", api.status, api.body)
		}
	})

	t.Run("bulk: each record on its own, refusals named", func(t *testing.T) {
		received := s.numbered(t, "analyst", "/api/v1/incidents?page=1&status=received")
		closed := s.numbered(t, "analyst", "/api/v1/incidents?page=1&status=closed")
		if received.Total == 0 || closed.Total == 0 {
			t.Fatalf("demo: %d received, %d closed incidents", received.Total, closed.Total)
		}
		list := analyst.get("/incidents?status=received")
		form := hidden(list.body)
		if form.Get("csrf") == "" || form.Get("list") != "status=received" {
			t.Fatalf("bulk form fields: %v", form)
		}
		form["id"] = []string{received.Items[0].ID, closed.Items[0].ID}
		form.Set("to", "preliminary_review")
		res := analyst.post("/incidents/bulk", form)
		if res.status != http.StatusOK || !strings.Contains(res.body, "Done: 1.") || !strings.Contains(res.body, "Not changed: 1.") ||
			!strings.Contains(res.body, `href="/incidents/`+closed.Items[0].ID+`"`) {
			t.Fatalf("bulk step: %d %.3000s", res.status, res.body)
		}
		if after := s.numbered(t, "analyst", "/api/v1/incidents?page=1&status=received"); after.Total != received.Total-1 {
			t.Fatalf("received after: %d, before %d", after.Total, received.Total)
		}

		// A liaison withdraws its own allegation and is refused the other
		// side's; nothing of the other side's changes.
		liaison := s.browser(t, "liaison-az")
		mine := s.numbered(t, "liaison-az", "/api/v1/allegations?page=1&status=lodged&on_behalf_of="+az)
		theirs := s.numbered(t, "liaison-az", "/api/v1/allegations?page=1&status=lodged&on_behalf_of="+s.loaded.Orgs["AM"])
		if mine.Total == 0 || theirs.Total == 0 {
			t.Fatalf("demo: %d own, %d other lodged allegations", mine.Total, theirs.Total)
		}
		form = hidden(liaison.get("/allegations").body)
		form["id"] = []string{mine.Items[0].ID, theirs.Items[0].ID}
		form.Set("reason", "Lodged twice by mistake.")
		res = liaison.post("/allegations/bulk", form)
		if res.status != http.StatusOK || !strings.Contains(res.body, "Done: 1.") || !strings.Contains(res.body, "you may not do this") {
			t.Fatalf("bulk withdraw: %d %.3000s", res.status, res.body)
		}
		var got struct{ Status string }
		s.with("analyst").do("GET", "/api/v1/allegations/"+theirs.Items[0].ID, "").json(t, &got)
		if got.Status != "lodged" {
			t.Fatalf("the other side's allegation is %s", got.Status)
		}
		s.with("analyst").do("GET", "/api/v1/allegations/"+mine.Items[0].ID, "").json(t, &got)
		if got.Status != "withdrawn" {
			t.Fatalf("the liaison's own allegation is %s", got.Status)
		}
		// Nothing selected: said so, nothing changed.
		form.Del("id")
		if res = liaison.post("/allegations/bulk", form); !strings.Contains(res.body, "Select at least one record") {
			t.Fatalf("empty selection: %d", res.status)
		}
	})
}
