package witness

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

const testOrigin = "example.org/state-test"

// stateTest is a witness key and a state directory, to write states as
// the witness does and read them back as it does at start.
type stateTest struct {
	t   *testing.T
	dir string
	key *Key
	own note.Verifier
}

func newStateTest(t *testing.T) *stateTest {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, stateDir), 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := LoadOrCreateKey(dir, "witness.example/state", mrand.NewChaCha8([32]byte{7}))
	if err != nil {
		t.Fatal(err)
	}
	own, err := fnote.NewVerifierForCosignatureV1(key.Public)
	if err != nil {
		t.Fatal(err)
	}
	return &stateTest{t: t, dir: dir, key: key, own: own}
}

// cosigned is a checkpoint of size n cosigned by the witness's key (the
// log's own signature is not read back at start).
func (s *stateTest) cosigned(n int64) []byte {
	s.t.Helper()
	root := sha256.Sum256(fmt.Appendf(nil, "root %d", n))
	text := fmt.Sprintf("%s\n%d\n%s\n", testOrigin, n, base64.StdEncoding.EncodeToString(root[:]))
	signed, err := note.Sign(&note.Note{Text: text}, s.key.Signer)
	if err != nil {
		s.t.Fatal(err)
	}
	return signed
}

func (s *stateTest) load() (Checkpoint, []byte, *stateFile, error) {
	return loadState(s.dir, testOrigin, s.own)
}

func (s *stateTest) mustLoad() (Checkpoint, *stateFile) {
	s.t.Helper()
	cp, _, sf, err := s.load()
	if err != nil {
		s.t.Fatal(err)
	}
	return cp, sf
}

// saveSizes records checkpoints of the given sizes in turn.
func (s *stateTest) saveSizes(sizes ...int64) *stateFile {
	s.t.Helper()
	_, sf := s.mustLoad()
	for _, n := range sizes {
		if err := sf.save(s.cosigned(n)); err != nil {
			s.t.Fatal(err)
		}
	}
	return sf
}

func TestStateSurvivesReopening(t *testing.T) {
	s := newStateTest(t)
	if cp, sf := s.mustLoad(); cp.Size != 0 || sf.seq != 0 {
		t.Fatalf("a log never cosigned: %+v, seq %d", cp, sf.seq)
	}
	if _, err := os.Stat(statePath(s.dir, testOrigin)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a state file before any cosignature: %v", err)
	}
	for i, n := range []int64{3, 7, 7, 20, 100} {
		// The bytes saved, not a second signature of the same size: a
		// cosignature carries the second it was made in.
		want := s.cosigned(n)
		if _, sf := s.mustLoad(); sf.save(want) != nil {
			t.Fatalf("saving size %d", n)
		}
		cp, signed, sf, err := s.load()
		if err != nil || cp.Size != n || sf.seq != uint64(i+1) || !bytes.Equal(signed, want) {
			t.Fatalf("after saving size %d: %+v seq %d %v", n, cp, sf.seq, err)
		}
	}
	// The file keeps its size once both slots are written.
	fi, err := os.Stat(statePath(s.dir, testOrigin))
	if err != nil {
		t.Fatal(err)
	}
	s.saveSizes(101, 102)
	if fi2, _ := os.Stat(statePath(s.dir, testOrigin)); fi2.Size() != fi.Size() {
		t.Errorf("the state file grew from %d to %d bytes", fi.Size(), fi2.Size())
	}
}

// A write torn at any byte leaves either the state before it (the latest
// acknowledged) or the new one: never the one before that, from which the
// witness could cosign a fork of a checkpoint it vouched for.
func TestTornSlotWriteNeverGoesBack(t *testing.T) {
	s := newStateTest(t)
	sf := s.saveSizes(10, 15) // 10 in the first slot, 15 in the second
	path := statePath(s.dir, testOrigin)
	acknowledged, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	next := encodeSlot(sf.seq+1, s.cosigned(20)) // would overwrite size 10
	off := slotOffset(sf.seq + 1)
	rnd := mrand.New(mrand.NewPCG(1, 2))
	for cut := 0; cut <= len(next); cut++ {
		for _, how := range []string{"prefix", "prefix then garbage", "suffix"} {
			torn := bytes.Clone(acknowledged)
			switch how {
			case "prefix": // the first bytes reached the disk, the old ones remain after
				copy(torn[off:], next[:cut])
			case "prefix then garbage":
				copy(torn[off:], next[:cut])
				for i := cut; i < min(len(next), cut+64); i++ {
					torn[int(off)+i] = byte(rnd.Uint32())
				}
			case "suffix": // the last sectors reached the disk first
				copy(torn[int(off)+cut:], next[cut:])
			}
			if err := os.WriteFile(path, torn, 0o644); err != nil {
				t.Fatal(err)
			}
			cp, _, _, err := s.load()
			// Whole when the bytes not written were already the new ones.
			whole := bytes.Equal(torn[off:off+int64(len(next))], next)
			switch {
			case err != nil:
				t.Fatalf("%s torn at %d: %v", how, cut, err)
			case whole && cp.Size != 20, !whole && cp.Size != 15:
				t.Fatalf("%s torn at %d of %d: size %d", how, cut, len(next), cp.Size)
			}
		}
	}
	// After a torn write the next one goes to the same slot, and on.
	if err := os.WriteFile(path, acknowledged, 0o644); err != nil {
		t.Fatal(err)
	}
	torn := bytes.Clone(acknowledged)
	copy(torn[off:], next[:30])
	os.WriteFile(path, torn, 0o644)
	_, sf = s.mustLoad()
	if err := sf.save(s.cosigned(21)); err != nil {
		t.Fatal(err)
	}
	if cp, sf := s.mustLoad(); cp.Size != 21 || sf.seq != 3 {
		t.Fatalf("after a torn write and another: size %d seq %d, want 21 and 3", cp.Size, sf.seq)
	}
}

