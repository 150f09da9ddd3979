package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/bench"
	"github.com/truce-monitoring/truce/internal/pgtest"
)

// truce bench log measures every figure on a small log: appends, proofs,
// verify, one writer and several through one and two servers.
func TestBenchLog(t *testing.T) {
	checkBenchLog(t, "sqlite", "--changes", "300", "--batch", "100", "--singles", "40", "--writers", "3", "--dir", t.TempDir())
}

// The same with every log in a new PostgreSQL database, dropped after.
func TestBenchLogOnPostgres(t *testing.T) {
	admin := pgtest.Server(t)
	checkBenchLog(t, "postgres", "--changes", "300", "--batch", "100", "--singles", "40", "--writers", "3", "--dir", t.TempDir(), "--db", admin)
}

func checkBenchLog(t *testing.T, database string, args ...string) {
	t.Helper()
	code, out, errOut := runCmd(t, nil, append([]string{"bench", "log"}, args...)...)
	if code != 0 {
		t.Fatalf("bench log: exit %d, %s %s", code, out, errOut)
	}
	var res bench.LogResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Database != database || res.Changes != 300 || res.AppendBatchPerSecond <= 0 || res.VerifyPerSecond <= 0 ||
		res.AppendSinglePerSec.Full <= 0 || res.AppendSinglePerSec.Normal <= 0 {
		t.Errorf("result %+v", res)
	}
	for i, w := range []bench.WritersResult{res.Concurrent, res.TwoServers, res.TwoServersSplit} {
		if w.Writers != []int{3, 6, 3}[i] || w.Changes != 160 || w.PerSecond <= 0 || w.Commits < 1 || w.Commits > 160 || w.MeanBatch < 1 {
			t.Errorf("concurrent writers: %+v", w)
		}
	}
	if res.Concurrent.Servers != 1 || res.TwoServers.Servers != 2 || res.TwoServersSplit.Servers != 2 {
		t.Errorf("servers %d, %d, %d; want 1, 2 and 2", res.Concurrent.Servers, res.TwoServers.Servers, res.TwoServersSplit.Servers)
	}
}

func TestBenchLogRefusesBadFlags(t *testing.T) {
	for _, bad := range [][]string{{"--writers", "0"}, {"--singles", "-1"}, {"--db", "mysql://x"}, {"--record", "nothing"}} {
		code, _, errOut := runCmd(t, nil, append([]string{"bench", "log", "--changes", "10"}, bad...)...)
		if code == 0 || !strings.Contains(errOut, strings.TrimPrefix(bad[0], "--")) && !strings.Contains(errOut, bad[1]) {
			t.Errorf("bench log %v: exit %d, %q", bad, code, errOut)
		}
	}
}
