package witness_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/witness"
	"github.com/truce-monitoring/truce/internal/witness/specwitness"
)

// twins are our witness and the spec witness (written from the C2SP
// specs alone), configured with the same log, fed the same requests.
type twins struct {
	log      *specwitness.Log
	ours     *witness.Witness
	oursH    http.Handler
	oursKey  note.Verifier
	spec     *specwitness.Witness
	specKey  note.Verifier
	logKey   note.Verifier
	stranger *specwitness.Log // a log neither knows
}

func newTwins(t testing.TB, dir string) *twins {
	t.Helper()
	l, err := specwitness.NewLog("example.org/differential")
	if err != nil {
		t.Fatal(err)
	}
	l.Append("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q")
	stranger, err := specwitness.NewLog("example.org/stranger")
	if err != nil {
		t.Fatal(err)
	}
	stranger.Append("x", "y", "z")
	ours, err := witness.Open(ctx, witness.Config{Dir: dir, Name: "ours.example/w", Logs: []witness.Log{{Origin: l.Origin(), Keys: []string{l.VKey()}}}})
	if err != nil {
		t.Fatal(err)
	}
	spec := specwitness.Start(t)
	if err := spec.AddLog(l.Origin(), l.VKey()); err != nil {
		t.Fatal(err)
	}
	tw := &twins{log: l, ours: ours, oursH: ours.Handler(), spec: spec.Witness, stranger: stranger}
	if tw.oursKey, err = fnote.NewVerifierForCosignatureV1(ours.VerifierKey()); err != nil {
		t.Fatal(err)
	}
	if tw.specKey, err = specwitness.NewVerifier(spec.VKey); err != nil {
		t.Fatal(err)
	}
	if tw.logKey, err = note.NewVerifier(l.VKey()); err != nil {
		t.Fatal(err)
	}
	return tw
}

type reply struct {
	status int
	body   string
	ctype  string
}

func serveBody(h http.Handler, body []byte) reply {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/add-checkpoint", bytes.NewReader(body)))
	return reply{rec.Code, rec.Body.String(), rec.Header().Get("Content-Type")}
}

// send gives body to both witnesses.
func (tw *twins) send(body []byte) (ours, spec reply) {
	return serveBody(tw.oursH, body), serveBody(tw.spec, body)
}

// class is what a client can act on: cosigned, told the latest size,
// refused, or something else (a server error).
func class(status int) string {
	switch {
	case status == http.StatusOK:
		return "cosigned"
	case status == http.StatusConflict:
		return "conflict"
	case status >= 400 && status < 500:
		return "refused"
	}
	return "other"
}

// compare returns what the two witnesses disagree on ("" when nothing).
// exact compares status codes; otherwise only their classes.
func (tw *twins) compare(body []byte, ours, spec reply, exact bool) string {
	if exact && ours.status != spec.status || class(ours.status) != class(spec.status) {
		return "ours " + http.StatusText(ours.status) + " " + strings.TrimSpace(ours.body) + "; spec " + http.StatusText(spec.status) + " " + strings.TrimSpace(spec.body)
	}
	switch ours.status {
	case http.StatusConflict:
		if ours.body != spec.body || ours.ctype != "text/x.tlog.size" || spec.ctype != "text/x.tlog.size" {
			return "409 answers differ: ours " + ours.body + " (" + ours.ctype + "), spec " + spec.body + " (" + spec.ctype + ")"
		}
	case http.StatusOK:
		// Both cosigned the checkpoint submitted, and nothing else.
		i := bytes.Index(body, []byte("\n\n"))
		checkpoint := body[i+2:]
		for _, c := range []struct {
			who    string
			answer string
			key    note.Verifier
		}{{"ours", ours.body, tw.oursKey}, {"spec", spec.body, tw.specKey}} {
			if strings.Count(c.answer, "\n") != 1 {
				return c.who + " answered more than one line: " + c.answer
			}
			n, err := note.Open(append(bytes.Clone(checkpoint), c.answer...), note.VerifierList(tw.logKey, c.key))
			if err != nil || len(n.Sigs) < 2 {
				return c.who + "'s cosignature does not verify over the submitted checkpoint"
			}
		}
	}
	// And they remember the same latest checkpoint.
	size, root, ok := tw.spec.Latest(tw.log.Origin())
	signed, ok2 := tw.ours.Latest(tw.log.Origin())
	if ok != ok2 {
		return "one witness cosigned something, the other nothing"
	}
	if ok {
		lines := strings.SplitN(string(signed), "\n", 4)
		if lines[1] != strings.TrimSpace(strings.Split(tw.log.Text(size), "\n")[1]) || lines[2] != base64.StdEncoding.EncodeToString(root[:]) {
			return "the witnesses' latest checkpoints differ: ours " + lines[1] + " " + lines[2]
		}
	}
	return ""
}

