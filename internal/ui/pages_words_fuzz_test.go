package ui

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func testMAC(msg string) string {
	m := hmac.New(sha256.New, []byte("test key"))
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func signedNotice(msg string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + testMAC(msg)
}

func TestParseNotice(t *testing.T) {
	key, args, ok := parseNotice(signedNotice("reports.issued\x00id\x00daily-2021-06-12-public"), testMAC)
	if !ok || key != "reports.issued" || len(args) != 2 || args[1] != "daily-2021-06-12-public" {
		t.Fatalf("%q %v %v", key, args, ok)
	}
	// A count named n comes back a number, so that a plural message
	// chooses its form by it; any other argument stays text.
	key, args, ok = parseNotice(signedNotice("review.done.n\x00n\x0012\x00id\x007"), testMAC)
	if !ok || key != "review.done.n" || len(args) != 4 || args[1] != 12 || args[3] != "7" {
		t.Fatalf("%q %#v %v", key, args, ok)
	}
	if _, args, _ = parseNotice(signedNotice("k\x00n\x00012"), testMAC); args[1] != "012" {
		t.Errorf("n 012 read as %#v", args[1])
	}
	for _, bad := range []string{"", "x", signedNotice("a") + "x", strings.Repeat("A", 2000) + ".x", signedNotice("a\x00odd")} {
		if _, _, ok := parseNotice(bad, testMAC); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseNotice: a cookie value from the outside never panics and is
// accepted only when signed.
func FuzzParseNotice(f *testing.F) {
	f.Add(signedNotice("settings.saved"))
	f.Add(signedNotice("reports.issued\x00id\x00x"))
	f.Add("c2V0dGluZ3Muc2F2ZWQ.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("..")
	f.Fuzz(func(t *testing.T, v string) {
		key, args, ok := parseNotice(v, testMAC)
		if !ok {
			return
		}
		msg := strings.Join(append([]string{key}, func() []string {
			out := make([]string, len(args))
			for i, a := range args {
				out[i] = fmt.Sprint(a)
			}
			return out
		}()...), "\x00")
		if signedNotice(msg) != v {
			t.Fatalf("accepted %q, which is not the signed %q", v, msg)
		}
	})
}
