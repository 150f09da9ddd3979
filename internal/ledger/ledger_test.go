package ledger

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

func sampleLeaf() Leaf {
	return Leaf{Seq: 42, Entity: "provision", ID: "prv_abc", Version: 3, Actor: "usr_1", Org: "org_2", Via: "token",
		At: time.Date(2021, 6, 12, 15, 30, 0, 123456000, time.UTC), BodySHA256: sha256.Sum256([]byte(`{"a":1}`))}
}

func TestLeafRoundTrip(t *testing.T) {
	l := sampleLeaf()
	data := l.Encode()
	got, err := ParseLeaf(data)
	if err != nil {
		t.Fatal(err)
	}
	if got != l {
		t.Fatalf("round trip: %+v != %+v", got, l)
	}
	if l.Hash() != tlog.RecordHash(data) {
		t.Fatal("leaf hash is not the RFC 6962 record hash of the data")
	}
	// Every field is covered by the hash.
	for _, mutate := range []func(*Leaf){
		func(l *Leaf) { l.Seq++ }, func(l *Leaf) { l.Entity = "agreement" }, func(l *Leaf) { l.ID = "prv_abd" },
		func(l *Leaf) { l.Version++ }, func(l *Leaf) { l.Actor = "usr_2" }, func(l *Leaf) { l.Org = "org_3" },
		func(l *Leaf) { l.Via = "session" }, func(l *Leaf) { l.At = l.At.Add(time.Microsecond) }, func(l *Leaf) { l.BodySHA256[0] ^= 1 },
	} {
		m := sampleLeaf()
		mutate(&m)
		if m.Hash() == l.Hash() {
			t.Fatalf("a changed leaf hashes the same: %+v", m)
		}
	}
}

