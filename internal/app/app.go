// Package app builds a whole Truce from a data directory: the store, every
// domain service (each registers its projections), the API and the HTTP
// server. The command, the demo and the integration tests share it so that
// they cannot be wired differently.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/api"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/exchange"
	"github.com/truce-monitoring/truce/internal/fusionmodel"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mapview"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/proof"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/report/registries"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/search"
	"github.com/truce-monitoring/truce/internal/server"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/transit"
	"github.com/truce-monitoring/truce/internal/witnessclient"
)

// Config is what an App is built from.
type Config struct {
	// Dir is the data directory: the log's keys, attachments and reports,
	// and the SQLite database unless Database is set.
	Dir string
	// Database is a PostgreSQL URL (postgres://...) for the database; ""
	// keeps it in SQLite in Dir.
	Database string
	// Existing refuses a data directory (or database) that holds no log
	// instead of starting one there (store.WithExisting). Every command
	// but those that start a log (serve, demo, init) sets it.
	Existing    bool
	Log         *slog.Logger
	Now         func() time.Time // nil: time.Now
	Rand        io.Reader        // nil: crypto/rand
	Version     string
	Synchronous string // "full" (default) or "normal"
	// WriterCacheMiB is SQLite's writer page cache (0: the default,
	// 64 MiB): large for a bulk load (store.WithWriterCacheMiB).
	WriterCacheMiB int
	// PublicView lets requests without credentials read public records.
	PublicView bool
	// InsecureCookies drops the Secure flag from the session cookie, for a
	// server reached over plain HTTP on a network (browsers accept Secure
	// cookies over plain HTTP only from localhost).
	InsecureCookies bool
	// Limits are the sign-in rate limits; zero fields keep the defaults.
	Limits account.Limits
	// SessionIdle and SessionMax end browser sessions (zero: 1 h and 12 h).
	SessionIdle, SessionMax time.Duration
	// Reports sets the daily reports' cut-off time, time zone and mission name.
	Reports report.Config
	// Basemap is an operator's PMTiles file for the map; "" for none.
	Basemap string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; none by default.
	TrustedProxies []netip.Prefix
	// Witnesses are the witnesses each checkpoint is submitted to; none by
	// default. WitnessPolicy (a tlog-policy file) says which cosignatures
	// publish a checkpoint; nil: all of them.
	Witnesses     []witnessclient.Witness
	WitnessPolicy []byte
	// WitnessBackoff bounds the wait before a failed witness is asked
	// again (zero: 1 s to 5 min).
	WitnessBackoff [2]time.Duration
	// FitModel fits the mission's fusion model; nil: fusion.Fit.
	FitModel fusionmodel.FitFunc
	// Refit, when it has a trigger, refits the fusion model in the
	// background while the app is open (RunRefit); off by default.
	Refit fusionmodel.Schedule
}

// App is a running Truce.
type App struct {
	Services
	DB        *store.DB
	Witnesses *witnessclient.Service // nil without witnesses
	Search    *search.Service
	Exchange  *exchange.Service // exports and imports: GeoJSON, GeoPackage, KML, CSV…
	log       *slog.Logger
	// stopRefit ends the fusion model's background refit and waits for it.
	stopRefit func()
	API       *api.Server
	Server    *server.Server
}

