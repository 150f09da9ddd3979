package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/store"
)

const userUsage = `Usage: truce user <command> --data DIR [flags]

  add             --name NAME --org ORG --role ROLE[,ROLE] [--display TEXT] [--password-stdin]
  list
  disable         --name NAME
  reset-password  --name NAME [--password-stdin]
  roles           --name NAME --role ROLE[,ROLE] [--org ORG]

ORG is an organisation id or its short name. Roles: admin, co_chair, monitor,
analyst, liaison (alone, in a side's organisation), humanitarian, observer.
Without --password-stdin a random password is generated and printed once.
Run 'truce user <command> -h' for its flags.
`

// userSubs and tokenSubs are the subcommands, in the order of their usage.
var (
	userSubs  = []string{"add", "list", "disable", "reset-password", "roles"}
	tokenSubs = []string{"create", "list", "revoke"}
)

const tokenUsage = `Usage: truce token <command> --data DIR [flags]

  create  --user NAME [--name LABEL] [--expires DURATION]   prints the token once
  list    [--user NAME]
  revoke  --id TOKEN_ID

Run 'truce token <command> -h' for its flags.
`

// cliActor is who the change log says made a change from the command line.
//
// The command line is the operator at the server: whoever runs it holds the
// data directory, so the database with every record in the clear and the
// log's signing key. Restricting it would protect nothing, and it is how
// the first accounts come to exist, so the account service lets its
// principal (account.Operator) do every account action at once: create any
// account, grant any role (no co-chair's approval), reset any password,
// make a token for any user. Every such change is attributed in the log to
// "cli:$USER" with via "cli", where the co-chairs and an audit see it.
func cliActor(e *env) store.Actor {
	who := e.getenv("USER")
	if who == "" {
		who = "unknown"
	}
	return store.Actor{User: "cli:" + who, Via: "cli"}
}

// readPassword reads one line from standard input.
func readPassword(e *env) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// findOrg accepts an organisation id or a (short) name.
func findOrg(ctx context.Context, a *app.App, s string) (string, error) {
	if o, err := a.Agreements.GetOrganisation(ctx, access.System, s); err == nil {
		return o.ID, nil
	}
	page := store.PageRequest{Limit: store.MaxLimit}
	for {
		p, err := a.Agreements.ListOrganisations(ctx, access.System, agreement.OrganisationFilter{}, page)
		if err != nil {
			return "", err
		}
		for _, o := range p.Items {
			if strings.EqualFold(o.ShortName, s) || strings.EqualFold(o.Name, s) {
				return o.ID, nil
			}
		}
		if p.Next == "" {
			return "", fmt.Errorf("--org: no organisation %q", s)
		}
		page.Cursor = p.Next
	}
}

func parseRoles(s string) ([]access.Role, error) {
	var roles []access.Role
	for _, r := range strings.Split(s, ",") {
		role, err := access.ParseRole("--role", strings.TrimSpace(r))
		if err != nil {
			return nil, err
		}
		roles = append(roles, role)
	}
	return roles, nil
}

func cmdUser(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand(e, args, userUsage)
	if err != nil {
		return err
	}
	synopsis := map[string]string{
		"add":            "user add --data DIR --name NAME --org ORG --role ROLE[,ROLE] [--display TEXT] [--password-stdin]",
		"list":           "user list --data DIR",
		"disable":        "user disable --data DIR --name NAME",
		"reset-password": "user reset-password --data DIR --name NAME [--password-stdin]",
		"roles":          "user roles --data DIR --name NAME --role ROLE[,ROLE] [--org ORG]",
	}[sub]
	if synopsis == "" {
		return unknownSub(e, "user", sub, userUsage)
	}
	fs := newFlags(e, "user "+sub, synopsis)
	dir, database := dataFlags(fs)
	var name, org, role, display *string
	var stdinPass *bool
	if sub != "list" {
		name = fs.String("name", "", "user name (required)")
	}
	switch sub {
	case "add":
		org = fs.String("org", "", "organisation id or short name (required)")
		role = fs.String("role", "", "roles, comma-separated (required)")
		display = fs.String("display", "", "display name (default: the user name)")
	case "roles":
		role = fs.String("role", "", "roles, comma-separated (required): they replace the user's roles")
		org = fs.String("org", "", "move the user to this organisation (id or short name)")
	}
	if sub == "add" || sub == "reset-password" {
		stdinPass = fs.Bool("password-stdin", false, "read the password from the first line of standard input (default: a random one, printed once)")
	}
	if err := parse(fs, e, args); err != nil {
		return err
	}
	switch {
	case name != nil && *name == "":
		return usagef(fs, "--name is required")
	case sub == "add" && (*org == "" || *role == ""):
		return usagef(fs, "--org and --role are required")
	case sub == "roles" && *role == "":
		return usagef(fs, "--role is required")
	}
	a, err := openApp(ctx, fs, app.Config{Dir: *dir, Database: *database})
	if err != nil {
		return err
	}
	defer a.Close()
	operator := account.Operator(cliActor(e))
	password := func() (string, bool, error) {
		if *stdinPass {
			p, err := readPassword(e)
			return p, false, err
		}
		return account.GeneratePassword(), true, nil
	}
	byName := func() (account.User, error) { return a.Accounts.UserByName(ctx, operator, *name) }
	switch sub {
	case "add":
		orgID, err := findOrg(ctx, a, *org)
		if err != nil {
			return err
		}
		roles, err := parseRoles(*role)
		if err != nil {
			return err
		}
		pw, generated, err := password()
		if err != nil {
			return err
		}
		if *display == "" {
			*display = *name
		}
		u, _, err := a.Accounts.CreateUser(ctx, operator, account.UserInput{Username: *name, DisplayName: *display, Org: orgID, Roles: roles}, pw)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created user %s (%s)\n", u.Username, u.ID)
		if generated {
			fmt.Fprintf(e.stdout, "password: %s\n", pw)
		}
	case "list":
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "USER\tID\tORG\tROLES\tSTATUS")
		page := store.PageRequest{Limit: store.MaxLimit}
		for {
			p, err := a.Accounts.ListUsers(ctx, operator, page)
			if err != nil {
				return err
			}
			for _, u := range p.Items {
				status := "active"
				if u.Disabled {
					status = "disabled"
				}
				roles := make([]string, len(u.Roles))
				for i, r := range u.Roles {
					roles[i] = string(r)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.ID, u.Org, strings.Join(roles, ","), status)
			}
			if p.Next == "" {
				break
			}
			page.Cursor = p.Next
		}
		return w.Flush()
	case "disable":
		u, err := byName()
		if err != nil {
			return err
		}
		if _, err := a.Accounts.DisableUser(ctx, operator, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "disabled %s; its sessions are ended\n", u.Username)
	case "reset-password":
		u, err := byName()
		if err != nil {
			return err
		}
		pw, generated, err := password()
		if err != nil {
			return err
		}
		if err := a.Accounts.ResetPassword(ctx, operator, u.ID, pw); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s reset; its sessions are ended\n", u.Username)
		if generated {
			fmt.Fprintf(e.stdout, "password: %s\n", pw)
		}
	case "roles":
		u, err := byName()
		if err != nil {
			return err
		}
		roles, err := parseRoles(*role)
		if err != nil {
			return err
		}
		in := account.UserInput{Username: u.Username, DisplayName: u.DisplayName, Org: u.Org, Roles: roles, Disabled: u.Disabled, Language: u.Language}
		if *org != "" {
			if in.Org, err = findOrg(ctx, a, *org); err != nil {
				return err
			}
		}
		if _, _, err := a.Accounts.UpdateUser(ctx, operator, u.ID, u.Version, in); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "roles of %s set to %s\n", u.Username, *role)
	}
	return nil
}

