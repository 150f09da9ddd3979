package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/store"
)

// testLog is a real Truce server on a loopback port, with its data
// directory, to which a test writes organisations.
type testLog struct {
	t    *testing.T
	app  *app.App
	dir  string
	url  string
	tag  string
	n    int
	stop func()
}

// startLog opens (or creates) a data directory and serves it on :0. rnd,
// when not nil, is the source of the log's keys, origin and salts.
func startLog(t *testing.T, dir string, rnd io.Reader) *testLog {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, app.Config{Dir: dir, Synchronous: "normal", Version: "test", Rand: rnd})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Server.Run(ctx, ln) }()
	var once sync.Once
	l := &testLog{t: t, app: a, dir: dir, url: "http://" + ln.Addr().String(), tag: "a"}
	l.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
			a.Close()
		})
	}
	t.Cleanup(l.stop)
	return l
}

// write records public organisations, then committed ones, in one
// transaction, and signs a checkpoint of the whole log.
func (l *testLog) write(public, committed int) {
	l.t.Helper()
	ctx := context.Background()
	actor := store.Actor{User: "usr_test", Org: "org_test", Via: "cli"}
	_, err := l.app.DB.Write(ctx, func(tx *store.Tx) error {
		for i := range public + committed {
			l.n++
			body := agreement.OrganisationBody{Name: fmt.Sprintf("Outlet %s %d", l.tag, l.n), ShortName: fmt.Sprintf("O%d", l.n), Kind: "media", Country: "GE"}
			if _, err := tx.Record(store.Change{Entity: "organisation", ID: fmt.Sprintf("org_%s_%06d", l.tag, l.n), Version: 1, Actor: actor, Body: body, Public: i < public}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		l.t.Fatal(err)
	}
	if err := l.app.DB.Checkpoint(ctx); err != nil {
		l.t.Fatal(err)
	}
}

// size is the size of the log's latest checkpoint.
func (l *testLog) size() int64 {
	l.t.Helper()
	cp, err := l.app.DB.LatestCheckpoint(context.Background())
	if err != nil {
		l.t.Fatal(err)
	}
	return cp.Size
}

// tamper edits the database behind the server's back.
func (l *testLog) tamper(stmt string, args ...any) {
	l.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(l.dir, store.DBFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		l.t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(stmt, args...)
	if err != nil {
		l.t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		l.t.Fatalf("%s: %d rows changed, want 1", stmt, n)
	}
}

// audit runs an audit of the log with its own key.
func (l *testLog) audit(state string, client *http.Client) (audit.Report, error) {
	return audit.Run(context.Background(), audit.Config{URL: l.url, Key: l.app.DB.Keys().Verifier, StateDir: state, Client: client})
}

// recorder is an http.RoundTripper that counts the paths requested.
type recorder struct {
	mu    sync.Mutex
	paths []string
	next  http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.paths = append(r.paths, req.URL.Path)
	r.mu.Unlock()
	next := r.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

func (r *recorder) withPrefix(prefix string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, p := range r.paths {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}
