package witnessclient

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// testKeys are a log key and a witness's cosignature key.
func testKeys(t testing.TB) (signed []byte, w note.Signer, vkey string) {
	t.Helper()
	skey, _, err := note.GenerateKey(rand.Reader, "example.org/log")
	if err != nil {
		t.Fatal(err)
	}
	logSigner, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	signed, err = note.Sign(&note.Note{Text: "example.org/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"}, logSigner)
	if err != nil {
		t.Fatal(err)
	}
	wskey, wvkey, err := note.GenerateKey(rand.Reader, "witness.example")
	if err != nil {
		t.Fatal(err)
	}
	// An Ed25519 key used for cosignature/v1 (type 0x01 keys are accepted
	// as cosignature keys by transparency-dev/formats and package audit).
	ws, err := fnote.NewSignerForCosignatureV1(wskey)
	if err != nil {
		t.Fatal(err)
	}
	return signed, ws, wvkey
}

func TestParseWitness(t *testing.T) {
	_, _, vkey := testKeys(t)
	for _, tc := range []struct {
		in, url, err string
	}{
		{"http://127.0.0.1:8090=" + vkey, "http://127.0.0.1:8090", ""},
		{"https://w.example/prefix/=" + vkey, "https://w.example/prefix", ""},
		{"http://127.0.0.1:8090", "", "is not URL=KEY"},
		{"=" + vkey, "", "not an http(s) URL"},
		{"ftp://w.example=" + vkey, "", "not an http(s) URL"},
		{"http://w.example/?a=b=" + vkey, "", "not an http(s) URL"},
		{"http://w.example=not+a+key", "", "is not URL=KEY"},
	} {
		w, err := ParseWitness(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && (w.URL != tc.url || w.Name != "witness.example"):
			t.Errorf("%q: got %+v", tc.in, w)
		}
	}
}

func TestParseCosignatures(t *testing.T) {
	signed, ws, vkey := testKeys(t)
	w, err := ParseWitness("http://w.example=" + vkey)
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(&note.Note{Text: "example.org/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"}, ws)
	if err != nil {
		t.Fatal(err)
	}
	line := cosigned[bytes.LastIndex(cosigned, []byte("\n— "))+1:]
	got, err := parseCosignatures(line, signed, w.verifier)
	if err != nil || len(got) != 1 || got[0].line != string(line) || got[0].signedAt.IsZero() {
		t.Fatalf("a good line: %+v %v", got, err)
	}
	other := []byte("— other.example AAAAAAAAAAAAAAA=\n")
	if got, err := parseCosignatures(append(append([]byte{}, other...), line...), signed, w.verifier); err != nil || len(got) != 1 {
		t.Fatalf("another key's line beside it: %+v %v", got, err)
	}
	forged := bytes.Replace(line, []byte("A"), []byte("B"), 1)
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"empty", nil, "not signature lines"},
		{"no newline", bytes.TrimSuffix(line, []byte("\n")), "not signature lines"},
		{"not a signature line", []byte("cosigned!\n"), "not a signature line"},
		{"only another key", other, "no cosignature that verifies"},
		{"a forged signature", forged, "no cosignature that verifies"},
	} {
		if _, err := parseCosignatures(tc.body, signed, w.verifier); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestParseSizeBody(t *testing.T) {
	for in, want := range map[string]int64{"0\n": 0, "17\n": 17, "9223372036854775807\n": 1<<63 - 1} {
		if n, err := parseSizeBody([]byte(in)); err != nil || n != want {
			t.Errorf("%q: %d %v", in, n, err)
		}
	}
	for _, in := range []string{"", "\n", "17", "017\n", "-1\n", "1 \n", "9223372036854775808\n", "12\n\n"} {
		if _, err := parseSizeBody([]byte(in)); err == nil {
			t.Errorf("%q was accepted", in)
		}
	}
}

// FuzzWitnessAnswers feeds arbitrary witness answers to both parsers:
// neither may panic, and what the cosignature parser keeps verifies.
func FuzzWitnessAnswers(f *testing.F) {
	signed, ws, vkey := testKeys(f)
	w, err := ParseWitness("http://w.example=" + vkey)
	if err != nil {
		f.Fatal(err)
	}
	cosigned, err := note.Sign(&note.Note{Text: "example.org/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"}, ws)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cosigned[bytes.LastIndex(cosigned, []byte("\n— "))+1:])
	f.Add([]byte("12\n"))
	f.Add([]byte("— witness.example AAAA\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		parseSizeBody(body)
		got, err := parseCosignatures(body, signed, w.verifier)
		if err != nil {
			return
		}
		for _, c := range got {
			if _, err := note.Open(append(append([]byte{}, signed...), c.line...), note.VerifierList(w.verifier)); err != nil {
				t.Fatalf("kept a line that does not verify: %q", c.line)
			}
		}
	})
}