func cmdToken(ctx context.Context, e *env, args []string) error {
	sub, args, err := subcommand(e, args, tokenUsage)
	if err != nil {
		return err
	}
	synopsis := map[string]string{
		"create": "token create --data DIR --user NAME [--name LABEL] [--expires DURATION]",
		"list":   "token list --data DIR [--user NAME]",
		"revoke": "token revoke --data DIR --id TOKEN_ID",
	}[sub]
	if synopsis == "" {
		return unknownSub(e, "token", sub, tokenUsage)
	}
	fs := newFlags(e, "token "+sub, synopsis)
	dir, database := dataFlags(fs)
	var user, label, id *string
	var expires *time.Duration
	switch sub {
	case "create":
		user = fs.String("user", "", "the user the token acts as (required)")
		label = fs.String("name", "cli", "a label for the token")
		expires = fs.Duration("expires", 0, "lifetime, e.g. 720h (default: never expires)")
	case "list":
		user = fs.String("user", "", "only this user's tokens")
	case "revoke":
		id = fs.String("id", "", "the token's id, as token list shows it (required)")
	}
	if err := parse(fs, e, args); err != nil {
		return err
	}
	switch {
	case sub == "create" && *user == "":
		return usagef(fs, "--user is required")
	case sub == "create" && *expires < 0:
		return usagef(fs, "--expires must not be negative")
	case sub == "revoke" && *id == "":
		return usagef(fs, "--id is required")
	}
	a, err := openApp(ctx, fs, app.Config{Dir: *dir, Database: *database})
	if err != nil {
		return err
	}
	defer a.Close()
	operator := account.Operator(cliActor(e))
	switch sub {
	case "create":
		u, err := a.Accounts.UserByName(ctx, operator, *user)
		if err != nil {
			return err
		}
		t, secret, err := a.Accounts.CreateToken(ctx, operator, u.ID, *label, *expires)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "token %s for %s", t.ID, u.Username)
		if t.ExpiresAt != nil {
			fmt.Fprintf(e.stderr, ", expires %s", t.ExpiresAt.Format(time.RFC3339))
		}
		fmt.Fprintln(e.stderr, " (shown once; send it as 'Authorization: Bearer <token>'):")
		fmt.Fprintln(e.stdout, secret)
	case "list":
		var users []account.User
		if *user != "" {
			u, err := a.Accounts.UserByName(ctx, operator, *user)
			if err != nil {
				return err
			}
			users = []account.User{u}
		} else {
			p, err := a.Accounts.ListUsers(ctx, operator, store.PageRequest{Limit: store.MaxLimit})
			if err != nil {
				return err
			}
			users = p.Items
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "TOKEN\tUSER\tNAME\tCREATED\tEXPIRES\tSTATUS")
		for _, u := range users {
			ts, err := a.Accounts.ListTokens(ctx, operator, u.ID)
			if err != nil {
				return err
			}
			for _, t := range ts {
				exp, status := "never", "active"
				if t.ExpiresAt != nil {
					exp = t.ExpiresAt.Format(time.RFC3339)
				}
				if t.RevokedAt != nil {
					status = "revoked"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, u.Username, t.Name, t.CreatedAt.Format(time.RFC3339), exp, status)
			}
		}
		return w.Flush()
	case "revoke":
		if _, err := a.Accounts.RevokeToken(ctx, operator, *id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", *id)
	}
	return nil
}
