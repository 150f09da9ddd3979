package webtest

// TestWordsNotCodes walks the pages over plain HTTP — every page the
// navigation offers and the record pages the lists link to — as every demo
// account, in English, Russian and Arabic, and fails when the text a reader
// sees (not URLs, not attributes) holds a raw enumeration code or an
// internal id. It needs no browser: the server renders every word.

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// httpSite is a running Truce with the whole demo, for tests that need no
// browser.
type httpSite struct {
	url    string
	loaded *demo.Loaded
}

var (
	httpShared    *httpSite
	httpSharedErr error
	httpOnce      sync.Once
)

func startHTTP(t *testing.T) *httpSite {
	t.Helper()
	httpOnce.Do(func() { httpShared, httpSharedErr = newHTTPSite() })
	if httpSharedErr != nil {
		t.Fatal(httpSharedErr)
	}
	return httpShared
}

func newHTTPSite() (*httpSite, error) {
	dir, err := os.MkdirTemp("", "truce-words-")
	if err != nil {
		return nil, err
	}
	ctx := context.Background() // the site lives as long as the test binary
	a, err := app.Open(ctx, app.Config{Dir: filepath.Join(dir, "data"), Synchronous: "normal", Version: "webtest", InsecureCookies: true})
	if err != nil {
		return nil, err
	}
	loaded, err := demo.Load(ctx, a.Services.Demo())
	if err != nil {
		return nil, err
	}
	if err := a.MarkDemo(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go a.Server.Run(ctx, ln)
	return &httpSite{url: "http://" + ln.Addr().String(), loaded: loaded}, nil
}

// reader is one account's cookie jar on the site.
type reader struct {
	t      *testing.T
	s      *httpSite
	c      *http.Client
	user   string
	csrf   string
	lang   string
	origin string
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

func hiddenValue(page, name string) string {
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		if m[1] == name {
			return html.UnescapeString(m[2])
		}
	}
	return ""
}

func (s *httpSite) signIn(t *testing.T, user, password string) *reader {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	rd := &reader{t: t, s: s, user: user, origin: s.url,
		c: &http.Client{Jar: jar, Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, body, _ := rd.get("/login")
	form := url.Values{"username": {user}, "password": {password}, "next": {"/"}, "login_csrf": {hiddenValue(body, "login_csrf")}}
	status, _ := rd.post("/login", form)
	if status != http.StatusSeeOther {
		t.Fatalf("%s: sign in answered %d", user, status)
	}
	_, home, _ := rd.get("/")
	rd.csrf = hiddenValue(home, "csrf")
	return rd
}

func (rd *reader) get(path string) (int, string, string) {
	req, _ := http.NewRequest("GET", rd.s.url+path, nil)
	req.Header.Set("Accept", "text/html")
	res, err := rd.c.Do(req)
	if err != nil {
		rd.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	return res.StatusCode, string(b), res.Header.Get("Content-Type")
}

func (rd *reader) post(path string, form url.Values) (int, string) {
	req, _ := http.NewRequest("POST", rd.s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", rd.origin)
	res, err := rd.c.Do(req)
	if err != nil {
		rd.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// speak switches the interface language (the stored preference).
func (rd *reader) speak(lang string) {
	if status, _ := rd.post("/lang", url.Values{"to": {lang}, "next": {"/"}, "csrf": {rd.csrf}}); status != http.StatusSeeOther {
		rd.t.Fatalf("%s: switching to %s answered %d", rd.user, lang, status)
	}
	rd.lang = lang
}

var (
	dropBlocks = regexp.MustCompile(`(?is)<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->|<template\b.*?</template>`)
	tags       = regexp.MustCompile(`(?s)<[^>]*>`)
	hrefs      = regexp.MustCompile(`<a [^>]*href="(/[^"]*)"`)
	// idPattern is an internal id: a known prefix, an underscore, and
	// the random part (store.NewID).
	idPattern = regexp.MustCompile(`\b(aev|agr|alg|att|crs|det|evd|fom|haz|hnd|inc|lyr|mfd|obs|org|pat|plc|prv|rem|ret|rev|rrq|rvi|ses|src|stm|tok|trr|usr|xch)_[0-9A-Za-z]{4,}`)
	// snake is a code made of words and underscores: never a word of
	// any language a reader writes.
	snake = regexp.MustCompile(`\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b`)
	// latin are words in Latin letters, a hyphenated name ("liaison-am")
	// being one word.
	latin = regexp.MustCompile(`[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]`)
	// authored is text people wrote (narratives, notes, names), which
	// the templates mark dir="auto": in any language it may hold English
	// words, though never an id or a code with underscores.
	authored = regexp.MustCompile(`(?s)<(bdi|p|span|div|td|li|blockquote|pre|option)\b[^>]*\bdir="auto"[^>]*>.*?</(bdi|p|span|div|td|li|blockquote|pre|option)>`)
	// linkedIDs are the path segments that are record ids.
	idSegment = regexp.MustCompile(`/[a-z]{3}_[0-9A-Za-z]+`)
)

// machine is what a page marks translate="no": the record as the log
// holds it (a history's diff and body), which is data, not words.
var machine = func() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, tag := range []string{"table", "pre", "code", "span", "div"} {
		out = append(out, regexp.MustCompile(`(?s)<`+tag+`\b[^>]*\btranslate="no"[^>]*>.*?</`+tag+`>`))
	}
	return out
}()

// visibleText is what a reader sees of a page: the text, without
// scripts, styles, comments, tags and so attributes and URLs, nor what the
// page marks as machine data.
func visibleText(page string) string {
	page = dropBlocks.ReplaceAllString(page, " ")
	for _, m := range machine {
		page = m.ReplaceAllString(page, " ")
	}
	return html.UnescapeString(tags.ReplaceAllString(page, " "))
}

// enumValues are the domain's enumeration values: the ones a Russian or
// Arabic page must never show in Latin letters. Values with an underscore
// are caught in every language by the snake pattern.
func enumValues() map[string]bool {
	out := map[string]bool{}
	for _, c := range incident.Categories {
		out[c.Code] = true
	}
	for _, k := range incident.ObservationKinds {
		out[k.Kind] = true
	}
	for _, r := range access.Roles {
		out[string(r)] = true
	}
	for _, v := range []string{"received", "preliminary_review", "under_investigation", "finding", "suspended", "closed", "lodged", "withdrawn",
		"exact", "window", "day", "near_place", "district", "region", "side", "media", "third_party", "mission", "public", "restricted", "personal",
		"seen", "heard", "patrol", "post", "camera", "drone", "substantiated", "unsubstantiated", "inconclusive", "pending", "implemented",
		"in_progress", "not_started", "violated", "open", "held", "released", "exchanged", "deceased", "unknown"} {
		out[v] = true
	}
	return out
}

// finding is one problem seen: on pages of one shape, in one language.
type finding struct {
	shape, lang, what, url, user string
}

func TestWordsNotCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every page as every account in three languages")
	}
	s := startHTTP(t)
	enums := enumValues()
	allowed := map[string]bool{} // usernames are what people type to sign in: shown as they are
	for _, acc := range s.loaded.Accounts {
		allowed[acc.Username] = true
	}
	var (
		mu       sync.Mutex
		found    = map[string]finding{}
		statuses = map[string]string{}
		visited  int
	)
	var wg sync.WaitGroup
	for _, acc := range s.loaded.Accounts {
		wg.Add(1)
		go func(acc demo.Account) {
			defer wg.Done()
			rd := s.signIn(t, acc.Username, acc.Password)
			for _, lang := range []string{"en", "ru", "ar"} {
				rd.speak(lang)
				perShape := map[string]int{}
				seen := map[string]bool{}
				queue := []struct {
					path  string
					depth int
				}{{"/", 0}}
				for len(queue) > 0 {
					cur := queue[0]
					queue = queue[1:]
					if seen[cur.path] {
						continue
					}
					seen[cur.path] = true
					status, body, ctype := rd.get(cur.path)
					shape := idSegment.ReplaceAllString(strings.SplitN(cur.path, "?", 2)[0], "/{id}")
					mu.Lock()
					visited++
					mu.Unlock()
					if status >= 300 && status < 400 {
						continue
					}
					if !strings.HasPrefix(ctype, "text/html") {
						continue
					}
					if status != http.StatusOK {
						mu.Lock()
						statuses[shape+" "+acc.Username] = fmt.Sprintf("%s answered %d to %s", cur.path, status, acc.Username)
						mu.Unlock()
					}
					text := visibleText(body)
					for u := range allowed {
						text = strings.ReplaceAll(text, u, " ")
					}
					report := func(what string) {
						mu.Lock()
						defer mu.Unlock()
						k := shape + "|" + lang + "|" + what
						if _, ok := found[k]; !ok {
							found[k] = finding{shape: shape, lang: lang, what: what, url: cur.path, user: acc.Username}
						}
					}
					for _, id := range idPattern.FindAllString(text, -1) {
						report("id " + id[:4] + "…")
					}
					for _, w := range snake.FindAllString(text, -1) {
						if !allowed[w] && !idPattern.MatchString(w) {
							report("code " + w)
						}
					}
					if lang != "en" {
						for _, w := range latin.FindAllString(visibleText(authored.ReplaceAllString(body, " ")), -1) {
							if enums[w] && !allowed[w] {
								report("code " + w)
							}
						}
					}
					if cur.depth >= 2 {
						continue
					}
					for _, m := range hrefs.FindAllStringSubmatch(body, -1) {
						next := html.UnescapeString(m[1])
						if !follow(next) {
							continue
						}
						nshape := idSegment.ReplaceAllString(strings.SplitN(next, "?", 2)[0], "/{id}")
						if nshape != strings.SplitN(next, "?", 2)[0] || strings.Contains(next, "?") {
							// a record page or a list's other view: a few of each shape
							if perShape[nshape] >= 2 {
								continue
							}
							perShape[nshape]++
						}
						queue = append(queue, struct {
							path  string
							depth int
						}{next, cur.depth + 1})
					}
				}
			}
		}(acc)
	}
	wg.Wait()
	t.Logf("%d pages read", visited)
	for _, v := range sortedValues(statuses) {
		t.Logf("not 200: %s", v)
	}
	byPage := map[string][]string{}
	for _, f := range found {
		byPage[f.shape] = append(byPage[f.shape], fmt.Sprintf("[%s] %s (e.g. %s as %s)", f.lang, f.what, f.url, f.user))
	}
	shapes := make([]string, 0, len(byPage))
	for sh := range byPage {
		shapes = append(shapes, sh)
	}
	sort.Strings(shapes)
	for _, sh := range shapes {
		lines := byPage[sh]
		sort.Strings(lines)
		if len(lines) > 12 {
			lines = append(lines[:12], fmt.Sprintf("… and %d more", len(lines)-12))
		}
		t.Errorf("%s shows codes or ids:\n\t%s", sh, strings.Join(lines, "\n\t"))
	}
}

// follow reports whether the crawler reads a link: pages of this site,
// not the API, files, downloads or sign-out.
func follow(p string) bool {
	for _, skip := range []string{"/api/", "/static/", "/login", "/logout", "/lang", "/basemap", "/metrics", "/healthz"} {
		if strings.HasPrefix(p, skip) {
			return false
		}
	}
	for _, ext := range []string{".pdf", ".csv", ".json", ".geojson", ".pmtiles", ".png", ".svg"} {
		if strings.HasSuffix(strings.SplitN(p, "?", 2)[0], ext) {
			return false
		}
	}
	return !strings.Contains(p, "#")
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// TestWordsShow prints where a word appears on a page, for looking into a
// finding: TRUCE_WORDS_SHOW="user lang path word".
func TestWordsShow(t *testing.T) {
	spec := strings.Fields(os.Getenv("TRUCE_WORDS_SHOW"))
	if len(spec) != 4 {
		t.Skip("set TRUCE_WORDS_SHOW=\"user lang path word\"")
	}
	s := startHTTP(t)
	for _, acc := range s.loaded.Accounts {
		if acc.Username != spec[0] {
			continue
		}
		rd := s.signIn(t, acc.Username, acc.Password)
		rd.speak(spec[1])
		_, body, _ := rd.get(spec[2])
		text := visibleText(body)
		for i := 0; ; {
			j := strings.Index(text[i:], spec[3])
			if j < 0 {
				break
			}
			j += i
			t.Logf("text: …%s…", strings.Join(strings.Fields(text[max(0, j-150):min(len(text), j+80)]), " "))
			i = j + len(spec[3])
		}
		for i := 0; ; {
			j := strings.Index(body[i:], spec[3])
			if j < 0 {
				break
			}
			j += i
			t.Logf("html: …%s…", body[max(0, j-200):min(len(body), j+60)])
			i = j + len(spec[3])
		}
	}
}
