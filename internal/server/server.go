// Package server wires Truce's HTTP handlers together: the API, the log,
// health and metrics, with the middleware every request passes through.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/api"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/ui"
)

// Config is how the server treats requests.
type Config struct {
	PublicView    bool   // anonymous GETs may read public records
	SecureCookies bool   // the session cookie is Secure
	Demo          bool   // the data directory holds the built-in demo
	Basemap       string // an operator's PMTiles file served at /basemap.pmtiles; "" for none
	// TrustedProxies are the ranges of reverse proxies whose
	// X-Forwarded-For is believed (see clientAddress); none by default.
	TrustedProxies []netip.Prefix
}

// Ledger is what the server itself reads of the store: whether it
// answers, and the log's size and latest checkpoint for health and
// metrics. Records reach HTTP only through the domain services.
type Ledger interface {
	Ping(ctx context.Context) error
	LogSize(ctx context.Context) (int64, error)
	LatestCheckpoint(ctx context.Context) (store.SignedCheckpoint, error)
	ui.Ledger
}

// Server is Truce's HTTP server.
type Server struct {
	Ledger   Ledger
	API      *api.Server
	Pages    *ui.Pages
	Accounts *account.Service
	Config   Config
	Log      *slog.Logger
	metrics  *metrics
	auth     *httpx.Auth
	handler  http.Handler
	routes   []Route // what New registered besides the API's routes
}

// Route is a route the server registers itself: a page, the static files,
// health or metrics (the API's routes are api.Server.Routes).
type Route struct{ Method, Path string }

// PageRoutes returns the routes registered besides the API's, as
// registered, so that tests can walk every one of them.
func (s *Server) PageRoutes() []Route { return append([]Route(nil), s.routes...) }

// New builds the handler tree: the API's routes and the pages, each
// behind the same authentication, over the same domain services.
func New(db Ledger, a *api.Server, accounts *account.Service, cfg Config, log *slog.Logger) (*Server, error) {
	auth := &httpx.Auth{Accounts: accounts, SecureCookies: cfg.SecureCookies}
	d := a.Deps
	pages, err := ui.New(ui.Services{Agreements: d.Agreements, Geo: d.Geo, Accounts: accounts, Incidents: d.Incidents, Statements: d.Statements,
		Mines: d.Mines, Detainees: d.Detainees, Returns: d.Returns, Transit: d.Transit, Reports: d.Reports, Records: d.Records, Map: d.Map, Witnesses: d.Witnesses, Search: d.Search, FusionModel: d.FusionModel},
		auth, db, ui.Config{PublicView: cfg.PublicView, SecureCookies: cfg.SecureCookies, Demo: cfg.Demo, Basemap: cfg.Basemap}, d.Now, log)
	if err != nil {
		return nil, err
	}
	s := &Server{Ledger: db, API: a, Pages: pages, Accounts: accounts, Config: cfg, Log: log, metrics: newMetrics(db, d.Witnesses, d.Now), auth: auth}
	mux := http.NewServeMux()
	handle := func(method, path string, h http.Handler) {
		s.routes = append(s.routes, Route{method, path})
		mux.Handle(method+" "+path, h)
	}
	page := func(method, path string, h http.HandlerFunc) { handle(method, path, s.observe(method, path, h)) }
	pages.Routes(page)
	handle("GET", "/static/", pages.Assets())
	a.Register(mux, func(rt api.Route, h http.Handler) http.Handler {
		return s.observe(rt.Method, rt.Path, s.authenticate(rt, h))
	})
	handle("GET", "/healthz", s.observe("GET", "/healthz", http.HandlerFunc(s.healthz)))
	// Metrics need an account (a scraper sends a bearer token): request
	// counts per route are nobody else's business.
	handle("GET", "/metrics", s.observe("GET", "/metrics", s.authenticate(api.Route{Method: "GET", Path: "/metrics"}, http.HandlerFunc(s.metricsHandler))))
	// What no pattern takes: a path that exists under other methods
	// answers 405 with Allow (OPTIONS: 204 with Allow); any other, 404.
	// ServeMux would say 405 itself, but this catch-all matches every
	// method first, so it asks the mux which methods the path has.
	mux.Handle("/", s.observe("", "unmatched", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allow := allowed(mux, r)
		switch {
		case len(allow) == 0:
			pages.NotFound(w, r) // a page for a browser, problem+json for the API
		case r.Method == http.MethodOptions:
			w.Header().Set("Allow", strings.Join(append(allow, http.MethodOptions), ", "))
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", strings.Join(allow, ", "))
			pages.Problem(w, r, httpx.MethodNotAllowed(r.Method, allow))
		}
	})))
	s.handler = s.recover(s.securityHeaders(s.clientAddresses(mux)))
	return s, nil
}

// methods are those a route may be registered under.
var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// allowed lists the methods that a pattern other than the catch-all
// takes for r's path.
func allowed(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range methods {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
			out = append(out, m)
		}
	}
	return out
}

// MarkDemo says from now on that the server serves the built-in demo.
func (s *Server) MarkDemo() {
	s.Config.Demo = true
	s.Pages.Config.Demo = true
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Ledger.Ping(ctx); err != nil {
		httpx.WriteProblem(w, r, s.Log, fmt.Errorf("health: %w", err))
		return
	}
	size, err := s.Ledger.LogSize(ctx)
	if err != nil {
		httpx.WriteProblem(w, r, s.Log, fmt.Errorf("health: %w", err))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "log_size": size, "demo": s.Config.Demo})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs and counts each request under its route pattern.
func (s *Server) observe(method, route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m := method
		if m == "" {
			m = r.Method
		}
		done := s.metrics.begin(m, route)
		answered := false
		defer func() {
			if !answered { // a panic, which recover answers with 500
				done(http.StatusInternalServerError)
			}
		}()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		answered = true
		done(sw.status)
		s.Log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Duration("took", d), slog.String("remote", r.RemoteAddr))
	})
}

func (s *Server) recover(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic", "path", r.URL.Path, "value", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.Pages.Problem(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// Run serves on ln until ctx is done, then shuts down gracefully: requests
// in flight (and so their writes) complete before Run returns.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	return httpx.Serve(ctx, hs, ln, s.Log)
}
