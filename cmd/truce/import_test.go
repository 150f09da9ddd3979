package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A liaison imports a CSV of allegations into the demo: a dry run, the
// import, the same file again (nothing changes), a bad file (nothing
// written, every bad line named), and the log verifies.
func TestImportCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if code, out, errOut := runCmd(t, nil, "demo", "--no-serve", "--data", dir); code != 0 {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	file := filepath.Join(t.TempDir(), "allegations.csv")
	csv := "external_id,alleged_perpetrator,category,start,lat,lon,location_precision,narrative\n" +
		"cli-1,unknown,small_arms_fire,2021-06-10T02:00:00Z,39.93,46.9,exact,Fire at our positions.\n" +
		"cli-2,unknown,heavy_weapons_fire,2021-06-10T03:00:00Z,39.94,46.91,exact,\"Shelling,\nthree rounds.\"\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	imp := func(extra ...string) (int, string, string) {
		return runCmd(t, nil, append([]string{"import", "allegations", file, "--data", dir, "--as", "liaison-az"}, extra...)...)
	}
	for _, c := range []struct {
		extra []string
		want  string
	}{
		{[]string{"--dry-run"}, "read 2, created 2, unchanged 0, changed 0, refused 0 (dry run: nothing written)"},
		{nil, "read 2, created 2, unchanged 0"},
		{nil, "read 2, created 0, unchanged 2"},
	} {
		code, out, errOut := imp(c.extra...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Fatalf("import %v: %d %q %q, want %q", c.extra, code, out, errOut, c.want)
		}
	}
	bad := strings.Replace(csv, "39.94", "ninety", 1) + "cli-3,unknown,small_arms_fire,12/06/2021,39.93,46.9,exact,Late.\n"
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := imp()
	if code != 1 || !strings.Contains(out, "(nothing written)") || !strings.Contains(errOut, "line 3: lat:") || !strings.Contains(errOut, "line 5: start:") {
		t.Fatalf("bad file: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, nil, "verify", "--data", dir); code != 0 {
		t.Fatalf("verify: %d %s %s", code, out, errOut)
	}
	if code, _, _ := runCmd(t, nil, "import", "allegations", file, "--data", dir); code == 0 {
		t.Errorf("import without --as: exit 0")
	}
}
