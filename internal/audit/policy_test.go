package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/truce-monitoring/truce/internal/audit"
)

// testWitness cosigns checkpoints as C2SP tlog-cosignature v1 (Ed25519)
// specifies, written from the spec rather than with the package's code.
type testWitness struct {
	name string
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
	id   uint32
	vkey string
}

func newWitness(t testing.TB, name string) testWitness {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, vkey := witnessKey(name, 0x04, pub)
	return testWitness{name: name, pub: pub, priv: priv, id: id, vkey: vkey}
}

// witnessKey returns the key id and the vkey of a public key of a type:
// 0x04 for cosignature/v1, 0x01 for a plain Ed25519 note key.
func witnessKey(name string, alg byte, pub ed25519.PublicKey) (uint32, string) {
	algKey := append([]byte{alg}, pub...)
	sum := sha256.Sum256(append([]byte(name+"\n"), algKey...))
	id := binary.BigEndian.Uint32(sum[:4])
	return id, fmt.Sprintf("%s+%08x+%s", name, id, base64.StdEncoding.EncodeToString(algKey))
}

// cosign returns the note signature line of a cosignature of body, the
// checkpoint's text up to and including its last newline.
func (w testWitness) cosign(body []byte, at time.Time) string {
	ts := uint64(at.Unix())
	msg := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", ts)), body...)
	sig := binary.BigEndian.AppendUint32(nil, w.id)
	sig = binary.BigEndian.AppendUint64(sig, ts)
	sig = append(sig, ed25519.Sign(w.priv, msg)...)
	return "— " + w.name + " " + base64.StdEncoding.EncodeToString(sig) + "\n"
}

// cosigner adds cosignatures to the checkpoint that the real server
// serves, as a centre that collected them from its witnesses would.
type cosigner struct {
	by      []testWitness
	forged  []testWitness // cosign another body
	at      time.Time
	checked int
}

func (c *cosigner) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || req.URL.Path != "/log/checkpoint" {
		return resp, err
	}
	signed, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body, _, _ := bytes.Cut(signed, []byte("\n\n"))
	body = append(body, '\n')
	for _, w := range c.by {
		signed = append(signed, w.cosign(body, c.at)...)
	}
	for _, w := range c.forged {
		signed = append(signed, w.cosign(append([]byte("another\n"), body...), c.at)...)
	}
	c.checked++
	resp.Body = io.NopCloser(bytes.NewReader(signed))
	resp.ContentLength = int64(len(signed))
	return resp, nil
}

