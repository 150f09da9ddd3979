package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/app"
)

// Set with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "0.1.0-dev"
	commit  = ""
)

func buildCommit() string {
	if commit != "" {
		return commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return rev
		}
	}
	return "unknown"
}

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "version")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "truce %s (commit %s)\n", version, buildCommit())
	return nil
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve --data DIR [--addr HOST:PORT]")
	dir := fs.String("data", "", "data directory (created and initialised on first start)")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	sync := fs.String("sync", "full", "SQLite synchronous mode: full (survives power loss) or normal (faster)")
	publicView := fs.Bool("public-view", false, "let requests without credentials read public records")
	insecure := fs.Bool("insecure-cookies", false, "send the session cookie over plain HTTP too (browsers accept Secure cookies over HTTP only from localhost)")
	perAccount := fs.Int("login-limit-account", account.DefaultLimits.PerAccount, "failed sign-ins allowed per account in --login-window")
	perAddress := fs.Int("login-limit-address", account.DefaultLimits.PerAddress, "failed sign-ins allowed per address in --login-window")
	window := fs.Duration("login-window", account.DefaultLimits.Window, "window of the sign-in limits")
	idle := fs.Duration("session-idle", time.Hour, "a browser session ends after this long without use")
	maxAge := fs.Duration("session-max", 12*time.Hour, "a browser session ends this long after sign-in, whatever its use")
	basemap := fs.String("basemap", "", "a PMTiles file (raster or vector tiles) the map shows under the embedded basemap, served at /basemap.pmtiles")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *perAccount < 1 || *perAddress < 1 || *window <= 0 {
		return fmt.Errorf("--login-limit-account, --login-limit-address and --login-window must be positive")
	}
	if *idle <= 0 || *maxAge < *idle {
		return fmt.Errorf("--session-idle must be positive and not longer than --session-max")
	}
	if *dir == "" {
		return fmt.Errorf("--data is required (or TRUCE_DATA)")
	}
	if *basemap != "" {
		if _, err := os.Stat(*basemap); err != nil {
			return fmt.Errorf("--basemap: %w", err)
		}
	}
	log, err := newLogger(e.stderr, *level)
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, app.Config{Dir: *dir, Log: log, Version: version, Synchronous: *sync, PublicView: *publicView, InsecureCookies: *insecure,
		Limits: account.Limits{PerAccount: *perAccount, PerAddress: *perAddress, Window: *window}, SessionIdle: *idle, SessionMax: *maxAge, Basemap: *basemap})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "data", *dir, "log_origin", a.DB.Keys().Origin)
	fmt.Fprintf(e.stdout, "Truce is serving on http://%s/\n", ln.Addr())
	return a.Server.Run(ctx, ln)
}