func TestDamagedStateStopsTheWitness(t *testing.T) {
	cases := []struct {
		name   string
		damage func(s *stateTest, data []byte) []byte
		want   string
	}{
		{"both slots torn", func(s *stateTest, d []byte) []byte {
			d[slotOffset(1)+30] ^= 1
			d[slotOffset(2)+30] ^= 1
			return d
		}, "no readable slot"},
		{"a file cut short", func(s *stateTest, d []byte) []byte {
			return d[:slotOffset(1)+10]
		}, "no readable slot"},
		{"not a state file", func(s *stateTest, d []byte) []byte { return s.cosigned(5) }, "not a witness state file"},
		{"a valid CRC over a checkpoint the witness did not cosign", func(s *stateTest, d []byte) []byte {
			forged := bytes.Replace(s.cosigned(16), []byte("\n16\n"), []byte("\n99\n"), 1)
			copy(d[slotOffset(2):], encodeSlot(2, forged))
			return d
		}, "cosignature"},
		{"a valid slot of another log", func(s *stateTest, d []byte) []byte {
			other := bytes.Replace(s.cosigned(16), []byte(testOrigin), []byte("example.org/other"), 1)
			signed, _ := note.Sign(&note.Note{Text: string(other[:bytes.Index(other, []byte("\n\n"))+1])}, s.key.Signer)
			copy(d[slotOffset(2):], encodeSlot(2, signed))
			return d
		}, "not \"" + testOrigin + "\""},
		{"a slot number in the wrong slot", func(s *stateTest, d []byte) []byte {
			copy(d[slotOffset(2):], encodeSlot(3, s.cosigned(16)))
			return d
		}, "wrong slot"},
		{"slots that do not follow each other", func(s *stateTest, d []byte) []byte {
			copy(d[slotOffset(2):], encodeSlot(4, s.cosigned(16)))
			return d
		}, "do not follow"},
		{"the newer slot smaller", func(s *stateTest, d []byte) []byte {
			copy(d[slotOffset(2):], encodeSlot(2, s.cosigned(4)))
			return d
		}, "do not follow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStateTest(t)
			s.saveSizes(10, 15)
			path := statePath(s.dir, testOrigin)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, c.damage(s, data), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := s.load(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("load: %v, want an error about %q", err, c.want)
			}
		})
	}
}

// A state of version 1 (the signed checkpoint alone) is converted at start;
// after a crash between writing the new file and removing the old one, the
// new one is read.
func TestLegacyStateIsConverted(t *testing.T) {
	s := newStateTest(t)
	legacy := legacyStatePath(s.dir, testOrigin)
	if err := os.WriteFile(legacy, s.cosigned(42), 0o644); err != nil {
		t.Fatal(err)
	}
	if cp, sf := s.mustLoad(); cp.Size != 42 || sf.seq != 1 {
		t.Fatalf("converted: size %d seq %d", cp.Size, sf.seq)
	}
	if _, err := os.Stat(legacy); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the version 1 file is still there: %v", err)
	}
	s.saveSizes(50)
	if err := os.WriteFile(legacy, s.cosigned(42), 0o644); err != nil { // as if its removal was lost
		t.Fatal(err)
	}
	if cp, _ := s.mustLoad(); cp.Size != 50 {
		t.Fatalf("with both files: size %d, want the new file's 50", cp.Size)
	}
	if err := os.WriteFile(legacy, bytes.Replace(s.cosigned(42), []byte("\n42\n"), []byte("\n43\n"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(statePath(s.dir, testOrigin))
	if _, _, _, err := s.load(); err == nil || !strings.Contains(err.Error(), "cosignature") {
		t.Fatalf("a tampered version 1 state: %v", err)
	}
}

// Any bytes in a slot decode without a panic, and what decodes encodes
// back to the same bytes.
func FuzzDecodeSlot(f *testing.F) {
	f.Add(encodeSlot(1, []byte("example.org/log\n1\nAAAA\n\n— x AAAA\n")))
	f.Add(encodeSlot(2, nil))
	f.Add([]byte("slot"))
	f.Fuzz(func(t *testing.T, b []byte) {
		seq, signed, ok := decodeSlot(b)
		if !ok {
			return
		}
		if again := encodeSlot(seq, signed); !bytes.Equal(again, b[:len(again)]) {
			t.Fatalf("%x decodes as %d %q, which encodes as %x", b, seq, signed, again)
		}
	})
}
