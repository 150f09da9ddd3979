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
	if code, _, _ := runCmd(t, nil, "bench", "ceiling", "--events", "0"); code != 1 {
		t.Fatalf("bench ceiling with no events: exit %d", code)
	}
}
