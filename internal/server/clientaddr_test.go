package server

import (
	"strings"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  string
	}{
		{in: "", want: nil},
		{in: "10.0.0.0/8", want: []string{"10.0.0.0/8"}},
		{in: " 10.1.2.3/8 , 192.0.2.1,2001:db8::/32", want: []string{"10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32"}},
		{in: "::ffff:10.0.0.0/104", want: []string{"10.0.0.0/8"}},
		{in: "10.0.0.0/33", bad: "10.0.0.0/33"},
		{in: "proxy.example", bad: "proxy.example"},
		{in: "10.0.0.0/8,fe80::1%eth0", bad: "fe80::1%eth0"},
	} {
		got, err := ParseTrustedProxies(tc.in)
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%q: err %v, want one naming %q", tc.in, err, tc.bad)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("%q: %v %v", tc.in, got, err)
			continue
		}
		for i := range got {
			if got[i].String() != tc.want[i] {
				t.Errorf("%q: %v, want %v", tc.in, got, tc.want)
			}
		}
	}
}

func TestClientAddress(t *testing.T) {
	trusted, _ := ParseTrustedProxies("10.0.0.0/8,127.0.0.1")
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
		relayed      bool
	}{
		{"no proxy: header ignored", "203.0.113.1:5", []string{"192.0.2.9"}, "203.0.113.1", false},
		{"from the proxy", "127.0.0.1:5", []string{"192.0.2.9"}, "192.0.2.9", true},
		{"made-up addresses to the left", "127.0.0.1:5", []string{"1.2.3.4, 192.0.2.9"}, "192.0.2.9", true},
		{"a chain of trusted proxies", "127.0.0.1:5", []string{"192.0.2.9, 10.0.0.2", "10.0.0.3"}, "192.0.2.9", true},
		{"with ports and brackets", "127.0.0.1:5", []string{`"[2001:db8::7]:443", 10.0.0.2:80`}, "2001:db8::7", true},
		{"garbage stops at the last trusted hop", "127.0.0.1:5", []string{"192.0.2.9, nonsense, 10.0.0.2"}, "10.0.0.2", true},
		{"no header: the proxy", "127.0.0.1:5", nil, "127.0.0.1", true},
		{"only trusted: the left-most", "127.0.0.1:5", []string{"10.0.0.9, 10.0.0.2"}, "10.0.0.9", true},
		{"mapped IPv4 peer", "[::ffff:127.0.0.1]:5", []string{"192.0.2.9"}, "192.0.2.9", true},
	} {
		got, relayed := clientAddress(tc.remote, tc.xff, proxies(trusted))
		if got.String() != tc.want || relayed != tc.relayed {
			t.Errorf("%s: %v %v, want %s %v", tc.name, got, relayed, tc.want, tc.relayed)
		}
	}
}

// FuzzClientAddress: whatever a client sends, the address chosen is the
// peer's unless the peer is a trusted proxy, and is then the peer or an
// address written in the header; an untrusted address is never skipped.
func FuzzClientAddress(f *testing.F) {
	f.Add("127.0.0.1:5", "192.0.2.9, 10.0.0.2")
	f.Add("203.0.113.1:5", "1.2.3.4")
	f.Add("[::ffff:10.0.0.1]:1", `"[2001:db8::1]:80",,, x`)
	f.Add("10.9.9.9:1", "10.0.0.1,10.0.0.2")
	trusted, _ := ParseTrustedProxies("10.0.0.0/8,127.0.0.1,2001:db8:ffff::/48")
	f.Fuzz(func(t *testing.T, remote, header string) {
		got, relayed := clientAddress(remote, []string{header}, proxies(trusted))
		peer, ok := parseHop(remote)
		if !ok {
			if relayed || got.IsValid() {
				t.Fatalf("unparsable peer %q gave %v %v", remote, got, relayed)
			}
			return
		}
		if !proxies(trusted).trusts(peer) {
			if relayed || got != peer {
				t.Fatalf("untrusted peer %q: %v %v", remote, got, relayed)
			}
			return
		}
		if !relayed || !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("trusted peer %q: %v %v", remote, got, relayed)
		}
		if got != peer && !strings.Contains(header, got.String()) {
			// The header may write the address another way ("::ffff:" or
			// leading zeros are refused by netip, brackets): check by
			// parsing every hop.
			found := false
			for _, h := range strings.Split(header, ",") {
				if a, ok := parseHop(h); ok && a == got {
					found = true
				}
			}
			if !found {
				t.Fatalf("%v is neither the peer nor in %q", got, header)
			}
		}
		// Every hop right of the one chosen is trusted.
		hops := strings.Split(header, ",")
		for i := len(hops) - 1; i >= 0; i-- {
			if strings.TrimSpace(hops[i]) == "" {
				continue
			}
			a, ok := parseHop(hops[i])
			if !ok || a == got {
				break
			}
			if !proxies(trusted).trusts(a) {
				t.Fatalf("skipped the untrusted %v to reach %v in %q", a, got, header)
			}
		}
	})
}
