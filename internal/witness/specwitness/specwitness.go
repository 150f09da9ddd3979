// Package specwitness is a transparency-log witness written from the C2SP
// specifications alone — tlog-witness (add-checkpoint and the monitoring
// checkpoint), tlog-cosignature (Ed25519 cosignature/v1), tlog-checkpoint
// and signed-note — without reading or importing Truce's own witness, its
// auditor or its ledger. It is a test oracle: Truce's log must be cosigned
// by it, and Truce's witness must answer what it answers.
//
// It is not for production: its state lives in memory and dies with the
// process, so after a restart it would cosign a fork of any log it had
// seen. Use internal/witness for a real witness.
package specwitness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	// maxProofLines is the most consistency proof lines a client may send.
	maxProofLines = 63
	// maxBody bounds a request body: 63 proof lines are under 3 KiB, and
	// a checkpoint with signed-note's 16 signatures, post-quantum ones
	// included, is under 100 KiB.
	maxBody = 1 << 20
	// sizeContentType is the media type of a 409 answer's body.
	sizeContentType = "text/x.tlog.size"
)

// Witness cosigns checkpoints of the logs it is configured with. It is an
// http.Handler serving POST /add-checkpoint and GET /<origin hash>/checkpoint
// under the prefix it is mounted at.
type Witness struct {
	name string
	key  ed25519.PrivateKey
	now  func() time.Time
	mux  *http.ServeMux

	// mu makes checking a request's old size against the latest cosigned
	// size and recording the new checkpoint one atomic step, as
	// tlog-witness requires.
	mu     sync.Mutex
	logs   map[string]*logState // by origin
	byHash map[string]*logState // by hex SHA-256 of the origin
}

// logState is what the witness knows of one log.
type logState struct {
	keys     []note.Verifier
	cosigned bool      // a checkpoint of this log was cosigned
	size     int64     // the latest cosigned checkpoint's size
	root     tlog.Hash // and its root hash
	latest   []byte    // and the checkpoint with the log's and our signatures
}

// New returns a witness named name (its key name, a schema-less URL by
// recommendation) that signs with key and reads time from now.
func New(name string, key ed25519.PrivateKey, now func() time.Time) (*Witness, error) {
	if !validName(name) {
		return nil, fmt.Errorf("witness name %q: must be non-empty with no spaces or plus", name)
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("witness key: not an Ed25519 private key")
	}
	w := &Witness{name: name, key: key, now: now, logs: map[string]*logState{}, byHash: map[string]*logState{}}
	w.mux = http.NewServeMux()
	w.mux.HandleFunc("POST /add-checkpoint", w.serveAddCheckpoint)
	w.mux.HandleFunc("GET /{originHash}/checkpoint", w.serveCheckpoint)
	return w, nil
}

// Name is the witness's key name.
func (w *Witness) Name() string { return w.name }

// VerifierKey is the witness's cosignature/v1 vkey.
func (w *Witness) VerifierKey() string {
	return vkey(w.name, w.key.Public().(ed25519.PublicKey))
}

// AddLog trusts the signed-note verifier keys (Ed25519, type 0x01) for the
// log whose checkpoints carry origin on their first line. Calling it again
// for the same origin adds keys.
func (w *Witness) AddLog(origin string, vkeys ...string) error {
	if origin == "" || strings.Contains(origin, "\n") {
		return fmt.Errorf("origin %q: must be one non-empty line", origin)
	}
	if len(vkeys) == 0 {
		return fmt.Errorf("log %s: no key", origin)
	}
	var keys []note.Verifier
	for _, k := range vkeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return fmt.Errorf("log %s: key %.80q: %w", origin, k, err)
		}
		keys = append(keys, v)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.logs[origin]
	if st == nil {
		st = &logState{}
		w.logs[origin] = st
		sum := sha256.Sum256([]byte(origin))
		w.byHash[hex.EncodeToString(sum[:])] = st
	}
	st.keys = append(st.keys, keys...)
	return nil
}

// Latest is the size and root hash of the latest checkpoint of origin the
// witness cosigned; ok is false when it cosigned none.
func (w *Witness) Latest(origin string) (size int64, root tlog.Hash, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.logs[origin]
	if st == nil || !st.cosigned {
		return 0, tlog.Hash{}, false
	}
	return st.size, st.root, true
}

