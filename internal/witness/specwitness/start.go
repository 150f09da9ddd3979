package specwitness

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"testing"
	"time"
)

// Server is a spec witness served over HTTP on a loopback port for the
// length of a test.
type Server struct {
	*Witness
	// URL is both the submission and the monitoring prefix: submit to
	// URL + "/add-checkpoint".
	URL string
	// VKey is the witness's cosignature/v1 verifier key, for a policy or
	// for `truce serve --witness URL=KEY`.
	VKey string
}

// Start serves a new spec witness with a fresh key and the real clock on
// 127.0.0.1:0 until the test ends. Give it logs with AddLog, before or
// after it starts.
func Start(t testing.TB) *Server {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	w, err := New("specwitness.test/"+hex.EncodeToString(pub[:4]), key, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return &Server{Witness: w, URL: srv.URL, VKey: w.VerifierKey()}
}
