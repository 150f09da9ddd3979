// Package clustertest runs several `truce serve` processes on one
// PostgreSQL database, as a mission that outgrew one machine would, and
// checks what issue 14 asks of them: appends serialised across processes
// (no fork, no sequence number twice), no acknowledged change lost when one
// server is killed, one signer at a time that the survivor takes over,
// verify clean beside running servers.
package clustertest

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/truce-monitoring/truce/internal/pgtest"
)

// buildTruce builds the truce binary into a temporary directory.
func buildTruce(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "truce")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/truce-monitoring/truce/cmd/truce")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// truce runs a command to its end and returns its standard output.
func truce(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "USER=clustertest")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("truce %s: %v\n%s\n%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// server is a running `truce serve`.
type server struct {
	cmd  *exec.Cmd
	base string
	log  string
}

var servingOn = regexp.MustCompile(`serving on (http://\S+?)/?\s*$`)

// serve starts `truce serve` on the data directory and database, on a
// free port, and returns once it listens.
func serve(t *testing.T, bin, name, dir, db string) *server {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--data", dir, "--db", db, "--addr", "127.0.0.1:0", "--insecure-cookies")
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, log: logPath}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Signal(syscall.SIGTERM)
			s.cmd.Wait()
		}
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s's log:\n%s", name, b)
		}
	})
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if m := servingOn.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case base, ok := <-found:
		if !ok {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("%s did not start:\n%s", name, b)
		}
		s.base = base
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not say where it serves within 60 s", name)
	}
	return s
}

// post sends a JSON body with the bearer token; it returns the status and
// the body.
func post(c *http.Client, base, path, token, body string) (int, []byte, http.Header, error) {
	req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, err
}

