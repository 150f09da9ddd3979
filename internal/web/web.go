// Package web is Truce's browser interface: server-rendered HTML from
// embedded templates, static files under content-hashed URLs, no inline
// script (the Content-Security-Policy forbids it).
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Assets are the static files, each served under a URL that carries its
// content hash so that it can be cached forever.
type Assets struct {
	byName map[string]string // truce.css -> /static/truce.3f2a1b.css
	byURL  map[string][]byte
	types  map[string]string
}

func loadAssets() (*Assets, error) {
	a := &Assets{byName: map[string]string{}, byURL: map[string][]byte{}, types: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		url := "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a.byName[name], a.byURL[url] = url, b
		a.types[url] = map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}[ext]
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a static file.
func (a *Assets) URL(name string) string {
	if u, ok := a.byName[name]; ok {
		return u
	}
	return "/static/missing/" + name
}

// ServeHTTP serves a static file by its hashed URL.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, ok := a.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if t := a.types[r.URL.Path]; t != "" {
		w.Header().Set("Content-Type", t)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}

// Renderer renders the page templates, parsed once at start.
type Renderer struct {
	pages   map[string]*template.Template
	Assets  *Assets
	Catalog *Catalog
	log     *slog.Logger
}

// partials are templates that are not pages: the layout and the blocks
// pages share. Every other file in templates/ is a page, rendered inside
// layout.html under its name without .html.
var partials = map[string]bool{"layout.html": true, "attachments.html": true, "mapassets.html": true, "list_kit.html": true, "forms_kit.html": true}

// NewRenderer parses every template and loads every message.
func NewRenderer(log *slog.Logger) (*Renderer, error) {
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"join":       strings.Join,
		"recordpath": RecordPath,
		"inc":        func(i int) int { return i + 1 },
		"list":       func(xs ...string) []string { return xs },
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
	layout, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/attachments.html", "templates/mapassets.html", "templates/list_kit.html", "templates/forms_kit.html", "templates/search.html")
	if err != nil {
		return nil, err
	}
	rd := &Renderer{pages: map[string]*template.Template{}, Assets: assets, Catalog: cat, log: log}
	files, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if partials[f.Name()] || !strings.HasSuffix(f.Name(), ".html") {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+f.Name())
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", f.Name(), err)
		}
		rd.pages[strings.TrimSuffix(f.Name(), ".html")] = t
	}
	return rd, nil
}

// Attach lets a page translate before it is rendered (for labels built
// in Go).
func (rd *Renderer) Attach(pg *Page) { pg.r = rd }

// Render writes a page; rendering happens into a buffer first so that a
// template error becomes a clean 500, not half a page.
func (rd *Renderer) Render(w http.ResponseWriter, status int, name string, pg *Page) {
	pg.r = rd
	if pg.Dir == "" {
		pg.Dir = DirOf(pg.Lang)
	}
	var buf bytes.Buffer
	t, ok := rd.pages[name]
	if !ok {
		rd.log.Error("render: no such page", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		rd.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Language", pg.Lang)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
