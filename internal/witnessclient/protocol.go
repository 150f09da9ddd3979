package witnessclient

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// addCheckpointBody is an add-checkpoint request (c2sp.org/tlog-witness):
// "old <size>", the consistency proof from that size, one hash a line in
// base64, an empty line and the signed checkpoint.
func addCheckpointBody(old int64, proof tlog.TreeProof, signed []byte) []byte {
	b := make([]byte, 0, 16+len(proof)*45+1+len(signed))
	b = append(b, "old "...)
	b = strconv.AppendInt(b, old, 10)
	b = append(b, '\n')
	for _, h := range proof {
		b = base64.StdEncoding.AppendEncode(b, h[:])
		b = append(b, '\n')
	}
	b = append(b, '\n')
	return append(b, signed...)
}

// parseSizeBody reads a 409 answer's body (text/x.tlog.size): the size of
// the latest checkpoint the witness cosigned, a decimal and a newline.
func parseSizeBody(body []byte) (int64, error) {
	line, ok := bytes.CutSuffix(body, []byte("\n"))
	if !ok || len(line) == 0 || len(line) > 19 || len(line) > 1 && line[0] == '0' {
		return 0, fmt.Errorf("the conflict's body %.40q is not a tree size and a newline", body)
	}
	for _, c := range line {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("the conflict's body %.40q is not a tree size and a newline", body)
		}
	}
	n, err := strconv.ParseInt(string(line), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("the conflict's body %.40q is out of range", body)
	}
	return n, nil
}

// cosignature is one signature line a witness answered, verified.
type cosignature struct {
	line     string
	signedAt time.Time
}

// errNoCosignature is an answer with no line that verifies with the
// witness's key.
var errNoCosignature = errors.New("the answer holds no cosignature that verifies with the witness's key")

// parseCosignatures reads a 200 answer's body: one or more note signature
// lines ("— <name> <base64>\n"). It keeps those that verify with v on the
// signed checkpoint and fails when there is none or when the body is not
// signature lines.
func parseCosignatures(body, signed []byte, v note.Verifier) ([]cosignature, error) {
	if len(body) == 0 || body[len(body)-1] != '\n' {
		return nil, fmt.Errorf("the answer %.60q is not signature lines ending in a newline", body)
	}
	var out []cosignature
	for _, line := range bytes.SplitAfter(body, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		rest, ok := bytes.CutPrefix(line, []byte("— "))
		if !ok {
			return nil, fmt.Errorf("the answer's line %.60q is not a signature line", line)
		}
		name, sig, ok := bytes.Cut(bytes.TrimSuffix(rest, []byte("\n")), []byte(" "))
		if !ok || len(name) == 0 || len(sig) == 0 || bytes.ContainsAny(sig, " \t") {
			return nil, fmt.Errorf("the answer's line %.60q is not a signature line", line)
		}
		if string(name) != v.Name() {
			continue // another key of the same witness
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(string(sig))
		if err != nil || len(raw) < 4+8 || binary.BigEndian.Uint32(raw) != v.KeyHash() {
			continue
		}
		// note.Open checks the line against the checkpoint's text exactly
		// as a reader of the served note will.
		if _, err := note.Open(append(append([]byte{}, signed...), line...), note.VerifierList(v)); err != nil {
			continue
		}
		ts := binary.BigEndian.Uint64(raw[4:])
		if ts > 1<<62 {
			continue
		}
		out = append(out, cosignature{line: string(line), signedAt: time.Unix(int64(ts), 0).UTC()})
	}
	if len(out) == 0 {
		return nil, errNoCosignature
	}
	return out, nil
}
