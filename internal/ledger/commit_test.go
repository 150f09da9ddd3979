package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func sampleOpening() Opening {
	o := Opening{Leaf: sampleLeaf()}
	for i := range o.Salt {
		o.Salt[i] = byte(i * 7)
	}
	return o
}

func TestCommittedLeaf(t *testing.T) {
	o := sampleOpening()
	c := o.Committed()
	data := c.Encode()
	want := "truce-leaf/v1-committed\nseq 42\nat 2021-06-12T15:30:00.123456Z\ncommitment " + hexOf(sha256.Sum256(o.Encode())) + "\n"
	if string(data) != want {
		t.Fatalf("committed leaf:\n%q\nwant\n%q", data, want)
	}
	// Nothing of the record, its author or its body is in the leaf.
	for _, secret := range []string{o.Leaf.Entity, o.Leaf.ID, o.Leaf.Actor, o.Leaf.Org, o.Leaf.Via, hexOf(o.Leaf.BodySHA256)} {
		if strings.Contains(string(data), secret) {
			t.Errorf("committed leaf shows %q", secret)
		}
	}
	got, err := ParseCommittedLeaf(data)
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, c)
	}
	if c.Hash() != tlog.RecordHash(data) {
		t.Fatal("leaf hash is not the RFC 6962 record hash of the data")
	}
	if _, err := ParseLeaf(data); err == nil {
		t.Fatal("ParseLeaf accepts a committed leaf")
	}
	if _, err := ParseCommittedLeaf(o.Leaf.Encode()); err == nil {
		t.Fatal("ParseCommittedLeaf accepts a public leaf")
	}
	if got := AppendCommitted([]byte("x"), c.Seq, c.At.Format(TimeLayout), c.Commitment[:]); !bytes.Equal(got, append([]byte("x"), data...)) {
		t.Fatalf("AppendCommitted: %q", got)
	}

	// The opening is text whose SHA-256 is the commitment.
	op := o.Encode()
	if !strings.HasPrefix(string(op), "truce-opening/v1\nsalt 00070e15") || !strings.HasSuffix(string(op), string(o.Leaf.Encode())) {
		t.Fatalf("opening: %q", op)
	}
	back, err := ParseOpening(op)
	if err != nil || back != o {
		t.Fatalf("opening round trip: %+v, %v", back, err)
	}
	leaf, err := CheckOpening(data, op)
	if err != nil || leaf != o.Leaf {
		t.Fatalf("CheckOpening: %+v, %v", leaf, err)
	}
	// Every field, the salt included, is bound by the commitment.
	for name, mutate := range map[string]func(*Opening){
		"salt": func(o *Opening) { o.Salt[31] ^= 1 }, "entity": func(o *Opening) { o.Leaf.Entity = "agreement" },
		"id": func(o *Opening) { o.Leaf.ID = "prv_abd" }, "version": func(o *Opening) { o.Leaf.Version++ },
		"actor": func(o *Opening) { o.Leaf.Actor = "usr_2" }, "org": func(o *Opening) { o.Leaf.Org = "org_3" },
		"via": func(o *Opening) { o.Leaf.Via = "session:ses_1" }, "body": func(o *Opening) { o.Leaf.BodySHA256[0] ^= 1 },
	} {
		m := sampleOpening()
		mutate(&m)
		if _, err := CheckOpening(data, m.Encode()); err == nil {
			t.Errorf("%s: an edited opening passes", name)
		}
	}
	// An opening of another position or time is refused even when its
	// commitment is the leaf's (a leaf built to match it).
	moved := sampleOpening()
	moved.Leaf.Seq = 43
	forged := CommittedLeaf{Seq: 42, At: moved.Leaf.At, Commitment: moved.Commitment()}
	if _, err := CheckOpening(forged.Encode(), moved.Encode()); err == nil {
		t.Error("an opening of seq 43 opens a leaf at seq 42")
	}
}

func hexOf(b [32]byte) string { return hex.EncodeToString(b[:]) }

func TestParseCommittedRejects(t *testing.T) {
	good := string(sampleOpening().Committed().Encode())
	for name, data := range map[string]string{
		"empty":          "",
		"no final":       strings.TrimSuffix(good, "\n"),
		"public version": strings.Replace(good, CommittedLeafVersion, LeafVersion, 1),
		"keys reordered": strings.Replace(strings.Replace(good, "seq ", "SEQ ", 1), "at ", "seq ", 1),
		"leading zero":   strings.Replace(good, "seq 42", "seq 042", 1),
		"negative seq":   strings.Replace(good, "seq 42", "seq -42", 1),
		"bad time":       strings.Replace(good, "2021-06-12T15:30:00.123456Z", "2021-06-12T15:30:00Z", 1),
		"uppercase hex":  strings.Replace(good, "commitment ", "commitment A", 1)[:len(good)] + "\n",
		"short hash":     strings.Replace(good, "commitment ", "commitment ", 1)[:len(good)-3] + "\n",
		"extra line":     good + "entity minefield\n",
		"space":          strings.Replace(good, "seq 42", "seq 42 ", 1),
		"carriage":       strings.Replace(good, "\n", "\r\n", 1),
	} {
		if _, err := ParseCommittedLeaf([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	op := string(sampleOpening().Encode())
	for name, data := range map[string]string{
		"empty":       "",
		"no salt":     strings.Replace(op, "salt ", "sal ", 1),
		"short salt":  strings.Replace(op, "salt 00", "salt ", 1),
		"wrong head":  strings.Replace(op, OpeningVersion, "truce-opening/v2", 1),
		"bad leaf":    strings.Replace(op, "version 3", "version 0", 1),
		"extra line":  op + "x y\n",
		"no leaf":     op[:strings.Index(op, LeafVersion)],
		"upper salt":  strings.Replace(op, "salt 00070e", "salt 00070E", 1),
		"salt spaced": strings.Replace(op, "salt 00", "salt  00", 1),
	} {
		if _, err := ParseOpening([]byte(data)); err == nil {
			t.Errorf("opening %s: accepted", name)
		}
	}
}

func FuzzParseCommittedLeaf(f *testing.F) {
	f.Add(sampleOpening().Committed().Encode())
	f.Add(sampleOpening().Encode())
	f.Add([]byte("truce-leaf/v1-committed\nseq 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := ParseCommittedLeaf(data); err == nil {
			if !bytes.Equal(c.Encode(), data) {
				t.Fatalf("accepted committed leaf does not re-encode to the same bytes:\n%q\n%q", data, c.Encode())
			}
			if _, err := ParseLeaf(data); err == nil {
				t.Fatalf("both parsers accept %q", data)
			}
		}
		if o, err := ParseOpening(data); err == nil {
			if !bytes.Equal(o.Encode(), data) {
				t.Fatalf("accepted opening does not re-encode to the same bytes:\n%q\n%q", data, o.Encode())
			}
			if _, err := CheckOpening(o.Committed().Encode(), data); err != nil {
				t.Fatalf("an opening does not open its own leaf: %v", err)
			}
		}
	})
}
