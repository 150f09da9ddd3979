// Package webtest drives the real Truce, with the demo loaded, in a real
// headless Chromium: the pages as a person uses them.
package webtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
)

// site is one running Truce with the demo and one browser, shared by the
// tests of the package (loading the demo hashes eight passwords).
type site struct {
	url       string
	app       *app.App
	loaded    *demo.Loaded
	passwords map[string]string
	shots     string // screenshots go here (a temporary folder, never committed)
	browser   context.Context
	stop      func()
}

var (
	shared     *site
	sharedErr  error
	sharedOnce sync.Once
	skipOnce   sync.Once
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.stop()
	}
	os.Exit(code)
}

// browserPath finds Chromium: TRUCE_BROWSER, then the usual names.
func browserPath() string {
	if p := os.Getenv("TRUCE_BROWSER"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// start returns the shared site, skipping (loudly) when there is no
// browser unless TRUCE_REQUIRE_BROWSER=1 says one must exist.
func start(t *testing.T) *site {
	t.Helper()
	path := browserPath()
	if path == "" {
		if os.Getenv("TRUCE_REQUIRE_BROWSER") == "1" {
			t.Fatal("TRUCE_REQUIRE_BROWSER=1 but no Chromium was found (install Debian's chromium or set TRUCE_BROWSER)")
		}
		const msg = "SKIPPING BROWSER TESTS: no Chromium found (apt-get install chromium, or set TRUCE_BROWSER); TRUCE_REQUIRE_BROWSER=1 makes this a failure"
		skipOnce.Do(func() { fmt.Fprintln(os.Stderr, "webtest: "+msg) }) // seen without -v too
		t.Skip(msg)
	}
	sharedOnce.Do(func() { shared, sharedErr = newSite(path) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func newSite(browser string) (*site, error) {
	dir, err := os.MkdirTemp("", "truce-webtest-")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, app.Config{Dir: filepath.Join(dir, "data"), Synchronous: "normal", Version: "webtest", InsecureCookies: true})
	if err != nil {
		cancel()
		return nil, err
	}
	loaded, err := demo.Load(ctx, a.Services.Demo()) // the whole demo: the registry pages read it too
	if err != nil {
		cancel()
		a.Close()
		return nil, err
	}
	if err := a.MarkDemo(ctx); err != nil {
		cancel()
		a.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		a.Close()
		return nil, err
	}
	served := make(chan error, 1)
	go func() { served <- a.Server.Run(ctx, ln) }()
	// TRUCE_SCREENSHOTS names a folder to keep the screenshots in (the
	// README's pictures come from there; *.png is never committed).
	shots := os.Getenv("TRUCE_SCREENSHOTS")
	if shots != "" {
		err = os.MkdirAll(shots, 0o755)
	} else {
		shots, err = os.MkdirTemp("", "truce-screenshots-")
	}
	if err != nil {
		cancel()
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browser),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// WebGL without a GPU, for the maps on the incident and form pages.
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.UserDataDir(filepath.Join(dir, "browser")),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	// The first context starts the browser; each person then gets a browser
	// context (a cookie jar) of their own in it.
	rootCtx, rootCancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(rootCtx); err != nil {
		rootCancel()
		allocCancel()
		cancel()
		a.Close()
		return nil, fmt.Errorf("starting %s: %w", browser, err)
	}
	s := &site{url: "http://" + ln.Addr().String(), app: a, loaded: loaded, passwords: map[string]string{}, shots: shots, browser: rootCtx}
	for _, acc := range loaded.Accounts {
		s.passwords[acc.Username] = acc.Password
	}
	s.stop = func() {
		rootCancel()
		allocCancel()
		cancel()
		<-served
		a.Close()
		os.RemoveAll(dir)
		fmt.Fprintf(os.Stderr, "webtest: screenshots in %s\n", shots)
	}
	return s, nil
}

// tab is one person's browser: its own cookie jar (a browser context), with
// every console error and uncaught exception collected.
type tab struct {
	t    *testing.T
	s    *site
	ctx  context.Context
	mu   sync.Mutex
	errs []string
	user string
}

// as opens a browser for a demo account and signs in through the form.
func (s *site) as(t *testing.T, user string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(s.browser, chromedp.WithNewBrowserContext())
	tb := &tab{t: t, s: s, ctx: ctx, user: user}
	if err := chromedp.Listen(ctx, tb.event); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	if user != "" {
		tb.login(user)
	}
	return tb
}

func (tb *tab) event(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			tb.errs = append(tb.errs, "console."+string(e.Type)+": "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		msg := e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
		tb.errs = append(tb.errs, "exception: "+msg)
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			tb.errs = append(tb.errs, "log: "+e.Entry.Text+" "+e.Entry.URL)
		}
	}
}

// clean fails the test if the page logged an error since the last check.
func (tb *tab) clean(where string) {
	tb.t.Helper()
	tb.mu.Lock()
	errs := tb.errs
	tb.errs = nil
	tb.mu.Unlock()
	for _, e := range errs {
		tb.t.Errorf("%s (%s): browser reported an error: %s", where, tb.user, e)
	}
}

// drop forgets the errors an expected failure logs (the browser logs a
// page answered 404 as an error).
func (tb *tab) drop(containing string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	kept := tb.errs[:0]
	for _, e := range tb.errs {
		if !strings.Contains(e, containing) {
			kept = append(kept, e)
		}
	}
	tb.errs = kept
}

// do runs actions with a time limit.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", tb.user, err)
	}
}

// open goes to a path and waits for the page.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.s.url+path), chromedp.WaitReady(chromedp.CSS("body")))
	tb.widgetsReady(path)
	tb.clean(path)
	tb.accessible(path)
}

