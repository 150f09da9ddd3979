package store

import (
	"crypto/hkdf"
	"crypto/sha256"
	"os"
	"path/filepath"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// DeriveKey returns a 32-byte secret for the purpose label, derived with
// HKDF-SHA256 from the log's signing key: every server of one log (they
// share the key) derives the same, a restart keeps it, and it tells
// nothing of the signing key. Distinct labels give unrelated keys.
func (db *DB) DeriveKey(label string) []byte {
	secret := db.signingSecret
	if len(secret) == 0 {
		// Opened for audit: no key to share; a key of this process's own.
		secret = make([]byte, 32)
		db.readRand(secret)
	}
	k, err := hkdf.Key(sha256.New, secret, []byte("truce derived key"), label, 32)
	if err != nil {
		panic("store: hkdf: " + err.Error()) // only for lengths out of range
	}
	return k
}

// loadSigningSecret reads the signing key file's text for DeriveKey.
func (db *DB) loadSigningSecret() error {
	b, err := os.ReadFile(filepath.Join(db.dir, ledger.SignerKeyFile))
	if err != nil {
		return err
	}
	db.signingSecret = b
	return nil
}
