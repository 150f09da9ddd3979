package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// reportForm is the reports page's form for the daily report of day.
func (b *browser) reportForm(day, edition, format string) url.Values {
	b.t.Helper()
	p := b.get("/reports")
	if p.status != http.StatusOK {
		b.t.Fatalf("/reports: %d %s", p.status, p.body)
	}
	v := hidden(p.body)
	v.Set("kind", "daily")
	v.Set("date", day)
	v.Set("edition", edition)
	v.Set("format", format)
	v.Set("do", "generate")
	return v
}

// Every demo role opens the reports page; the mission edition is offered
// to those who may read it, the Issue button to the co-chair alone; a
// reader without an account sees the issued public reports only.
func TestReportsPageForEveryRole(t *testing.T) {
	s := start(t)
	for _, role := range roles {
		t.Run(role, func(t *testing.T) {
			b := s.browser(t, role)
			p := b.get("/reports")
			if role == "" {
				// The issued public reports, nothing to generate or issue.
				if p.status != http.StatusOK || strings.Contains(p.body, `action="/reports"`) || strings.Contains(p.body, `value="issue"`) {
					t.Fatalf("anonymous: %d %s", p.status, p.body)
				}
				return
			}
			if p.status != http.StatusOK || !strings.Contains(p.body, `action="/reports"`) || !strings.Contains(p.body, `href="/reports" aria-current="page"`) {
				t.Fatalf("%d %s", p.status, p.body)
			}
			issue := strings.Contains(p.body, `value="issue"`)
			if issue != (role == "cochair") {
				t.Errorf("issue button shown: %v", issue)
			}
			// The mission edition is offered to whom the API gives it.
			mission := strings.Contains(p.body, `<option value="mission"`)
			api := s.with(role).do("GET", "/api/v1/reports?kind=daily&date=2021-06-12&edition=mission", "")
			if mission != (api.status == http.StatusOK) {
				t.Errorf("mission edition offered: %v, the API answers %d", mission, api.status)
			}
			// Everyone gets the public edition of a day, in HTML, inline.
			r := b.post("/reports", b.reportForm("2021-06-12", "public", "html"))
			if r.status != http.StatusOK || !strings.Contains(r.body, "Armenia") || strings.Contains(r.body, `action="/reports"`) {
				t.Errorf("public daily report: %d %.300s", r.status, r.body)
			}
		})
	}
	// The other languages render the page too.
	b := s.browser(t, "cochair")
	for _, lang := range []string{"ru", "ar"} {
		b.post("/lang", url.Values{"to": {lang}, "next": {"/reports"}, "csrf": {hidden(b.get("/reports").body).Get("csrf")}})
		p := b.get("/reports")
		if p.status != http.StatusOK || !strings.Contains(p.body, `lang="`+lang+`"`) {
			t.Errorf("%s: %d", lang, p.status)
		}
	}
}

