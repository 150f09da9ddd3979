package webtest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The registries' forms walked as people do (issue 16): a person held is
// registered by its side's liaison, a humanitarian officer records the
// person's consent, a co-chair records the exchange; a side's liaison
// records a minefield and hands it over, and the other side's liaison
// reads it. Each in English at desktop width and in Russian at phone
// width; one form is used with the keyboard alone.

// formRun is one language and width a task is walked in.
type formRun struct {
	lang  string
	phone bool
	done  map[string]string // the confirmation each form leads to
}

var formRuns = []formRun{
	{lang: "en", done: map[string]string{"person": "The person is registered.", "event": "The status event is recorded.",
		"exchange": "The exchange is recorded; the persons listed are repatriated.", "minefield": "The minefield record is saved.",
		"handover": "The handover is recorded."}},
	{lang: "ru", phone: true, done: map[string]string{"person": "Лицо зарегистрировано.", "event": "Событие статуса записано.",
		"exchange": "Обмен записан; перечисленные лица репатриированы.", "minefield": "Запись о минном поле сохранена.",
		"handover": "Передача записана."}},
}

func (r formRun) name() string {
	if r.phone {
		return r.lang + "-390px"
	}
	return r.lang + "-desktop"
}

// speak switches the tab's user to lang (kept as the user's preference:
// put back to English when the test ends) and sets the width.
func (tb *tab) speak(r formRun) {
	tb.t.Helper()
	if r.lang != "en" {
		tb.open("/settings")
		tb.submit(`button[name="to"][value="` + r.lang + `"]`)
		tb.t.Cleanup(func() {
			tb.do(chromedp.EmulateViewport(1280, 900))
			tb.open("/settings")
			tb.submit(`button[name="to"][value="en"]`)
		})
	}
	if r.phone {
		tb.do(chromedp.EmulateViewport(390, 844))
	} else {
		tb.do(chromedp.EmulateViewport(1280, 900))
	}
}

// follow opens a link's target (by the link, as a reader would).
func (tb *tab) follow(link string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(link)), chromedp.ScrollIntoView(chromedp.CSS(link)))
	tb.submit(link)
}

// confirmed checks that the page is a record at pathRE with the
// confirmation text in its status line, and returns the record's id.
func (tb *tab) confirmed(pathRE, want string) string {
	tb.t.Helper()
	loc := eval[string](tb, "location.pathname + location.search")
	m := regexp.MustCompile(pathRE).FindStringSubmatch(loc)
	if m == nil {
		tb.t.Fatalf("%s: at %s, not the record (%s); errors: %s", tb.user, loc, pathRE,
			eval[string](tb, `Array.from(document.querySelectorAll(".field-error, .error")).map(e => e.textContent).join(" | ")`))
	}
	if got := tb.text(`[role="status"]`); got != want {
		tb.t.Errorf("%s: confirmation %q, want %q", tb.user, got, want)
	}
	return m[1]
}

