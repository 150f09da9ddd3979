// Package api is Truce's JSON HTTP API under /api/v1/ and the public,
// read-only change log under /log/ (C2SP tlog-tiles). Handlers decode and
// check the request's shape, call a domain service and encode the answer;
// the rules live in the domain packages.
package api

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/exchange"
	"github.com/truce-monitoring/truce/internal/fusionmodel"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mapview"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/proof"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/search"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
	"github.com/truce-monitoring/truce/internal/witnessclient"
)

// Deps are what the API serves.
type Deps struct {
	// Ledger is the change log as the API serves it (/log/ and proofs).
	Ledger     Ledger
	Agreements *agreement.Service
	Geo        *geo.Service
	Accounts   *account.Service
	Incidents  *incident.Service
	Statements *statement.Service
	Mines      *mines.Service
	Detainees  *detainee.Service
	Returns    *returns.Service
	Transit    *transit.Service
	Reports    *report.Service
	// FusionModel is the mission's fusion model; the pages show it.
	FusionModel *fusionmodel.Service
	Search      *search.Service
	Exchange    *exchange.Service // exports and imports; nil: no /api/v1/export or /api/v1/import
	// Proofs makes the offline proof bundles of changes and reports.
	Proofs *proof.Service
	// Records reads any kind of record by entity and id (history, the
	// policy's view of a record) through each kind's own filtered read.
	Records *record.Registry
	// Map builds map views (the pages' map reads the same).
	Map *mapview.Service
	// Witnesses are the witnesses the centre submits its checkpoints to;
	// nil when none is configured. /log/checkpoint then serves the latest
	// checkpoint their policy publishes.
	Witnesses *witnessclient.Service
	Log       *slog.Logger
	// SecureCookies sets the Secure flag on the session cookie.
	SecureCookies bool
	// Demo marks every response as coming from the demo.
	Demo    bool
	Version string
	Now     func() time.Time
}

// Server holds the API's dependencies and its routes.
type Server struct {
	Deps
	routes []Route
}

// New builds the API and registers every route.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{Deps: d}
	s.logRoutes()
	s.agreementRoutes()
	s.geoRoutes()
	s.sessionRoutes()
	s.accountRoutes()
	s.passwordRoutes()
	s.incidentRoutes()
	s.statementRoutes()
	s.mineRoutes()
	s.detaineeRoutes()
	s.returnsRoutes()
	s.transitRoutes()
	s.reportRoutes()
	s.mapRoutes()
	s.searchRoutes()
	s.importRoutes()
	s.exportRoutes()
	// The document is public: an integrator starts from it before having
	// an account.
	s.add(Route{Method: "GET", Path: "/api/v1/openapi.json", Summary: "This document (OpenAPI 3.1)", Tag: "meta", Public: true, Response: map[string]any{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, http.StatusOK, OpenAPI(s.routes, s.Version))
		}})
	return s
}

func (s *Server) add(rt Route) { s.routes = append(s.routes, rt) }

// Routes returns the registered routes.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Register mounts every route on mux. wrap lets the caller add per-route
// middleware (authentication, metrics) knowing the route.
func (s *Server) Register(mux *http.ServeMux, wrap func(Route, http.Handler) http.Handler) {
	for _, rt := range s.routes {
		h := s.rules(rt, s.routes)
		if wrap != nil {
			h = wrap(rt, h)
		}
		mux.Handle(rt.Method+" "+rt.Path, h)
	}
}

// fail writes err as a problem.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteProblem(w, r, s.Log, err)
}

// queryInt parses an optional integer query parameter.
func queryInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errs.Invalid(name, "must be a whole number")
	}
	if v < lo || v > hi {
		return 0, errs.Invalid(name, "must be between %d and %d", lo, hi)
	}
	return v, nil
}

// pageRequest reads cursor and limit.
func pageRequest(r *http.Request) (store.PageRequest, error) {
	limit, err := queryInt(r, "limit", 0, 1, store.MaxLimit)
	if err != nil {
		return store.PageRequest{}, err
	}
	return store.PageRequest{Cursor: r.URL.Query().Get("cursor"), Limit: int(limit)}, nil
}

var pageParams = []Param{
	{Name: "cursor", Description: "opaque cursor from the previous page's next"},
	{Name: "limit", Type: "integer", Description: "page size, 1 to 500, default 50"},
}

// version reads the version the client last saw from If-Match (an ETag
// "N") or the "version" query parameter; it is required for updates
// (428 without). The route's rules have already compared it with the
// record's current version where the principal may read the record, and
// replaced "*" by that version.
func version(r *http.Request) (int64, error) {
	if m := r.Header.Get("If-Match"); m != "" {
		if strings.TrimSpace(m) == "*" {
			// No current version to stand for: the record is missing or
			// hidden, and "*" matches nothing (RFC 9110 §13.1.1).
			return 0, httpx.PreconditionFailed("If-Match: * names no record here")
		}
		v, err := strconv.ParseInt(trimETag(m), 10, 64)
		if err != nil || v < 1 {
			return 0, errs.Invalid("If-Match", "must be the record's ETag, e.g. \"3\"")
		}
		return v, nil
	}
	v, err := queryInt(r, "version", 0, 1, 1<<53)
	if err != nil {
		return 0, err
	}
	if v == 0 {
		return 0, httpx.PreconditionRequired()
	}
	return v, nil
}

func trimETag(s string) string {
	if len(s) > 2 && s[0] == 'W' && s[1] == '/' {
		s = s[2:]
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}

// contentETag is an entity tag derived from a body's bytes, for answers
// that are not versioned records (the checkpoint, tiles).
func contentETag(b []byte) string {
	h := sha256.Sum256(b)
	return `"` + hex.EncodeToString(h[:12]) + `"`
}

// writeRecord writes a record with its version as ETag.
func writeRecord(w http.ResponseWriter, status int, v int64, body any) {
	w.Header().Set("ETag", `"`+strconv.FormatInt(v, 10)+`"`)
	httpx.WriteJSON(w, status, body)
}
