package witness

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"
)

// MaxProofLines is the most consistency proof lines a client may send
// (c2sp.org/tlog-witness: "The client MUST NOT send more than 63").
const MaxProofLines = 63

// Request is a parsed add-checkpoint body: the size of the checkpoint the
// client believes the witness last cosigned, a consistency proof from it
// to the submitted checkpoint, and the signed checkpoint itself.
type Request struct {
	OldSize    int64
	Proof      tlog.TreeProof
	Checkpoint []byte // the signed note, as sent
}

// ParseRequest parses an add-checkpoint body (c2sp.org/tlog-witness): an
// old size line, zero to 63 proof lines, an empty line, the checkpoint.
// Every line ends in a newline. Errors wrap ErrMalformed.
func ParseRequest(body []byte) (Request, error) {
	var r Request
	line, rest, ok := bytes.Cut(body, []byte("\n"))
	if !ok {
		return r, malformed("the body has no old size line")
	}
	num, ok := bytes.CutPrefix(line, []byte("old "))
	if !ok {
		return r, malformed("the first line is not \"old <size>\"")
	}
	size, err := parseSize(num)
	if err != nil {
		return r, malformed("old size: %v", err)
	}
	r.OldSize = size
	for {
		line, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			return r, malformed("the proof is not followed by an empty line and a checkpoint")
		}
		if len(line) == 0 {
			break
		}
		if len(r.Proof) == MaxProofLines {
			return r, malformed("more than %d consistency proof lines", MaxProofLines)
		}
		h, err := parseHash(line)
		if err != nil {
			return r, malformed("consistency proof line %d: %v", len(r.Proof)+1, err)
		}
		r.Proof = append(r.Proof, h)
	}
	if len(rest) == 0 {
		return r, malformed("no checkpoint after the empty line")
	}
	r.Checkpoint = rest
	return r, nil
}

// Checkpoint is the text of a checkpoint (c2sp.org/tlog-checkpoint).
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Text   string // the whole note text, extension lines included, ending in a newline
}

// parseCheckpoint reads the text of a signed checkpoint note, strictly:
// at least three lines, a non-empty origin, a size with no leading zeroes,
// a root of 32 bytes in canonical base64, and no empty extension line.
func parseCheckpoint(signed []byte) (Checkpoint, error) {
	var c Checkpoint
	// The text ends at the last empty line (c2sp.org/signed-note).
	end := bytes.LastIndex(signed, []byte("\n\n"))
	if end < 0 {
		return c, malformed("the checkpoint has no empty line before its signatures")
	}
	text := signed[:end+1]
	lines := bytes.Split(text[:len(text)-1], []byte("\n"))
	if len(lines) < 3 {
		return c, malformed("the checkpoint has %d lines; it needs an origin, a size and a root hash", len(lines))
	}
	if len(lines[0]) == 0 {
		return c, malformed("the checkpoint's origin line is empty")
	}
	size, err := parseSize(lines[1])
	if err != nil {
		return c, malformed("checkpoint size: %v", err)
	}
	root, err := parseHash(lines[2])
	if err != nil {
		return c, malformed("checkpoint root hash: %v", err)
	}
	for i, ext := range lines[3:] {
		if len(ext) == 0 {
			return c, malformed("checkpoint extension line %d is empty", i+1)
		}
	}
	return Checkpoint{Origin: string(lines[0]), Size: size, Root: root, Text: string(text)}, nil
}

// parseSize reads a tree size: ASCII decimal, no sign, no leading zeroes.
func parseSize(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 1 && b[0] == '0' {
		return 0, fmt.Errorf("%q is not a decimal with no leading zeroes", b)
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a decimal with no leading zeroes", b)
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", b)
	}
	return n, nil
}

// parseHash reads a SHA-256 hash in standard, canonical base64.
func parseHash(b []byte) (tlog.Hash, error) {
	var h tlog.Hash
	if len(b) != base64.StdEncoding.EncodedLen(len(h)) {
		return h, fmt.Errorf("%q is not a base64 SHA-256 hash", b)
	}
	var buf [33]byte // DecodedLen of 44 characters: a 44-character string without padding would write 33
	n, err := base64.StdEncoding.Strict().Decode(buf[:], b)
	if err != nil || n != len(h) {
		return h, fmt.Errorf("%q is not a base64 SHA-256 hash", b)
	}
	copy(h[:], buf[:n])
	return h, nil
}
