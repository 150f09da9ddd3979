package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies parses the --trusted-proxy value: CIDR ranges (or
// single addresses) separated by commas. Empty is no proxy.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not a CIDR range such as 10.0.0.0/8 or an IP address", part)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR range such as 10.0.0.0/8 or an IP address", part)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// proxies are the ranges requests may be relayed from.
type proxies []netip.Prefix

func (ps proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one address as a proxy writes it: "192.0.2.1",
// "2001:db8::1", "192.0.2.1:443", "[2001:db8::1]:443", possibly quoted.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil && a.Zone() == "" {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// clientAddress returns the address of the client of a request that came
// from remoteAddr with these X-Forwarded-For header lines. The header is
// believed only when remoteAddr is a trusted proxy: then the client is the
// right-most address in it that is not itself a trusted proxy (each proxy
// appends the address it saw; everything left of the first untrusted one
// is the client's to invent). An entry that is not an address ends the
// walk at the last trusted hop. relayed is false when remoteAddr is not a
// trusted proxy's (or not an address at all): then the client is the peer.
func clientAddress(remoteAddr string, forwardedFor []string, trusted proxies) (client netip.Addr, relayed bool) {
	peer, ok := parseHop(remoteAddr)
	if !ok || len(trusted) == 0 || !trusted.trusts(peer) {
		return peer, false
	}
	client = peer
	for i := len(forwardedFor) - 1; i >= 0; i-- {
		hops := strings.Split(forwardedFor[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			if strings.TrimSpace(hops[j]) == "" {
				continue
			}
			a, ok := parseHop(hops[j])
			if !ok {
				return client, true
			}
			client = a
			if !trusted.trusts(a) {
				return client, true
			}
		}
	}
	return client, true
}

// clientAddresses replaces a request's RemoteAddr with its client's
// address when it came through a trusted proxy, so that sign-in throttling
// and the logs see the client, not the proxy.
func (s *Server) clientAddresses(h http.Handler) http.Handler {
	trusted := proxies(s.Config.TrustedProxies)
	if len(trusted) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, relayed := clientAddress(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), trusted); relayed {
			r2 := *r
			r2.RemoteAddr = netip.AddrPortFrom(a, 0).String()
			r = &r2
		}
		h.ServeHTTP(w, r)
	})
}
