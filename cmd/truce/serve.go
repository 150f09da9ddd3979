package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/fusionmodel"
	"github.com/truce-monitoring/truce/internal/server"
	"github.com/truce-monitoring/truce/internal/witnessclient"
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

// witnessList is the repeatable --witness flag.
type witnessList []witnessclient.Witness

func (l *witnessList) String() string {
	var s []string
	for _, w := range *l {
		s = append(s, w.URL+"="+w.Key)
	}
	return strings.Join(s, " ")
}

// Set takes one URL=KEY or several separated by spaces (TRUCE_WITNESS
// holds them all).
func (l *witnessList) Set(v string) error {
	for _, f := range strings.Fields(v) {
		w, err := witnessclient.ParseWitness(f)
		if err != nil {
			return err
		}
		*l = append(*l, w)
	}
	return nil
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve --data DIR [--db URL] [--addr HOST:PORT] [--witness URL=KEY ...] [--witness-policy FILE]")
	dir := fs.String("data", "", "data directory (made, with a new log, on first start; required)")
	database := dbFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	sync := fs.String("sync", "full", "SQLite synchronous mode: full (survives power loss) or normal (faster)")
	publicView := fs.Bool("public-view", false, "let requests without credentials read public records")
	insecure := fs.Bool("insecure-cookies", false, "send the session cookie over plain HTTP too (browsers accept Secure cookies over HTTP only from localhost)")
	freeTries := fs.Int("login-free-tries", account.DefaultLimits.FreeTries, "failed sign-ins of one account from one address before each further try must wait")
	freeTriesAddress := fs.Int("login-free-tries-address", account.DefaultLimits.FreeTriesAddress, "failed sign-ins from one address, any accounts, before each further try must wait")
	delay := fs.Duration("login-delay", account.DefaultLimits.Delay, "the first wait after the free tries; it doubles with each further failure")
	maxDelay := fs.Duration("login-delay-max", account.DefaultLimits.MaxDelay, "the longest wait between failed sign-ins")
	forget := fs.Duration("login-forget", account.DefaultLimits.Forget, "failed sign-ins are forgotten after this long without one")
	trusted := fs.String("trusted-proxy", "", "CIDR[,CIDR...] of reverse proxies whose X-Forwarded-For names the client (default none: the peer is the client)")
	idle := fs.Duration("session-idle", time.Hour, "a browser session ends after this long without use")
	maxAge := fs.Duration("session-max", 12*time.Hour, "a browser session ends this long after sign-in, whatever its use")
	var witnesses witnessList
	fs.Var(&witnesses, "witness", "a witness to submit each checkpoint to, as URL=VERIFIERKEY (the witness's prefix before /add-checkpoint and its key as truce witness prints it); repeatable, or several separated by spaces")
	witnessPolicy := fs.String("witness-policy", "", "a tlog-policy file (witness, group and quorum lines) saying which witnesses' cosignatures publish a checkpoint (default: all of them)")
	basemap := fs.String("basemap", "", "a PMTiles file (raster or vector tiles) the map shows under the embedded basemap, served at /basemap.pmtiles")
	refitAfter := fs.Int64("refit-after", 50, "refit the fusion model in the background after this many new review decisions (0: never on that count)")
	refitEvery := fs.Duration("refit-every", 24*time.Hour, "refit the fusion model in the background this long after the last fit, when decisions came since (0: never on time)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *refitAfter < 0 || *refitEvery < 0 {
		return fmt.Errorf("--refit-after and --refit-every must not be negative")
	}
	if *freeTries < 1 || *freeTriesAddress < 1 || *delay <= 0 || *maxDelay <= 0 || *forget <= 0 {
		return usagef(fs, "--login-free-tries, --login-free-tries-address, --login-delay, --login-delay-max and --login-forget must be positive")
	}
	if *maxDelay < *delay {
		return usagef(fs, "--login-delay-max (%v) must not be shorter than --login-delay (%v)", *maxDelay, *delay)
	}
	proxies, err := server.ParseTrustedProxies(*trusted)
	if err != nil {
		return usagef(fs, "--trusted-proxy: %v", err)
	}
	if *idle <= 0 || *maxAge < *idle {
		return usagef(fs, "--session-idle must be positive and not longer than --session-max")
	}
	if *dir == "" {
		return usagef(fs, "--data is required (or TRUCE_DATA)")
	}
	if err := checkDB(fs, *database); err != nil {
		return err
	}
	if *basemap != "" {
		if _, err := os.Stat(*basemap); err != nil {
			return fmt.Errorf("--basemap: %w", err)
		}
	}
	var policy []byte
	if *witnessPolicy != "" {
		if len(witnesses) == 0 {
			return usagef(fs, "--witness-policy needs at least one --witness")
		}
		if policy, err = os.ReadFile(*witnessPolicy); err != nil {
			return fmt.Errorf("--witness-policy: %w", err)
		}
	}
	log, err := newLogger(e.stderr, *level)
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, app.Config{Witnesses: witnesses, WitnessPolicy: policy, Dir: *dir, Database: *database, Log: log, Version: version, Synchronous: *sync, PublicView: *publicView, InsecureCookies: *insecure,
		Limits:      account.Limits{FreeTries: *freeTries, FreeTriesAddress: *freeTriesAddress, Delay: *delay, MaxDelay: *maxDelay, Forget: *forget},
		SessionIdle: *idle, SessionMax: *maxAge, Basemap: *basemap, TrustedProxies: proxies,
		Refit: fusionmodel.Schedule{After: *refitAfter, Every: *refitEvery}})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	if a.Witnesses != nil {
		for _, w := range witnesses {
			log.Info("submitting checkpoints to witness", "witness", w.Name, "url", w.URL)
		}
	}
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "data", *dir, "database", a.DB.Where(), "log_origin", a.DB.Keys().Origin)
	fmt.Fprintf(e.stdout, "Truce is serving on http://%s/\n", ln.Addr())
	return a.Server.Run(ctx, ln)
}
