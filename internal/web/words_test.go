package web

import (
	"fmt"
	"html/template"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func testPage(t *testing.T, lang string) *Page {
	t.Helper()
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return &Page{Lang: lang, r: &Renderer{Catalog: c}}
}

// A count in a message takes the language's plural form without the
// caller asking: "1 decision", "3 решения", "11 решений".
func TestCountsTakeTheirPluralForm(t *testing.T) {
	for _, tc := range []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "review.done.n", []any{"n", 1}, "1 decision recorded."},
		{"en", "review.done.n", []any{"n", 2}, "2 decisions recorded."},
		{"ru", "review.done.n", []any{"n", 3}, "Записано 3 решения."},
		{"ru", "review.done.n", []any{"n", 11}, "Записано 11 решений."},
		{"ar", "review.done.n", []any{"n", 2}, "سُجِّل قراران (٢)."},
		{"en", "dashboard.crossing_row", []any{"place", "Lachin", "people", 1, "vehicles", 1}, "Lachin: 1 person, 1 vehicle"},
		{"en", "dashboard.crossing_row", []any{"place", "Lachin", "people", 12, "vehicles", 0}, "Lachin: 12 people, 0 vehicles"},
		{"ru", "dashboard.crossing_row", []any{"place", "Лачин", "people", 2, "vehicles", 5}, "Лачин: 2 человека, 5 транспортных средств"},
	} {
		if got := testPage(t, tc.lang).T(tc.key, tc.args...); got != tc.want {
			t.Errorf("%s %s %v = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
	if got := testPage(t, "en").N("form.errors", 1); got != "1 field needs correcting —" {
		t.Errorf("N = %q", got)
	}
}

// Errors come back all at once, in the page's language, each next to its
// field, the summary naming fields by their labels, never by their paths.
func TestFormErrorsTranslatedByField(t *testing.T) {
	var c errs.Collector
	c.Add(errs.Required("narrative"))
	c.Add(errs.TooLong("note", 20001, 20000))
	c.Add(errs.Prefix("location.point", errs.Because(errs.Invalid("lat", "latitude 91 is outside [-90, 90]"), errs.ReasonOutOfRange, "min", -90, "max", 90)))
	c.Add(errs.Invalid("on_behalf_of", "only a side's allegation is made in a side's name"))
	err := fmt.Errorf("incident: lodge: %w", c.Err())

	ru := testPage(t, "ru")
	form := &Form{}
	ru.FormErrors(form, err)
	if got := form.E("narrative"); got != "обязательное поле" {
		t.Errorf("narrative: %q", got)
	}
	if got := form.E("note"); got != "не длиннее 20\u00a0000 символов" {
		t.Errorf("note: %q", got)
	}
	if got := form.E("location.point.lat"); got != "должно быть от -90 до 90" {
		t.Errorf("lat: %q", got)
	}
	if form.E("location") == "" || form.E("location.point") == "" {
		t.Error("an error under a field shows at the field")
	}
	if got := form.E("on_behalf_of"); got != "значение не принято" {
		t.Errorf("a reason-less error in Russian: %q", got)
	}
	if strings.Contains(ru.Error, "location.point") || !strings.Contains(ru.Error, "Широта: ") || !strings.Contains(ru.Error, "Нужно исправить 4 поля") {
		t.Errorf("summary: %q", ru.Error)
	}
	en := testPage(t, "en")
	form = &Form{}
	en.FormErrors(form, err)
	if got := form.E("on_behalf_of"); got != "only a side's allegation is made in a side's name" {
		t.Errorf("English keeps the service's message: %q", got)
	}
	if got := form.E("note"); got != "must be at most 20,000 characters" {
		t.Errorf("note: %q", got)
	}
}

func TestTHKeepsTrustedHTMLOnly(t *testing.T) {
	p := testPage(t, "en")
	got := p.TH("corridor.status_at", "time", template.HTML(`<time datetime="x">10:00</time>`))
	if string(got) != `Status at <time datetime="x">10:00</time>:` {
		t.Errorf("TH = %s", got)
	}
	got = p.TH("corridor.status_at", "time", `<script>`)
	if strings.Contains(string(got), "<script>") {
		t.Errorf("a plain argument is escaped: %s", got)
	}
}
