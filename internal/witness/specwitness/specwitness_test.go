package specwitness_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tdnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/witness/specwitness"
)

var fixedNow = time.Unix(1_700_000_000, 0)

// oracle serves a spec witness with a fixed clock that trusts l.
func oracle(t *testing.T, l *specwitness.Log) (*specwitness.Witness, string) {
	t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := specwitness.New("oracle.test/w", key, func() time.Time { return fixedNow })
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddLog(l.Origin(), l.VKey()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return w, srv.URL
}

func mustLog(t testing.TB, origin string, entries int) *specwitness.Log {
	t.Helper()
	l, err := specwitness.NewLog(origin)
	if err != nil {
		t.Fatal(err)
	}
	for i := range entries {
		l.Append(strings.Repeat("e", i+1))
	}
	return l
}

func post(t *testing.T, url string, body []byte) (int, string, string) {
	t.Helper()
	resp, err := http.Post(url+"/add-checkpoint", "text/plain", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header.Get("Content-Type")
}

// badSignature flips a bit of the Ed25519 signature in a note's first
// signature line, keeping its key name and key ID.
func badSignature(t *testing.T, signed []byte) []byte {
	t.Helper()
	i := bytes.LastIndex(signed, []byte("\n\n"))
	line := string(signed[i+2:])
	name, b64, _ := strings.Cut(strings.TrimPrefix(strings.TrimSuffix(line, "\n"), "— "), " ")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 1
	return append(signed[:i+2:i+2], "— "+name+" "+base64.StdEncoding.EncodeToString(raw)+"\n"...)
}

func b64(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

func hashes(n int) []tlog.Hash { return make([]tlog.Hash, n) }

// Every rule of tlog-witness add-checkpoint, in a sequence that moves one
// witness's view of one log; a refused request changes nothing.
func TestAddCheckpointFollowsTheSpec(t *testing.T) {
	l := mustLog(t, "example.test/log", 12)
	w, url := oracle(t, l)
	stranger := mustLog(t, "example.test/other", 3)
	impostor := mustLog(t, l.Origin(), 12)                       // same origin, untrusted key
	fork := l.Sign(l.Origin() + "\n4\n" + b64(l.Root(5)) + "\n") // signed by the log's key

	steps := []struct {
		name   string
		body   []byte
		status int
		size   int64 // the witness's latest size after the step, -1: none
	}{
		{"unknown origin", stranger.Submission(0, 3), 404, -1},
		{"known origin, only an untrusted key's signature", impostor.Submission(0, 3), 403, -1},
		{"trusted key, signature fails", badSignature(t, l.Submission(0, 3)), 403, -1},
		{"old size line with a leading zero", []byte("old 03\n\n" + string(l.Checkpoint(3))), 400, -1},
		{"old size negative", []byte("old -1\n\n" + string(l.Checkpoint(3))), 400, -1},
		{"old size with two spaces", []byte("old  0\n\n" + string(l.Checkpoint(3))), 400, -1},
		{"old size with CR", []byte("old 0\r\n\n" + string(l.Checkpoint(3))), 400, -1},
		{"old size beyond int64", []byte("old 9223372036854775808\n\n" + string(l.Checkpoint(3))), 400, -1},
		{"no old line", []byte("\n" + string(l.Checkpoint(3))), 400, -1},
		{"body without newline", []byte("old 0"), 400, -1},
		{"no empty line before the checkpoint", []byte("old 0\n"), 400, -1},
		{"no checkpoint", []byte("old 0\n\n"), 400, -1},
		{"checkpoint with an empty origin line", []byte("old 0\n\n" + string(l.Sign("\n3\n"+b64(l.Root(3))+"\n"))), 400, -1},
		{"proof line not base64", []byte("old 0\nnot-base64\n\n" + string(l.Checkpoint(3))), 400, -1},
		{"proof line of 31 bytes", []byte("old 0\n" + base64.StdEncoding.EncodeToString(make([]byte, 31)) + "\n\n" + string(l.Checkpoint(3))), 400, -1},
		{"64 proof lines", specwitness.Request(0, hashes(64), l.Checkpoint(3)), 400, -1},
		{"10000 proof lines", specwitness.Request(0, hashes(10000), l.Checkpoint(3)), 400, -1},
		{"checkpoint of two lines", []byte("old 0\n\n" + string(l.Sign(l.Origin()+"\n3\n"))), 400, -1},
		{"checkpoint size with a leading zero", []byte("old 0\n\n" + string(l.Sign(strings.Replace(l.Text(3), "\n3\n", "\n03\n", 1)))), 400, -1},
		{"checkpoint root not 32 bytes", []byte("old 0\n\n" + string(l.Sign(l.Origin()+"\n3\nAAAA\n"))), 400, -1},
		{"checkpoint with an empty extension line", []byte("old 0\n\n" + string(l.Sign(l.Text(3)+"\nmore\n"))), 400, -1},
		{"checkpoint not a signed note", []byte("old 0\n\n" + l.Text(3)), 400, -1},
		{"old above the checkpoint's size", []byte("old 5\n\n" + string(l.Checkpoint(3))), 400, -1},
		{"size 0 with another root than the empty tree's", []byte("old 0\n\n" + string(l.Sign(l.Origin()+"\n0\n"+b64(l.Root(1))+"\n"))), 422, -1},
		{"size 0, the empty tree", []byte("old 0\n\n" + string(l.Sign(l.Origin()+"\n0\n"+b64(sha256.Sum256(nil))+"\n"))), 200, 0},
		{"old 0 with a proof", specwitness.Request(0, l.Proof(2, 4), l.Checkpoint(4)), 422, 0},
		{"first checkpoint", l.Submission(0, 4), 200, 4},
		{"old 0 again", l.Submission(0, 6), 409, 4},
		{"old size not the latest cosigned", l.Submission(3, 6), 409, 4},
		{"smaller tree", specwitness.Request(4, nil, l.Checkpoint(3)), 400, 4},
		{"proof with a changed hash", func() []byte { p := l.Proof(4, 6); p[0][0] ^= 1; return specwitness.Request(4, p, l.Checkpoint(6)) }(), 422, 4},
		{"proof from another size", specwitness.Request(4, l.Proof(3, 6), l.Checkpoint(6)), 422, 4},
		{"no proof", specwitness.Request(4, nil, l.Checkpoint(6)), 422, 4},
		{"fork at the same size", specwitness.Request(4, nil, fork), 422, 4},
		{"same size, same root, with a proof", specwitness.Request(4, []tlog.Hash{l.Root(4)}, l.Checkpoint(4)), 422, 4},
		{"same checkpoint again", l.Submission(4, 4), 200, 4},
		{"consistent growth", l.Submission(4, 6), 200, 6},
		{"extension lines are cosigned", l.Submission(6, 9, "ext one", "ext two"), 200, 9},
		{"growth from a power of two", l.Submission(9, 12), 200, 12},
	}

	cosigner, err := specwitness.NewVerifier(w.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	// An independent implementation of cosignature/v1.
	thirdParty, err := tdnote.NewVerifierForCosignatureV1(w.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	logKey, err := note.NewVerifier(l.VKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		status, body, ctype := post(t, url, s.body)
		if status != s.status {
			t.Errorf("%s: status %d (%q), want %d", s.name, status, body, s.status)
		}
		size, _, ok := w.Latest(l.Origin())
		if !ok {
			size = -1
		}
		if size != s.size {
			t.Errorf("%s: witness at size %d after, want %d", s.name, size, s.size)
		}
		switch status {
		case 409:
			if ctype != "text/x.tlog.size" || body != "4\n" {
				t.Errorf("%s: 409 answer %q (%s), want \"4\\n\" as text/x.tlog.size", s.name, body, ctype)
			}
		case 200:
			if !strings.HasPrefix(body, "— oracle.test/w ") || strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") {
				t.Fatalf("%s: answer %q is not one signature line", s.name, body)
			}
			checkpoint := s.body[bytes.Index(s.body, []byte("\n\n"))+2:]
			for _, v := range []note.Verifier{cosigner, thirdParty} {
				n, err := note.Open(append(append([]byte{}, checkpoint...), body...), note.VerifierList(logKey, v))
				if err != nil || len(n.Sigs) != 2 {
					t.Fatalf("%s: cosigned checkpoint does not verify: %v", s.name, err)
				}
				at, err := tdnote.CoSigV1Timestamp(n.Sigs[1])
				if err != nil || !at.Equal(fixedNow) {
					t.Errorf("%s: cosignature time %v (%v), want %v", s.name, at, err, fixedNow)
				}
			}
		}
	}

	// Extension lines are part of the signed message: change one and
	// the cosignature no longer verifies.
	status, line, _ := post(t, url, l.Submission(12, 12, "ext"))
	if status != 200 {
		t.Fatalf("re-submitting size 12: %d", status)
	}
	if _, err := note.Open(append(l.Checkpoint(12, "ext2"), line...), note.VerifierList(cosigner)); err == nil {
		t.Error("a cosignature verifies over other extension lines than those submitted")
	}
}

func TestHTTPFrame(t *testing.T) {
	l := mustLog(t, "example.test/log", 2)
	_, url := oracle(t, l)
	resp, err := http.Get(url + "/add-checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET add-checkpoint: %d, want 405", resp.StatusCode)
	}
	huge := append(l.Submission(0, 2), bytes.Repeat([]byte("x"), 2<<20)...)
	if status, _, _ := post(t, url, huge); status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %d, want 413", status)
	}
}

// The monitoring endpoint serves the latest cosigned checkpoint with the
// log's signature and the witness's cosignature.
func TestMonitoringCheckpoint(t *testing.T) {
	l := mustLog(t, "example.test/log", 5)
	w, url := oracle(t, l)
	sum := sha256.Sum256([]byte(l.Origin()))
	get := func() (int, []byte) {
		resp, err := http.Get(url + "/" + hex.EncodeToString(sum[:]) + "/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if status, _ := get(); status != 404 {
		t.Fatalf("before any cosignature: %d, want 404", status)
	}
	if status, body, _ := post(t, url, l.Submission(0, 5)); status != 200 {
		t.Fatalf("submit: %d %s", status, body)
	}
	status, body := get()
	logKey, _ := note.NewVerifier(l.VKey())
	cosigner, _ := specwitness.NewVerifier(w.VerifierKey())
	n, err := note.Open(body, note.VerifierList(logKey, cosigner))
	if status != 200 || err != nil || len(n.Sigs) != 2 || n.Text != l.Text(5) {
		t.Fatalf("monitoring checkpoint: %d %v %q", status, err, body)
	}
}

func TestVerifierKeyIsAValidCosignatureKey(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	w, err := specwitness.New("w.example/x", key, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	vk := w.VerifierKey()
	if _, err := specwitness.NewVerifier(vk); err != nil {
		t.Fatal(err)
	}
	// The same key as a plain Ed25519 note key (type 0x01) converts to
	// ours with transparency-dev's converter.
	_, rest, _ := strings.Cut(vk, "+")
	_, key64, _ := strings.Cut(rest, "+")
	raw, _ := base64.StdEncoding.DecodeString(key64)
	plain, err := note.NewEd25519VerifierKey("w.example/x", ed25519.PublicKey(raw[1:]))
	if err != nil {
		t.Fatal(err)
	}
	if conv, err := tdnote.VKeyToCosignatureV1(plain); err != nil || conv != vk {
		t.Errorf("vkey %s, transparency-dev derives %s (%v)", vk, conv, err)
	}
	for _, bad := range []string{"", "w.example/x", plain, strings.Replace(vk, "+", "+0", 1), vk[:len(vk)-2] + "AA"} {
		if _, err := specwitness.NewVerifier(bad); err == nil {
			t.Errorf("NewVerifier(%q) accepted", bad)
		}
	}
	for _, name := range []string{"", "a b", "a+b"} {
		if _, err := specwitness.New(name, key, time.Now); err == nil {
			t.Errorf("New(%q) accepted", name)
		}
	}
}

// Any body gets one of the spec's answers, a refusal changes nothing, and
// a cosignature is over the submitted checkpoint and moves the witness to it.
func FuzzAddCheckpoint(f *testing.F) {
	l := mustLog(f, "example.test/fuzz", 9)
	_, key, _ := ed25519.GenerateKey(nil)
	w, err := specwitness.New("oracle.test/fuzz", key, func() time.Time { return fixedNow })
	if err != nil {
		f.Fatal(err)
	}
	if err := w.AddLog(l.Origin(), l.VKey()); err != nil {
		f.Fatal(err)
	}
	cosigner, _ := specwitness.NewVerifier(w.VerifierKey())
	logKey, _ := note.NewVerifier(l.VKey())
	f.Add(l.Submission(0, 3))
	f.Add(l.Submission(3, 7, "ext"))
	f.Add(l.Submission(0, 0))
	f.Add(specwitness.Request(3, hashes(2), l.Checkpoint(9)))
	f.Add([]byte("old 0\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		before, _, _ := w.Latest(l.Origin())
		a := w.AddCheckpoint(body)
		after, root, _ := w.Latest(l.Origin())
		switch a.Status {
		case 400, 403, 404, 409, 422:
			if after != before {
				t.Fatalf("refused with %d, moved from %d to %d", a.Status, before, after)
			}
		case 200:
			checkpoint := body[bytes.Index(body, []byte("\n\n"))+2:]
			n, err := note.Open(append(bytes.Clone(checkpoint), a.Body...), note.VerifierList(logKey, cosigner))
			if err != nil || len(n.Sigs) < 2 || !strings.HasPrefix(n.Text, l.Text(after)) || root != l.Root(after) {
				t.Fatalf("cosigned %q as %q: %v", body, a.Body, err)
			}
		default:
			t.Fatalf("status %d for %q", a.Status, body)
		}
	})
}