func TestParseLeafRejects(t *testing.T) {
	good := string(sampleLeaf().Encode())
	for name, data := range map[string]string{
		"empty":           "",
		"no final":        strings.TrimSuffix(good, "\n"),
		"wrong version":   strings.Replace(good, LeafVersion, "truce-leaf/v2", 1),
		"keys reordered":  strings.Replace(strings.Replace(good, "actor ", "ACTOR ", 1), "org ", "actor ", 1),
		"negative seq":    strings.Replace(good, "seq 42", "seq -1", 1),
		"leading zero":    strings.Replace(good, "seq 42", "seq 042", 1),
		"version 0":       strings.Replace(good, "version 3", "version 0", 1),
		"bad time":        strings.Replace(good, "2021-06-12T15:30:00.123456Z", "2021-06-12T15:30:00Z", 1),
		"short hash":      strings.Replace(good, "body-sha256 ", "body-sha256 ab", 1)[:len(good)-10] + "\n",
		"space in value":  strings.Replace(good, "id prv_abc", "id prv abc", 1),
		"extra line":      good + "extra x\n",
		"uppercase hex":   strings.Replace(good, "body-sha256 ", "body-sha256 A", 1),
		"carriage return": strings.Replace(good, "via token", "via token\r", 1),
	} {
		if _, err := ParseLeaf([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTilePaths(t *testing.T) {
	for _, p := range []string{"tile/0/000", "tile/0/001.p/5", "tile/1/x001/234", "tile/entries/x123/067.p/255", "tile/3/000"} {
		tl, err := ParseTilePath(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got := TilePath(tl); got != p {
			t.Fatalf("%s -> %s", p, got)
		}
	}
	for _, p := range []string{"tile/data/000", "tile/8/0/000", "tile/0/0", "tile/0/000.p/0", "tile/0/000.p/256", "tile/64/000", "tile/-1/000", "tiles/0/000", "tile/entries/"} {
		if _, err := ParseTilePath(p); err == nil {
			t.Errorf("%s: accepted", p)
		}
	}
}

func TestEntryBundle(t *testing.T) {
	var b []byte
	var err error
	want := [][]byte{[]byte("a"), {}, bytes.Repeat([]byte("x"), 300)}
	for _, e := range want {
		if b, err = AppendEntry(b, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := SplitEntries(b)
	if err != nil || len(got) != 3 || !bytes.Equal(got[2], want[2]) {
		t.Fatalf("split: %v %q", err, got)
	}
	if _, err := SplitEntries(b[:len(b)-1]); err == nil {
		t.Fatal("truncated bundle accepted")
	}
	if _, err := AppendEntry(nil, make([]byte, 70000)); err == nil {
		t.Fatal("oversized entry accepted")
	}
}

func FuzzParseLeaf(f *testing.F) {
	f.Add(sampleLeaf().Encode())
	f.Add([]byte("truce-leaf/v1\nseq 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLeaf(data)
		if err != nil {
			return
		}
		if !bytes.Equal(l.Encode(), data) {
			t.Fatalf("accepted leaf does not re-encode to the same bytes:\n%q\n%q", data, l.Encode())
		}
	})
}

func FuzzParseTilePath(f *testing.F) {
	for _, p := range []string{"tile/0/000", "tile/entries/x001/234.p/7", "tile/2/x999/x999/999"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		tl, err := ParseTilePath(p)
		if err != nil {
			return
		}
		if tl.W < 1 || tl.W > TileWidth || tl.N < 0 || tl.L < -1 || tl.L > 63 {
			t.Fatalf("%q parsed to %+v", p, tl)
		}
		if again, err := ParseTilePath(TilePath(tl)); err != nil || again != tl {
			t.Fatalf("%q: %+v does not round-trip (%v)", p, tl, err)
		}
	})
}

func FuzzSplitEntries(f *testing.F) {
	b, _ := AppendEntry(nil, []byte("hello"))
	f.Add(b)
	f.Fuzz(func(t *testing.T, bundle []byte) {
		es, err := SplitEntries(bundle)
		if err != nil {
			return
		}
		var again []byte
		for _, e := range es {
			again, _ = AppendEntry(again, e)
		}
		if !bytes.Equal(again, bundle) {
			t.Fatal("bundle does not round-trip")
		}
	})
}

// The verifier recomputes leaves from the database's text with AppendRaw;
// it must give the very bytes Encode gives, or every leaf would look
// edited (or, worse, an edited one could look intact).
func TestAppendRawIsEncode(t *testing.T) {
	l := sampleLeaf()
	at := l.At.Format(TimeLayout)
	got := AppendRaw([]byte("prefix"), l.Seq, []byte(l.Entity), []byte(l.ID), l.Version, []byte(l.Actor), []byte(l.Org), []byte(l.Via), []byte(at), l.BodySHA256[:])
	if want := append([]byte("prefix"), l.Encode()...); !bytes.Equal(got, want) {
		t.Fatalf("AppendRaw:\n%q\nEncode:\n%q", got, want)
	}
	if !ValidTime([]byte(at)) {
		t.Fatalf("ValidTime refuses %q", at)
	}
	for _, bad := range []string{"", "2021-06-12T15:30:00Z", "2021-06-12T15:30:00.123456+00:00", "2021-06-12 15:30:00.123456Z", "2021-06-1x15:30:00.123456Z", "2021-06-12T15:30:00.12345aZ"} {
		if ValidTime([]byte(bad)) {
			t.Errorf("ValidTime accepts %q", bad)
		}
	}
}

func TestAppendJoinedIsEncode(t *testing.T) {
	l := sampleLeaf()
	at := l.At.Format(TimeLayout)
	joined := l.Actor + "\norg " + l.Org + "\nvia " + l.Via + "\nat " + at
	got := AppendJoined([]byte("prefix"), l.Seq, l.Entity, l.ID, l.Version, joined, l.BodySHA256[:])
	if want := append([]byte("prefix"), l.Encode()...); !bytes.Equal(got, want) {
		t.Fatalf("AppendJoined:\n%q\nEncode:\n%q", got, want)
	}
	for _, c := range []struct {
		joined, at string
		ok         bool
	}{
		{joined, at, true},
		{"\nat " + at, at, true},
		{"a\norg \nvia x\nat 2021-06-12T15:30:00Z", "2021-06-12T15:30:00Z", false},
		{"a\norg b\nvia x\nat 2021-06-12T15:30:00.12345xZ", "2021-06-12T15:30:00.12345xZ", false},
		{"a\norg b\nvia x\nat " + at + "\nat ", "", false},
		{at, "", false},
		{"", "", false},
	} {
		got, ok := JoinedTime(c.joined)
		if got != c.at || ok != c.ok {
			t.Errorf("JoinedTime(%q) = %q, %v; want %q, %v", c.joined, got, ok, c.at, c.ok)
		}
	}
}
