package specwitness

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Log is a transparency log built with golang.org/x/mod's tlog and note
// packages alone, in memory: a log of another implementation than Truce's
// ledger, for witnesses to cosign in tests.
type Log struct {
	origin string
	signer note.Signer
	vkey   string
	hashes []tlog.Hash // stored hashes, tlog's layout
	size   int64
}

// NewLog returns an empty log whose origin and key name are origin, with a
// fresh Ed25519 note key.
func NewLog(origin string) (*Log, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	return &Log{origin: origin, signer: signer, vkey: vkey}, nil
}

// Origin is the log's origin line.
func (l *Log) Origin() string { return l.origin }

// VKey is the log's note verifier key.
func (l *Log) VKey() string { return l.vkey }

// Signer is the log's note signer, to sign texts of one's own making.
func (l *Log) Signer() note.Signer { return l.signer }

// Size is the number of entries appended.
func (l *Log) Size() int64 { return l.size }

// Append adds entries as leaves.
func (l *Log) Append(entries ...string) {
	for _, e := range entries {
		hashes, err := tlog.StoredHashes(l.size, []byte(e), tlog.HashReaderFunc(l.read))
		if err != nil {
			panic(err) // only a bug in Log can fail here
		}
		l.hashes = append(l.hashes, hashes...)
		l.size++
	}
}

func (l *Log) read(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(l.hashes)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = l.hashes[x]
	}
	return out, nil
}

// Root is the tree hash at size n.
func (l *Log) Root(n int64) tlog.Hash {
	if n == 0 {
		return emptyRoot
	}
	h, err := tlog.TreeHash(n, tlog.HashReaderFunc(l.read))
	if err != nil {
		panic(err)
	}
	return h
}

// Text is the checkpoint note text for size n with optional extension lines.
func (l *Log) Text(n int64, extensions ...string) string {
	root := l.Root(n)
	text := l.origin + "\n" + strconv.FormatInt(n, 10) + "\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n"
	for _, e := range extensions {
		text += e + "\n"
	}
	return text
}

// Sign signs any note text with the log's key.
func (l *Log) Sign(text string) []byte {
	msg, err := note.Sign(&note.Note{Text: text}, l.signer)
	if err != nil {
		panic(err)
	}
	return msg
}

// Checkpoint is the log's signed checkpoint at size n.
func (l *Log) Checkpoint(n int64, extensions ...string) []byte {
	return l.Sign(l.Text(n, extensions...))
}

// Proof is the RFC 6962 consistency proof from size old to size n (empty
// when old is 0 or old equals n).
func (l *Log) Proof(old, n int64) []tlog.Hash {
	if old == 0 || old == n {
		return nil
	}
	p, err := tlog.ProveTree(n, old, tlog.HashReaderFunc(l.read))
	if err != nil {
		panic(err)
	}
	return p
}

// Request builds an add-checkpoint body from an old size, proof lines and a
// checkpoint.
func Request(old int64, proof []tlog.Hash, checkpoint []byte) []byte {
	var b strings.Builder
	b.WriteString("old " + strconv.FormatInt(old, 10) + "\n")
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(checkpoint)
	return []byte(b.String())
}

// Submission is the add-checkpoint body that moves a witness from old to
// the log's checkpoint at size n.
func (l *Log) Submission(old, n int64, extensions ...string) []byte {
	return Request(old, l.Proof(old, n), l.Checkpoint(n, extensions...))
}
