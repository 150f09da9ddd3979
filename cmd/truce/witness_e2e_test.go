package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The centre and two witnesses as separate processes of the built binary,
// as a centre and the two sides would run them: the centre's checkpoints
// are cosigned by both and truce audit accepts them under a 2-of-2
// policy. Then the centre is started on a copy of its data directory
// taken earlier and written on differently — its history rewritten behind
// the witnesses' backs: both refuse its next checkpoint, the alarm shows
// in the centre's log, in /metrics and as a banner for the admin, and
// truce audit with the state it saved fails, naming the sizes.
func TestCentreAndTwoWitnessesAsProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs five processes")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "truce")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(work, "centre")

	// The centre's data: the demo's records and accounts.
	out, err := exec.Command(bin, "demo", "--no-serve", "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("truce demo: %v\n%s", err, out)
	}
	adminPassword := regexp.MustCompile(`(?m)^\s+admin\s+(\S+)\s`).FindSubmatch(out)
	if adminPassword == nil {
		t.Fatalf("no admin password in the demo's output:\n%s", out)
	}
	tok, err := exec.Command(bin, "token", "create", "--data", data, "--user", "analyst").Output()
	if err != nil {
		t.Fatalf("truce token create: %v", err)
	}
	token := strings.TrimSpace(string(tok))
	logKey := readTrimmed(t, filepath.Join(data, "log.pub"))
	origin, _, _ := strings.Cut(logKey, "+")

	// Two witnesses, one per side, each with its own key and state.
	var witnessArgs []string
	policy := "log " + logKey + "\n"
	for _, side := range []string{"a", "b"} {
		p := startProcess(t, bin, "witness", "--state", filepath.Join(work, "witness-"+side), "--name", "witness-of-side-"+side,
			"--addr", "127.0.0.1:0", "--log", origin+"="+logKey)
		url := p.waitStdout(t, regexp.MustCompile(`serving on (http://\S+)/add-checkpoint`))
		vkey := p.waitStdout(t, regexp.MustCompile(`verifier key (\S+)`))
		witnessArgs = append(witnessArgs, "--witness", url+"="+vkey)
		policy += fmt.Sprintf("witness %s %s\n", side, vkey)
	}
	policy += "group both all a b\nquorum both\n"
	policyFile := filepath.Join(work, "policy")
	if err := os.WriteFile(policyFile, []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	serve := func(dir string) (*process, string) {
		p := startProcess(t, bin, append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, witnessArgs...)...)
		return p, p.waitStdout(t, regexp.MustCompile(`serving on (http://\S+)/`))
	}
	auditState := filepath.Join(work, "audit")
	audit := func(base string) (int, string) {
		cmd := exec.Command(bin, "audit", "--log", base, "--key-file", filepath.Join(data, "log.pub"), "--policy", policyFile, "--state", auditState)
		out, err := cmd.CombinedOutput()
		if err != nil && cmd.ProcessState == nil {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}

	// Writes through the API are cosigned by both witnesses.
	centre, base := serve(data)
	writePlaces(t, base, token, "Honest", 3)
	k := waitCosigned(t, base, 2)
	if code, out := audit(base); code != 0 {
		t.Fatalf("truce audit of the honest log exited %d:\n%s", code, out)
	}
	// A change's proof bundle carries both witnesses' cosignatures: it
	// passes truce proof verify under the 2-of-2 policy, offline.
	code, bundle, _ := request(t, "GET", base+"/api/v1/log/bundle?seq=1", "", "Authorization", "Bearer "+token)
	if code != http.StatusOK {
		t.Fatalf("bundle: %d %s", code, bundle)
	}
	bundleFile := filepath.Join(work, "change-1.proof")
	if err := os.WriteFile(bundleFile, []byte(bundle), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "proof", "verify", bundleFile, "--key", filepath.Join(data, "log.pub"), "--policy", policyFile).CombinedOutput(); err != nil {
		t.Fatalf("truce proof verify under the 2-of-2 policy: %v\n%s", err, out)
	}
	centre.stop(t)
	// The copy a rewrite starts from: the log as cosigned at size k.
	forged := filepath.Join(work, "forged")
	copyTree(t, data, forged)

	centre, base = serve(data)
	writePlaces(t, base, token, "Honest later", 4)
	n := waitCosigned(t, base, 2)
	if n <= k {
		t.Fatalf("the log did not grow: %d then %d", k, n)
	}
	if code, out := audit(base); code != 0 {
		t.Fatalf("truce audit of the grown log exited %d:\n%s", code, out)
	}
	centre.stop(t)

	// The centre serves the copy and writes other changes after size k:
	// a different tree, larger than what the witnesses cosigned.
	centre, base = serve(forged)
	writePlaces(t, base, token, "Forged", 9)
	m := logSize(t, base)
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(centre.stderr.String(), "ALARM") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no alarm from both witnesses in the centre's log:\n%s", centre.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, w := range []string{"witness-of-side-a", "witness-of-side-b"} {
		if !regexp.MustCompile(`ALARM[^\n]*` + w).MatchString(centre.stderr.String()) {
			t.Errorf("no alarm line names %s", w)
		}
	}
	metrics := get(t, base+"/metrics", "Authorization", "Bearer "+token)
	for _, line := range []string{`truce_witness_refused{witness="witness-of-side-a"} 1`, `truce_witness_refused{witness="witness-of-side-b"} 1`} {
		if !strings.Contains(metrics, line) {
			t.Errorf("/metrics lacks %s:\n%s", line, metrics)
		}
	}
	if cp := get(t, base+"/log/checkpoint"); strings.Contains(cp, "\n"+strconv.FormatInt(m, 10)+"\n") {
		t.Errorf("the rewritten log's checkpoint of size %d is served as published:\n%s", m, cp)
	}
	cookie := signIn(t, base, "admin", string(adminPassword[1]))
	page := get(t, base+"/", "Cookie", cookie)
	if !strings.Contains(page, `class="banner alarm"`) || !strings.Contains(page, "witness-of-side-a") {
		t.Errorf("the admin's dashboard has no alarm banner:\n%s", page)
	}

	// truce audit, from what it saved of the honest log, names the sizes.
	// The rewritten log's published checkpoint is still the old one (k),
	// smaller than the audit's saved n: a log that shrank.
	code, verdict := audit(base)
	if code != 1 || !strings.Contains(verdict, strconv.FormatInt(n, 10)) {
		t.Fatalf("truce audit of the rewritten log exited %d (want 1, naming size %d):\n%s", code, n, verdict)
	}
	t.Logf("cosigned at %d and %d; the rewrite at %d refused by both; audit: %s", k, n, m, strings.TrimSpace(verdict))
}

