package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// truce export writes a kind of record as the chosen account reads it,
// takes its filters from flags or the environment, and leaves no file
// when it refuses.
func TestExportCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if code, out, errOut := runCmd(t, nil, "demo", "--no-serve", "--data", dir); code != 0 {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	out := filepath.Join(t.TempDir(), "allegations.csv")
	code, _, errOut := runCmd(t, nil, "export", "allegations", "--data", dir, "--format", "csv", "--user", "analyst", "--filter", "status=lodged", "--out", out)
	if code != 0 || !strings.Contains(errOut, "wrote "+out) {
		t.Fatalf("csv: %d %s", code, errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(data), "id,external_id,") || !strings.Contains(string(data), "\r\n#event+id,") {
		t.Fatalf("csv: %v %.200q", err, data)
	}
	code, stdout, errOut := runCmd(t, map[string]string{"TRUCE_DATA": dir, "TRUCE_FORMAT": "geojson", "TRUCE_FILTER": "kind=zone"}, "export", "layers")
	if code != 0 || !strings.HasPrefix(stdout, `{"type":"FeatureCollection","name":"layers_zones"`) {
		t.Fatalf("geojson from the environment: %d %s %.200s", code, errOut, stdout)
	}
	// Persons held as the default reader: no personal data.
	code, stdout, _ = runCmd(t, nil, "export", "persons_held", "--data", dir, "--format", "csv")
	if code != 0 || !strings.Contains(stdout, "surname") || strings.Count(stdout, "\r\n") < 3 {
		t.Fatalf("persons held: %d %.300s", code, stdout)
	}
	for _, bad := range [][]string{
		{"export", "allegations", "--data", dir, "--format", "docx", "--out", filepath.Join(t.TempDir(), "x")},
		{"export", "allegations", "--data", dir, "--filter", "categroy=other", "--out", filepath.Join(t.TempDir(), "x")},
		{"export", "allegations", "--data", dir, "--filter", "category=shelling", "--out", filepath.Join(t.TempDir(), "x")},
		{"export", "layers", "--data", dir, "--format", "geojson", "--out", filepath.Join(t.TempDir(), "x")},
		{"export", "weather", "--data", dir},
		{"export", "allegations", "--data", dir, "--filter", "nothing"},
		{"export"},
	} {
		code, _, errOut := runCmd(t, nil, bad...)
		if code == 0 {
			t.Errorf("%v: exit 0", bad)
		}
		for i, a := range bad {
			if a == "--out" {
				if _, err := os.Stat(bad[i+1]); err == nil {
					t.Errorf("%v: left a file (%s)", bad, errOut)
				}
				entries, _ := os.ReadDir(filepath.Dir(bad[i+1]))
				if len(entries) != 0 {
					t.Errorf("%v: left %d files behind", bad, len(entries))
				}
			}
		}
	}
}