// badSig flips a bit of the last signature in a signed note, keeping its
// key name and ID.
func badSig(signed []byte) []byte {
	i := bytes.LastIndex(signed, []byte(" "))
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(signed[i+1:])))
	raw[len(raw)-1] ^= 1
	return append(bytes.Clone(signed[:i+1]), base64.StdEncoding.EncodeToString(raw)+"\n"...)
}

// differentialSteps is a sequence of hostile and valid requests that
// moves the witnesses through the log; every one is compared.
func differentialSteps(tw *twins) []struct {
	name  string
	body  []byte
	exact bool
} {
	l := tw.log
	b64 := func(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }
	badProof := l.Proof(4, 9)
	badProof[1][7] ^= 0x80
	type step = struct {
		name  string
		body  []byte
		exact bool
	}
	return []step{
		{"garbage", []byte("hello\n"), true},
		{"empty body", nil, true},
		{"unknown origin", tw.stranger.Submission(0, 3), true},
		{"no checkpoint", []byte("old 0\n\n"), true},
		{"an empty origin line", []byte("old 0\n\n" + string(l.Sign("\n3\n"+b64(l.Root(3))+"\n"))), true},
		{"signed by a key not configured for the origin", func() []byte {
			impostor, _ := specwitness.NewLog(l.Origin())
			impostor.Append("a", "b", "c")
			return impostor.Submission(0, 3)
		}(), true},
		{"bad signature", badSig(l.Submission(0, 3)), true},
		{"not signed", []byte("old 0\n\n" + l.Text(3) + "\n"), true},
		{"old with a leading zero", []byte("old 00\n\n" + string(l.Checkpoint(3))), true},
		{"old with a plus", []byte("old +0\n\n" + string(l.Checkpoint(3))), true},
		{"old beyond int64", []byte("old 99999999999999999999\n\n" + string(l.Checkpoint(3))), true},
		{"CRLF lines", []byte("old 0\r\n\r\n" + string(l.Checkpoint(3))), true},
		{"no empty line", []byte("old 0\n" + string(l.Checkpoint(3))), true},
		{"proof line of garbage", []byte("old 0\nAAAA\n\n" + string(l.Checkpoint(3))), true},
		{"proof line in URL-safe base64", []byte("old 0\n" + strings.Repeat("_", 43) + "=\n\n" + string(l.Checkpoint(3))), true},
		{"64 proof lines", specwitness.Request(0, make([]tlog.Hash, 64), l.Checkpoint(3)), true},
		{"1000 proof lines", specwitness.Request(0, make([]tlog.Hash, 1000), l.Checkpoint(3)), true},
		{"10000 proof lines, 440 KiB", specwitness.Request(0, make([]tlog.Hash, 10000), l.Checkpoint(3)), false},
		{"unknown origin and a malformed text", []byte("old 0\n\n" + string(tw.stranger.Sign(tw.stranger.Origin()+"\n03\nroot\n"))), true},
		{"bad signature over a malformed text", []byte("old 0\n\n" + string(badSig(l.Sign(l.Origin()+"\n03\nroot\n")))), true},
		{"checkpoint size with a leading zero", []byte("old 0\n\n" + string(l.Sign(strings.Replace(l.Text(3), "\n3\n", "\n03\n", 1)))), true},
		{"checkpoint size negative", []byte("old 0\n\n" + string(l.Sign(strings.Replace(l.Text(3), "\n3\n", "\n-3\n", 1)))), true},
		{"checkpoint of two lines", []byte("old 0\n\n" + string(l.Sign(l.Origin()+"\n3\n"))), true},
		{"root in non-canonical base64", []byte("old 0\n\n" + string(l.Sign(l.Origin()+"\n3\n"+b64(l.Root(3))[:42]+"B=\n"))), true},
		{"root of 33 bytes", []byte("old 0\n\n" + string(l.Sign(l.Origin()+"\n3\n"+base64.StdEncoding.EncodeToString(make([]byte, 33))+"\n"))), true},
		{"empty extension line", []byte("old 0\n\n" + string(l.Sign(l.Text(3)+"\next\n"))), true},
		{"old above the size", []byte("old 4\n\n" + string(l.Checkpoint(3))), true},
		{"size 0, wrong root", []byte("old 0\n\n" + string(l.Sign(l.Origin()+"\n0\n"+b64(l.Root(1))+"\n"))), true},
		{"size 0, the empty tree", []byte("old 0\n\n" + string(l.Sign(l.Origin()+"\n0\n"+b64(tlog.Hash(emptyTree))+"\n"))), true},
		{"a proof from 0", specwitness.Request(0, l.Proof(2, 4), l.Checkpoint(4)), true},
		{"first checkpoint", l.Submission(0, 4), true},
		{"old 0 again", l.Submission(0, 9), true},
		{"old below the latest", l.Submission(2, 9), true},
		{"old above the latest", l.Submission(5, 9), true},
		{"smaller tree from its own size", l.Submission(3, 3), true},
		{"smaller tree from the latest size", specwitness.Request(4, nil, l.Checkpoint(3)), true},
		{"fork at the same size", specwitness.Request(4, nil, l.Sign(l.Origin()+"\n4\n"+b64(l.Root(5))+"\n")), true},
		{"bad proof", specwitness.Request(4, badProof, l.Checkpoint(9)), true},
		{"proof of other sizes", specwitness.Request(4, l.Proof(5, 9), l.Checkpoint(9)), true},
		{"proof missing its last hash", func() []byte { p := l.Proof(4, 9); return specwitness.Request(4, p[:len(p)-1], l.Checkpoint(9)) }(), true},
		{"proof with a hash too many", specwitness.Request(4, append(l.Proof(4, 9), l.Root(4)), l.Checkpoint(9)), true},
		{"no proof", specwitness.Request(4, nil, l.Checkpoint(9)), true},
		{"a proof at the same size", specwitness.Request(4, []tlog.Hash{l.Root(4)}, l.Checkpoint(4)), true},
		{"fork at a larger size", func() []byte {
			fork, _ := specwitness.NewLog("unused")
			fork.Append("a", "b", "C", "d", "e", "f", "g", "h", "i") // differs within the 4 cosigned
			return specwitness.Request(4, fork.Proof(4, 9), l.Sign(l.Origin()+"\n9\n"+b64(fork.Root(9))+"\n"))
		}(), true},
		{"the same checkpoint again", l.Submission(4, 4), true},
		{"consistent", l.Submission(4, 9), true},
		{"with extension lines", l.Submission(9, 13, "an extension", "— looks like a signature"), true},
		{"signed twice by the log and by a stranger", specwitness.Request(13, l.Proof(13, 16), append(l.Checkpoint(16)[:0:0], func() []byte {
			c := l.Checkpoint(16)
			s := tw.stranger.Sign(l.Text(16))
			return append(c, s[bytes.LastIndex(s, []byte("\n\n"))+2:]...)
		}()...)), true},
		{"to a power of two", l.Submission(16, 16), true},
		{"the whole log", l.Submission(16, 17), true},
	}
}

