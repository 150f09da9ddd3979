package witness

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// Log is a log the witness cosigns for: its origin line and the verifier
// keys (note vkeys) whose signature on a checkpoint it accepts. Any key
// type transparency-dev/formats verifies is accepted: Ed25519 (0x01),
// ECDSA (0x02), Ed25519 and ML-DSA-44 cosignatures (0x04, 0x06), RFC 6962
// tree head signatures (0x05).
type Log struct {
	Origin string
	Keys   []string
}

// ParseLog reads "ORIGIN=VERIFIERKEY". The origin is everything before
// the first '=' (an origin with '=' in it cannot be configured this way).
func ParseLog(s string) (Log, error) {
	origin, vkey, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok || origin == "" || vkey == "" {
		return Log{}, fmt.Errorf("%q is not ORIGIN=VERIFIERKEY", s)
	}
	if strings.ContainsFunc(origin, func(r rune) bool { return r < 0x20 }) {
		return Log{}, fmt.Errorf("origin %q holds a control character", origin)
	}
	if _, err := fnote.NewVerifier(vkey); err != nil {
		return Log{}, fmt.Errorf("the verifier key of %s: %v", origin, err)
	}
	return Log{Origin: origin, Keys: []string{vkey}}, nil
}

// ParseLogs reads a logs file: one ORIGIN=VERIFIERKEY a line; empty lines
// and lines starting with '#' are skipped. A log may be named on several
// lines, one per key.
func ParseLogs(r io.Reader) ([]Log, error) {
	var logs []Log
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		l, err := ParseLog(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		logs = append(logs, l)
	}
	return logs, sc.Err()
}

// knownLog is a configured log with its verifiers and its state.
type knownLog struct {
	origin    string
	verifiers note.Verifiers
}

// mergeLogs gathers the keys of each origin and builds their verifiers.
func mergeLogs(logs []Log) (map[string]*knownLog, error) {
	out := map[string]*knownLog{}
	keys := map[string][]note.Verifier{}
	seen := map[[2]string]bool{}
	for _, l := range logs {
		if l.Origin == "" {
			return nil, fmt.Errorf("a log with no origin")
		}
		for _, k := range l.Keys {
			// The same key twice would make the verifier list ambiguous.
			if seen[[2]string{l.Origin, k}] {
				continue
			}
			seen[[2]string{l.Origin, k}] = true
			v, err := fnote.NewVerifier(k)
			if err != nil {
				return nil, fmt.Errorf("the verifier key of %s: %v", l.Origin, err)
			}
			keys[l.Origin] = append(keys[l.Origin], v)
		}
		if len(keys[l.Origin]) == 0 {
			return nil, fmt.Errorf("log %s has no verifier key", l.Origin)
		}
	}
	for origin, vs := range keys {
		out[origin] = &knownLog{origin: origin, verifiers: note.VerifierList(vs...)}
	}
	return out, nil
}