// ServeHTTP serves the witness's endpoints.
func (w *Witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) { w.mux.ServeHTTP(rw, r) }

// Answer is the witness's answer to one add-checkpoint request.
type Answer struct {
	Status int
	// Body is the cosignature lines (200), the latest cosigned size
	// followed by a newline (409) or an explanation (errors).
	Body string
}

func (w *Witness) serveAddCheckpoint(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxBody))
	var a Answer
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		a = Answer{http.StatusRequestEntityTooLarge, fmt.Sprintf("body: more than %d bytes\n", maxBody)}
	case err != nil:
		a = Answer{http.StatusBadRequest, "body: could not be read\n"}
	default:
		a = w.AddCheckpoint(body)
	}
	if a.Status == http.StatusConflict {
		rw.Header().Set("Content-Type", sizeContentType)
	} else {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	rw.WriteHeader(a.Status)
	io.WriteString(rw, a.Body)
}

func (w *Witness) serveCheckpoint(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	var latest []byte
	if st := w.byHash[r.PathValue("originHash")]; st != nil && st.cosigned {
		latest = st.latest
	}
	w.mu.Unlock()
	if latest == nil {
		http.Error(rw, "no checkpoint of this log was cosigned", http.StatusNotFound)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Write(latest)
}

// AddCheckpoint answers an add-checkpoint request body, checking it in the
// order tlog-witness states its rules.
func (w *Witness) AddCheckpoint(body []byte) Answer {
	req, err := parseRequest(body)
	if err != nil {
		return Answer{http.StatusBadRequest, err.Error() + "\n"}
	}
	// The origin is the note's first line; the witness looks up the keys
	// it trusts for it before it believes anything else in the note.
	origin, _, _ := strings.Cut(string(req.checkpoint), "\n")
	if origin == "" {
		// No checkpoint at all, or one without its origin, which
		// tlog-checkpoint says MUST be non-empty: malformed, not a log
		// the witness does not know.
		return Answer{http.StatusBadRequest, "checkpoint: empty origin line\n"}
	}
	w.mu.Lock()
	st := w.logs[origin]
	var keys []note.Verifier
	if st != nil {
		keys = st.keys
	}
	w.mu.Unlock()
	if st == nil {
		return Answer{http.StatusNotFound, fmt.Sprintf("origin %.80q: unknown log\n", origin)}
	}
	signed, err := note.Open(req.checkpoint, note.VerifierList(keys...))
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &unverified):
		return Answer{http.StatusForbidden, "checkpoint: no signature by a key trusted for the log\n"}
	case errors.As(err, &invalid):
		return Answer{http.StatusForbidden, "checkpoint: a signature by a trusted key does not verify\n"}
	case err != nil:
		return Answer{http.StatusBadRequest, "checkpoint: malformed signed note\n"}
	}
	cp, err := parseCheckpoint(signed.Text)
	if err != nil {
		return Answer{http.StatusBadRequest, err.Error() + "\n"}
	}
	if req.old > cp.size {
		return Answer{http.StatusBadRequest, fmt.Sprintf("old: %d is above the checkpoint's size %d\n", req.old, cp.size)}
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if req.old != st.size {
		return Answer{http.StatusConflict, strconv.FormatInt(st.size, 10) + "\n"}
	}
	if cp.size == 0 && cp.root != emptyRoot {
		return Answer{http.StatusUnprocessableEntity, "checkpoint: a tree of size 0 must have the empty tree's root\n"}
	}
	if req.old == 0 && len(req.proof) > 0 {
		return Answer{http.StatusUnprocessableEntity, "proof: must be empty when old is 0\n"}
	}
	if req.old == cp.size && req.old > 0 && cp.root != st.root {
		return Answer{http.StatusUnprocessableEntity, "checkpoint: same size as the latest cosigned one, different root hash\n"}
	}
	if req.old > 0 && !consistent(req.old, cp.size, st.root, cp.root, req.proof) {
		return Answer{http.StatusUnprocessableEntity, "proof: does not prove the checkpoint consistent with the latest cosigned one\n"}
	}
	t := w.now().Unix()
	if t <= 0 {
		return Answer{http.StatusInternalServerError, "clock before 1970: a cosignature's timestamp must not be zero\n"}
	}
	line := cosignatureLine(w.name, w.key, uint64(t), signed.Text)
	latest := []byte(signed.Text + "\n")
	for _, s := range signed.Sigs {
		latest = append(latest, "— "+s.Name+" "+s.Base64+"\n"...)
	}
	st.cosigned, st.size, st.root, st.latest = true, cp.size, cp.root, append(latest, line...)
	return Answer{http.StatusOK, line}
}

