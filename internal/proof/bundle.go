// Package proof makes and checks proof bundles: one text file that shows,
// with no network, that a change — a record's version, or an issued
// report — is in Truce's log. A bundle holds the change's leaf (and, for a
// reader entitled to the record, its opening and body), the inclusion
// proof and the signed checkpoint with its cosignatures; for a report, also
// the checkpoint its printed footer names and the consistency proof from it.
// docs/log-format.md describes the format byte by byte.
//
// The format is strict so that a bundle with any byte changed is refused:
// every byte is either covered by a hash or a signature that the verifier
// recomputes, or a fixed keyword, a length or a count that must be exactly
// what the parser expects. There is no optional whitespace, no comment and
// no field a verifier skips.
package proof

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"
)

// Version is the first line of every bundle. A verifier refuses a bundle
// whose first line it does not know.
const Version = "truce-proof/v1"

// Limits on what a bundle may hold: a decoder of outside input bounds what
// it will read.
const (
	MaxBundle      = 8 << 20 // bytes in a whole bundle
	maxInclusion   = 64      // an inclusion proof in a tree of 2^63 leaves has 63 hashes
	maxConsistency = 128     // a consistency proof has at most 2*63 hashes
	maxCosigners   = 64
)

// Bundle is a proof bundle's content.
type Bundle struct {
	// Origin is the log's origin line; the checkpoint must name it.
	Origin string
	// Index is the change's position in the log (its seq).
	Index int64
	// Leaf is the leaf data the log holds: truce-leaf/v1 (a public
	// record's change) or truce-leaf/v1-committed.
	Leaf []byte
	// Opening is a committed leaf's opening (truce-opening/v1); nil when
	// the leaf is public or the bundle's reader may not read the record.
	Opening []byte
	// Body is the change body as stored, when the reader may read all of
	// it; nil otherwise (or when it was erased).
	Body []byte
	// Inclusion proves Leaf at Index in the tree of Checkpoint.
	Inclusion []tlog.Hash
	// Checkpoint is the signed checkpoint (a C2SP signed note), with the
	// witnesses' cosignature lines as the centre served them.
	Checkpoint []byte
	// Cosigners are the verifier keys (vkeys) of the witnesses whose
	// cosignatures the notes carry, as the centre knows them: sorted, each
	// used by a signature line. A verifier's policy, not these, decides
	// whom to trust; they let the cosignature lines be checked at all.
	Cosigners []string
	// Printed is the signed checkpoint a report's footer names (the latest
	// one signed before the report was issued); nil for any other change.
	Printed []byte
	// Consistency proves that the tree of Printed is a prefix of the tree
	// of Checkpoint; present exactly when Printed is.
	Consistency []tlog.Hash
}

// Encode writes the bundle in its text format.
func (b *Bundle) Encode() []byte {
	var w bytes.Buffer
	w.WriteString(Version + "\n")
	w.WriteString("origin " + b.Origin + "\n")
	w.WriteString("index " + strconv.FormatInt(b.Index, 10) + "\n")
	blob(&w, "leaf", b.Leaf)
	if b.Opening != nil {
		blob(&w, "opening", b.Opening)
	}
	if b.Body != nil {
		blob(&w, "body", b.Body)
	}
	hashes(&w, "inclusion", b.Inclusion)
	blob(&w, "checkpoint", b.Checkpoint)
	for _, k := range b.Cosigners {
		w.WriteString("cosigner " + k + "\n")
	}
	if b.Printed != nil {
		blob(&w, "printed", b.Printed)
		hashes(&w, "consistency", b.Consistency)
	}
	return w.Bytes()
}

func blob(w *bytes.Buffer, key string, data []byte) {
	w.WriteString(key + " " + strconv.Itoa(len(data)) + "\n")
	w.Write(data)
	w.WriteByte('\n')
}

