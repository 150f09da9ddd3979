package proof_test

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/proof"
)

// seedBundle is a valid bundle of a one-leaf log, made without a store.
func seedBundle(tb testing.TB) ([]byte, proof.Keys) {
	tb.Helper()
	rnd := rand.NewChaCha8([32]byte{7})
	skey, vkey, err := note.GenerateKey(rnd, "example.org/log")
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	keys := &ledger.Keys{Origin: "example.org/log", Signer: signer, Verifier: verifier}
	body := []byte(`{"name":"Outlet","kind":"media"}`)
	leaf := ledger.Leaf{Seq: 0, Entity: "organisation", ID: "org_1", Version: 1, Actor: "system", Via: "system",
		At: time.Date(2021, 6, 12, 15, 30, 0, 0, time.UTC), BodySHA256: sha256.Sum256(body)}
	data := leaf.Encode()
	cp, err := keys.SignCheckpoint(1, tlog.RecordHash(data))
	if err != nil {
		tb.Fatal(err)
	}
	b := proof.Bundle{Origin: keys.Origin, Index: 0, Leaf: data, Body: body, Inclusion: []tlog.Hash{}, Checkpoint: cp}
	return b.Encode(), proof.Keys{Log: verifier}
}

func TestSeedBundleVerifies(t *testing.T) {
	b, keys := seedBundle(t)
	everyByteChanged(t, b, keys, nil)
}

// FuzzBundle: the decoder never panics and is strict — what it accepts,
// Encode writes back byte for byte, so no two spellings of a bundle exist;
// the verifier never panics.
func FuzzBundle(f *testing.F) {
	seed, keys := seedBundle(f)
	f.Add(seed)
	f.Add([]byte(proof.Version + "\norigin x\nindex 0\nleaf 1\na\ninclusion 0\ncheckpoint 1\nb\ncosigner k\nprinted 1\nc\nconsistency 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := proof.Parse(data)
		if err == nil {
			if again := b.Encode(); !bytes.Equal(again, data) {
				t.Fatalf("accepted %q, which encodes as %q", data, again)
			}
		}
		if _, err := proof.Verify(data, keys, nil); err == nil && !bytes.Equal(data, seed) {
			if _, perr := proof.Parse(data); perr != nil {
				t.Fatalf("verified a bundle that does not parse: %q", data)
			}
		}
	})
}
