package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// A change to a record that is not public contributes a committed leaf:
// its position, its time and a commitment to everything else. The
// commitment is the SHA-256 of the change's opening — a random salt and
// the change's whole v1 leaf — so the public log shows that a change
// happened and when, never which record, which organisation, who, or a
// hash of the body (a low-entropy body could be guessed from it). A reader
// entitled to the record gets the opening and checks it against the leaf;
// the salt keeps anyone else from testing guesses against the commitment.
// docs/log-format.md describes both formats byte by byte.

// CommittedLeafVersion is the first line of a committed leaf.
const CommittedLeafVersion = "truce-leaf/v1-committed"

// OpeningVersion is the first line of an opening.
const OpeningVersion = "truce-opening/v1"

// SaltSize is the size of an opening's salt.
const SaltSize = 32

// CommittedLeaf is what the public log holds for a change to a record that
// is not public.
type CommittedLeaf struct {
	Seq        int64
	At         time.Time
	Commitment [32]byte // SHA-256 of the change's opening
}

// Encode returns the leaf data: "truce-leaf/v1-committed", then seq, at
// and commitment lines, each newline-terminated.
func (c CommittedLeaf) Encode() []byte {
	return AppendCommitted(make([]byte, 0, 128), c.Seq, c.At.UTC().Format(TimeLayout), c.Commitment[:])
}

// Hash returns the RFC 6962 leaf hash of the leaf.
func (c CommittedLeaf) Hash() tlog.Hash { return tlog.RecordHash(c.Encode()) }

// AppendCommitted appends the data of a committed leaf whose time is given
// in TimeLayout, writing the same bytes as Encode.
func AppendCommitted[T string | []byte](dst []byte, seq int64, at T, commitment []byte) []byte {
	dst = append(dst, CommittedLeafVersion+"\nseq "...)
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, "\nat "...)
	dst = append(dst, at...)
	dst = append(dst, "\ncommitment "...)
	dst = hex.AppendEncode(dst, commitment)
	return append(dst, '\n')
}

// Opening is what a committed leaf commits to: a random salt and the
// change's leaf as a public record's leaf would show it.
type Opening struct {
	Salt [SaltSize]byte
	Leaf Leaf
}

// Encode returns the opening's text: "truce-opening/v1", a salt line, then
// the v1 leaf. Its SHA-256 is the commitment, so that `sha256sum` of the
// text checks it.
func (o Opening) Encode() []byte {
	return append(AppendOpeningHead(make([]byte, 0, 320), o.Salt[:]), o.Leaf.Encode()...)
}

// AppendOpeningHead appends the lines of an opening that precede its leaf.
func AppendOpeningHead(dst []byte, salt []byte) []byte {
	dst = append(dst, OpeningVersion+"\nsalt "...)
	dst = hex.AppendEncode(dst, salt)
	return append(dst, '\n')
}

// Commitment returns the SHA-256 of the opening's text.
func (o Opening) Commitment() [32]byte { return sha256.Sum256(o.Encode()) }

// Committed returns the leaf the log holds for this opening.
func (o Opening) Committed() CommittedLeaf {
	return CommittedLeaf{Seq: o.Leaf.Seq, At: o.Leaf.At, Commitment: o.Commitment()}
}

// ParseCommittedLeaf decodes leaf data written by CommittedLeaf.Encode,
// as strictly as ParseLeaf.
func ParseCommittedLeaf(data []byte) (CommittedLeaf, error) {
	var c CommittedLeaf
	vals, err := parseLines(data, CommittedLeafVersion, "seq", "at", "commitment")
	if err != nil {
		return c, err
	}
	if c.Seq, err = parseSeq(vals[0]); err != nil {
		return CommittedLeaf{}, err
	}
	if c.At, err = parseTime(vals[1]); err != nil {
		return CommittedLeaf{}, err
	}
	if err := parseHash(c.Commitment[:], vals[2], "commitment"); err != nil {
		return CommittedLeaf{}, err
	}
	return c, nil
}

// ParseOpening decodes an opening written by Opening.Encode: its salt line
// and then a v1 leaf, parsed by ParseLeaf.
func ParseOpening(data []byte) (Opening, error) {
	var o Opening
	head, rest, ok := strings.Cut(string(data), "\n")
	if !ok || head != OpeningVersion {
		return o, fmt.Errorf("opening: not a %s opening", OpeningVersion)
	}
	line, rest, ok := strings.Cut(rest, "\n")
	salt, found := strings.CutPrefix(line, "salt ")
	if !ok || !found {
		return o, fmt.Errorf("opening: line 2: want %q", "salt")
	}
	if err := parseHash(o.Salt[:], salt, "salt"); err != nil {
		return Opening{}, fmt.Errorf("opening: %w", err)
	}
	l, err := ParseLeaf([]byte(rest))
	if err != nil {
		return Opening{}, fmt.Errorf("opening: %w", err)
	}
	o.Leaf = l
	return o, nil
}

// CheckOpening checks that opening is the opening of the committed leaf
// data: that it hashes to the leaf's commitment and names the same
// position and time. It returns the change's fields.
func CheckOpening(leaf, opening []byte) (Leaf, error) {
	c, err := ParseCommittedLeaf(leaf)
	if err != nil {
		return Leaf{}, err
	}
	o, err := ParseOpening(opening)
	if err != nil {
		return Leaf{}, err
	}
	if sha256.Sum256(opening) != c.Commitment {
		return Leaf{}, fmt.Errorf("opening does not hash to the leaf's commitment")
	}
	if o.Leaf.Seq != c.Seq || !o.Leaf.At.Equal(c.At) {
		return Leaf{}, fmt.Errorf("opening names seq %d at %s, the leaf seq %d at %s", o.Leaf.Seq, o.Leaf.At.Format(TimeLayout), c.Seq, c.At.Format(TimeLayout))
	}
	return o.Leaf, nil
}

// parseLines splits newline-terminated leaf data that starts with version
// into the values of keys, in order: no extra lines, no spaces or carriage
// returns inside values.
func parseLines(data []byte, version string, keys ...string) ([]string, error) {
	s := string(data)
	if !strings.HasSuffix(s, "\n") {
		return nil, fmt.Errorf("leaf: missing final newline")
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != len(keys)+1 || lines[0] != version {
		return nil, fmt.Errorf("leaf: not a %s leaf", version)
	}
	vals := make([]string, len(keys))
	for i, k := range keys {
		key, val, ok := strings.Cut(lines[i+1], " ")
		if !ok || key != k || strings.ContainsAny(val, " \r") {
			return nil, fmt.Errorf("leaf: line %d: want %q", i+2, k)
		}
		vals[i] = val
	}
	return vals, nil
}

func parseSeq(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != s {
		return 0, fmt.Errorf("leaf: bad seq %q", s)
	}
	return n, nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil || t.Format(TimeLayout) != s {
		return time.Time{}, fmt.Errorf("leaf: bad time %q", s)
	}
	return t, nil
}

// parseHash decodes 32 bytes of lowercase hex into dst.
func parseHash(dst []byte, s, what string) error {
	h, err := hex.DecodeString(s)
	if err != nil || len(h) != len(dst) || hex.EncodeToString(h) != s {
		return fmt.Errorf("leaf: bad %s %q", what, s)
	}
	copy(dst, h)
	return nil
}
