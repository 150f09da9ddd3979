// Package ledger holds the formats of Truce's tamper-evident change log:
// the leaf that each change contributes to the RFC 6962 Merkle tree, the
// C2SP tlog-tiles paths and entry bundles, and signed checkpoints
// (C2SP tlog-checkpoint, signed notes with Ed25519 keys).
//
// Everything here is pure: no database, no clock. The store package keeps
// the tree and calls these functions inside its write transaction.
package ledger

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafVersion is the first line of every leaf; a reader that does not know
// the version must refuse the leaf rather than guess.
const LeafVersion = "truce-leaf/v1"

// TimeLayout is the fixed-width UTC layout used for every time in the log,
// so that times sort as text and hash the same everywhere.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Leaf is what the public log holds for one change. It names the record
// and the author but carries only the SHA-256 of the change body, so that
// personal data never enters the public log.
type Leaf struct {
	Seq        int64     // index of the leaf in the log, from 0
	Entity     string    // kind of record, e.g. "provision"
	ID         string    // the record's id
	Version    int64     // the record's version after this change, from 1
	Actor      string    // who made the change (user id or "system")
	Org        string    // the organisation the actor acted for
	Via        string    // how the change came in: session, token, cli, system
	At         time.Time // when the change was committed (UTC, microseconds)
	BodySHA256 [32]byte  // SHA-256 of the change body as stored
}

// Encode returns the leaf data: newline-terminated "key value" lines in a
// fixed order. The Merkle leaf hash is RFC 6962's SHA-256(0x00 || data).
func (l Leaf) Encode() []byte {
	return appendLeaf(make([]byte, 0, 256), l.Seq, l.Entity, l.ID, l.Version, l.Actor, l.Org, l.Via,
		l.At.UTC().Format(TimeLayout), l.BodySHA256[:])
}

// AppendRaw appends the data of the leaf whose text fields are given as
// the database holds them — the time already in TimeLayout — so that a
// verifier can recompute leaves without decoding a row into a Leaf. It
// writes the same bytes as Encode for the same values.
func AppendRaw[T string | []byte](dst []byte, seq int64, entity, id T, version int64, actor, org, via, at T, bodySHA256 []byte) []byte {
	return appendLeaf(dst, seq, entity, id, version, actor, org, via, at, bodySHA256)
}

func appendLeaf[T string | []byte](b []byte, seq int64, entity, id T, version int64, actor, org, via, at T, sum []byte) []byte {
	b = appendLeafHead(b, seq, entity, id, version)
	b = append(b, actor...)
	b = append(b, "\norg "...)
	b = append(b, org...)
	b = append(b, "\nvia "...)
	b = append(b, via...)
	b = append(b, "\nat "...)
	b = append(b, at...)
	return appendLeafTail(b, sum)
}

// appendLeafHead writes the leaf up to the actor's value.
func appendLeafHead[T string | []byte](b []byte, seq int64, entity, id T, version int64) []byte {
	b = append(b, LeafVersion+"\nseq "...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, "\nentity "...)
	b = append(b, entity...)
	b = append(b, "\nid "...)
	b = append(b, id...)
	b = append(b, "\nversion "...)
	b = strconv.AppendInt(b, version, 10)
	return append(b, "\nactor "...)
}

// appendLeafTail writes the leaf from the end of the time's value.
func appendLeafTail(b []byte, sum []byte) []byte {
	b = append(b, "\nbody-sha256 "...)
	b = hex.AppendEncode(b, sum)
	return append(b, '\n')
}

// JoinedSQL returns an SQL expression that joins the actor, org, via and at
// columns as a leaf writes them, from the actor's value to the time's:
// verify reads one column where it would read four. A NULL in any of
// them makes the whole NULL, which no leaf matches.
func JoinedSQL(actor, org, via, at string) string {
	return actor + " || '\norg ' || " + org + " || '\nvia ' || " + via + " || '\nat ' || " + at
}

// AppendJoined is AppendRaw for the actor, org, via and at fields joined
// as JoinedSQL joins them.
func AppendJoined[T string | []byte](dst []byte, seq int64, entity, id string, version int64, joined T, bodySHA256 []byte) []byte {
	dst = appendLeafHead(dst, seq, entity, id, version)
	dst = append(dst, joined...)
	return appendLeafTail(dst, bodySHA256)
}

// JoinedTime returns the time at the end of fields joined by JoinedSQL, or
// false when they do not end in "\nat " and a time of TimeLayout's width.
func JoinedTime[T string | []byte](joined T) (T, bool) {
	const prefix = "\nat "
	n := len(joined) - len(TimeLayout)
	if n < len(prefix) || string(joined[n-len(prefix):n]) != prefix {
		i := strings.LastIndex(string(joined), prefix)
		if i < 0 {
			return joined[:0], false
		}
		return joined[i+len(prefix):], false
	}
	at := joined[n:]
	return at, ValidTime(at)
}

// ValidTime reports whether b is a time written in TimeLayout: the shape
// only (digits and separators where the layout has them), which is what a
// verifier needs to tell a garbled time from an edited one.
func ValidTime[T string | []byte](b T) bool {
	const shape = "dddd-dd-ddTdd:dd:dd.ddddddZ"
	if len(b) != len(shape) {
		return false
	}
	for i := range len(shape) {
		if shape[i] == 'd' {
			if b[i] < '0' || b[i] > '9' {
				return false
			}
		} else if b[i] != shape[i] {
			return false
		}
	}
	return true
}

// Hash returns the RFC 6962 leaf hash of the leaf.
func (l Leaf) Hash() tlog.Hash { return tlog.RecordHash(l.Encode()) }

var leafKeys = []string{"seq", "entity", "id", "version", "actor", "org", "via", "at", "body-sha256"}

// ParseLeaf decodes leaf data written by Encode. It is strict: every key in
// order, no extra lines, no spaces or newlines inside values. A committed
// leaf is refused here: ParseCommittedLeaf reads it.
func ParseLeaf(data []byte) (Leaf, error) {
	var l Leaf
	vals, err := parseLines(data, LeafVersion, leafKeys...)
	if err != nil {
		return l, err
	}
	if l.Seq, err = parseSeq(vals[0]); err != nil {
		return Leaf{}, err
	}
	l.Entity, l.ID = vals[1], vals[2]
	if l.Version, err = strconv.ParseInt(vals[3], 10, 64); err != nil || l.Version < 1 || strconv.FormatInt(l.Version, 10) != vals[3] {
		return Leaf{}, fmt.Errorf("leaf: bad version %q", vals[3])
	}
	l.Actor, l.Org, l.Via = vals[4], vals[5], vals[6]
	if l.At, err = parseTime(vals[7]); err != nil {
		return Leaf{}, err
	}
	if err := parseHash(l.BodySHA256[:], vals[8], "body hash"); err != nil {
		return Leaf{}, err
	}
	return l, nil
}
