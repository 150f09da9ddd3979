package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo's daily report of 12 June 2021 and the implementation report of
// the 2020 statement come out of the command in every format.
func TestReportCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if code, out, errOut := runCmd(t, nil, "demo", "--no-serve", "--data", dir); code != 0 {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	for _, format := range []string{"html", "pdf", "json", "csv"} {
		out := filepath.Join(t.TempDir(), "daily."+format)
		if code, _, errOut := runCmd(t, nil, "report", "daily", "--data", dir, "--date", "2021-06-12", "--edition", "public", "--format", format, "--out", out); code != 0 {
			t.Fatalf("daily %s: %d %s", format, code, errOut)
		}
		data, err := os.ReadFile(out)
		if err != nil || len(data) == 0 {
			t.Fatalf("daily %s: %v", format, err)
		}
		if format == "json" && !strings.Contains(string(data), `"number": "DP-163/2021"`) {
			t.Errorf("daily JSON lacks its number")
		}
	}
	code, out, errOut := runCmd(t, nil, "report", "implementation", "--data", dir, "--date", "2021-06-12", "--format", "json")
	if code != 0 || !strings.Contains(out, `"share_percent": 33.3`) {
		t.Fatalf("implementation: %d %s %s", code, errOut, out[:min(len(out), 300)])
	}
	code, out, _ = runCmd(t, nil, "report", "summary", "--data", dir, "--from", "2021-06-01", "--to", "2021-06-30", "--edition", "mission", "--format", "csv", "--table", "violations_by_category")
	if code != 0 || !strings.HasPrefix(out, "category,") {
		t.Fatalf("summary csv: %d %s", code, out)
	}
	for _, bad := range [][]string{
		{"report", "daily", "--data", dir, "--date", "2999-01-01"},
		{"report", "daily", "--data", dir, "--date", "2021-06-12", "--edition", "secret"},
		{"report", "daily", "--data", dir, "--date", "2021-06-12", "--format", "docx"},
		{"report", "summary", "--data", dir, "--from", "2021-06-30", "--to", "2021-06-01"},
		{"report", "weekly", "--data", dir},
	} {
		if code, _, _ := runCmd(t, nil, bad...); code == 0 {
			t.Errorf("%v: exit 0", bad)
		}
	}
}
