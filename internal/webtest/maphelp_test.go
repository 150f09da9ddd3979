package webtest

// Helpers of the map's browser tests (branch webmap); the lead folds them
// into the harness of branch web (harness_test.go).

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/web"
)

// mapServer is Truce with the demo loaded, on a real port, plus one test
// page (/test/widgets) holding a form with the map widgets, as the forms
// of branch web will.
type mapServer struct {
	app    *app.App
	loaded *demo.Loaded
	url    string
}

func startMapServer(t testing.TB) *mapServer {
	return startMapServerWith(t, app.Config{})
}

// startMapServerWith starts the server with cfg's Basemap (the rest is the
// test's own).
func startMapServerWith(t testing.TB, cfg app.Config) *mapServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, app.Config{Dir: t.TempDir(), Synchronous: "normal", Version: "test", Basemap: cfg.Basemap})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := demo.Load(ctx, demo.Services{Agreements: a.Agreements, Geo: a.Geo, Accounts: a.Accounts, Incidents: a.Incidents})
	if err != nil {
		t.Fatal(err)
	}
	inner := a.Server.Handler()
	// The test page gets the headers every real page gets (the CSP above all).
	probe := httptest.NewRecorder()
	inner.ServeHTTP(probe, httptest.NewRequest("GET", "/login", nil))
	widgets, err := widgetPage()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /test/widgets", func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options"} {
			w.Header().Set(h, probe.Header().Get(h))
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(widgets)
	})
	mux.Handle("/", inner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	t.Cleanup(func() {
		hs.Close()
		cancel()
		a.Close()
	})
	return &mapServer{app: a, loaded: loaded, url: "http://" + ln.Addr().String()}
}

// widgetPage is a form with a place picker and a sector, with exactly the
// tags templates/map.html documents for pages using the widgets.
func widgetPage() ([]byte, error) {
	rd, err := web.NewRenderer(slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	t := template.Must(template.New("w").Funcs(template.FuncMap{"asset": rd.Assets.URL}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Widgets</title>
<link rel="stylesheet" href="{{asset "vendor/maplibre-gl.css"}}">
<link rel="stylesheet" href="{{asset "map/map.css"}}"></head><body>
<div id="map-assets" hidden data-maplibre="{{asset "vendor/maplibre-gl.js"}}" data-worker="{{asset "vendor/maplibre-gl-worker.js"}}"
 data-world="{{asset "vendor/basemap-world.json"}}" data-basemap="{{asset "vendor/basemap-countries.json"}}" data-places="{{asset "vendor/basemap-places.json"}}" data-map="{{asset "map/map.js"}}"></div>
<script type="application/json" id="i18n">{"map.pick.hint":"Click the map to set the position.","map.sector.hint":"Sector"}</script>
<form>
<label for="lat">Latitude</label><input type="number" step="any" id="lat" name="lat">
<label for="lon">Longitude</label><input type="number" step="any" id="lon" name="lon">
<div class="map-pick" data-lat="lat" data-lon="lon" data-bbox="46.3,39.5,47.3,40.3"></div>
<label for="olat">Observer latitude</label><input type="number" step="any" id="olat" value="39.95">
<label for="olon">Observer longitude</label><input type="number" step="any" id="olon" value="46.88">
<label for="bf">From</label><input type="number" id="bf" value="120"><label for="bt">To</label><input type="number" id="bt" value="150">
<label for="dmin">Min</label><input type="number" id="dmin" value="500"><label for="dmax">Max</label><input type="number" id="dmax" value="3000">
<div class="map-sector" data-lat="olat" data-lon="olon" data-bearing-from="bf" data-bearing-to="bt" data-distance-min="dmin" data-distance-max="dmax"></div>
</form>
<script type="module" src="{{asset "map/mapwidgets.js"}}"></script>
</body></html>`))
	var b strings.Builder
	err = t.Execute(&b, nil)
	return []byte(b.String()), err
}

// mapBrowserPath finds Chromium (see browserPath); a test without one
// skips, loudly, unless TRUCE_REQUIRE_BROWSER=1 (CI) makes that a failure.
func mapBrowserPath(t testing.TB) string {
	t.Helper()
	if p := browserPath(); p != "" {
		return p
	}
	if os.Getenv("TRUCE_REQUIRE_BROWSER") == "1" {
		t.Fatal("no Chromium found and TRUCE_REQUIRE_BROWSER=1: install it (apt-get install -y chromium)")
	}
	t.Skip("SKIPPED: no Chromium found; the map's browser tests did not run (apt-get install -y chromium; TRUCE_REQUIRE_BROWSER=1 makes this a failure)")
	return ""
}

// browserWatch collects what a page must not do: log an error, throw, or
// ask any host but the server.
type browserWatch struct {
	mu      sync.Mutex
	host    string
	errors  []string
	foreign []string
}

func (b *browserWatch) console(m chromedp.ConsoleMessage) {
	if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
		return
	}
	// The browser asks for /favicon.ico on its own; the layout (branch
	// web) has no icon yet.
	if strings.HasSuffix(m.URL, "/favicon.ico") {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, m.String()+" "+m.URL)
}

func (b *browserWatch) request(e network.EventRequestWillBeSent) {
	u, err := url.Parse(e.Request.URL)
	if err == nil && (u.Scheme == "data" || u.Scheme == "blob") {
		return
	}
	if err != nil || u.Host != b.host {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.foreign = append(b.foreign, e.Request.URL)
	}
}

// check fails t for every error logged and every request to another host.
func (b *browserWatch) check(t testing.TB) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		t.Errorf("browser error: %s", e)
	}
	for _, u := range b.foreign {
		t.Errorf("request to another host: %s", u)
	}
}

// newBrowser starts a headless Chromium with a fresh profile, watching
// the page; it returns the context to run actions in.
func newBrowser(t testing.TB, host string) (context.Context, *browserWatch) {
	t.Helper()
	exe := mapBrowserPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// WebGL without a GPU: MapLibre needs it, and Chromium's software
		// renderer provides it only when asked.
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	w := &browserWatch{host: host}
	messages := chromedp.Console(ctx)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			w.console(m)
		}
	}()
	go func() {
		for e, err := range requests {
			if err != nil {
				return
			}
			w.request(e)
		}
	}()
	return ctx, w
}

// signIn gives the browser a session of a demo account, through the
// account service (the sign-in form is branch web's to test).
func (s *mapServer) signIn(t testing.TB, ctx context.Context, username string) {
	t.Helper()
	var password string
	for _, a := range s.loaded.Accounts {
		if a.Username == username {
			password = a.Password
		}
	}
	sess, _, err := s.app.Accounts.Login(context.Background(), username, password, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.url)
	httpOnly := true
	_, err = chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: httpx.SessionCookie, Value: sess.ID, Domain: u.Hostname(), Path: "/", HTTPOnly: &httpOnly})
	if err != nil {
		t.Fatal(err)
	}
}

// waitJS polls expr in the page until it is true or the timeout passes.
func waitJS(ctx context.Context, expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", timeout, expr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mapReady is true when the page's map has drawn the view with its data
// (the basemap's 1:50m detail may still be coming).
const mapReady = `!!(window.truceMap && document.getElementById('map').dataset.state === 'loaded' && document.getElementById('map').dataset.drawn === 'true')`

// mapComplete is true when the 1:50m detail is in too and nothing is loading.
const mapComplete = `!!(window.truceMap && document.getElementById('map').dataset.detail === 'loaded' && window.truceMap.loaded())`
