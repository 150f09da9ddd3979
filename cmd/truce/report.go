package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/store"
)

const reportUsage = `Usage: truce report daily|implementation|summary [flags]

  truce report daily --data DIR --date YYYY-MM-DD [--edition public|mission] [--format html|pdf|json|csv] [--out FILE]
  truce report implementation --data DIR --agreement ID [--date YYYY-MM-DD] ...
  truce report summary --data DIR --from YYYY-MM-DD --to YYYY-MM-DD ...

The public edition shows public records only; the mission edition is
generated as --user (default: a reader of mission material). Reports made
here are drafts: issuing (co-chair) is done through the API.
`

// cmdReport generates a report from a data directory.
func cmdReport(ctx context.Context, e *env, args []string) error {
	kind, args, err := subcommand(e, args, reportUsage)
	if err != nil {
		return err
	}
	if kind != report.KindDaily && kind != report.KindImplementation && kind != report.KindSummary {
		return unknownSub(e, "report", kind, reportUsage)
	}
	fs := newFlags(e, "report "+kind, "report "+kind+" --data DIR ...")
	dir, database := dataFlags(fs)
	date := fs.String("date", "", "daily: the reporting day; implementation: the day it is as of (default: today)")
	from := fs.String("from", "", "summary: first day")
	to := fs.String("to", "", "summary: last day (included)")
	agreementID := fs.String("agreement", "", "implementation: the agreement's id (default: the only agreement)")
	edition := fs.String("edition", report.EditionPublic, "public or mission")
	format := fs.String("format", report.FormatHTML, "html, pdf, json or csv")
	table := fs.String("table", "", "csv: the table to write (default: summary)")
	lang := fs.String("lang", report.DefaultLang, "the report's language: "+strings.Join(report.Languages(), ", "))
	out := fs.String("out", "", "file to write (default: standard output)")
	user := fs.String("user", "", "mission edition: generate as this account")
	zone := fs.String("zone", "Asia/Baku", "time zone of the cut-off")
	cutOff := fs.String("cut-off", "19:30", "daily cut-off time HH:MM in --zone")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	a, err := openApp(ctx, fs, app.Config{Dir: *dir, Database: *database, Version: version, Reports: report.Config{Zone: *zone, CutOff: *cutOff}})
	if err != nil {
		return err
	}
	defer a.Close()
	req := report.Request{Kind: kind, Date: *date, From: *from, To: *to, Agreement: *agreementID, Edition: *edition, Format: *format, Lang: *lang}
	if kind == report.KindImplementation {
		if req.Date == "" {
			req.Date = a.DB.Now().In(a.Reports.Zone()).Format("2006-01-02")
		}
		if req.Agreement == "" {
			page, err := a.Agreements.ListAgreements(ctx, access.System, store.PageRequest{Limit: 2})
			if err != nil {
				return err
			}
			if len(page.Items) != 1 {
				return fmt.Errorf("--agreement is required when there is not exactly one agreement")
			}
			req.Agreement = page.Items[0].ID
		}
	}
	if err := req.Validate(); err != nil {
		return err
	}
	// The command is run by whoever holds the data directory; the mission
	// edition reads what a mission reader (or --user) may read.
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
	rep, err := a.Reports.Generate(ctx, p, req)
	if err != nil {
		return err
	}
	r, err := report.Draft(rep, req.Format, *table)
	if err != nil {
		return err
	}
	var w io.Writer = e.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if _, err := w.Write(r.Data); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(e.stderr, "wrote %s (%d bytes)\n", *out, len(r.Data))
	}
	return nil
}
