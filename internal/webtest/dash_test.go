package webtest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestDashboardLanguagesAndWidths opens the co-chair's dashboard in
// English, Russian and Arabic at desktop width and at 390 px: the charts
// are there, no message key shows, at phone width the navigation is one
// menu button that opens and closes without script, and the page never
// scrolls sideways. With TRUCE_DOC_SCREENSHOTS=1 it writes the README's
// pictures to docs/screenshots/ (otherwise to the harness's folder only).
func TestDashboardLanguagesAndWidths(t *testing.T) {
	s := start(t)
	tb := s.as(t, "cochair")
	defer func() {
		tb.do(chromedp.EmulateViewport(1280, 900))
		tb.open("/")
		tb.submit(`button[name="to"][value="en"]`)
	}()
	keys := regexp.MustCompile(`\b(dash|dashboard|pstatus|category|nav|map\.layer)\.[a-z_]+\b`)
	for _, lang := range []string{"en", "ru", "ar"} {
		tb.do(chromedp.EmulateViewport(1280, 900))
		tb.open("/")
		tb.submit(`button[name="to"][value="` + lang + `"]`)
		tb.open("/?from=2021-06-01&to=2021-06-30")
		if got := eval[string](tb, "document.documentElement.lang"); got != lang {
			t.Fatalf("lang = %q, want %q", got, lang)
		}
		for _, sel := range []string{"svg.chart", "svg.chart.bars", "svg.minimap", ".tile .big"} {
			if n := eval[int](tb, `document.querySelectorAll("`+sel+`").length`); n == 0 {
				t.Errorf("%s: no %s", lang, sel)
			}
		}
		body := tb.text("main")
		if k := keys.FindString(body); k != "" {
			t.Errorf("%s: a message key shows: %s", lang, k)
		}
		// Desktop: the groups are in view, the menu button is not.
		if eval[bool](tb, `getComputedStyle(document.querySelector("details.menu > summary")).display !== "none"`) {
			t.Errorf("%s: the phone menu button shows at desktop width", lang)
		}
		if !eval[bool](tb, `document.querySelector("#nav ul.groups").checkVisibility()`) {
			t.Errorf("%s: the navigation is hidden at desktop width", lang)
		}
		// A group opens as a disclosure, by keyboard too.
		tb.do(chromedp.Focus(chromedp.CSS(`#nav details.group summary`)), chromedp.KeyEvent("\r"))
		if !eval[bool](tb, `document.querySelector("#nav details.group").open`) {
			t.Errorf("%s: Enter on a group does not open it", lang)
		}
		tb.do(chromedp.KeyEvent("\r"))
		tb.noSideways(lang + " desktop")
		tb.docShot("dashboard-" + lang)
		tb.shot("dashboard-desktop-" + lang)

		// Phone width.
		tb.do(chromedp.EmulateViewport(390, 844))
		tb.open("/?from=2021-06-01&to=2021-06-30")
		if !eval[bool](tb, `document.querySelector("details.menu > summary").getBoundingClientRect().height > 0`) {
			t.Errorf("%s: no menu button at 390 px", lang)
		}
		if eval[bool](tb, `document.querySelector("#nav ul.groups").checkVisibility()`) {
			t.Errorf("%s: the navigation is not collapsed at 390 px", lang)
		}
		if top := eval[float64](tb, `document.querySelector("main").getBoundingClientRect().top`); top > 300 {
			t.Errorf("%s: the page's content starts %vpx down at 390 px", lang, top)
		}
		tb.noSideways(lang + " 390 px")
		tb.shot("dashboard-390-" + lang)
		tb.do(chromedp.Click(chromedp.CSS(`details.menu > summary`)))
		if !eval[bool](tb, `document.querySelector("#nav ul.groups").checkVisibility()`) {
			t.Errorf("%s: the menu button does not open the navigation", lang)
		}
		tb.noSideways(lang + " 390 px, menu open")
		tb.shot("dashboard-390-menu-" + lang)
		tb.clean("dashboard " + lang)
	}
}

// noSideways fails when the page is wider than the viewport.
func (tb *tab) noSideways(where string) {
	tb.t.Helper()
	if w := eval[float64](tb, "document.documentElement.scrollWidth - window.innerWidth"); w > 0 {
		tb.t.Errorf("%s: the page scrolls sideways by %vpx", where, w)
	}
}