func (tb *tab) noSideScroll(where string) {
	tb.t.Helper()
	if w := eval[float64](tb, "document.documentElement.scrollWidth - document.documentElement.clientWidth"); w > 1 {
		wide := eval[string](tb, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest("[hidden]")).slice(0, 6).map(e => e.tagName + "." + e.className + "#" + e.id).join(", ")`)
		tb.t.Errorf("%s: the page scrolls sideways by %vpx (%s)", where, w, wide)
	}
}

func TestFormsPersonConsentExchange(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	for _, run := range formRuns {
		t.Run(run.name(), func(t *testing.T) {
			surname := "Formwalk" + strings.ToUpper(run.lang)
			liaison := s.as(t, "liaison-az")
			liaison.speak(run)
			liaison.open("/detainees")
			liaison.follow("#new-person")
			liaison.do(
				chromedp.SetValue(chromedp.CSS("#f-surname"), surname),
				chromedp.SetValue(chromedp.CSS("#f-first-names"), "Test"),
				chromedp.SetValue(chromedp.CSS("#f-category"), "prisoner_of_war"),
				chromedp.SetValue(chromedp.CSS("#f-nationality"), am),
				chromedp.SetValue(chromedp.CSS("#f-captured-at"), "2021-06-10T06:30"),
			)
			liaison.shot("form-person-" + run.name())
			liaison.noSideScroll("person form")
			liaison.submit("#submit")
			id := liaison.confirmed(`^/detainees/([a-z]+_[0-9a-z]+)$`, run.done["person"])
			// Confirmed once: the record opened again has no confirmation.
			liaison.open("/detainees/" + id)
			if liaison.has(`[role="status"]`) {
				t.Errorf("the confirmation is shown again: %q", liaison.text(`[role="status"]`))
			}
			if body := liaison.text("#identity"); !strings.Contains(body, surname) {
				t.Errorf("the record lacks the name: %s", body)
			}

			hum := s.as(t, "humanitarian")
			hum.speak(run)
			hum.open("/detainees/" + id)
			if run.lang == "en" {
				// The keyboard alone: Tab to the event's kind, type to choose,
				// Tab to the button (the time is now by default), Enter.
				hum.tabTo("f-kind", 300)
				hum.do(chromedp.KeyEvent("Con"))
				if v := eval[string](hum, `document.getElementById("f-kind").value`); v != "consent_confirmed" {
					t.Fatalf("typing in the select chose %q", v)
				}
				hum.tabTo("event-submit", 40)
				hum.keySubmit(kb.Enter)
			} else {
				hum.do(chromedp.SetValue(chromedp.CSS("#f-kind"), "consent_confirmed"),
					chromedp.SetValue(chromedp.CSS("#f-at"), "2021-06-11T08:00"))
				hum.submit("#event-submit")
			}
			hum.confirmed(`^/detainees/(`+id+`)$`, run.done["event"])

			cochair := s.as(t, "cochair")
			cochair.speak(run)
			cochair.open("/detainees/" + id)
			cochair.follow("#exchange-person")
			if !eval[bool](cochair, `document.querySelector('input[name="moves[0].persons"][value="`+id+`"]').checked`) {
				t.Fatal("the exchange form does not start with the person")
			}
			if got := eval[string](cochair, `document.getElementById("f-from-0").value + " " + document.getElementById("f-to-0").value`); got != az+" "+am {
				t.Errorf("the move starts as %q", got)
			}
			// After the consent, which the keyboard recorded at the time of
			// the test: the latest time the field takes.
			cochair.do(chromedp.SetValue(chromedp.CSS("#f-at"), eval[string](cochair, `document.getElementById("f-at").max`)))
			cochair.shot("form-exchange-" + run.name())
			cochair.noSideScroll("exchange form")
			cochair.submit("#submit")
			cochair.confirmed(`^/exchanges/([a-z]+_[0-9a-z]+)$`, run.done["exchange"])
			cochair.open("/detainees/" + id)
			if st := cochair.text(".meta .status"); st == "" || st == "repatriated" {
				t.Errorf("status shown as %q", st)
			}
			cochair.shot("person-exchanged-" + run.name())
		})
	}
}

// tabTo presses Tab until the element with id has the focus.
func (tb *tab) tabTo(id string, most int) {
	tb.t.Helper()
	for range most {
		if eval[string](tb, "document.activeElement ? document.activeElement.id : ''") == id {
			return
		}
		tb.do(chromedp.KeyEvent(kb.Tab))
	}
	tb.t.Fatalf("%s: %d presses of Tab did not reach #%s", tb.user, most, id)
}

// keySubmit presses a key that sends a form and waits for the next page.
func (tb *tab) keySubmit(key string) {
	tb.t.Helper()
	before := eval[string](tb, "String(performance.timeOrigin)")
	tb.do(chromedp.KeyEvent(key))
	deadline := time.Now().Add(20 * time.Second)
	for eval[string](tb, `document.readyState === "complete" ? String(performance.timeOrigin) : ""`) == before ||
		eval[string](tb, `document.readyState`) != "complete" {
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: no new page after pressing the key", tb.user)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.clean("after the key")
}

const formPerimeter = "39.700, 46.900\n39.700, 46.912\n39.709, 46.912\n39.709, 46.900"

func TestFormsMinefieldHandover(t *testing.T) {
	s := start(t)
	am := s.loaded.Orgs["AM"]
	for _, run := range formRuns {
		t.Run(run.name(), func(t *testing.T) {
			designation := "WT-" + strings.ToUpper(run.lang)
			liaison := s.as(t, "liaison-az")
			liaison.speak(run)
			liaison.open("/minefields")
			liaison.follow("#new-minefield")
			liaison.waitDrawing()
			if !run.phone {
				// Three clicks on the map draw three corners into the list.
				eval[string](liaison, `document.getElementById("f-perimeter").value = ""`)
				liaison.do(chromedp.ScrollIntoView(chromedp.CSS(".map-draw .map-widget")))
				box := eval[[]float64](liaison, `(() => { const r = document.querySelector(".map-draw .map-widget").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
				for _, f := range [][2]float64{{0.3, 0.3}, {0.7, 0.3}, {0.5, 0.7}} {
					liaison.do(chromedp.MouseClickXY(box[0]+box[2]*f[0], box[1]+box[3]*f[1]))
				}
				if lines := eval[string](liaison, `document.getElementById("f-perimeter").value`); len(strings.Split(lines, "\n")) != 3 {
					t.Errorf("three clicks gave the list %q", lines)
				}
			}
			liaison.do(
				chromedp.SetValue(chromedp.CSS("#f-designation"), designation),
				chromedp.SetValue(chromedp.CSS("#f-district"), "Formwalk"),
				chromedp.SetValue(chromedp.CSS("#f-laid-at"), "2021-05-01"),
				chromedp.SetValue(chromedp.CSS("#f-emplacement"), "hand"),
				chromedp.SetValue(chromedp.CSS("#f-perimeter"), formPerimeter),
				chromedp.SetValue(chromedp.CSS("#f-ref-0-lat"), "39.699"),
				chromedp.SetValue(chromedp.CSS("#f-ref-0-lon"), "46.899"),
				chromedp.SetValue(chromedp.CSS("#f-ref-0-desc"), "Bridge"),
				chromedp.SetValue(chromedp.CSS("#f-ref-1-lat"), "39.710"),
				chromedp.SetValue(chromedp.CSS("#f-ref-1-lon"), "46.913"),
				chromedp.SetValue(chromedp.CSS("#f-ref-1-desc"), "Well"),
				chromedp.SetValue(chromedp.CSS("#f-mine-0-cat"), "anti_tank"),
				chromedp.SetValue(chromedp.CSS("#f-mine-0-model"), "TM-62M"),
				chromedp.SetValue(chromedp.CSS("#f-mine-0-count"), "12"),
				chromedp.SetValue(chromedp.CSS("#f-classification"), "restricted"),
			)
			liaison.shot("form-minefield-" + run.name())
			liaison.noSideScroll("minefield form")
			liaison.submit("#submit")
			id := liaison.confirmed(`^/minefields/([a-z]+_[0-9a-z]+)$`, run.done["minefield"])

			other := s.as(t, "liaison-am")
			other.speak(run)
			other.do(chromedp.Navigate(s.url+"/minefields/"+id), chromedp.WaitReady(chromedp.CSS("body")))
			other.drop("404 (Not Found)")
			if strings.Contains(other.text("main"), designation) {
				t.Fatal("the other side reads the restricted record before its handover")
			}

			liaison.follow("#hand-over")
			if !eval[bool](liaison, `document.querySelector('input[name="minefield_ids"][value="`+id+`"]').checked`) {
				t.Fatal("the handover form does not start with the record")
			}
			liaison.do(chromedp.SetValue(chromedp.CSS("#f-to"), am), chromedp.SetValue(chromedp.CSS("#f-date"), "2021-06-12"))
			liaison.shot("form-handover-" + run.name())
			liaison.noSideScroll("handover form")
			liaison.submit("#submit")
			liaison.confirmed(`^/minefields/(`+id+`)$`, run.done["handover"])

			other.open("/minefields/" + id)
			if !strings.Contains(other.text("h1"), designation) {
				t.Errorf("the receiving side does not read the record: %q", other.text("h1"))
			}
			other.shot("minefield-received-" + run.name())
		})
	}
}