// The co-chair issues the public daily report of 12 June 2021: it is
// listed with its number, hash, log position, proof and history; issuing
// it again shows the conflict and changes nothing. Others may not issue.
func TestReportsPageIssue(t *testing.T) {
	s := start(t)
	b := s.browser(t, "cochair")
	form := b.reportForm("2021-06-12", "public", "html")
	form.Set("do", "issue")
	r := b.post("/reports", form)
	if r.status != http.StatusSeeOther || r.location != "/reports#issued" {
		t.Fatalf("issue: %d %s %s", r.status, r.location, r.body)
	}
	p := b.get(r.location)
	for _, want := range []string{"daily-2021-06-12-public is issued", `href="/api/v1/reports/daily-2021-06-12-public/proof"`, `href="/api/v1/reports/daily-2021-06-12-public/bundle"`,
		`href="/history/report/daily-2021-06-12-public"`, `id="issued"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("after issuing, the page lacks %q", want)
		}
	}
	size := s.app.DB.Size()
	r = b.post("/reports", form)
	if r.status != http.StatusConflict || !strings.Contains(r.body, "already issued") || !strings.Contains(r.body, `role="alert"`) {
		t.Errorf("issuing twice: %d %s", r.status, r.body)
	}
	if s.app.DB.Size() != size {
		t.Errorf("issuing twice wrote to the log")
	}
	// The proof and the history the list links to answer.
	if res := s.with("observer").do("GET", "/api/v1/reports/daily-2021-06-12-public/proof", ""); res.status != http.StatusOK {
		t.Errorf("proof: %d %s", res.status, res.body)
	}
	if h := s.browser(t, "observer").get("/history/report/daily-2021-06-12-public"); h.status != http.StatusOK {
		t.Errorf("history: %d", h.status)
	}
	// An observer sees the issued report listed, and may not issue one.
	o := s.browser(t, "observer")
	if p := o.get("/reports"); !strings.Contains(p.body, "daily-2021-06-12-public") {
		t.Errorf("the observer's list lacks the issued report")
	}
	form = o.reportForm("2021-06-13", "public", "html")
	form.Set("do", "issue")
	if r := o.post("/reports", form); r.status != http.StatusForbidden {
		t.Errorf("an observer issuing: %d", r.status)
	}
	// Without an account: the issued public report listed with its PDF
	// and proof bundle, which answer; no form, no history link, and a
	// mission report issued since is not listed.
	if res := s.with("cochair").do("POST", "/api/v1/reports/daily-2021-06-12-mission/issue", ""); res.status != http.StatusCreated {
		t.Fatalf("issue the mission edition: %d %s", res.status, res.body)
	}
	anon := s.browser(t, "")
	p = anon.get("/reports")
	if p.status != http.StatusOK || !strings.Contains(p.body, `href="/api/v1/reports/daily-2021-06-12-public/bundle"`) ||
		strings.Contains(p.body, `action="/reports"`) || strings.Contains(p.body, "/history/report/") || strings.Contains(p.body, "daily-2021-06-12-mission") {
		t.Errorf("the anonymous reports page: %d %s", p.status, p.body)
	}
	for _, path := range []string{"/api/v1/reports/daily-2021-06-12-public/bundle", "/api/v1/reports/daily-2021-06-12-public/download?format=pdf"} {
		if r := anon.get(path); r.status != http.StatusOK {
			t.Errorf("anonymous %s: %d", path, r.status)
		}
	}
	if r := anon.get("/api/v1/reports/daily-2021-06-12-mission/bundle"); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous mission bundle: %d", r.status)
	}
	// The stored file is served once issued.
	r = b.post("/reports", b.reportForm("2021-06-12", "public", "pdf"))
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "%PDF") {
		t.Errorf("issued PDF: %d %.40q", r.status, r.body)
	}
}

// Bad input shows the page again with the error next to the field.
func TestReportsPageBadInput(t *testing.T) {
	s := start(t)
	b := s.browser(t, "analyst")
	for _, tc := range []struct {
		name, field string
		set         map[string]string
	}{
		{"bad date", "date", map[string]string{"date": "2021-13-45"}},
		{"no date", "date", map[string]string{"date": ""}},
		{"date in the future", "date", map[string]string{"date": "2999-01-01"}},
		{"bad edition", "edition", map[string]string{"edition": "secret"}},
		{"bad format", "format", map[string]string{"format": "docx"}},
		{"bad kind", "kind", map[string]string{"kind": "weekly"}},
		{"summary ends before it starts", "to", map[string]string{"kind": "summary", "from": "2021-06-12", "to": "2021-06-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := b.reportForm("2021-06-12", "public", "html")
			for k, v := range tc.set {
				form.Set(k, v)
			}
			r := b.post("/reports", form)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="`+tc.field+`-error"`) {
				t.Errorf("%d, no error next to %s: %s", r.status, tc.field, r.body)
			}
		})
	}
	// Without the CSRF token nothing is generated.
	form := b.reportForm("2021-06-12", "public", "html")
	form.Del("csrf")
	if r := b.post("/reports", form); r.status != http.StatusForbidden {
		t.Errorf("without CSRF: %d", r.status)
	}
}