// request is a parsed add-checkpoint body.
type request struct {
	old        int64
	proof      []tlog.Hash
	checkpoint []byte
}

// parseRequest splits an add-checkpoint body into its old size line,
// consistency proof lines, the empty line and the checkpoint.
func parseRequest(body []byte) (request, error) {
	var req request
	rest := string(body)
	line, rest, ok := strings.Cut(rest, "\n")
	if !ok {
		return req, errors.New("old: the old size line must end in a newline")
	}
	digits, ok := strings.CutPrefix(line, "old ")
	if !ok {
		return req, fmt.Errorf("old: first line %.40q is not \"old <size>\"", line)
	}
	old, err := parseSize(digits)
	if err != nil {
		return req, fmt.Errorf("old: %w", err)
	}
	req.old = old
	for {
		line, rest, ok = strings.Cut(rest, "\n")
		if !ok {
			return req, errors.New("proof: no empty line before the checkpoint")
		}
		if line == "" {
			break
		}
		if len(req.proof) == maxProofLines {
			return req, fmt.Errorf("proof: more than %d lines", maxProofLines)
		}
		h, err := parseHash(line)
		if err != nil {
			return req, fmt.Errorf("proof line %d: %w", len(req.proof)+1, err)
		}
		req.proof = append(req.proof, h)
	}
	req.checkpoint = []byte(rest)
	return req, nil
}

// checkpoint is a parsed tlog-checkpoint note text.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// parseCheckpoint reads a checkpoint's note text (final newline included):
// origin, size and root hash lines, then optional non-empty extension lines.
func parseCheckpoint(text string) (checkpoint, error) {
	var cp checkpoint
	body, ok := strings.CutSuffix(text, "\n")
	if !ok {
		return cp, errors.New("checkpoint: text does not end in a newline")
	}
	lines := strings.Split(body, "\n")
	if len(lines) < 3 {
		return cp, errors.New("checkpoint: fewer than three lines (origin, size, root hash)")
	}
	if lines[0] == "" {
		return cp, errors.New("checkpoint: empty origin")
	}
	size, err := parseSize(lines[1])
	if err != nil {
		return cp, fmt.Errorf("checkpoint size: %w", err)
	}
	root, err := parseHash(lines[2])
	if err != nil {
		return cp, fmt.Errorf("checkpoint root hash: %w", err)
	}
	for i, ext := range lines[3:] {
		if ext == "" {
			return cp, fmt.Errorf("checkpoint extension line %d: empty", i+1)
		}
	}
	return checkpoint{origin: lines[0], size: size, root: root}, nil
}

// parseSize reads a tree size: ASCII decimal with no leading zeroes, "0"
// for zero, at most 2^63-1.
func parseSize(s string) (int64, error) {
	if s == "" || len(s) > 19 || strings.Trim(s, "0123456789") != "" || (s[0] == '0' && s != "0") {
		return 0, fmt.Errorf("%.40q is not a decimal size without leading zeroes", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%.40q is beyond 2^63-1", s)
	}
	return n, nil
}

// parseHash reads a SHA-256 hash in standard base64 (44 characters with
// padding). Go's decoder skips \r and \n; they are refused here first.
func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	if len(s) != 44 || strings.ContainsAny(s, "\r\n") {
		return h, fmt.Errorf("%.60q is not a base64 SHA-256 hash", s)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize {
		return h, fmt.Errorf("%.60q is not a base64 SHA-256 hash", s)
	}
	copy(h[:], raw)
	return h, nil
}
