package ledger

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Key file names inside a data directory.
const (
	SignerKeyFile   = "log.key" // note signer key, mode 0600
	VerifierKeyFile = "log.pub" // note verifier key, public
)

// Keys are the log's signing and verifying keys in note format.
type Keys struct {
	Origin   string // the log's origin line, also the key name
	Signer   note.Signer
	Verifier note.Verifier
	Public   string // verifier key text, as served at /log/key
}

// LoadOrCreateKeys reads the log keys from dir, creating them (0600) with
// the given origin when there are none. rnd supplies the key material.
func LoadOrCreateKeys(dir, origin string, rnd io.Reader) (*Keys, error) {
	skPath := filepath.Join(dir, SignerKeyFile)
	sk, err := os.ReadFile(skPath)
	if errors.Is(err, os.ErrNotExist) {
		if rnd == nil {
			rnd = rand.Reader
		}
		skey, vkey, err := note.GenerateKey(rnd, origin)
		if err != nil {
			return nil, fmt.Errorf("generate log key: %w", err)
		}
		if err := os.WriteFile(skPath, []byte(skey+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write log key: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, VerifierKeyFile), []byte(vkey+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("write log public key: %w", err)
		}
		sk = []byte(skey)
	} else if err != nil {
		return nil, fmt.Errorf("read log key: %w", err)
	}
	if fi, err := os.Stat(skPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("log key %s is readable by others (mode %o): chmod 600 it", skPath, fi.Mode().Perm())
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(sk)))
	if err != nil {
		return nil, fmt.Errorf("parse log key: %w", err)
	}
	pub, err := os.ReadFile(filepath.Join(dir, VerifierKeyFile))
	if err != nil {
		return nil, fmt.Errorf("read log public key: %w", err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(pub)))
	if err != nil {
		return nil, fmt.Errorf("parse log public key: %w", err)
	}
	if verifier.Name() != signer.Name() || verifier.KeyHash() != signer.KeyHash() {
		return nil, fmt.Errorf("log.pub does not match log.key")
	}
	return &Keys{Origin: signer.Name(), Signer: signer, Verifier: verifier, Public: strings.TrimSpace(string(pub))}, nil
}

// LoadVerifier reads only the public key from dir: what an auditor needs.
func LoadVerifier(dir string) (note.Verifier, string, error) {
	pub, err := os.ReadFile(filepath.Join(dir, VerifierKeyFile))
	if err != nil {
		return nil, "", fmt.Errorf("read log public key: %w", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(pub)))
	if err != nil {
		return nil, "", fmt.Errorf("parse log public key: %w", err)
	}
	return v, strings.TrimSpace(string(pub)), nil
}

// SignCheckpoint returns the signed note of the checkpoint (origin, size, root).
func (k *Keys) SignCheckpoint(size int64, root tlog.Hash) ([]byte, error) {
	body := log.Checkpoint{Origin: k.Origin, Size: uint64(size), Hash: root[:]}.Marshal()
	return note.Sign(&note.Note{Text: string(body)}, k.Signer)
}

// OpenCheckpoint verifies a signed checkpoint with the log's verifier and
// returns its size and root hash.
func OpenCheckpoint(signed []byte, origin string, v note.Verifier) (int64, tlog.Hash, error) {
	cp, _, _, err := log.ParseCheckpoint(signed, origin, v)
	if err != nil {
		return 0, tlog.Hash{}, err
	}
	var h tlog.Hash
	if len(cp.Hash) != len(h) {
		return 0, tlog.Hash{}, fmt.Errorf("checkpoint root has %d bytes", len(cp.Hash))
	}
	copy(h[:], cp.Hash)
	return int64(cp.Size), h, nil
}
