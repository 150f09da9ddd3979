package main

import (
	"strings"
	"testing"
)

func TestBenchCeiling(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "bench", "ceiling", "--seed", "3", "--events", "300", "--days", "30")
	if code != 0 || !strings.Contains(out, `"pair_f1"`) || !strings.Contains(out, `"top1"`) {
		t.Fatalf("bench ceiling: %d %s %s", code, out, errOut)
	}
	for _, bad := range [][]string{{"--events", "0"}, {"--days", "-1"}, {"--line-km", "0"}, {"--events", "many"}} {
		code, out, errOut := runCmd(t, nil, append([]string{"bench", "ceiling"}, bad...)...)
		if code == 0 || out != "" || !strings.Contains(errOut, strings.TrimPrefix(bad[0], "--")) {
			t.Errorf("bench ceiling %v: exit %d, stdout %q, stderr %q; want a failure naming the flag", bad, code, out, errOut)
		}
	}
}
