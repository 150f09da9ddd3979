package witnessclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/pgtest"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/witness"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

type seqReader struct{ r *rand.ChaCha8 }

func (s seqReader) Read(p []byte) (int, error) { return s.r.Read(p) }

// openStore opens a store in dir (on PostgreSQL in that run).
func openStore(t *testing.T, dir string) *store.DB {
	t.Helper()
	opts := []store.Option{store.WithSynchronous("normal")}
	if pgtest.OnPostgres() {
		opts = append(opts, store.WithDatabase(pgtest.ForDir(t, dir)))
	}
	db, err := store.Open(ctx, dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // after the services' own cleanups
	return db
}

var (
	orgsMu   sync.Mutex
	services = map[*store.DB]*agreement.Service{} // one per store: it registers projections
)

// write records n organisations and signs a checkpoint.
func write(t *testing.T, db *store.DB, n int, prefix string) {
	t.Helper()
	orgsMu.Lock()
	orgs := services[db]
	if orgs == nil {
		orgs = agreement.New(db)
		services[db] = orgs
	}
	orgsMu.Unlock()
	for range n {
		i := db.Size()
		if _, err := orgs.CreateOrganisation(ctx, access.System, agreement.OrganisationInput{
			Name: fmt.Sprintf("%s %d", prefix, i), ShortName: fmt.Sprintf("%s%d", prefix, i), Kind: agreement.KindGuarantor, Country: "RU"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
}

// startWitness runs a real witness (package witness) on a loopback port
// for db's log until the test ends and returns it as configured here.
func startWitness(t *testing.T, name string, db *store.DB) (Witness, func()) {
	return startBenchWitness(t, name, db)
}

func startBenchWitness(t testing.TB, name string, db *store.DB) (Witness, func()) {
	t.Helper()
	keys := db.Keys()
	w, err := witness.Open(ctx, witness.Config{Dir: t.TempDir(), Name: name, Logs: []witness.Log{{Origin: keys.Origin, Keys: []string{keys.Public}}},
		Rand: seqReader{rand.NewChaCha8(sha256.Sum256([]byte(name)))}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Serve(c, ln); close(done) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	cfg, err := ParseWitness("http://" + ln.Addr().String() + "=" + w.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	return cfg, stop
}

// logBuffer collects log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newService(t *testing.T, db *store.DB, log io.Writer, policy []byte, ws ...Witness) *Service {
	t.Helper()
	if log == nil {
		log = os.Stderr
	}
	s, err := New(ctx, db, Config{Witnesses: ws, Policy: policy, Log: slog.New(slog.NewTextHandler(log, nil)), MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { s.Close(ctx) })
	return s
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func published(t *testing.T, s *Service) (store.SignedCheckpoint, bool) {
	t.Helper()
	cp, ok, err := s.Published(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cp, ok
}

var admin = access.Principal{UserID: "usr_admin", Username: "admin", Roles: []access.Role{access.Admin}, Via: "session"}

func TestTwoWitnessesCosignEachCheckpoint(t *testing.T) {
	db := openStore(t, t.TempDir())
	write(t, db, 3, "Org")
	a, _ := startWitness(t, "witness.side-a", db)
	b, _ := startWitness(t, "witness.side-b", db)
	s := newService(t, db, nil, nil, a, b)
	waitFor(t, "both cosignatures at size 3", func() bool { cp, ok := published(t, s); return ok && cp.Size == 3 })
	for round := range 3 {
		write(t, db, 2+round, "More")
		want := db.Size()
		waitFor(t, fmt.Sprintf("both cosignatures at size %d", want), func() bool {
			cp, ok := published(t, s)
			return ok && cp.Size == want
		})
	}
	cp, _ := published(t, s)
	if len(cp.Cosignatures) != 2 {
		t.Fatalf("published checkpoint has %d cosignatures", len(cp.Cosignatures))
	}
	// The served note is a checkpoint any tlog-policy client accepts.
	p, err := audit.ParsePolicy([]byte(fmt.Sprintf("log %s\nwitness a %s\nwitness b %s\ngroup both all a b\nquorum both\n", db.Keys().Public, a.Key, b.Key)))
	if err != nil {
		t.Fatal(err)
	}
	by, err := p.Check(cp.Note)
	if err != nil || len(by.By) != 2 {
		t.Fatalf("policy check of the served note: %v %+v", err, by)
	}
	st, err := s.Status(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range st {
		if w.CosignedSize != cp.Size || w.Refused || w.LastError != "" || w.LastContact.IsZero() {
			t.Errorf("state of %s: %+v", w.Name, w)
		}
	}
	// The first change is first covered by the first checkpoint either
	// witness saw: size 3, cosigned at start.
	first, err := s.CosignedBy(ctx, admin, 0)
	if err != nil || len(first) != 2 || first[0].Size != 3 || first[0].Witness != "witness.side-a" {
		t.Fatalf("first cosignatures of change 0: %+v %v", first, err)
	}
	var m bytes.Buffer
	s.WriteMetrics(&m)
	for _, line := range []string{`truce_witness_refused{witness="witness.side-a"} 0`, fmt.Sprintf(`truce_witness_cosigned_size{witness="witness.side-b"} %d`, cp.Size), fmt.Sprintf("truce_log_published_size %d", cp.Size)} {
		if !strings.Contains(m.String(), line+"\n") {
			t.Errorf("metrics lack %q:\n%s", line, m.String())
		}
	}
}

func TestWitnessStateIsForAdminsAndCoChairs(t *testing.T) {
	db := openStore(t, t.TempDir())
	a, _ := startWitness(t, "witness.a", db)
	s, err := New(ctx, db, Config{Witnesses: []Witness{a}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []access.Principal{
		access.Anonymous,
		{UserID: "u1", Roles: []access.Role{access.Monitor}},
		{UserID: "u2", Roles: []access.Role{access.Liaison}, Org: "org_side", OrgKind: "side"},
		{UserID: "u3", Roles: []access.Role{access.Observer}},
	} {
		if _, err := s.Status(ctx, p); errs.CodeOf(err) != errs.CodeForbidden {
			t.Errorf("%v read the witnesses' state: %v", p.Roles, err)
		}
	}
	for _, p := range []access.Principal{admin, {UserID: "u4", Roles: []access.Role{access.CoChair}}} {
		if st, err := s.Status(ctx, p); err != nil || len(st) != 1 {
			t.Errorf("%v: %v", p.Roles, err)
		}
	}
}

// A witness that is down is retried until it answers; writes go on.
func TestAWitnessDownIsRetried(t *testing.T) {
	db := openStore(t, t.TempDir())
	a, stop := startWitness(t, "witness.a", db)
	stop()
	var log logBuffer
	s := newService(t, db, &log, nil, a)
	write(t, db, 2, "Org")
	waitFor(t, "a failure", func() bool { st, _ := s.Status(ctx, admin); return st[0].Failures >= 2 })
	st, _ := s.Status(ctx, admin)
	if st[0].Refused || st[0].LastError == "" || !strings.Contains(log.String(), "retrying with back-off") {
		t.Fatalf("a witness down is not a refusal: %+v\n%s", st[0], log.String())
	}
	if _, ok := published(t, s); ok {
		t.Fatal("published without the witness")
	}
}

// The log rewritten behind the witness's back — a copy of the data
// directory taken earlier and written on differently — is refused by the
// witness, and the refusal is an alarm.
func TestARewrittenLogIsRefused_SQLiteFile(t *testing.T) {
	pgtest.SkipOnPostgres(t)
	dir := t.TempDir()
	db := openStore(t, dir)
	write(t, db, 4, "Org")
	a, _ := startWitness(t, "witness.a", db)
	s, err := New(ctx, db, Config{Witnesses: []Witness{a}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	waitFor(t, "the first cosignature", func() bool { _, ok := published(t, s); return ok })
	s.Close(ctx)
	db.Close()
	copyDir(t, dir, filepath.Join(t.TempDir(), "copy"))
	forked := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-fork")
	copyDir(t, dir, forked)

	// The honest log goes on and is cosigned at size 7.
	db = openStore(t, dir)
	write(t, db, 3, "Honest")
	s = newService(t, db, nil, nil, a)
	waitFor(t, "size 7 cosigned", func() bool { cp, ok := published(t, s); return ok && cp.Size == 7 })
	s.Close(ctx)
	db.Close()

	for _, tc := range []struct {
		name string
		more int
		want string
	}{
		{"longer", 5, "refused"},      // size 9: no proof from 7 verifies
		{"shorter", 1, "rolled back"}, // size 5: smaller than what the witness holds
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "fork")
			copyDir(t, forked, d)
			db := openStore(t, d)
			write(t, db, tc.more, "Forged")
			var log logBuffer
			s := newService(t, db, &log, nil, a)
			waitFor(t, "a refusal", func() bool { return len(s.Alarms(ctx, admin)) == 1 })
			al := s.Alarms(ctx, admin)[0]
			if al.RefusedSize != db.Size() || !strings.Contains(al.RefusedReason, tc.want) {
				t.Fatalf("alarm %+v", al)
			}
			if !strings.Contains(log.String(), "ALARM") {
				t.Fatalf("no alarm in the log:\n%s", log.String())
			}
			if len(s.Alarms(ctx, access.Principal{UserID: "u", Roles: []access.Role{access.Monitor}})) != 0 {
				t.Fatal("a monitor sees the alarm banner")
			}
			var m bytes.Buffer
			s.WriteMetrics(&m)
			if !strings.Contains(m.String(), `truce_witness_refused{witness="witness.a"} 1`) {
				t.Fatalf("metrics:\n%s", m.String())
			}
			if cp, ok := published(t, s); ok && cp.Size != 4 {
				t.Fatalf("the forged log published size %d", cp.Size)
			}
		})
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			copyDir(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBadConfigurationIsRefused(t *testing.T) {
	db := openStore(t, t.TempDir())
	a, _ := startWitness(t, "witness.a", db)
	b, _ := startWitness(t, "witness.b", db)
	for _, tc := range []struct {
		name   string
		ws     []Witness
		policy string
		want   string
	}{
		{"no witness", nil, "", "no witness"},
		{"twice", []Witness{a, a}, "", "two witnesses are named witness.a"},
		{"policy of another log", []Witness{a}, "log " + otherLogKey(t) + "\nquorum none\n", "not this one"},
		{"quorum out of reach", []Witness{a}, "witness a " + a.Key + "\nwitness b " + b.Key + "\ngroup g all a b\nquorum g\n", "cannot be met"},
		{"policy that does not parse", []Witness{a}, "quorum\n", "witness policy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p []byte
			if tc.policy != "" {
				p = []byte(tc.policy)
			}
			_, err := New(ctx, db, Config{Witnesses: tc.ws, Policy: p})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	// 1 of 2 is a policy the two witnesses meet with either.
	if _, err := New(ctx, db, Config{Witnesses: []Witness{a, b}, Policy: []byte("witness a " + a.Key + "\nwitness b " + b.Key + "\ngroup g 1 a b\nquorum g\n")}); err != nil {
		t.Fatal(err)
	}
}

func otherLogKey(t *testing.T) string {
	db := openStore(t, t.TempDir())
	return db.Keys().Public
}

// Of two servers on one database only one signs and submits; the other
// publishes what the witnesses cosigned all the same, read from the
// database, not from its own submissions.
func TestAServerThatDoesNotSubmitPublishesToo(t *testing.T) {
	dir := t.TempDir()
	db := openStore(t, dir)
	write(t, db, 3, "Org")
	a, _ := startWitness(t, "witness.side-a", db)
	b, _ := startWitness(t, "witness.side-b", db)
	s := newService(t, db, nil, nil, a, b)
	other := openStore(t, dir) // a second handle on the same database
	quiet, err := New(ctx, other, Config{Witnesses: []Witness{a, b}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	// quiet is never started: it submits nothing.
	for round := range 3 {
		write(t, db, 2+round, "More")
		want := db.Size()
		waitFor(t, fmt.Sprintf("both cosignatures at size %d", want), func() bool { cp, ok := published(t, s); return ok && cp.Size == want })
		cp, ok := published(t, quiet)
		if !ok || cp.Size != want || len(cp.Cosignatures) != 2 {
			t.Fatalf("round %d: the other server publishes size %d (%v, %d cosignatures), want %d with 2", round, cp.Size, ok, len(cp.Cosignatures), want)
		}
	}
}
