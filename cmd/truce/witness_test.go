package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// syncBuffer is an output the test reads while the command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startWitnessCmd runs truce witness until the test ends (or stop is
// called) and returns its URL, its verifier key and stop, which returns
// the exit code.
func startWitnessCmd(t *testing.T, env map[string]string, args ...string) (url, vkey string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"witness", "--addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	}()
	serving := regexp.MustCompile(`serving on (http://\S+)/add-checkpoint`)
	key := regexp.MustCompile(`verifier key (\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for !serving.MatchString(out.String()) {
		select {
		case code := <-done:
			t.Fatalf("truce witness exited %d: %s", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("truce witness did not start: %s %s", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var once sync.Once
	code := 0
	stop = func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}
	t.Cleanup(func() { stop() })
	return serving.FindStringSubmatch(out.String())[1], key.FindStringSubmatch(out.String())[1], stop
}

// A small log, as any C2SP log publishes it.
type cmdTestLog struct {
	origin string
	signer note.Signer
	vkey   string
	hashes []tlog.Hash
}

func (l *cmdTestLog) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = l.hashes[x]
	}
	return out, nil
}

func newCmdTestLog(t *testing.T, size int64) *cmdTestLog {
	skey, vkey, err := note.GenerateKey(nil, "example.org/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	l := &cmdTestLog{origin: "example.org/log", signer: signer, vkey: vkey}
	for i := range size {
		hs, err := tlog.StoredHashes(i, fmt.Appendf(nil, "r%d", i), l)
		if err != nil {
			t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
	}
	return l
}

// addCheckpoint submits the checkpoint of size to from old, and returns
// the status and the answer.
func (l *cmdTestLog) addCheckpoint(t *testing.T, url string, old, size int64) (int, string, []byte) {
	t.Helper()
	root, err := tlog.TreeHash(size, l)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\n", l.origin, size, base64.StdEncoding.EncodeToString(root[:]))}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	if old > 0 {
		proof, err := tlog.ProveTree(size, old, l)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range proof {
			fmt.Fprintf(&b, "%s\n", base64.StdEncoding.EncodeToString(h[:]))
		}
	}
	b.WriteString("\n")
	b.Write(cp)
	resp, err := http.Post(url+"/add-checkpoint", "text/plain", &b)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ans, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(ans), cp
}

func TestWitnessCommand(t *testing.T) {
	l := newCmdTestLog(t, 8)
	state := filepath.Join(t.TempDir(), "witness")
	url, vkey, stop := startWitnessCmd(t, nil, "--state", state, "--name", "witness.side-a.example", "--log", l.origin+"="+l.vkey)
	if pub, err := os.ReadFile(filepath.Join(state, "witness.pub")); err != nil || strings.TrimSpace(string(pub)) != vkey {
		t.Fatalf("witness.pub %q, printed %q (%v)", pub, vkey, err)
	}
	if fi, err := os.Stat(filepath.Join(state, "witness.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("witness.key: %v %v", fi, err)
	}
	status, cosig, cp := l.addCheckpoint(t, url, 0, 5)
	if status != http.StatusOK {
		t.Fatalf("add-checkpoint: %d %q", status, cosig)
	}
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(append(cp, cosig...), note.VerifierList(v)); err != nil {
		t.Fatalf("the cosignature does not verify with the printed key: %v", err)
	}
	if code := stop(); code != 0 {
		t.Fatalf("truce witness exited %d when its context ended (as on SIGINT or SIGTERM)", code)
	}

	// Restarted from the environment, from a logs file, with no --name:
	// the key and the state are kept.
	logs := filepath.Join(t.TempDir(), "logs")
	if err := os.WriteFile(logs, []byte("# the log\n"+l.origin+"="+l.vkey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	url, vkey2, _ := startWitnessCmd(t, map[string]string{"TRUCE_STATE": state, "TRUCE_LOGS": logs})
	if vkey2 != vkey {
		t.Fatalf("the key changed on restart: %s, %s", vkey, vkey2)
	}
	if status, ans, _ := l.addCheckpoint(t, url, 0, 8); status != http.StatusConflict || ans != "5\n" {
		t.Fatalf("after a restart old size 0: %d %q, want 409 5", status, ans)
	}
	if status, ans, _ := l.addCheckpoint(t, url, 5, 8); status != http.StatusOK {
		t.Fatalf("after a restart old size 5: %d %q", status, ans)
	}
}

func TestWitnessCommandErrors(t *testing.T) {
	l := newCmdTestLog(t, 1)
	good := l.origin + "=" + l.vkey
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no state", []string{"--log", good}, 2, "--state"},
		{"no log", []string{"--state", t.TempDir(), "--name", "w"}, 2, "--log"},
		{"a log without a key", []string{"--state", t.TempDir(), "--log", l.origin}, 2, "-log"},
		{"a bad key", []string{"--state", t.TempDir(), "--log", l.origin + "=nope"}, 2, "-log"},
		{"a missing logs file", []string{"--state", t.TempDir(), "--logs", "/nonexistent/logs"}, 1, "--logs"},
		{"a bad address", []string{"--state", t.TempDir(), "--name", "w", "--log", good, "--addr", "not an address"}, 1, "--addr"},
		{"no name at first start", []string{"--state", t.TempDir(), "--log", good}, 1, "name"},
		{"an unknown flag", []string{"--state", t.TempDir(), "--nope"}, 2, "nope"},
	} {
		code, _, errOut := runCmd(t, nil, append([]string{"witness"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d %q, want %d naming %q", c.name, code, errOut, c.code, c.want)
		}
	}
	bad := filepath.Join(t.TempDir(), "logs")
	os.WriteFile(bad, []byte(good+"\nexample.org/x=broken\n"), 0o644)
	if code, _, errOut := runCmd(t, nil, "witness", "--state", t.TempDir(), "--logs", bad); code != 1 || !strings.Contains(errOut, "line 2") {
		t.Errorf("a bad logs file: exit %d %q", code, errOut)
	}
}