// waitDrawing waits for the perimeter's drawing map to be ready.
func (tb *tab) waitDrawing() {
	tb.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !eval[bool](tb, `(window.truceDrawings || []).length === 1 && window.truceDrawings[0].map.loaded() && !!window.truceDrawings[0].map.getSource("drawn")`) {
		if time.Now().After(deadline) {
			tb.t.Fatal(fmt.Sprintf("%s: the drawing map did not start", tb.user))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Every registry form opens for a reader it is offered to, in Arabic (right
// to left) at phone width, with every control labelled, no console error
// and no sideways scrolling.
func TestFormsEveryFormOpens(t *testing.T) {
	s := start(t)
	tb := s.as(t, "analyst")
	tb.speak(formRun{lang: "ar", phone: true})
	for _, path := range []string{"/detainees/new", "/exchanges/new", "/remains/new", "/minefields/new", "/handovers/new",
		"/hazard-areas/new", "/returns/new", "/return-visits/new", "/crossings/new", "/corridor/restrictions/new",
		"/statements/new", "/sources/new", "/evidence/new?kind=exchange&id=" + s.loaded.Exchanges["2020-12-14"]} {
		tb.open(path)
		if dir := eval[string](tb, "document.documentElement.dir"); dir != "rtl" {
			t.Errorf("%s: dir %q", path, dir)
		}
		if n := eval[int](tb, `document.querySelectorAll("form.stack button[type=submit]").length`); n != 1 {
			t.Errorf("%s: %d submit buttons in the form", path, n)
		}
		if eval[bool](tb, `!!document.querySelector(".map-draw")`) {
			tb.waitDrawing()
		}
		tb.noSideScroll(path)
		tb.clean(path)
		tb.shot("form-ar" + strings.NewReplacer("/", "-", "?", "-", "&", "-", "=", "-").Replace(path))
	}
}