var emptyTree = func() (h [32]byte) {
	copy(h[:], must(base64.StdEncoding.DecodeString("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")))
	return h
}()

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// Our witness and the spec witness answer the same status to each of a
// sequence of hostile and valid requests, and cosign the same checkpoints.
func TestOursAgreesWithTheSpecWitness(t *testing.T) {
	tw := newTwins(t, t.TempDir())
	cosigned := 0
	for _, s := range differentialSteps(tw) {
		ours, spec := tw.send(s.body)
		if d := tw.compare(s.body, ours, spec, s.exact); d != "" {
			t.Errorf("%s: %s", s.name, d)
		}
		if ours.status == http.StatusOK {
			cosigned++
		}
	}
	if cosigned != 8 {
		t.Errorf("%d requests cosigned, want the 8 valid ones", cosigned)
	}
}

// Mutated requests: whatever the fuzzer sends, both witnesses answer the
// same status (the same class when one finds the body too large) and keep
// the same latest checkpoint. resign re-signs the checkpoint's text with the log's key, so
// that mutations of the text reach the checks behind the signature.
func FuzzOursAgreesWithTheSpecWitness(f *testing.F) {
	tw := newTwins(f, f.TempDir())
	for _, s := range differentialSteps(tw) {
		if len(s.body) < 8<<10 { // big seeds make minimising slow
			f.Add(s.body, false)
			f.Add(s.body, true)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, resign bool) {
		if resign {
			if i := bytes.Index(body, []byte("\n\n")); i >= 0 {
				cp := body[i+2:]
				if j := bytes.LastIndex(cp, []byte("\n\n")); j >= 0 {
					if signed, err := note.Sign(&note.Note{Text: string(cp[:j+1])}, tw.log.Signer()); err == nil {
						body = append(bytes.Clone(body[:i+2]), signed...)
					}
				}
			}
		}
		ours, spec := tw.send(body)
		// The two bound a body's size differently (neither is the spec's).
		exact := ours.status != http.StatusRequestEntityTooLarge && spec.status != http.StatusRequestEntityTooLarge
		if d := tw.compare(body, ours, spec, exact); d != "" {
			t.Fatalf("%q: %s", body, d)
		}
	})
}
