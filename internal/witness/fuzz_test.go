package witness

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
)

const seedCheckpoint = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n" +
	"— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"

// A body parses only when it is exactly what the spec describes: what
// parses renders back to the same bytes, and what does not is refused as
// malformed (400), never with a panic.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte("old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n\n" + seedCheckpoint))
	f.Add([]byte("old 0\n\n" + seedCheckpoint))
	f.Add([]byte("old 0\n\nexample.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextension\n\n— example.com/log AAAA\n"))
	f.Add([]byte("old 01\n\n" + seedCheckpoint))
	f.Add([]byte("old -1\n\n"))
	f.Add([]byte("old 9223372036854775808\n\n" + seedCheckpoint))
	f.Add([]byte("old 5\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw\n\n" + seedCheckpoint))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseRequest(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("refused without ErrMalformed: %v", err)
			}
			return
		}
		if r.OldSize < 0 || len(r.Proof) > MaxProofLines || len(r.Checkpoint) == 0 {
			t.Fatalf("accepted %q as %+v", body, r)
		}
		var again bytes.Buffer
		fmt.Fprintf(&again, "old %d\n", r.OldSize)
		for _, h := range r.Proof {
			fmt.Fprintf(&again, "%s\n", base64.StdEncoding.EncodeToString(h[:]))
		}
		again.WriteString("\n")
		again.Write(r.Checkpoint)
		if !bytes.Equal(again.Bytes(), body) {
			t.Fatalf("%q parsed as %+v, which renders as %q", body, r, again.Bytes())
		}

		c, err := parseCheckpoint(r.Checkpoint)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("checkpoint refused without ErrMalformed: %v", err)
			}
			return
		}
		head := fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
		if c.Size < 0 || len(c.Text) < len(head) || c.Text[:len(head)] != head || !bytes.HasPrefix(r.Checkpoint, []byte(c.Text+"\n")) {
			t.Fatalf("checkpoint %q parsed as %+v", r.Checkpoint, c)
		}
	})
}
