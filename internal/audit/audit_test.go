package audit_test

import (
	"context"
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/ledger"
)

func readState(t *testing.T, dir string) audit.State {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, audit.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	s, err := audit.ParseState(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFirstAuditThenIncremental(t *testing.T) {
	l := startLog(t, t.TempDir(), nil)
	l.write(100, 500)
	state := t.TempDir()

	first, err := l.audit(state, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !first.First || first.Size != l.size() || first.New != first.Size || first.Public["organisation"] != 100 {
		t.Fatalf("first audit: %+v, want all %d changes new with 100 public organisations", first, l.size())
	}
	if s := readState(t, state); s.Size != first.Size || s.Root != first.Root || !strings.Contains(s.Checkpoint, "\n"+strconv.FormatInt(first.Size, 10)+"\n") {
		t.Fatalf("saved state %+v, want size %d", s, first.Size)
	}

	l.write(50, 250)
	rec := &recorder{}
	second, err := l.audit(state, &http.Client{Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if second.First || second.OldSize != first.Size || second.Size != l.size() {
		t.Fatalf("second audit: %+v", second)
	}
	if second.New != 300 || second.Committed != 250 || len(second.Public) != 1 || second.Public["organisation"] != 50 {
		t.Fatalf("second audit reports %d new (%d committed, public %v), want 300 (250 committed, organisation 50)", second.New, second.Committed, second.Public)
	}
	// Only the bundles from the one holding the old size on are read.
	bundles := rec.withPrefix("/log/tile/entries/")
	wantBundles := int((second.Size-1)/ledger.TileWidth - first.Size/ledger.TileWidth + 1)
	if len(bundles) != wantBundles {
		t.Errorf("second audit read %d bundles %v, want %d", len(bundles), bundles, wantBundles)
	}
	for _, p := range bundles {
		tile, err := ledger.ParseTilePath(strings.TrimPrefix(p, "/log/"))
		if err != nil || tile.N < first.Size/ledger.TileWidth {
			t.Errorf("second audit read bundle %s, before the saved size %d", p, first.Size)
		}
	}
	if tiles := len(rec.paths) - len(bundles) - 1; tiles == 0 || tiles > 8 {
		t.Errorf("second audit read %d hash tiles for its consistency proof: %v", tiles, rec.paths)
	}

	rec = &recorder{}
	third, err := l.audit(state, &http.Client{Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if third.New != 0 || third.Size != second.Size || len(rec.paths) != 1 {
		t.Fatalf("third audit with nothing new: %d new, requests %v", third.New, rec.paths)
	}
}

func TestEmptyLog(t *testing.T) {
	l := startLog(t, t.TempDir(), nil)
	state := t.TempDir()
	rep, err := l.audit(state, nil)
	if err != nil || rep.Size != 0 || rep.New != 0 {
		t.Fatalf("audit of a new, empty log: %+v, %v", rep, err)
	}
	l.write(1, 0)
	if rep, err = l.audit(state, nil); err != nil || rep.OldSize != 0 || rep.New != 1 {
		t.Fatalf("audit after the first change: %+v, %v", rep, err)
	}
}

func TestTamperedEntriesFail(t *testing.T) {
	for _, tc := range []struct {
		name string
		stmt string
	}{
		{"public leaf's record renamed", `UPDATE changes SET id = 'org_forged' WHERE seq = ?`},
		{"committed leaf's salt replaced", `UPDATE changes SET salt = randomblob(32) WHERE seq = ?`},
		{"change time moved", `UPDATE changes SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = ?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := startLog(t, t.TempDir(), nil)
			l.write(10, 290)
			state := t.TempDir()
			if _, err := l.audit(state, nil); err != nil {
				t.Fatal(err)
			}
			saved := l.size()
			l.write(1, 1)
			seq := l.size() - 2 // the public one
			if strings.Contains(tc.stmt, "salt") {
				seq++ // the committed one
			}
			l.tamper(tc.stmt, seq)

			_, err := l.audit(state, nil)
			want := "saved size " + strconv.FormatInt(saved, 10) + ", checkpoint size " + strconv.FormatInt(l.size(), 10)
			if !errors.Is(err, audit.ErrInconsistent) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "do not hash to the checkpoint's root") {
				t.Fatalf("audit of a tampered log: %v, want ErrInconsistent naming %q", err, want)
			}
			if s := readState(t, state); s.Size != saved {
				t.Errorf("a failed audit saved size %d, want the old %d kept", s.Size, saved)
			}
			// A first audit, with no state, finds it too.
			if _, err := l.audit(t.TempDir(), nil); !errors.Is(err, audit.ErrInconsistent) || !strings.Contains(err.Error(), "no saved state") {
				t.Fatalf("first audit of a tampered log: %v", err)
			}
		})
	}
}

func TestTamperedHashTileFails(t *testing.T) {
	l := startLog(t, t.TempDir(), nil)
	l.write(0, 300)
	state := t.TempDir()
	if _, err := l.audit(state, nil); err != nil {
		t.Fatal(err)
	}
	l.write(0, 300)
	// The stored hash of leaf 297, which the hash tiles serve for the
	// consistency proof, replaced (blocks of 63 stored hashes a row).
	idx := tlog.StoredHashIndex(0, 297)
	off := idx % 63 * 64
	l.tamper(`UPDATE ledger_hash_blocks SET hashes = unhex(substr(hex(hashes), 1, ?) || hex(randomblob(32)) || substr(hex(hashes), ?)) WHERE n = ?`, off, off+65, idx/63)
	_, err := l.audit(state, nil)
	if !errors.Is(err, audit.ErrInconsistent) || !strings.Contains(err.Error(), "saved size 300") || !strings.Contains(err.Error(), "hash tiles") {
		t.Fatalf("audit with an edited hash tile: %v", err)
	}
}

func TestCheckpointSignedWithAnotherKey(t *testing.T) {
	l := startLog(t, t.TempDir(), nil)
	l.write(5, 5)
	for _, name := range []string{l.app.DB.Keys().Origin, "truce.local/log/other"} {
		_, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			t.Fatal(err)
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			t.Fatal(err)
		}
		_, err = audit.Run(context.Background(), audit.Config{URL: l.url, Key: v, StateDir: t.TempDir()})
		if !errors.Is(err, audit.ErrInconsistent) || !strings.Contains(err.Error(), "does not verify") {
			t.Errorf("key %s: %v, want the signature refused", name, err)
		}
	}
}

// forkedLogs returns two logs of the same origin and key (both made from
// the same seed) that hold different changes.
func forkedLogs(t *testing.T) (*testLog, *testLog) {
	a := startLog(t, t.TempDir(), mrand.NewChaCha8([32]byte{7}))
	b := startLog(t, t.TempDir(), mrand.NewChaCha8([32]byte{7}))
	b.tag = "b"
	if a.app.DB.Keys().Public != b.app.DB.Keys().Public || a.size() != b.size() {
		t.Fatalf("logs from the same seed differ: %s (%d) and %s (%d)", a.app.DB.Keys().Public, a.size(), b.app.DB.Keys().Public, b.size())
	}
	return a, b
}

func TestForkAtTheSameSizeFails(t *testing.T) {
	a, b := forkedLogs(t)
	a.write(3, 300)
	b.write(3, 300)
	state := t.TempDir()
	if _, err := a.audit(state, nil); err != nil {
		t.Fatal(err)
	}
	_, err := b.audit(state, nil)
	want := "saved size " + strconv.FormatInt(a.size(), 10) + ", checkpoint size " + strconv.FormatInt(b.size(), 10)
	if !errors.Is(err, audit.ErrInconsistent) || !strings.Contains(err.Error(), "a fork") || !strings.Contains(err.Error(), want) {
		t.Fatalf("audit of the other log at the same size: %v", err)
	}
}

func TestForkThatGrewFails(t *testing.T) {
	a, b := forkedLogs(t)
	a.write(3, 300)
	b.write(3, 600)
	state := t.TempDir()
	if _, err := a.audit(state, nil); err != nil {
		t.Fatal(err)
	}
	_, err := b.audit(state, nil)
	if !errors.Is(err, audit.ErrInconsistent) || !strings.Contains(err.Error(), "saved size "+strconv.FormatInt(a.size(), 10)) {
		t.Fatalf("audit of a longer fork: %v", err)
	}
	// And a log that shrank: the first log, audited after the longer one.
	state = t.TempDir()
	if _, err := b.audit(state, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.audit(state, nil); !errors.Is(err, audit.ErrInconsistent) || !strings.Contains(err.Error(), "shrank") {
		t.Fatalf("audit of a smaller tree: %v", err)
	}
}

func TestUnreachableLogIsNotInconsistent(t *testing.T) {
	l := startLog(t, t.TempDir(), nil)
	l.write(1, 1)
	state := t.TempDir()
	if _, err := l.audit(state, nil); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	_, err = audit.Run(context.Background(), audit.Config{URL: dead, Key: l.app.DB.Keys().Verifier, StateDir: state})
	if !errors.Is(err, audit.ErrUnavailable) || errors.Is(err, audit.ErrInconsistent) {
		t.Fatalf("audit of a log that is down: %v, want ErrUnavailable", err)
	}
	// A server that answers, but not with the log.
	_, err = audit.Run(context.Background(), audit.Config{URL: l.url + "/nothing", Key: l.app.DB.Keys().Verifier, StateDir: state})
	if !errors.Is(err, audit.ErrUnavailable) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("audit of a wrong URL: %v, want ErrUnavailable with the status", err)
	}
	if s := readState(t, state); s.Size != l.size() {
		t.Errorf("state changed by failed runs: %+v", s)
	}
}

func TestStateOfAnotherLogIsRefused(t *testing.T) {
	a := startLog(t, t.TempDir(), nil)
	b := startLog(t, t.TempDir(), nil)
	a.write(1, 1)
	state := t.TempDir()
	if _, err := a.audit(state, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.audit(state, nil); !errors.Is(err, audit.ErrState) || !strings.Contains(err.Error(), "not") {
		t.Fatalf("audit of another log with this state: %v, want ErrState", err)
	}
	if err := os.WriteFile(filepath.Join(state, audit.StateFile), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := a.audit(state, nil); !errors.Is(err, audit.ErrState) {
		t.Fatalf("audit with a broken state file: %v, want ErrState", err)
	}
}
