package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/mod/sumdb/note"
)

// Witness cosignatures, C2SP tlog-cosignature v1 with Ed25519
// (https://c2sp.org/tlog-cosignature): a note signature whose key id is
// SHA-256(name || "\n" || 0x04 || public key)[:4] and whose signature is a
// big-endian uint64 timestamp and the Ed25519 signature of
// "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint's body.

const (
	algEd25519            = 0x01
	algCosignatureV1      = 0x04
	cosignatureHeader     = "cosignature/v1\ntime "
	cosignatureSigSize    = 8 + ed25519.SignatureSize
	cosignatureMaxSeconds = 1<<63 - 1
)

type cosignatureVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

// NewCosignatureVerifier parses a witness's vkey: a cosignature/v1 key
// (type 0x04), or a plain Ed25519 note key (type 0x01) whose key is used
// for cosignatures, as transparency-dev/formats accepts.
func NewCosignatureVerifier(vkey string) (note.Verifier, error) {
	name, rest, _ := strings.Cut(vkey, "+")
	hash16, key64, _ := strings.Cut(rest, "+")
	raw, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(hash16) != 8 || !validKeyName(name) || len(raw) != 1+ed25519.PublicKeySize {
		return nil, fmt.Errorf("malformed witness key %.60q", vkey)
	}
	given, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil {
		return nil, fmt.Errorf("malformed witness key %.60q", vkey)
	}
	alg, key := raw[0], raw[1:]
	if alg != algCosignatureV1 && alg != algEd25519 {
		return nil, fmt.Errorf("witness key %s: type %#02x is not a cosignature/v1 Ed25519 key (0x04)", name, alg)
	}
	if uint32(given) != keyHash(name, raw) {
		return nil, fmt.Errorf("witness key %s: key hash %s does not match the key", name, hash16)
	}
	return &cosignatureVerifier{name: name, hash: keyHash(name, append([]byte{algCosignatureV1}, key...)), key: ed25519.PublicKey(key)}, nil
}

func keyHash(name string, algKey []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(algKey)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// validKeyName is signed-note's rule for key names: non-empty, printable,
// no spaces and no plus signs.
func validKeyName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r == '+' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }

func (v *cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != cosignatureSigSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > cosignatureMaxSeconds {
		return false
	}
	return ed25519.Verify(v.key, CosignedMessage(t, msg), sig[8:])
}

// CosignedMessage is the message a cosignature/v1 signs for a checkpoint
// body at a time (POSIX seconds).
func CosignedMessage(t uint64, body []byte) []byte {
	m := make([]byte, 0, len(cosignatureHeader)+24+len(body))
	m = append(m, cosignatureHeader...)
	m = strconv.AppendUint(m, t, 10)
	m = append(m, '\n')
	return append(m, body...)
}

// cosignatureTime reads the timestamp of a verified cosignature.
func cosignatureTime(s note.Signature) time.Time {
	raw, err := base64.StdEncoding.DecodeString(s.Base64)
	if err != nil || len(raw) != 4+cosignatureSigSize {
		return time.Time{}
	}
	return time.Unix(int64(binary.BigEndian.Uint64(raw[4:])), 0).UTC()
}
