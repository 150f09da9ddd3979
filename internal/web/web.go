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
	pages  map[string]*template.Template
	Assets *Assets
	log    *slog.Logger
}

// NewRenderer parses every template.
func NewRenderer(log *slog.Logger) (*Renderer, error) {
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{"asset": assets.URL}
	layout, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	rd := &Renderer{pages: map[string]*template.Template{}, Assets: assets, log: log}
	for _, page := range []string{"login", "home", "map"} {
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+page+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", page, err)
		}
		rd.pages[page] = t
	}
	return rd, nil
}

// Render writes a page; rendering happens into a buffer first so that a
// template error becomes a clean 500, not half a page.
func (rd *Renderer) Render(w http.ResponseWriter, status int, page string, data any) {
	var buf bytes.Buffer
	if err := rd.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		rd.log.Error("render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