func TestPolicyCosignatures(t *testing.T) {
	l := startLog(t, t.TempDir(), nil)
	l.write(2, 2)
	w1, w2, w3 := newWitness(t, "witness.side-a.example/w1"), newWitness(t, "witness.side-b.example/w2"), newWitness(t, "monitor.example/w3")
	stranger := newWitness(t, "stranger.example/w")
	witnesses := "witness A " + w1.vkey + "\nwitness B " + w2.vkey + "\nwitness C " + w3.vkey + "\n"
	at := time.Date(2021, 6, 12, 15, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		policy  string
		by      []testWitness
		forged  []testWitness
		want    string // error text; "" to pass
		cosign  []string
		invalid []string
	}{
		{name: "quorum none, no cosignature", policy: "quorum none\n"},
		{name: "one witness required and present", policy: witnesses + "quorum A\n", by: []testWitness{w1, stranger}, cosign: []string{"A"}},
		{name: "one witness required, another cosigned", policy: witnesses + "quorum A\n", by: []testWitness{w2, stranger}, want: "quorum A not met"},
		{name: "two of three, both sides", policy: witnesses + "group sides 2 A B C\nquorum sides\n", by: []testWitness{w1, w3}, cosign: []string{"A", "C"}},
		{name: "two of three, one", policy: witnesses + "group sides 2 A B C\nquorum sides\n", by: []testWitness{w2}, want: "quorum sides not met"},
		{name: "nested groups", policy: witnesses + "group ab all A B\ngroup q any ab C\nquorum q\n", by: []testWitness{w3}, cosign: []string{"C"}},
		{name: "a forged cosignature does not count", policy: witnesses + "quorum B\n", by: []testWitness{w1}, forged: []testWitness{w2}, want: "quorum B not met", invalid: []string{"B"}},
		{name: "a forged cosignature beside a quorum", policy: witnesses + "group any any A B\nquorum any\n", by: []testWitness{w1}, forged: []testWitness{w2}, cosign: []string{"A"}, invalid: []string{"B"}},
		{name: "no cosignature at all", policy: witnesses + "quorum C\n", want: "cosigned by 0 of 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := audit.ParsePolicy([]byte(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			c := &cosigner{by: tc.by, forged: tc.forged, at: at}
			rep, err := audit.Run(context.Background(), audit.Config{URL: l.url, Key: l.app.DB.Keys().Verifier, Policy: p, StateDir: t.TempDir(), Client: &http.Client{Transport: c}})
			if c.checked != 1 {
				t.Fatalf("checkpoint fetched %d times", c.checked)
			}
			if tc.want == "" && err != nil || tc.want != "" && (!errors.Is(err, audit.ErrInconsistent) || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("audit: %v, want %q", err, tc.want)
			}
			if got := strings.Join(rep.Cosigned.Names(), " "); tc.want == "" && got != strings.Join(tc.cosign, " ") {
				t.Errorf("cosigned by %q, want %q", got, tc.cosign)
			}
			for _, n := range tc.cosign {
				if !rep.Cosigned.By[n].Equal(at) {
					t.Errorf("%s cosigned at %v, want %v", n, rep.Cosigned.By[n], at)
				}
			}
			if got := strings.Join(rep.Cosigned.Invalid, " "); got != strings.Join(tc.invalid, " ") {
				t.Errorf("invalid cosignatures from %q, want %q", got, tc.invalid)
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	w1, w2 := newWitness(t, "w1.example"), newWitness(t, "w2.example")
	_, logKey, err := note.GenerateKey(rand.Reader, "truce.local/log/abc")
	if err != nil {
		t.Fatal(err)
	}
	// The same public key as w1, under another name and key type.
	_, sameKey := witnessKey("w9.example", 0x01, w1.pub)
	wrongHash := "w1.example+00000000+" + strings.SplitN(w1.vkey, "+", 3)[2]
	good := []struct{ name, policy, quorum string }{
		{"quorum none alone", "quorum none\n", "none"},
		{"comments, blank lines, tabs", "# the centre's log\n\nlog\t" + logKey + "  https://truce.example\n  witness a " + w1.vkey + "\n# sides\nquorum a   \n", "a"},
		{"a plain Ed25519 key as a witness", "witness a " + signerVerifier(t, "w3.example") + "\nquorum a\n", "a"},
		{"groups by number", "witness a " + w1.vkey + "\nwitness b " + w2.vkey + "\ngroup g 2 a b\nquorum g", "g"},
		{"non-ASCII names", "witness côté-a " + w1.vkey + "\nquorum côté-a\n", "côté-a"},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			p, err := audit.ParsePolicy([]byte(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			if p.Quorum != tc.quorum {
				t.Errorf("quorum %q, want %q", p.Quorum, tc.quorum)
			}
		})
	}
	bad := []struct{ name, policy, want string }{
		{"empty", "", "no quorum line"},
		{"two quorums", "quorum none\nquorum none\n", "a second quorum"},
		{"quorum of an unknown name", "quorum a\n", `quorum "a" is not defined`},
		{"quorum before its witness", "quorum a\nwitness a " + w1.vkey + "\n", `quorum "a" is not defined`},
		{"unknown keyword", "trust everyone\nquorum none\n", `unknown keyword "trust"`},
		{"log key that does not parse", "log nonsense\nquorum none\n", "line 1: log key"},
		{"witness key of another type", "witness a " + logKey[:strings.LastIndex(logKey, "+")] + "+Ag" + strings.Repeat("A", 42) + "\nquorum a\n", "witness a key"},
		{"witness key that does not parse", "witness a abc+01234567+AAAA\nquorum none\n", "line 1: witness a key"},
		{"witness key with a wrong key hash", "witness a " + wrongHash + "\nquorum a\n", "key hash 00000000 does not match"},
		{"witness without a key", "witness a\nquorum none\n", "want witness <name> <vkey>"},
		{"duplicate witness name", "witness a " + w1.vkey + "\nwitness a " + w2.vkey + "\nquorum a\n", `name "a" is already defined`},
		{"duplicate key under another name", "witness a " + w1.vkey + "\nwitness b " + sameKey + "\nquorum a\n", "line 2: the same key as on line 1"},
		{"duplicate log", "log " + logKey + "\nlog " + logKey + "\nquorum none\n", "the same key as on line 1"},
		{"none as a witness name", "witness none " + w1.vkey + "\nquorum none\n", `name "none" is already defined`},
		{"group of an unknown member", "witness a " + w1.vkey + "\ngroup g any a b\nquorum g\n", `"b" is not defined`},
		{"member twice", "witness a " + w1.vkey + "\ngroup g 1 a a\nquorum g\n", `"a" is already a member of g`},
		{"member of two groups", "witness a " + w1.vkey + "\ngroup g any a\ngroup h any a\nquorum h\n", `"a" is already a member of g`},
		{"threshold zero", "witness a " + w1.vkey + "\ngroup g 0 a\nquorum g\n", `threshold "0"`},
		{"threshold above members", "witness a " + w1.vkey + "\ngroup g 2 a\nquorum g\n", `threshold "2"`},
		{"threshold with a leading zero", "witness a " + w1.vkey + "\ngroup g 01 a\nquorum g\n", `threshold "01"`},
		{"group without members", "group g any\nquorum none\n", "want group"},
		{"carriage return", "quorum none\r\n", "control character"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.ParsePolicy([]byte(tc.policy))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParsePolicy: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func signerVerifier(t *testing.T, name string) string {
	_, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	return vkey
}

// FuzzParsePolicy: any input is refused with an error or gives a policy
// whose quorum is none or a defined name; nothing panics.
func FuzzParsePolicy(f *testing.F) {
	w := newWitness(f, "w1.example").vkey
	for _, s := range []string{
		"quorum none\n",
		"witness a " + w + "\nquorum a\n",
		"witness a " + w + "\ngroup g any a\nquorum g\n",
		"log truce.local/log/abc+12345678+AQ\nquorum none\n",
		"# c\n\n\twitness a " + w + " https://x\ngroup g 1 a\ngroup h all g\nquorum h",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := audit.ParsePolicy(data)
		if err != nil {
			return
		}
		if p.Quorum == "" {
			t.Fatalf("policy without a quorum from %q", data)
		}
		if p.Quorum != "none" && !strings.Contains(string(data), p.Quorum) {
			t.Fatalf("quorum %q not in the input", p.Quorum)
		}
		seen := map[string]bool{}
		for _, w := range p.Witnesses {
			if seen[w.Name] || w.Name == "none" || w.Verifier == nil {
				t.Fatalf("witness %q defined twice, reserved or without a key", w.Name)
			}
			seen[w.Name] = true
		}
		// Checking a checkpoint never panics either.
		p.Check([]byte("origin\n1\nAAAA\n\n— origin AAAAAAAA\n"))
	})
}
