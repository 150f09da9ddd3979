package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// An unknown address answers a page to a browser, with a way back, in the
// reader's language; the API and other clients get problem+json.
func TestUnknownAddressIsAPageForABrowser(t *testing.T) {
	s := start(t)
	res := s.do("GET", "/no/such/page", "", "Accept", "text/html,application/xhtml+xml", "Accept-Language", "ru")
	body := string(res.body)
	if res.status != http.StatusNotFound || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, `lang="ru"`) || !strings.Contains(body, `href="/"`) || !strings.Contains(body, "По этому адресу ничего нет") {
		t.Errorf("browser: %d %s %.400s", res.status, res.header.Get("Content-Type"), body)
	}
	for _, tc := range []struct{ path, accept string }{{"/api/v1/nothing", "text/html"}, {"/no/such/page", "application/json"}, {"/no/such/page", ""}} {
		res := s.do("GET", tc.path, "", "Accept", tc.accept)
		if res.status != http.StatusNotFound || res.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s (Accept %q): %d %s", tc.path, tc.accept, res.status, res.header.Get("Content-Type"))
		}
	}
	// A method the address does not have: 405 with Allow, and a page
	// saying so in the reader's language, not "internal error".
	res = s.do("DELETE", "/map", "", "Accept", "text/html", "Accept-Language", "ru")
	if body := string(res.body); res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") == "" ||
		!strings.Contains(body, "Здесь это недоступно") || strings.Contains(body, "err.code.") {
		t.Errorf("405 page: %d Allow %q %.400s", res.status, res.header.Get("Allow"), body)
	}
	// A record that does not exist: a page without the id asked for.
	b := s.browser(t, "monitor")
	pg := b.get("/incidents/inc_doesnotexist00000000")
	if pg.status != http.StatusNotFound || strings.Contains(pg.body, "<p>no incident") || !strings.Contains(pg.body, `class="way-back"`) {
		t.Errorf("missing record: %d %.300s", pg.status, pg.body)
	}
}

// The API lists every failing field at once, each with its reason.
func TestProblemListsEveryField(t *testing.T) {
	s := start(t)
	body := `{"source_kind":"mission","alleged_perpetrator":"","category":"nonsense","location":{"precision":"exact","point":{"lat":91,"lon":10}},"time":{"start":"yesterday"},"narrative":""}`
	res := s.with("monitor").do("POST", "/api/v1/allegations", body)
	if res.status != http.StatusBadRequest {
		t.Fatalf("%d %s", res.status, res.body)
	}
	var p struct {
		Field  string `json:"field"`
		Errors []struct {
			Field, Code, Detail, Reason string
			Params                      map[string]any
		} `json:"errors"`
	}
	res.json(t, &p)
	got := map[string]string{}
	for _, e := range p.Errors {
		got[e.Field] = e.Reason
	}
	want := map[string]string{"alleged_perpetrator": "required", "category": "not_one_of", "location.point.lat": "out_of_range", "time.start": "not_a_time", "narrative": "required"}
	for f, r := range want {
		if got[f] != r {
			t.Errorf("%s: reason %q, want %q (all: %v)", f, got[f], r, got)
		}
	}
	if len(p.Errors) == 0 || p.Field != p.Errors[0].Field {
		t.Errorf("field %q is not the first of %v", p.Field, p.Errors)
	}
	raw := map[string]any{}
	json.Unmarshal(res.body, &raw)
	if raw["detail"] == "" || raw["code"] != "invalid" {
		t.Errorf("problem: %s", res.body)
	}
}

// The lodging form answers every error at once, in Russian, next to each
// field, without internal paths; nothing is lodged.
func TestFormErrorsAllAtOnceInTheReadersLanguage(t *testing.T) {
	s := start(t)
	b := s.browser(t, "monitor")
	form := hidden(b.get("/settings").body)
	form.Set("to", "ru")
	form.Set("next", "/")
	if p := b.post("/lang", form); p.status != http.StatusSeeOther {
		t.Fatalf("language: %d", p.status)
	}
	form = hidden(b.get("/allegations/new").body)
	form.Set("source_kind", "mission")
	form.Set("category", "")
	form.Set("location.precision", "exact")
	form.Set("location.point.lat", "91")
	form.Set("location.point.lon", "10")
	form.Set("time.start", "")
	form.Set("narrative", strings.Repeat("x", 20001))
	pg := b.post("/allegations/new", form)
	if pg.status != http.StatusOK || !strings.Contains(pg.body, `role="alert"`) {
		t.Fatalf("%d %.500s", pg.status, pg.body)
	}
	for _, want := range []string{"должно быть от -90 до 90", "не длиннее 20\u00a0000 символов", "обязательное поле", "Широта: ", "Нужно исправить"} {
		if !strings.Contains(pg.body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"location.point.lat:", "must be", "is required"} {
		if strings.Contains(pg.body, bad) {
			t.Errorf("the page shows %q", bad)
		}
	}
}

// A confirmation shows once, on the page the action leads to; a forged
// one is not shown.
func TestNoticeShowsOnce(t *testing.T) {
	s := start(t)
	b := s.browser(t, "monitor")
	form := hidden(b.get("/settings").body)
	form.Set("language", "en")
	form.Set("time_zone", "UTC")
	p := b.post("/settings", form)
	if p.status != http.StatusSeeOther || p.location != "/settings" {
		t.Fatalf("save: %d %q", p.status, p.location)
	}
	if pg := b.get("/settings"); !strings.Contains(pg.body, `<p class="notice" role="status">Saved.</p>`) {
		t.Errorf("no confirmation: %.300s", pg.body)
	}
	if pg := b.get("/settings"); strings.Contains(pg.body, `class="notice"`) {
		t.Error("the confirmation shows twice")
	}
	u, _ := url.Parse(s.url)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "truce_notice", Value: "c2V0dGluZ3Muc2F2ZWQ.AAAAAAAAAAAAAAAAAAAAAA", Path: "/"}})
	if pg := b.get("/settings"); strings.Contains(pg.body, `class="notice"`) {
		t.Error("a forged confirmation is shown")
	}
}

// The mission's staff read both sides' names of a place; a side's liaison
// reads its side's name.
func TestMissionReadsBothSidesNames(t *testing.T) {
	s := start(t)
	mon := s.browser(t, "monitor").get("/allegations/new").body
	if !strings.Contains(mon, ">Khankendi / Stepanakert</option>") {
		t.Error("the monitor does not read both names of Khankendi / Stepanakert")
	}
	if az := s.browser(t, "liaison-az").get("/allegations/new").body; !strings.Contains(az, ">Khankendi</option>") {
		t.Error("Azerbaijan's liaison does not read Khankendi")
	}
}
