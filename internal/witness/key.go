package witness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// Key file names inside the witness's state directory.
const (
	SignerKeyFile   = "witness.key" // the cosigning key, mode 0600
	VerifierKeyFile = "witness.pub" // its verifier key, public
)

// algCosignatureV1 is the signature type byte of timestamped Ed25519
// cosignatures (c2sp.org/signed-note, c2sp.org/tlog-cosignature).
const algCosignatureV1 = 0x04

// Key is the witness's cosigning key.
type Key struct {
	Name   string      // the witness's name, the key name in its signature lines
	Signer note.Signer // signs Ed25519 cosignature/v1 with a timestamp
	Public string      // the verifier key (vkey) clients configure
}

// LoadOrCreateKey reads the witness key from dir, creating it (mode 0600)
// under name when there is none; rnd supplies the key material. name may be
// empty for an existing key; when given it must be the key's name. The
// verifier key is (re)written to dir/witness.pub.
func LoadOrCreateKey(dir, name string, rnd io.Reader) (*Key, error) {
	path := filepath.Join(dir, SignerKeyFile)
	skey, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if name == "" {
			return nil, fmt.Errorf("%s has no witness key yet: give the witness a name to create one", dir)
		}
		if !validKeyName(name) {
			return nil, fmt.Errorf("witness name %q: a key name is non-empty UTF-8 with no spaces and no '+'", name)
		}
		skey, err = generateKey(name, rnd)
		if err != nil {
			return nil, err
		}
		if err := writeFileDurably(path, skey, 0o600); err != nil {
			return nil, fmt.Errorf("write witness key: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("read witness key: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("witness key %s is readable by others (mode %o): chmod 600 it", path, fi.Mode().Perm())
	}
	k, err := parseKey(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, fmt.Errorf("witness key %s: %w", path, err)
	}
	if name != "" && name != k.Name {
		return nil, fmt.Errorf("the witness key in %s is named %q, not %q", dir, k.Name, name)
	}
	pubPath := filepath.Join(dir, VerifierKeyFile)
	if have, err := os.ReadFile(pubPath); err != nil || strings.TrimSpace(string(have)) != k.Public {
		if err := writeFileDurably(pubPath, []byte(k.Public+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("write witness public key: %w", err)
		}
	}
	return k, nil
}

// generateKey returns a new signer key in note format with the
// cosignature type byte: PRIVATE+KEY+<name>+<key ID>+base64(0x04 || seed).
func generateKey(name string, rnd io.Reader) ([]byte, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(rnd, seed); err != nil {
		return nil, fmt.Errorf("generate witness key: %w", err)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	return fmt.Appendf(nil, "PRIVATE+KEY+%s+%08x+%s\n", name, keyID(name, pub),
		base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, seed...))), nil
}

// keyID is SHA-256(name || "\n" || 0x04 || public key)[:4]
// (c2sp.org/tlog-cosignature, Ed25519).
func keyID(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{algCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// parseKey reads a signer key written by generateKey and derives its
// verifier key.
func parseKey(skey string) (*Key, error) {
	parts := strings.SplitN(skey, "+", 5) // base64 has pluses of its own
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return nil, errors.New("not a note signer key (PRIVATE+KEY+name+id+key)")
	}
	name, id := parts[2], parts[3]
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algCosignatureV1 {
		return nil, errors.New("not an Ed25519 cosignature key (type 0x04)")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	if want := fmt.Sprintf("%08x", keyID(name, pub)); id != want {
		return nil, fmt.Errorf("key ID %s does not match the key (want %s)", id, want)
	}
	signer, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		return nil, err
	}
	if fmt.Sprintf("%08x", signer.KeyHash()) != id {
		return nil, errors.New("the cosignature signer computes another key ID")
	}
	public := fmt.Sprintf("%s+%s+%s", name, id, base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, pub...)))
	return &Key{Name: name, Signer: signer, Public: public}, nil
}

// validKeyName reports whether name may name a note key (c2sp.org/signed-note).
func validKeyName(name string) bool {
	return name != "" && utf8.ValidString(name) && !strings.ContainsFunc(name, unicode.IsSpace) && !strings.Contains(name, "+")
}