func get(c *http.Client, base, path, token string) (int, []byte, error) {
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func placeBody(name string) string {
	return fmt.Sprintf(`{"kind":"landmark","names":[{"lang":"en","name":%q}],"location":{"lat":39.8,"lon":46.8}}`, name)
}

// latestCheckpointSize reads the size line of the served checkpoint.
func latestCheckpointSize(c *http.Client, base string) (int64, error) {
	status, b, err := get(c, base, "/log/checkpoint", "")
	if err != nil {
		return 0, err
	}
	if status != 200 {
		return 0, fmt.Errorf("GET /log/checkpoint: %d", status)
	}
	lines := strings.SplitN(string(b), "\n", 3)
	if len(lines) < 2 {
		return 0, fmt.Errorf("checkpoint %q", b)
	}
	return strconv.ParseInt(lines[1], 10, 64)
}

func TestTwoServersOneDatabaseSurviveAKill(t *testing.T) {
	u := pgtest.NewDatabase(t)
	bin := buildTruce(t)
	dirA := filepath.Join(t.TempDir(), "a")
	truce(t, bin, "demo", "--no-serve", "--data", dirA, "--db", u)
	token := strings.TrimSpace(truce(t, bin, "token", "create", "--data", dirA, "--db", u, "--user", "analyst", "--expires", "2h"))
	// The second machine: a copy of the log's key files, nothing else.
	dirB := filepath.Join(t.TempDir(), "b")
	if err := os.MkdirAll(dirB, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"log.key", "log.pub"} {
		b, err := os.ReadFile(filepath.Join(dirA, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirB, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a := serve(t, bin, "a", dirA, u)
	b := serve(t, bin, "b", dirB, u)
	c := &http.Client{Timeout: 30 * time.Second}

	// A sign-in form served by one server is taken by the other.
	checkSignInFormAcrossServers(t, c, a.base, b.base)

	// Writers on both servers; a is killed in the middle.
	var mu sync.Mutex
	acked := map[string]string{} // place id -> the name written
	var unknown int              // writes that got no answer (a died)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 8 {
		base := a.base
		if w%2 == 1 {
			base = b.base
		}
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("w%d-%d", w, i)
				status, body, _, err := post(c, base, "/api/v1/places", token, placeBody(name))
				if err != nil {
					mu.Lock()
					unknown++
					mu.Unlock()
					if base == a.base {
						return // a is gone
					}
					continue
				}
				if status != http.StatusCreated {
					if base == a.base && status >= 500 {
						continue
					}
					t.Errorf("POST through %s: %d %s", base, status, body)
					return
				}
				var p struct{ ID string }
				if err := json.Unmarshal(body, &p); err != nil || p.ID == "" {
					t.Errorf("POST answer %s: %v", body, err)
					return
				}
				mu.Lock()
				acked[p.ID] = name
				mu.Unlock()
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.cmd.Wait()
	time.Sleep(1500 * time.Millisecond)
	stop()
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d changes acknowledged, %d writes unanswered when a was killed", len(acked), unknown)
	if len(acked) < 20 {
		t.Fatalf("only %d writes acknowledged: the test tested little", len(acked))
	}

	// Every acknowledged change is there, read through the survivor.
	for id, name := range acked {
		status, body, err := get(c, b.base, "/api/v1/places/"+id, token)
		if err != nil || status != 200 || !strings.Contains(string(body), name) {
			t.Fatalf("acknowledged place %s (%s) through b: %d %s %v", id, name, status, body, err)
		}
	}
	// One tree: every sequence number once, none missing.
	raw, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n, distinct, maxSeq int64
	if err := raw.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT seq), COALESCE(MAX(seq), -1) FROM changes`).Scan(&n, &distinct, &maxSeq); err != nil {
		t.Fatal(err)
	}
	if n != distinct || n != maxSeq+1 {
		t.Fatalf("changes: %d rows, %d distinct seqs, highest %d", n, distinct, maxSeq)
	}
	// The survivor signs: a checkpoint covers the whole log within a few
	// seconds, whether or not a held the signer lock when it died.
	deadline := time.Now().Add(10 * time.Second)
	for {
		size, err := latestCheckpointSize(c, b.base)
		if err == nil && size == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the latest checkpoint is of size %d (%v), the log holds %d", size, err, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// It keeps serving writes, and checkpoints them.
	status, body, _, err := post(c, b.base, "/api/v1/places", token, placeBody("after the kill"))
	if err != nil || status != http.StatusCreated {
		t.Fatalf("a write after the kill: %d %s %v", status, body, err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		size, err := latestCheckpointSize(c, b.base)
		if err == nil && size == n+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of the write after the kill: latest %d (%v), want %d", size, err, n+1)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// verify, beside the running survivor, from the second machine's
	// directory: every checkpoint (both servers') is of the one tree.
	out := truce(t, bin, "verify", "--data", dirB, "--db", u)
	if !strings.HasPrefix(out, "intact:") {
		t.Fatalf("verify: %s", out)
	}
	t.Logf("verify beside the survivor: %s", strings.TrimSpace(out))

	// The survivor refuses text PostgreSQL cannot store, naming the field.
	status, body, _, err = post(c, b.base, "/api/v1/places", token, `{"kind":"landmark","names":[{"lang":"en","name":"a\u0000b"}],"location":{"lat":39.8,"lon":46.8}}`)
	if err != nil || status != http.StatusBadRequest || !strings.Contains(string(body), `"field":"names[0].name"`) {
		t.Fatalf("a NUL in a name: %d %s %v", status, body, err)
	}

	// The database lost in the middle of a write: 503 with a problem, and
	// the next write goes through.
	checkLostConnection(t, c, raw, b.base, token)
}

// checkSignInFormAcrossServers gets the sign-in form from one server and
// posts it to the other: the form's CSRF token is accepted there (the
// password is wrong, so the answer is a refused sign-in, not a refused form).
func checkSignInFormAcrossServers(t *testing.T, c *http.Client, from, to string) {
	t.Helper()
	resp, err := c.Get(from + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="login_csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login_csrf field in the sign-in form")
	}
	form := url.Values{"username": {"analyst"}, "password": {"not the password"}, "login_csrf": {string(m[1])}}
	req, _ := http.NewRequest("POST", to+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", to)
	for _, ck := range resp.Cookies() {
		req.AddCookie(ck)
	}
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "has expired or was not sent from this site") {
		t.Fatalf("the other server refused the sign-in form: %d", resp.StatusCode)
	}
	if resp.StatusCode == http.StatusForbidden {
		t.Fatalf("the other server refused the sign-in form: %d %s", resp.StatusCode, body)
	}
}

// checkLostConnection holds the log's lock so that the server's next write
// waits inside its transaction, ends that session, and expects 503; then
// lets go and expects the next write to succeed.
func checkLostConnection(t *testing.T, c *http.Client, raw *sql.DB, base, token string) {
	t.Helper()
	ctx := context.Background()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const logLock = 0x7472756365 // store.logLock
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, logLock); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   []byte
		header http.Header
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		s, b, h, err := post(c, base, "/api/v1/places", token, placeBody("during the loss"))
		done <- answer{s, b, h, err}
	}()
	var pid int
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := raw.QueryRow(`SELECT pid FROM pg_stat_activity WHERE application_name = 'truce write' AND wait_event_type = 'Lock' AND datname = current_database()`).Scan(&pid)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's write never waited for the log's lock: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := raw.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if got.err != nil || got.status != http.StatusServiceUnavailable || got.header.Get("Content-Type") != "application/problem+json" ||
		got.header.Get("Retry-After") == "" || !strings.Contains(string(got.body), `"code":"unavailable"`) {
		t.Fatalf("a write whose connection was lost: %d %v %s %v", got.status, got.header, got.body, got.err)
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM places p JOIN place_names n ON n.place_id = p.id WHERE n.name = 'during the loss'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the lost write left %d places (%v)", n, err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, logLock); err != nil {
		t.Fatal(err)
	}
	status, body, _, err := post(c, base, "/api/v1/places", token, placeBody("after the loss"))
	if err != nil || status != http.StatusCreated {
		t.Fatalf("the write after the loss: %d %s %v", status, body, err)
	}
}
