package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/witness/specwitness"
)

// specClient submits Truce's checkpoints to a witness as tlog-witness
// describes, knowing the centre only by its public endpoints: /log/key,
// /log/checkpoint and /api/v1/log/proof/consistency.
type specClient struct {
	t       *testing.T
	s       *testServer
	witness *specwitness.Server
	logKey  note.Verifier
	cosig   note.Verifier
	latest  int64             // the size the witness last cosigned, as the client believes
	cosigns map[string]string // checkpoint -> the witness's signature line
}

func (c *specClient) get(path string) []byte {
	c.t.Helper()
	res := c.s.with("").do("GET", path, "")
	if res.status != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, res.status, res.body)
	}
	return res.body
}

// consistency reads the proof from size from to size to.
func (c *specClient) consistency(from, to int64) []tlog.Hash {
	c.t.Helper()
	var p struct {
		From  int64    `json:"from"`
		To    int64    `json:"to"`
		Proof []string `json:"proof"`
	}
	c.s.with("").do("GET", fmt.Sprintf("/api/v1/log/proof/consistency?from=%d&to=%d", from, to), "").json(c.t, &p)
	if p.From != from || p.To != to {
		c.t.Fatalf("consistency proof %d→%d answered for %d→%d", from, to, p.From, p.To)
	}
	proof := make([]tlog.Hash, len(p.Proof))
	for i, h := range p.Proof {
		raw, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(raw) != tlog.HashSize {
			c.t.Fatalf("proof hash %q", h)
		}
		copy(proof[i][:], raw)
	}
	return proof
}

func (c *specClient) post(body []byte) (int, string, string) {
	c.t.Helper()
	resp, err := http.Post(c.witness.URL+"/add-checkpoint", "text/plain", bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header.Get("Content-Type")
}

// submit sends the centre's current checkpoint with the proof from the
// size the client believes the witness holds, learns the witness's size
// from a 409 once, and checks the cosignature it gets.
func (c *specClient) submit() (size int64) {
	c.t.Helper()
	signed := c.get("/log/checkpoint")
	n, err := note.Open(signed, note.VerifierList(c.logKey))
	if err != nil {
		c.t.Fatalf("the centre's checkpoint does not verify with /log/key: %v\n%s", err, signed)
	}
	size, err = strconv.ParseInt(strings.Split(n.Text, "\n")[1], 10, 64)
	if err != nil {
		c.t.Fatal(err)
	}
	for try := 0; ; try++ {
		var proof []tlog.Hash
		if c.latest > 0 && c.latest < size {
			proof = c.consistency(c.latest, size)
		}
		before := time.Now().Unix()
		status, body, ctype := c.post(specwitness.Request(c.latest, proof, signed))
		if status == http.StatusConflict && try == 0 {
			if ctype != "text/x.tlog.size" {
				c.t.Fatalf("409 as %q", ctype)
			}
			if c.latest, err = strconv.ParseInt(strings.TrimSuffix(body, "\n"), 10, 64); err != nil {
				c.t.Fatalf("409 body %q", body)
			}
			continue
		}
		if status != http.StatusOK {
			c.t.Fatalf("the spec witness refused the centre's checkpoint of size %d from %d: %d %s", size, c.latest, status, body)
		}
		cosigned, err := note.Open(append(bytes.Clone(signed), body...), note.VerifierList(c.logKey, c.cosig))
		if err != nil || len(cosigned.Sigs) != 2 {
			c.t.Fatalf("the cosignature does not verify: %v %q", err, body)
		}
		at, err := c.cosig.(*specwitness.Verifier).Timestamp(cosigned.Sigs[1])
		if err != nil || at.Unix() < before || at.Unix() > time.Now().Unix() {
			c.t.Fatalf("cosignature time %v (%v), want the time of the request", at, err)
		}
		c.latest = size
		c.cosigns[string(signed)] = body
		return size
	}
}

// withCosignatures serves /log/checkpoint with the witness's cosignature
// appended, as a centre that collected it would.
type withCosignatures struct{ cosigns map[string]string }

func (w withCosignatures) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || req.URL.Path != "/log/checkpoint" {
		return resp, err
	}
	signed, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	signed = append(signed, w.cosigns[string(signed)]...)
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(signed)), int64(len(signed))
	return resp, nil
}

// Truce's log is cosigned by a witness written from the C2SP specs alone,
// through the centre's public endpoints only; and truce audit accepts its
// cosignatures under a policy that requires them.
func TestSpecWitnessCosignsTruceLog(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	vkey := strings.TrimSpace(string(s.do("GET", "/log/key", "").body))
	logKey, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatalf("/log/key %q: %v", vkey, err)
	}
	w := specwitness.Start(t)
	cosig, err := specwitness.NewVerifier(w.VKey)
	if err != nil {
		t.Fatal(err)
	}
	// The origin is the checkpoint's first line; the key is named after it.
	if err := s.app.DB.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	origin, _, _ := strings.Cut(string(s.do("GET", "/log/checkpoint", "").body), "\n")
	if origin != logKey.Name() {
		t.Fatalf("origin %q, key name %q", origin, logKey.Name())
	}
	if err := w.AddLog(origin, vkey); err != nil {
		t.Fatal(err)
	}
	c := &specClient{t: t, s: s, witness: w, logKey: logKey, cosig: cosig, cosigns: map[string]string{}}

	write := func(n int) {
		t.Helper()
		for range n {
			res := s.do("POST", "/api/v1/organisations", fmt.Sprintf(`{"name":"Outlet %d","kind":"media"}`, time.Now().UnixNano()))
			if res.status != http.StatusCreated {
				t.Fatalf("create organisation: %d %s", res.status, res.body)
			}
		}
		if err := s.app.DB.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sizes := []int64{c.submit()}
	for _, n := range []int{1, 2, 5, 0} {
		write(n)
		sizes = append(sizes, c.submit())
	}
	if size, _, _ := w.Latest(origin); size != sizes[len(sizes)-1] || sizes[0] >= sizes[len(sizes)-2] {
		t.Fatalf("the witness holds size %d after submitting sizes %v", size, sizes)
	}
	// A client that forgot the witness's size learns it from the 409.
	c.latest = 0
	write(3)
	c.submit()

	// truce audit with a policy requiring the spec witness.
	policy, err := audit.ParsePolicy([]byte("log " + vkey + "\nwitness spec " + w.VKey + "\nquorum spec\n"))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: withCosignatures{c.cosigns}}
	rep, err := audit.Run(ctx, audit.Config{URL: s.url, Key: logKey, Policy: policy, StateDir: t.TempDir(), Client: client})
	if err != nil {
		t.Fatalf("audit with the spec witness's cosignature: %v", err)
	}
	if _, ok := rep.Cosigned.By["spec"]; !ok || rep.Size != c.latest {
		t.Fatalf("audit report %+v: want size %d cosigned by spec", rep, c.latest)
	}
	// A checkpoint the witness has not cosigned fails the same policy.
	write(1)
	if _, err := audit.Run(ctx, audit.Config{URL: s.url, Key: logKey, Policy: policy, StateDir: t.TempDir(), Client: client}); err == nil || !strings.Contains(err.Error(), "quorum") {
		t.Fatalf("audit of a checkpoint not cosigned: %v, want the quorum not met", err)
	}
}
