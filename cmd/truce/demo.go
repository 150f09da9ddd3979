package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/witness"
	"github.com/truce-monitoring/truce/internal/witnessclient"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "demo [--data DIR] [--db URL] [--addr HOST:PORT] [--no-serve]")
	dir := fs.String("data", "", "data directory for the demo (default: a new temporary directory); must be empty or new")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (a free port is chosen if this one is taken)")
	noServe := fs.Bool("no-serve", false, "load the scenario and exit")
	quiet := fs.Bool("quiet", false, "no progress on the terminal while the scenario loads")
	database := dbFlag(fs)
	level := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "truce-demo-")
		if err != nil {
			return err
		}
		*dir = d
	} else if entries, err := os.ReadDir(*dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("--data %s is not empty: the demo loads into a new directory", *dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := checkDB(fs, *database); err != nil {
		return err
	}
	log, err := newLogger(e.stderr, *level)
	if err != nil {
		return err
	}
	start := time.Now()
	// The witnesses need the log's origin and key, which opening the data
	// directory creates; the centre then opens again, asking them.
	first, err := app.Open(ctx, app.Config{Dir: *dir, Database: *database, Log: log, Version: version, Synchronous: "normal"})
	if err != nil {
		return err
	}
	keys, size := first.DB.Keys(), first.DB.Size()
	if err := first.Close(); err != nil {
		return err
	}
	if size > 0 {
		return fmt.Errorf("--db: the database already holds a log: the demo loads into a new one")
	}
	witnesses, policy, stopWitnesses, err := startDemoWitnesses(ctx, *dir, keys.Origin, keys.Public, log)
	if err != nil {
		return err
	}
	defer stopWitnesses() // after the centre's last submission (deferred calls run last first)
	// The loader's writes are many small transactions; "normal" keeps the
	// demo quick and the data directory is a throwaway one.
	a, err := app.Open(ctx, app.Config{Dir: *dir, Database: *database, Log: log, Version: version, Synchronous: "normal",
		Witnesses: witnesses, WitnessPolicy: policy})
	if err != nil {
		return err
	}
	defer a.Close()
	prog := newProgress(e, *quiet)
	stop := prog.watch(ctx, "demo: changes written", a.DB.Size)
	loaded, err := demo.Load(ctx, a.Services.Demo())
	stop()
	prog.done()
	if err != nil {
		return fmt.Errorf("load scenario: %w", err)
	}
	if err := a.MarkDemo(ctx); err != nil {
		return err
	}
	if err := a.DB.Checkpoint(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Demo scenario loaded into %s in %.2fs: %d organisations, 1 agreement with %d provisions, %d places, %d layers, %d changes in the log.\n",
		*dir, time.Since(start).Seconds(), len(loaded.Orgs), len(loaded.Provisions), len(loaded.Places), len(loaded.Layers), a.DB.Size())
	fmt.Fprintln(e.stdout, "This is a DEMO: records flagged illustrative are invented; people are fictitious.")
	fmt.Fprintf(e.stdout, "Two witnesses, one for each side, cosign every checkpoint (keys and state in %s; policy: both must cosign):\n", filepath.Join(*dir, demoWitnessDir))
	for _, w := range witnesses {
		fmt.Fprintf(e.stdout, "  %s at %s\n", w.Name, w.URL)
	}
	fmt.Fprintln(e.stdout, "Demo accounts (new passwords each run; sign in at /login, or create an API token with 'truce token create'):")
	for _, acc := range loaded.Accounts {
		fmt.Fprintf(e.stdout, "  %-13s %-26s %-13s %s\n", acc.Username, acc.Password, acc.Role, acc.Org)
	}
	if *noServe {
		return nil
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	// A token for the analyst, so that the API can be tried at once.
	var analyst demo.Account
	for _, acc := range loaded.Accounts {
		if acc.Username == "analyst" {
			analyst = acc
		}
	}
	_, token, err := a.Accounts.CreateToken(ctx, account.Operator(demo.Actor), analyst.ID, "demo", 24*time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Truce demo is serving on http://%s/ (Ctrl-C to stop); sign in at http://%s/login\n", ln.Addr(), ln.Addr())
	fmt.Fprintf(e.stdout, "An API token for the analyst (24 h): %s\n", token)
	fmt.Fprintf(e.stdout, "  try: curl -H 'Authorization: Bearer %s' 'http://%s/api/v1/provisions?agreement_id=%s'\n", token, ln.Addr(), loaded.Agreement)
	fmt.Fprintf(e.stdout, "       curl -H 'Authorization: Bearer %s' 'http://%s/api/v1/geo/locate?lat=39.7&lon=46.6'\n", token, ln.Addr())
	fmt.Fprintf(e.stdout, "       curl http://%s/log/checkpoint\n", ln.Addr())
	fmt.Fprint(e.stdout, demoTour(fmt.Sprintf("http://%s", ln.Addr()), *dir, *database))
	return a.Server.Run(ctx, ln)
}

// demoTour prints the demo's tour with the server's address.
func demoTour(base, dir, database string) string {
	var b strings.Builder
	b.WriteString("A tour (sign in as the account named; the language switcher is at the top):\n")
	for i, s := range demo.Tour {
		fmt.Fprintf(&b, "  %d. %-12s %s%s — %s\n", i+1, s.Account, base, s.Path, s.What)
	}
	db := ""
	if database != "" {
		db = " --db " + store.RedactURL(database)
	}
	fmt.Fprintf(&b, "  %d. then, in a shell: truce verify --data %s%s\n", len(demo.Tour)+1, dir, db)
	fmt.Fprintf(&b, "  %d. and check the log from outside, as a side would, with both witnesses' cosignatures:\n     truce audit --log %s --key-file %s --policy %s --state $(mktemp -d)\n",
		len(demo.Tour)+2, base, filepath.Join(dir, "log.pub"), filepath.Join(dir, demoWitnessDir, "policy"))
	return b.String()
}

// demoWitnessDir holds the demo's witnesses' keys and state and the
// policy, inside the demo's data directory.
const demoWitnessDir = "witnesses"

// demoSides name the demo's witnesses: one run by each side.
var demoSides = []struct{ dir, name string }{
	{"side-a", "witness-of-azerbaijan"},
	{"side-b", "witness-of-armenia"},
}

// startDemoWitnesses starts the demo's two witnesses on loopback ports,
// each with its own key and state, and returns them as the centre
// configures them, a 2-of-2 policy (also written to the witnesses'
// directory, for truce audit) and a function that stops them.
func startDemoWitnesses(ctx context.Context, dir, origin, logKey string, log *slog.Logger) ([]witnessclient.Witness, []byte, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stop := func() { cancel(); wg.Wait() }
	var out []witnessclient.Witness
	policy := "log " + logKey + "\n"
	for _, side := range demoSides {
		w, err := witness.Open(ctx, witness.Config{Dir: filepath.Join(dir, demoWitnessDir, side.dir), Name: side.name,
			Logs: []witness.Log{{Origin: origin, Keys: []string{logKey}}}, Log: log})
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Serve(ctx, ln); err != nil {
				log.Error("demo witness", "witness", w.Name(), "err", err)
			}
		}()
		cfg, err := witnessclient.ParseWitness("http://" + ln.Addr().String() + "=" + w.VerifierKey())
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		out = append(out, cfg)
		policy += fmt.Sprintf("witness %s %s %s\n", side.dir, w.VerifierKey(), cfg.URL)
	}
	policy += "group both 2 side-a side-b\nquorum both\n"
	if err := os.WriteFile(filepath.Join(dir, demoWitnessDir, "policy"), []byte(policy), 0o644); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return out, []byte(policy), stop, nil
}
