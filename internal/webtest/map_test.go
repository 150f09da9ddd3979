// Package webtest drives Truce's pages in headless Chromium (chromedp).
package webtest

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The map page renders the line of contact (checked through MapLibre's
// own API, not pixels), lists what is in view, logs no error and asks no
// host but the server for anything.
func TestMapRendersLineOfContact(t *testing.T) {
	s := startMapServer(t)
	ctx, watch := newBrowser(t, strings.TrimPrefix(s.url, "http://"))
	s.signIn(t, ctx, "liaison-am")
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	began := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/map")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, mapReady, 30*time.Second); err != nil {
		watch.check(t)
		t.Fatal(err)
	}
	t.Logf("the map page loaded with its data in %s", time.Since(began).Round(time.Millisecond))
	marks, _ := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](`Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, m.startTime]).concat([['dcl', performance.timing.domContentLoadedEventEnd - performance.timing.navigationStart], ['now', performance.now()]]))`))
	t.Logf("page milestones (ms): %v", marks)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Layer    bool `json:"layer"`
		Features int  `json:"features"`
		Rows     int  `json:"rows"`
		Corridor int  `json:"corridor"`
	}](`({
		layer: !!window.truceMap.getLayer('line-of-contact'),
		features: window.truceMap.querySourceFeatures('line_of_contact').length,
		corridor: window.truceMap.querySourceFeatures('corridors').length,
		rows: document.querySelectorAll('#map-list tbody a').length,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Layer || got.Features == 0 {
		t.Errorf("line of contact: layer %v, %d features", got.Layer, got.Features)
	}
	if got.Corridor == 0 {
		t.Error("the corridor has no features")
	}
	if got.Rows == 0 {
		t.Error("the list equivalent is empty")
	}
	// A click on the line opens a popup linking to the record drawn on top
	// there (the line, or a record over it).
	at, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y float64 }](`(() => {
		const m = window.truceMap;
		const line = m.querySourceFeatures('line_of_contact')[0].geometry.coordinates;
		const p = m.project(line[Math.floor(line.length / 2)]);
		const r = m.getCanvas().getBoundingClientRect();
		return {X: r.left + p.x, Y: r.top + p.y};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(at.X, at.Y)); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `!!document.querySelector('.maplibregl-popup a')`, 10*time.Second); err != nil {
		t.Errorf("no popup with a link after a click on the line: %v", err)
	} else {
		href, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.maplibregl-popup a').getAttribute('href')`))
		if !regexp.MustCompile(`^/(history/layer|incidents|allegations|observations)/[A-Za-z0-9_-]+$`).MatchString(href) {
			t.Errorf("the popup links to %q", href)
		}
	}
	// Filtering through the form reloads the view.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const sel = document.getElementById('map-status');
		sel.value = 'withdrawn';
		return sel.dispatchEvent(new Event('change', {bubbles: true}));
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `location.search.includes('status=withdrawn') && document.getElementById('map').dataset.state === 'loaded'`, 10*time.Second); err != nil {
		t.Error(err)
	}
	watch.check(t)
}

// Clicking the small map of a form's place picker fills its latitude and
// longitude; the sector widget draws the observation's area.
func TestMapPickFillsLatLon(t *testing.T) {
	s := startMapServer(t)
	ctx, watch := newBrowser(t, strings.TrimPrefix(s.url, "http://"))
	s.signIn(t, ctx, "monitor")
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/test/widgets")); err != nil {
		t.Fatal(err)
	}
	ready := `!!(window.truceWidgets && window.truceWidgets.length === 2 && window.truceWidgets.every(w => w.map.loaded()))`
	if err := waitJS(ctx, ready, 30*time.Second); err != nil {
		watch.check(t)
		t.Fatal(err)
	}
	// Where on the screen the point 39.9 N, 46.8 E is drawn.
	at, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y float64 }](`(() => {
		const w = window.truceWidgets.find(w => w.kind === 'pick');
		w.element.scrollIntoView();
		const p = w.map.project([46.8, 39.9]);
		const r = w.map.getCanvas().getBoundingClientRect();
		return {X: r.left + p.x, Y: r.top + p.y};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(at.X, at.Y), chromedp.Sleep(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	latlon, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.getElementById('lat').value, document.getElementById('lon').value]`))
	if err != nil {
		t.Fatal(err)
	}
	lat, lon := latlon[0], latlon[1]
	if !near(lat, 39.9) || !near(lon, 46.8) {
		t.Errorf("a click at 39.9, 46.8 set lat %q lon %q", lat, lon)
	}
	sector, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.truceWidgets.find(w => w.kind === 'sector').map.querySourceFeatures('sector').length`))
	if err != nil {
		t.Fatal(err)
	}
	if sector == 0 {
		t.Error("the sector widget drew nothing")
	}
	watch.check(t)
}

func near(s string, want float64) bool {
	v, err := strconv.ParseFloat(s, 64)
	return err == nil && math.Abs(v-want) < 0.01
}
