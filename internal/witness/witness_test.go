package witness_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/witness"
)

var ctx = context.Background()

// seqReader makes key material reproducible.
type seqReader struct{ r *rand.ChaCha8 }

func (s seqReader) Read(p []byte) (int, error) { return s.r.Read(p) }

// otherLog is a log built directly with golang.org/x/mod/sumdb/tlog, as
// another implementation would: record hashes, stored hashes, tree hashes
// and proofs, with checkpoints signed by its own Ed25519 note key.
type otherLog struct {
	origin string
	kind   string // the records' text: two logs of one origin and kind hold the same records
	signer note.Signer
	vkey   string
	hashes []tlog.Hash // stored hashes, tlog's layout
	size   int64
}

func newOtherLog(t testing.TB, origin string, seed byte) *otherLog {
	t.Helper()
	skey, vkey, err := note.GenerateKey(seqReader{rand.NewChaCha8([32]byte{seed})}, origin)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return &otherLog{origin: origin, kind: "record", signer: signer, vkey: vkey}
}

func (l *otherLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		out[i] = l.hashes[idx]
	}
	return out, nil
}

// append adds n records.
func (l *otherLog) append(t testing.TB, n int) {
	t.Helper()
	for range n {
		hs, err := tlog.StoredHashes(l.size, fmt.Appendf(nil, "%s %d of %s", l.kind, l.size, l.origin), l)
		if err != nil {
			t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
		l.size++
	}
}

func (l *otherLog) root(t testing.TB, size int64) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(size, l)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// checkpoint signs a checkpoint of the given size and root.
func (l *otherLog) sign(t testing.TB, size int64, root tlog.Hash, signers ...note.Signer) []byte {
	t.Helper()
	if len(signers) == 0 {
		signers = []note.Signer{l.signer}
	}
	text := fmt.Sprintf("%s\n%d\n%s\n", l.origin, size, base64.StdEncoding.EncodeToString(root[:]))
	signed, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func (l *otherLog) checkpoint(t testing.TB, size int64) []byte {
	return l.sign(t, size, l.root(t, size))
}

func (l *otherLog) proof(t testing.TB, from, to int64) tlog.TreeProof {
	t.Helper()
	p, err := tlog.ProveTree(to, from, l)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (l *otherLog) config() witness.Log { return witness.Log{Origin: l.origin, Keys: []string{l.vkey}} }

// testWitness is a witness served over real HTTP on 127.0.0.1:0.
type testWitness struct {
	*witness.Witness
	dir string
	url string
}

func startWitness(t testing.TB, dir string, logs ...witness.Log) *testWitness {
	t.Helper()
	w, err := witness.Open(ctx, witness.Config{Dir: dir, Name: "witness.side-a.example", Logs: logs,
		Rand: seqReader{rand.NewChaCha8([32]byte{42})}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return &testWitness{Witness: w, dir: dir, url: srv.URL}
}

// body is an add-checkpoint request body.
func body(old int64, proof tlog.TreeProof, checkpoint []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		fmt.Fprintf(&b, "%s\n", base64.StdEncoding.EncodeToString(h[:]))
	}
	b.WriteString("\n")
	b.Write(checkpoint)
	return b.Bytes()
}

type answer struct {
	status      int
	body        string
	contentType string
}

func (w *testWitness) post(t testing.TB, b []byte) answer {
	t.Helper()
	resp, err := http.Post(w.url+"/add-checkpoint", "text/plain", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, string(got), resp.Header.Get("Content-Type")}
}

func (w *testWitness) submit(t testing.TB, old int64, proof tlog.TreeProof, checkpoint []byte) answer {
	t.Helper()
	return w.post(t, body(old, proof, checkpoint))
}

// mustCosign submits and checks that the answer is a valid cosignature.
func (w *testWitness) mustCosign(t testing.TB, old int64, proof tlog.TreeProof, checkpoint []byte) string {
	t.Helper()
	before := time.Now().Unix()
	a := w.submit(t, old, proof, checkpoint)
	if a.status != http.StatusOK {
		t.Fatalf("add-checkpoint old %d: %d %q", old, a.status, a.body)
	}
	checkCosignature(t, w.VerifierKey(), checkpoint, a.body, before, time.Now().Unix())
	return a.body
}

// checkCosignature checks a witness's answer twice: as the spec says a
// client may (appended to the checkpoint and opened with a note verifier
// for the witness key, here transparency-dev/formats'), and byte by byte
// against c2sp.org/tlog-cosignature, written here from the spec.
func checkCosignature(t testing.TB, vkey string, checkpoint []byte, answer string, notBefore, notAfter int64) {
	t.Helper()
	if !strings.HasPrefix(answer, "— ") || !strings.HasSuffix(answer, "\n") || strings.Count(answer, "\n") != 1 {
		t.Fatalf("the answer is not one signature line: %q", answer)
	}
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(append(bytes.Clone(checkpoint), answer...), note.VerifierList(v)); err != nil {
		t.Fatalf("the cosignature does not verify with %s: %v", vkey, err)
	}

	// vkey: name+hex(key ID)+base64(0x04 || Ed25519 public key).
	parts := strings.SplitN(vkey, "+", 3)
	key, _ := base64.StdEncoding.DecodeString(parts[2])
	if len(parts) != 3 || len(key) != 33 || key[0] != 0x04 {
		t.Fatalf("verifier key %q is not an Ed25519 cosignature key (type 0x04)", vkey)
	}
	name, pub := parts[0], ed25519.PublicKey(key[1:])
	id := sha256.Sum256(append([]byte(name+"\n\x04"), pub...))
	if parts[1] != hex.EncodeToString(id[:4]) {
		t.Fatalf("key ID %s, want SHA-256(name || \\n || 0x04 || key)[:4] = %x", parts[1], id[:4])
	}
	lineName, sig64, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(answer, "— "), "\n"), " ")
	sig, err := base64.StdEncoding.DecodeString(sig64)
	if lineName != name || err != nil || len(sig) != 4+8+64 || !bytes.Equal(sig[:4], id[:4]) {
		t.Fatalf("signature line %q: want %s, key ID, 8-byte timestamp, 64-byte Ed25519 signature", answer, name)
	}
	ts := binary.BigEndian.Uint64(sig[4:12])
	if int64(ts) < notBefore || int64(ts) > notAfter {
		t.Fatalf("timestamp %d is not the time of cosigning (%d..%d)", ts, notBefore, notAfter)
	}
	text := checkpoint[:bytes.LastIndex(checkpoint, []byte("\n\n"))+1]
	msg := fmt.Appendf(nil, "cosignature/v1\ntime %d\n%s", ts, text)
	if !ed25519.Verify(pub, msg, sig[12:]) {
		t.Fatal("the Ed25519 signature is not over cosignature/v1, the time and the checkpoint text")
	}
}

// latest is what the witness serves monitors for origin ("" when none).
func (w *testWitness) latest(t testing.TB, origin string) string {
	t.Helper()
	h := sha256.Sum256([]byte(origin))
	resp, err := http.Get(w.url + "/" + hex.EncodeToString(h[:]) + "/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		return ""
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET checkpoint: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// stateFiles reads every file of the witness's state directory.
func stateFiles(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rfc6962Root is the Merkle tree hash of RFC 6962 section 2.1 computed
// from the records themselves, by its recursive definition: the check that
// otherLog, built with x/mod's tlog, is a standard log and not one that
// merely shares code with Truce's ledger.
func rfc6962Root(records [][]byte) tlog.Hash {
	switch len(records) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, records[0]...))
	}
	k := 1
	for k*2 < len(records) {
		k *= 2
	}
	left, right := rfc6962Root(records[:k]), rfc6962Root(records[k:])
	return sha256.Sum256(append(append([]byte{1}, left[:]...), right[:]...))
}

// Our witness cosigns a log made by another implementation: records,
// stored hashes, tree hashes and proofs from golang.org/x/mod's tlog,
// checkpoints signed with its note package, nothing of Truce's ledger.
func TestCosignsALogOfAnotherImplementation(t *testing.T) {
	l := newOtherLog(t, "example.org/other-log", 1)
	w := startWitness(t, t.TempDir(), l.config())
	if got := w.latest(t, l.origin); got != "" {
		t.Fatalf("a new witness serves a checkpoint: %q", got)
	}
	l.append(t, 100)
	var records [][]byte
	for i := range int64(100) {
		records = append(records, fmt.Appendf(nil, "%s %d of %s", l.kind, i, l.origin))
	}
	for _, n := range []int64{1, 5, 6, 13, 64, 100} {
		if l.root(t, n) != rfc6962Root(records[:n]) {
			t.Fatalf("the other log's root at size %d is not RFC 6962's", n)
		}
	}
	l.hashes, l.size = l.hashes[:tlog.StoredHashCount(5)], 5
	cp5 := l.checkpoint(t, 5)
	cosig := w.mustCosign(t, 0, nil, cp5)
	if got, want := w.latest(t, l.origin), string(cp5)+cosig; got != want {
		t.Fatalf("monitors get %q, want the checkpoint with its cosignature %q", got, want)
	}
	for _, to := range []int64{6, 13, 13, 64, 100} { // 13 twice: the same checkpoint again
		from := l.size
		if to > l.size {
			l.append(t, int(to-l.size))
		} else {
			from = to
		}
		w.mustCosign(t, from, l.proof(t, from, to), l.checkpoint(t, to))
	}
	// Extension lines are signed and cosigned with the rest of the text.
	root := l.root(t, 100)
	ext, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n100\n%s\nan extension line\n", l.origin, base64.StdEncoding.EncodeToString(root[:]))}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	w.mustCosign(t, 100, nil, ext)
}

// Our witness cosigns Truce's log: two checkpoints signed by the store and
// the consistency proof between them.
func TestCosignsATruceLog(t *testing.T) {
	db, err := store.Open(ctx, t.TempDir(), store.WithSynchronous("normal"), store.WithRand(seqReader{rand.NewChaCha8([32]byte{3})}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	orgs := agreement.New(db)
	write := func(n int) store.SignedCheckpoint {
		t.Helper()
		for range n {
			i := db.Size()
			if _, err := orgs.CreateOrganisation(ctx, access.System, agreement.OrganisationInput{
				Name: fmt.Sprintf("Organisation %d", i), ShortName: fmt.Sprintf("Org %d", i), Kind: agreement.KindGuarantor, Country: "RU"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		cp, err := db.LatestCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	keys := db.Keys()
	w := startWitness(t, t.TempDir(), witness.Log{Origin: keys.Origin, Keys: []string{keys.Public}})

	first := write(3)
	w.mustCosign(t, 0, nil, first.Note)
	second := write(4)
	proof, err := db.ConsistencyProof(ctx, first.Size, second.Size)
	if err != nil {
		t.Fatal(err)
	}
	cosig := w.mustCosign(t, first.Size, proof, second.Note)
	if got := w.latest(t, keys.Origin); got != string(second.Note)+cosig {
		t.Fatalf("monitors get %q", got)
	}
}

// Every refusal answers the status c2sp.org/tlog-witness gives it and
// stores nothing.
func TestRefusals(t *testing.T) {
	l := newOtherLog(t, "example.org/other-log", 1)
	unknown := newOtherLog(t, "example.org/unknown-log", 2)
	impostor := newOtherLog(t, l.origin, 3) // the same origin, another key
	w := startWitness(t, t.TempDir(), l.config())
	l.append(t, 20)
	w.mustCosign(t, 0, nil, l.checkpoint(t, 10))
	unknown.append(t, 4)

	good := l.checkpoint(t, 20)
	// A fork: other records after the first 5, signed by the log's key.
	fork := newOtherLog(t, l.origin, 1)
	fork.hashes, fork.size, fork.kind = slices.Clone(l.hashes[:tlog.StoredHashCount(5)]), 5, "forked record"
	fork.append(t, 15)
	badSig := bytes.Clone(good)
	sigAt := bytes.LastIndex(badSig, []byte(" ")) + 20 // past the key ID
	badSig[sigAt] ^= 'A' ^ 'B'
	if badSig[sigAt] == good[sigAt] {
		t.Fatal("the signature was not changed")
	}
	badProof := l.proof(t, 10, 20)
	badProof[0][0] ^= 1
	otherRoot := l.root(t, 11) // a root that is not the root at size 10

	cases := []struct {
		name   string
		body   []byte
		status int
		want   string // in the answer
	}{
		{"bad signature", body(10, l.proof(t, 10, 20), badSig), http.StatusForbidden, "does not verify"},
		{"signed by another key only", body(10, l.proof(t, 10, 20), impostor.sign(t, 20, l.root(t, 20))), http.StatusForbidden, "no signature"},
		{"not signed at all", body(10, l.proof(t, 10, 20), []byte(strings.Split(string(good), "\n\n")[0]+"\n\n")), http.StatusBadRequest, "malformed"},
		{"unknown origin", body(0, nil, unknown.checkpoint(t, 4)), http.StatusNotFound, "unknown log"},
		{"old size lower than the last cosigned", body(5, l.proof(t, 5, 20), good), http.StatusConflict, "10\n"},
		{"old size higher than the last cosigned", body(15, l.proof(t, 15, 20), good), http.StatusConflict, "10\n"},
		{"old size 0 after a cosignature", body(0, nil, good), http.StatusConflict, "10\n"},
		{"a smaller tree, from its own size", body(5, nil, l.checkpoint(t, 5)), http.StatusConflict, "10\n"},
		{"a smaller tree, from the size last cosigned", body(10, nil, l.checkpoint(t, 5)), http.StatusBadRequest, "larger than the checkpoint"},
		{"a fork at the same size", body(10, nil, l.sign(t, 10, otherRoot)), http.StatusUnprocessableEntity, "fork"},
		{"a fork at a larger size", body(10, fork.proof(t, 10, 20), fork.checkpoint(t, 20)), http.StatusUnprocessableEntity, "does not verify"},
		{"bad consistency proof", body(10, badProof, good), http.StatusUnprocessableEntity, "does not verify"},
		{"a proof of another size", body(10, l.proof(t, 11, 20), good), http.StatusUnprocessableEntity, "does not verify"},
		{"no proof", body(10, nil, good), http.StatusUnprocessableEntity, "does not verify"},
		{"a proof at the same size", body(10, l.proof(t, 5, 10), l.checkpoint(t, 10)), http.StatusUnprocessableEntity, "does not verify"},
		{"garbage", []byte("hello\n"), http.StatusBadRequest, "malformed"},
		{"old size with a leading zero", append([]byte("old 010\n\n"), good...), http.StatusBadRequest, "malformed"},
		{"no empty line", []byte("old 10\n" + string(good)), http.StatusBadRequest, "malformed"},
		{"checkpoint size with a leading zero", body(10, nil, signText(t, l.signer, strings.Replace(strings.Split(string(good), "\n\n")[0]+"\n", "\n20\n", "\n020\n", 1))), http.StatusBadRequest, "malformed"},
		{"more than 63 proof lines", body(10, make(tlog.TreeProof, 64), good), http.StatusBadRequest, "more than 63"},
		// The text of a note is not read before its signature verifies.
		{"unknown origin, malformed text", body(0, nil, signText(t, unknown.signer, unknown.origin+"\n04\nroot\n")), http.StatusNotFound, "unknown log"},
		{"bad signature over a malformed text", body(10, nil, flipLastSignatureBit(signText(t, l.signer, l.origin+"\n020\nroot\n"))), http.StatusForbidden, "does not verify"},
		{"a proof line that is not a hash", []byte("old 10\nAAAA\n\n" + string(good)), http.StatusBadRequest, "malformed"},
	}
	before := stateFiles(t, w.dir)
	latest := w.latest(t, l.origin)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := w.post(t, c.body)
			if a.status != c.status || !strings.Contains(a.body, c.want) {
				t.Errorf("got %d %q, want %d with %q", a.status, a.body, c.status, c.want)
			}
			if c.status == http.StatusConflict && (a.contentType != "text/x.tlog.size" || a.body != "10\n") {
				t.Errorf("409 answered %q (%s), want the latest size and a newline as text/x.tlog.size", a.body, a.contentType)
			}
			if after := stateFiles(t, w.dir); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("the refusal changed the state directory")
			}
			if got := w.latest(t, l.origin); got != latest {
				t.Errorf("the refusal changed the checkpoint served: %q", got)
			}
		})
	}
	// After all that, the right request is still cosigned.
	w.mustCosign(t, 10, l.proof(t, 10, 20), good)
}

// signText signs any text, well-formed checkpoint or not.
func signText(t *testing.T, signer note.Signer, text string) []byte {
	t.Helper()
	signed, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// flipLastSignatureBit breaks the last signature of a note, keeping its
// key name and ID.
func flipLastSignatureBit(signed []byte) []byte {
	i := bytes.LastIndex(signed, []byte(" "))
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(signed[i+1:])))
	raw[len(raw)-1] ^= 1
	return append(bytes.Clone(signed[:i+1]), base64.StdEncoding.EncodeToString(raw)+"\n"...)
}

// Rules of the first request to a log.
func TestFirstCheckpoint(t *testing.T) {
	l := newOtherLog(t, "example.org/other-log", 1)
	w := startWitness(t, t.TempDir(), l.config())
	l.append(t, 3)
	empty := sha256.Sum256(nil)
	for _, c := range []struct {
		name   string
		body   []byte
		status int
	}{
		{"a proof from size 0", body(0, l.proof(t, 1, 3)[:1], l.checkpoint(t, 3)), http.StatusUnprocessableEntity},
		{"size 0 with another root", body(0, nil, l.sign(t, 0, l.root(t, 3))), http.StatusUnprocessableEntity},
		{"an old size the witness never saw", body(1, l.proof(t, 1, 3), l.checkpoint(t, 3)), http.StatusConflict},
	} {
		if a := w.post(t, c.body); a.status != c.status {
			t.Errorf("%s: %d %q, want %d", c.name, a.status, a.body, c.status)
		}
	}
	if got := w.latest(t, l.origin); got != "" {
		t.Fatalf("refusals stored a checkpoint: %q", got)
	}
	w.mustCosign(t, 0, nil, l.sign(t, 0, empty))
	w.mustCosign(t, 0, nil, l.checkpoint(t, 3))
}

// A checkpoint signed by several keys, some unknown, is cosigned when one
// key configured for the log verifies; a log may have several keys.
func TestSeveralSignatures(t *testing.T) {
	l := newOtherLog(t, "example.org/other-log", 1)
	rotated := newOtherLog(t, l.origin, 4)
	stranger := newOtherLog(t, "example.org/stranger", 5)
	w := startWitness(t, t.TempDir(), l.config(), rotated.config())
	l.append(t, 4)
	root := l.root(t, 4)
	w.mustCosign(t, 0, nil, l.sign(t, 4, root, stranger.signer, l.signer))
	l.append(t, 4)
	root = l.root(t, 8)
	w.mustCosign(t, 4, l.proof(t, 4, 8), l.sign(t, 8, root, rotated.signer))
	served := w.latest(t, l.origin)
	if !strings.Contains(served, "— "+l.origin) || strings.Contains(served, "stranger") {
		t.Fatalf("monitors should get the log's verified signatures and the cosignature only: %q", served)
	}
}

// The state survives a restart: a new witness on the same directory keeps
// the key and the latest cosigned checkpoint, and a write interrupted by a
// crash (a temporary file left behind) changes nothing.
func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	l := newOtherLog(t, "example.org/other-log", 1)
	w1 := startWitness(t, dir, l.config())
	l.append(t, 10)
	w1.mustCosign(t, 0, nil, l.checkpoint(t, 10))
	served := w1.latest(t, l.origin)

	states, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*"))
	if len(states) != 1 {
		t.Fatalf("state files: %v", states)
	}
	if err := os.WriteFile(states[0]+".123.tmp", []byte("half a checkp"), 0o644); err != nil {
		t.Fatal(err)
	}

	w2 := startWitness(t, dir, l.config())
	if w2.VerifierKey() != w1.VerifierKey() {
		t.Fatalf("the key changed on restart: %s, %s", w1.VerifierKey(), w2.VerifierKey())
	}
	if got := w2.latest(t, l.origin); got != served {
		t.Fatalf("after a restart monitors get %q, want %q", got, served)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if a := w2.submit(t, 0, nil, l.checkpoint(t, 10)); a.status != http.StatusConflict || a.body != "10\n" {
		t.Fatalf("after a restart old size 0: %d %q, want 409 10", a.status, a.body)
	}
	l.append(t, 5)
	w2.mustCosign(t, 10, l.proof(t, 10, 15), l.checkpoint(t, 15))

	// The key file is private, and its public half is in witness.pub.
	fi, err := os.Stat(filepath.Join(dir, witness.SignerKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("witness.key: %v %v", fi, err)
	}
	pub, err := os.ReadFile(filepath.Join(dir, witness.VerifierKeyFile))
	if err != nil || strings.TrimSpace(string(pub)) != w1.VerifierKey() {
		t.Fatalf("witness.pub %q, want %q (%v)", pub, w1.VerifierKey(), err)
	}
}

// A state file changed behind the witness's back stops it at start rather
// than being trusted (state_test.go covers a change that keeps the CRC).
func TestTamperedStateIsRefused(t *testing.T) {
	dir := t.TempDir()
	l := newOtherLog(t, "example.org/other-log", 1)
	w := startWitness(t, dir, l.config())
	l.append(t, 10)
	w.mustCosign(t, 0, nil, l.checkpoint(t, 10))
	states, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*"))
	b, _ := os.ReadFile(states[0])
	if err := os.WriteFile(states[0], bytes.Replace(b, []byte("\n10\n"), []byte("\n9\n"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := witness.Open(ctx, witness.Config{Dir: dir, Logs: []witness.Log{l.config()}})
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("open with a tampered state: %v", err)
	}
}

// Two requests racing from the same old size: one is cosigned, the other
// gets 409, and the state is the one that was cosigned.
func TestConcurrentRequests(t *testing.T) {
	l := newOtherLog(t, "example.org/other-log", 1)
	w := startWitness(t, t.TempDir(), l.config())
	l.append(t, 30)
	w.mustCosign(t, 0, nil, l.checkpoint(t, 10))
	statuses := make(chan int, 20)
	for to := int64(11); to <= 30; to++ {
		b := body(10, l.proof(t, 10, to), l.checkpoint(t, to))
		go func() {
			resp, err := http.Post(w.url+"/add-checkpoint", "text/plain", bytes.NewReader(b))
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	count := map[int]int{}
	for range 20 {
		count[<-statuses]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != 19 {
		t.Fatalf("statuses %v, want one 200 and nineteen 409", count)
	}
	served := w.latest(t, l.origin)
	size, _ := strconv.Atoi(strings.Split(served, "\n")[1])
	if a := w.submit(t, 10, nil, l.checkpoint(t, 10)); a.status != http.StatusConflict || a.body != fmt.Sprintf("%d\n", size) {
		t.Fatalf("the served checkpoint (size %d) is not the state: %d %q", size, a.status, a.body)
	}
}

// Bad configuration is refused with a clear error.
func TestOpenErrors(t *testing.T) {
	l := newOtherLog(t, "example.org/other-log", 1)
	for _, c := range []struct {
		name string
		cfg  witness.Config
		want string
	}{
		{"no name for a new key", witness.Config{Dir: t.TempDir(), Logs: []witness.Log{l.config()}}, "name"},
		{"a name with a space", witness.Config{Dir: t.TempDir(), Name: "my witness", Logs: []witness.Log{l.config()}}, "no spaces"},
		{"no logs", witness.Config{Dir: t.TempDir(), Name: "w"}, "no log"},
		{"a bad key", witness.Config{Dir: t.TempDir(), Name: "w", Logs: []witness.Log{{Origin: "o", Keys: []string{"nope"}}}}, "verifier key of o"},
	} {
		if _, err := witness.Open(ctx, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %q", c.name, err, c.want)
		}
	}
	dir := t.TempDir()
	startWitness(t, dir, l.config())
	if _, err := witness.Open(ctx, witness.Config{Dir: dir, Name: "someone.else", Logs: []witness.Log{l.config()}}); err == nil || !strings.Contains(err.Error(), "witness.side-a.example") {
		t.Errorf("another name for an existing key: %v", err)
	}
	if err := os.Chmod(filepath.Join(dir, witness.SignerKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := witness.Open(ctx, witness.Config{Dir: dir, Logs: []witness.Log{l.config()}}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key readable by others: %v", err)
	}
}

func TestParseLogs(t *testing.T) {
	l := newOtherLog(t, "example.org/other-log", 1)
	logs, err := witness.ParseLogs(strings.NewReader("# logs\n\n" + l.origin + "=" + l.vkey + "\n"))
	if err != nil || len(logs) != 1 || logs[0].Origin != l.origin || logs[0].Keys[0] != l.vkey {
		t.Fatalf("ParseLogs: %v %v", logs, err)
	}
	for _, bad := range []string{"no-equals", "=" + l.vkey, l.origin + "=", l.origin + "=not+a+key"} {
		if _, err := witness.ParseLogs(strings.NewReader("\n" + bad)); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// Only POST /add-checkpoint and GET /<origin hash>/checkpoint are served.
func TestRoutes(t *testing.T) {
	l := newOtherLog(t, "example.org/other-log", 1)
	w := startWitness(t, t.TempDir(), l.config())
	resp, err := http.Get(w.url + "/add-checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /add-checkpoint: %d", resp.StatusCode)
	}
	big := make([]byte, witness.MaxBodyBytes+1)
	if a := w.post(t, big); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a huge body: %d", a.status)
	}
}
