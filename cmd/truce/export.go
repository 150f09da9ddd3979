package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/exchange"
)

const exportUsage = `Usage: truce export KIND --data DIR [--format F] [--filter k=v ...] [--out FILE] [--user NAME]

  KIND    %s
  F       %s (default geojson)

Filters are those of the kind's list in the API (e.g. --filter category=heavy_weapons_fire
--filter from=2021-06-01); several may be given, or one as a query string (k=v&k2=v2).
The export reads what --user may read (default: a reader of mission material, who sees
no personal data). The file is written whole or not at all.
`

// filterFlag collects --filter k=v, repeatable.
type filterFlag struct{ v url.Values }

func (f *filterFlag) String() string { return f.v.Encode() }

func (f *filterFlag) Set(s string) error {
	q, err := url.ParseQuery(s)
	if err != nil || len(q) == 0 || !strings.Contains(s, "=") {
		return fmt.Errorf("%q is not k=v", s)
	}
	for k, vs := range q {
		f.v[k] = append(f.v[k], vs...)
	}
	return nil
}

// cmdExport exports one kind of record to a file.
func cmdExport(ctx context.Context, e *env, args []string) error {
	kinds := strings.Join(exchange.Kinds(), ", ")
	if len(args) == 0 || (strings.HasPrefix(args[0], "-") && !isHelp(args[0])) {
		fmt.Fprintf(e.stderr, exportUsage, kinds, strings.Join(exchange.ExportFormats, ", "))
		return exitCode(exitUsage)
	}
	kind := args[0]
	fs := newFlags(e, "export "+kind, "export "+kind+" --data DIR [--format F] [--filter k=v ...] [--out FILE] [--user NAME]")
	if isHelp(kind) {
		// truce export -h: the usage, and the flags every kind takes.
		fs = newFlags(e, "export", strings.TrimSpace(fmt.Sprintf(strings.TrimPrefix(exportUsage, "Usage: truce "), kinds, strings.Join(exchange.ExportFormats, ", "))))
		args = args[1:]
	}
	dir, database := dataFlags(fs)
	format := fs.String("format", exchange.FormatGeoJSON, strings.Join(exchange.ExportFormats, ", "))
	filter := &filterFlag{v: url.Values{}}
	fs.Var(filter, "filter", "a list filter k=v; repeatable")
	out := fs.String("out", "", "file to write (default: standard output)")
	user := fs.String("user", "", "export as this account: what it may read")
	quiet := fs.Bool("quiet", false, "no progress on the terminal")
	if isHelp(kind) {
		parse(fs, e, []string{"-h"})
		return exitCode(exitOK)
	}
	if err := parse(fs, e, args[1:]); err != nil {
		return err
	}
	if !slices.Contains(exchange.Kinds(), kind) {
		return usagef(nil, "unknown kind %q: want one of %s", kind, kinds)
	}
	a, err := openApp(ctx, fs, app.Config{Dir: *dir, Database: *database})
	if err != nil {
		return err
	}
	defer a.Close()
	// As truce report: the command is run by whoever holds the data
	// directory, and reads what a mission reader (or --user) may read.
	p := access.Principal{UserID: "cli", Username: "cli", Roles: []access.Role{access.Observer}, Via: "cli"}
	if *user != "" {
		u, err := a.Accounts.UserByName(ctx, account.Operator(cliActor(e)), *user)
		if err != nil {
			return err
		}
		p = access.Principal{UserID: u.ID, Username: u.Username, Org: u.Org, Roles: u.Roles, Via: "cli"}
		if o, err := a.Agreements.GetOrganisation(ctx, access.System, u.Org); err == nil {
			p.OrgKind = o.Kind
		}
	}
	req := exchange.ExportRequest{Kind: kind, Format: *format, Filter: filter.v}
	if _, err := a.Exchange.Plan(p, req); err != nil {
		return err
	}
	prog := newProgress(e, *quiet)
	req.Progress = prog.count("export " + kind + ": rows")
	var w io.Writer = e.stdout
	var tmp *os.File
	if *out != "" && *out != "-" {
		// A temporary file beside the target, renamed when complete: a
		// failed export leaves no half file.
		if tmp, err = os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*"); err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		w = tmp
	}
	n, err := a.Exchange.Export(ctx, p, req, w)
	prog.done()
	if err != nil {
		return err
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), *out); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "wrote %s (%d %s)\n", *out, n, plural(n, "row", "rows"))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
