// Package witness is a transparency log witness (c2sp.org/tlog-witness):
// for each log it is configured with, it keeps the latest checkpoint it
// cosigned and cosigns a new one (c2sp.org/tlog-cosignature, Ed25519
// cosignature/v1) only when a consistency proof shows it extends that
// one. It works for any log that publishes C2SP checkpoints, not only
// Truce's.
package witness

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Refusals. Each maps to the HTTP status c2sp.org/tlog-witness gives it
// (see statusOf); a refused request changes nothing.
var (
	ErrMalformed    = errors.New("malformed request")                       // 400 Bad Request
	ErrUnknownLog   = errors.New("unknown log")                             // 404 Not Found
	ErrBadSignature = errors.New("no valid signature from the log's key")   // 403 Forbidden
	ErrInconsistent = errors.New("checkpoint not consistent with the last") // 422 Unprocessable Entity
)

// OldSizeError is the refusal of a request whose old size is not the size
// of the latest checkpoint the witness cosigned for the log (409 Conflict).
type OldSizeError struct {
	Origin string
	Old    int64 // what the client sent
	Latest int64 // what the witness last cosigned
}

func (e *OldSizeError) Error() string {
	return fmt.Sprintf("old size %d: the latest checkpoint cosigned for %s has size %d", e.Old, e.Origin, e.Latest)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Witness cosigns checkpoints of the logs it knows.
type Witness struct {
	dir  string
	key  *Key
	own  note.Verifier // verifies its own cosignatures, for its state files
	logs map[string]*logState
	log  *slog.Logger
}

// logState is one log's configuration and its latest cosigned checkpoint.
// mu is held from the old-size check to the durable write of the new
// state, so that two requests cannot both pass the check and the smaller
// one roll the state back (the race c2sp.org/tlog-witness describes).
type logState struct {
	origin    string
	verifiers note.Verifiers

	mu     sync.Mutex
	latest Checkpoint // size 0 and no text: never cosigned
	signed []byte     // latest, as served to monitors; nil when never cosigned
	state  *stateFile
}

// Config configures Open.
type Config struct {
	Dir  string       // state directory: key, verifier key, a state file per log
	Name string       // the witness's key name; needed only to create the key
	Logs []Log        // the logs it cosigns for
	Rand io.Reader    // key material; crypto/rand when nil
	Log  *slog.Logger // refusals and cosignatures; discarded when nil
}

// Open opens (and on first use initialises) a witness's state directory.
func Open(ctx context.Context, c Config) (*Witness, error) {
	if c.Dir == "" {
		return nil, errors.New("witness: no state directory")
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if len(c.Logs) == 0 {
		return nil, errors.New("witness: no log to cosign for")
	}
	known, err := mergeLogs(c.Logs)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(c.Dir, stateDir), 0o700); err != nil {
		return nil, fmt.Errorf("create the state directory: %w", err)
	}
	if err := removeTemporaries(filepath.Join(c.Dir, stateDir)); err != nil {
		return nil, fmt.Errorf("clean the state directory: %w", err)
	}
	if err := removeTemporaries(c.Dir); err != nil {
		return nil, fmt.Errorf("clean the state directory: %w", err)
	}
	key, err := LoadOrCreateKey(c.Dir, c.Name, c.Rand)
	if err != nil {
		return nil, err
	}
	own, err := fnote.NewVerifierForCosignatureV1(key.Public)
	if err != nil {
		return nil, fmt.Errorf("witness verifier key: %w", err)
	}
	w := &Witness{dir: c.Dir, key: key, own: own, logs: map[string]*logState{}, log: c.Log}
	for origin, k := range known {
		latest, signed, state, err := loadState(c.Dir, origin, own)
		if err != nil {
			return nil, err
		}
		w.logs[origin] = &logState{origin: origin, verifiers: k.verifiers, latest: latest, signed: signed, state: state}
	}
	return w, nil
}

// Name is the witness's key name.
func (w *Witness) Name() string { return w.key.Name }

// VerifierKey is the witness's verifier key, for clients' configuration.
func (w *Witness) VerifierKey() string { return w.key.Public }

// Latest returns the latest checkpoint cosigned for origin, as served to
// monitors: the checkpoint, the log's signatures the witness verified and
// its cosignature. ok is false for an unknown log or one never cosigned.
func (w *Witness) Latest(origin string) (signed []byte, ok bool) {
	l := w.logs[origin]
	if l == nil {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.signed, l.signed != nil
}

// LatestByHash is Latest with the log named by the hex SHA-256 of its
// origin, as in the monitoring endpoint's path.
func (w *Witness) LatestByHash(hash string) ([]byte, bool) {
	for origin := range w.logs {
		if originHash(origin) == hash {
			return w.Latest(origin)
		}
	}
	return nil, false
}

// emptyRoot is the root hash of the empty tree, the hash of the empty
// string (RFC 6962, section 2.1).
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// AddCheckpoint checks an add-checkpoint request (c2sp.org/tlog-witness)
// and, when the checkpoint is validly signed by its log and consistent
// with the latest one cosigned for that log, records it durably and
// returns the cosignature line(s). Any refusal stores nothing.
func (w *Witness) AddCheckpoint(ctx context.Context, body []byte) ([]byte, error) {
	req, err := ParseRequest(body)
	if err != nil {
		return nil, err
	}
	// The note's text is read only once a key trusted for its origin
	// (its first line) has verified it (c2sp.org/signed-note): an unknown
	// origin is 404 and a bad signature 403 even over a malformed text.
	origin, _, _ := bytes.Cut(req.Checkpoint, []byte("\n"))
	if len(origin) == 0 {
		return nil, malformed("the checkpoint's origin line is empty")
	}
	l := w.logs[string(origin)]
	if l == nil {
		return nil, fmt.Errorf("%w: %.100q", ErrUnknownLog, origin)
	}
	n, err := note.Open(req.Checkpoint, l.verifiers)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return nil, fmt.Errorf("%w: the checkpoint of %s carries no signature from a key configured for it", ErrBadSignature, l.origin)
		case errors.As(err, &invalid):
			return nil, fmt.Errorf("%w: the signature of %s on the checkpoint of %s does not verify", ErrBadSignature, invalid.Name, l.origin)
		}
		return nil, malformed("checkpoint: %v", err)
	}
	cp, err := parseCheckpoint(req.Checkpoint)
	if err != nil {
		return nil, err
	}
	if req.OldSize > cp.Size {
		return nil, malformed("old size %d is larger than the checkpoint's size %d", req.OldSize, cp.Size)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if err := ctx.Err(); err != nil { // the client left while the request waited for the log
		return nil, err
	}
	if req.OldSize != l.latest.Size {
		return nil, &OldSizeError{Origin: cp.Origin, Old: req.OldSize, Latest: l.latest.Size}
	}
	if err := checkConsistent(req, cp, l.latest); err != nil {
		w.log.Warn("witness refused an inconsistent checkpoint", "origin", cp.Origin, "old_size", req.OldSize,
			"size", cp.Size, "latest_size", l.latest.Size, "reason", err)
		return nil, err
	}
	signed, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, w.key.Signer)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	if err := l.state.save(signed); err != nil {
		return nil, fmt.Errorf("record the cosigned checkpoint of %s: %w", cp.Origin, err)
	}
	l.latest, l.signed = cp, signed
	w.log.Info("witness cosigned", "origin", cp.Origin, "size", cp.Size, "old_size", req.OldSize)
	// note.Sign lists the new signature last.
	return lastLine(signed), nil
}

