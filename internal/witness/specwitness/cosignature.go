package specwitness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/mod/sumdb/note"
)

// typeCosignatureV1 is the signed-note signature type of timestamped
// Ed25519 checkpoint cosignatures (C2SP signed-note, "0x04").
const typeCosignatureV1 = 0x04

// maxTimestamp is the largest timestamp tlog-cosignature allows, 2^63-1.
const maxTimestamp = 1<<63 - 1

// keyID is SHA-256(name || "\n" || 0x04 || public key)[:4] read as a
// big-endian uint32 (tlog-cosignature, "Format").
func keyID(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', typeCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil)[:4])
}

// vkey encodes a cosigner's verifier key: name+hex(key ID)+base64(0x04 || key).
func vkey(name string, pub ed25519.PublicKey) string {
	var id [4]byte
	binary.BigEndian.PutUint32(id[:], keyID(name, pub))
	return name + "+" + hex.EncodeToString(id[:]) + "+" + base64.StdEncoding.EncodeToString(append([]byte{typeCosignatureV1}, pub...))
}

// validName says whether a key name may appear in a signed note: non-empty,
// no Unicode space, no plus.
func validName(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool { return r == '+' || unicode.IsSpace(r) })
}

// signedMessage is what an Ed25519 cosignature signs: the header line, the
// timestamp line and the checkpoint's note text (its final newline
// included, its signatures not).
func signedMessage(timestamp uint64, text string) []byte {
	msg := make([]byte, 0, 64+len(text))
	msg = append(msg, "cosignature/v1\ntime "...)
	msg = strconv.AppendUint(msg, timestamp, 10)
	msg = append(msg, '\n')
	return append(msg, text...)
}

// cosignatureLine signs text at timestamp and returns the note signature
// line, "— <name> base64(key ID || timestamp || signature)\n".
func cosignatureLine(name string, key ed25519.PrivateKey, timestamp uint64, text string) string {
	pub := key.Public().(ed25519.PublicKey)
	sig := make([]byte, 4+8, 4+8+ed25519.SignatureSize)
	binary.BigEndian.PutUint32(sig[:4], keyID(name, pub))
	binary.BigEndian.PutUint64(sig[4:12], timestamp)
	sig = append(sig, ed25519.Sign(key, signedMessage(timestamp, text))...)
	return "— " + name + " " + base64.StdEncoding.EncodeToString(sig) + "\n"
}

// Verifier checks Ed25519 cosignature/v1 signatures for x/mod's note.Open.
type Verifier struct {
	name string
	id   uint32
	pub  ed25519.PublicKey
}

// NewVerifier parses a cosigner's vkey; only signature type 0x04 is a
// cosignature/v1 key.
func NewVerifier(key string) (*Verifier, error) {
	// The name and the hex key ID hold no plus; the base64 key may.
	name, rest, _ := strings.Cut(key, "+")
	id16, key64, ok := strings.Cut(rest, "+")
	if !ok || !validName(name) || len(id16) != 8 {
		return nil, fmt.Errorf("cosigner key %.80q: not name+hex(key ID)+base64(key)", key)
	}
	id, err := strconv.ParseUint(id16, 16, 32)
	if err != nil {
		return nil, fmt.Errorf("cosigner key %.80q: key ID %q is not 8 hex digits", key, id16)
	}
	material, err := base64.StdEncoding.Strict().DecodeString(key64)
	if err != nil || len(material) != 1+ed25519.PublicKeySize {
		return nil, fmt.Errorf("cosigner key %.80q: key material is not base64 of a type byte and 32 bytes", key)
	}
	if material[0] != typeCosignatureV1 {
		return nil, fmt.Errorf("cosigner key %s: signature type %#02x, want 0x04 (cosignature/v1)", name, material[0])
	}
	v := &Verifier{name: name, id: uint32(id), pub: ed25519.PublicKey(material[1:])}
	if keyID(v.name, v.pub) != v.id {
		return nil, fmt.Errorf("cosigner key %s: key ID %s does not match the key", name, id16)
	}
	return v, nil
}

// Name is the cosigner's key name.
func (v *Verifier) Name() string { return v.name }

// KeyHash is the cosigner's key ID.
func (v *Verifier) KeyHash() uint32 { return v.id }

// Verify checks sig (timestamp || Ed25519 signature, the key ID already
// taken off by note.Open) over the checkpoint text msg.
func (v *Verifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	timestamp := binary.BigEndian.Uint64(sig[:8])
	if timestamp > maxTimestamp {
		return false
	}
	return ed25519.Verify(v.pub, signedMessage(timestamp, string(msg)), sig[8:])
}

// Timestamp is the time a cosignature by this key says it was made. It
// does not verify the signature: note.Open does.
func (v *Verifier) Timestamp(s note.Signature) (time.Time, error) {
	if s.Name != v.name || s.Hash != v.id {
		return time.Time{}, errors.New("not a signature of this cosigner")
	}
	raw, err := base64.StdEncoding.DecodeString(s.Base64)
	if err != nil || len(raw) != 4+8+ed25519.SignatureSize {
		return time.Time{}, errors.New("cosignature is not base64 of key ID, timestamp and Ed25519 signature")
	}
	timestamp := binary.BigEndian.Uint64(raw[4:12])
	if timestamp > maxTimestamp {
		return time.Time{}, errors.New("cosignature timestamp beyond 2^63-1")
	}
	return time.Unix(int64(timestamp), 0), nil
}