// process is a truce command running as a process until the test ends.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
}

func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends SIGINT and waits for the process to end.
func (p *process) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("%s did not stop on SIGINT", p.cmd.Args[1])
	}
}

// waitStdout waits for re to match the output and returns its first group.
func (p *process) waitStdout(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
			return m[1]
		}
		select {
		case <-p.done:
			t.Fatalf("%v exited: %s %s", p.cmd.Args[1:], p.stdout.String(), p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v did not print %s: %s %s", p.cmd.Args[1:], re, p.stdout.String(), p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readTrimmed(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func request(t *testing.T, method, url, body string, headers ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func get(t *testing.T, url string, headers ...string) string {
	t.Helper()
	code, body, _ := request(t, "GET", url, "", headers...)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	return body
}

func writePlaces(t *testing.T, base, token, prefix string, n int) {
	t.Helper()
	for i := range n {
		body := fmt.Sprintf(`{"kind":"landmark","names":[{"lang":"en","name":"%s %d"}],"location":{"lat":39.8,"lon":46.7},"classification":"public"}`, prefix, i)
		if code, res, _ := request(t, "POST", base+"/api/v1/places", body, "Authorization", "Bearer "+token); code != http.StatusCreated {
			t.Fatalf("create place: %d %s", code, res)
		}
	}
}

func logSize(t *testing.T, base string) int64 {
	t.Helper()
	var n int64
	m := regexp.MustCompile(`"log_size":(\d+)`).FindStringSubmatch(get(t, base+"/healthz"))
	if m == nil {
		t.Fatal("no log size in /healthz")
	}
	n, _ = strconv.ParseInt(m[1], 10, 64)
	return n
}

// waitCosigned waits until /log/checkpoint covers the whole log and
// carries cosignatures lines besides the log's signature; it returns
// the size.
func waitCosigned(t *testing.T, base string, cosignatures int) int64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		want := logSize(t, base)
		cp := get(t, base+"/log/checkpoint")
		lines := strings.Split(cp, "\n")
		if len(lines) > 2 && lines[1] == strconv.FormatInt(want, 10) && strings.Count(cp, "\n— ") == 1+cosignatures {
			return want
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of size %d with %d cosignatures:\n%s", want, cosignatures, cp)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signIn signs in through the API and returns the session's Cookie
// header (sent by hand: the cookie is Secure and this is plain HTTP).
func signIn(t *testing.T, base, user, password string) string {
	t.Helper()
	code, body, h := request(t, "POST", base+"/api/v1/session", fmt.Sprintf(`{"username":%q,"password":%q}`, user, password))
	if code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("sign in as %s: %d %s", user, code, body)
	}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "truce_session" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("no session cookie: %v", h)
	return ""
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if fi.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