// Open opens the data directory and builds everything on it.
func Open(ctx context.Context, c Config) (*App, error) {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	opts := []store.Option{store.WithClock(c.Now), store.WithLogger(c.Log)}
	if c.Rand != nil {
		opts = append(opts, store.WithRand(c.Rand))
	}
	if c.WriterCacheMiB > 0 {
		opts = append(opts, store.WithWriterCacheMiB(c.WriterCacheMiB))
	}
	if c.Synchronous != "" {
		opts = append(opts, store.WithSynchronous(c.Synchronous))
	}
	if c.Database != "" {
		opts = append(opts, store.WithDatabase(c.Database))
	}
	if c.Existing {
		opts = append(opts, store.WithExisting())
	}
	db, err := store.Open(ctx, c.Dir, opts...)
	if err != nil {
		return nil, err
	}
	a := &App{DB: db, log: c.Log, Services: newServices(db, c.Now, c.Log, c.Limits, c.SessionIdle, c.SessionMax, c.FitModel)}
	if err := a.Reports.Configure(c.Reports); err != nil {
		db.Close()
		return nil, err
	}
	demo, err := IsDemo(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	records := a.Services.kinds(db)
	a.Exchange = exchange.New(exchange.Deps{Agreements: a.Agreements, Geo: a.Geo, Incidents: a.Incidents, Mines: a.Mines, Detainees: a.Detainees, Returns: a.Returns, Transit: a.Transit, Now: c.Now})
	a.Search = search.New(db, records, c.Log)
	if _, err := a.Search.Backfill(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if len(c.Witnesses) > 0 {
		a.Witnesses, err = witnessclient.New(ctx, db, witnessclient.Config{Witnesses: c.Witnesses, Policy: c.WitnessPolicy, Log: c.Log, Now: c.Now,
			MinBackoff: c.WitnessBackoff[0], MaxBackoff: c.WitnessBackoff[1]})
		if err != nil {
			db.Close()
			return nil, err
		}
		a.Witnesses.Start()
	}
	var proofOpts []proof.Option
	if a.Witnesses != nil {
		keys := make([]string, len(c.Witnesses))
		for i, w := range c.Witnesses {
			keys[i] = w.Key
		}
		proofOpts = append(proofOpts, proof.WithCosigners(func() []string { return keys }), proof.WithPublished(a.Witnesses.Published))
	}
	a.API = api.New(api.Deps{Ledger: db, Records: records, Map: mapview.New(a.Geo, a.Incidents, a.Agreements, a.Mines, a.Transit, c.Now), Agreements: a.Agreements, Geo: a.Geo, Accounts: a.Accounts, Incidents: a.Incidents, Statements: a.Statements, Mines: a.Mines, Detainees: a.Detainees, Returns: a.Returns, Transit: a.Transit, Reports: a.Reports, FusionModel: a.FusionModel, Search: a.Search, Exchange: a.Exchange, Proofs: proof.New(db, records, a.Reports, proofOpts...), Log: c.Log, Version: c.Version, Now: c.Now,
		Witnesses: a.Witnesses, SecureCookies: !c.InsecureCookies, Demo: demo})
	if a.Server, err = server.New(db, a.API, a.Accounts, server.Config{PublicView: c.PublicView, SecureCookies: !c.InsecureCookies, Demo: demo, Basemap: c.Basemap, TrustedProxies: c.TrustedProxies}, c.Log); err != nil {
		db.Close()
		return nil, err
	}
	a.stopRefit = func() {}
	if c.FitModel != nil && (c.Refit.After > 0 || c.Refit.Every > 0) {
		rctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.FusionModel.Run(rctx, c.Refit, func(format string, args ...any) { c.Log.Error(fmt.Sprintf(format, args...)) })
		}()
		a.stopRefit = func() { cancel(); <-done }
	}
	return a, nil
}

// OpenForAudit opens a data directory (and the PostgreSQL database at
// database, unless it is "") for truce verify with every projection
// registered, trusting nothing in it.
func OpenForAudit(ctx context.Context, dir, database string) (*store.DB, error) {
	var opts []store.Option
	if database != "" {
		opts = append(opts, store.WithDatabase(database))
	}
	db, err := store.OpenForAudit(ctx, dir, opts...)
	if err != nil {
		return nil, err
	}
	newServices(db, time.Now, slog.New(slog.DiscardHandler), account.Limits{}, 0, 0, nil).kinds(db) // registers every projection and the search index
	return db, nil
}

// Services are the domain services. Constructing them registers their
// projections with the store.
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
	// FusionModel is the mission's fusion model, which the review
	// queue's proposals use.
	FusionModel *fusionmodel.Service
}

