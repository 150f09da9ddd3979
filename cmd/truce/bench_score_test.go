package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/simulate"
)

func TestSimulateNoiseAndBenchScore(t *testing.T) {
	dir := t.TempDir()
	stream := filepath.Join(dir, "s.jsonl")
	if code, out, errOut := runCmd(t, nil, "simulate", "--seed", "4", "--events", "400", "--days", "30", "--noise", "coarse", "--out", stream); code != 0 {
		t.Fatalf("simulate: %d %s %s", code, out, errOut)
	}
	code, _, errOut := runCmd(t, nil, "simulate", "--noise", "gentle", "--out", filepath.Join(dir, "x"))
	if code == 0 || !strings.Contains(errOut, "--noise") || !strings.Contains(errOut, "heavytail") {
		t.Errorf("unknown profile: exit %d, %q", code, errOut)
	}
	for _, bad := range [][]string{{"--events", "0"}, {"--days", "-1"}, {"--line-km", "0"}, {"--noise", ""}, {"--events", "many"}} {
		code, _, errOut := runCmd(t, nil, append([]string{"simulate", "--out", filepath.Join(dir, "x")}, bad...)...)
		if code == 0 || !strings.Contains(errOut, strings.TrimPrefix(bad[0], "--")) {
			t.Errorf("simulate %v: exit %d, %q; want a failure naming the flag", bad, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("a refused simulate left a file behind")
	}
	f, err := os.Open(stream)
	if err != nil {
		t.Fatal(err)
	}
	_, reports, truth, err := simulate.Read(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The truth as a clustering scores 1; every report alone scores the
	// singleton figure.
	var perfect, alone strings.Builder
	perfect.WriteString("id,cluster\n")
	for i, r := range reports {
		perfect.WriteString(r.ID + "," + truth[i] + "\n")
		alone.WriteString(r.ID + ",\n")
	}
	score := func(assign string) (int, map[string]float64, string) {
		p := filepath.Join(dir, "a.csv")
		if err := os.WriteFile(p, []byte(assign), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCmd(t, nil, "bench", "score", "--in", stream, "--assign", p)
		var m map[string]float64
		if code == 0 {
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
		}
		return code, m, errOut
	}
	if code, m, errOut := score(perfect.String()); code != 0 || m["pair_f1"] != 1 || m["bcubed_f1"] != 1 || m["unlisted"] != 0 {
		t.Errorf("the truth: %d %v %s", code, m, errOut)
	}
	if code, m, errOut := score(alone.String()); code != 0 || m["pair_f1"] != 0 || math.Abs(m["bcubed_f1"]-m["singleton_bcubed_f1"]) > 1e-9 {
		t.Errorf("alone: %d %v %s", code, m, errOut)
	}
	if code, m, errOut := score(""); code != 0 || m["unlisted"] != float64(len(reports)) || math.Abs(m["bcubed_f1"]-m["singleton_bcubed_f1"]) > 1e-9 {
		t.Errorf("nothing listed: %d %v %s", code, m, errOut)
	}
	for _, bad := range []struct{ assign, want string }{
		{"nobody,1\n", "line 1: id"},
		{reports[0].ID + ",1\n" + reports[0].ID + ",2\n", "line 2: id"},
		{"id,cluster\n" + reports[0].ID + "\n", "line 2: cluster"},
	} {
		if code, _, errOut := score(bad.assign); code == 0 || !strings.Contains(errOut, bad.want) {
			t.Errorf("%q: exit %d, %q; want an error with %q", bad.assign, code, errOut, bad.want)
		}
	}
}
