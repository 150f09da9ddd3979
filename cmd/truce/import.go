package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/exchange"
)

const importUsage = `Usage: truce import KIND [--format F] FILE --as USER [--dry-run] [--partial] --data DIR

KIND is allegations, observations, layers or places. The format is
guessed from the file's extension (.csv csv, .geojson/.json geojson,
.jsonl stream, .kml/.kmz kml, .gpkg gpkg) unless --format says it
(csv, geojson, acled, stream, kml, gpkg). FILE "-" reads standard input.

Everything is imported as --as, with that account's rights (a liaison
imports only in its own side's name), each record a change in the log
that names the file and its SHA-256. Records are known by their
external_id (or id): importing a file again changes nothing. Nothing is
written when any record is refused, unless --partial. --dry-run checks
and counts without writing.
`

// cmdImport imports a file of allegations, observations, layers or places.
func cmdImport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (!slices.Contains(exchange.ImportKinds, args[0]) && !isHelp(args[0])) {
		fmt.Fprint(e.stderr, importUsage)
		return exitCode(exitUsage)
	}
	kind := args[0]
	fs := newFlags(e, "import "+kind, "import "+kind+" [--format F] FILE --as USER --data DIR [--dry-run] [--partial]")
	if isHelp(kind) {
		// truce import -h: the usage, and the flags every kind takes.
		fs = newFlags(e, "import", strings.TrimSpace(strings.TrimPrefix(importUsage, "Usage: truce ")))
		args = []string{"", "-h"}
	}
	dir, database := dataFlags(fs)
	format := fs.String("format", "", "csv, geojson, acled, stream, kml or gpkg (default: from the file's extension)")
	as := fs.String("as", "", "the account the records are imported as (required)")
	dryRun := fs.Bool("dry-run", false, "check and count; write nothing")
	partial := fs.Bool("partial", false, "import the good records when some are refused (default: all or nothing)")
	quiet := fs.Bool("quiet", false, "no progress on the terminal")
	// FILE may come before, between or after the flags.
	files, err := parseInterspersed(fs, e, args[1:])
	if err != nil {
		return err
	}
	if err := fromEnv(fs, e); err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef(fs, "one FILE to import is required (- for standard input), not %d", len(files))
	}
	file := files[0]
	if *as == "" {
		return usagef(fs, "--as is required: the account the records are imported as")
	}
	if err := needData(fs, *dir, *database); err != nil {
		return err
	}
	if *format == "" {
		if *format = exchange.GuessFormat(file); *format == "" {
			return usagef(fs, "--format is required: the extension of %s says nothing", file)
		}
	}
	// The data directory first: a mistyped --data is said before the file
	// is read.
	a, err := openApp(ctx, fs, app.Config{Dir: *dir, Database: *database, Version: version})
	if err != nil {
		return err
	}
	defer a.Close()
	// The SHA-256 goes into every change, so it is computed first: a
	// file is read twice, standard input is kept in a temporary file.
	path, cleanup, err := localFile(file, e.stdin)
	if err != nil {
		return err
	}
	defer cleanup()
	digest, err := fileSHA256(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := exchange.ImportReader(*format, kind, f)
	if err != nil {
		return err
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	p, err := cliPrincipal(ctx, e, a, *as)
	if err != nil {
		return err
	}
	name := filepath.Base(file)
	if file == "-" {
		name = "standard input"
	}
	prog := newProgress(e, *quiet)
	opt := exchange.ImportOptions{DryRun: *dryRun, Partial: *partial, File: name, SHA256: digest, Progress: prog.count("import " + kind)}
	res, err := a.Exchange.Import(ctx, p, kind, r, opt)
	prog.done()
	printImport(e, kind, name, digest, res)
	if err != nil {
		if list := errs.All(err); len(list) > 0 {
			for _, le := range list {
				fmt.Fprintf(e.stderr, "%s\n", le.Error())
			}
			return exitCode(1)
		}
		return err
	}
	return nil
}

// cliPrincipal is the account the command acts as, reached through the
// data directory: its roles and organisation, by way of the command line.
func cliPrincipal(ctx context.Context, e *env, a *app.App, username string) (access.Principal, error) {
	u, err := a.Accounts.UserByName(ctx, account.Operator(cliActor(e)), username)
	if err != nil {
		return access.Principal{}, fmt.Errorf("--as %s: %w", username, err)
	}
	p := access.Principal{UserID: u.ID, Username: u.Username, Org: u.Org, Roles: u.Roles, Via: "cli"}
	if o, err := a.Agreements.GetOrganisation(ctx, access.System, u.Org); err == nil {
		p.OrgKind = o.Kind
	}
	return p, nil
}

// localFile is file's path, or for "-" a temporary copy of in.
func localFile(file string, in io.Reader) (string, func(), error) {
	if file != "-" {
		return file, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "truce-import-stdin-*")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, in); err != nil {
		cleanup()
		return "", nil, err
	}
	return tmp.Name(), cleanup, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func printImport(e *env, kind, name, digest string, res exchange.ImportResult) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s from %s (sha256 %s): read %d, created %d, unchanged %d, changed %d, refused %d", kind, name, digest, res.Read, res.Created, res.Unchanged, res.Changed, res.Refused)
	switch {
	case res.DryRun:
		b.WriteString(" (dry run: nothing written)")
	case res.Refused > 0 && res.Created == 0 && res.Changed == 0:
		b.WriteString(" (nothing written)")
	}
	fmt.Fprintln(e.stdout, b.String())
}