func newServices(db *store.DB, now func() time.Time, log *slog.Logger, limits account.Limits, idle, max time.Duration, fit fusionmodel.FitFunc) Services {
	opts := []account.Option{account.WithClock(now), account.WithLimits(limits)}
	if idle > 0 || max > 0 {
		opts = append(opts, account.WithSessionLifetime(idle, max))
	}
	g := geo.New(db, agreement.CheckOrganisation)
	inc := incident.New(db, g, incident.WithClock(now), incident.WithReplaceLog(func(n int, err error) {
		if err != nil {
			log.Error("placing records on the changed layers", "err", err, "changed", n)
			return
		}
		log.Info("records placed on the changed layers", "changed", n)
	}))
	g.OnLayersChanged(inc.ReplaceSoon)
	ag := agreement.New(db, agreement.WithClock(now))
	det := detainee.New(db, detainee.WithClock(now))
	mn := mines.New(db, mines.WithClock(now), mines.WithExchangeCheck(det.ExchangeExists))
	ret := returns.New(db, returns.WithClock(now))
	tr := transit.New(db, g, transit.WithClock(now))
	regs := registries.New(ag, det, mn, ret, tr)
	fm := fusionmodel.New(db, inc, fit)
	inc.SetModelParams(fm.Params)
	return Services{
		FusionModel: fm,
		Agreements:  ag,
		Statements:  statement.New(db, ag, statement.WithClock(now)),
		Geo:         g,
		Accounts:    account.New(db, opts...),
		Incidents:   inc,
		Mines:       mn,
		Detainees:   det,
		Returns:     ret,
		Transit:     tr,
		Reports:     report.New(db, inc, ag, g, report.WithClock(now), report.WithHumanitarian(regs), report.WithEvidence(regs)),
	}
}

// kinds registers every domain package's kinds of record: the registry
// the history and the log's openings read through, the kinds that may be
// linked to a provision as evidence, and the search index of the kinds
// that declare texts.
func (s Services) kinds(db *store.DB) *record.Registry {
	records := record.NewRegistry(db, s.Agreements.Kinds(), s.Geo.Kinds(), s.Accounts.Kinds(), s.Incidents.Kinds(), s.Statements.Kinds(),
		s.Mines.Kinds(), s.Detainees.Kinds(), s.Returns.Kinds(), s.Transit.Kinds(), s.Reports.Kinds(), s.FusionModel.Kinds())
	for _, k := range records.Kinds() {
		if k.Evidence != nil {
			s.Agreements.RegisterEvidenceKind(k.Entity, k.Evidence)
		}
	}
	search.Register(db, records.Kinds())
	return records
}

// IsDemo reports whether the data directory holds the built-in demo.
func IsDemo(ctx context.Context, db *store.DB) (bool, error) {
	var v string
	err := db.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'demo'`).Scan(&v)
	if store.IsNoRows(err) {
		return false, nil
	}
	return v == "true", err
}

// MarkDemo records that the directory holds the demo; the API and the
// pages say so from then on. Call it before serving.
func (a *App) MarkDemo(ctx context.Context) error {
	if err := a.DB.SetMeta(ctx, "demo", "true"); err != nil {
		return err
	}
	a.API.Demo = true
	a.Server.MarkDemo()
	return nil
}

// Close stops background work and closes the database (signing a last
// checkpoint).
func (a *App) Close() error {
	if a.stopRefit != nil {
		a.stopRefit()
	}
	a.Incidents.Close()
	if a.Witnesses != nil {
		// The last checkpoint, then a last round of submissions so that
		// the witnesses see it, bounded: a witness that is down does not
		// hold up the shutdown.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := a.DB.Checkpoint(ctx); err != nil {
			a.log.Error("sign the last checkpoint", "err", err)
		}
		a.Witnesses.Close(ctx)
		cancel()
	}
	return a.DB.Close()
}

// Demo returns the services the built-in scenario writes through.
func (s Services) Demo() demo.Services {
	return demo.Services{Agreements: s.Agreements, Geo: s.Geo, Accounts: s.Accounts, Incidents: s.Incidents, Statements: s.Statements, Mines: s.Mines, Detainees: s.Detainees, Returns: s.Returns, Transit: s.Transit}
}