// widgetsReady waits until the page's map widgets have made their maps:
// each adds a map above the form's buttons, and a click aimed at a button
// before that would land on the map instead.
func (tb *tab) widgetsReady(where string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	for {
		ready, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll(".map-pick, .map-sector").length === ((window.truceWidgets || []).length)`))
		if err == nil && ready {
			return
		}
		if ctx.Err() != nil {
			tb.t.Fatalf("%s: the map widgets did not start", where)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// accessible fails the test for a control without a label, a button or
// link without a name, or an image without alternative text.
func (tb *tab) accessible(where string) {
	tb.t.Helper()
	bad := eval[[]string](tb, `(() => {
		const out = [];
		for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
			if (el.labels.length === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) out.push(el.outerHTML.slice(0, 120));
		}
		for (const el of document.querySelectorAll("button, a[href]")) {
			if (el.textContent.trim() === "" && !el.getAttribute("aria-label")) out.push(el.outerHTML.slice(0, 120));
		}
		for (const el of document.querySelectorAll("img:not([alt])")) out.push(el.outerHTML.slice(0, 120));
		return out;
	})()`)
	for _, b := range bad {
		tb.t.Errorf("%s: not labelled: %s", where, b)
	}
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("%s: text of %s: %v", tb.user, sel, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: eval %s: %v", tb.user, expr, err)
	}
	return v
}

// submit clicks a button that sends a form and waits for the next page.
func (tb *tab) submit(button string) {
	tb.t.Helper()
	before := eval[string](tb, "String(performance.timeOrigin)")
	tb.do(chromedp.Click(chromedp.CSS(button)))
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	for {
		now, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? String(performance.timeOrigin) : ""`))
		if err == nil && now != "" && now != before {
			break
		}
		if ctx.Err() != nil {
			tb.t.Fatalf("%s: no new page after clicking %s", tb.user, button)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.widgetsReady("after " + button)
	tb.clean("after " + button)
}

func (tb *tab) login(user string) {
	tb.t.Helper()
	tb.open("/login")
	tb.do(chromedp.SetValue(chromedp.CSS("#username"), user), chromedp.SetValue(chromedp.CSS("#password"), tb.s.passwords[user]))
	tb.submit(`form button[type="submit"]`)
	if loc := eval[string](tb, "location.pathname"); loc != "/" {
		tb.t.Fatalf("%s: sign-in led to %s", user, loc)
	}
}

// shot writes a full-page screenshot to the temporary folder.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	shoot := chromedp.FullScreenshot(100)
	if eval[string](tb, "document.documentElement.dir") == "rtl" {
		// Chromium's full-page capture starts at the wrong edge of a
		// right-to-left page: take the viewport instead.
		shoot = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(ctx, shoot)
	if err != nil {
		tb.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(tb.s.shots, name+".png"), png, 0o644); err != nil {
		tb.t.Error(err)
	}
}
