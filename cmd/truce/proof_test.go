package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/ledger"
)

// serveReports serves a new log in which a co-chair issued the public
// and the mission edition of a daily report, with changes before and
// after, and returns its URL and data directory.
func serveReports(t *testing.T) (string, string) {
	return serveApp(t, func(ctx context.Context, a *app.App) {
		writeOrganisation(t, ctx, a, "org_a", agreement.OrganisationBody{Name: "org_a", Kind: "media"})
		cochair := access.Principal{UserID: "usr_cochair", Username: "cochair", Org: "org_centre", Roles: []access.Role{access.CoChair}, Via: "cli"}
		for _, id := range []string{"daily-2021-06-12-public", "daily-2021-06-12-mission"} {
			if _, err := a.Reports.Issue(ctx, cochair, id); err != nil {
				t.Fatal(err)
			}
		}
		writeOrganisation(t, ctx, a, "org_b", agreement.OrganisationBody{Name: "org_b", Kind: "media"})
	})
}

func getStatus(t *testing.T, url string) (int, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// Without an account: an issued public report's files, data, proof and
// bundle; nothing of the mission edition, of a report not issued, or of a
// change by its seq. Then the bundle is checked offline.
func TestProofVerifyCommand(t *testing.T) {
	url, dir := serveReports(t)
	pub := url + "/api/v1/reports/daily-2021-06-12-public"
	save := func(name string, b []byte) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	paths := map[string]string{}
	for _, p := range []string{"?format=pdf", "/download?format=json", "/download?format=csv", "/proof", "/bundle"} {
		code, b := getStatus(t, pub+p)
		if code != http.StatusOK {
			t.Fatalf("anonymous GET %s: %d %s", p, code, b)
		}
		paths[p] = save(strings.NewReplacer("/", "", "?", "", "=", "").Replace(p), b)
	}
	for _, p := range []string{
		"/api/v1/reports/daily-2021-06-12-mission?format=pdf", "/api/v1/reports/daily-2021-06-12-mission/download?format=json",
		"/api/v1/reports/daily-2021-06-12-mission/proof", "/api/v1/reports/daily-2021-06-12-mission/bundle",
		"/api/v1/reports/daily-2021-06-11-public?format=html", "/api/v1/reports/daily-2021-06-11-public/bundle",
		"/api/v1/log/bundle?seq=1", "/api/v1/log/opening?seq=1", "/api/v1/history/report/daily-2021-06-12-mission",
	} {
		if code, b := getStatus(t, url+p); code != http.StatusUnauthorized && code != http.StatusNotFound {
			t.Errorf("anonymous GET %s: %d %s, want 401 or 404", p, code, b)
		} else if strings.Contains(string(b), "data_sha256") {
			t.Errorf("anonymous GET %s: %s", p, b)
		}
	}

	keyFile := filepath.Join(dir, ledger.VerifierKeyFile)
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	bundle := paths["/bundle"]
	code, out, errOut := runCmd(t, nil, "proof", "verify", bundle, "--key", keyFile, "--file", paths["?format=pdf"], "--file", paths["/download?format=json"], "--file", paths["/download?format=csv"])
	if code != 0 || !strings.Contains(out, "change:     log entry 1: report daily-2021-06-12-public version 1") ||
		!strings.Contains(out, "footer:     after checkpoint 1 root") || !strings.Contains(out, "is the report's pdf") || !strings.Contains(out, "is the report's csv table") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
	// The key as text, flags before the file; a policy with no witness.
	policy := save("policy", []byte("log "+string(key)+"quorum none\n"))
	if code, out, errOut := runCmd(t, nil, "proof", "verify", "--key", strings.TrimSpace(string(key)), bundle); code != 0 {
		t.Fatalf("verify with the key as text: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, nil, "proof", "verify", "--policy", policy, bundle); code != 0 {
		t.Fatalf("verify with a policy: exit %d\n%s%s", code, out, errOut)
	}
	// A byte changed: exit 1.
	b, _ := os.ReadFile(bundle)
	b[len(b)/2] ^= 1
	if code, out, errOut := runCmd(t, nil, "proof", "verify", save("changed", b), "--key", keyFile); code != 1 || !strings.Contains(errOut, "proof fails") {
		t.Fatalf("a changed bundle: exit %d\n%s%s", code, out, errOut)
	}
	// A file that is not the report's: exit 1.
	if code, out, errOut := runCmd(t, nil, "proof", "verify", bundle, "--key", keyFile, "--file", paths["/proof"]); code != 1 || !strings.Contains(errOut, "not one of the report's files") {
		t.Fatalf("a stranger file: exit %d\n%s%s", code, out, errOut)
	}
	// Usage: exit 2.
	for _, args := range [][]string{
		{"proof"}, {"proof", "check"}, {"proof", "verify", bundle}, {"proof", "verify", "--key", keyFile},
		{"proof", "verify", bundle, bundle, "--key", keyFile}, {"proof", "verify", bundle, "--key", "not a key"},
		{"proof", "verify", filepath.Join(dir, "missing"), "--key", keyFile}, {"proof", "verify", bundle, "--key", keyFile, "--file", filepath.Join(dir, "missing")},
		{"proof", "verify", bundle, "--key", keyFile, "--policy", keyFile},
	} {
		if code, out, errOut := runCmd(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, code, out, errOut)
		}
	}
}
