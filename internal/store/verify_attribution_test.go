package store

import (
	"testing"
)

func TestSplitJoined(t *testing.T) {
	cases := []struct{ joined, actor, via, at string }{
		{"usr_a\norg org_x\nvia session:ses_1\nat 2021-06-12T10:00:00.000000Z", "usr_a", "session:ses_1", "2021-06-12T10:00:00.000000Z"},
		{"system\norg \nvia system\nat 2021-06-12T10:00:00.000000Z", "system", "system", "2021-06-12T10:00:00.000000Z"},
		{"garbled", "", "", ""},
	}
	for _, c := range cases {
		actor, via, at := splitJoined([]byte(c.joined))
		if string(actor) != c.actor || string(via) != c.via || string(at) != c.at {
			t.Errorf("splitJoined(%q) = %q %q %q", c.joined, actor, via, at)
		}
	}
}

// BenchmarkAttributionCheck is the attribution check's cost per change, on
// a change made with the CLI (not looked up) and one made in a session.
func BenchmarkAttributionCheck(b *testing.B) {
	a := &attribution{prefixes: [][]byte{[]byte("session:"), []byte("token:")}, size: 1 << 40,
		creds: map[string]Credential{"session:ses_0123456789abcdefghjk": {User: "usr_0123456789abcdefghjk", Created: 1, Ended: Never, Expires: "2099-01-01T00:00:00.000000Z"}}}
	for _, c := range []struct{ name, joined string }{
		{"cli", "bench\norg org_bench\nvia cli\nat 2021-06-12T10:00:00.000000Z"},
		{"session", "usr_0123456789abcdefghjk\norg org_0123456789abcdefghjk\nvia session:ses_0123456789abcdefghjk\nat 2021-06-12T10:00:00.000000Z"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var res verifyChunkResult
			joined := []byte(c.joined)
			for i := 0; b.Loop(); i++ {
				a.check(&res, int64(i+2), "place", "plc_1", joined)
			}
			if len(res.problems) != 0 {
				b.Fatal(res.problems)
			}
		})
	}
}