// docShot writes a viewport screenshot as JPEG: to docs/screenshots/ with
// TRUCE_DOC_SCREENSHOTS=1 (the README's pictures, kept under 200 KB),
// else to the harness's folder.
func (tb *tab) docShot(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	q := int64(70)
	img, err := chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatJpeg, Quality: &q})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}))
	if err != nil {
		tb.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := tb.s.shots
	if os.Getenv("TRUCE_DOC_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
		if len(img) > 200<<10 {
			tb.t.Errorf("screenshot %s: %d bytes, more than 200 KB", name, len(img))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name+".jpg"), img, 0o644); err != nil {
		tb.t.Error(err)
	}
}

// TestMapTimeSliderPopupDownload uses the map page as a monitor: the time
// slider moves the window and reloads the view, a click on a record opens
// a popup in words (no category or status code), the download buttons
// carry the view, and at 390 px the map comes before the filters.
func TestMapTimeSliderPopupDownload(t *testing.T) {
	s := start(t)
	tb := s.as(t, "monitor")
	tb.do(chromedp.EmulateViewport(1280, 900))
	wait := func(expr, what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
		defer cancel()
		if err := waitJS(ctx, expr, 60*time.Second); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	tb.do(chromedp.Navigate(s.url + "/map?from=2021-06-01&to=2021-06-30"))
	wait(mapReady, "the map")
	if eval[bool](tb, `document.getElementById("map-time").hidden`) {
		t.Fatal("the time slider is hidden")
	}
	gen := eval[string](tb, `document.getElementById("map").dataset.generation`)
	// The slider to its first day with a week's window.
	eval[bool](tb, `(() => { const r = document.getElementById("map-time-range"); r.value = "0"; return r.dispatchEvent(new Event("input", {bubbles: true})); })()`)
	wait(`document.getElementById("map").dataset.generation !== "`+gen+`" && document.getElementById("map").dataset.state === "loaded"`, "a reload after the slider moved")
	from := eval[string](tb, `document.getElementById("map-from").value`)
	if min := eval[string](tb, `document.getElementById("map-time").dataset.min`); eval[string](tb, `document.getElementById("map-to").value`) != min || from >= min {
		t.Errorf("the slider at its start gives from %s to %s (first day %s)", from, eval[string](tb, `document.getElementById("map-to").value`), min)
	}
	if !eval[bool](tb, `location.search.includes("to=")`) {
		t.Error("the slider's window is not in the address")
	}
	// Back to June 2021, then a click on a record.
	tb.do(chromedp.Navigate(s.url + "/map?from=2021-06-01&to=2021-06-30"))
	wait(mapReady, "the map again")
	at := eval[struct{ X, Y float64 }](tb, `(() => {
		const m = window.truceMap;
		const layers = ["incidents-points", "allegations-points", "observations-points", "incidents-clusters", "allegations-clusters", "observations-clusters"].filter((l) => m.getLayer(l));
		const fs = m.queryRenderedFeatures({layers});
		if (fs.length === 0) return {X: -1, Y: -1};
		const p = m.project(fs[0].geometry.coordinates);
		const r = m.getCanvas().getBoundingClientRect();
		return {X: r.left + p.x, Y: r.top + p.y};
	})()`)
	if at.X < 0 {
		t.Fatal("no record drawn on the map for June 2021")
	}
	tb.do(chromedp.MouseClickXY(at.X, at.Y))
	wait(`!!document.querySelector(".maplibregl-popup .map-popup")`, "a popup")
	txt := eval[string](tb, `document.querySelector(".maplibregl-popup .map-popup").textContent`)
	if regexp.MustCompile(`\b[a-z]+_[a-z_]+\b|\b(category|status|dash)\.`).MatchString(txt) {
		t.Errorf("the popup shows a code: %q", txt)
	}
	// The download buttons send the view's filters.
	if !eval[bool](tb, `!!document.querySelector('button[formaction="/map/download"][value="geojson"]') && document.getElementById("map-bbox").value !== ""`) {
		t.Error("no download of the view")
	}
	tb.clean("map")
	// Phone width: the map first.
	tb.do(chromedp.EmulateViewport(390, 844))
	tb.do(chromedp.Navigate(s.url + "/map?from=2021-06-01&to=2021-06-30"))
	wait(mapReady, "the map at 390 px")
	if !eval[bool](tb, `document.querySelector(".map-frame").getBoundingClientRect().top < document.querySelector(".map-filters").getBoundingClientRect().top`) {
		t.Error("at 390 px the filters come before the map")
	}
	if top := eval[float64](tb, `document.getElementById("map").getBoundingClientRect().top`); top > 400 {
		t.Errorf("at 390 px the map starts %vpx down", top)
	}
	tb.noSideways("map 390 px")
	tb.shot("map-390")
	tb.clean("map 390 px")
	tb.do(chromedp.EmulateViewport(1280, 900))
}