func hashes(w *bytes.Buffer, key string, hs []tlog.Hash) {
	w.WriteString(key + " " + strconv.Itoa(len(hs)) + "\n")
	for _, h := range hs {
		w.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
}

// Parse decodes a bundle written by Encode. It refuses anything Encode
// would not write: unknown or misplaced lines, numbers with leading zeros,
// hashes in anything but canonical base64, a blob not followed by its
// newline, unsorted cosigners, bytes after the end.
func Parse(data []byte) (*Bundle, error) {
	if len(data) > MaxBundle {
		return nil, fmt.Errorf("bundle: larger than %d bytes", MaxBundle)
	}
	r := &reader{rest: data}
	var b Bundle
	if line, err := r.line(); err != nil {
		return nil, err
	} else if line != Version {
		return nil, fmt.Errorf("bundle: line 1: not a %s bundle", Version)
	}
	origin, err := r.value("origin")
	if err != nil {
		return nil, err
	}
	if origin == "" || !printable(origin) {
		return nil, fmt.Errorf("bundle: origin: empty or not printable")
	}
	b.Origin = origin
	if b.Index, err = r.number("index", 1<<62); err != nil {
		return nil, err
	}
	if b.Leaf, err = r.blob("leaf"); err != nil {
		return nil, err
	}
	if r.next("opening") {
		if b.Opening, err = r.blob("opening"); err != nil {
			return nil, err
		}
	}
	if r.next("body") {
		if b.Body, err = r.blob("body"); err != nil {
			return nil, err
		}
	}
	if b.Inclusion, err = r.hashes("inclusion", maxInclusion); err != nil {
		return nil, err
	}
	if b.Checkpoint, err = r.blob("checkpoint"); err != nil {
		return nil, err
	}
	for r.next("cosigner") {
		k, err := r.value("cosigner")
		if err != nil {
			return nil, err
		}
		if k == "" || !printable(k) {
			return nil, fmt.Errorf("bundle: cosigner: empty or not printable")
		}
		if n := len(b.Cosigners); n > 0 && b.Cosigners[n-1] >= k {
			return nil, fmt.Errorf("bundle: cosigner keys must be sorted and unique")
		}
		if len(b.Cosigners) == maxCosigners {
			return nil, fmt.Errorf("bundle: more than %d cosigners", maxCosigners)
		}
		b.Cosigners = append(b.Cosigners, k)
	}
	if r.next("printed") {
		if b.Printed, err = r.blob("printed"); err != nil {
			return nil, err
		}
		if b.Consistency, err = r.hashes("consistency", maxConsistency); err != nil {
			return nil, err
		}
	}
	if len(r.rest) > 0 {
		return nil, fmt.Errorf("bundle: line %d: unexpected %q", r.n+1, clip(r.rest))
	}
	return &b, nil
}

// reader reads a bundle line by line.
type reader struct {
	rest []byte
	n    int // lines read
}

func (r *reader) line() (string, error) {
	i := bytes.IndexByte(r.rest, '\n')
	if i < 0 {
		return "", fmt.Errorf("bundle: line %d: missing or unterminated", r.n+1)
	}
	line := string(r.rest[:i])
	r.rest = r.rest[i+1:]
	r.n++
	return line, nil
}

// next reports whether the next line starts with key and a space.
func (r *reader) next(key string) bool {
	return bytes.HasPrefix(r.rest, []byte(key+" "))
}

// value reads the line "key value".
func (r *reader) value(key string) (string, error) {
	line, err := r.line()
	if err != nil {
		return "", err
	}
	v, ok := cutKey(line, key)
	if !ok {
		return "", fmt.Errorf("bundle: line %d: want %q, got %q", r.n, key, clip([]byte(line)))
	}
	return v, nil
}

func cutKey(line, key string) (string, bool) {
	if len(line) <= len(key) || line[:len(key)] != key || line[len(key)] != ' ' {
		return "", false
	}
	return line[len(key)+1:], true
}

// number reads "key N", N a decimal from 0 to max without leading zeros.
func (r *reader) number(key string, max int64) (int64, error) {
	v, err := r.value(key)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > max || strconv.FormatInt(n, 10) != v {
		return 0, fmt.Errorf("bundle: line %d: %s: %q is not a number from 0 to %d", r.n, key, clip([]byte(v)), max)
	}
	return n, nil
}

// blob reads "key N", N bytes (at least one) and a newline.
func (r *reader) blob(key string) ([]byte, error) {
	n, err := r.number(key, MaxBundle)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("bundle: line %d: %s is empty", r.n, key)
	}
	if int64(len(r.rest)) < n+1 || r.rest[n] != '\n' {
		return nil, fmt.Errorf("bundle: %s: not %d bytes and a newline", key, n)
	}
	data := slices.Clone(r.rest[:n])
	r.n += bytes.Count(data, []byte("\n")) + 1
	r.rest = r.rest[n+1:]
	return data, nil
}

// hashes reads "key K" and K lines of one hash each, in canonical base64.
func (r *reader) hashes(key string, max int64) ([]tlog.Hash, error) {
	k, err := r.number(key, max)
	if err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, 0, k)
	for range k {
		line, err := r.line()
		if err != nil {
			return nil, err
		}
		h, err := parseHash(line)
		if err != nil {
			return nil, fmt.Errorf("bundle: line %d: %s: %v", r.n, key, err)
		}
		out = append(out, h)
	}
	return out, nil
}

// parseHash decodes a hash in canonical base64: padded, and with the
// unused bits of the last character zero, so that one hash has one
// spelling.
func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) != len(h) || base64.StdEncoding.EncodeToString(raw) != s {
		return h, fmt.Errorf("%q is not a hash in base64", clip([]byte(s)))
	}
	copy(h[:], raw)
	return h, nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// clip shortens what an error quotes from the input.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
