package audit_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/audit"
)

// savedState returns a real state file, saved by an audit of a real log.
func savedState(t *testing.T) []byte {
	t.Helper()
	l := startLog(t, t.TempDir(), nil)
	l.write(3, 300)
	state := t.TempDir()
	if _, err := l.audit(state, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(state, audit.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(state, "*.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left in the state directory: %v", left)
	}
	return data
}

// edit decodes a state file as JSON, changes it and encodes it again.
func edit(t *testing.T, data []byte, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseState(t *testing.T) {
	good := savedState(t)
	s, err := audit.ParseState(good)
	if err != nil {
		t.Fatal(err)
	}
	if s.Size != 303 || len(s.Range) != 6 || !bytes.Equal(s.Marshal(), good) {
		t.Fatalf("state of a 303-entry tree: size %d, %d range hashes (want 6: 256+32+8+4+2+1), re-encoded equal: %v", s.Size, len(s.Range), bytes.Equal(s.Marshal(), good))
	}
	rng := func(m map[string]any) []any { return m["range"].([]any) }
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "state: EOF"},
		{"not JSON", []byte("size 303\n"), "state: invalid character"},
		{"another version", edit(t, good, func(m map[string]any) { m["version"] = "truce-audit/v2" }), `version "truce-audit/v2"`},
		{"unknown field", edit(t, good, func(m map[string]any) { m["trusted"] = true }), `unknown field "trusted"`},
		{"data after the state", append(append([]byte{}, good...), "{}"...), "data after the state"},
		{"no origin", edit(t, good, func(m map[string]any) { m["origin"] = "" }), "no origin"},
		{"negative size", edit(t, good, func(m map[string]any) { m["size"] = -1 }), "negative size"},
		{"size grown by hand", edit(t, good, func(m map[string]any) { m["size"] = 304 }), "6 range hashes for size 304"},
		{"a range hash dropped", edit(t, good, func(m map[string]any) { m["range"] = rng(m)[1:] }), "5 range hashes for size 303"},
		{"range hashes swapped", edit(t, good, func(m map[string]any) { r := rng(m); r[0], r[1] = r[1], r[0] }), "range does not hash to the root"},
		{"root edited", edit(t, good, func(m map[string]any) { m["root"] = rng(m)[0] }), "range does not hash to the root"},
		{"root of the wrong length", edit(t, good, func(m map[string]any) { m["root"] = "AAAA" }), "state:"},
		{"no checkpoint", edit(t, good, func(m map[string]any) { m["checkpoint"] = "" }), "no checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := audit.ParseState(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseState: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// FuzzParseState: a state file is refused with an error or parses to a
// state that encodes back to a file that parses to the same state.
func FuzzParseState(f *testing.F) {
	f.Add([]byte(`{"version":"truce-audit/v1","origin":"o","size":0,"root":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","range":[],"checkpoint":"x"}`))
	f.Add([]byte(`{"version":"truce-audit/v1","origin":"o","size":1,"root":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","range":["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],"checkpoint":"x"}`))
	f.Add([]byte(`{"version":"truce-audit/v1","size":-1}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := audit.ParseState(data)
		if err != nil {
			return
		}
		again, err := audit.ParseState(s.Marshal())
		if err != nil {
			t.Fatalf("re-encoded state does not parse: %v", err)
		}
		if !bytes.Equal(again.Marshal(), s.Marshal()) {
			t.Fatalf("state changed through encoding")
		}
	})
}
