// Package app builds a whole Truce from a data directory: the store, every
// domain service (each registers its projections), the API and the HTTP
// server. The command, the demo and the integration tests share it so that
// they cannot be wired differently.
package app

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/api"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/server"
	"github.com/truce-monitoring/truce/internal/store"
)

// Config is what an App is built from.
type Config struct {
	Dir         string
	Log         *slog.Logger
	Now         func() time.Time // nil: time.Now
	Rand        io.Reader        // nil: crypto/rand
	Version     string
	Synchronous string // "full" (default) or "normal"
}

// App is a running Truce.
type App struct {
	Services
	DB     *store.DB
	API    *api.Server
	Server *server.Server
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
	if c.Synchronous != "" {
		opts = append(opts, store.WithSynchronous(c.Synchronous))
	}
	db, err := store.Open(ctx, c.Dir, opts...)
	if err != nil {
		return nil, err
	}
	a := &App{DB: db, Services: newServices(db, c.Now)}
	a.API = api.New(api.Deps{DB: db, Agreements: a.Agreements, Geo: a.Geo, Log: c.Log, Version: c.Version, Now: c.Now})
	a.Server = server.New(db, a.API, c.Log)
	return a, nil
}

// OpenForAudit opens a data directory for truce verify with every
// projection registered, trusting nothing in it.
func OpenForAudit(ctx context.Context, dir string) (*store.DB, error) {
	db, err := store.OpenForAudit(ctx, dir)
	if err != nil {
		return nil, err
	}
	newServices(db, time.Now) // registers every projection
	return db, nil
}

// Services are the domain services. Constructing them registers their
// projections with the store.
type Services struct {
	Agreements *agreement.Service
	Geo        *geo.Service
}

func newServices(db *store.DB, now func() time.Time) Services {
	return Services{
		Agreements: agreement.New(db, agreement.WithClock(now)),
		Geo:        geo.New(db, agreement.CheckOrganisation),
	}
}

// Close closes the database (signing a last checkpoint).
func (a *App) Close() error { return a.DB.Close() }
