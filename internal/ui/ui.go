// Package ui is Truce's HTML interface: the pages, server-rendered with
// the templates of package web. It is a client of the domain services
// exactly as the JSON API is: every handler parses its form or query,
// calls the service method the API calls with the same principal, and
// renders the answer or the service's error in the reader's language. It
// runs no SQL and states no rule of its own — what a reader may be offered
// (workflow steps, forms, editions) it asks the domain.
package ui

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/dashboard"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/fusionmodel"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mapview"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/search"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/transit"
	"github.com/truce-monitoring/truce/internal/web"
	"github.com/truce-monitoring/truce/internal/witnessclient"
)

// Config is how the pages treat requests.
type Config struct {
	PublicView    bool   // anonymous readers may read public records
	SecureCookies bool   // cookies are Secure
	Demo          bool   // the data directory holds the built-in demo
	Basemap       string // an operator's PMTiles file served at /basemap.pmtiles; "" for none
}

// Services are the domain services the pages call, the same the API calls.
type Services struct {
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
	Records    *record.Registry
	Map        *mapview.Service // the map views that /api/v1/map/features gives too
	Search     *search.Service
	// Witnesses are the witnesses the centre submits to; nil when none.
	Witnesses *witnessclient.Service
	// FusionModel is the mission's fusion model (its page).
	FusionModel *fusionmodel.Service
}

// Ledger is what the pages read of the change log: the version of the
// kinds of record whose names the pages keep (it moves when any server on
// the database writes one), and a key derived from the log's signing key
// for the sign-in forms, the same on every server of the log.
type Ledger interface {
	Version(ctx context.Context, entities ...string) (int64, error)
	DeriveKey(label string) []byte
}

// Pages serves the HTML interface.
type Pages struct {
	Services
	Auth     *httpx.Auth
	Config   Config
	Log      *slog.Logger
	Ledger   Ledger
	Now      func() time.Time
	render   *web.Renderer
	names    nameCache
	loginKey []byte // the sign-in forms' CSRF key (logincsrf.go)
	dash     *dashboard.Service
}

// New builds the pages.
func New(svc Services, auth *httpx.Auth, ledger Ledger, cfg Config, now func() time.Time, log *slog.Logger) (*Pages, error) {
	render, err := web.NewRenderer(log)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Pages{Services: svc, Auth: auth, Config: cfg, Log: log, Ledger: ledger, Now: now, render: render, loginKey: ledger.DeriveKey(loginKeyLabel)}, nil
}

// Assets serves the embedded static files under /static/.
func (s *Pages) Assets() http.Handler { return s.render.Assets }

// Routes registers every page with page(method, pattern, handler).
func (s *Pages) Routes(page func(method, path string, h http.HandlerFunc)) {
	s.pageRoutes(page)
	s.mapPages(page)
	s.registryPages(page)
	s.dashboardPages(page)
	s.listPages(page)
	s.registryFormPages(page)
	s.searchPages(page)
	s.reviewPages(page)
	s.fusionModelPages(page)
}