// checkConsistent holds the rules of c2sp.org/tlog-witness that make a
// checkpoint consistent with the latest one cosigned (whose size the
// request's old size already matches).
func checkConsistent(req Request, cp, latest Checkpoint) error {
	switch {
	case cp.Size == 0 && cp.Root != emptyRoot:
		return fmt.Errorf("%w: a checkpoint of size 0 must have the empty tree's root hash", ErrInconsistent)
	case req.OldSize == 0 && len(req.Proof) > 0:
		return fmt.Errorf("%w: a consistency proof from size 0 must be empty", ErrInconsistent)
	case req.OldSize == 0:
		return nil
	case req.OldSize == cp.Size && cp.Root != latest.Root:
		return fmt.Errorf("%w: a different root hash at size %d, the size last cosigned (a fork)", ErrInconsistent, cp.Size)
	}
	if err := tlog.CheckTree(req.Proof, cp.Size, cp.Root, latest.Size, latest.Root); err != nil {
		return fmt.Errorf("%w: the consistency proof from size %d to %d does not verify", ErrInconsistent, latest.Size, cp.Size)
	}
	return nil
}

// lastLine returns the last newline-terminated line of b.
func lastLine(b []byte) []byte {
	i := len(b) - 1
	for i > 0 && b[i-1] != '\n' {
		i--
	}
	return b[i:]
}
